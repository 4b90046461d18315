"""Shared fixtures. The real bundled model runs on the real samples, once per session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_NAMES = ("star_answer", "motivation_fast", "hesitant_slow")


#: the marks a test gets from the fixtures it uses (pyproject.toml lists every marker):
#: a test that opens Chromium is a browser test, one on the virtual microphone a mic test...
FIXTURE_MARKS = {
    "playwright": "browser",
    "browser": "browser",
    "chromium_mic": "browser",
    "chromium_interviewee": "browser",
    "mic": "mic",
    "dask_cluster": "cluster",
    "server": "realtime",
    "black_hole": "realtime",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in set(FIXTURE_MARKS) & set(getattr(item, "fixturenames", ())):
            item.add_marker(FIXTURE_MARKS[fixture])


def require(tool: str, install: str) -> str:
    """The path of ``tool``; without it the test is skipped with the command that installs
    it, except in CI (``CI=true``), where a missing tool is a failure."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed: {install} (or run .ci/run, which installs everything)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def truth() -> dict[str, dict]:
    return {name: json.loads((SAMPLES / f"{name}.truth.json").read_text()) for name in SAMPLE_NAMES}


@pytest.fixture(scope="session")
def reports() -> dict[str, dict]:
    """``score --json``-shaped dicts of every sample, from the real pipeline."""
    from voicecoach.scoring.pipeline import report_to_dict, score_file

    return {name: report_to_dict(score_file(SAMPLES / f"{name}.wav")) for name in SAMPLE_NAMES}


@pytest.fixture(scope="module")
def mic():
    """A virtual microphone (tests/vmic.py) for the module's tests."""
    from tests.vmic import VirtualMic

    m = VirtualMic().start()
    yield m
    m.stop()


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the whole run: its synchronous API runs one event loop, and a
    second one started beside it refuses to run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    """Debian's Chromium, headless, driven by Playwright."""
    b = launch_chromium(playwright)
    yield b
    b.close()


def launch_chromium(playwright: Any, *extra_args: str) -> Any:
    """Debian's Chromium, headless, with ``extra_args``."""
    return playwright.chromium.launch(
        executable_path=require("chromium", "apt-get install chromium"),
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--autoplay-policy=no-user-gesture-required",
            "--disable-component-update",
            "--no-first-run",
            *extra_args,
        ],
    )


def open_page(browser, path: Path, **kwargs):
    """Open a local page; return it with the lists of URLs it requested and dialogs it
    raised (every dialog is dismissed)."""
    page = browser.new_page(**kwargs)
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, requests, dialogs


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


def convert(src: Path, dst: Path, *args: str) -> Path:
    """Convert audio with ffmpeg (installed by .ci/run)."""
    subprocess.run(
        [require("ffmpeg", "apt-get install ffmpeg"), "-loglevel", "error", "-y", "-i", str(src), *args, str(dst)],
        check=True,
    )
    return dst
