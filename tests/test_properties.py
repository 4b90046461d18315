"""Property-based tests (Hypothesis) of the loaders that read user files: the config TOML,
question files, and `score --json` results fed to `report`. Whatever a file holds, a
loader returns a value or raises its own one-line error; a result it accepts renders in
the terminal and as HTML without raising and without markup from the file."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import audio_for, transcript_of
from voicecoach.analysers import DEFAULT_ANALYSERS
from voicecoach.analysers.feedback import compute_scores, make_tips
from voicecoach.core.errors import ConfigError
from voicecoach.core.questions import load_file
from voicecoach.present.html_report import render_html
from voicecoach.present.terminal import render_filler_report, render_terminal
from voicecoach.scoring.pipeline import Report, report_to_dict
from voicecoach.scoring.result import ResultError, check_result, report_from_dict
from voicecoach.settings.config import Settings, load_settings

PROFILE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
MARKUP = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "[bold red]x[/]",
        "'; DROP TABLE takes; --",
        "\u202e",
        "a\nb",
    ]
)
TEXT = st.one_of(st.text(max_size=30), MARKUP)
SCALAR = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    TEXT,
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=8,
)


# ---------------------------------------------------------------- config TOML
def _known_keys() -> dict[str, list[str]]:
    s = Settings()
    keys = {
        "transcription": [f.name for f in dataclasses.fields(s.transcription)],
        "scoring": [f.name for f in dataclasses.fields(s.scoring)],
    }
    keys.update({name: [f.name for f in dataclasses.fields(opts)] for name, opts in s.analysers.items()})
    return keys


KNOWN = _known_keys()


@st.composite
def config_tables(draw) -> dict[str, Any]:
    sections = draw(st.lists(st.sampled_from([*KNOWN, "bogus"]), max_size=4, unique=True))
    out: dict[str, Any] = {}
    for section in sections:
        keys = draw(st.lists(st.sampled_from([*KNOWN.get(section, []), "nope"]), max_size=4, unique=True))
        out[section] = {k: draw(VALUE) for k in keys}
    return out


@PROFILE
@given(config_tables())
def test_any_config_loads_or_gives_a_config_error(tmp_path, table):
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(table))
    try:
        loaded = load_settings(path, required=True)
    except ConfigError as exc:
        assert str(exc).startswith(str(path)) and str(exc).strip()
        return
    # what loads can be used: every option set passes its own checks
    assert loaded.transcription.beam_size >= 1
    for opts in loaded.analysers.values():
        if hasattr(opts, "check"):
            opts.check()


# ---------------------------------------------------------------- question files
QUESTION = st.dictionaries(
    st.sampled_from(["id", "text", "category", "difficulty", "covers", "extra"]),
    st.one_of(
        VALUE,
        st.sampled_from(["easy", "medium", "hard"]),
        st.lists(st.sampled_from(["point | cue, cue", "x|y", "|", "no bar"]), max_size=3),
    ),
    max_size=6,
)


@PROFILE
@given(st.lists(st.one_of(QUESTION, VALUE), max_size=4), st.sampled_from([".json", ".toml", ".yaml"]))
def test_any_question_file_loads_or_gives_a_config_error(tmp_path, questions, suffix):
    import yaml

    path = tmp_path / f"q{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(questions))
    elif suffix == ".yaml":
        path.write_text(yaml.safe_dump(questions))
    else:
        try:
            path.write_text(tomli_w.dumps({"question": questions}))
        except (TypeError, ValueError):
            path.write_text("question = 1\n")  # not every list is a TOML array of tables
    try:
        loaded = load_file(path)
    except ConfigError as exc:
        assert str(exc).startswith(str(path))
        return
    for q in loaded:
        assert q.id and q.text and q.category and q.difficulty in ("easy", "medium", "hard")
        q.cover_points  # noqa: B018 - parsing its covers must not raise


# ---------------------------------------------------------------- results fed to `report`
def _valid_result() -> dict[str, Any]:
    """A real result from the analysers on a hand-built answer (no model needed)."""
    t = transcript_of(
        "um so last year I led the migration and uh we cut costs by thirty percent you know and it worked", gap_s=0.3
    )
    audio = audio_for(t)
    s = Settings()
    results = {
        m.NAME: m.analyse(t, audio, options=s.options_for(m.NAME), context=s.context("Tell me about a project."))
        for m in DEFAULT_ANALYSERS
    }
    scores = compute_scores(results)
    report = Report(
        file="answer.wav",
        duration_s=audio.duration_s,
        question="Tell me about a project.",
        question_id=None,
        transcript=t,
        speech_found=True,
        results=results,
        scores=scores,
        tips=make_tips(results, scores),
    )
    return json.loads(json.dumps(report_to_dict(report)))


BASE = _valid_result()


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(_paths(v, (*prefix, i)))
    return out


PATHS = _paths(BASE)


def test_the_base_result_is_valid_and_has_what_the_mutations_need():
    check_result(BASE)
    assert BASE["fillers"]["events"] and BASE["pauses"]["events"] and BASE["tips"]


@PROFILE
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.one_of(st.just("delete"), VALUE)), min_size=1, max_size=3))
def test_any_mutated_result_is_shown_safely_or_refused(mutations):
    d = copy.deepcopy(BASE)
    for path, value in mutations:
        node: Any = d
        try:
            for key in path[:-1]:
                node = node[key]
            if value == "delete":
                del node[path[-1]]
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    try:
        report = report_from_dict(d)
    except ResultError as exc:
        assert str(exc).strip()
        return
    out = io.StringIO()
    render_filler_report(report, file=out, width=100)
    render_terminal(report, file=out, width=100)
    page = render_html(report, audio=None, history=[])
    assert page.count("<script") == 1 and "<img" not in page  # text from the file stays text


@pytest.mark.parametrize("bad", [None, [], "text", 3, {"schema_version": 1}, {"schema_version": 2, "file": "x"}])
def test_results_that_are_not_results(bad):
    with pytest.raises(ResultError):
        check_result(bad)


def test_result_loader_on_files(tmp_path):
    from voicecoach.scoring.result import load_result_file

    good = tmp_path / "r.json"
    good.write_text(json.dumps(BASE))
    assert load_result_file(good)["file"] == "answer.wav"
    two = tmp_path / "two.jsonl"
    two.write_text(json.dumps(BASE) + "\n" + json.dumps(BASE) + "\n")
    with pytest.raises(ResultError, match="holds 2 results"):
        load_result_file(two)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    with pytest.raises(ResultError, match="not valid JSON"):
        load_result_file(deep)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ResultError, match="cannot read it"):
        load_result_file(binary)
