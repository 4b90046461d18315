// The interview page: the interviewer's lines are played from this computer's voicecoach
// server, each answer is recorded once the line has been heard out (and a moment after,
// for the room's echo), and ends on Stop (or Space), after a silence once you have spoken,
// or at the longest answer. What comes next (a follow-up, the next question, the close)
// is the server's choice from what you said. (api, postJSON, mmss, Recorder: room.js)
'use strict';
const $ = (id) => document.getElementById(id);
//: Recording starts this long after the interviewer's voice has ended (the room's echo).
const ECHO_GUARD_MS = 300;
let interview = null;       // {id, silence_s}
let state = 'idle';         // idle, speaking, recording, stopping, done
let answering = null;       // {take_id, label, max_s}
// What happened when, on the console (for the page's tests): "heard|unplayed ROLE MS" as
// each line ends, "recording LABEL MS" as each answer starts.
const events = {push: (e) => console.debug('voicecoach: ' + e[0] + ' ' + e[1] + ' ' + Math.round(e[2]))};

const recorder = new Recorder({
  onLevel: (v) => { $('level').value = v; },
  onTick: (s) => { $('clock').textContent = mmss(s); },
  onSendError: (e) => say('Sending audio failed: ' + e.message + '. What was sent is kept.'),
  onEnd: () => stopAnswer(),
});

function say(text) { $('status').textContent = text; }

function log(who, text, cls) {
  const li = document.createElement('li');
  li.className = cls || '';
  const b = document.createElement('b');
  b.textContent = who + ': ';
  li.appendChild(b);
  li.appendChild(document.createTextNode(text));
  $('log').appendChild(li);
  li.scrollIntoView({block: 'nearest'});
}

// Play one line of the interviewer; resolves once it has been heard out.
function speak(line) {
  log('Interviewer', line.text, 'interviewer ' + line.role);
  if (line.role === 'question' || line.role === 'follow-up') $('question-text').textContent = line.text;
  if (!line.audio) return new Promise((r) => setTimeout(r, 600));
  return new Promise((resolve) => {
    const a = $('voice');
    let over = false;
    const done = (how) => {
      if (over) return;
      over = true; a.onended = null; a.onerror = null;
      events.push([how, line.role, performance.now()]);
      setTimeout(resolve, ECHO_GUARD_MS);
    };
    a.onended = () => done('heard');
    a.onerror = () => done('unplayed');  // a line that cannot be played is still shown
    a.src = line.audio;
    const p = a.play();
    if (p) p.catch(() => done('unplayed'));
  });
}

async function speakAll(lines) {
  state = 'speaking';
  $('stop').disabled = true;
  delete document.body.dataset.recording;
  say('The interviewer is speaking.');
  for (const line of lines) await speak(line);
}

async function begin() {
  $('begin').disabled = true;
  try {
    await recorder.open();
  } catch (e) {
    $('begin').disabled = false;
    say('The microphone could not be opened (' + e.message + '). Allow it for this page and try again.');
    return;
  }
  try {
    const r = await postJSON('/api/interviews', {kind: $('kind').value, count: parseInt($('count').value, 10)});
    interview = {id: r.interview_id, silence_s: r.stop_on_silence_s};
    document.body.dataset.interview = String(r.interview_id);
    $('setup').hidden = true;
    $('room').hidden = false;
    await next(r);
  } catch (e) {
    $('begin').disabled = false;
    recorder.release();
    say('The interview could not start: ' + e.message);
  }
}

// Say what the server gave, then record the next answer (or open the report at the end).
async function next(r) {
  await speakAll(r.lines || []);
  if (r.done) { finish(r.url); return; }
  await startAnswer();
}

async function startAnswer() {
  try {
    const t = await postJSON('/api/interviews/' + interview.id + '/answer');
    answering = t;
    await recorder.start(t.take_id, t.max_s, interview.silence_s);
    state = 'recording';
    events.push(['recording', t.label, performance.now()]);
    document.body.dataset.recording = t.label;
    $('stop').disabled = false;
    $('stop').focus();
    say('Recording your answer (' + t.label + '): press Stop or Space when you are done' + (interview.silence_s ? ', or just stop talking.' : '.'));
  } catch (e) {
    state = 'idle';
    say('Recording could not start: ' + e.message);
  }
}

async function stopAnswer() {
  if (state !== 'recording') return;
  state = 'stopping';
  $('stop').disabled = true;
  delete document.body.dataset.recording;
  say('Listening to your answer...');
  try {
    await recorder.stop();
    const r = await postJSON('/api/interviews/' + interview.id + '/stop');
    const o = r.outcome;
    log('You', o.status === 'scored' ? 'answered (' + mmss(o.duration_s || 0) + ')' : o.message, 'candidate');
    await next(r);
  } catch (e) {
    state = 'idle';
    say('The answer could not be kept: ' + e.message);
  }
}

async function endEarly() {
  if (!interview || state === 'done') return;
  $('end').disabled = true;
  if (state === 'recording') { state = 'stopping'; await recorder.stop(); }
  try {
    const r = await postJSON('/api/interviews/' + interview.id + '/end');
    finish(r.url);
  } catch (e) {
    say('The interview could not be ended: ' + e.message);
    $('end').disabled = false;
  }
}

function finish(url) {
  state = 'done';
  recorder.release();
  say('That was the interview. Opening its report.');
  window.location.assign(url);
}

document.addEventListener('DOMContentLoaded', () => {
  $('begin').addEventListener('click', begin);
  $('stop').addEventListener('click', stopAnswer);
  $('end').addEventListener('click', endEarly);
  document.addEventListener('keydown', (ev) => {
    if (ev.code !== 'Space' || ev.repeat || state !== 'recording') return;
    const tag = (ev.target && ev.target.tagName) || '';
    if (['INPUT', 'TEXTAREA', 'SELECT', 'A', 'SUMMARY'].includes(tag)) return;
    ev.preventDefault(); stopAnswer();
  });
});
