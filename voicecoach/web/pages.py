"""The practice room's pages, rendered from the Jinja2 templates in ``templates/`` with
autoescaping: every value a page shows is escaped by the template engine, and the only
markup passed in whole is what :mod:`voicecoach.present.html_report` built (itself escaped
with the same escaper)."""

from __future__ import annotations

import collections
import contextlib
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..core.errors import VoicecoachError
from ..core.questions import category_name
from ..practice.history import Take
from .room import Room

ENV = Environment(
    loader=PackageLoader("voicecoach.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **values: Any) -> str:
    return ENV.get_template(template).render(**values)


def practise_page(room: Room) -> str:
    categories = sorted({q.category for q in room.bank})
    return render(
        "practise.html",
        title="Practise",
        active="practise",
        scripts=("room.js", "practice.js"),
        categories=[(c, category_name(c)) for c in categories],
        difficulties=sorted({q.difficulty for q in room.bank}),
    )


def no_report_page() -> str:
    return render("no_report.html", title="No report", active="")


def trend_words(metric: dict | None) -> str:
    """A question's (or a category's) overall score, first -> latest, in words; a change
    within the score's noise is "about the same"."""
    from ..practice.progress import judge_change

    if metric is None or len(metric["series"]) < 2:
        return "one take so far"
    first, latest = round(metric["first"]), round(metric["latest"])
    word = judge_change("higher", metric["first"], metric["latest"], ".0f", None, metric["noise"])
    if word == "better":
        return f"improving: {first} → {latest}"
    if word == "worse":
        return f"slipping: {first} → {latest}"
    return (
        f"about the same: {first} → {latest} (within {metric['noise']:.0f} points, what a second take of one "
        "answer moves)"
    )


def _metric(t: Take, key: str, fmt: str) -> str:
    v = t.metrics.get(key)
    return format(v, fmt) if v is not None else ""


def _question_key(t: Take) -> str:
    return t.question_id or t.question_text or "(no question)"


def progress_page(room: Room) -> str:
    from ..practice.progress import judge_change, trends
    from ..present.html_report import progress_html

    h = room.history()
    try:
        takes = h.takes()
    finally:
        h.close()
    scored = [t for t in takes if t.status == "scored" and t.overall is not None]
    by_q = trends(takes)
    by_c = trends(takes, by="category")
    # like with like: each question against its own first take, never one question against another
    verdicts = collections.Counter(
        judge_change("higher", m["first"], m["latest"], ".0f", None, m["noise"])
        for g in by_q
        if (m := g["metrics"].get("overall.score")) is not None and len(m["series"]) >= 2
    )
    if verdicts:
        said = ", ".join(f"{word} on {n}" for word, n in ((w, verdicts[w]) for w in ("better", "worse", "same")) if n)
        n = sum(verdicts.values())
        summary = (
            f"Against each question's first take, the overall score is {said} of the {n} "
            f"question{'s' if n != 1 else ''} taken twice or more."
        )
    else:
        summary = "Take a question a second time to see how it moved: progress compares each question with itself."
    charts = []
    for g in sorted(by_q, key=lambda g: -max(t.created_at for t in scored if _question_key(t) == g["question"])):
        same = [t for t in scored if _question_key(t) == g["question"]]
        if len(same) >= 2:
            charts.append({"title": g["title"], "takes": len(same), "figure": Markup(progress_html(same))})
    rows = [
        {
            "id": t.id,
            "when": t.created_at_iso.replace("T", " ")[:16],
            "question": t.question_text or "",
            "category": category_name(t.category) if t.category else "",
            "length": f"{(t.duration_s or 0):.0f} s",
            "overall": t.overall if t.overall is not None else t.status,
            "fillers": _metric(t, "fillers.per_min", ".1f"),
            "wpm": _metric(t, "pacing.wpm", ".0f"),
            "scored": t.status == "scored",
        }
        for t in reversed(takes)
    ]
    return render(
        "progress.html",
        title="Progress",
        active="progress",
        takes=takes,
        scored=len(scored),
        questions=len({t.question_id or t.question_text for t in scored}),
        summary=summary,
        by_question=[
            {"title": g["title"], "takes": g["takes"], "trend": trend_words(g["metrics"].get("overall.score"))}
            for g in by_q
        ],
        by_category=[
            {
                "name": category_name(g["category"]) if g["category"] != "(no category)" else "your own questions",
                "takes": g["takes"],
                "twice": g["questions_twice"],
                "questions": g["questions"],
                "trend": trend_words(g["metrics"].get("overall.score"))
                if g["questions_twice"]
                else "no question taken twice yet",
            }
            for g in by_c
        ],
        charts=charts,
        rows=rows,
    )


def report_page(room: Room, take_id: int) -> str | None:
    """The take's report page, or None when the take is not scored (or not there): the
    report's own content (:func:`~voicecoach.present.html_report.report_body`) with the
    comparison with the previous take under the scores, in the room's frame."""
    from ..audio.decode import load_audio
    from ..practice.takes import progress_since
    from ..present.html_report import CSS, report_body
    from ..scoring.result import report_from_dict

    h = room.history()
    try:
        try:
            take = h.get(take_id)
        except VoicecoachError:
            return None
        d = take.report
        if take.status != "scored" or not d:
            return None
        same = h.same_question(take.question_id, take.question_text)
        previous, _best = progress_since(h, take_id, d)
    finally:
        h.close()
    report = report_from_dict(d)
    if report.scores is None:
        return None
    compare: dict[str, Any] = {"first": bool(take.question_text)}
    if previous is not None:
        before, changes = previous
        compare["previous"] = {"id": before.id, "when": before.created_at_iso[:16].replace("T", " ")}
        compare["changes"] = [
            {
                "verdict": c.verdict,
                "label": c.label,
                "before": format(c.before, c.fmt if c.fmt != "d" else ".0f"),
                "now": format(c.now, c.fmt if c.fmt != "d" else ".0f"),
            }
            for c in changes
        ]
    audio = None  # the take's audio gives the loudness band, as in `report --html`
    with contextlib.suppress(VoicecoachError, OSError):
        audio = load_audio(take.audio_path)
    body = report_body(
        report,
        audio=audio,
        history=same,
        audio_src=f"/api/takes/{take_id}/audio.wav",
        title=f"Take #{take_id}",  # in the practice room a take is known by its number, not by its file
        after_scores=render("compare.html", **compare),
    )
    again = "/?" + urlencode(
        {"question": take.question_id} if take.question_id else {"own": take.question_text or ""}, quote_via=quote
    )
    return render(
        "report.html",
        title=f"Report #{take_id}",
        active="",
        scripts=("report.js",),
        report_css=Markup(CSS),
        body=Markup(body),
        again=again,
    )


def interview_page(room: Room) -> str:
    from ..interview.plan import KINDS

    categories = sorted({q.category for q in room.bank if q.category})
    kinds = [(k, k) for k in ("mixed", *[k for k in KINDS if k != "mixed"])]
    kinds += [(c, category_name(c)) for c in categories if c not in KINDS]
    return render(
        "interview.html",
        title="Interview",
        active="interview",
        scripts=("room.js", "interview.js"),
        kinds=kinds,
        speaks=room.voice.speaks,
    )


def interview_report_page(room: Room, interview_id: int) -> str | None:
    """The interview's report in the room's frame, each answer's audio served by the room;
    None when there is no such interview or it is under way. One of this run is shown as it ended;
    an earlier one is read back from the history."""
    from ..interview.run import hear_as_one, load_interview
    from ..interview.summary import interview_json, summarise
    from ..present.html_report import CSS
    from ..present.interview_html import INTERVIEW_CSS, interview_body

    with room.lock:
        found = room.interviews.get(interview_id)
    if found is not None and found.summary is None:
        return None  # under way: its report comes when it ends (its takes are not all scored yet)
    if found is not None and found.summary is not None:
        obj = interview_json(found.conductor.interview, found.summary)
    else:
        h = room.history()
        try:
            try:
                interview, _ = load_interview(h, interview_id, room.bank, room.settings)
            except VoicecoachError:
                return None
            summary = h.interview(interview_id)["summary"]
        finally:
            h.close()
        hear_as_one(interview, room.settings)
        obj = interview_json(interview, summary or summarise(interview))
    body = interview_body(obj, audio_src=lambda take_id: f"/api/takes/{take_id}/audio.wav")
    return render(
        "report.html",
        title=f"Interview #{interview_id}",
        active="",
        scripts=(),
        report_css=Markup(CSS + INTERVIEW_CSS),
        body=Markup(body),
        again="/interview",
        again_label="Another interview",
        interview=True,
    )
