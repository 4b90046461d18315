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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from ..audio.decode import Audio, load_audio
from ..core.datatypes import Transcript
from ..core.errors import VoicecoachError
from ..core.questions import Question, own_question
from ..practice.history import History, borrowed
from ..practice.record import RecordOptions
from ..practice.session import Outcome, PracticeSession
from ..scoring.pipeline import score_transcript
from ..scoring.result import Report
from ..settings.config import Settings
from .followups import TRIGGERS, WORDINGS, FollowUp, choose, result_texts, topic_phrase
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


@dataclass(frozen=True)
class Line:
    """One thing the interviewer says: its text and its role (greeting, question,
    follow-up, close)."""

    text: str
    role: str


class Conductor:
    """The course of one interview, whatever front end speaks and records it: what the
    interviewer says next, what the next answer is to, and what follows an answer (a
    follow-up, the next question, or the close), kept in the history as it goes.

    A front end says :meth:`opening`, then until :attr:`done` records an answer to
    :meth:`answering` and says what :meth:`answered` gives back; :meth:`end` closes the
    record (also after a Ctrl-C or a tab that went away: the interview is then stopped)."""

    def __init__(
        self,
        questions: list[Question],
        settings: Settings,
        *,
        directory: Path,
        kind: str,
        history: History | None = None,
        rng: random.Random | None = None,
        resumed: Interview | None = None,
    ) -> None:
        self.questions = questions
        self.settings = settings
        self.directory = directory
        self.history = history  # else the history is opened for each change (a server's threads)
        self.rng = rng or random.Random()
        plan = [{"id": q.id, "text": q.text} for q in questions]
        with borrowed(history, directory) as h:
            self.interview = resumed or Interview(h.start_interview(kind, plan), kind)
            if resumed is not None:
                resumed.status = "running"
                h.finish_interview(self.interview.id, "running")
        answered = {t.position for t in self.interview.turns if t.answer is not None}
        self._left = [n for n in range(1, len(questions) + 1) if n not in answered]
        self._turn: Turn | None = None  # the question being answered
        self._asking_follow_up = False
        self.done = not self._left

    def _ask_next(self) -> list[Line]:
        if not self._left:
            self._turn, self.done = None, True
            self.interview.status = "finished"
            return [Line(CLOSE, "close")]
        n = self._left.pop(0)
        self._turn = Turn(n, self.questions[n - 1])
        self._asking_follow_up = False
        self.interview.turns.append(self._turn)
        return [Line(self._turn.question.text, "question")]

    def opening(self) -> list[Line]:
        """The greeting (when the interview starts at its first question) and the first
        question to be answered."""
        lines = []
        if self._left and self._left[0] == 1:
            n_q = len(self.questions)
            greeting = GREETING.format(questions="one question" if n_q == 1 else f"{n_q} questions")
            lines.append(Line(greeting, "greeting"))
        return lines + self._ask_next()

    def answering(self) -> tuple[Question, str]:
        """What the next answer is to (the question, or the follow-up as a question of its
        own) and its label (``Q<n>`` or ``Q<n> follow-up``)."""
        turn = self._turn
        assert turn is not None, "nothing is being asked"
        if self._asking_follow_up:
            assert turn.follow_up is not None
            return own_question(turn.follow_up.text), f"Q{turn.position} follow-up"
        return turn.question, f"Q{turn.position}"

    def upcoming(self) -> list[str]:
        """The lines that may be said after the answer being given now (to be synthesised
        while the candidate speaks)."""
        later = [self.questions[self._left[0] - 1].text] if self._left else [CLOSE]
        follow_ups = [w for t in TRIGGERS for w in WORDINGS[t]] if not self._asking_follow_up else []
        return follow_ups + later

    def _turn_row(self) -> tuple[Turn, str, str, str | None]:
        turn = self._turn
        assert turn is not None, "nothing is being asked"
        if self._asking_follow_up and turn.follow_up is not None:
            return turn, "follow-up", turn.follow_up.text, turn.follow_up.trigger
        return turn, "answer", turn.question.text, None

    def recording(self, take_id: int) -> None:
        """Take ``take_id`` now records the answer being given: the history says so at
        once, so that a ``kill -9`` or a power cut in the middle of it leaves the answer
        in the interview (its take is settled from its file when the history next opens)."""
        turn, role, prompt, trigger = self._turn_row()
        with borrowed(self.history, self.directory) as h:
            h.add_turn(self.interview.id, turn.position, role, take_id, prompt, trigger)

    def answered(self, outcome: Outcome) -> list[Line]:
        """Keep ``outcome`` as the answer being given; what the interviewer says next
        (nothing when the answer was interrupted: the interview stops)."""
        turn, role, prompt, trigger = self._turn_row()
        follow_up = self._asking_follow_up
        with borrowed(self.history, self.directory) as h:
            if outcome.kept:
                h.add_turn(self.interview.id, turn.position, role, outcome.take_id, prompt, trigger)
            else:  # nothing was recorded: the take is gone, and so is its turn
                h.remove_turn(self.interview.id, turn.position, role)
        if follow_up:
            turn.follow_answer = outcome
        else:
            turn.answer = outcome
        if outcome.status == "interrupted":
            self.end("stopped")
            return []
        if not follow_up:
            fu = self._choose_follow_up(outcome)
            if fu is not None:
                turn.follow_up, self._asking_follow_up = fu, True
                return [Line(fu.text, "follow-up")]
        return self._ask_next()

    def _choose_follow_up(self, outcome: Outcome) -> FollowUp | None:
        report = outcome.report
        structure = report.results.get("structure") if report is not None and report.scored else None
        if report is None or structure is None:
            return None
        words = [w.text for w in report.transcript.words]
        sentences = [x.text for x in report.transcript.sentences]
        results = result_texts(structure, words)
        return choose(structure, sentences, results=results, rng=self.rng, topic=topic_phrase(" ".join(words)))

    def end(self, status: str | None = None) -> Interview:
        """Close the record: ``finished`` after the close, else ``stopped`` (or ``status``).
        Each question's two answers are then heard as one."""
        if status is not None:
            self.interview.status = status
        if self.interview.status == "running":
            self.interview.status = "stopped"
        self.done = True
        with borrowed(self.history, self.directory) as h:
            h.finish_interview(self.interview.id, self.interview.status)
        hear_as_one(self.interview, self.settings)
        return self.interview


def hear_as_one(interview: Interview, settings: Settings) -> None:
    """Each question's answer and its follow-up's answer heard as one (after the last
    question: it keeps the next question from waiting on it)."""
    for turn in interview.turns:
        a, f = turn.answer, turn.follow_answer
        if turn.combined is not None or a is None or f is None or a.report is None or f.report is None:
            continue
        if not (a.report.scored and f.report.scored):
            continue
        try:
            turn.combined, turn.given_when_asked = combine(a, f, turn.question, settings)
        except VoicecoachError as exc:
            logger.warning("Q%d: the two answers could not be heard as one (%s)", turn.position, exc)


class Interviewer:
    """Runs one interview in this process, as ``conductor`` leads it: the interviewer's
    lines played on the output device, each answer recorded from the microphone (see the
    module docstring)."""

    def __init__(self, conductor: Conductor, *, voice: Voice, options: InterviewOptions, listener: Listener) -> None:
        self.conductor = conductor
        self.voice = voice
        self.options = options
        self.listener = listener
        #: When each interviewer line started playing and each recording stopped (for the
        #: turn-taking latency: the candidate's stop to the interviewer's voice).
        self.timeline: list[tuple[str, float]] = []

    # ---------------------------------------------------------------- the interviewer speaks
    def say(self, line: Line) -> None:
        self.listener.interviewer(line.text, line.role)
        speech = self.voice.speech(line.text)
        self.timeline.append((f"voice:{line.role}", time.monotonic()))
        if speech is not None:
            play(speech, device=self.options.output_device)
            time.sleep(ECHO_GUARD_S)

    # ---------------------------------------------------------------- the candidate answers
    def listen(self, question: Question, label: str) -> Outcome:
        c = self.conductor
        session = PracticeSession.open(question, c.settings, directory=c.directory, history=c.history)
        c.recording(session.take_id)
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

    def run(self) -> Interview:
        c = self.conductor
        try:
            for line in c.opening():
                self.say(line)
            while not c.done:
                question, label = c.answering()
                self.voice.prepare(c.upcoming())  # while the candidate speaks
                for line in c.answered(self.listen(question, label)):
                    self.say(line)
        except KeyboardInterrupt:
            c.interview.status = "stopped"
        return c.end()


def resume(
    history: History, interview_id: int, bank: list[Question], settings: Settings
) -> tuple[Interview, list[Question]]:
    """An interview that was stopped, with the turns it has (each take scored now if it was
    not yet) and its planned questions, to go on from the first question not answered."""
    if history.interview(interview_id)["status"] == "finished":
        raise VoicecoachError(f"interview {interview_id} is finished; there is nothing to resume")
    return load_interview(history, interview_id, bank, settings)


def load_interview(
    history: History, interview_id: int, bank: list[Question], settings: Settings
) -> tuple[Interview, list[Question]]:
    """Interview ``interview_id`` from the history, with the turns it has (each take scored
    now if it was not yet; the two answers of a question not yet heard as one) and its
    planned questions."""
    from ..core.questions import resolve_question
    from ..practice.takes import rescore_take
    from ..scoring.result import report_from_dict

    record = history.interview(interview_id)
    questions = [
        next((q for q in bank if p.get("id") and q.id == p["id"]), None) or resolve_question(bank, p["text"])
        for p in record["plan"]
    ]
    interview = Interview(interview_id, record["kind"], status=record["status"])

    def outcome(take_id: int | None) -> Outcome | None:
        if take_id is None:
            return None
        take = history.get(take_id)
        if take.status == "recording":  # being recorded by a program still running
            path = Path(take.audio_path)
            return Outcome(status="interrupted", take_id=take_id, path=path, duration_s=0.0, report=None)
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
