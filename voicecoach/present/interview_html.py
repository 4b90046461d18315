"""The interview's report as HTML: per question (the question, its scores, the follow-up
asked and whether its answer filled the gap, the top tip, the audio of each answer) and
across the interview, built from the interview's JSON
(:func:`voicecoach.interview.summary.interview_json`).

:func:`render_interview_html` makes the self-contained page (each answer's audio embedded,
no script, nothing loaded from anywhere); :func:`interview_body` is its content, which the
practice room shows in its own frame with the audio served by the room.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..interview.followups import REASONS
from ..interview.plan import kind_words
from .html_report import CSS, _card, _e

#: The self-contained page runs no script and loads nothing: styles inline, audio as data.
CSP = "default-src 'none'; style-src 'unsafe-inline'; media-src data:; form-action 'none'; base-uri 'none'"

INTERVIEW_CSS = """
.turn{border:1px solid #d8dee8;border-radius:10px;padding:.6rem 1rem;margin:1rem 0}
.turn h2{margin:.2rem 0 .5rem}.turn .cards .card{min-width:90px;padding:.4rem .7rem}
.turn .cards .card .v{font-size:1.3rem}.follow{border-left:4px solid #2b6cb0;padding:.2rem .8rem;margin:.6rem 0}
.across td:first-child{font-weight:600;white-space:nowrap}
"""


def audio_data_uri(path: str | Path) -> str | None:
    """The answer at ``path`` as a data URI: Opus in Ogg (about 3 kB a second) when this
    libsndfile writes it, else a 16 kHz WAV; None when the file cannot be read."""
    import soundfile as sf

    from ..audio.decode import load_audio
    from ..core.errors import VoicecoachError

    try:
        audio = load_audio(path)
    except (VoicecoachError, OSError):
        return None
    buf = io.BytesIO()
    samples = np.clip(audio.samples, -1, 1)
    if "OPUS" in sf.available_subtypes("OGG"):
        sf.write(buf, samples, audio.sample_rate_hz, format="OGG", subtype="OPUS")
        mime = "audio/ogg"
    else:
        sf.write(buf, samples, audio.sample_rate_hz, format="WAV", subtype="PCM_16")
        mime = "audio/wav"
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _audio(take_id: int | None, audio_src: Callable[[int], str | None], label: str) -> str:
    src = audio_src(take_id) if take_id is not None else None
    if src is None:
        return ""
    return f'<audio controls preload="none" aria-label="{_e(label)}" src="{_e(src)}"></audio>'


def _turn(q: dict[str, Any], audio_src: Callable[[int], str | None]) -> str:
    n = q["position"]
    report = q.get("report")
    scores = (report or {}).get("scores") or {}
    cards = "".join(
        _card(k.capitalize(), v) for k, v in sorted(scores.items(), key=lambda kv: kv[0] != "overall") if v is not None
    )
    if not scores:
        state = {"not asked": "not answered", "scored": "not scored"}.get(q["status"], q["status"])
        warning = (report or {}).get("warning")
        cards = f'<p class="muted">This answer was {_e(state)}' + (f": {_e(warning)}" if warning else ".") + "</p>"
    parts = [
        f'<section class="turn" id="q{n}" aria-labelledby="q{n}-h"><h2 id="q{n}-h">Q{n}. {_e(q["question"])}</h2>',
        f'<div class="cards">{cards}</div>',
        _audio(q.get("take_id"), audio_src, f"Your answer to Q{n}"),
    ]
    fu = q.get("follow_up")
    if fu is not None:
        verdict = {True: "answered what was asked", False: "did not give what was asked", None: "not answered"}[
            fu.get("filled")
        ]
        given = fu.get("given_when_asked") or []
        given_text = f" ({', '.join(given)} given when asked)" if given else ""
        why = REASONS.get(fu["trigger"], fu["trigger"])
        parts.append(
            f'<div class="follow"><p><b>Follow-up</b> ({_e(why)}): “{_e(fu["text"])}” · '
            f'<span class="{"ok" if fu.get("filled") else "bad"}">{_e(verdict)}</span>{_e(given_text)}</p>'
            + _audio(fu.get("take_id"), audio_src, f"Your answer to the follow-up of Q{n}")
            + "</div>"
        )
    tips = (report or {}).get("tips") or []
    if tips:
        parts.append(f'<p class="tip"><b>Top tip</b> ({_e(tips[0]["area"])}): {_e(tips[0]["message"])}</p>')
    words = " ".join(w["text"] for w in ((report or {}).get("transcript") or {}).get("words", []))
    if words:
        parts.append(f'<details><summary>What you said</summary><p class="transcript">{_e(words)}</p></details>')
    return "".join(parts) + "</section>"


def _across(summary: dict[str, Any], kind: str) -> str:
    if not summary.get("scored"):
        return '<p class="muted" id="across">No answer was scored, so there is nothing to compare.</p>'
    rows = []
    f, w = summary.get("fillers_per_min") or {}, summary.get("wpm") or {}
    if summary["scored"] >= 2:
        rows.append(("Fillers a minute", f"first answer {f.get('first')} → last answer {f.get('last')}"))
        rows.append(("Pace", f"first answer {w.get('first')} → last answer {w.get('last')} words a minute"))
        st, we = summary["strongest"], summary["weakest"]
        rows.append(("Strongest answer", f"Q{st['position']} ({st['overall']}): {st['question']}"))
        rows.append(("Weakest answer", f"Q{we['position']} ({we['overall']}): {we['question']}"))
    else:
        rows.append(("Fillers and pace", f"{f.get('first')} fillers a minute, {w.get('first')} words a minute"))
    fi = summary.get("first_impression")
    if fi is not None:
        how = "a direct opening" if fi.get("direct_opening") else "an opening that stalls"
        quote = f": “{fi['opening']}”" if fi.get("opening") else ""
        rows.append(("First impression", f"{how}{quote}" + (f" ({fi['note']})" if fi.get("note") else "")))
    if summary.get("work_on_next"):
        rows.append((f"Work on next ({summary['work_on_next']['area']})", summary["work_on_next"]["tip"]))
    p = summary.get("previous")
    if p is not None:
        rows.append(
            (
                f"Since your last {kind_words(kind)}",
                f"#{p['interview_id']}: mean overall {p['overall_mean']} → {summary['overall_mean']} "
                f"({p['change']:+.1f})",
            )
        )
    elif summary.get("overall_mean") is not None:
        rows.append(("Mean overall", f"{summary['overall_mean']} (your first {kind_words(kind)})"))
    body = "".join(f"<tr><td>{_e(a)}</td><td>{_e(b)}</td></tr>" for a, b in rows)
    return f'<table class="across findings" id="across">{body}</table>'


def interview_body(obj: dict[str, Any], *, audio_src: Callable[[int], str | None]) -> str:
    """The interview report's content; ``audio_src(take_id)`` gives each answer's audio URL
    (None: no audio shown)."""
    summary = obj.get("summary") or {}
    n = len(obj["questions"])
    status = {"finished": "finished", "stopped": "stopped before the end", "running": "in progress"}.get(
        obj["status"], obj["status"]
    )
    head = (
        f'<h1 id="title">Interview #{obj["interview_id"]}</h1>'
        f'<p class="muted" id="when">{_e(obj["kind"])} · {n} question{"s" if n != 1 else ""} · '
        f"{summary.get('follow_ups', 0)} follow-up{'s' if summary.get('follow_ups', 0) != 1 else ''} · "
        f"{_e(status)} · everything on this page stays on this computer</p>"
    )
    return (
        head
        + "<h2>Across the interview</h2>"
        + _across(summary, obj["kind"])
        + "".join(_turn(q, audio_src) for q in obj["questions"])
    )


def render_interview_html(obj: dict[str, Any], *, audio_paths: dict[int, str]) -> str:
    """The whole self-contained page: the interview's JSON ``obj`` with the audio of each
    take in ``audio_paths`` (take id → file) embedded."""
    uris = {take_id: audio_data_uri(path) for take_id, path in audio_paths.items()}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>voicecoach interview #{obj["interview_id"]}</title><style>{CSS}{INTERVIEW_CSS}</style></head>
<body>
{interview_body(obj, audio_src=uris.get)}
</body></html>
"""
