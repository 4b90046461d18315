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
from ..analysers.feedback import compute_scores, make_tips
from ..asr.transcribe import MIN_ENGLISH_PROBABILITY, ProgressCallback, english_probability, transcribe
from ..audio.decode import Audio, load_audio
from ..core.datatypes import MIN_MEDIAN_WORD_PROBABILITY, MIN_WORDS_FOR_LANGUAGE, Transcript, looks_english
from ..core.lexicon import is_vocal_filler
from ..core.questions import Question
from ..settings.config import Settings
from .result import Report, report_to_dict

logger = logging.getLogger(__name__)

#: Less speech than this (by the VAD) is reported as no speech.
MIN_SPEECH_S = 0.5


#: The voice activity detector hears this much audio at a time (one call on a 10-minute
#: file took 200 MB; it costs about 2 ms a second of audio).
VAD_CHUNK_S = 10.0


def speech_seconds(audio: Audio, *, enough_s: float | None = None) -> float:
    """Seconds of speech by the Silero VAD that faster-whisper ships, heard VAD_CHUNK_S at
    a time; with ``enough_s``, counting stops once that much speech is heard."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    sr = audio.sample_rate_hz
    step = int(VAD_CHUNK_S * sr)
    total = 0
    for start in range(0, len(audio.samples), step):
        spans = get_speech_timestamps(audio.samples[start : start + step], VadOptions(min_speech_duration_ms=250))
        total += sum(s["end"] - s["start"] for s in spans)
        if enough_s is not None and total / sr >= enough_s:
            break
    return total / sr


def _believable(transcript: Transcript, audio: Audio, speech_s: float | None = None) -> bool:
    """Whisper invents words on silence and noise ("you", "Thank you."), and on noise the
    invention varies from run to run (temperature fallback samples): a transcript counts
    only when the Silero voice activity detector also hears speech (~2 ms a second;
    ``speech_s``: already measured)."""
    if not transcript.words:
        return False
    return (speech_seconds(audio, enough_s=MIN_SPEECH_S) if speech_s is None else speech_s) >= MIN_SPEECH_S


#: A transcript is doubted, and the language told by the multilingual model where it is
#: installed, when its median word probability is under this (English samples, corpus
#: and real recordings: 0.80-0.99, the Apollo radio 0.55) ...
DOUBT_MEDIAN_PROBABILITY = 0.75
#: ... or when it has fewer words a second than this over a take of DOUBT_MIN_S or more
#: (English: 1.6-3.7 a second of speech; German under Intel MKL: "Thank you very much."
#: over 15 s).
DOUBT_WORDS_PER_S = 0.75
DOUBT_MIN_S = 5.0


def _in_doubt(transcript: Transcript, audio: Audio, median_p: float | None) -> bool:
    """Whether the transcript gives reason to doubt that the take is English."""
    if median_p is not None and median_p < DOUBT_MEDIAN_PROBABILITY:
        return True
    words = [w for w in transcript.words if not is_vocal_filler(w.norm)]
    return audio.duration_s >= DOUBT_MIN_S and len(words) / audio.duration_s < DOUBT_WORDS_PER_S


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
    transcript = transcribe(
        audio,
        options=settings.transcription,
        on_progress=on_progress,
        relisten=settings.relisten,
        silence=settings.silence,
    )
    return score_transcript(
        audio,
        transcript,
        settings=settings,
        question=question,
        analysers=analysers,
        timings_s={"transcribe_s": time.perf_counter() - t0},
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
    q = question if isinstance(question, Question) else None
    question_text = q.text if q else (question if isinstance(question, str) else None)
    question_id = (q.id or None) if q else None
    chosen = (
        registered()
        if analysers is None
        else tuple(a if isinstance(a, Analyser) else Analyser.of(a) for a in analysers)
    )
    t1 = time.perf_counter()
    timings = dict(timings_s or {})
    if not _believable(transcript, audio, speech_s):
        empty = Transcript((), transcript.duration_s, transcript.language, transcript.model, transcript.decoding)
        if (
            not transcript.words
            and (speech_seconds(audio, enough_s=MIN_SPEECH_S) if speech_s is None else speech_s) >= MIN_SPEECH_S
        ):
            # speech the recogniser wrote no word of: another language, where that can be told
            p_en = english_probability(audio, silence=settings.silence)
            if p_en is not None and p_en < MIN_ENGLISH_PROBABILITY:
                return Report(
                    audio.source,
                    audio.duration_s,
                    question_text,
                    question_id,
                    empty,
                    True,
                    timings_s=timings,
                    english=False,
                    english_probability=p_en,
                )
        return Report(audio.source, audio.duration_s, question_text, question_id, empty, False, timings_s=timings)
    english, median_p = looks_english(transcript)
    p_en = None
    if english and _in_doubt(transcript, audio, median_p):
        p_en = english_probability(audio, silence=settings.silence)
        english = p_en is None or p_en >= MIN_ENGLISH_PROBABILITY
    if not english:
        return Report(
            audio.source,
            audio.duration_s,
            question_text,
            question_id,
            transcript,
            True,
            timings_s=timings,
            english=False,
            median_word_probability=median_p,
            english_probability=p_en,
        )
    context = settings.context(
        question=question_text,
        category=q.category if q else None,
        covers=q.covers if q else (),
        question_id=q.id if q else "",
        topic=q.topic if q else (),
    )
    results = {
        a.name: a.analyse(
            transcript, audio, options=settings.analysers.get(a.name) or a.options_type(), context=context
        )
        for a in chosen
    }
    timings["analyse_s"] = time.perf_counter() - t1
    scores = compute_scores(results, settings.scoring, analysers=chosen)
    tips = make_tips(results, scores, rubric=settings.scoring, analysers=chosen)
    return Report(
        audio.source,
        audio.duration_s,
        question_text,
        question_id,
        transcript,
        True,
        results,
        scores,
        tips,
        timings,
        True,
        median_p,
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
