// The practice page: choose a question, record the answer in small chunks sent to this
// computer's voicecoach server, and open the report when the analysis is done.
// (api, mmss and the Recorder come from room.js)
'use strict';
const $ = (id) => document.getElementById(id);
let chosen = null;          // {id, text, min_s, max_s, points} or {own: text}
let state = 'idle';         // idle, countdown, recording, stopping
let take = null;            // {id, max_s}
let countdownTimer = null;
const recorder = new Recorder({
  onLevel: (v) => { $('level').value = v; },
  onTick: (s) => { $('clock').textContent = mmss(s); },
  onSendError: (e) => say('Sending audio failed: ' + e.message + '. What was sent is kept.'),
  onEnd: () => stop(),
});

function say(text) { $('status').textContent = text; }

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

async function start() {
  if (!chosen) { say('Choose a question first.'); return; }
  offerScoring(null);
  state = 'countdown';
  $('record').textContent = 'Cancel';
  try {
    await recorder.open();
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
    const t = await postJSON('/api/takes', body);
    take = {id: t.take_id, max_s: t.max_s};
    await recorder.start(take.id, take.max_s, 0);
    state = 'recording';
    document.body.dataset.recording = String(take.id);
    $('record').textContent = 'Stop recording';
    $('record').classList.add('on');
    say('Recording: speak now. Press the button or Space to stop.');
  } catch (e) {
    state = 'idle'; cleanup();
    say('Recording could not start: ' + e.message);
  }
}

function cleanup() {
  recorder.release();
  $('record').classList.remove('on');
  $('record').textContent = 'Start recording';
}

async function stop() {
  if (state === 'countdown') { clearInterval(countdownTimer); state = 'idle'; cleanup(); say('Cancelled.'); return; }
  if (state !== 'recording') return;
  state = 'stopping';
  const sent = recorder.stop();
  cleanup();
  $('record').disabled = true;
  say('Analysing your answer...');
  try {
    await sent;
    const r = await postJSON('/api/takes/' + take.id + '/stop');
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
    const r = await postJSON('/api/takes/' + b.dataset.take + '/score');
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
