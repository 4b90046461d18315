"""Audio in -> transcript -> analysers -> scores and tips: one :class:`Report`."""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysers import DEFAULT_ANALYSERS, AnswerContext
from .audio import Audio, load_audio
from .config import Settings
from .datatypes import SCHEMA_VERSION, Tip, Transcript
from .feedback import Scores, compute_scores, make_tips
from .lexicon import is_vocal_filler, lexicon_for
from .questions import Question
from .transcribe import ProgressCallback, transcribe

logger = logging.getLogger(__name__)

#: Less speech than this (by the VAD) is reported as no speech.
MIN_SPEECH_S = 0.5
#: A transcript is believed to be English only when its median word probability (vocal
#: fillers aside) is at least this. An English-only model writes English-looking nonsense
#: for other languages, so its own confidence is the evidence. Measured with tiny.en on
#: four espeak-ng German and French answers under the AVX2, AVX512 and GENERIC
#: instruction sets: 0.08-0.43; on English 0.53-0.99, the lowest the noisy, band-limited
#: Apollo radio (0.53-0.58), then a meeting (0.80), the espeak English answers 0.95-0.97.
#: The threshold sits between the two; the margin is small (0.04 below, 0.06 above).
MIN_MEDIAN_WORD_PROBABILITY = 0.47
#: The language is judged only on at least this many words (fillers aside): the median of
#: a handful is too noisy. A 5-second practice take ("Hmm, that is a good question.")
#: through the virtual microphone fell below the threshold in a CI run; the
#: German and French answers measured have 14-44 words.
MIN_WORDS_FOR_LANGUAGE = 10


@dataclass(frozen=True)
class Report:
    file: str
    duration_s: float
    question: str | None
    question_id: str | None
    transcript: Transcript
    speech_found: bool
    results: dict[str, Any] = field(default_factory=dict)
    scores: Scores | None = None
    tips: tuple[Tip, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)
    #: False when the speech does not sound like English (or is too unclear to
    #: transcribe): the transcript is kept, but nothing is analysed or scored.
    english: bool = True
    median_word_probability: float | None = None

    @property
    def warning(self) -> str | None:
        if not self.speech_found:
            return "No speech was found in this recording: nothing to score. Check the microphone or the file."
        if not self.english:
            return (
                f"This does not sound like English speech, or the recording is too unclear to transcribe "
                f"(median word confidence {self.median_word_probability:.2f}, below {MIN_MEDIAN_WORD_PROBABILITY}). "
                "voicecoach scores English answers, so no scores are given."
            )
        return None


def looks_english(transcript: Transcript) -> tuple[bool, float | None]:
    """(whether the transcript may be scored as English, its median word probability,
    vocal fillers aside). Fewer than MIN_WORDS_FOR_LANGUAGE words get the benefit of the
    doubt."""
    import statistics

    probs = [w.probability for w in transcript.words if not is_vocal_filler(w.norm)]
    if not probs:
        return True, None
    median_p = statistics.median(probs)
    return len(probs) < MIN_WORDS_FOR_LANGUAGE or median_p >= MIN_MEDIAN_WORD_PROBABILITY, median_p


def _speech_seconds(audio: Audio) -> float:
    """Seconds of speech by the Silero VAD that faster-whisper ships."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    spans = get_speech_timestamps(audio.samples, VadOptions(min_speech_duration_ms=250))
    return sum(s["end"] - s["start"] for s in spans) / audio.sample_rate_hz


def _believable(transcript: Transcript, audio: Audio) -> bool:
    """Whisper invents words on silence and noise ("you", "Thank you."), and on noise the
    invention varies from run to run (temperature fallback samples): a transcript counts
    only when the Silero voice activity detector also hears speech (~2 ms a second)."""
    return bool(transcript.words) and _speech_seconds(audio) >= MIN_SPEECH_S


def score_audio(
    audio: Audio,
    *,
    settings: Settings | None = None,
    question: str | Question | None = None,
    analysers=DEFAULT_ANALYSERS,
    on_progress: ProgressCallback | None = None,
) -> Report:
    """Transcribe and analyse decoded audio. ``question`` is the question's text, or a
    bank :class:`~voicecoach.questions.Question` (its category and "covers" points then
    shape the structure feedback)."""
    settings = settings or Settings()
    q = question if isinstance(question, Question) else None
    question_text = q.text if q else (question if isinstance(question, str) else None)
    question_id = q.id if q else None
    t0 = time.perf_counter()
    transcript = transcribe(audio, options=settings.transcription, on_progress=on_progress)
    t1 = time.perf_counter()
    timings = {"transcribe_s": t1 - t0}
    if not _believable(transcript, audio):
        empty = Transcript((), transcript.duration_s, transcript.language, transcript.model, transcript.decoding)
        return Report(audio.source, audio.duration_s, question_text, question_id, empty, False, timings_s=timings)
    english, median_p = looks_english(transcript)
    if not english:
        return Report(
            audio.source, audio.duration_s, question_text, question_id, transcript, True, timings_s=timings, english=False, median_word_probability=median_p
        )
    fillers_options = settings.options_for("fillers")
    context = AnswerContext(
        question=question_text,
        category=q.category if q else None,
        covers=q.covers if q else (),
        lexicon=lexicon_for(fillers_options.vocal),
        discourse_fillers=frozenset(fillers_options.discourse),
    )
    results = {module.NAME: module.analyse(transcript, audio, options=settings.options_for(module.NAME), context=context) for module in analysers}
    timings["analyse_s"] = time.perf_counter() - t1
    scores = compute_scores(results, settings.scoring)
    tips = make_tips(results, scores, rubric=settings.scoring, long_pause_s=settings.options_for("pauses").long_pause_s)
    return Report(audio.source, audio.duration_s, question_text, question_id, transcript, True, results, scores, tips, timings, True, median_p)


def score_file(
    path: str | Path,
    *,
    settings: Settings | None = None,
    question: str | Question | None = None,
    data: bytes | None = None,
    on_progress: ProgressCallback | None = None,
) -> Report:
    """Load, transcribe and analyse one audio file (``data``: its bytes, read elsewhere;
    ``on_progress``: told how far transcription has got, see
    :data:`~voicecoach.transcribe.ProgressCallback`).

    Raises:
        AudioError: the file is missing, not audio, corrupt or under 1 s.
        ModelNotFoundError: the model in ``settings`` cannot be found or fetched.
    """
    t0 = time.perf_counter()
    audio = load_audio(path, data=data)
    load_s = time.perf_counter() - t0
    report = score_audio(audio, settings=settings, question=question, on_progress=on_progress)
    return dataclasses.replace(report, timings_s={"load_s": load_s, **report.timings_s})


def _plain(obj: Any) -> Any:
    """asdict for nested frozen dataclasses, tuples -> lists, floats rounded to ms/1e-4."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 4)
    return obj


def report_to_dict(report: Report) -> dict[str, Any]:
    """The JSON object of ``score --json`` (schema documented in the README)."""
    t = report.transcript
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "file": report.file,
        "duration_s": round(report.duration_s, 3),
        "question": report.question,
        "question_id": report.question_id,
        "speech_found": report.speech_found,
        "english": report.english,
        "median_word_probability": None if report.median_word_probability is None else round(report.median_word_probability, 4),
        "warning": report.warning,
        "model": t.model,
        "decoding": t.decoding,
        "transcript": {
            "text": t.text,
            "language": t.language,
            "words": [_plain(w) for w in t.words],
            "sentences": [{"text": s.text, "start_s": s.start_s, "end_s": s.end_s} for s in t.sentences],
        },
    }
    for name, result in report.results.items():
        out[name] = _plain(result)
    out["scores"] = _plain(report.scores) if report.scores else None
    out["tips"] = [_plain(tip) for tip in report.tips]
    out["timings_s"] = {k: round(v, 3) for k, v in report.timings_s.items()}
    return out
