"""Practising: the microphone to disk (``record``), the SQLite history (``history``), a
take from recording to stored report (``takes``), finding a report to show (``lookup``)."""
