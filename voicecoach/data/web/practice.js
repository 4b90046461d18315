// The practice page: choose a question, record the answer in small chunks sent to this
// computer's voicecoach server, and open the report when the analysis is done.
'use strict';
const $ = (id) => document.getElementById(id);
const RATE = 16000;
const SEND_EVERY_MS = 250;
let chosen = null;          // {id, text, min_s, max_s, points} or {own: text}
let state = 'idle';         // idle, countdown, recording, stopping
let take = null;            // {id, max_s}
let media = null, ctx = null, node = null;
let pending = [], sentSamples = 0, queue = Promise.resolve(), sendError = null, ticker = null, countdownTimer = null;

function mmss(s) { s = Math.max(0, Math.floor(s)); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); }
function say(text) { $('status').textContent = text; }

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

function showQuestions(list) {
  const ul = $('questions');
  ul.textContent = '';
  if (!list.length) { const li = document.createElement('li'); li.textContent = 'No question matches.'; ul.appendChild(li); return; }
  for (const q of list) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.id = q.id;
    b.setAttribute('aria-pressed', String(Boolean(chosen && chosen.id === q.id)));
    b.textContent = q.text;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = q.category_name + ', ' + q.difficulty + (q.practised ? ', practised' : '');
    b.appendChild(meta);
    b.addEventListener('click', () => choose(q, true));
    li.appendChild(b);
    ul.appendChild(li);
  }
}

async function search() {
  const p = new URLSearchParams({search: $('search').value, category: $('category').value, difficulty: $('difficulty').value});
  try { showQuestions(await api('/api/questions?' + p)); } catch (e) { say('Could not load the questions: ' + e.message); }
}

function choose(q, focus) {
  if (state !== 'idle') return;
  chosen = q;
  $('question-text').textContent = q.text;
  $('target').textContent = !q.min_s ? 'A question of your own.'
    : q.own ? 'A question of your own: aim for ' + mmss(q.min_s) + ' to ' + mmss(q.max_s) + ', as for a ' + q.kind + ' question.'
    : 'Aim for ' + mmss(q.min_s) + ' to ' + mmss(q.max_s) + '.';
  const points = $('points');
  points.textContent = '';
  for (const p of q.points || []) { const li = document.createElement('li'); li.textContent = p; points.appendChild(li); }
  $('points-box').hidden = !(q.points && q.points.length);
  document.querySelectorAll('#questions button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.id === q.id)));
  $('record').disabled = false;
  say('Ready. Press the button or Space to start; press again to stop.');
  if (focus) $('record').focus();  // from the keyboard, the next thing to do is to record
}

async function chooseOwn(text) {
  text = text.trim();
  if (!text) { say('Type a question first.'); return; }
  // the server says which rules the report will judge it by (and knows a bank question's text)
  let q = {id: '', text: text, own: true, points: []};
  try { const found = await api('/api/questions?' + new URLSearchParams({own: text})); if (found.length) q = found[0]; } catch (e) { /* judged all the same */ }
  choose(q, true);
}

async function next() {
  try { const list = await api('/api/questions?next=1'); if (list.length) choose(list[0]); } catch (e) { say('Could not pick the next question: ' + e.message); }
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

function flush() {
  if (!pending.length || !take) return;
  const samples = toInt16(pending);
  pending = [];
  const id = take.id;
  queue = queue.then(() => api('/api/takes/' + id + '/audio', {method: 'POST', headers: {'Content-Type': 'application/octet-stream'}, body: samples.buffer}))
    .catch((e) => { sendError = e; });
}

async function start() {
  if (!chosen) { say('Choose a question first.'); return; }
  offerScoring(null);
  state = 'countdown';
  $('record').textContent = 'Cancel';
  try {
    media = await navigator.mediaDevices.getUserMedia({audio: {channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
  } catch (e) {
    state = 'idle'; $('record').textContent = 'Start recording';
    say('The microphone could not be opened (' + e.message + '). Allow it for this page and try again.');
    return;
  }
  let left = parseInt($('countdown').value, 10) || 0;
  const go = () => { if (state === 'countdown') begin(); };
  if (!left) return go();
  say('Recording starts in ' + left + ' s.');
  countdownTimer = setInterval(() => {
    left -= 1;
    if (state !== 'countdown') { clearInterval(countdownTimer); return; }
    if (left <= 0) { clearInterval(countdownTimer); go(); } else say('Recording starts in ' + left + ' s.');
  }, 1000);
}

async function begin() {
  try {
    const body = chosen.own ? {question_text: chosen.text} : {question_id: chosen.id};
    const t = await api('/api/takes', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    take = {id: t.take_id, max_s: t.max_s};
    ctx = new AudioContext({sampleRate: RATE});
    await ctx.audioWorklet.addModule('/static/capture-worklet.js');
    const source = ctx.createMediaStreamSource(media);
    node = new AudioWorkletNode(ctx, 'voicecoach-capture');
    const mute = ctx.createGain(); mute.gain.value = 0;
    source.connect(node); node.connect(mute); mute.connect(ctx.destination);
    sentSamples = 0; pending = []; sendError = null;
    node.port.onmessage = (ev) => {
      if (state !== 'recording') return;
      const x = resample(ev.data, ctx.sampleRate);
      pending.push(x); sentSamples += x.length;
      let sum = 0; for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
      $('level').value = Math.min(1, Math.sqrt(sum / Math.max(1, x.length)) * 4);
      if (sentSamples / RATE >= take.max_s) stop();
    };
    state = 'recording';
    document.body.dataset.recording = String(take.id);
    $('record').textContent = 'Stop recording';
    $('record').classList.add('on');
    say('Recording: speak now. Press the button or Space to stop.');
    ticker = setInterval(() => { $('clock').textContent = mmss(sentSamples / RATE); flush(); if (sendError) { say('Sending audio failed: ' + sendError.message + '. What was sent is kept.'); } }, SEND_EVERY_MS);
  } catch (e) {
    state = 'idle'; cleanup();
    say('Recording could not start: ' + e.message);
  }
}

function cleanup() {
  clearInterval(ticker); ticker = null;
  if (media) media.getTracks().forEach((t) => t.stop());
  if (ctx) ctx.close();
  media = null; ctx = null; node = null;
  $('record').classList.remove('on');
  $('record').textContent = 'Start recording';
  $('level').value = 0;
}

async function stop() {
  if (state === 'countdown') { clearInterval(countdownTimer); state = 'idle'; cleanup(); say('Cancelled.'); return; }
  if (state !== 'recording') return;
  state = 'stopping';
  flush();
  cleanup();
  $('record').disabled = true;
  say('Analysing your answer...');
  try {
    await queue;
    const r = await api('/api/takes/' + take.id + '/stop', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'});
    if (r.status === 'scored') {
      say(r.note ? r.note + ' Opening the report.' : 'Done: opening the report.');
      setTimeout(() => window.location.assign(r.url), r.note ? 3000 : 0);
      return;
    }
    say(r.message);
    offerScoring(r.hint);
  } catch (e) {
    say('The analysis failed: ' + e.message);
    offerScoring(e.hint);
  }
  state = 'idle';
  $('record').disabled = false;
}

// A take that was kept without a report (the analysis failed, the tab slept) can be scored
// again from here: the server's hint names it.
function offerScoring(hint) {
  const b = $('score-take');
  b.hidden = !(hint && hint.action === 'score-take');
  if (!b.hidden) b.dataset.take = String(hint.arg);
}

async function scoreSaved() {
  const b = $('score-take');
  b.disabled = true;
  say('Analysing the saved take...');
  try {
    const r = await api('/api/takes/' + b.dataset.take + '/score', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'});
    if (r.status === 'scored') { window.location.assign(r.url); return; }
    say(r.message);
  } catch (e) {
    say('The analysis failed again: ' + e.message);
  }
  b.disabled = false;
}

function toggle() { if (state === 'idle') start(); else stop(); }

document.addEventListener('DOMContentLoaded', () => {
  $('search').addEventListener('input', search);
  $('category').addEventListener('change', search);
  $('difficulty').addEventListener('change', search);
  $('next').addEventListener('click', next);
  $('use-own').addEventListener('click', () => chooseOwn($('own').value));
  $('record').addEventListener('click', toggle);
  $('score-take').addEventListener('click', scoreSaved);
  document.addEventListener('keydown', (ev) => {
    if (ev.code !== 'Space' || ev.repeat) return;
    const tag = (ev.target && ev.target.tagName) || '';
    if (['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'A', 'SUMMARY'].includes(tag)) return;
    ev.preventDefault(); toggle();
  });
  const p = new URLSearchParams(window.location.search);
  search().then(async () => {
    if (p.get('question')) { const list = await api('/api/questions?id=' + encodeURIComponent(p.get('question'))); if (list.length) choose(list[0]); }
    else if (p.get('own')) { $('own').value = p.get('own'); chooseOwn(p.get('own')); }
    else if (p.get('next')) await next();
  });
});
