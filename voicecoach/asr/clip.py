"""The filler-biased decoding of one short clip (at most 30 s): what the one-pass decoding
runs on the stretches the plain pass left empty (:func:`voicecoach.asr.transcribe.fill_gaps`)
and what re-listening asks for a second opinion
(:func:`voicecoach.asr.relisten.second_opinion`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: The words hinted to the filler-biased decoding (faster-whisper ``hotwords``).
FILLER_HOTWORDS = "um uh er hmm"
#: A clip is heard with this much silence after it (1 s lost the one word on the Apollo
#: radio's stretches).
GAP_TAIL_S = 3.0
#: Against loops on a hesitant stretch (see :func:`decode_clip`).
GAP_REPETITION_PENALTY = 1.3


@dataclass(frozen=True)
class BiasedDecoding:
    """How re-listening's filler-biased decoding of a clip runs: as the transcription's
    (``[transcription]`` language, beam_size and hotwords)."""

    language: str = "en"
    beam_size: int = 5
    hotwords: str = FILLER_HOTWORDS


def decode_clip(
    model: Any, clip: np.ndarray, *, language: str, beam_size: int, hotwords: str, max_new_tokens: int
) -> list[tuple[str, float, float, float]]:
    """(word, start s, end s, probability) of ``clip`` (at most 30 s) decoded once by the
    filler-biased decoding: one encoder window as long as the clip and GAP_TAIL_S, one beam
    search without timestamps and temperature 0, and the alignment faster-whisper times words
    with. faster-whisper's
    ``transcribe`` decodes again from the last word's end until the clip is used up: four
    windows, 1.6 s, for one 1.4 s stretch of the real talk that gave no word."""
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens, merge_punctuations

    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)
    features = model.feature_extractor(clip)
    frames = min(features.shape[-1] - 1, model.feature_extractor.nb_max_frames)
    # the encoder hears the clip and GAP_TAIL_S of silence, not a whole 30 s window: the
    # same words for a fraction of the time
    window = min(model.feature_extractor.nb_max_frames, int((frames / 100 + GAP_TAIL_S) // 1 + 1) * 100)
    encoded = model.encode(pad_or_trim(features[:, :frames], length=window))
    prompt = model.get_prompt(tokenizer, [], without_timestamps=True, hotwords=hotwords)
    result = model.model.generate(
        encoded,
        [prompt],
        beam_size=beam_size,
        max_length=len(prompt) + max_new_tokens,
        # without it Whisper base can loop on a hesitant stretch ("um uh uh uh ..."); with it,
        # it writes the sentence (tiny.en writes the same either way)
        repetition_penalty=GAP_REPETITION_PENALTY,
        suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
    )[0]
    tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
    if not tokens:
        return []
    (alignment,) = model.find_alignment(tokenizer, [tokens], encoded, frames)
    merge_punctuations(alignment, "\"'“¿([{-", "\"'.。,，!！?？:：”)]}、")
    return [
        (w["word"].strip(), float(w["start"]), float(w["end"]), float(w["probability"]))
        for w in alignment
        if w["word"].strip()
    ]
