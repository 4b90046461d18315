"""The practice room in the browser (``serve``), on this machine only.

The page records the microphone (an AudioWorklet at 16 kHz) and sends the samples every
quarter second; each take is a :class:`~voicecoach.practice.session.PracticeSession` fed
chunk by chunk, the same session the terminal drives. A closed tab, a crashed browser or
a killed server keeps everything received; an abandoned take is closed after
``ABANDONED_AFTER_S`` without audio and can be scored later.

Every request must carry the session key (the printed URL's ``?token=``, then an
HttpOnly, SameSite=Strict cookie), a ``Host`` the server was started for (DNS rebinding)
and, when it has one, an ``Origin`` of this server (cross-site requests); uploads are
capped in size and rate; the pages run no inline script (Content-Security-Policy
``script-src 'self'``) and are rendered from autoescaping templates.

``guard`` (the checks and headers), ``room`` (the state), ``pages`` (the templates),
``routes`` (the app), ``server`` (uvicorn).
"""

from .room import ABANDONED_AFTER_S, Room
from .routes import create_app
from .server import free_port, run

__all__ = ["ABANDONED_AFTER_S", "Room", "create_app", "free_port", "run"]
