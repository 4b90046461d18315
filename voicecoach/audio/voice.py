"""Voice activity: how much of a recording is speech, by the Silero VAD that faster-whisper ships."""

from __future__ import annotations

from .decode import Audio

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
