"""The practice room's routes: the pages, the question bank, and a take's life (start,
audio chunks, stop, its report, its audio), each answering in JSON with one-line errors.

No path in a request reaches the file system: static files are a fixed list, a take's
audio comes from the history by its id.
"""

from __future__ import annotations

import json
import logging
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.decode import SAMPLE_RATE_HZ
from ..core.errors import Hint, HistoryError, TakeWriteError, VoicecoachError
from ..core.questions import Question, category_name, filter_questions, find_text, own_question
from ..practice.session import Outcome
from .guard import Guard
from .pages import interview_page, interview_report_page, no_report_page, practise_page, progress_page, report_page
from .room import MAX_CHUNK_BYTES, MAX_CHUNKS_PER_S, MAX_JSON_BYTES, OpenInterview, Room

logger = logging.getLogger(__name__)

#: Files under /static/ (nothing else is served from disk).
STATIC = {
    "app.css": "text/css; charset=utf-8",
    "practice.js": "text/javascript; charset=utf-8",
    "interview.js": "text/javascript; charset=utf-8",
    "room.js": "text/javascript; charset=utf-8",
    "capture-worklet.js": "text/javascript; charset=utf-8",
}
#: The report page's script: the HTML report's own, and keyboard use of its times.
REPORT_JS = """
// the figure is an image (its times are in the text too): only the text's times take the keyboard
document.querySelectorAll('[data-t]').forEach(el=>{ if(el.closest('svg')) return;
  if(!el.hasAttribute('tabindex')){el.tabIndex=0; el.setAttribute('role','button');}
  el.addEventListener('keydown',ev=>{ if(ev.key==='Enter'||ev.key===' '){ev.preventDefault(); el.click();}});});
"""


def hint_json(hint: Hint | None) -> dict[str, Any] | None:
    """A hint as the page acts on it (a button that scores the kept take)."""
    return {"action": hint.action, "arg": hint.arg} if hint is not None else None


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """What the page is told when a take ends."""
    d: dict[str, Any] = {"take_id": outcome.take_id, "status": outcome.status}
    if outcome.status == "scored":
        return {**d, "url": f"/takes/{outcome.take_id}", "warning": outcome.store_error, "note": outcome.note}
    return {**d, "message": outcome.message, "hint": hint_json(outcome.hint)}


def lines_json(found: OpenInterview, room: Room, lines: list[Any]) -> list[dict[str, Any]]:
    """The interviewer's ``lines`` as the page plays them: the text, the role, and the
    address of the line's audio (None when the room has no voice)."""
    first = len(found.lines) - len(lines)
    return [
        {
            "role": line.role,
            "text": line.text,
            "audio": f"/api/interviews/{found.id}/lines/{first + k}.wav" if room.voice.speaks else None,
        }
        for k, line in enumerate(lines)
    ]


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
    """The Starlette app of ``room``, behind its :class:`~voicecoach.web.guard.Guard`."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    def error(status: int, message: str, hint: Hint | None = None) -> JSONResponse:
        body: dict[str, Any] = {"error": " ".join(message.split())}
        if hint is not None:
            body["hint"] = hint_json(hint)
        return JSONResponse(body, status_code=status)

    def not_recording(take_id: int) -> JSONResponse:
        with room.lock:
            late = take_id in room.abandoned
        return error(409, room.not_recording(take_id), Hint("score-take", take_id) if late else None)

    async def voicecoach_error(request: Request, exc: Exception) -> Response:
        logger.warning("%s %s: %s", request.method, request.url.path, " ".join(str(exc).split()))
        return error(503 if isinstance(exc, HistoryError) else 500, str(exc), getattr(exc, "hint", None))

    async def capped_body(request: Request, limit: int, too_big: str, cut_off: str) -> bytes | JSONResponse:
        """The request's body, refused once it is over ``limit`` bytes (413) or cut off (400)."""
        body = b""
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    return error(413, too_big)
        except ClientDisconnect:
            return error(400, cut_off)
        return body

    async def json_body(request: Request) -> dict[str, Any] | JSONResponse:
        body = await capped_body(
            request, MAX_JSON_BYTES, f"the request is over {MAX_JSON_BYTES} bytes", "the request was cut off"
        )
        if isinstance(body, JSONResponse):
            return body
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
            return HTMLResponse(no_report_page(), 404)
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
            question = own_question(" ".join(text.split()))
        else:
            return error(400, "give question_id or question_text")
        try:
            take_id = await run_in_threadpool(room.begin, question)
        except VoicecoachError as exc:
            return error(500, str(exc), exc.hint)
        return JSONResponse({"take_id": take_id, "max_s": room.max_take_s, "sample_rate_hz": SAMPLE_RATE_HZ})

    async def audio_chunk(request: Request) -> Response:
        take_id = request.path_params["take_id"]
        with room.lock:
            t = room.open.get(take_id)
        if t is None:
            return not_recording(take_id)
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_CHUNK_BYTES):
            return error(413, f"an audio chunk may be at most {MAX_CHUNK_BYTES} bytes")
        now = time.monotonic()
        with t.session.lock:
            while t.recent and now - t.recent[0] > 1.0:
                t.recent.popleft()
            if len(t.recent) >= MAX_CHUNKS_PER_S:
                return error(429, f"at most {MAX_CHUNKS_PER_S} audio chunks a second")
            t.recent.append(now)
        body = await capped_body(
            request,
            MAX_CHUNK_BYTES,
            f"an audio chunk may be at most {MAX_CHUNK_BYTES} bytes",
            "the audio chunk was cut off",
        )
        if isinstance(body, JSONResponse):
            if body.status_code == 400:  # the tab went away mid-upload: the chunk is dropped, the take goes on
                logger.info("take %d: an audio chunk was cut off; dropped", take_id)
            return body
        if len(body) % 2:
            return error(400, "audio must be 16-bit samples (an even number of bytes)")
        if t.session.closed:
            return not_recording(take_id)
        if t.session.duration_s >= room.max_take_s:
            return error(413, f"a take may be at most {room.max_take_s:.0f} s")
        try:
            recorded = t.session.feed(np.frombuffer(body, dtype="<i2"), max_s=room.max_take_s)
        except TakeWriteError as exc:  # a full disk: the take ends with what was written
            return error(507, f"{exc}. Press Stop to get the report of what was recorded.")
        t.last_audio = time.monotonic()
        return JSONResponse({"recorded_s": round(recorded, 2)})

    async def stop(request: Request) -> Response:
        take_id = request.path_params["take_id"]
        with room.lock:
            t = room.open.pop(take_id, None)
            late = t is None and take_id in room.abandoned
            if late:
                t = room.abandoned.pop(take_id)
        if t is None:
            return not_recording(take_id)
        # closed for want of audio (the tab slept): the report is of what was kept
        slept = f"The take was closed after {room.abandon_after_s:.0f} s without audio (was the tab asleep?)"
        try:
            outcome = await run_in_threadpool(t.session.stop, cut_short=slept if late else None)
        except VoicecoachError as exc:
            return error(500, f"{exc}. The take's audio is kept as #{take_id}", Hint("score-take", take_id))
        return JSONResponse(outcome_json(outcome))

    async def score_take(request: Request) -> Response:
        """Score a kept take again (after a failed analysis, or a take closed unscored)."""
        from ..practice.takes import rescore_take

        take_id = request.path_params["take_id"]
        with room.lock:
            busy = take_id in room.open
        if busy:
            return error(409, f"take {take_id} is still being recorded")

        def rescore() -> dict[str, Any]:
            h = room.history()
            try:
                scored = rescore_take(h, take_id, room.settings, bank=room.bank)
                take = h.get(take_id)
            finally:
                h.close()
            if scored.report is None:
                return {"take_id": take_id, "status": "failed", "message": f"{scored.error}."}
            return {"take_id": take_id, "status": "scored", "url": f"/takes/{take_id}", "duration_s": take.duration_s}

        if room.take(take_id) is None:
            return error(404, f"take {take_id}: no such take")
        return JSONResponse(await run_in_threadpool(rescore))

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

    # ---------------------------------------------------------------- the mock interview
    def open_interview(request: Request) -> OpenInterview | JSONResponse:
        interview_id = request.path_params["interview_id"]
        with room.lock:
            found = room.interviews.get(interview_id)
        if found is None:
            return error(404, f"interview {interview_id} is not under way in this practice room")
        return found

    async def interview_home(request: Request) -> Response:
        return HTMLResponse(interview_page(room))

    async def interview_start(request: Request) -> Response:
        import random

        from ..interview.plan import plan_questions

        data = await json_body(request)
        if isinstance(data, JSONResponse):
            return data
        kind, count = data.get("kind", "mixed"), data.get("count", 4)
        if not isinstance(kind, str) or not isinstance(count, int) or not 1 <= count <= 12:
            return error(400, "give kind (text) and count (1 to 12)")
        try:
            questions = plan_questions(room.bank, kind=kind, count=count, rng=random.Random())
            found, lines = await run_in_threadpool(room.begin_interview, questions, kind)
        except VoicecoachError as exc:
            return error(400, str(exc), exc.hint)
        room.voice.prepare([line.text for line in lines])
        return JSONResponse(
            {
                "interview_id": found.id,
                "stop_on_silence_s": room.stop_on_silence_s,
                "lines": lines_json(found, room, lines),
                "done": False,
            }
        )

    async def interview_line(request: Request) -> Response:
        found = open_interview(request)
        if isinstance(found, JSONResponse):
            return found
        n = request.path_params["n"]
        if not 0 <= n < len(found.lines):
            return error(404, f"line {n} has not been said")
        data = await run_in_threadpool(room.voice.wav, found.lines[n].text)
        if data is None:
            return error(404, "this practice room has no voice")
        return Response(data, media_type="audio/wav", headers={"Cache-Control": "private, max-age=3600"})

    async def interview_answer(request: Request) -> Response:
        found = open_interview(request)
        if isinstance(found, JSONResponse):
            return found

        def open_answer() -> dict[str, Any] | JSONResponse:
            with found.lock:
                if found.conductor.done:
                    return error(409, f"interview {found.id} has ended")
                if found.take_id is not None:
                    return error(409, f"an answer (take {found.take_id}) is being recorded")
                question, label = found.conductor.answering()
                try:
                    found.take_id = room.begin(question)
                    found.conductor.recording(found.take_id)
                except VoicecoachError as exc:
                    return error(500, str(exc), exc.hint)
                room.voice.prepare(found.conductor.upcoming())
                return {"take_id": found.take_id, "label": label, "max_s": room.max_take_s}

        opened = await run_in_threadpool(open_answer)
        return opened if isinstance(opened, JSONResponse) else JSONResponse(opened)

    def interview_answered(found: OpenInterview, *, end: str | None = None) -> dict[str, Any]:
        """Stop the take answering now and give what the interviewer says next (``end``:
        the interview ends after it, with that status)."""
        outcome_d: dict[str, Any] | None = None
        lines: list[Any] = []
        if found.take_id is not None:
            with room.lock:
                t = room.open.pop(found.take_id, None) or room.abandoned.pop(found.take_id, None)
            found.take_id = None
            if t is not None:
                outcome = t.session.stop()
                outcome_d = {**outcome_json(outcome), "duration_s": round(outcome.duration_s, 1)}
                lines = found.conductor.answered(outcome)
                found.lines.extend(lines)
        if end is not None or found.conductor.done:
            room.end_interview(found, None if found.conductor.done else end)  # all answered: finished
        return {
            "outcome": outcome_d,
            "lines": lines_json(found, room, lines) if end is None else [],
            "done": found.summary is not None,
            "url": f"/interviews/{found.id}" if found.summary is not None else None,
        }

    async def interview_stop(request: Request) -> Response:
        found = open_interview(request)
        if isinstance(found, JSONResponse):
            return found

        def stop_answer() -> dict[str, Any] | None:
            with found.lock:
                if found.take_id is None:
                    return None
                return interview_answered(found)

        result = await run_in_threadpool(stop_answer)
        if result is None:
            return error(409, f"interview {found.id}: no answer is being recorded")
        return JSONResponse(result)

    async def interview_end(request: Request) -> Response:
        found = open_interview(request)
        if isinstance(found, JSONResponse):
            return found

        def end() -> dict[str, Any]:
            with found.lock:
                return interview_answered(found, end="stopped")

        return JSONResponse(await run_in_threadpool(end))

    async def interview_report(request: Request) -> Response:
        page = await run_in_threadpool(interview_report_page, room, request.path_params["interview_id"])
        if page is None:
            return HTMLResponse(no_report_page(), 404)
        return HTMLResponse(page)

    routes = [
        Route("/", home),
        Route("/interview", interview_home),
        Route("/interviews/{interview_id:int}", interview_report),
        Route("/api/interviews", interview_start, methods=["POST"]),
        Route("/api/interviews/{interview_id:int}/lines/{n:int}.wav", interview_line),
        Route("/api/interviews/{interview_id:int}/answer", interview_answer, methods=["POST"]),
        Route("/api/interviews/{interview_id:int}/stop", interview_stop, methods=["POST"]),
        Route("/api/interviews/{interview_id:int}/end", interview_end, methods=["POST"]),
        Route("/progress", progress),
        Route("/takes/{take_id:int}", report),
        Route("/static/{name}", static),
        Route("/api/questions", questions),
        Route("/api/takes", start, methods=["POST"]),
        Route("/api/takes/{take_id:int}", take_json),
        Route("/api/takes/{take_id:int}/audio", audio_chunk, methods=["POST"]),
        Route("/api/takes/{take_id:int}/stop", stop, methods=["POST"]),
        Route("/api/takes/{take_id:int}/score", score_take, methods=["POST"]),
        Route("/api/takes/{take_id:int}/audio.wav", take_audio),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(Guard, token=room.token, hosts=room.hosts)],
        exception_handlers={VoicecoachError: voicecoach_error},
    )
