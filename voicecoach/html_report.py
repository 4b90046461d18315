"""The self-contained HTML report: one file, no network requests.

Everything is inline: CSS, a few lines of JS, SVG figures drawn here, and the answer's
audio as a WAV data URI. A Content-Security-Policy forbids fetching anything else, so the
page cannot reach the network even by accident. Every piece of user data (file names,
transcripts, question text) goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import time
import wave
from typing import Any

import numpy as np

from .acoustics import HOP_S, frame_levels_db
from .audio import Audio
from .datatypes import format_mmss

W, H = 1000, 300  # timeline figure size in SVG units

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1060px;color:#1d2430;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .3rem;word-break:break-all}h2{font-size:1.1rem;margin:1.8rem 0 .6rem}
.question{color:#4a5568;margin:.2rem 0 1rem}.cards{display:flex;gap:.8rem;flex-wrap:wrap}
.card{border:1px solid #d8dee8;border-radius:10px;padding:.7rem 1rem;min-width:130px}
.card .v{font-size:1.8rem;font-weight:700}.card .l{color:#4a5568;font-size:.85rem}
.card.good .v{color:#1f7a3a}.card.mid .v{color:#b7791f}.card.bad .v{color:#c53030}
svg{width:100%;height:auto;border:1px solid #e2e8f0;border-radius:8px;background:#fbfcfe}
.transcript{line-height:2;font-size:1.05rem}.w{cursor:pointer}
mark.filler{background:#fde68a;border-radius:4px;padding:0 .15rem;cursor:pointer}
mark.filler.discourse{background:#bae6fd}mark.filler.acoustic{background:#fef3c7;border:1px dashed #d69e2e}.pause{color:#c53030;font-size:.85rem;cursor:pointer;font-weight:600}
table{border-collapse:collapse}td,th{padding:.25rem .8rem;border-bottom:1px solid #edf2f7;text-align:left}
.tips li{margin:.5rem 0}.ev{color:#2b6cb0;cursor:pointer;text-decoration:underline;font-size:.9rem}
.legend span{margin-right:1rem;font-size:.85rem}.muted{color:#718096}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:1rem}
audio{width:100%;margin:.5rem 0}
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
    return html.escape(str(x), quote=True)


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
    d = f"M0,{top + height} " + " ".join(f"L{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True)) + f" L{W},{top + height} Z"
    return f'<path class="envelope" d="{d}" fill="#cbd5e0" stroke="#718096" stroke-width="0.6"/>'


def timeline_svg(report: dict[str, Any], audio: Audio | None) -> str:
    dur = max(report["duration_s"], 1e-3)

    def x(t: float) -> float:
        return W * t / dur

    parts = [f'<svg id="timeline" viewBox="0 0 {W} {H}" role="img" aria-label="Timeline of the answer">']
    parts.append('<text x="4" y="14" font-size="11" fill="#4a5568">loudness</text>')
    parts.append(_envelope(audio, dur))
    for p in report["pauses"]["events"]:
        cls = "pause long" if p["long"] else "pause"
        colour = "#feb2b2" if p["long"] else "#e2e8f0"
        parts.append(
            f'<rect class="{cls}" data-t="{p["start_s"]:.2f}" x="{x(p["start_s"]):.1f}" y="20" width="{max(1.0, x(p["end_s"]) - x(p["start_s"])):.1f}" height="90" fill="{colour}" opacity="0.8"><title>pause {p["duration_s"]:.1f} s at {format_mmss(p["start_s"])}</title></rect>'
        )
    parts.append('<text x="4" y="128" font-size="11" fill="#4a5568">words</text>')
    for w in report["transcript"]["words"]:
        parts.append(f'<line x1="{x(w["start_s"]):.1f}" x2="{x(w["start_s"]):.1f}" y1="132" y2="142" stroke="#a0aec0"/>')
    parts.append('<text x="4" y="160" font-size="11" fill="#4a5568">fillers</text>')
    for f in report["fillers"]["events"]:
        kind = "vocal" if f["kind"] == "vocal" else "discourse"
        colour = "#d69e2e" if kind == "vocal" else "#3182ce"
        parts.append(
            f'<circle class="filler-dot {kind}" data-t="{f["start_s"]:.2f}" cx="{x(f["start_s"]):.1f}" cy="170" r="6" fill="{colour}"><title>{_e(f["text"])} at {format_mmss(f["start_s"])}</title></circle>'
        )
    pacing = report["pacing"]
    top, height, vmin = 185, 95, 60.0
    vmax = max(260.0, max((w["wpm"] for w in pacing["windows"]), default=0) + 20)

    def y(v: float) -> float:
        return top + height - height * (min(max(v, vmin), vmax) - vmin) / (vmax - vmin)

    parts.append(
        f'<rect x="0" y="{y(pacing["target_max_wpm"]):.1f}" width="{W}" height="{y(pacing["target_min_wpm"]) - y(pacing["target_max_wpm"]):.1f}" fill="#c6f6d5" opacity="0.6"/>'
    )
    parts.append(
        f'<text x="4" y="{top + 10}" font-size="11" fill="#4a5568">pace, wpm (green: {pacing["target_min_wpm"]:.0f}-{pacing["target_max_wpm"]:.0f}; scale {vmin:.0f}-{vmax:.0f})</text>'
    )
    pts = " ".join(f"{x((w['start_s'] + w['end_s']) / 2):.1f},{y(w['wpm']):.1f}" for w in pacing["windows"])
    if pts:
        parts.append(f'<polyline class="pace" points="{pts}" fill="none" stroke="#2b6cb0" stroke-width="2"/>')
    for t in range(0, int(dur) + 1, 10 if dur > 30 else 5):
        parts.append(f'<text x="{x(t):.1f}" y="{H - 2}" font-size="10" fill="#718096">{format_mmss(t)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def transcript_html(report: dict[str, Any]) -> str:
    fillers = {round(f["start_s"], 3): f for f in report["fillers"]["events"]}
    discourse_spans = [(f["start_s"], f["end_s"]) for f in report["fillers"]["events"] if f["kind"] == "discourse"]
    pauses = sorted((p for p in report["pauses"]["events"] if p["long"]), key=lambda p: p["start_s"])
    out = []
    for w in report["transcript"]["words"]:
        while pauses and pauses[0]["start_s"] < w["start_s"]:
            p = pauses.pop(0)
            out.append(f'<span class="pause long" data-t="{p["start_s"]:.2f}" title="long pause">[{p["duration_s"]:.1f} s pause]</span>')
        f = fillers.get(round(w["start_s"], 3))
        in_discourse = any(s <= w["start_s"] and w["end_s"] <= e + 1e-6 for s, e in discourse_spans)
        if f and f["kind"] == "vocal":
            if f.get("source") == "acoustic":
                out.append(
                    f'<mark class="filler vocal acoustic" data-t="{w["start_s"]:.2f}" title="vocal filler at {format_mmss(w["start_s"])}, found by re-listening">({_e(w["text"])})</mark>'
                )
            else:
                out.append(f'<mark class="filler vocal" data-t="{w["start_s"]:.2f}" title="vocal filler at {format_mmss(w["start_s"])}">{_e(w["text"])}</mark>')
        elif in_discourse:
            out.append(
                f'<mark class="filler discourse" data-t="{w["start_s"]:.2f}" title="discourse filler at {format_mmss(w["start_s"])}">{_e(w["text"])}</mark>'
            )
        else:
            out.append(f'<span class="w" data-t="{w["start_s"]:.2f}">{_e(w["text"])}</span>')
    for p in pauses:
        out.append(f'<span class="pause long" data-t="{p["start_s"]:.2f}">[{p["duration_s"]:.1f} s pause]</span>')
    return " ".join(out)


def _line_chart(title: str, values: list[float], labels: list[str], fmt: str) -> str:
    w, h, pad = 300, 120, 24
    if len(values) < 2:
        return f'<div><b>{_e(title)}</b><p class="muted">More takes will draw a trend.</p></div>'
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0

    def pt(i: int, v: float) -> tuple[float, float]:
        return pad + (w - 2 * pad) * i / (len(values) - 1), h - pad - (h - 2 * pad) * (v - lo) / span

    pts = " ".join(f"{px:.1f},{py:.1f}" for px, py in (pt(i, v) for i, v in enumerate(values)))
    dots = "".join(
        f'<circle cx="{pt(i, v)[0]:.1f}" cy="{pt(i, v)[1]:.1f}" r="3" fill="#2b6cb0"><title>{_e(labels[i])}: {format(v, fmt)}</title></circle>'
        for i, v in enumerate(values)
    )
    return (
        f'<div><b>{_e(title)}</b> <span class="muted">{format(values[0], fmt)} → {format(values[-1], fmt)}</span>'
        f'<svg class="trend" viewBox="0 0 {w} {h}"><polyline points="{pts}" fill="none" stroke="#2b6cb0" stroke-width="2"/>{dots}'
        f'<text x="{pad}" y="{h - 6}" font-size="10" fill="#718096">{_e(labels[0])}</text><text x="{w - pad}" y="{h - 6}" font-size="10" text-anchor="end" fill="#718096">{_e(labels[-1])}</text></svg></div>'
    )


def progress_html(takes: list[dict[str, Any]]) -> str:
    scored = [t for t in takes if t.get("status") == "scored"]
    if not scored:
        return '<p class="muted">No practice history yet.</p>'
    labels = [f"#{t['id']} {t['created_at_iso'][:10]}" for t in scored]
    charts = [
        _line_chart("Fillers per minute", [t["fillers_per_min"] or 0.0 for t in scored], labels, ".1f"),
        _line_chart("Words per minute", [t["wpm"] or 0.0 for t in scored], labels, ".0f"),
        _line_chart("Pause ratio", [t["pause_ratio"] or 0.0 for t in scored], labels, ".2f"),
        _line_chart("Structure score", [float(t["structure_score"] or 0) for t in scored], labels, ".0f"),
    ]
    return f'<div class="charts" id="progress">{"".join(charts)}</div>'


def _card(label: str, value: Any) -> str:
    v = int(value) if value is not None else 0
    cls = "good" if v >= 75 else "mid" if v >= 50 else "bad"
    return f'<div class="card {cls}"><div class="v">{v}</div><div class="l">{_e(label)}</div></div>'


def render_html(report: dict[str, Any], *, audio: Audio | None, history: list[dict[str, Any]] | None = None) -> str:
    """The whole page for a ``score --json`` report (``speech_found`` true)."""
    f, p, pa = report["fillers"], report["pacing"], report["pauses"]
    s = report["scores"]
    cards = "".join(
        _card(label, s[key])
        for key, label in (("overall", "Overall"), ("fillers", "Fillers"), ("pacing", "Pacing"), ("pauses", "Pauses"), ("structure", "Structure"))
    )
    breakdown = "".join(f"<tr><td>{_e(k)}</td><td>{int(v)}</td></tr>" for k, v in f["by_type"].items()) or '<tr><td colspan="2">none</td></tr>'
    longest = sorted(pa["events"], key=lambda e: -e["duration_s"])[:5]
    pauses_rows = "".join(
        f'<tr><td><span class="ev" data-t="{e["start_s"]:.2f}">{format_mmss(e["start_s"])}</span></td><td>{e["duration_s"]:.1f} s</td><td>{_e(e["position"].replace("_", " "))}</td><td>after “{_e(e["after_word"])}”</td></tr>'
        for e in longest
    )
    tips = "".join(
        f"<li><b>{_e(t['area'])}</b>: {_e(t['message'])} "
        + " ".join(f'<span class="ev" data-t="{ev["start_s"]:.2f}">{format_mmss(ev["start_s"])} “{_e(ev["quote"])}”</span>' for ev in t["evidence"])
        + "</li>"
        for t in report["tips"]
    )
    audio_tag = (
        f'<audio id="answer" controls preload="auto" src="{audio_data_uri(audio)}"></audio>'
        if audio is not None
        else '<p class="muted">The audio file was not found, so it is not embedded.</p>'
    )
    question = f'<p class="question">Question: {_e(report["question"])}</p>' if report.get("question") else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>voicecoach report: {_e(report["file"])}</title><style>{CSS}</style></head>
<body>
<h1 id="title">{_e(report["file"])}</h1>{question}
<p class="muted">{report["duration_s"]:.1f} s · made {_e(time.strftime("%Y-%m-%d %H:%M"))} by voicecoach · everything on this page stays on this computer</p>
<div class="cards" id="scores">{cards}</div>
{audio_tag}
<h2>Timeline</h2>
<div class="legend"><span>▮ grey: pause, red: long pause</span><span style="color:#d69e2e">● vocal filler</span><span style="color:#3182ce">● discourse filler</span><span style="color:#2b6cb0">— pace</span> <span class="muted">Click a filler or a pause to hear it.</span></div>
{timeline_svg(report, audio)}
<h2>Filler words</h2>
<p id="filler-summary">{int(f["count"])} fillers ({int(f["vocal_count"])} vocal, {int(f["discourse_count"])} discourse), {f["per_min"]:.1f} a minute, {100 * f["share_of_words"]:.1f}% of words · pace {p["wpm"]:.0f} wpm</p>
<table id="breakdown"><tr><th>filler</th><th>times</th></tr>{breakdown}</table>
<h2>Transcript</h2>
<p class="transcript" id="transcript">{transcript_html(report)}</p>
<h2>Longest pauses</h2>
<table id="pauses"><tr><th>at</th><th>length</th><th>where</th><th></th></tr>{pauses_rows or f'<tr><td colspan="4">no pauses of {1000 * float(pa.get("min_pause_s", 0.25)):.0f} ms or more</td></tr>'}</table>
<h2>Tips</h2>
<ol class="tips" id="tips">{tips or "<li>Nothing stands out: keep practising with new questions.</li>"}</ol>
<h2>Progress</h2>
{progress_html(history or [])}
<script>{JS}</script>
</body></html>
"""
