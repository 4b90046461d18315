"""The guard in front of every request: the host it was started for (DNS rebinding), the
origin of this server (cross-site requests), the session key, and the security headers on
every response. A request it refuses never reaches the app; an error inside the app is one
line in the terminal and one JSON line to the page, never a traceback."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode

logger = logging.getLogger(__name__)

COOKIE = "voicecoach_token"
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


class Guard:
    """ASGI middleware: refuse requests for another host, from another origin, or without
    the session key (``token``: the key; ``hosts``: the ``host:port`` names it answers to,
    a set the server fills once it listens); add the security headers to every response."""

    def __init__(self, app: Any, token: str, hosts: set[str]) -> None:
        self.app = app
        self.token = token
        self.hosts = hosts

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
            await _respond(send_with_headers, status, text.encode(), b"text/plain; charset=utf-8", extra)
            return
        started = False

        async def send_tracked(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:  # noqa: BLE001 - one line in the terminal and to the page, never a traceback
            said = " ".join(str(exc).split())
            logger.error("%s %s failed: %s: %s", scope.get("method"), scope.get("path"), type(exc).__name__, said)
            if started:
                return
            body = json.dumps({"error": f"the practice room failed ({type(exc).__name__}: {said})"}).encode()
            await _respond(send_with_headers, 500, body, b"application/json")

    def refusal(self, scope: dict, headers: dict[str, str]) -> tuple[int, str, list] | None:
        host = headers.get("host", "").lower()
        if host not in self.hosts:
            answers = ", ".join(sorted(self.hosts))
            return 421, f"voicecoach: this server answers only to {answers}, not {host or 'no Host'}\n", []
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in {f"http://{h}" for h in self.hosts}:
            return 403, "voicecoach: requests from another site are refused\n", []
        if scope["method"] not in ("GET", "HEAD") and origin is None:
            return 403, "voicecoach: a request that changes something must come from the practice room's page\n", []
        if headers.get("sec-fetch-site") == "cross-site":
            return 403, "voicecoach: requests from another site are refused\n", []
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        given = dict(query).get("token")
        if given is not None and hmac.compare_digest(given.encode(), self.token.encode()) and scope["method"] == "GET":
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = scope["path"] + (f"?{rest}" if rest else "")
            set_cookie = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
            return 303, "", [(b"location", location.encode()), (b"set-cookie", set_cookie.encode())]
        cookie = _cookie(headers.get("cookie", ""), COOKIE)
        if cookie is None or not hmac.compare_digest(cookie.encode(), self.token.encode()):
            return 401, "voicecoach: open the link the server printed; it carries this session's key\n", []
        return None


async def _respond(send: Any, status: int, body: bytes, content_type: bytes, extra: list | None = None) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None
