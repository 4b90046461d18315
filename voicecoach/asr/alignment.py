"""Aligning and tidying word sequences: the fillers of the biased pass merged into the
plain pass, one filler per sound, and no overlap between a word that was inserted and its
neighbours. Used by transcription and by re-listening, so neither imports the other."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable

from ..core.datatypes import Word
from ..core.lexicon import is_vocal_filler


def merge_fillers(plain: list[Word], biased: list[Word], *, min_recovered_probability: float = 0.5) -> list[Word]:
    """Insert the vocal fillers of ``biased`` into ``plain`` where the two sequences align.

    Plain words are kept as they are (text, punctuation), except that a neighbour's start
    or end is clipped so that it does not overlap an inserted filler. A run of words that
    only the biased pass heard is taken whole when it lies in a gap between plain words
    (plain decoding sometimes drops a phrase after a long silence) and its mean word
    probability is at least ``min_recovered_probability``.
    """
    a = [w.norm for w in plain]
    b = [w.norm for w in biased]
    out: list[Word] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "insert" and _recoverable(biased[j1:j2], plain, i1, min_recovered_probability):
            run = list(biased[j1:j2])
            last = run[-1]
            next_start = plain[i1].start_s if i1 < len(plain) else float("inf")
            if next_start - last.end_s >= 0.5 and not last.text.endswith((".", "?", "!", ",")):
                # the biased pass writes no punctuation; a silence after the run ends its sentence
                run[-1] = dataclasses.replace(last, text=last.text + ".")
            out.extend(run)
        elif tag == "insert":
            # the aligned position, not the timestamps, says where a filler goes: a plain
            # word often stretches over the filler next to it
            out.extend(w for w in biased[j1:j2] if is_vocal_filler(w.norm))
        elif tag == "replace":
            fillers = [w for w in biased[j1:j2] if is_vocal_filler(w.norm)]
            out.extend(sorted([*plain[i1:i2], *fillers], key=lambda w: w.start_s))
        else:
            out.extend(plain[i1:i2])
    return clip_overlaps(dedupe_fillers(out), lambda w: w.source == "filler")


def dedupe_fillers(words: list[Word], *, gap_s: float = 0.1) -> list[Word]:
    """One filler where the two passes both heard one (often as different types: plain
    "erm," and biased "um"), or where the biased pass wrote a run ("uh uh uh"): a vocal
    filler overlapping, or within ``gap_s`` of, the filler before it is dropped, keeping
    the plain pass's copy."""
    out: list[Word] = []
    for w in words:
        if is_vocal_filler(w.norm):
            prev = next(
                (
                    x
                    for x in reversed(out)
                    if is_vocal_filler(x.norm) and x.end_s + gap_s >= w.start_s and w.end_s + gap_s >= x.start_s
                ),
                None,
            )
            if prev is not None:
                if prev.source != "plain" and w.source == "plain":
                    out[out.index(prev)] = w
                continue
        out.append(w)
    return out


def _recoverable(run: list[Word], plain: list[Word], at: int, min_probability: float) -> bool:
    """Whether a run of biased-pass words fills a silence of the plain pass."""
    spoken = [w for w in run if not is_vocal_filler(w.norm)]
    if len(spoken) < 2 or sum(w.probability for w in spoken) / len(spoken) < min_probability:
        return False
    gap_start = plain[at - 1].end_s if at > 0 else 0.0
    gap_end = plain[at].start_s if at < len(plain) else float("inf")
    # a little slack: the two passes place word edges up to a few hundred ms apart
    return spoken[0].start_s >= gap_start - 0.3 and spoken[-1].end_s <= gap_end + 0.3


def clip_overlaps(words: list[Word], inserted: Callable[[Word], bool]) -> list[Word]:
    """Make each inserted word (those for which ``inserted`` is true) and its neighbours
    not overlap in time: a neighbour that runs over it is cut at its edge."""
    out = list(words)
    for i, w in enumerate(out):
        if not inserted(w):
            continue
        if i > 0 and out[i - 1].start_s < w.start_s < out[i - 1].end_s:
            out[i - 1] = dataclasses.replace(out[i - 1], end_s=w.start_s)
        if i + 1 < len(out) and out[i + 1].start_s < w.end_s < out[i + 1].end_s:
            out[i + 1] = dataclasses.replace(out[i + 1], start_s=w.end_s)
    return out
