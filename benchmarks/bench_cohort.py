"""The cohort page at size: how big it is, how long it takes to write, to open in headless
Chromium and to sort, for 100, 1,000 and 5,000 generated answers.

The answers are results.jsonl lines with random figures (5 answers per student, 5 bank
questions, three long tips each), written to a results folder; ``voicecoach cohort OUT
--html`` writes the page as a coach would. Opening is the navigation's load event;
sorting is the answers table sorted by the overall score, the median of 5 clicks. The
baseline, in the same run, is a page holding only the words "cohort" opened the same way.

Usage: python benchmarks/bench_cohort.py [--sizes 100,1000,5000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTIONS = ["beh-deadline", "beh-conflict", "beh-failure", "beh-teamwork", "beh-feedback"]
TIP = "Open with the result: say what changed because of what you did, then how you did it."


def line(i: int, rng: random.Random) -> dict:
    overall = rng.randint(0, 100)
    return {
        "schema_version": 1,
        "file": f"cohort/student{i // 5:04d}/{QUESTIONS[i % 5]}.wav",
        "duration_s": rng.uniform(20, 150),
        "question": f"The text of question {QUESTIONS[i % 5]}",
        "question_id": QUESTIONS[i % 5],
        "speech_found": True,
        "english": True,
        "status": "ok",
        "scores": {"overall": overall, "pacing": overall, "fillers": overall, "pauses": overall, "structure": overall},
        "pacing": {"wpm": rng.uniform(90, 210), "target_min_wpm": 120, "target_max_wpm": 160},
        "fillers": {"per_min": rng.uniform(0, 10)},
        "pauses": {"pause_ratio": rng.uniform(0.05, 0.5)},
        "structure": {"length_verdict": rng.choice(["ok", "ok", "short"]), "relevance": {"verdict": "yes"}},
        "repetition": {"extra_uses": rng.randint(0, 5)},
        "not_judged": {},
        "tips": [{"area": "structure", "message": TIP}] * 3,
    }


def cpu_name() -> str:
    try:
        return next(x.split(":", 1)[1].strip() for x in open("/proc/cpuinfo") if x.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,5000")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    from playwright.sync_api import sync_playwright

    rng = random.Random(29)
    tmp = Path(tempfile.mkdtemp(prefix="bench-cohort-"))
    pages = {}
    written_s = {}
    for n in sizes:
        out = tmp / f"out{n}"
        out.mkdir()
        (out / "results.jsonl").write_text("".join(json.dumps(line(i, rng)) + "\n" for i in range(n)))
        page = tmp / f"cohort{n}.html"
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "voicecoach", "cohort", str(out), "--html", str(page)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        written_s[n] = time.perf_counter() - t0
        pages[n] = page
    blank = tmp / "blank.html"
    blank.write_text("<!DOCTYPE html><title>cohort</title><p>cohort</p>")

    def open_ms(browser, path: Path) -> tuple[float, float | None]:
        page = browser.new_page()
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        opened = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        sort = None
        if path != blank:
            sort = statistics.median(
                page.evaluate(
                    """() => { const b = [...document.querySelectorAll('#answers th button')]
                        .find(x => x.textContent === 'overall');
                        const t0 = performance.now(); b.click(); return performance.now() - t0; }"""
                )
                for _ in range(5)
            )
        page.close()
        return opened, sort

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        open_ms(browser, blank)  # the first page of a browser pays for its start
        base = statistics.median(open_ms(browser, blank)[0] for _ in range(3))
        print(f"cohort page, {os.cpu_count()} cores ({cpu_name()}), Chromium headless")
        print(f"baseline: a one-line page opens in {base:.0f} ms")
        print(f"{'answers':>8}{'size MB':>9}{'written s':>11}{'open ms':>9}{'x base':>8}{'sort ms':>9}")
        for n in sizes:
            runs = [open_ms(browser, pages[n]) for _ in range(3)]
            opened = statistics.median(r[0] for r in runs)
            sort = statistics.median(r[1] or 0.0 for r in runs)
            size = pages[n].stat().st_size / 1e6
            print(f"{n:>8}{size:>9.2f}{written_s[n]:>11.2f}{opened:>9.0f}{opened / base:>8.1f}{sort:>9.0f}")
        browser.close()


if __name__ == "__main__":
    main()
