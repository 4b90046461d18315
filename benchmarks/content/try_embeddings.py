"""Measure what small static word embeddings add to the STAR model (issue 14 asked).

WordLlama (PyPI ``wordllama``, 19 MB wheel with 256-dim token embeddings inside, MIT) is
the only package in the registries that ships English embeddings in its wheel. It is not
a dependency of voicecoach; to rerun this measurement:

    pip install --target /tmp/wlpkg wordllama safetensors toml
    PYTHONPATH=/tmp/wlpkg python benchmarks/content/try_embeddings.py

Each unit gets four more features, its cosine similarity to each STAR part's prototype
(the mean embedding of the training units labelled with that part, less the mean of all
training units); prototypes and weights are both fitted inside each cross-validation
fold, exactly as bench_content.py fits the weights.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from dataset import load_all  # noqa: E402
from evaluate import (  # noqa: E402
    FOLDS,
    PART_NAMES,
    Scores,
    _unit_rows,
    evaluate,
    fit_weights,
    fold,
    star_judged,
    transcript_and_audio,
)

from voicecoach.analysers import content  # noqa: E402


def load_model() -> Any:
    import wordllama
    from wordllama import WordLlama

    # wordllama 0.4.0 looks for its bundled tokenizer under the wrong folder name: give it
    # a cache folder holding the files its wheel ships, and never download
    cache = Path(tempfile.mkdtemp())
    pkg = Path(wordllama.__file__).parent
    (cache / "tokenizers").mkdir()
    (cache / "weights").mkdir()
    for f in (pkg / "tokenizers").glob("*.json"):
        shutil.copy(f, cache / "tokenizers")
    for f in (pkg / "weights").glob("*.safetensors"):
        shutil.copy(f, cache / "weights")
    return WordLlama.load(cache_dir=cache, disable_download=True)


def main() -> None:
    t0 = time.perf_counter()
    model = load_model()
    print(f"model loaded in {time.perf_counter() - t0:.2f} s")
    plain = content.features
    prototypes: dict[str, np.ndarray] = {}

    def embed(text: str) -> np.ndarray:
        v = model.embed([" ".join(content.tokens(text))])[0]
        return v / (np.linalg.norm(v) or 1.0)

    def features(
        text: str, index: int, count: int, lexicon: Any = content.DEFAULT_LEXICON, *, story_share: float = 1.0
    ) -> Any:
        f = plain(text, index, count, lexicon, story_share=story_share)
        if prototypes:
            v = embed(text)
            for part, p in prototypes.items():
                f[f"emb_{part}"] = float(v @ p)
        return f

    content.features = features  # type: ignore[assignment]
    clean, noisy = load_all()
    totals = (Scores(), Scores())
    for k in range(FOLDS):
        train = [a for a in clean + noisy if fold(a) != k and star_judged(a)]
        prototypes.clear()
        _feats, labels = _unit_rows(train)
        # prototypes from the training units' texts (the same units, in the same order)
        unit_texts = []
        for a in train:
            transcript, _audio, _owner = transcript_and_audio(a)
            unit_texts += [text for *_, text, _f in content.unit_features([s.text for s in transcript.sentences])]
        vecs = np.array([embed(t) for t in unit_texts])
        mean = vecs.mean(axis=0)
        for letter, part in PART_NAMES.items():
            mask = np.array([letter in lab for lab in labels])
            if mask.any():
                p = vecs[mask].mean(axis=0) - mean
                prototypes[part] = p / (np.linalg.norm(p) or 1.0)
        content.override, _ = fit_weights(train)
        for total, answers in zip(totals, (clean, noisy), strict=True):
            total.merge(evaluate([a for a in answers if fold(a) == k]))
    content.override = None
    for name, s in zip(("clean", "with transcription errors"), totals, strict=True):
        parts = ", ".join(f"{p} {c.f1:.3f}" for p, c in s.parts.items())
        print(f"{name}: STAR F1 {parts}; macro {s.star_macro_f1:.2f}")
    print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
