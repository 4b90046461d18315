"""The practice room in the browser: ``voicecoach serve``, on this machine only.

A Starlette app served by uvicorn on the loopback interface. The page records the
microphone (an AudioWorklet at 16 kHz) and sends the samples every quarter second; the
server appends each chunk to the take's WAV with the same writer ``practice`` uses
(:class:`voicecoach.practice.record.TakeWriter`: a complete, valid file after every append), feeds a
:class:`~voicecoach.scoring.stream.StreamingTranscriber` as ``practice`` does, and ends the take
with :func:`voicecoach.practice.takes.finish_take`. A closed tab, a crashed browser or a killed
server keeps everything received; an abandoned take is closed after
``ABANDONED_AFTER_S`` without audio and can be scored later (``score --take``).

Every request must carry the session key (the printed URL's ``?token=``, then an
HttpOnly, SameSite=Strict cookie), a ``Host`` the server was started for (DNS rebinding)
and, when it has one, an ``Origin`` of this server (cross-site requests); uploads are
capped in size and rate; no path in a request reaches the file system (static files are
a fixed list, a take's audio comes from the history by its id). The pages run no inline
script (Content-Security-Policy ``script-src 'self'``).
"""

from __future__ import annotations

import collections
import contextlib
import hmac
import html
import json
import logging
import re
import secrets
import signal
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import numpy as np

from ..audio.decode import SAMPLE_RATE_HZ, load_audio
from ..core.errors import HistoryError, TakeWriteError, VoicecoachError
from ..core.paths import data_dir
from ..core.questions import Question, category_name, filter_questions, find_text, own_question
from ..practice.history import History, Take
from ..practice.record import Recording
from ..practice.takes import is_empty_take
from ..settings.config import Settings

logger = logging.getLogger(__name__)

COOKIE = "voicecoach_token"
#: The largest audio chunk accepted: 2 s of 16 kHz 16-bit mono (the page sends 0.25 s).
MAX_CHUNK_BYTES = 64_000
#: At most this many chunks a second per take (the page sends 4).
MAX_CHUNKS_PER_S = 20
#: The largest JSON body accepted.
MAX_JSON_BYTES = 16_384
#: A take that has had no audio for this long (the tab was closed) is closed and kept.
ABANDONED_AFTER_S = 20.0
#: Files under /static/ (nothing else is served from disk).
STATIC = {
    "app.css": "text/css; charset=utf-8",
    "practice.js": "text/javascript; charset=utf-8",
    "capture-worklet.js": "text/javascript; charset=utf-8",
}
#: The report page's script: the HTML report's own, and keyboard use of its times.
REPORT_JS = """
document.querySelectorAll('[data-t]').forEach(el=>{ if(el.closest('svg')) return;  // the figure is an image; its times are in the text too
  if(!el.hasAttribute('tabindex')){el.tabIndex=0; el.setAttribute('role','button');}
  el.addEventListener('keydown',ev=>{ if(ev.key==='Enter'||ev.key===' '){ev.preventDefault(); el.click();}});});
"""
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


@dataclass
class OpenTake:
    """A take being recorded from the browser."""

    take_id: int
    question: Question | str | None
    writer: Any  # voicecoach.practice.record.TakeWriter
    streamer: Any  # voicecoach.scoring.stream.StreamingTranscriber or None
    last_audio: float = field(default_factory=time.monotonic)
    write_error: str | None = None  # the disk refused a chunk: the take ends there
    recent: collections.deque = field(default_factory=collections.deque)  # times of the last second's chunks
    lock: threading.Lock = field(default_factory=threading.Lock)


class Room:
    """What the server keeps: settings, where takes live, the question bank, the session
    key, the hosts it answers to, and the takes being recorded."""

    def __init__(
        self,
        settings: Settings,
        bank: list[Question],
        *,
        directory: Path | None = None,
        token: str | None = None,
        max_take_s: float = 180.0,
        abandon_after_s: float = ABANDONED_AFTER_S,
    ) -> None:
        self.settings = settings
        self.abandon_after_s = abandon_after_s
        self.bank = bank
        self.directory = data_dir(directory)
        self.token = token or secrets.token_urlsafe(24)
        self.max_take_s = max_take_s
        self.hosts: set[str] = set()
        self.open: dict[int, OpenTake] = {}
        #: Takes closed for want of audio (a closed or suspended tab), kept so that a late
        #: chunk or Stop can say what happened to them (and Stop can score them).
        self.abandoned: dict[int, OpenTake] = {}
        self.lock = threading.Lock()
        self.history().close()  # a history this voicecoach cannot use is refused now, in one line, not at the first request

    def allow(self, host: str, port: int) -> None:
        """Answer to ``host:port`` (and, for the loopback address, ``localhost``)."""
        self.hosts.add(f"{host}:{port}".lower())
        if host in ("127.0.0.1", "::1", "localhost"):
            self.hosts.update({f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"})

    def history(self) -> History:
        return History.open(self.directory)

    def take(self, take_id: int) -> Take | None:
        """The take ``take_id`` from the history, or None when there is none."""
        h = self.history()
        try:
            return h.get(take_id)
        except VoicecoachError:
            return None
        finally:
            h.close()

    def close_abandoned(self, *, older_than_s: float | None = None, why: str = "abandoned") -> list[int]:
        """Close the takes that have had no audio for ``older_than_s`` (default: the
        room's ``abandon_after_s``; 0: all): their audio stays on disk and in the history,
        to be scored later."""
        older_than_s = self.abandon_after_s if older_than_s is None else older_than_s
        now = time.monotonic()
        with self.lock:
            gone = [t for t in self.open.values() if now - t.last_audio >= older_than_s]
            for t in gone:
                del self.open[t.take_id]
        for t in gone:
            with t.lock:
                t.writer.close()
                if t.streamer is not None:
                    with contextlib.suppress(Exception):
                        t.streamer.finish()
                t.streamer = None
            rec = Recording(t.writer.path, t.writer.duration_s, "abandoned")
            empty = is_empty_take(rec)
            if not empty:
                with self.lock:  # before the history says so, so that a late chunk finds it
                    self.abandoned[t.take_id] = t
            with contextlib.suppress(VoicecoachError):
                h = self.history()
                try:
                    if empty:
                        h.delete_take(t.take_id)  # no audio, or no speech: nothing to keep
                        logger.info("take %d: %s with no speech; not kept", t.take_id, why)
                        continue
                    h.finish_recording(t.take_id, rec.duration_s)
                finally:
                    h.close()
            logger.info(
                "take %d: %s after %.1f s of audio; kept (score it with: voicecoach score --take %d)",
                t.take_id,
                why,
                rec.duration_s,
                t.take_id,
            )
        return [t.take_id for t in gone]


# -- the guard: host, origin, session key, headers -------------------------------------------


class Guard:
    """ASGI middleware: refuse requests for another host (DNS rebinding), from another
    origin, or without the session key; add the security headers to every response."""

    def __init__(self, app: Any, room: Room) -> None:
        self.app = app
        self.room = room

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self.refusal(scope, headers)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        if refusal is not None:
            status, text, extra = refusal
            body = text.encode()
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                        *extra,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        started = False

        async def send_tracked(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:  # noqa: BLE001 - one line in the terminal and to the page, never a traceback
            logger.error(
                "%s %s failed: %s: %s",
                scope.get("method"),
                scope.get("path"),
                type(exc).__name__,
                " ".join(str(exc).split()),
            )
            if started:
                return
            body = json.dumps(
                {"error": f"the practice room failed ({type(exc).__name__}: {' '.join(str(exc).split())})"}
            ).encode()
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})

    def refusal(self, scope: dict, headers: dict[str, str]) -> tuple[int, str, list] | None:
        host = headers.get("host", "").lower()
        if host not in self.room.hosts:
            return (
                421,
                f"voicecoach: this server answers only to {', '.join(sorted(self.room.hosts))}, not "
                f"{host or 'no Host'}\n",
                [],
            )
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in {f"http://{h}" for h in self.room.hosts}:
            return 403, "voicecoach: requests from another site are refused\n", []
        if scope["method"] not in ("GET", "HEAD") and origin is None:
            return 403, "voicecoach: a request that changes something must come from the practice room's page\n", []
        if headers.get("sec-fetch-site") == "cross-site":
            return 403, "voicecoach: requests from another site are refused\n", []
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        given = query.get("token")
        if (
            given is not None
            and hmac.compare_digest(given.encode(), self.room.token.encode())
            and scope["method"] == "GET"
        ):
            rest = urlencode(
                [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1")) if k != "token"]
            )
            location = scope["path"] + (f"?{rest}" if rest else "")
            set_cookie = f"{COOKIE}={self.room.token}; HttpOnly; SameSite=Strict; Path=/"
            return 303, "", [(b"location", location.encode()), (b"set-cookie", set_cookie.encode())]
        cookie = _cookie(headers.get("cookie", ""), COOKIE)
        if cookie is None or not hmac.compare_digest(cookie.encode(), self.room.token.encode()):
            return 401, "voicecoach: open the link `voicecoach serve` printed; it carries this session's key\n", []
        return None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


# -- pages --------------------------------------------------------------------------------------


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _page(title: str, body: str, *, active: str, scripts: tuple[str, ...] = ()) -> str:
    current = ' aria-current="page"'
    nav = "".join(
        f'<a href="{href}"{current if name == active else ""}>{label}</a>'
        for name, href, label in (("practise", "/", "Practise"), ("progress", "/progress", "Progress"))
    )
    tags = "".join(f'<script src="/static/{s}" defer></script>' for s in scripts)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{_e(title)} · voicecoach</title>
<link rel="stylesheet" href="/static/app.css">{tags}</head>
<body><header><span class="brand">voicecoach</span><nav aria-label="Pages">{nav}</nav>
<span class="local">Everything stays on this computer</span></header>
<main id="main">{body}</main></body></html>
"""


def practise_page(room: Room) -> str:
    categories = sorted({q.category for q in room.bank})
    difficulties = sorted({q.difficulty for q in room.bank})
    cat_options = "".join(f'<option value="{_e(c)}">{_e(category_name(c))}</option>' for c in categories)
    diff_options = "".join(f'<option value="{_e(d)}">{_e(d)}</option>' for d in difficulties)
    body = f"""
<h1>Practise</h1>
<section aria-labelledby="pick-h" id="picker">
<h2 id="pick-h">Choose a question</h2>
<div class="filters">
<label>Search <input id="search" type="search" autocomplete="off"></label>
<label>Category <select id="category"><option value="">all</option>{cat_options}</select></label>
<label>Difficulty <select id="difficulty"><option value="">all</option>{diff_options}</select></label>
<button type="button" id="next">Next not practised</button>
</div>
<ul id="questions" class="questions" aria-label="Questions"></ul>
<label for="own">Or type your own question</label>
<div class="own"><textarea id="own" rows="2"></textarea><button type="button" id="use-own">Use my question</button></div>
</section>
<section aria-labelledby="q-h" id="answer">
<h2 id="q-h">Your question</h2>
<p id="question-text" class="question">Choose a question above.</p>
<p id="target" class="muted"></p>
<details id="points-box" hidden><summary>Points to cover</summary><ul id="points"></ul></details>
<div class="controls">
<label>Countdown <select id="countdown"><option value="3">3 s</option><option value="5">5 s</option><option value="0">none</option></select></label>
<button type="button" id="record" class="record" disabled aria-keyshortcuts="Space">Start recording</button>
<span id="clock" class="clock" aria-label="time recorded">0:00</span>
<meter id="level" min="0" max="1" value="0" aria-label="input level"></meter>
</div>
<p id="status" role="status" aria-live="polite">Press the button or Space to start; press again to stop.</p>
</section>
"""
    return _page("Practise", body, active="practise", scripts=("practice.js",))


def _trend(metric: dict | None) -> str:
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


def progress_page(room: Room) -> str:
    from ..practice.progress import judge_change, trends
    from ..present.html_report import progress_html

    h = room.history()
    try:
        takes = h.takes()
    finally:
        h.close()
    scored = [t for t in takes if t.status == "scored" and t.overall is not None]
    if not takes:
        return _page(
            "Progress",
            '<h1>Progress</h1><p class="muted">No takes yet: <a href="/">practise a question</a>.</p>',
            active="progress",
        )
    rows = "".join(
        f"<tr><td>{t.id}</td><td>{_e(t.created_at_iso.replace('T', ' ')[:16])}</td><td>{_e(t.question_text or '')}</td>"
        f"<td>{_e(category_name(t.category) if t.category else '')}</td><td>{(t.duration_s or 0):.0f} s</td>"
        f"<td>{t.overall if t.overall is not None else _e(t.status)}</td>"
        f"<td>{_metric(t, 'fillers.per_min', '.1f')}</td><td>{_metric(t, 'pacing.wpm', '.0f')}</td>"
        f"<td>{_report_link(t)}</td></tr>"
        for t in reversed(takes)
    )
    by_q = trends(takes)
    by_c = trends(takes, by="category")
    q_rows = "".join(
        f"<tr><td>{_e(g['title'])}</td><td>{g['takes']}</td><td>{_e(_trend(g['metrics'].get('overall.score')))}</td></tr>"
        for g in by_q
    )
    c_rows = "".join(
        f"<tr><td>{_e(category_name(g['category']) if g['category'] != '(no category)' else 'your own questions')}</td>"
        f"<td>{g['takes']}</td><td>{g['questions_twice']} of {g['questions']}</td>"
        f"<td>{_e(_trend(g['metrics'].get('overall.score')) if g['questions_twice'] else 'no question taken twice yet')}</td></tr>"
        for g in by_c
    )
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
    charts: list[str] = []
    for g in sorted(
        by_q,
        key=lambda g: (
            -max(t.created_at for t in scored if (t.question_id or t.question_text or "(no question)") == g["question"])
        ),
    ):
        same = [t for t in scored if (t.question_id or t.question_text or "(no question)") == g["question"]]
        if len(same) >= 2:
            opened = " open" if not charts else ""
            charts.append(
                f"<details{opened}><summary>{_e(g['title'])} ({len(same)} "
                f"takes)</summary>{progress_html(same)}</details>"
            )
    questions = len({t.question_id or t.question_text for t in scored})
    body = f"""
<h1>Progress</h1>
<p id="overall-trend">{len(takes)} take{"s" if len(takes) != 1 else ""}, {len(scored)} scored, of {questions} question{"s" if questions != 1 else ""}. {_e(summary)}</p>
<h2>By question</h2>
<table id="by-question"><thead><tr><th scope="col">question</th><th scope="col">takes</th><th scope="col">trend of the overall score</th></tr></thead><tbody>{q_rows}</tbody></table>
<h2>By category</h2>
<p class="muted">A category's trend is each of its questions against its own first take, averaged over the questions taken twice or more.</p>
<table id="by-category"><thead><tr><th scope="col">category</th><th scope="col">takes</th><th scope="col">questions taken twice</th><th scope="col">trend of the overall score</th></tr></thead><tbody>{c_rows}</tbody></table>
<h2>Charts, one question at a time</h2>
{"".join(charts) or '<p class="muted">A question taken twice gets its charts here.</p>'}
<h2>Every take</h2>
<table id="takes"><thead><tr><th scope="col">#</th><th scope="col">when</th><th scope="col">question</th><th scope="col">category</th><th scope="col">length</th>
<th scope="col">overall</th><th scope="col">fillers a minute</th><th scope="col">words a minute</th><th scope="col"><span class="sr">report</span></th></tr></thead>
<tbody>{rows}</tbody></table>
"""
    return _page("Progress", body, active="progress")


def _report_link(t: Take) -> str:
    return f'<a href="/takes/{t.id}">report of take {t.id}</a>' if t.status == "scored" else ""


def _metric(t: Take, key: str, fmt: str) -> str:
    v = t.metrics.get(key)
    return format(v, fmt) if v is not None else ""


def report_page(room: Room, take_id: int) -> str | None:
    """The take's report page, or None when the take is not scored (or not there)."""
    from ..practice.takes import progress_since
    from ..present.html_report import render_html
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
    compare = ""
    if previous is not None:
        before, changes = previous
        items = "".join(
            f'<li class="{_e(c.verdict)}">{_e(c.label)}: {format(c.before, c.fmt if c.fmt != "d" else ".0f")} → '
            f"{format(c.now, c.fmt if c.fmt != 'd' else '.0f')} ({_e(c.verdict)})</li>"
            for c in changes
        )
        compare = (
            f'<section id="compare"><h2>Against your previous take (#{before.id}, '
            f"{_e(before.created_at_iso[:16].replace('T', ' '))})</h2><ul>{items}</ul>"
            '<p class="muted">A change within what a second take of the same answer moves is "same".</p></section>'
        )
    elif take.question_text:
        compare = (
            '<section id="compare"><h2>Against your previous take</h2><p class="muted">This is your first '
            "scored take of this question.</p></section>"
        )
    # the same page as `report --html`: the take's audio gives the loudness band
    audio = None
    with contextlib.suppress(VoicecoachError, OSError):
        audio = load_audio(take.audio_path)
    inner = render_html(
        report,
        audio=audio,
        history=same,
        audio_src=f"/api/takes/{take_id}/audio.wav",
        script_src="/static/report.js",
        after_scores=compare,
    )
    body = inner[inner.index("<body>") + len("<body>") : inner.rindex("</body>")]
    # in the practice room a take is known by its number, not by where its file is
    body = re.sub(r'<h1 id="title">.*?</h1>', f'<h1 id="title">Take #{take_id}</h1>', body, count=1, flags=re.S)
    style = inner[inner.index("<style>") + len("<style>") : inner.index("</style>")]
    again = "/?" + urlencode(
        {"question": take.question_id} if take.question_id else {"own": take.question_text or ""}, quote_via=quote
    )
    actions = (
        f'<p class="actions"><a class="button" id="again" href="{_e(again)}">Try again</a> <a class="button" '
        'id="next-question" href="/?next=1">Next question</a></p>'
    )
    page = _page(f"Report #{take_id}", f'<div class="report">{actions}{body}</div>', active="")
    return page.replace(
        '<link rel="stylesheet" href="/static/app.css">',
        f'<link rel="stylesheet" href="/static/app.css"><style>{style}</style>',
        1,
    )


# -- the app ------------------------------------------------------------------------------------


def _question_json(room: Room, q: Question, practised: set[str]) -> dict[str, Any]:
    from ..practice.takes import guidance

    g = guidance(q, room.settings)
    return {
        "id": q.id,
        "text": q.text,
        "category": q.category,
        "category_name": category_name(q.category),
        "difficulty": q.difficulty,
        "practised": q.id in practised,
        "own": not q.id,
        "kind": g.kind.replace("_", " "),
        "min_s": g.min_s,
        "max_s": g.max_s,
        "points": list(g.points),
    }


def create_app(room: Room) -> Any:
    """The Starlette app of ``room``."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": " ".join(message.split())}, status_code=status)

    def not_recording(take_id: int) -> str:
        with room.lock:
            late = room.abandoned.get(take_id)
        if late is not None:
            kept_s = late.writer.duration_s
            return (
                f"take {take_id} was closed after {room.abandon_after_s:.0f} s without audio (was the tab asleep?); "
                f"the {kept_s:.1f} s recorded before are kept: press Stop for their report, or score it with: "
                f"voicecoach score --take {take_id}"
            )
        return f"take {take_id} is not being recorded"

    async def voicecoach_error(request: Request, exc: Exception) -> Response:
        logger.warning("%s %s: %s", request.method, request.url.path, " ".join(str(exc).split()))
        return error(503 if isinstance(exc, HistoryError) else 500, str(exc))

    async def json_body(request: Request) -> dict[str, Any] | JSONResponse:
        body = b""
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_JSON_BYTES:
                    return error(413, f"the request is over {MAX_JSON_BYTES} bytes")
        except ClientDisconnect:
            return error(400, "the request was cut off")
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return error(400, "the request is not JSON")
        return data if isinstance(data, dict) else error(400, "the request must be a JSON object")

    async def home(request: Request) -> Response:
        return HTMLResponse(practise_page(room))

    async def progress(request: Request) -> Response:
        return HTMLResponse(await run_in_threadpool(progress_page, room))

    async def report(request: Request) -> Response:
        page = await run_in_threadpool(report_page, room, request.path_params["take_id"])
        if page is None:
            return HTMLResponse(
                _page(
                    "No report",
                    '<h1>No report</h1><p>This take has no report (yet). <a href="/progress">Your takes</a>.</p>',
                    active="",
                ),
                404,
            )
        return HTMLResponse(page)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "report.js":
            from ..present.html_report import JS

            return Response(JS + REPORT_JS, media_type="text/javascript; charset=utf-8")
        if name not in STATIC:
            return PlainTextResponse("not found\n", 404)
        text = resources.files("voicecoach").joinpath("data", "web", name).read_text(encoding="utf-8")
        return Response(text, media_type=STATIC[name])

    async def questions(request: Request) -> Response:
        p = request.query_params
        h = room.history()
        try:
            practised = h.practised_question_ids()
        finally:
            h.close()
        if p.get("next"):
            left = [q for q in room.bank if q.id not in practised] or list(room.bank)
            return JSONResponse([_question_json(room, left[0], practised)] if left else [])
        if p.get("id"):
            found = [q for q in room.bank if q.id == p["id"]]
            return JSONResponse([_question_json(room, q, practised) for q in found])
        if p.get("own"):
            # a question of your own gets the length range its report will judge it by
            text = p["own"].strip()[:1000]
            q = find_text(room.bank, text) or own_question(text)
            return JSONResponse([_question_json(room, q, practised)])
        chosen = filter_questions(
            room.bank,
            category=p.get("category") or None,
            difficulty=p.get("difficulty") or None,
            search=p.get("search") or None,
        )
        return JSONResponse([_question_json(room, q, practised) for q in chosen[:200]])

    async def start(request: Request) -> Response:
        data = await json_body(request)
        if isinstance(data, JSONResponse):
            return data
        qid, text = data.get("question_id"), data.get("question_text")
        question: Question | None = None
        if isinstance(qid, str) and qid:
            question = next((q for q in room.bank if q.id == qid), None)
            if question is None:
                return error(404, f"question {qid!r} is not in the bank")
        elif isinstance(text, str) and text.strip():
            if len(text) > 1000:
                return error(413, "a question of your own may be at most 1000 characters")
            question = Question(id="", text=" ".join(text.split()), category="", difficulty="", source="yours")
        else:
            return error(400, "give question_id or question_text")

        def begin() -> int:
            from ..practice.takes import open_take
            from ..scoring.stream import StreamingTranscriber

            h = room.history()
            try:
                take_id, writer = open_take(h, question, directory=room.directory, sample_rate_hz=SAMPLE_RATE_HZ)
            finally:
                h.close()
            streamer = StreamingTranscriber(room.settings).start() if room.settings.practice.stream else None
            with room.lock:
                room.open[take_id] = OpenTake(take_id, question if question.id else question.text, writer, streamer)
            return take_id

        try:
            take_id = await run_in_threadpool(begin)
        except VoicecoachError as exc:
            return error(500, str(exc))
        return JSONResponse({"take_id": take_id, "max_s": room.max_take_s, "sample_rate_hz": SAMPLE_RATE_HZ})

    async def audio_chunk(request: Request) -> Response:
        take_id = request.path_params["take_id"]
        with room.lock:
            t = room.open.get(take_id)
        if t is None:
            return error(409, not_recording(take_id))
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_CHUNK_BYTES):
            return error(413, f"an audio chunk may be at most {MAX_CHUNK_BYTES} bytes")
        now = time.monotonic()
        with t.lock:
            while t.recent and now - t.recent[0] > 1.0:
                t.recent.popleft()
            if len(t.recent) >= MAX_CHUNKS_PER_S:
                return error(429, f"at most {MAX_CHUNKS_PER_S} audio chunks a second")
            t.recent.append(now)
        body = b""
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_CHUNK_BYTES:
                    return error(413, f"an audio chunk may be at most {MAX_CHUNK_BYTES} bytes")
        except ClientDisconnect:  # the tab went away mid-upload: the chunk is dropped, the take goes on
            logger.info("take %d: an audio chunk was cut off; dropped", take_id)
            return error(400, "the audio chunk was cut off")
        if len(body) % 2:
            return error(400, "audio must be 16-bit samples (an even number of bytes)")
        samples = np.frombuffer(body, dtype="<i2")
        with t.lock:
            if t.writer.closed:
                return error(409, not_recording(take_id))
            room_left = int(room.max_take_s * SAMPLE_RATE_HZ) - t.writer.frames
            if room_left <= 0:
                return error(413, f"a take may be at most {room.max_take_s:.0f} s")
            samples = samples[:room_left]
            try:
                t.writer.append(samples)
            except TakeWriteError as exc:  # a full disk: the take ends with what was written
                t.write_error = str(exc)
                return error(507, f"{exc}. Press Stop to get the report of what was recorded.")
            t.last_audio = time.monotonic()
            if t.streamer is not None:
                t.streamer.feed(samples)
            recorded = t.writer.duration_s
        return JSONResponse({"recorded_s": round(recorded, 2)})

    async def stop(request: Request) -> Response:
        take_id = request.path_params["take_id"]
        with room.lock:
            t = room.open.pop(take_id, None)
            late = t is None and take_id in room.abandoned
            if late:
                t = room.abandoned.pop(take_id)
        if t is None:
            return error(409, not_recording(take_id))

        def finish(t: OpenTake) -> dict[str, Any]:
            from ..practice.takes import finish_take, nothing_recorded

            with t.lock:
                t.writer.close()
            rec = Recording(t.writer.path, t.writer.duration_s, "abandoned" if late else "enter", t.write_error)
            note = None
            if late:  # closed for want of audio (the tab slept): the report is of what was kept
                note = (
                    f"The take was closed after {room.abandon_after_s:.0f} s without audio (was the tab asleep?); "
                    f"the report covers the {rec.duration_s:.1f} s recorded before."
                )
            elif t.write_error:
                note = f"{t.write_error}. The report covers the {rec.duration_s:.1f} s recorded before."
            h = room.history()
            try:
                h.finish_recording(take_id, rec.duration_s)
                scored = finish_take(h, take_id, rec, t.question, room.settings, streamer=t.streamer)
            finally:
                h.close()
            if scored is None:
                return {
                    "take_id": take_id,
                    "status": "empty",
                    "message": nothing_recorded(rec.duration_s),
                }
            if scored.report is None:
                return {
                    "take_id": take_id,
                    "status": "failed",
                    "message": f"{scored.error}. The take is saved as #{take_id}; retry with: voicecoach score --take "
                    f"{take_id}",
                }
            return {
                "take_id": take_id,
                "status": "scored",
                "url": f"/takes/{take_id}",
                "warning": scored.store_error,
                "note": note,
            }

        try:
            return JSONResponse(await run_in_threadpool(finish, t))
        except VoicecoachError as exc:
            return error(
                500, f"{exc}. The take's audio is kept as #{take_id}; score it with: voicecoach score --take {take_id}"
            )

    async def take_audio(request: Request) -> Response:
        take = room.take(request.path_params["take_id"])
        if take is None:
            return PlainTextResponse("no such take\n", 404)
        path = Path(take.audio_path).resolve()
        takes_dir = (room.directory / "takes").resolve()
        if takes_dir not in path.parents or not path.is_file():
            return PlainTextResponse("the take's audio is not in this practice room's folder\n", 404)
        return FileResponse(path, media_type="audio/wav")

    async def take_json(request: Request) -> Response:
        take_id = request.path_params["take_id"]
        take = room.take(take_id)
        if take is None:
            return error(404, f"take {take_id}: no such take")
        return JSONResponse(take.as_dict(with_report=True))

    routes = [
        Route("/", home),
        Route("/progress", progress),
        Route("/takes/{take_id:int}", report),
        Route("/static/{name}", static),
        Route("/api/questions", questions),
        Route("/api/takes", start, methods=["POST"]),
        Route("/api/takes/{take_id:int}", take_json),
        Route("/api/takes/{take_id:int}/audio", audio_chunk, methods=["POST"]),
        Route("/api/takes/{take_id:int}/stop", stop, methods=["POST"]),
        Route("/api/takes/{take_id:int}/audio.wav", take_audio),
    ]
    return Starlette(
        routes=routes, middleware=[Middleware(Guard, room=room)], exception_handlers={VoicecoachError: voicecoach_error}
    )


def free_port(host: str) -> int:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def run(room: Room, *, host: str = "127.0.0.1", port: int = 0, on_ready: Any = None) -> None:
    """Serve ``room`` until interrupted; ``on_ready(url)`` once it listens. Takes still
    open at the end are closed and kept."""
    import uvicorn

    port = port or free_port(host)
    room.allow(host, port)
    app = create_app(room)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/?token={room.token}"
    stop_reaper = threading.Event()

    def reaper() -> None:
        while not stop_reaper.wait(min(2.0, room.abandon_after_s / 2)):
            room.close_abandoned()

    threading.Thread(target=reaper, name="voicecoach-reaper", daemon=True).start()

    original_startup = server.startup

    async def startup(sockets: Any = None) -> None:
        await original_startup(sockets=sockets)
        if on_ready is not None:
            on_ready(url)

    server.startup = startup  # type: ignore[method-assign]

    def terminated(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    # uvicorn shuts down on SIGTERM, then raises it again for the handler in force before it
    # started: this one, so that the takes still open are closed and kept before the exit
    previous = (
        signal.signal(signal.SIGTERM, terminated) if threading.current_thread() is threading.main_thread() else None
    )
    try:
        server.run()
    finally:
        stop_reaper.set()
        room.close_abandoned(older_than_s=0.0, why="closed when the server stopped")
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
