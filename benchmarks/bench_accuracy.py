"""Accuracy on the labelled corpus: voicecoach's default decoding against plain
faster-whisper decoding, side by side in one run, plus the speed of each.

Metrics (truth from how each file was made, see benchmarks/corpus/make_corpus.py):
* vocal fillers: precision, recall, F1 as **events** (a found filler matches a scripted
  one when their spans come within 0.3 s; one-to-one), and as **counts** (per file, the
  smaller of found and scripted counts as right: what a per-answer total shows); recall
  per filler type;
* discourse fillers: precision (and recall) by the same matching; traps never scripted
  as fillers, so any count on them is a false positive;
* wpm: mean absolute % error; pauses (>= 250 ms): precision, recall, F1 by overlap;
  long pauses (>= 2 s): recall;
* WER of the words (vocal fillers removed from both sides);
* time: transcription, analysers, and their ratio.

Every voice family (``--families``, default all four: espeak, piper, flite, festival) is
scored in one run, on its frozen test split by default (``--split test``: answers no
fitting script reads), and the last table puts the families and the recording channels
(clean, noise, reverb, Opus, laptop, room, second talker) side by side against the
targets, with the default decoding's cost against plain decoding measured in the same run.

Usage: python benchmarks/bench_accuracy.py [--families espeak,piper,flite,festival] [--split test|fit|all]
       [--corpus DIR] [--files N] [--decodings plain,single] [--model default|base|PATH]
       [--json benchmarks/results/accuracy.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: A found filler matches a scripted one when their spans come within this (issue 15: 0.3 s).
SLACK_S = 0.3


#: Spellings of one sound (issue 15's classes: um/erm, uh/er/ah, hmm/mm): British
#: "er"/"erm" are American "uh"/"um"; "ah" is an open "uh"; "hmm" is a longer "mm".
SOUND = {"er": "uh", "ah": "uh", "erm": "um", "hmm": "mm"}


def match(found: list[dict], expected: list[dict], slack: float = SLACK_S) -> list[tuple[int, int]]:
    """One-to-one (found index, truth index) pairs of overlapping events, in time order."""
    used: set[int] = set()
    pairs = []
    for i, f in enumerate(found):
        for j, e in enumerate(expected):
            if j not in used and f["start_s"] <= e["end_s"] + slack and f["end_s"] >= e["start_s"] - slack:
                used.add(j)
                pairs.append((i, j))
                break
    return pairs


def prf(tp: int, n_found: int, n_true: int) -> dict[str, float]:
    p = tp / n_found if n_found else 1.0
    r = tp / n_true if n_true else 1.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "tp": tp,
        "found": n_found,
        "true": n_true,
    }


def evaluate(truth: dict, d: dict) -> dict:
    from voicecoach.core.datatypes import normalise_word
    from voicecoach.core.lexicon import is_vocal_filler

    events = d["fillers"]["events"] if d.get("speech_found") else []
    vocal = [e for e in events if e["kind"] == "vocal"]
    disc = [e for e in events if e["kind"] == "discourse"]
    vp = match(vocal, truth["vocal_fillers"])
    dp = match(disc, truth["discourse_fillers"], slack=0.3)
    pauses = d["pauses"]["events"] if d.get("speech_found") else []
    pp = match(pauses, truth["pauses"], slack=0.0)
    long_truth = [p for p in truth["pauses"] if p["end_s"] - p["start_s"] >= 2.0]
    long_found = [p for p in pauses if p["long"]]
    lp = match(long_found, long_truth, slack=0.0)
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    matched_truth = {j for _, j in vp}
    for j, e in enumerate(truth["vocal_fillers"]):
        per_type[e["text"]][1] += 1
        per_type[e["text"]][0] += j in matched_truth
    kinds = [(truth["vocal_fillers"][j]["text"], vocal[i]["filler"]) for i, j in vp]
    hyp = " ".join(n for w in d["transcript"]["words"] if not is_vocal_filler(n := normalise_word(w["text"])))
    ref = " ".join(normalise_word(w) for w in truth["text"].split())
    wpm = d["pacing"]["wpm"] if d.get("speech_found") else 0.0
    return {
        "vocal": (len(vp), len(vocal), len(truth["vocal_fillers"])),
        "vocal_counts": (min(len(vocal), len(truth["vocal_fillers"])), len(vocal), len(truth["vocal_fillers"])),
        "discourse": (len(dp), len(disc), len(truth["discourse_fillers"])),
        "pauses": (len(pp), len(pauses), len(truth["pauses"])),
        "long_pauses": (len(lp), len(long_found), len(long_truth)),
        "per_type": dict(per_type),
        "kinds": kinds,
        "wpm_error": abs(wpm - truth["wpm"]) / truth["wpm"],
        "ref": ref,
        "hyp": hyp,
    }


def aggregate(rows: list[dict]) -> dict:
    import jiwer

    out: dict = {}
    for key in ("vocal", "vocal_counts", "discourse", "pauses", "long_pauses"):
        tp, nf, nt = (sum(r[key][i] for r in rows) for i in range(3))
        out[key] = prf(tp, nf, nt)
    types: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        for t, (hit, n) in r["per_type"].items():
            types[t][0] += hit
            types[t][1] += n
    out["vocal_recall_by_type"] = {t: hit / n for t, (hit, n) in sorted(types.items())}
    kinds = [k for r in rows for k in r["kinds"]]
    if kinds:
        out["vocal_type_agreement"] = sum(t == f for t, f in kinds) / len(kinds)
        out["vocal_sound_agreement"] = sum(SOUND.get(t, t) == SOUND.get(f, f) for t, f in kinds) / len(kinds)
        out["vocal_type_confusion"] = {f"{t}->{f}": n for (t, f), n in sorted(Counter(kinds).items())}
    out["wpm_abs_pct_error"] = 100 * sum(r["wpm_error"] for r in rows) / len(rows)
    out["wer"] = jiwer.wer([r["ref"] for r in rows], [r["hyp"] for r in rows])
    return out


#: Issue 28's targets for every voice family: vocal filler events and the wpm error.
TARGETS = {
    "vocal filler F1 (events)": 0.93,
    "vocal filler P (events)": 0.90,
    "vocal filler R (events)": 0.90,
    "wpm abs % error": 3.0,
}


CORPORA = {
    "espeak": ROOT / "benchmarks" / "corpus" / "audio",
    "piper": ROOT / "benchmarks" / "corpus" / "audio-piper",
    "flite": ROOT / "benchmarks" / "corpus" / "audio-flite",
    "festival": ROOT / "benchmarks" / "corpus" / "audio-festival",
}
#: How each file was recorded: clean, noise, reverb, or one of make_corpus.CHANNELS.
GROUPS = ("clean", "snr20", "snr10", "reverb", "opus24", "laptop", "room", "talker15")


def group_of(truth: dict) -> str:
    if truth.get("channel"):
        return str(truth["channel"])
    if truth.get("reverb"):
        return "reverb"
    return "clean" if truth.get("snr_db") is None else f"snr{int(truth['snr_db'])}"


def choose_files(folder: Path, split: str, limit: int | None) -> list[Path]:
    """The truth files of ``folder`` in ``split``: test (the frozen held-out split), fit
    (what fitting scripts read) or all."""
    sys.path.insert(0, str(ROOT / "benchmarks" / "corpus"))
    from make_corpus import is_test

    truths = sorted(folder.glob("*.truth.json"))
    if split != "all":
        truths = [t for t in truths if is_test(t.name) == (split == "test")]
    return truths[:limit]


def run(
    truths: list[Path],
    decodings: list[str],
    *,
    model: str,
    beam_size: int,
    dump: Path | None,
    label: str,
    relisten: dict[str, float] | None = None,
) -> tuple[dict, dict, float]:
    """Score ``truths`` with each decoding: (rows[decoding][group], timing[decoding], audio seconds)."""
    from voicecoach.analysers import fillers as fillers_analyser
    from voicecoach.audio.decode import load_audio
    from voicecoach.scoring.pipeline import report_to_dict, score_audio
    from voicecoach.scoring.result import _plain
    from voicecoach.settings.config import Settings

    rows: dict[str, dict[str, list[dict]]] = {dec: defaultdict(list) for dec in decodings}
    timing = {dec: {"transcribe_s": 0.0, "analyse_s": 0.0} for dec in decodings if dec != "merge-no-relisten"}
    audio_s = 0.0
    for n, tf in enumerate(truths, 1):
        truth = json.loads(tf.read_text())
        audio = load_audio(tf.with_name(tf.name.replace(".truth.json", ".wav")))
        audio_s += audio.duration_s
        group = group_of(truth)
        t = time.perf_counter()
        for dec in decodings:
            if dec == "merge-no-relisten":
                continue
            base = Settings()  # plain decoding is never re-listened: it is the baseline
            # DECODING-unfitted: re-listening with the thresholds fitted for tiny.en whatever the model
            decoding = dec.removesuffix("-unfitted")
            settings = Settings(
                transcription=dataclasses.replace(
                    base.transcription, decoding=decoding, model=model, beam_size=beam_size
                ),
                analysers=base.analysers,
                relisten=dataclasses.replace(
                    base.relisten, fitted_for_model=not dec.endswith("-unfitted"), **(relisten or {})
                ),
            )
            rep = score_audio(audio, settings=settings)
            for k in timing[dec]:
                timing[dec][k] += rep.timings_s.get(k, 0.0)
            d = report_to_dict(rep)
            if dump:
                (dump / label / dec).mkdir(parents=True, exist_ok=True)
                (dump / label / dec / tf.name.replace(".truth", "")).write_text(json.dumps(d))
            rows[dec][group].append(evaluate(truth, d))
            rows[dec]["all"].append(rows[dec][group][-1])
            if dec == "merge" and rep.speech_found:
                heard = dataclasses.replace(
                    rep.transcript, words=tuple(w for w in rep.transcript.words if w.source != "acoustic")
                )
                no_rl = dict(d, fillers=_plain(fillers_analyser.analyse(heard, audio)))
                rows["merge-no-relisten"][group].append(evaluate(truth, no_rl))
                rows["merge-no-relisten"]["all"].append(rows["merge-no-relisten"][group][-1])
        print(
            f"[{label} {n}/{len(truths)}] {tf.name.replace('.truth.json', '')} ({audio.duration_s:.0f} s, {group}) "
            f"{time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
    return rows, timing, audio_s


def print_table(result: dict, decodings: list[str], groups: list[str]) -> None:
    """One family's metrics: a column per decoding and recording group."""
    print(
        f"{'metric':<26}"
        + "".join(f"{dec + ':' + g:>22}" for dec in decodings for g in groups if g in result["by_decoding"][dec])
    )

    def line(label: str, get: Any) -> None:
        cells = [
            f"{get(result['by_decoding'][dec][g]):>22.3f}"
            for dec in decodings
            for g in groups
            if g in result["by_decoding"][dec]
        ]
        print(f"{label:<26}" + "".join(cells))

    line("vocal filler P (events)", lambda a: a["vocal"]["precision"])
    line("vocal filler R (events)", lambda a: a["vocal"]["recall"])
    line("vocal filler F1 (events)", lambda a: a["vocal"]["f1"])
    line("vocal filler F1 (counts)", lambda a: a["vocal_counts"]["f1"])
    line("discourse precision", lambda a: a["discourse"]["precision"])
    line("discourse recall", lambda a: a["discourse"]["recall"])
    line("wpm abs % error", lambda a: a["wpm_abs_pct_error"])
    line("pause F1", lambda a: a["pauses"]["f1"])
    line("long-pause recall", lambda a: a["long_pauses"]["recall"])
    line("WER", lambda a: a["wer"])


def side_by_side(results: dict[str, dict], decoding: str, baseline: str | None) -> None:
    """Every family and every channel (pooled over families) for one decoding, the
    issue's targets marked, and the cost against the baseline decoding of the same run."""
    cols: dict[str, dict] = {}
    for fam, r in results.items():
        cols[fam] = r["by_decoding"][decoding]["all"]
    pooled: dict[str, list[dict]] = defaultdict(list)
    for r in results.values():
        for g, rows in r["rows"][decoding].items():
            if g != "all":
                pooled[g].extend(rows)
    for g in GROUPS:
        if pooled.get(g):
            cols[f"[{g}]"] = aggregate(pooled[g])
    print(f"\n{decoding}: every family (all its recordings), then each recording group over all families")
    print(f"{'':<26}" + "".join(f"{c:>11}" for c in cols) + f"{'target':>9}")
    for label, get, higher in (
        ("vocal filler P (events)", lambda a: a["vocal"]["precision"], True),
        ("vocal filler R (events)", lambda a: a["vocal"]["recall"], True),
        ("vocal filler F1 (events)", lambda a: a["vocal"]["f1"], True),
        ("discourse precision", lambda a: a["discourse"]["precision"], True),
        ("wpm abs % error", lambda a: a["wpm_abs_pct_error"], False),
        ("pause F1", lambda a: a["pauses"]["f1"], True),
        ("WER", lambda a: a["wer"], False),
    ):
        target = TARGETS.get(label)
        cells = []
        for a in cols.values():
            v = get(a)
            mark = "" if target is None else ("+" if (v >= target if higher else v <= target) else "-")
            cells.append(f"{v:.3f}{mark}".rjust(11))
        print(f"{label:<26}" + "".join(cells) + (f"{('>=' if higher else '<=') + str(target):>9}" if target else ""))
    sizes = [len(results[c]["rows"][decoding]["all"]) if c in results else len(pooled[c[1:-1]]) for c in cols]
    print(
        "(+ meets the target, - misses it; files: "
        + ", ".join(f"{c} {n}" for c, n in zip(cols, sizes, strict=True))
        + ")"
    )
    if baseline:
        for fam, r in results.items():
            tb = sum(r["timing"][baseline].values())
            td = sum(r["timing"][decoding].values())
            print(f"cost {fam}: {decoding} / {baseline} = {td / tb:.2f}x ({td / r['audio_s']:.3f} s per audio s)")
        tb = sum(sum(r["timing"][baseline].values()) for r in results.values())
        td = sum(sum(r["timing"][decoding].values()) for r in results.values())
        print(f"cost, all families: {decoding} / {baseline} = {td / tb:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, help="one corpus folder (default: the families in --families)")
    ap.add_argument("--families", default="espeak,piper,flite,festival", help="voice families, comma-separated")
    ap.add_argument(
        "--split", choices=("test", "fit", "all"), default="test",
        help="test: the frozen held-out answers (default); fit: what fitting reads; all",
    )  # fmt: skip
    ap.add_argument("--files", type=int, help="only the first N files of each family")
    ap.add_argument(
        "--decodings",
        default="plain,single",
        help="plain is the baseline: plain faster-whisper decoding, no re-listening; single is the default decoding; "
        "single-unfitted: single with the re-listening thresholds fitted for tiny.en, whatever the model",
    )
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "accuracy.json")
    ap.add_argument("--dump", type=Path, help="also write each file's report here (FAMILY/DECODING/NAME.json)")
    ap.add_argument(
        "--model",
        default="default",
        help="the Whisper model (default: the embedded tiny.en; base: from PyPI, see voicecoach models)",
    )
    ap.add_argument("--beam-size", type=int, default=5, help="beam width of each decoding (voicecoach's default: 5)")
    ap.add_argument(
        "--relisten",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a re-listening option for every decoding (repeatable), e.g. suspect_max_probability=0.3",
    )
    args = ap.parse_args()
    relisten = {k: float(v) for k, v in (kv.split("=", 1) for kv in args.relisten)}

    corpora = {args.corpus.name: args.corpus} if args.corpus else {f: CORPORA[f] for f in args.families.split(",")}
    decodings = args.decodings.split(",")
    if "merge" in decodings:
        decodings.append("merge-no-relisten")  # same transcripts without the re-listened fillers
    results: dict[str, dict] = {}
    for fam, folder in corpora.items():
        truths = choose_files(folder, args.split, args.files)
        if not truths:
            sys.exit(f"no corpus in {folder}: run python benchmarks/corpus/make_corpus.py --family {fam}")
        rows, timing, audio_s = run(
            truths,
            decodings,
            model=args.model,
            beam_size=args.beam_size,
            dump=args.dump,
            label=fam,
            relisten=relisten,
        )
        results[fam] = {
            "files": len(truths),
            "audio_s": audio_s,
            "audio_min": audio_s / 60,
            "timing": timing,
            "rows": rows,
            "by_decoding": {dec: {g: aggregate(r) for g, r in rows[dec].items()} for dec in decodings},
        }
        print(f"\n{fam}: {len(truths)} files ({args.split} split), {audio_s / 60:.1f} audio minutes")
        print_table(results[fam], decodings, ["all", *GROUPS])
        for dec in decodings:
            by_type = results[fam]["by_decoding"][dec]["all"]["vocal_recall_by_type"]
            print(f"{dec} vocal recall by type: " + ", ".join(f"{t} {r:.2f}" for t, r in by_type.items()))
            if dec in timing:
                tm = timing[dec]
                print(
                    f"{dec} time: transcription {tm['transcribe_s']:.1f} s "
                    f"({audio_s / max(tm['transcribe_s'], 1e-9):.1f}x real time), analysers {tm['analyse_s']:.2f} s"
                )
    timed = [d for d in decodings if d != "merge-no-relisten"]
    for dec in timed[1:] or timed:
        side_by_side(results, dec, timed[0] if len(timed) > 1 else None)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    saved = {
        "split": args.split,
        "model": args.model,
        "families": {f: {k: v for k, v in r.items() if k != "rows"} for f, r in results.items()},
    }
    args.json.write_text(json.dumps(saved, indent=1))
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    main()
