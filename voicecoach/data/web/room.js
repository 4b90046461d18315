// What the practice and the interview pages share: calling this computer's voicecoach
// server, and a Recorder that sends the microphone's audio to a take in small chunks of
// 16 kHz 16-bit samples while it is recorded (so that nothing is lost if the tab closes).
'use strict';
const RATE = 16000;
const SEND_EVERY_MS = 250;

function mmss(s) { s = Math.max(0, Math.floor(s)); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); }

async function api(path, options) {
  const r = await fetch(path, Object.assign({credentials: 'same-origin'}, options || {}));
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) {
    const e = new Error((body && body.error) || ('the server answered ' + r.status));
    e.hint = body && body.hint;
    throw e;
  }
  return body;
}

function postJSON(path, body) {
  return api(path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body || {})});
}

function toInt16(chunks) {
  let n = 0; for (const c of chunks) n += c.length;
  const out = new Int16Array(n);
  let i = 0;
  for (const c of chunks) for (let j = 0; j < c.length; j++) { const v = Math.max(-1, Math.min(1, c[j])); out[i++] = v < 0 ? v * 32768 : v * 32767; }
  return out;
}

function resample(x, from) {
  if (from === RATE) return x;
  const n = Math.floor(x.length * RATE / from), out = new Float32Array(n);
  for (let i = 0; i < n; i++) { const t = i * from / RATE, k = Math.floor(t), f = t - k; out[i] = (x[k] || 0) * (1 - f) + (x[k + 1] || 0) * f; }
  return out;
}

// One microphone, opened once (open), recording one take at a time (start ... stop).
// hooks: onLevel(0..1), onTick(seconds), onSendError(error), onEnd(why) where why is
// 'limit' (the take's longest) or 'silence' (silenceS of quiet once speech was heard).
class Recorder {
  constructor(hooks) { this.hooks = hooks || {}; this.media = null; this.ctx = null; this.takeId = null; }

  async open() {
    if (!this.media) this.media = await navigator.mediaDevices.getUserMedia({audio: {channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
  }

  async start(takeId, maxS, silenceS) {
    await this.open();
    this.takeId = takeId; this.maxS = maxS; this.silenceS = silenceS || 0;
    this.pending = []; this.samples = 0; this.queue = Promise.resolve(); this.sendError = null;
    this.heard = false; this.quietFrom = null; this.ended = false;
    this.ctx = new AudioContext({sampleRate: RATE});
    await this.ctx.audioWorklet.addModule('/static/capture-worklet.js');
    const source = this.ctx.createMediaStreamSource(this.media);
    const node = new AudioWorkletNode(this.ctx, 'voicecoach-capture');
    const mute = this.ctx.createGain(); mute.gain.value = 0;
    source.connect(node); node.connect(mute); mute.connect(this.ctx.destination);
    node.port.onmessage = (ev) => this.block(resample(ev.data, this.ctx.sampleRate));
    this.ticker = setInterval(() => { this.flush(); if (this.hooks.onTick) this.hooks.onTick(this.seconds); }, SEND_EVERY_MS);
  }

  get seconds() { return (this.samples || 0) / RATE; }

  block(x) {
    if (this.takeId === null || this.ended) return;
    this.pending.push(x); this.samples += x.length;
    let sum = 0; for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
    const rms = Math.sqrt(sum / Math.max(1, x.length));
    if (this.hooks.onLevel) this.hooks.onLevel(Math.min(1, rms * 4));
    const now = this.seconds;
    if (rms > 0.02) { this.heard = true; this.quietFrom = null; } else if (this.quietFrom === null) this.quietFrom = now;
    const why = now >= this.maxS ? 'limit'
      : this.silenceS && this.heard && this.quietFrom !== null && now - this.quietFrom >= this.silenceS ? 'silence' : null;
    if (why) { this.ended = true; if (this.hooks.onEnd) setTimeout(() => this.hooks.onEnd(why), 0); }
  }

  flush() {
    if (!this.pending.length || this.takeId === null) return;
    const samples = toInt16(this.pending);
    this.pending = [];
    const id = this.takeId;
    this.queue = this.queue.then(() => api('/api/takes/' + id + '/audio', {method: 'POST', headers: {'Content-Type': 'application/octet-stream'}, body: samples.buffer}))
      .catch((e) => { this.sendError = e; if (this.hooks.onSendError) this.hooks.onSendError(e); });
  }

  // Stop recording the take; resolves once every chunk has reached the server.
  async stop() {
    this.flush();
    clearInterval(this.ticker); this.ticker = null;
    if (this.ctx) this.ctx.close();
    this.ctx = null; this.takeId = null;
    if (this.hooks.onLevel) this.hooks.onLevel(0);
    await this.queue;
  }

  release() {
    if (this.media) this.media.getTracks().forEach((t) => t.stop());
    this.media = null;
  }
}
