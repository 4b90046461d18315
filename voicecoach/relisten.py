"""Re-listening: ask the recogniser about each short sound on its own.

Whisper leaves out most vocal fillers because its training transcripts do, and in running
speech it folds a short "uh" into the timing of the next word. Heard *alone*, the same
sound is another matter: given a fragment of a few hundred milliseconds with nothing
around it, the model's first-token distribution puts clear weight on "Um", "Uh", "Hmm"
when the fragment is a filler and almost none when it is a word.

:func:`relisten_fillers` does this for every candidate fragment the transcript does not
already explain as a filler:

* the *sound islands* of the signal (audible runs between silences) of 0.1-1.2 s, and
* the *held stretches* inside longer islands (steady voiced spectrum, see
  :func:`voicecoach.signal.steady_voiced_runs`), where a filler joins a word with no gap.

Each fragment is placed 0.2 s into a short window of silence (5 s: the encoder cost is
proportional to the window, and 5 s keeps the answer of a full 30 s window, measured in
README "Keeping the fillers"), encoded in batches, and decoded for a single step. A
fragment whose probability of starting with a filler token is at least ``min_probability``
becomes a vocal filler word, marked ``source="acoustic"``, with the fragment's signal
timing (more exact than Whisper's word timing).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .lexicon import is_vocal_filler, vocal_filler_type
from .signal import sound_islands, steady_voiced_runs
from .types import Segment, Word

if TYPE_CHECKING:
    from .audio import Audio

#: Spellings whose first token counts as "the fragment starts with a filler". Only
#: single-token spellings are used, plus " U" and " M", which the model uses to begin
#: "Ummm", "Uhh" and "Mmm" (measured: the top token for espeak's "mm" is " M").
FILLER_SPELLINGS = ("um", "uh", "er", "erm", "hmm", "mm", "ah", "umm", "hm", "eh", "Um", "Uh", "Er", "Hmm", "Ah", "Eh", "Mmm")
PREFIX_SPELLINGS = ("U", "M")


@dataclass(frozen=True)
class RelistenOptions:
    """Attributes:
    min_probability: a sound island whose first token is a filler with at least this
        probability is a filler.
    held_min_probability: the same for a held stretch inside a longer island, which
        needs more evidence (it is usually part of a word).
    window_s: length of the silent window each fragment is heard in.
    min_s, max_s: how long a candidate fragment may be (espeak's shortest "uh" is
        0.17 s; shorter fragments are mostly the tail of a word).
    held_max_flux: the held stretches that are candidates (see
        :func:`voicecoach.signal.steady_voiced_runs`).
    held_max_word_probability: a held stretch inside a word the recogniser is at least
        this sure of is part of that word ("numbers" holds an "um").
    margin_s: a candidate within this distance of a filler already in the transcript
        is that filler.
    batch: fragments encoded at once.
    """

    min_probability: float = 0.1
    held_min_probability: float = 0.2
    window_s: float = 5.0
    min_s: float = 0.18
    max_s: float = 1.2
    held_max_flux: float = 1.1
    held_max_word_probability: float = 0.9
    margin_s: float = 0.3
    batch: int = 16


@functools.lru_cache(maxsize=4)
def _filler_tokens(model) -> tuple[object, list[int], list[int], dict[int, str]]:  # noqa: ANN001
    from faster_whisper.tokenizer import Tokenizer

    tok = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
    prompt = [*tok.sot_sequence, tok.no_timestamps]
    ids: dict[int, str] = {}
    for spelling in FILLER_SPELLINGS + PREFIX_SPELLINGS:
        for text in (spelling, " " + spelling):
            enc = tok.encode(text)
            if len(enc) == 1:
                ids.setdefault(enc[0], spelling)
    return tok, prompt, sorted(ids), ids


def candidates(audio: Audio, words: list[Word], options: RelistenOptions) -> list[tuple[Segment, bool]]:
    """Fragments that may be fillers the transcript has not marked, in time order, each
    with whether it is a held stretch inside a longer island (rather than an island)."""
    found = [w for w in words if is_vocal_filler(w.norm)]
    islands = sound_islands(audio, min_s=options.min_s, max_s=options.max_s)
    held = [
        s
        for s in steady_voiced_runs(audio, max_flux=options.held_max_flux, min_s=options.min_s, max_s=options.max_s)
        if s not in islands and not any(w.start_s < s.end_s and w.end_s > s.start_s and w.probability >= options.held_max_word_probability for w in words)
    ]
    out: list[tuple[Segment, bool]] = []
    for s in sorted({*islands, *held}, key=lambda s: (s.start_s, s.end_s)):
        if any(f.start_s - options.margin_s <= s.end_s and f.end_s + options.margin_s >= s.start_s for f in found):
            continue
        out.append((s, s not in islands))
    return out


def filler_probabilities(model, audio: Audio, segments: list[Segment], options: RelistenOptions) -> list[tuple[float, str]]:  # noqa: ANN001
    """For each segment heard alone: (probability that it starts with a filler, the most
    likely filler spelling)."""
    import ctranslate2

    _tok, prompt, ids, spelling = _filler_tokens(model)
    sr = audio.sample_rate_hz
    n = int(options.window_s * sr)
    lead = int(0.2 * sr)
    frames = int(options.window_s * 100)
    out: list[tuple[float, str]] = []
    for b in range(0, len(segments), options.batch):
        feats = []
        for s in segments[b : b + options.batch]:
            frag = audio.samples[max(0, int((s.start_s - 0.03) * sr)) : int((s.end_s + 0.03) * sr)][: n - lead]
            buf = np.zeros(n, np.float32)
            buf[lead : lead + len(frag)] = frag
            feats.append(model.feature_extractor(buf, padding=0)[:, :frames])
        x = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(feats).astype(np.float32)))
        results = model.model.generate(x, [prompt] * len(feats), beam_size=1, max_length=len(prompt) + 1, return_logits_vocab=True, suppress_blank=False)
        for r in results:
            logits = np.asarray(r.logits[0][0], dtype=np.float64)
            p = np.exp(logits - logits.max())
            p /= p.sum()
            best = max(ids, key=lambda i: p[i])
            out.append((float(p[ids].sum()), spelling[best]))
    return out


def relisten_fillers(model, audio: Audio, words: list[Word], *, options: RelistenOptions | None = None) -> list[Word]:  # noqa: ANN001
    """``words`` with the vocal fillers found by re-listening inserted (``source="acoustic"``)."""
    o = options or RelistenOptions()
    cands = candidates(audio, words, o)
    if not cands:
        return list(words)
    probs = filler_probabilities(model, audio, [seg for seg, _ in cands], o)
    added: list[Word] = []
    for (seg, held), (p, spelling) in sorted(zip(cands, probs, strict=True), key=lambda sp: -sp[1][0]):
        if p < (o.held_min_probability if held else o.min_probability) or any(
            a.start_s - o.margin_s <= seg.end_s and a.end_s + o.margin_s >= seg.start_s for a in added
        ):
            continue
        kind = vocal_filler_type(spelling.lower()) or ("mm" if spelling == "M" else "uh")
        added.append(Word(kind, seg.start_s, seg.end_s, round(p, 4), "acoustic"))
    return _insert(words, added)


def _insert(words: list[Word], added: list[Word]) -> list[Word]:
    """Insert ``added`` in time order, clipping a neighbour that runs over one."""
    out = sorted([*words, *added], key=lambda w: (w.start_s, w.end_s))
    for i, w in enumerate(out):
        if w.source != "acoustic":
            continue
        if i > 0 and out[i - 1].start_s < w.start_s < out[i - 1].end_s:
            out[i - 1] = dataclasses.replace(out[i - 1], end_s=w.start_s)
        if i + 1 < len(out) and out[i + 1].start_s < w.end_s < out[i + 1].end_s:
            out[i + 1] = dataclasses.replace(out[i + 1], start_s=w.end_s)
    return out
