"""Audio in -> transcript -> analysers -> scores and tips: one :class:`Report`."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..analysers import Analyser, registered
from ..analysers.feedback import compute_scores, make_tips, not_judged
from ..asr.language import (
    MIN_ENGLISH_PROBABILITY,
    MIN_MEDIAN_WORD_PROBABILITY,
    MIN_WORDS_FOR_LANGUAGE,
    believable,
    english_probability,
    in_doubt,
    looks_english,
)
from ..asr.transcribe import ProgressCallback, transcribe
from ..audio.decode import Audio, load_audio
from ..audio.voice import MIN_SPEECH_S, speech_seconds
from ..core.datatypes import Transcript, Word
from ..core.questions import Question, as_question
from ..settings.config import Settings
from .result import Report, report_to_dict

logger = logging.getLogger(__name__)


def score_audio(
    audio: Audio,
    *,
    settings: Settings | None = None,
    question: str | Question | None = None,
    analysers: Iterable[Any] | None = None,
    on_progress: ProgressCallback | None = None,
) -> Report:
    """Transcribe and analyse decoded audio. ``question`` is the question's text, or a
    bank :class:`~voicecoach.core.questions.Question` (its category and "covers" points then
    shape the structure feedback). ``analysers``: which to run (modules or
    :class:`~voicecoach.analysers.Analyser` s; default: every registered one); the
    overall score is the weighted mean of those that ran."""
    settings = settings or Settings()
    t0 = time.perf_counter()
    o = settings.transcription
    speech_s = speech_seconds(audio, enough_s=MIN_SPEECH_S)
    if speech_s < MIN_SPEECH_S:
        # no speech by the voice activity detector: no word the recogniser would write is
        # believed (asr.language.believable), so it is not asked (on a tone it invents
        # words at every temperature, for seconds)
        transcript = Transcript((), round(audio.duration_s, 3), o.language, o.model, o.decoding)
    else:
        transcript = transcribe(
            audio, options=o, on_progress=on_progress, relisten=settings.relisten, silence=settings.silence
        )
    return score_transcript(
        audio,
        transcript,
        settings=settings,
        question=question,
        analysers=analysers,
        timings_s={"transcribe_s": time.perf_counter() - t0},
        speech_s=speech_s,
    )


def score_transcript(
    audio: Audio,
    transcript: Transcript,
    *,
    settings: Settings | None = None,
    question: str | Question | None = None,
    analysers: Iterable[Any] | None = None,
    timings_s: dict[str, float] | None = None,
    speech_s: float | None = None,
) -> Report:
    """Analyse an answer already transcribed (by :func:`score_audio`, or piece by piece
    while it was recorded, :mod:`voicecoach.scoring.stream`; ``speech_s``: the seconds of speech
    the voice activity detector heard, when already measured)."""
    report = _analyse_transcript(
        audio,
        transcript,
        settings=settings,
        question=question,
        analysers=analysers,
        timings_s=timings_s,
        speech_s=speech_s,
    )
    return dataclasses.replace(report, recorded_at=recorded_at(audio.source))


#: The answer :func:`prepare_analysis` analyses: words enough for every analyser to run.
_PREPARE_WORDS = "So last year I led a small team and we finished the project early".split()


def prepare_analysis(settings: Settings, question: Question | None) -> None:
    """Run every analyser once on a short made-up answer to ``question``, so that what they
    load on first use (imports, the word embeddings, the question bank's vectors) is in
    memory before the real answer ends. The streamed practice take calls it while the
    speaker talks; it changes no result."""
    import numpy as np

    from ..audio.decode import SAMPLE_RATE_HZ

    words = tuple(Word(w, 0.2 + 0.35 * i, 0.5 + 0.35 * i, 0.9) for i, w in enumerate(_PREPARE_WORDS))
    t = np.arange(int((words[-1].end_s + 0.3) * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    samples = (0.1 * np.sin(2 * np.pi * 140.0 * t) * (np.sin(2 * np.pi * 2.0 * t) > 0)).astype(np.float32)
    audio = Audio(samples, SAMPLE_RATE_HZ, "prepare")
    _run_analysers(registered(), Transcript(words, audio.duration_s, "en"), audio, settings=settings, question=question)


def _run_analysers(
    chosen: Iterable[Analyser], transcript: Transcript, audio: Audio, *, settings: Settings, question: Question | None
) -> dict[str, Any]:
    """Each analyser's result, with its options from ``settings``."""
    context = settings.context(question)
    return {
        a.name: a.analyse(
            transcript, audio, options=settings.analysers.get(a.name) or a.options_type(), context=context
        )
        for a in chosen
    }


def recorded_at(source: str) -> str | None:
    """When a recording was made: its file's modification time (local, ISO 8601), or
    None when the audio did not come from a file."""
    try:
        mtime = os.stat(source).st_mtime
    except (OSError, ValueError):
        return None
    return datetime.datetime.fromtimestamp(mtime).astimezone().isoformat(timespec="seconds")


def _analyse_transcript(
    audio: Audio,
    transcript: Transcript,
    *,
    settings: Settings | None,
    question: str | Question | None,
    analysers: Iterable[Any] | None,
    timings_s: dict[str, float] | None,
    speech_s: float | None,
) -> Report:
    settings = settings or Settings()
    q = as_question(question)
    question_text = q.text if q else None
    question_id = (q.id or None) if q else None
    chosen = (
        registered()
        if analysers is None
        else tuple(a if isinstance(a, Analyser) else Analyser.of(a) for a in analysers)
    )
    about: dict[str, Any] = dict(
        file=audio.source, duration_s=audio.duration_s, question=question_text, question_id=question_id
    )
    t1 = time.perf_counter()
    timings = dict(timings_s or {})
    if not believable(transcript, audio, speech_s):
        empty = Transcript((), transcript.duration_s, transcript.language, transcript.model, transcript.decoding)
        if (
            not transcript.words
            and (speech_seconds(audio, enough_s=MIN_SPEECH_S) if speech_s is None else speech_s) >= MIN_SPEECH_S
        ):
            # speech the recogniser wrote no word of: another language, where that can be told
            p_en = english_probability(audio, silence=settings.silence)
            if p_en is not None and p_en < MIN_ENGLISH_PROBABILITY:
                return Report(
                    **about,
                    transcript=empty,
                    speech_found=True,
                    timings_s=timings,
                    english=False,
                    english_probability=p_en,
                )
        return Report(**about, transcript=empty, speech_found=False, timings_s=timings)
    english, median_p = looks_english(transcript)
    p_en = None
    if english and in_doubt(transcript, audio, median_p):
        p_en = english_probability(audio, silence=settings.silence)
        english = p_en is None or p_en >= MIN_ENGLISH_PROBABILITY
    if not english:
        return Report(
            **about,
            transcript=transcript,
            speech_found=True,
            timings_s=timings,
            english=False,
            median_word_probability=median_p,
            english_probability=p_en,
        )
    results = _run_analysers(chosen, transcript, audio, settings=settings, question=q)
    timings["analyse_s"] = time.perf_counter() - t1
    unjudged = not_judged(results, median_word_probability=median_p)
    scores = compute_scores(results, settings.scoring, analysers=chosen, unjudged=unjudged)
    tips = make_tips(results, scores, rubric=settings.scoring, analysers=chosen)
    return Report(
        **about,
        transcript=transcript,
        speech_found=True,
        results=results,
        scores=scores,
        tips=tips,
        timings_s=timings,
        median_word_probability=median_p,
        english_probability=p_en,
    )


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
    :data:`~voicecoach.asr.transcribe.ProgressCallback`).

    Raises:
        AudioError: the file is missing, not audio, corrupt or under 1 s.
        ModelNotFoundError: the model in ``settings`` cannot be found or fetched.
    """
    t0 = time.perf_counter()
    audio = load_audio(path, data=data)
    load_s = time.perf_counter() - t0
    report = score_audio(audio, settings=settings, question=question, on_progress=on_progress)
    return dataclasses.replace(report, timings_s={"load_s": load_s, **report.timings_s})


__all__ = [
    "MIN_MEDIAN_WORD_PROBABILITY",
    "MIN_WORDS_FOR_LANGUAGE",
    "Report",
    "looks_english",
    "report_to_dict",
    "score_audio",
    "score_file",
]
