"""A third-party analyser, installed as a real distribution with an entry point in the
group ``voicecoach.analysers``: it is run, scored, weighted, shown in the terminal and
HTML reports, written to the batch CSV and trended in the history, with no change to
voicecoach. Every check runs the real CLI in its own process."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import open_page, require

PLUGIN = '''
"""Counts buzzwords: an analyser written against voicecoach's protocol only."""
from dataclasses import dataclass

from voicecoach.analysers import Finding, Mark, Metric
from voicecoach.core.datatypes import Evidence, Tip

NAME = "buzzwords"
TITLE = "Buzzwords"
WEIGHT = 0.0


@dataclass(frozen=True)
class Options:
    words: tuple[str, ...] = ("synergy", "leverage", "paradigm")


@dataclass(frozen=True)
class Scoring:
    points_per_use: float = 10.0


@dataclass(frozen=True)
class BuzzResult:
    count: int
    times_s: tuple[float, ...]


RESULT = BuzzResult
METRICS = (Metric("count", "buzzwords", "d", "lower", headline=True),)


def analyse(transcript, audio, *, options, context):
    hits = [w for w in transcript.words if w.norm in options.words]
    return BuzzResult(len(hits), tuple(w.start_s for w in hits))


def score(result, scoring):
    return max(0, round(100 - scoring.points_per_use * result.count))


def tips(result, score, scoring):
    if not result.count:
        return []
    evidence = tuple(Evidence(t, t, "buzzword") for t in result.times_s)
    return [(100 - score, Tip(NAME, f"You used {result.count} buzzwords; say what you did instead.", evidence, rank=1))]


def summary(result):
    return f"{result.count} buzzwords"


def findings(result):
    return tuple(Finding("buzzword", f"at {t:.1f} s", False) for t in result.times_s)


def marks(result):
    return tuple(Mark(t, t + 0.5, "repeat", "buzzword") for t in result.times_s)
'''

ANSWER = (
    "In my last role I led the billing migration. I wanted synergy between the teams, so I set up a weekly review. "
    "We used that synergy to leverage the old tests, and we shipped two weeks early with no lost payments."
)


def _install(site: Path, name: str, module: str, source: str) -> None:
    """A distribution on ``site``: its module and a dist-info with the entry point."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[voicecoach.analysers]\n{name} = {module}\n")


def vc(*args: str, site: Path, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(Path(__file__).resolve().parent.parent)])}
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    s = tmp_path / "site"
    _install(s, "buzzwords", "buzzwords_analyser", PLUGIN)
    return s


def test_the_plugin_is_listed_after_the_built_in_analysers(site):
    proc = vc("analysers", "--json", site=site)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["name"] for r in rows] == [
        "pacing",
        "fillers",
        "pauses",
        "structure",
        "delivery",
        "repetition",
        "buzzwords",
    ]
    assert rows[-1] | {"weight": 0.0} == {
        "name": "buzzwords",
        "title": "Buzzwords",
        "source": "plugin",
        "module": "buzzwords_analyser",
        "scored": True,
        "weight": 0.0,
        "metrics": ["count"],
    }


def test_its_options_and_weight_come_from_the_config(site, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[buzzwords]\nwords = ["synergy"]\n\n[scoring]\nweight_buzzwords = 0.2\nweight_fillers = '
        "0.0\nbuzzwords_points_per_use = 20\n"
    )
    proc = vc("analysers", "--json", "--config", str(cfg), site=site)
    assert proc.returncode == 0, proc.stderr
    weights = {r["name"]: r["weight"] for r in json.loads(proc.stdout)}
    assert weights == {
        "pacing": 0.15,
        "fillers": 0.0,
        "pauses": 0.15,
        "structure": 0.5,
        "delivery": 0.0,
        "repetition": 0.0,
        "buzzwords": 0.2,
    }
    bad = tmp_path / "bad.toml"
    bad.write_text("[buzzwords]\nwords = 3\n")
    proc = vc("score", "--config", str(bad), "x.wav", site=site)
    assert proc.returncode == 1 and proc.stderr.strip().splitlines() == [
        f"Error: {bad}: [buzzwords] words = 3 must be a list of strings"
    ]


def test_a_plugin_that_cannot_be_loaded_is_one_line_naming_it(tmp_path):
    site = tmp_path / "site"
    _install(site, "broken", "broken_analyser", "raise RuntimeError('boom')\n")
    proc = vc("score", "x.wav", site=site)
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(
        "Error: analyser 'broken' (broken_analyser, entry point group voicecoach.analysers) cannot be loaded: "
        "RuntimeError: boom"
    )
    assert vc("--help", site=site).returncode == 0  # help never loads analysers


def test_a_plugin_that_breaks_the_protocol_is_refused(tmp_path):
    site = tmp_path / "site"
    _install(
        site, "nameless", "nameless_analyser", "def analyse(transcript, audio, *, options, context):\n    return None\n"
    )
    proc = vc("analysers", site=site)
    assert proc.returncode == 1 and "NAME must be a name made of letters, digits and _" in proc.stderr


@pytest.mark.model
def test_a_plugin_is_scored_shown_exported_and_trended(site, tmp_path, browser):
    require("espeak-ng", "apt-get install espeak-ng")
    wav = tmp_path / "answer.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), ANSWER], check=True)
    cfg = tmp_path / "c.toml"
    cfg.write_text("[scoring]\nweight_buzzwords = 0.2\nweight_fillers = 0.0\n")

    # scored, and in the overall score with the weight the config gives it
    proc = vc("score", "--json", "--config", str(cfg), str(wav), site=site)
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["buzzwords"]["count"] == 3  # "synergy" twice, "leverage" once
    s = d["scores"]
    assert s["buzzwords"] == 70
    weighted = (
        0.15 * s["pacing"] + 0.0 * s["fillers"] + 0.15 * s["pauses"] + 0.5 * s["structure"] + 0.2 * s["buzzwords"]
    )
    assert s["overall"] == round(weighted)
    assert any(t["area"] == "buzzwords" for t in d["tips"])

    # the terminal report has its row
    proc = vc("score", "--config", str(cfg), str(wav), site=site)
    assert proc.returncode == 0
    row = next(line for line in proc.stdout.splitlines() if "Buzzwords" in line)
    assert "70" in row and "3 buzzwords" in row

    # the HTML report has its card and its findings
    result = tmp_path / "answer.json"
    result.write_text(json.dumps(d))
    page_path = tmp_path / "answer.html"
    proc = vc("report", str(result), "--html", str(page_path), "--data-dir", str(tmp_path / "data"), site=site)
    assert proc.returncode == 0, proc.stderr
    page, _requests, _dialogs = open_page(browser, page_path)
    cards = page.locator("#scores .card").all_inner_texts()
    assert any(c.startswith("Buzzwords") and "70/100" in c.replace("\n", "") for c in cards), cards
    assert page.locator("#details").inner_text().count("buzzword") >= 3
    page.close()

    # the batch CSV has its columns
    out = tmp_path / "batch"
    proc = vc("batch", str(wav), "--out", str(out), "--workers", "1", "--config", str(cfg), site=site)
    assert proc.returncode == 0, proc.stderr
    (row,) = list(csv.DictReader((out / "results.csv").open()))
    assert row["scores.buzzwords"] == "70" and row["buzzwords.count"] == "3"
    assert "buzzwords" in proc.stdout  # its figure is summarised

    # the history keeps and trends it
    data = tmp_path / "data"
    store = (
        "import json, sys\nfrom voicecoach.practice.history import History\nh = "
        "History.open(__import__('pathlib').Path(sys.argv[1]))\n"
        "for n in (3, 1):\n    r = json.load(open(sys.argv[2]))\n    r['buzzwords']['count'] = n\n    "
        "r['scores']['buzzwords'] = 100 - 10 * n\n"
        "    t = h.start_take(audio_path=sys.argv[3], question_id='q1', question_text='Q', category='general')\n    "
        "h.save_report(t, r)\nh.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(Path(__file__).resolve().parent.parent)])}
    subprocess.run([sys.executable, "-c", store, str(data), str(result), str(wav)], check=True, env=env)
    proc = vc("history", "--data-dir", str(data), site=site)
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout.splitlines()[0]
    assert header.split()[-1] == "buzzwords" and "buzzwords 3 -> 1" in proc.stdout
