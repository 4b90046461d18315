"""The self-contained HTML report: one file, no network requests.

Everything is inline: CSS, a few lines of JS, SVG figures drawn here, and the answer's
audio as a WAV data URI. A Content-Security-Policy forbids fetching anything else, so the
page cannot reach the network even by accident. Every piece of user data (file names,
transcripts, question text) goes through markupsafe's ``escape``, the escaper of the
practice room's templates.

What is shown per analyser comes from the analyser (score, summary, findings, marks,
series; see :mod:`voicecoach.analysers.base`): a new analyser appears without a change here.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import wave
from typing import TYPE_CHECKING, Any

import numpy as np
from markupsafe import escape

from ..analysers import Mark
from ..analysers.feedback import FLOOR, floor, grade
from ..audio.acoustics import HOP_S, frame_levels_db
from ..audio.decode import Audio
from ..core.datatypes import format_mmss
from ..scoring.result import Report
from .terminal import long_pauses, word_marks

if TYPE_CHECKING:
    from ..practice.history import Take

W, H = 1000, 300  # timeline figure size in SVG units

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1060px;color:#1d2430;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .3rem;word-break:break-all}h2{font-size:1.1rem;margin:1.8rem 0 .6rem}
.question{color:#4a5568;margin:.2rem 0 1rem}.floor{background:#fff5f5;border-left:4px solid #c53030;padding:.5rem .8rem;color:#742a2a}.cards{display:flex;gap:.8rem;flex-wrap:wrap}
.card{border:1px solid #d8dee8;border-radius:10px;padding:.7rem 1rem;min-width:130px}
.card .v{font-size:1.8rem;font-weight:700}.card .v small{font-size:.9rem;color:#4a5568;font-weight:400}.card .l{color:#1d2430;font-size:.9rem;font-weight:600}
.card .m{color:#4a5568;font-size:.85rem;max-width:14rem}
.card.good .v{color:#1f7a3a}.card.mid .v{color:#b7791f}.card.bad .v{color:#c53030}
svg{width:100%;height:auto;border:1px solid #e2e8f0;border-radius:8px;background:#fbfcfe}
.transcript{line-height:2;font-size:1.05rem}.w{cursor:pointer}
mark.filler{background:#fde68a;border-radius:4px;padding:0 .15rem;cursor:pointer}
mark.filler.discourse{background:#bae6fd}span.repeat{text-decoration:underline;text-decoration-color:#805ad5;text-decoration-thickness:2px}mark.filler.acoustic{background:#fef3c7;border:1px dashed #d69e2e}.pause{color:#c53030;font-size:.85rem;cursor:pointer;font-weight:600}
table{border-collapse:collapse}td,th{padding:.25rem .8rem;border-bottom:1px solid #edf2f7;text-align:left}
.tips li{margin:.5rem 0}.ev{color:#2b6cb0;cursor:pointer;text-decoration:underline;font-size:.9rem}
.legend span{margin-right:1rem;font-size:.85rem}.muted{color:#4a5568}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:1rem}
audio{width:100%;margin:.5rem 0}.ok{color:#1f7a3a}.bad{color:#c53030}.findings td:first-child{font-weight:600;white-space:nowrap}
"""

JS = """
const audio=document.getElementById('answer');
document.querySelectorAll('[data-t]').forEach(el=>el.addEventListener('click',()=>{
  if(!audio)return; audio.currentTime=parseFloat(el.dataset.t); const p=audio.play(); if(p)p.catch(()=>{});
  document.body.dataset.lastSeek=el.dataset.t;}));
"""
#: The page may run only its own script (allowed by its hash, so an injected inline
#: script or event handler cannot run), load nothing from anywhere, submit no form and
#: set no base URL. Styles stay inline (the SVG figures use attributes).
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{base64.b64encode(hashlib.sha256(JS.encode()).digest()).decode()}'; "
    "media-src data:; img-src data:; form-action 'none'; base-uri 'none'"
)


def _e(x: Any) -> str:
    return str(escape(x))  # the escaper of the practice room's templates too


def audio_data_uri(audio: Audio) -> str:
    """The decoded answer as a 16 kHz mono WAV data URI (plays in every browser)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.sample_rate_hz)
        w.writeframes((np.clip(audio.samples, -1, 1) * 32767).astype("<i2").tobytes())
    return "data:audio/wav;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _envelope(audio: Audio | None, duration_s: float, points: int = 500) -> str:
    """An SVG path of the loudness envelope (dB above -60, max per bin)."""
    if audio is None:
        return ""
    levels = frame_levels_db(audio.samples, audio.sample_rate_hz)
    n = len(levels)
    bins = np.array_split(np.clip(levels + 60, 0, 60), min(points, n))
    top, height = 20, 90
    xs, ys = [], []
    t = 0.0
    for b in bins:
        xs.append(W * (t + len(b) * HOP_S / 2) / duration_s)
        ys.append(top + height - height * float(b.max()) / 60)
        t += len(b) * HOP_S
    d = (
        f"M0,{top + height} "
        + " ".join(f"L{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        + f" L{W},{top + height} Z"
    )
    return f'<path class="envelope" d="{d}" fill="#cbd5e0" stroke="#718096" stroke-width="0.6"/>'


#: Dot colours on the timeline, by mark kind.
DOT_COLOURS = {"vocal_filler": "#d69e2e", "discourse_filler": "#3182ce", "repeat": "#805ad5"}


def _all_marks(report: Report) -> list[Mark]:
    return [m for a, result in report.analysers() for m in a.marks(result)]


def timeline_svg(report: Report, audio: Audio | None) -> str:
    dur = max(report.duration_s, 1e-3)

    def x(t: float) -> float:
        return W * t / dur

    marks = _all_marks(report)
    parts = [f'<svg id="timeline" viewBox="0 0 {W} {H + 12}" role="img" aria-label="Timeline of the answer">']
    parts.append('<text x="4" y="14" font-size="11" fill="#4a5568">loudness</text>')
    parts.append(_envelope(audio, dur))
    for m in (m for m in marks if m.kind in ("pause", "long_pause")):
        long = m.kind == "long_pause"
        parts.append(
            f'<rect class="pause{" long" if long else ""}" data-t="{m.start_s:.2f}" x="{x(m.start_s):.1f}" y="20" '
            f'width="{max(1.0, x(m.end_s) - x(m.start_s)):.1f}" '
            f'height="90" fill="{"#feb2b2" if long else "#e2e8f0"}" opacity="0.8"><title>{_e(m.label)} at '
            f"{format_mmss(m.start_s)}</title></rect>"
        )
    parts.append('<text x="4" y="128" font-size="11" fill="#4a5568">words</text>')
    for w in report.transcript.words:
        parts.append(f'<line x1="{x(w.start_s):.1f}" x2="{x(w.start_s):.1f}" y1="132" y2="142" stroke="#a0aec0"/>')
    parts.append('<text x="4" y="160" font-size="11" fill="#4a5568">fillers, repeats</text>')
    for m in (m for m in marks if m.kind in DOT_COLOURS):
        cls = f"filler-dot {m.kind.split('_')[0]}" if m.kind.endswith("_filler") else f"mark-dot {m.kind}"
        cy = 170 if m.kind.endswith("_filler") else 176
        parts.append(
            f'<circle class="{cls}" data-t="{m.start_s:.2f}" cx="{x(m.start_s):.1f}" cy="{cy}" '
            f'r="{6 if cy == 170 else 4}" fill="{DOT_COLOURS[m.kind]}">'
            f"<title>{_e(m.label)} at {format_mmss(m.start_s)}</title></circle>"
        )
    top, height, vmin = 185, 95, 60.0
    for a, result in report.analysers():
        for series in a.series(result):
            vmax = max(260.0, max((v for _, v in series.points), default=0) + 20)

            def y(v: float, vmax: float = vmax) -> float:
                return top + height - height * (min(max(v, vmin), vmax) - vmin) / (vmax - vmin)

            band = ""
            if series.band:
                lo, hi = series.band
                parts.append(
                    f'<rect x="0" y="{y(hi):.1f}" width="{W}" height="{y(lo) - y(hi):.1f}" fill="#c6f6d5" '
                    'opacity="0.6"/>'
                )
                band = f"green: {lo:.0f}-{hi:.0f}; "
            parts.append(
                f'<text x="4" y="{top + 10}" font-size="11" fill="#4a5568">{_e(series.label)} ({band}scale '
                f"{vmin:.0f}-{vmax:.0f})</text>"
            )
            pts = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in series.points)
            if pts:
                parts.append(f'<polyline class="series" points="{pts}" fill="none" stroke="#2b6cb0" stroke-width="2"/>')
            break
    step = 10 if dur > 30 else 5
    for t in range(0, int(dur) + 1, step):
        # a label is about 40 units wide: anchored so it stays inside the figure
        anchor = "end" if x(t) > W - 45 else "start" if x(t) < 45 else "middle"
        parts.append(
            f'<text x="{x(t):.1f}" y="{H + 8}" font-size="10" text-anchor="{anchor}" '
            f'fill="#718096">{format_mmss(t)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def transcript_html(report: Report) -> str:
    pauses = long_pauses(report)
    out = []
    for w, kind in word_marks(report):
        while pauses and pauses[0].start_s < w.start_s:
            p = pauses.pop(0)
            out.append(f'<span class="pause long" data-t="{p.start_s:.2f}" title="long pause">[{_e(p.label)}]</span>')
        text = _e(w.text.strip())
        at = f'data-t="{w.start_s:.2f}"'
        if kind == "vocal_filler":
            if w.source == "acoustic":
                out.append(
                    f'<mark class="filler vocal acoustic" {at} title="vocal filler at {format_mmss(w.start_s)}, found '
                    f'by re-listening">({text})</mark>'
                )
            else:
                out.append(
                    f'<mark class="filler vocal" {at} title="vocal filler at {format_mmss(w.start_s)}">{text}</mark>'
                )
        elif kind == "discourse_filler":
            out.append(
                f'<mark class="filler discourse" {at} title="discourse filler at '
                f'{format_mmss(w.start_s)}">{text}</mark>'
            )
        elif kind == "repeat":
            out.append(f'<span class="w repeat" {at} title="a word or phrase said many times">{text}</span>')
        else:
            out.append(f'<span class="w" {at}>{text}</span>')
    for p in pauses:
        out.append(f'<span class="pause long" data-t="{p.start_s:.2f}">[{_e(p.label)}]</span>')
    return " ".join(out)


def _line_chart(
    title: str, values: list[float], labels: list[str], fmt: str, better: str, band: tuple[float, float] | None = None
) -> str:
    """A small trend chart: each take's value written by its point, the target band
    shaded when the figure has one."""
    w, h, pad, top = 300, 140, 26, 18
    if len(values) < 2:
        return f'<div class="trend-chart"><b>{_e(title)}</b><p class="muted">More takes will draw a trend.</p></div>'
    lo, hi = min(values), max(values)
    if band:
        lo, hi = min(lo, band[0]), max(hi, band[1])
    span = (hi - lo) or 1.0
    lo, hi = lo - 0.08 * span, hi + 0.08 * span
    span = hi - lo

    def px(i: int) -> float:
        return pad + (w - 2 * pad) * i / (len(values) - 1)

    def py(v: float) -> float:
        return top + (h - pad - top) * (hi - v) / span

    parts = []
    if band:
        parts.append(
            f'<rect class="band" x="{pad}" y="{py(band[1]):.1f}" width="{w - 2 * pad}" '
            f'height="{py(band[0]) - py(band[1]):.1f}" fill="#c6f6d5">'
            f"<title>target {format(band[0], fmt)}-{format(band[1], fmt)}</title></rect>"
        )
    pts = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<polyline points="{pts}" fill="none" stroke="#2b6cb0" stroke-width="2"/>')
    every = max(1, round(len(values) / 8))  # a label on at most about eight points
    for i, v in enumerate(values):
        parts.append(
            f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}" r="3" fill="#2b6cb0"><title>{_e(labels[i])}: '
            f"{format(v, fmt)}</title></circle>"
        )
        if i % every == 0 or i == len(values) - 1:
            anchor = "start" if i == 0 else "end" if i == len(values) - 1 else "middle"
            parts.append(
                f'<text class="value" x="{px(i):.1f}" y="{py(v) - 6:.1f}" font-size="10" text-anchor="{anchor}" '
                f'fill="#1d2430">{format(v, fmt)}</text>'
            )
    parts.append(f'<text x="{pad}" y="{h - 6}" font-size="10" fill="#4a5568">{_e(labels[0])}</text>')
    parts.append(
        f'<text x="{w - pad}" y="{h - 6}" font-size="10" text-anchor="end" fill="#4a5568">{_e(labels[-1])}</text>'
    )
    hint = {"lower": "lower is better", "higher": "higher is better", "band": "best inside the green band"}.get(
        better, ""
    )
    target = f" · target {format(band[0], fmt)}-{format(band[1], fmt)}" if band else ""
    return (
        f'<div class="trend-chart"><b>{_e(title)}</b> <span class="muted">{format(values[0], fmt)} → '
        f"{format(values[-1], fmt)}{' · ' + hint if hint else ''}{target}</span>"
        f'<svg class="trend" viewBox="0 0 {w} {h}" role="img" aria-label="{_e(title)} over {len(values)} '
        f'takes">{"".join(parts)}</svg></div>'
    )


def progress_html(takes: list[Take], report: Report | None = None) -> str:
    """One chart per analyser (its primary figure) and the overall score, over the takes;
    a figure with a target band shows the band of ``report`` (the take on this page)."""
    from ..analysers import registered

    scored = [t for t in takes if t.status == "scored"]
    if not scored:
        return '<p class="muted">No practice history yet.</p>'
    labels = [f"#{t.id} {t.created_at_iso[:10]}" for t in scored]
    charts = []
    figures: list[tuple[str, str, str, str, tuple[float, float] | None]] = [
        ("overall.score", "overall score", "d", "higher", None)
    ]
    for a in registered():
        m = a.primary_metric
        if m is not None:
            band = None
            result = report.results.get(a.name) if report is not None else None
            if m.band and result is not None:
                lo, hi = (getattr(result, k, None) for k in m.band)
                band = (float(lo), float(hi)) if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) else None
            figures.append((f"{a.name}.{m.key}", m.label, m.fmt, m.better, band))
    for key, title, fmt, better, band in figures:
        pairs = [(t.metrics[key], label) for t, label in zip(scored, labels, strict=True) if key in t.metrics]
        if pairs:
            charts.append(
                _line_chart(
                    title, [v for v, _ in pairs], [lab for _, lab in pairs], ".0f" if fmt == "d" else fmt, better, band
                )
            )
    return f'<div class="charts" id="progress">{"".join(charts)}</div>'


def _card(label: str, value: int, measured: str = "") -> str:
    """A score card: what it is, the score out of 100, what was measured."""
    cls = grade(value)
    said = f"{label} score: {value} out of 100" + (f"; {measured}" if measured else "")
    return (
        f'<div class="card {cls}" role="group" aria-label="{_e(said)}"><div class="l">{_e(label)}</div>'
        f'<div class="v">{value}<small>/100</small></div><div class="m">{_e(measured)}</div></div>'
    )


def _evidence(ev: Any) -> str:
    return f'<span class="ev" data-t="{ev.start_s:.2f}">{format_mmss(ev.start_s)} “{_e(ev.quote)}”</span>'


def details_html(report: Report) -> str:
    """Each analyser: what was measured, then its findings, times clickable."""
    rows = []
    for a, result in report.analysers():
        summary = a.summary(result)
        if summary:
            rows.append(f'<tr><td>{_e(a.title)}</td><td colspan="2">{_e(summary)}</td></tr>')
        for f in a.findings(result):
            cls = {True: "ok", False: "bad"}.get(f.ok, "")  # type: ignore[arg-type]
            evidence = " ".join(_evidence(ev) for ev in f.evidence)
            rows.append(f'<tr><td></td><td class="{cls}">{_e(f.label)}</td><td>{_e(f.text)} {evidence}</td></tr>')
    return f'<table class="findings" id="details">{"".join(rows)}</table>'


def _when(iso: str) -> str:
    """An ISO time as people read it: "2026-11-27 11:40"."""
    return iso[:16].replace("T", " ")


def render_html(report: Report, *, audio: Audio | None, history: list[Take] | None = None) -> str:
    """The whole page for a scored :class:`~voicecoach.scoring.result.Report`, self-contained:
    the audio embedded, the script inline and allowed by its hash."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>voicecoach report: {_e(report.file)}</title><style>{CSS}</style></head>
<body>
{report_body(report, audio=audio, history=history)}
<script>{JS}</script>
</body></html>
"""


def report_body(
    report: Report,
    *,
    audio: Audio | None,
    history: list[Take] | None = None,
    audio_src: str | None = None,
    title: str | None = None,
    after_scores: str = "",
) -> str:
    """The report's content, for :func:`render_html` and for the practice room's page (which
    loads the audio from ``audio_src``, names the take ``title``, adds ``after_scores``
    under the scores, and brings :data:`CSS` and :data:`JS` itself)."""
    if report.scores is None:
        raise ValueError("a report page needs a scored report")
    s = report.scores
    shown = {a.name: (a.title, a.headline(result)) for a, result in report.analysers()}
    cards = _card(
        "Overall", s.overall, "weighted mean of the judged areas" if s.not_judged else "weighted mean of the areas"
    ) + "".join(_card(shown.get(name, (name, ""))[0], v, shown.get(name, (name, ""))[1]) for name, v in s.parts.items())
    titles = {a.name: a.title for a, _ in report.analysers()}
    unjudged = "".join(
        f'<li data-area="{_e(name)}"><b>{_e(titles.get(name, name))}</b>: {_e(why)}</li>'
        for name, why in s.not_judged.items()
    )
    if unjudged:
        after_scores = (
            '<div id="not-judged"><p>Not judged (no score, not in the overall, no tips):</p>'
            f"<ul>{unjudged}</ul></div>" + after_scores
        )
    f = report.results.get("fillers")
    fillers_section = ""
    if f is not None:
        breakdown = (
            "".join(f"<tr><td>{_e(k)}</td><td>{int(v)}</td></tr>" for k, v in f.by_type.items())
            or '<tr><td colspan="2">none</td></tr>'
        )
        fillers_section = (
            f'<h2>Filler words</h2><p id="filler-summary">{f.count} fillers ({f.vocal_count} vocal, '
            f"{f.discourse_count} discourse), "
            f"{f.per_min:.1f} a minute, {100 * f.share_of_words:.1f}% of words</p>"
            f'<table id="breakdown"><tr><th>filler</th><th>times</th></tr>{breakdown}</table>'
        )
    pa = report.results.get("pauses")
    pauses_section = ""
    if pa is not None:
        longest = sorted(pa.events, key=lambda e: -e.duration_s)[:5]
        pauses_rows = "".join(
            '<tr><td><span class="ev" '
            f'data-t="{e.start_s:.2f}">{format_mmss(e.start_s)}</span></td><td>{e.duration_s:.1f} s</td>'
            f"<td>{_e(e.position.replace('_', ' '))}</td><td>after “{_e(e.after_word)}”</td></tr>"
            for e in longest
        )
        empty = f'<tr><td colspan="4">no pauses of {1000 * pa.min_pause_s:.0f} ms or more</td></tr>'
        pauses_section = (
            "<h2>Longest pauses</h2><table "
            'id="pauses"><tr><th>at</th><th>length</th><th>where</th><th>said before '
            f"it</th></tr>{pauses_rows or empty}</table>"
        )
    tips = "".join(
        f"<li><b>{_e(t.area)}</b>: {_e(t.message)} "
        + " ".join(_evidence(ev) for ev in t.evidence)
        + (f' <span class="muted more">and {t.more} more</span>' if t.more else "")
        + "</li>"
        for t in report.tips
    )
    audio_tag = (
        f'<audio id="answer" controls preload="auto" src="{_e(audio_src)}"></audio>'
        if audio_src is not None
        else f'<audio id="answer" controls preload="auto" src="{audio_data_uri(audio)}"></audio>'
        if audio is not None
        else '<p class="muted">The audio file was not found, so it is not embedded.</p>'
    )
    question = f'<p class="question">Question: {_e(report.question)}</p>' if report.question else ""
    held = floor(report.results)
    if held:
        question += f'<p class="floor" id="floor"><b>{_e(held)}</b> The overall score is held at {FLOOR} or below.</p>'

    recorded = f"recorded {_e(_when(report.recorded_at))}" if report.recorded_at else "recording time unknown"
    made = _e(_when(datetime.datetime.now().astimezone().isoformat(timespec="seconds")))
    return f"""<h1 id="title">{_e(title or report.file)}</h1>{question}
<p class="muted" id="when">{report.duration_s:.1f} s · {recorded} · report made {made} · by voicecoach · everything on this page stays on this computer</p>
<div class="cards" id="scores">{cards}</div>
{after_scores}{audio_tag}
<h2>Timeline</h2>
<div class="legend"><span>▮ grey: pause, red: long pause</span><span style="color:#975a16">● vocal filler</span><span style="color:#2b6cb0">● discourse filler</span><span style="color:#805ad5">● repeated word</span><span style="color:#2b6cb0">— pace</span> <span class="muted">Click a filler or a pause to hear it.</span></div>
{timeline_svg(report, audio)}
<h2>Tips</h2>
<ol class="tips" id="tips">{tips or "<li>Nothing stands out: keep practising with new questions.</li>"}</ol>
<h2>What was measured</h2>
{details_html(report)}
{fillers_section}
<h2>Transcript</h2>
<p class="transcript" id="transcript">{transcript_html(report)}</p>
{pauses_section}
<h2>Progress</h2>
{progress_html(history or [], report)}"""
