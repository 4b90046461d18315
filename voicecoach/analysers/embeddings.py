"""Static sentence embeddings, offline: WordLlama's 256-dimension token vectors (MIT),
which ship inside its wheel.

WordLlama 0.4 looks for its bundled files under a cache folder's ``weights/`` and
``tokenizers/``, not in its own package, and would then try to download them; here its
wheel's files are linked (or copied) once into voicecoach's cache folder and loaded from
there with downloads disabled, so nothing reaches the network.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..core.paths import user_cache_dir


def _cache_with_bundled_files() -> Path:
    import wordllama

    pkg = Path(wordllama.__file__).resolve().parent
    cache = user_cache_dir() / "wordllama"
    for sub, pattern in (("weights", "*.safetensors"), ("tokenizers", "*.json")):
        (cache / sub).mkdir(parents=True, exist_ok=True)
        for src in (pkg / sub).glob(pattern):
            dst = cache / sub / src.name
            if dst.exists() and dst.stat().st_size == src.stat().st_size:
                continue
            tmp = dst.with_name(f".{dst.name}.{os.getpid()}")
            try:
                os.link(src, tmp)
            except OSError:
                shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
    return cache


@functools.cache
def model() -> Any:
    """WordLlama's default model (l2_supercat, 256 dimensions), loaded once."""
    # wordllama calls logging.basicConfig(level=INFO) when imported, which would print
    # every library's log records on stderr: keep the root logger as it was
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        from wordllama import WordLlama

        return WordLlama.load(cache_dir=_cache_with_bundled_files(), disable_download=True)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def embed(texts: list[str]) -> np.ndarray:
    """One unit-length row per text."""
    vectors = np.asarray(model().embed(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)
