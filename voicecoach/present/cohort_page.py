"""The cohort page: one self-contained HTML file for a coach, and each answer's own report.

The page is rendered from ``templates/cohort.html`` by Jinja2 with autoescaping, so
every student name, file name, question and tip is escaped by the template engine. As in
the answer report, a Content-Security-Policy lets the page run only its own script
(allowed by its hash) and load nothing from anywhere: it never reaches the network. The
tables sort in the page (a click on a column's name); everything else is drawn here.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import os
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..analysers.feedback import grade
from ..batch.cohort import (
    Answer,
    Comparison,
    area_columns,
    by_question,
    by_student,
    describe,
    figures,
    target_band,
)
from ..batch.run import Job, Store, job_names, report_name
from ..core.errors import VoicecoachError
from ..core.files import atomic_write_text, readable


def _asset(name: str) -> str:
    from importlib.resources import files

    return files("voicecoach.present").joinpath("templates", name).read_text(encoding="utf-8")


#: The page's style and its one script (templates/cohort.css, cohort.js), inlined.
CSS = _asset("cohort.css")

JS = _asset("cohort.js")
#: As the answer report's: only this page's own script runs, nothing is fetched, no form
#: is sent; links to the answers' reports still open (they are files beside the page).
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{base64.b64encode(hashlib.sha256(JS.encode()).digest()).decode()}'; "
    "img-src data:; form-action 'none'; base-uri 'none'"
)

HIST_W, HIST_H, HIST_BINS = 260, 70, 20


def _grade(v: Any) -> str:
    return grade(v) if isinstance(v, (int, float)) else ""


ENV = Environment(
    loader=PackageLoader("voicecoach.present", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["grade"] = _grade
ENV.globals["fmt"] = format


def histogram(values: list[float], band: tuple[float, float] | None, spec: str) -> dict[str, Any]:
    """The bars of a histogram of ``values`` over their range and the band's, in SVG units."""
    lo = min([*values, *(band or ())])
    hi = max([*values, *(band or ())])
    if hi <= lo:
        hi = lo + 1.0
    width = (hi - lo) / HIST_BINS
    counts = [0] * HIST_BINS
    for v in values:
        counts[min(HIST_BINS - 1, int((v - lo) / width))] += 1
    top = max(counts) or 1

    def x(v: float) -> float:
        return round((v - lo) / (hi - lo) * HIST_W, 1)

    bars = [
        {
            "x": x(lo + i * width) + 0.5,
            "w": max(0.5, round(HIST_W / HIST_BINS - 1, 1)),
            "h": round(n / top * (HIST_H - 4), 1),
            "y": round(HIST_H - n / top * (HIST_H - 4), 1),
            "n": n,
            "label": f"{format(lo + i * width, spec)}–{format(lo + (i + 1) * width, spec)}",
        }
        for i, n in enumerate(counts)
        if n
    ]
    return {
        "bars": bars,
        "lo": format(lo, spec),
        "hi": format(hi, spec),
        "median_x": x(statistics.median(values)),
        "band_x": (x(band[0]), x(band[1])) if band else None,
        "w": HIST_W,
        "h": HIST_H,
    }


def _link(a: Answer, out_dir: Path | None, page_dir: Path) -> str:
    """The answer's report, relative to the page (a URL path, each part quoted)."""
    if not a.report or out_dir is None:
        return ""
    target = Path(os.path.abspath(out_dir / a.report))
    if not target.is_file():
        return ""
    rel = os.path.relpath(target, os.path.abspath(page_dir))
    return "/".join(quote(part) for part in Path(rel).parts)


def render_cohort(
    answers: list[Answer],
    *,
    title: str,
    out_dir: Path | None = None,
    page_dir: Path | None = None,
    comparison: Comparison | None = None,
) -> str:
    """The cohort page for ``answers`` (the batch in ``out_dir``, whose reports the rows
    link, relative to ``page_dir``, the folder the page is written to), with
    ``comparison`` against an earlier batch of the same group when given."""
    questions = by_question(answers)
    students = by_student(answers, questions=questions)
    d = describe(answers, questions=questions, students=students)
    figure_list = figures()
    histograms = []
    for f, info in zip(figure_list, d["figures"], strict=True):
        vals = [a.values[f.column] for a in answers if f.column in a.values]
        if not vals:
            continue
        band = target_band(f, answers)
        h = histogram(vals, band, f.spec)
        h.update(
            column=f.column,
            label=f.label,
            n=len(vals),
            median=format(info["median"], f.spec),
            band=f"{format(band[0], f.spec)}–{format(band[1], f.spec)}" if band else "",
            in_band=info["in_band"],
        )
        histograms.append(h)
    areas = area_columns()
    score_columns = ["scores.overall"] + [c for c, _ in areas]
    score_titles = {"scores.overall": "overall", **{c: t for c, t in areas}}
    page = Path(page_dir) if page_dir is not None else Path.cwd()
    rows = [
        {
            "student": a.student,
            "session": a.session,
            "answer": a.answer,
            "question": a.question_title,
            "length": f"{a.duration_s:.0f}" if a.duration_s is not None else "",
            "scores": [(round(a.values[c]) if c in a.values else "") for c in score_columns],
            "tip": a.tips[0] if a.tips else "",
            "flags": a.flags,
            "reason": a.reason if a.status != "ok" else "",
            "status": a.status,
            "link": _link(a, out_dir, page),
        }
        for a in answers
    ]
    improved_by = {}
    overall_noise = next(f.metric.noise for f in figure_list if f.column == "scores.overall")
    if comparison is not None:
        for m in comparison.students:
            o = m.get("scores.overall")
            if o is not None:
                improved_by[m.key] = f"{o.before:.0f} → {o.now:.0f}"
    return ENV.get_template("cohort.html").render(
        title=title,
        d=d,
        made=datetime.datetime.now().astimezone().isoformat(timespec="minutes").replace("T", " ")[:16],
        histograms=histograms,
        rows=rows,
        areas=areas,
        score_columns=score_columns,
        score_titles=score_titles,
        questions=questions,
        question_medians={q.key: q.medians.get("scores.overall") for q in questions},
        students=students,
        cmp=comparison,
        figure_list=figure_list,
        improved_by=improved_by,
        overall_noise=f"{overall_noise:.0f}",
        css=Markup(CSS),
        js=Markup(JS),
        csp=CSP,
    )


def write_cohort_page(
    answers: list[Answer],
    path: Path,
    *,
    title: str,
    out_dir: Path | None = None,
    comparison: Comparison | None = None,
) -> None:
    """Write the cohort page to ``path`` atomically.

    Raises:
        VoicecoachError: the page cannot be written there.
    """
    path = Path(path)
    if path.is_dir():
        raise VoicecoachError(f"{readable(path)}: is a folder; give the cohort page a file name, such as cohort.html")
    html = render_cohort(answers, title=title, out_dir=out_dir, page_dir=path.parent, comparison=comparison)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, html)
    except OSError as exc:
        raise VoicecoachError(f"{readable(path)}: cannot write the cohort page ({exc.strerror or exc})") from exc


def write_reports(
    store: Store, jobs: list[Job], out_dir: Path, *, on_report: Callable[[str], None] = lambda _n: None
) -> int:
    """Write each scored answer's own HTML report to ``out_dir/reports/`` (the same page as
    ``score --html``, its audio embedded when the file is still there), built here from
    the store, not on the workers. A report already written for the same key is kept.
    Returns how many were written now; ``on_report`` is called with the name of each
    answer that has a key, once it is done (written, kept, or not scored)."""
    from ..audio.decode import load_audio
    from ..scoring.result import report_from_dict
    from .html_report import render_html

    names = job_names(jobs)
    written = 0
    for job in jobs:
        if job.key is None:
            continue
        answer = names[readable(job.path)]
        stored = store.get(job.key)
        target = out_dir / report_name(answer, job.key)
        if stored is not None and stored[0] == "ok" and stored[2] is not None and not target.is_file():
            report = report_from_dict({**stored[2], "file": answer}, source=str(target))
            audio = None
            with contextlib.suppress(VoicecoachError, OSError):
                audio = load_audio(job.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, render_html(report, audio=audio))
            written += 1
        on_report(answer)
    return written
