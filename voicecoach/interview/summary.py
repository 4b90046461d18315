"""The interview report: per question (the question, its scores, the follow-up asked and
whether its answer filled the gap, the top tip) and across the interview (fillers and pace
from the first answer to the last, the strongest and the weakest answer, the first answer's
opening, the one thing to work on next, and how it compares with the previous interview of
the same kind)."""

from __future__ import annotations

from typing import Any

from ..practice.history import History
from ..scoring.result import Report, report_to_dict
from .followups import own_action
from .run import Interview, Turn

#: A ``shorter`` follow-up is answered when its answer is at most this long.
SHORT_ANSWER_S = 30.0


def filled(turn: Turn) -> bool | None:
    """Whether the follow-up's answer gave what it asked for (None: no follow-up, or its
    answer was not scored)."""
    if turn.follow_up is None or turn.follow_answer is None or turn.follow_answer.report is None:
        return None
    if turn.follow_up.trigger == "outcome":
        return "result" in turn.given_when_asked
    if turn.follow_up.trigger == "example":
        s = turn.combined.results.get("structure") if turn.combined is not None else None
        return bool(s is not None and s.relevance is not None and s.relevance.verdict == "yes")
    if turn.follow_up.trigger == "own":
        return own_action([x.text for x in turn.follow_answer.report.transcript.sentences])
    if turn.follow_up.trigger == "shorter":
        return turn.follow_answer.duration_s <= SHORT_ANSWER_S
    return None


def _overall(report: Report | None) -> int | None:
    return report.scores.overall if report is not None and report.scores is not None else None


def _metric(report: Report | None, analyser: str, name: str) -> float | None:
    if report is None or not report.scored:
        return None
    result = report.results.get(analyser)
    value = getattr(result, name, None)
    return round(float(value), 1) if value is not None else None


def question_json(turn: Turn) -> dict[str, Any]:
    report = turn.report
    fu = None
    if turn.follow_up is not None:
        fa = turn.follow_answer
        fu = {
            "text": turn.follow_up.text,
            "trigger": turn.follow_up.trigger,
            "take_id": fa.take_id if fa is not None and fa.kept else None,
            "report": report_to_dict(fa.report) if fa is not None and fa.report is not None else None,
            "filled": filled(turn),
            "given_when_asked": list(turn.given_when_asked),
        }
    answer = turn.answer
    return {
        "position": turn.position,
        "question": turn.question.text,
        "question_id": turn.question.id or None,
        "take_id": answer.take_id if answer is not None and answer.kept else None,
        "status": answer.status if answer is not None else "not asked",
        "report": report_to_dict(report) if report is not None else None,
        "follow_up": fu,
    }


def summarise(interview: Interview, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The figures across the interview (``previous``: the summary of the last interview of
    the same kind, to compare with)."""
    scored = [t for t in interview.turns if _overall(t.report) is not None]
    out: dict[str, Any] = {
        "questions": len(interview.turns),
        "scored": len(scored),
        "follow_ups": sum(t.follow_up is not None for t in interview.turns),
        "overall": [_overall(t.report) for t in interview.turns],
    }
    if not scored:
        return out
    first, last = scored[0], scored[-1]
    for key, analyser, name in (("fillers_per_min", "fillers", "per_min"), ("wpm", "pacing", "wpm")):
        out[key] = {"first": _metric(first.report, analyser, name), "last": _metric(last.report, analyser, name)}
    strongest = max(scored, key=lambda t: (_overall(t.report) or 0, -t.position))
    weakest = min(scored, key=lambda t: (_overall(t.report) or 0, t.position))
    out["strongest"] = {
        "position": strongest.position,
        "question": strongest.question.text,
        "overall": _overall(strongest.report),
    }
    out["weakest"] = {
        "position": weakest.position,
        "question": weakest.question.text,
        "overall": _overall(weakest.report),
    }
    s = first.report.results.get("structure") if first.report is not None else None
    if s is not None:
        out["first_impression"] = {
            "position": first.position,
            "direct_opening": s.direct_opening,
            "opening": s.opening.quote if s.opening is not None else None,
            "note": s.opening_note,
        }
    tips = weakest.report.tips if weakest.report is not None else ()
    out["work_on_next"] = {"area": tips[0].area, "tip": tips[0].message} if tips else None
    scores = [_overall(t.report) or 0 for t in scored]
    out["overall_mean"] = round(sum(scores) / len(scores), 1)
    if previous is not None and previous.get("summary") and previous["summary"].get("overall_mean") is not None:
        before = previous["summary"]["overall_mean"]
        out["previous"] = {
            "interview_id": previous["id"],
            "overall_mean": before,
            "change": round(out["overall_mean"] - before, 1),
        }
    return out


def interview_json(interview: Interview, summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "interview_id": interview.id,
        "kind": interview.kind,
        "status": interview.status,
        "questions": [question_json(t) for t in interview.turns],
        "summary": summary,
    }


def keep_summary(interview: Interview, history: History, **extra: Any) -> dict[str, Any]:
    """The interview's summary (compared with the last interview of the same kind that has
    one, plus ``extra``), kept in its history record."""
    earlier = [i for i in history.interviews(kind=interview.kind) if i["id"] != interview.id and i["summary"]]
    summary = summarise(interview, earlier[-1] if earlier else None)
    summary.update(extra)
    history.finish_interview(interview.id, interview.status, summary)
    return summary


def audio_paths(interview: Interview) -> dict[int, str]:
    """Each kept take of ``interview``: its id and its audio file."""
    outcomes = [o for t in interview.turns for o in (t.answer, t.follow_answer) if o is not None and o.kept]
    return {o.take_id: str(o.path) for o in outcomes}
