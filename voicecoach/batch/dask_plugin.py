"""A Dask worker plugin that loads the Whisper model once when each worker starts."""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class ModelPlugin(WorkerPlugin):
    def __init__(self, model: str, cpu_threads: int = 0):
        self.model = model
        self.cpu_threads = cpu_threads

    def setup(self, worker: Any) -> None:
        from voicecoach.asr.models import load_model

        load_model(self.model, cpu_threads=self.cpu_threads)
