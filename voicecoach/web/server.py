"""Serving the practice room with uvicorn, on the loopback interface by default: the
session's link, a reaper that closes takes whose tab went away, and on the way out
(Ctrl-C, SIGTERM) every take still open closed and kept."""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

from .room import Room
from .routes import create_app


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def run(room: Room, *, host: str = "127.0.0.1", port: int = 0, on_ready: Callable[[str], None] | None = None) -> None:
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
        room.close_interviews()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
