"""Scores (0-100 per area, and overall) and the three most useful tips.

Every number of the rubric is a field of :class:`Rubric`, with a line saying where it
comes from, and can be set in the ``[scoring]`` section of the config file. In words
(README "How the scores are computed" has the same table):

* **pacing** = 100 inside the target band, minus ``pacing_points_per_wpm`` per wpm outside
  it, minus ``pacing_points_per_window`` per pace window outside the band.
* **fillers** = 100 - ``fillers_points_per_extra_per_min`` x (fillers per minute -
  ``fillers_free_per_min``).
* **pauses** = 100 - ``pauses_points_per_long_pause`` per long pause -
  ``pauses_points_per_hesitation_s`` per second of hesitation beyond
  ``pauses_free_hesitation_s`` - ``pauses_points_per_ratio`` x (pause ratio above
  ``pauses_free_ratio``).
* **structure** = behavioural: ``structure_star_part_points`` per STAR part present +
  ``structure_star_length_points`` for a length in range (half within
  ``structure_near_length_share`` of it) + ``structure_star_opening_points`` direct
  opening + ``structure_star_close_points`` clear close. Other questions: length, opening
  and close points of their own. For a bank question with "covers" points: (1 -
  ``structure_covers_share``) x that + 100 x ``structure_covers_share`` x the share covered.
* **overall** = the weighted mean of the four, ``weight_*``.

All are clamped to 0-100. Every tip carries its evidence (times and quotes). Candidate
tips are ranked by the points their area lost, weighted as in the overall score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .datatypes import Evidence, Tip, format_mmss


@dataclass(frozen=True)
class Rubric:
    """The scoring rubric. These are this project's defaults, chosen so that each area can
    move the total, not taken from a study; the provenance of each is on its line.

    Attributes:
        pacing_points_per_wpm: lost per wpm outside the target band (20 wpm off costs 40).
        pacing_points_per_window: lost per pace window outside the band (uneven pace).
        fillers_free_per_min: fillers a minute that cost nothing (fluent speakers use
            about one; Speaker Coach and Orai flag from a few a minute).
        fillers_points_per_extra_per_min: lost per filler a minute above that (six a
            minute scores 40).
        pauses_points_per_long_pause: lost per long pause (see ``[pauses] long_pause_s``).
        pauses_free_hesitation_s: silence before the first word that costs nothing (a
            breath and a first thought).
        pauses_points_per_hesitation_s: lost per second of hesitation beyond that.
        pauses_free_ratio: share of the answer in pauses that costs nothing (read speech
            sits near 0.2, hesitant speech above 0.35).
        pauses_points_per_ratio: lost per unit of pause ratio above that (0.1 costs 4).
        structure_star_part_points: per STAR part present (four parts: 60 of 100).
        structure_star_length_points, structure_star_opening_points,
        structure_star_close_points: a behavioural answer's length in range, direct
            opening and clear close.
        structure_length_points, structure_opening_points, structure_close_points: the
            same for other questions.
        structure_near_length_share: a length within this share of the range earns half
            the length points.
        structure_covers_share: the share of the structure score given by the "covers"
            points of a bank question.
        weight_fillers, weight_structure, weight_pacing, weight_pauses: the overall score's
            weights (content and fillers count most: they are what interviewers remember).
    """

    pacing_points_per_wpm: float = 2.0
    pacing_points_per_window: float = 5.0
    fillers_free_per_min: float = 1.0
    fillers_points_per_extra_per_min: float = 12.0
    pauses_points_per_long_pause: float = 15.0
    pauses_free_hesitation_s: float = 3.0
    pauses_points_per_hesitation_s: float = 10.0
    pauses_free_ratio: float = 0.35
    pauses_points_per_ratio: float = 40.0
    structure_star_part_points: float = 15.0
    structure_star_length_points: float = 20.0
    structure_star_opening_points: float = 10.0
    structure_star_close_points: float = 10.0
    structure_length_points: float = 40.0
    structure_opening_points: float = 30.0
    structure_close_points: float = 30.0
    structure_near_length_share: float = 0.25
    structure_covers_share: float = 0.3
    weight_fillers: float = 0.3
    weight_structure: float = 0.3
    weight_pacing: float = 0.2
    weight_pauses: float = 0.2

    def check(self) -> None:
        """Raises ValueError when the rubric cannot work."""
        if not 0 <= self.structure_covers_share <= 1:
            raise ValueError(f"structure_covers_share = {self.structure_covers_share!r} must be between 0 and 1")
        total = self.weight_fillers + self.weight_structure + self.weight_pacing + self.weight_pauses
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"weight_fillers + weight_structure + weight_pacing + weight_pauses = {total:g} must be 1")

    @property
    def weights(self) -> dict[str, float]:
        return {"fillers": self.weight_fillers, "structure": self.weight_structure, "pacing": self.weight_pacing, "pauses": self.weight_pauses}


@dataclass(frozen=True)
class Scores:
    pacing: int
    fillers: int
    pauses: int
    structure: int
    overall: int


def _clamp(x: float) -> int:
    return int(round(min(100.0, max(0.0, x))))


def score_pacing(p: Any, r: Rubric) -> int:
    if p.words == 0:
        return 0
    off = max(p.target_min_wpm - p.wpm, p.wpm - p.target_max_wpm, 0.0)
    outside = sum(1 for w in p.windows if not p.target_min_wpm <= w.wpm <= p.target_max_wpm)
    return _clamp(100 - r.pacing_points_per_wpm * off - r.pacing_points_per_window * outside)


def score_fillers(f: Any, r: Rubric) -> int:
    return _clamp(100 - r.fillers_points_per_extra_per_min * max(0.0, f.per_min - r.fillers_free_per_min))


def score_pauses(p: Any, r: Rubric) -> int:
    return _clamp(
        100
        - r.pauses_points_per_long_pause * p.long_count
        - r.pauses_points_per_hesitation_s * max(0.0, p.time_to_first_word_s - r.pauses_free_hesitation_s)
        - r.pauses_points_per_ratio * max(0.0, p.pause_ratio - r.pauses_free_ratio)
    )


def score_structure(s: Any, r: Rubric) -> int:
    lo, hi = s.recommended_min_s, s.recommended_max_s
    in_range = lo <= s.length_s <= hi
    near = (1 - r.structure_near_length_share) * lo <= s.length_s <= (1 + r.structure_near_length_share) * hi

    def length_points(full: float) -> float:
        return full if in_range else full / 2 if near else 0.0

    if s.star_applies:
        base = (
            r.structure_star_part_points * sum(p.present for p in s.star)
            + length_points(r.structure_star_length_points)
            + r.structure_star_opening_points * s.direct_opening
            + r.structure_star_close_points * s.clear_ending
        )
    else:
        base = length_points(r.structure_length_points) + r.structure_opening_points * s.direct_opening + r.structure_close_points * s.clear_ending
    if s.covers:  # a bank question says what a strong answer covers
        covered = sum(c.covered for c in s.covers) / len(s.covers)
        base = (1 - r.structure_covers_share) * base + 100 * r.structure_covers_share * covered
    return _clamp(base)


def compute_scores(results: dict[str, Any], rubric: Rubric | None = None) -> Scores:
    r = rubric or Rubric()
    parts = {
        "pacing": score_pacing(results["pacing"], r),
        "fillers": score_fillers(results["fillers"], r),
        "pauses": score_pauses(results["pauses"], r),
        "structure": score_structure(results["structure"], r),
    }
    overall = sum(r.weights[k] * v for k, v in parts.items())
    return Scores(overall=_clamp(overall), **parts)


def make_tips(results: dict[str, Any], scores: Scores, *, rubric: Rubric | None = None, long_pause_s: float = 2.0, limit: int = 3) -> tuple[Tip, ...]:
    """The ``limit`` most useful tips, each with evidence, most important first
    (``long_pause_s``: the long-pause threshold in force, for the wording)."""
    r = rubric or Rubric()
    WEIGHTS = r.weights  # noqa: N806 - read as the rubric's constant weights
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

    if pa.long_count or pa.time_to_first_word_s > r.pauses_free_hesitation_s:
        longs = [e for e in pa.events if e.long]
        if longs:
            msg = (
                f"You paused for {longs[0].duration_s:.1f} s at {format_mmss(longs[0].start_s)}"
                + (f" and {len(longs) - 1} more time(s) for {long_pause_s:g} s or more" if len(longs) > 1 else "")
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
            cands.append((WEIGHTS["structure"] * r.structure_star_part_points * len(missing), Tip("structure", msg, ())))
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
