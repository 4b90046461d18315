"""The interview itself: the interviewer speaks, each answer is a practice take, at most
one follow-up per question, and a record of it all in the history.

Every answer is a :class:`~voicecoach.practice.session.PracticeSession`, the same take the
terminal practice and the browser room drive: recorded to disk as it comes, streamed to
the recogniser, kept in the history before it is analysed. Recording starts only once the
interviewer has finished speaking (and :data:`ECHO_GUARD_S` after), so the interviewer's
words never reach a take even through loudspeakers. A Ctrl-C, a crash or ``kill -9`` keeps
every answer recorded so far; the interview is then ``stopped`` and can be resumed.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from ..audio.decode import Audio, load_audio
from ..core.datatypes import Transcript
from ..core.errors import VoicecoachError
from ..core.questions import Question, own_question
from ..practice.history import History
from ..practice.record import RecordOptions
from ..practice.session import Outcome, PracticeSession
from ..scoring.pipeline import score_transcript
from ..scoring.result import Report
from ..settings.config import Settings
from .followups import TRIGGERS, WORDINGS, FollowUp, choose, topic_phrase
from .voice import Voice, play

logger = logging.getLogger(__name__)

GREETING = "Hello, and thank you for coming in. I have {questions} for you. Let's begin."
CLOSE = "Thanks, that's all my questions."
#: Recording starts this long after the interviewer's last sample has been played: the
#: sound still on its way out of the loudspeaker and back from the room.
ECHO_GUARD_S = 0.3
#: When both takes of a question are heard as one answer, each keeps this much of the
#: silence at its joined edge.
JOIN_EDGE_S = 0.3


@dataclass(frozen=True)
class InterviewOptions:
    """How each answer is recorded and the interviewer heard."""

    answer_s: float = 150.0
    stop_on_silence_s: float | None = 3.0
    device: str | None = None
    output_device: str | None = None
    prep_s: float = 0.0


class Listener(Protocol):
    """What the front end shows and answers while the interview runs."""

    def interviewer(self, text: str, role: str) -> None: ...  # role: greeting, question, follow-up, close

    def recording(self, label: str, started: bool, outcome: Outcome | None = None) -> None: ...

    def should_stop(self) -> bool: ...

    def on_block(self, elapsed_s: float, level_db: float) -> None: ...


@dataclass
class Turn:
    """One question of the interview: the answer, the follow-up asked (if any) and its
    answer, and the two heard as one answer (``combined``), with the STAR parts that only
    the follow-up's answer gave (``given_when_asked``)."""

    position: int
    question: Question
    answer: Outcome | None = None
    follow_up: FollowUp | None = None
    follow_answer: Outcome | None = None
    combined: Report | None = None
    given_when_asked: tuple[str, ...] = ()

    @property
    def report(self) -> Report | None:
        """The question's report: both takes heard as one when there was a follow-up."""
        if self.combined is not None:
            return self.combined
        return self.answer.report if self.answer is not None else None


@dataclass
class Interview:
    id: int
    kind: str
    turns: list[Turn] = field(default_factory=list)
    status: str = "running"  # then "finished", or "stopped" (Ctrl-C, a device that failed)


def combine(first: Outcome, second: Outcome, question: Question, settings: Settings) -> tuple[Report, tuple[str, ...]]:
    """The question's answer and the follow-up's answer heard as one answer (the second
    take's words after the first's, each take's silence at the join cut to
    :data:`JOIN_EDGE_S`), and the STAR parts only the second gave."""
    r1, r2 = first.report, second.report
    assert r1 is not None and r2 is not None
    a1, a2 = load_audio(first.path), load_audio(second.path)
    sr = a1.sample_rate_hz
    t1, t2 = r1.transcript, r2.transcript
    end1 = min(len(a1.samples), int(((t1.words[-1].end_s if t1.words else 0.0) + JOIN_EDGE_S) * sr))
    start2 = max(0, int(((t2.words[0].start_s if t2.words else 0.0) - JOIN_EDGE_S) * sr))
    samples = np.concatenate([a1.samples[:end1], a2.samples[start2:]])
    offset = end1 / sr - start2 / sr
    shifted = tuple(
        dataclasses.replace(w, start_s=round(w.start_s + offset, 3), end_s=round(w.end_s + offset, 3))
        for w in t2.words
        if w.start_s * sr >= start2
    )
    words = tuple(w for w in t1.words if w.end_s * sr <= end1) + shifted
    transcript = Transcript(words, round(len(samples) / sr, 3), t1.language, t1.model, t1.decoding)
    audio = Audio(samples, sr, f"{first.path} + {second.path}")
    report = score_transcript(audio, transcript, settings=settings, question=question)
    return report, _given_later(r1, report, offset)


def _given_later(before: Report, after: Report, offset_s: float) -> tuple[str, ...]:
    """The STAR parts ``after`` shows, from the follow-up's answer on, that ``before`` did not."""
    s0, s1 = before.results.get("structure"), after.results.get("structure")
    if s0 is None or s1 is None:
        return ()
    had = {p.part for p in s0.star if p.present}
    return tuple(
        p.part
        for p in s1.star
        if p.present and p.part not in had and any(ev.start_s >= offset_s - 0.05 for ev in p.evidence)
    )


class Interviewer:
    """Runs one interview (see the module docstring)."""

    def __init__(
        self,
        questions: list[Question],
        settings: Settings,
        *,
        directory: Path,
        kind: str,
        voice: Voice,
        options: InterviewOptions,
        listener: Listener,
        rng: random.Random | None = None,
    ) -> None:
        self.questions = questions
        self.settings = settings
        self.directory = directory
        self.kind = kind
        self.voice = voice
        self.options = options
        self.listener = listener
        self.rng = rng or random.Random()
        self.history = History.open(directory)
        #: When each interviewer line started playing and each recording stopped (for the
        #: turn-taking latency: the candidate's stop to the interviewer's voice).
        self.timeline: list[tuple[str, float]] = []

    def close(self) -> None:
        self.history.close()

    # ---------------------------------------------------------------- the interviewer speaks
    def say(self, text: str, role: str) -> None:
        self.listener.interviewer(text, role)
        speech = self.voice.speech(text)
        self.timeline.append((f"voice:{role}", time.monotonic()))
        if speech is not None:
            play(speech, device=self.options.output_device)
            time.sleep(ECHO_GUARD_S)

    def _warm(self, texts: list[str]) -> None:
        """Synthesise ``texts`` in the background (while the candidate speaks), so that they
        are in the cache when they are asked."""

        def work() -> None:
            for t in texts:
                try:
                    self.voice.speech(t)
                except VoicecoachError as exc:
                    logger.debug("could not prepare %r: %s", t, exc)

        if self.voice.speaks:
            threading.Thread(target=work, name="voicecoach-voice", daemon=True).start()

    # ---------------------------------------------------------------- the candidate answers
    def listen(self, question: Question, label: str) -> Outcome:
        session = PracticeSession.open(question, self.settings, directory=self.directory, history=self.history)
        o = self.options
        options = RecordOptions(device=o.device, max_seconds=o.answer_s, stop_on_silence_s=o.stop_on_silence_s)
        started: list[bool] = []

        def on_block(elapsed_s: float, level_db: float) -> None:
            if not started:  # the device delivers: the candidate is heard from now on
                started.append(True)
                self.listener.recording(label, True)
            self.listener.on_block(elapsed_s, level_db)

        session.record(options, should_stop=self.listener.should_stop, on_block=on_block)
        self.timeline.append((f"stop:{label}", time.monotonic()))
        outcome = session.stop()
        self.listener.recording(label, False, outcome)
        return outcome

    def run(self, *, resumed: Interview | None = None) -> Interview:
        plan = [{"id": q.id, "text": q.text} for q in self.questions]
        interview = resumed or Interview(self.history.start_interview(self.kind, plan), self.kind)
        if resumed is not None:
            self.history.finish_interview(interview.id, "running")
        done = {t.position for t in interview.turns if t.answer is not None}
        first = min((n for n in range(1, len(self.questions) + 1) if n not in done), default=None)
        try:
            if first == 1:
                n_q = len(self.questions)
                self.say(GREETING.format(questions="one question" if n_q == 1 else f"{n_q} questions"), "greeting")
            for n, q in enumerate(self.questions, 1):
                if n in done:
                    continue
                later = [self.questions[n].text] if n < len(self.questions) else [CLOSE]
                self._warm([w for t in TRIGGERS for w in WORDINGS[t]] + later)
                turn = Turn(n, q)
                interview.turns.append(turn)
                self.say(q.text, "question")
                turn.answer = self.listen(q, f"Q{n}")
                self._keep(interview, turn.answer, n, "answer", q.text)
                if turn.answer.status == "interrupted":
                    interview.status = "stopped"
                    break
                self._follow_up(interview, turn)
                if turn.follow_answer is not None and turn.follow_answer.status == "interrupted":
                    interview.status = "stopped"
                    break
            else:
                self.say(CLOSE, "close")
                interview.status = "finished"
        except KeyboardInterrupt:
            interview.status = "stopped"
        finally:
            if interview.status == "running":
                interview.status = "stopped"
            self.history.finish_interview(interview.id, interview.status)
        self.hear_as_one(interview)
        return interview

    def _keep(
        self, interview: Interview, outcome: Outcome, n: int, role: str, prompt: str, trigger: str | None = None
    ) -> None:
        if outcome.kept:
            self.history.add_turn(interview.id, n, role, outcome.take_id, prompt, trigger)

    def _follow_up(self, interview: Interview, turn: Turn) -> None:
        report = turn.answer.report if turn.answer is not None else None
        structure = report.results.get("structure") if report is not None and report.scored else None
        if structure is None:
            return
        text = " ".join(w.text for w in report.transcript.words) if report is not None else ""
        fu = choose(structure, rng=self.rng, topic=topic_phrase(text))
        if fu is None:
            return
        turn.follow_up = fu
        self.say(fu.text, "follow-up")
        turn.follow_answer = self.listen(own_question(fu.text), f"Q{turn.position} follow-up")
        self._keep(interview, turn.follow_answer, turn.position, "follow-up", fu.text, fu.trigger)

    def hear_as_one(self, interview: Interview) -> None:
        """Each question's answer and its follow-up's answer heard as one (after the last
        question: it keeps the next question from waiting on it)."""
        for turn in interview.turns:
            a, f = turn.answer, turn.follow_answer
            if turn.combined is not None or a is None or f is None or a.report is None or f.report is None:
                continue
            if not (a.report.scored and f.report.scored):
                continue
            try:
                turn.combined, turn.given_when_asked = combine(a, f, turn.question, self.settings)
            except VoicecoachError as exc:
                logger.warning("Q%d: the two answers could not be heard as one (%s)", turn.position, exc)


def resume(
    history: History, interview_id: int, bank: list[Question], settings: Settings
) -> tuple[Interview, list[Question]]:
    """An interview that was stopped, with the turns it has (each take scored now if it was
    not yet) and its planned questions, to go on from the first question not answered."""
    from ..core.questions import resolve_question
    from ..practice.takes import rescore_take
    from ..scoring.result import report_from_dict

    record = history.interview(interview_id)
    if record["status"] == "finished":
        raise VoicecoachError(f"interview {interview_id} is finished; there is nothing to resume")
    questions = [
        next((q for q in bank if p.get("id") and q.id == p["id"]), None) or resolve_question(bank, p["text"])
        for p in record["plan"]
    ]
    interview = Interview(interview_id, record["kind"])

    def outcome(take_id: int | None) -> Outcome | None:
        if take_id is None:
            return None
        take = history.get(take_id)
        if take.status != "scored":
            rescore_take(history, take_id, settings, bank=bank)
            take = history.get(take_id)
        report = report_from_dict(take.report) if take.report else None
        return Outcome(
            status="scored" if report is not None else "failed",
            take_id=take_id,
            path=Path(take.audio_path),
            duration_s=take.duration_s or 0.0,
            report=report,
            error=take.error,
        )

    for t in record["turns"]:
        n = t["position"]
        turn = next((x for x in interview.turns if x.position == n), None)
        if turn is None:
            turn = Turn(n, questions[n - 1])
            interview.turns.append(turn)
        if t["role"] == "answer":
            turn.answer = outcome(t["take_id"])
        else:
            turn.follow_up = FollowUp(t["trigger"] or "", t["prompt"])
            turn.follow_answer = outcome(t["take_id"])
    # a question whose answer is there but whose follow-up never came is done: it is not asked
    # again; the answers are heard as one when the interview ends (Interviewer.hear_as_one)
    return interview, questions


def latencies(timeline: list[tuple[str, float]]) -> list[float]:
    """Seconds from each stop of the candidate to the interviewer's next line."""
    out = []
    for (what, t), (nxt, t2) in zip(timeline, timeline[1:], strict=False):
        if what.startswith("stop:") and nxt.startswith("voice:"):
            out.append(round(t2 - t, 3))
    return out
