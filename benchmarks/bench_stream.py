"""What transcribing a take while it is recorded costs in accuracy: each answer streamed
piece by piece (as `voicecoach practice` does) against the same audio scored as a file,
on the samples and the first files of the labelled corpus.

Each answer gets LEAD_S of silence before it and TAIL_S after it (the speaker presses
Enter), and is fed to :class:`voicecoach.scoring.stream.StreamingTranscriber` in 0.1 s blocks
with a step after each, so the cuts fall where a worker that keeps up would make them and
do not depend on timing. Compared, for each way of hearing the last piece: WER of the
words (vocal fillers left out), vocal filler events (within 0.3 s of the script's) and
the wpm error, all against the script; the time spent on the last piece (what the
speaker waits for) and on the whole take as a file; and the transcriber's work while the
take was recorded. The last row guesses the last piece ahead in the silence before the
stop (``StreamOptions.speculate_after_s``, the default), as the worker does.

Usage: python benchmarks/bench_stream.py [--files 20] [--corpus benchmarks/corpus/audio]
       [--last-piece 0,10] [--model default|base]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_accuracy import aggregate, evaluate  # noqa: E402
from bench_long import cpu_name  # noqa: E402

LEAD_S = 1.0
TAIL_S = 1.0
BLOCK_S = 0.1


def shifted(truth: dict, by: float) -> dict:
    """``truth`` with every time moved by ``by`` seconds (the silence put before it)."""

    def move(events: list[dict]) -> list[dict]:
        return [dict(e, start_s=e["start_s"] + by, end_s=e["end_s"] + by) for e in events]

    return dict(
        truth,
        vocal_fillers=move(truth["vocal_fillers"]),
        discourse_fillers=move(truth["discourse_fillers"]),
        pauses=move(truth["pauses"]),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "benchmarks" / "corpus" / "audio")
    ap.add_argument("--files", type=int, default=20, help="the first N corpus files, after the three samples")
    ap.add_argument(
        "--last-piece", default="0,10", help="last_piece_min_s values to compare (0: the last piece heard alone)"
    )
    ap.add_argument("--model", default="default", help="the Whisper model (default: the embedded tiny.en; base)")
    args = ap.parse_args()

    from voicecoach.asr.models import load_model
    from voicecoach.audio.decode import SAMPLE_RATE_HZ, Audio, load_audio
    from voicecoach.scoring.pipeline import report_to_dict, score_audio, score_transcript
    from voicecoach.scoring.stream import StreamingTranscriber, StreamOptions
    from voicecoach.settings.config import Settings

    truths = sorted((ROOT / "samples").glob("*.truth.json")) + sorted(args.corpus.glob("*.truth.json"))[: args.files]
    import dataclasses

    settings = Settings()
    settings = dataclasses.replace(
        settings, transcription=dataclasses.replace(settings.transcription, model=args.model)
    )
    load_model(settings.transcription.model)
    ways = [float(v) for v in args.last_piece.split(",")]
    guessed = f"streamed, {ways[-1]:g} s, guessed ahead"
    rows: dict[str, list[dict]] = {"file": [], **{f"streamed, last piece from {v:g} s": [] for v in ways}, guessed: []}
    waits: dict[str, list[float]] = {k: [] for k in rows}
    work: dict[str, list[float]] = {k: [] for k in rows}
    sr = SAMPLE_RATE_HZ
    block = int(BLOCK_S * sr)
    for n, tf in enumerate(truths, 1):
        truth = shifted(json.loads(tf.read_text()), LEAD_S)
        audio = load_audio(tf.with_name(tf.name.replace(".truth.json", ".wav")))
        x = np.concatenate(
            [np.zeros(int(LEAD_S * sr), np.float32), audio.samples, np.zeros(int(TAIL_S * sr), np.float32)]
        )
        take = Audio(x, sr, "take")
        t = time.perf_counter()
        rows["file"].append(evaluate(truth, report_to_dict(score_audio(take, settings=settings))))
        waits["file"].append(time.perf_counter() - t)
        line = [f"file {waits['file'][-1]:.1f} s"]
        for v, guess in [*((v, False) for v in ways), (ways[-1], True)]:
            key = guessed if guess else f"streamed, last piece from {v:g} s"
            ahead_s = StreamOptions.speculate_after_s if guess else 0.0
            options = StreamOptions(last_piece_min_s=v, speculate_after_s=ahead_s)
            st = StreamingTranscriber(settings, options=options)
            for i in range(0, len(x), block):
                st.feed(x[i : i + block])
                while st.step():
                    pass
                st.speculate()
            work[key].append(st.busy_s)
            t = time.perf_counter()
            done = st.finish()
            assert done is not None, st.gave_up
            report = score_transcript(*done, settings=settings, speech_s=st.speech_s)
            waits[key].append(time.perf_counter() - t)
            rows[key].append(evaluate(truth, report_to_dict(report)))
            line.append(f"{key.removeprefix('streamed, ')}: {st.pieces} pieces, last {waits[key][-1]:.1f} s")
        print(
            f"[{n}/{len(truths)}] {tf.name.replace('.truth.json', '')} ({take.duration_s:.0f} s): " + "; ".join(line),
            file=sys.stderr,
        )

    print(
        f"\n{len(truths)} answers ({LEAD_S:g} s of silence before each), {settings.transcription.model}, {cpu_name()}"
    )
    print(
        f"{'':<36}{'WER':>7}{'vocal F1':>10}{'P':>7}{'R':>7}{'wpm err %':>11}{'wait s (mean)':>15}"
        f"{'work while recording s':>24}"
    )
    for key, r in rows.items():
        a = aggregate(r)
        v = a["vocal"]
        wait = "whole take" if key == "file" else "last piece"
        busy = f"{np.mean(work[key]):>24.2f}" if work[key] else f"{'-':>24}"
        print(
            f"{key:<36}{a['wer']:>7.3f}{v['f1']:>10.3f}{v['precision']:>7.3f}{v['recall']:>7.3f}"
            f"{a['wpm_abs_pct_error']:>11.2f}{np.mean(waits[key]):>9.2f} ({wait}){busy}"
        )


if __name__ == "__main__":
    main()
