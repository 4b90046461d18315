"""Scores (0-100 per area, and overall) and the three most useful tips.

The rubric, in full (README "How the scores are computed" says the same):

* **pacing** = 100 inside the target band, minus 2 points per wpm outside it, minus 5
  points per 10 s window outside the band.
* **fillers** = 100 - 12 x (fillers per minute - 1), clamped to 0-100: one filler a
  minute is free, six a minute scores 40.
* **pauses** = 100 - 15 per long pause - 10 per second of hesitation beyond 3 s before
  the first word - 40 x (pause ratio above 0.35).
* **structure** = behavioural: 15 per STAR part present + 20 length in range (10 if
  within 25 % of it) + 10 direct opening + 10 clear close. Other questions: 40 length +
  30 opening + 30 close. For a bank question with "covers" points: 0.7 x that + 30 x the
  share of points covered.
* **overall** = weighted mean: fillers 0.3, structure 0.3, pacing 0.2, pauses 0.2.

Every tip carries its evidence (times and quotes). Candidate tips are ranked by the
points their area lost, weighted as in the overall score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .datatypes import Evidence, Tip, format_mmss

WEIGHTS = {"fillers": 0.3, "structure": 0.3, "pacing": 0.2, "pauses": 0.2}


@dataclass(frozen=True)
class Scores:
    pacing: int
    fillers: int
    pauses: int
    structure: int
    overall: int


def _clamp(x: float) -> int:
    return int(round(min(100.0, max(0.0, x))))


def score_pacing(p: Any) -> int:
    if p.words == 0:
        return 0
    off = max(p.target_min_wpm - p.wpm, p.wpm - p.target_max_wpm, 0.0)
    return _clamp(100 - 2 * off - 5 * sum(1 for w in p.windows if not p.target_min_wpm <= w.wpm <= p.target_max_wpm))


def score_fillers(f: Any) -> int:
    return _clamp(100 - 12 * max(0.0, f.per_min - 1.0))


def score_pauses(p: Any) -> int:
    return _clamp(100 - 15 * p.long_count - 10 * max(0.0, p.time_to_first_word_s - 3.0) - 40 * max(0.0, p.pause_ratio - 0.35))


def score_structure(s: Any) -> int:
    lo, hi = s.recommended_min_s, s.recommended_max_s
    in_range = lo <= s.length_s <= hi
    near = 0.75 * lo <= s.length_s <= 1.25 * hi
    if s.star_applies:
        base = 15 * sum(p.present for p in s.star) + (20 if in_range else 10 if near else 0) + 10 * s.direct_opening + 10 * s.clear_ending
    else:
        base = (40 if in_range else 20 if near else 0) + 30 * s.direct_opening + 30 * s.clear_ending
    if s.covers:  # a bank question says what a strong answer covers
        base = 0.7 * base + 30 * sum(c.covered for c in s.covers) / len(s.covers)
    return _clamp(base)


def compute_scores(results: dict[str, Any]) -> Scores:
    parts = {
        "pacing": score_pacing(results["pacing"]),
        "fillers": score_fillers(results["fillers"]),
        "pauses": score_pauses(results["pauses"]),
        "structure": score_structure(results["structure"]),
    }
    overall = sum(WEIGHTS[k] * v for k, v in parts.items())
    return Scores(overall=_clamp(overall), **parts)


def make_tips(results: dict[str, Any], scores: Scores, *, limit: int = 3) -> tuple[Tip, ...]:
    """The ``limit`` most useful tips, each with evidence, most important first."""
    cands: list[tuple[float, Tip]] = []
    f, p, pa, s, d = (results[k] for k in ("fillers", "pacing", "pauses", "structure", "delivery"))

    if f.count and f.per_min > 1.0:
        top = ", ".join(f'"{k}" x{v}' for k, v in list(f.by_type.items())[:3])
        ev = tuple(Evidence(e.start_s, e.end_s, e.text) for e in f.events[:3])
        msg = (
            f"You used {f.count} filler words ({f.per_min:.1f} a minute): {top}. "
            "When you feel one coming, close your mouth and pause silently instead; a short pause sounds confident."
        )
        cands.append((WEIGHTS["fillers"] * (100 - scores.fillers), Tip("fillers", msg, ev)))

    if p.words:
        if p.wpm > p.target_max_wpm or p.wpm < p.target_min_wpm:
            fast = p.wpm > p.target_max_wpm
            msg = f"Your pace was {p.wpm:.0f} words a minute, {'above' if fast else 'below'} the {p.target_min_wpm:.0f}-{p.target_max_wpm:.0f} band. " + (
                "Slow down: finish each sentence, breathe, then start the next."
                if fast
                else "Pick up the pace: rehearse the key points so the words come readily."
            )
        elif p.stretches:
            st = p.stretches[0]
            msg = f"Your pace drifted {'up' if st.kind == 'fast' else 'down'} to {st.wpm:.0f} words a minute between {format_mmss(st.start_s)} and {format_mmss(st.end_s)}; keep an even pace through the answer."
        else:
            msg = ""
        if msg:
            ev = tuple(Evidence(x.start_s, x.end_s, f"{x.wpm:.0f} wpm") for x in p.stretches[:3])
            cands.append((WEIGHTS["pacing"] * (100 - scores.pacing), Tip("pacing", msg, ev)))

    if pa.long_count or pa.time_to_first_word_s > 3.0:
        longs = [e for e in pa.events if e.long]
        if longs:
            msg = (
                f"You paused for {longs[0].duration_s:.1f} s at {format_mmss(longs[0].start_s)}"
                + (f" and {len(longs) - 1} more time(s) for over 2 s" if len(longs) > 1 else "")
                + '. Bridge a long think with a short phrase ("The key point is...") or plan the answer\'s three beats before you start.'
            )
            ev = tuple(Evidence(e.start_s, e.end_s, f'pause after "{e.after_word}"') for e in longs[:3])
        else:
            msg = f"You took {pa.time_to_first_word_s:.1f} s to start. It's fine to take a breath, but open with your headline and build from there."
            ev = (Evidence(0.0, pa.time_to_first_word_s, "silence before the first word"),)
        cands.append((WEIGHTS["pauses"] * (100 - scores.pauses), Tip("pauses", msg, ev)))

    if s.words:
        missing = [x.part for x in s.star if not x.present] if s.star_applies else []
        if missing:
            msg = f"Your answer did not clearly state the {' and '.join(missing)}. " + _STAR_ADVICE[missing[0]]
            cands.append((WEIGHTS["structure"] * 15 * len(missing), Tip("structure", msg, ())))
        if s.length_verdict != "ok":
            msg = f"The answer ran {s.length_s:.0f} s; aim for {s.recommended_min_s:.0f}-{s.recommended_max_s:.0f} s. " + (
                "Add a concrete example and its result."
                if s.length_verdict == "short"
                else "Cut the background to one or two sentences and get to what you did."
            )
            cands.append((WEIGHTS["structure"] * 15, Tip("structure", msg, ())))
        if not s.direct_opening and s.opening:
            cands.append(
                (
                    WEIGHTS["structure"] * 10,
                    Tip("structure", f"Your opening {s.opening_note.split(';')[0]}. Start with a one-sentence answer to the question.", (s.opening,)),
                )
            )
        uncovered = [c.point for c in s.covers if not c.covered]
        if uncovered:
            msg = f"A strong answer here covers: {'; '.join(c.point for c in s.covers)}. You did not touch on {' or '.join(uncovered)}."
            cands.append((WEIGHTS["structure"] * 8 * len(uncovered), Tip("structure", msg, ())))
        if not s.clear_ending and s.ending:
            cands.append((WEIGHTS["structure"] * 10, Tip("structure", f"Your answer {s.ending_note}.", (s.ending,))))

    if d.monotone:
        cands.append(
            (
                2.0,
                Tip(
                    "delivery",
                    f"Your pitch varied little ({d.pitch_spread_st:.1f} semitones); stress the key words and let your voice rise and fall with the story.",
                    (),
                ),
            )
        )

    cands.sort(key=lambda c: -c[0])
    return tuple(t for _, t in cands[:limit])


_STAR_ADVICE = {
    "situation": "Open with one or two sentences of context: where you were and what was at stake.",
    "task": 'Say what you were responsible for: "My job was to...".',
    "action": 'Describe the steps you took yourself, with "I" rather than "we".',
    "result": "Finish with the outcome, with a number if you can, and what you learned.",
}
