"""Choose the re-listening thresholds on one voice family and test them on the other
(leave-one-family-out), for the one-pass decoding. The frozen test split of each family
(``make_corpus.TEST_ANSWERS``) is never read.

Each corpus file is decoded once (plain beam search, cached under
benchmarks/results/cache/), and every fragment heard alone is cached too, so a grid of
re-listening options costs seconds. Both caches are keyed by what the result depends on:
the audio's samples (a hash), the model (its files' sizes and times) and the decoding
options, so a regenerated corpus or another model is decoded afresh. For each grid point the vocal fillers of the final
transcript are matched to the script as events (0.3 s slack, as bench_accuracy.py).

Prints, for each direction (fit on A, test on B): the options that score best on A, their
event F1 on A and on B; then the shipped defaults on both families and the grid point
best on the worse of the two, and the grid point best on the mean of the two (how the
shipped defaults are chosen).

With more than two families it also prints leave-one-family-out: for each family, the
grid point best on the mean of the others and its F1 on the one left out; and each rule
of the re-listening turned off, with the change on every family.

Usage: python benchmarks/fit_relisten.py [--families espeak,piper,flite,festival] [--files N]
       [--grid full|lofo|rules] [--try NAME=VALUE] [--model default|base]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks" / "corpus"))

CORPORA = {
    "espeak": ROOT / "benchmarks" / "corpus" / "audio",
    "piper": ROOT / "benchmarks" / "corpus" / "audio-piper",
    "flite": ROOT / "benchmarks" / "corpus" / "audio-flite",
    "festival": ROOT / "benchmarks" / "corpus" / "audio-festival",
}
#: Each rule of the re-listening turned off (the value that disables it): a rule stays
#: only if it helps on most families.
RULES_OFF = {
    "second opinion": {"second_opinion_min_probability": 0.0},
    "short bursts": {"burst_max_s": 0.0},
    "spectral flux gate": {"max_flux": 99.0},
    "hums": {"hum_min_probability": 1.0},
}
CACHE = ROOT / "benchmarks" / "results" / "cache"

#: The grid: each option of RelistenOptions tried at these values (the others at default).
GRID = {
    "min_probability": (0.015, 0.02, 0.025, 0.03, 0.04, 0.06),
    "held_min_probability": (0.1, 0.2, 0.3),
    "burst_max_s": (0.0, 0.075),
    "held_max_flux": (1.1, 1.3),
    "max_flux": (1.3, 99.0),
    "hum_min_probability": (0.005, 0.01, 1.0),
}
#: A smaller grid for leave-one-family-out over four families: the thresholds where the
#: families disagree (the flux gate: Festival's fillers measure 1.32-1.57, over the gate
#: fitted on espeak and Piper; the filler probability); each rule is turned off apart.
GRID_LOFO = {
    "min_probability": (0.03, 0.04, 0.06),
    "max_flux": (1.3, 1.45, 1.6, 99.0),
}


def audio_key(audio: Any) -> str:
    """A hash of the audio's samples and rate: what a cached result of it depends on."""
    import numpy as np

    h = hashlib.sha256(np.ascontiguousarray(audio.samples, dtype=np.float32).tobytes())
    h.update(str(audio.sample_rate_hz).encode())
    return h.hexdigest()[:20]


def model_key(name: str = "default") -> str:
    """The model's identity: its name and the sizes and times of its files."""
    from voicecoach.asr.models import resolve_model

    info = resolve_model(name, allow_download=False)
    folder = Path(info.path or "")
    files = sorted((f.name, f.stat().st_size, int(f.stat().st_mtime)) for f in folder.iterdir() if f.is_file())
    return hashlib_short(repr((info.name, files)))


def corpus_files(folder: Path, *, limit: int | None = None) -> list[Path]:
    """The truth files of a corpus folder that fitting may read: the frozen test split is
    left out, and refused should it slip in (the figures reported on it are held out)."""
    from make_corpus import fitting_files, refuse_test_split

    chosen = fitting_files(sorted(folder.glob("*.truth.json")))[:limit]
    refuse_test_split(chosen)
    return chosen


def remembered(fn: Any) -> Any:
    """``fn(audio, *args, **kwargs)`` remembered per audio (by its samples) and arguments:
    the signal analysis of a file does not change across the grid."""
    memo: dict = {}

    def wrapper(audio: Any, *args: Any, **kwargs: Any) -> Any:
        key = (audio_key(audio), args, tuple(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = fn(audio, *args, **kwargs)
        return memo[key]

    return wrapper


def plain_words(model: Any, family: str, wav: Path, audio: Any, *, model_id: str) -> list:
    from voicecoach.asr.transcribe import TranscribeOptions, _decode
    from voicecoach.core.datatypes import Word

    options = TranscribeOptions(decoding="single")
    settings = hashlib_short(repr(dataclasses.asdict(options)))
    path = CACHE / family / f"{wav.stem}.{audio_key(audio)}.{model_id}.{settings}.plain.json"
    if path.exists():
        return [Word(**w) for w in json.loads(path.read_text())]
    words = _decode(model, audio.samples, options=options, biased=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([dataclasses.asdict(w) for w in words]))
    return words


def hashlib_short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class ProbabilityCache:
    """filler_probabilities, remembered per (audio, model, fragment, window) and kept on
    disk."""

    def __init__(self, path: Path) -> None:
        from voicecoach.asr import relisten

        self.path = path
        self.real = relisten.filler_probabilities
        self.memo: dict[str, list] = json.loads(path.read_text()) if path.exists() else {}
        self.file = ""
        self.new = 0

    def __call__(self, model: Any, audio: Any, segments: Any, options: Any) -> Any:
        keys = [f"{self.file}|{s.start_s:.3f}|{s.end_s:.3f}|{options.window_s}" for s in segments]
        # self.file: the audio's hash and the model's (set by evaluate), not the file name
        todo = [(k, s) for k, s in zip(keys, segments, strict=True) if k not in self.memo]
        if todo:
            got = self.real(model, audio, [s for _, s in todo], options)
            for (k, _), pk in zip(todo, got, strict=True):
                self.memo[k] = list(pk)
            self.new += len(todo)
        return [tuple(self.memo[k]) for k in keys]

    def save(self) -> None:
        if self.new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.memo))


def evaluate(files: list[dict], model: Any, options: Any) -> dict:
    from bench_accuracy import SOUND, match, prf

    from voicecoach.asr import relisten
    from voicecoach.core.lexicon import is_vocal_filler, vocal_filler_type

    tp = nf = nt = 0
    same = 0
    fragments = 0
    for f in files:
        fragments += len(relisten.candidates(f["audio"], f["words"], options))
        relisten.filler_probabilities.file = f["key"]  # type: ignore[attr-defined]
        words = relisten.relisten_fillers(model, f["audio"], f["words"], options=options)
        found = [
            {"start_s": w.start_s, "end_s": w.end_s, "kind": vocal_filler_type(w.norm)}
            for w in words
            if is_vocal_filler(w.norm)
        ]
        pairs = match(found, f["truth"]["vocal_fillers"])
        tp += len(pairs)
        nf += len(found)
        nt += len(f["truth"]["vocal_fillers"])
        same += sum(
            SOUND.get(t := f["truth"]["vocal_fillers"][j]["text"], t) == SOUND.get(k := found[i]["kind"] or "", k)
            for i, j in pairs
        )
    out = prf(tp, nf, nt)
    out["same_sound"] = same / tp if tp else 0.0
    out["fragments"] = fragments
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--families", default="espeak,piper,flite,festival")
    ap.add_argument(
        "--grid",
        choices=("full", "lofo", "rules"),
        default="full",
        help="lofo: a smaller grid for four families; rules: only the defaults and each rule off",
    )
    ap.add_argument("--files", type=int)
    ap.add_argument("--model", default="default", help="the Whisper model the rules are fitted for (default, base)")
    ap.add_argument(
        "--try",
        dest="tries",
        action="append",
        default=[],
        metavar="NAME=VALUE[,NAME=VALUE]",
        help="score these options against the defaults on every family instead of a grid (repeatable)",
    )
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "fit-relisten.json")
    args = ap.parse_args()

    from voicecoach.asr import relisten
    from voicecoach.asr.models import load_model
    from voicecoach.asr.relisten import RelistenOptions
    from voicecoach.audio.decode import load_audio

    model = load_model(args.model)
    model_id = model_key(args.model)
    cache = ProbabilityCache(CACHE / "fragments.json")
    relisten.filler_probabilities = cache  # type: ignore[assignment]
    for name in (
        "sound_islands",
        "steady_voiced_runs",
        "peak_frequency_hz",
        "spectral_flux",
        "nasal_db",
        "low_band_db",
    ):
        setattr(relisten, name, remembered(getattr(relisten, name)))
    real_second_opinion = relisten.second_opinion
    opinions: dict = {}
    asked: list = []  # (island, floor) of every second opinion asked for

    def second_opinion(model: Any, audio: Any, seg: Any, o: Any, **kw: Any) -> Any:
        # remembered per audio, island and context: the grid's other options do not change it
        key = (audio_key(audio), seg, o.second_opinion_context_s)
        asked.append((key, o.second_opinion_min_probability))
        if key not in opinions:
            opinions[key] = real_second_opinion(model, audio, seg, o, **kw)
        return opinions[key]

    relisten.second_opinion = second_opinion  # type: ignore[assignment]
    real_in_context = relisten.suspect_opinion
    suspects: dict = {}

    def suspect_opinion(model: Any, audio: Any, seg: Any, o: Any, **kw: Any) -> Any:
        # the suspect-word rule's decodings, remembered and counted (each is one decoding's cost)
        key = (audio_key(audio), seg, o.second_opinion_context_s)
        if key not in suspects:
            suspects[key] = real_in_context(model, audio, seg, o, **kw)
        return suspects[key]

    relisten.suspect_opinion = suspect_opinion  # type: ignore[assignment]
    families = args.families.split(",")
    data: dict[str, list[dict]] = {}
    for fam in families:
        data[fam] = []
        for tf in corpus_files(CORPORA[fam], limit=args.files):
            wav = tf.with_name(tf.name.replace(".truth.json", ".wav"))
            audio = load_audio(wav)
            data[fam].append(
                {
                    "name": f"{fam}/{wav.stem}",
                    "key": f"{audio_key(audio)}/{model_id}",
                    "audio": audio,
                    "words": plain_words(model, fam, wav, audio, model_id=model_id),
                    "truth": json.loads(tf.read_text()),
                }
            )
        print(f"{fam}: {len(data[fam])} files", file=sys.stderr)

    grid = GRID_LOFO if args.grid == "lofo" else GRID
    names = list(grid)
    points = [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[n] for n in names))]
    if args.grid == "rules":
        points = []
    if args.tries:
        points = [{k: float(v) for k, v in (kv.split("=", 1) for kv in t.split(","))} for t in args.tries]
    t = time.perf_counter()
    scores: list[dict] = []
    # the shipped defaults for this model: tiny.en's, or those fitted for it (FITTED_FOR_MODEL)
    default = relisten.options_for_model(args.model, RelistenOptions())
    for i, point in enumerate(points):
        opts = dataclasses.replace(default, **point)
        row = {"options": point, **{fam: evaluate(data[fam], model, opts) for fam in families}}
        scores.append(row)
        cache.save()
        print(
            f"[{i + 1}/{len(points)}] {point} "
            + " ".join(f"{fam} {row[fam]['f1']:.3f} ({row[fam]['fragments']} fragments)" for fam in families),
            file=sys.stderr,
        )
    print(f"grid of {len(points)} points in {time.perf_counter() - t:.0f} s")
    if suspects:
        fillers = sum(v is not None for v in suspects.values())
        print(f"suspect words heard again: {len(suspects)}, {fillers} of them fillers")
    for floor in sorted({f for _, f in asked}):
        keys = {k for k, f in asked if f == floor}
        print(
            f"second opinions at floor {floor:g}: {len(keys)} islands heard again, "
            f"{sum(opinions[k] is not None for k in keys)} of them fillers"
        )

    base = {fam: evaluate(data[fam], model, default) for fam in families}
    print(
        "\nshipped defaults: "
        + ", ".join(
            f"{fam} P {base[fam]['precision']:.3f} R {base[fam]['recall']:.3f} F1 {base[fam]['f1']:.3f} same sound "
            f"{base[fam]['same_sound']:.2f}"
            for fam in families
        )
    )
    if len(families) == 2 and scores:
        for fit, test in (families, families[::-1]):
            best = max(scores, key=lambda r: r[fit]["f1"])
            print(
                f"fit on {fit}: {best['options']} -> {fit} F1 {best[fit]['f1']:.3f}, held-out {test} F1 "
                f"{best[test]['f1']:.3f} (P {best[test]['precision']:.3f} R {best[test]['recall']:.3f})"
            )
    if len(families) > 1 and scores:
        print("\nleave one family out: the grid point best on the mean of the others, scored on the one left out")
        for held in families:
            rest = [f for f in families if f != held]
            best = max(scores, key=lambda r: sum(r[f]["f1"] for f in rest))
            print(
                f"held out {held}: fit {best['options']} -> mean F1 of the others "
                f"{sum(best[f]['f1'] for f in rest) / len(rest):.3f}; {held} F1 {best[held]['f1']:.3f} "
                f"(P {best[held]['precision']:.3f} R {best[held]['recall']:.3f}); shipped defaults on {held} "
                f"{base[held]['f1']:.3f}"
            )
        both = max(scores, key=lambda r: min(r[f]["f1"] for f in families))
        print(
            f"best on the worst family: {both['options']} -> "
            + ", ".join(f"{f} F1 {both[f]['f1']:.3f}" for f in families)
        )
        mean = max(scores, key=lambda r: sum(r[f]["f1"] for f in families))
        print(
            f"best on the mean of all (how the defaults are chosen): {mean['options']} -> "
            + ", ".join(f"{f} F1 {mean[f]['f1']:.3f}" for f in families)
        )
    print("\neach rule turned off (F1 change against the shipped defaults; the rule helps where it is negative):")
    rules: dict[str, dict] = {}
    for rule, off in RULES_OFF.items():
        opts = dataclasses.replace(default, **off)
        got = {fam: evaluate(data[fam], model, opts) for fam in families}
        rules[rule] = got
        helps = sum(got[f]["f1"] < base[f]["f1"] for f in families)
        print(
            f"  {rule} off: "
            + ", ".join(f"{f} {got[f]['f1'] - base[f]['f1']:+.3f}" for f in families)
            + f" -> helps on {helps} of {len(families)} families"
        )
        cache.save()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"defaults": base, "grid": scores, "rules_off": rules}, indent=1))
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
