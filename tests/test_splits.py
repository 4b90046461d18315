"""The labelled corpus's frozen test split: what the tests score is held out, and the
fitting scripts cannot read it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks" / "corpus"))

import make_corpus  # noqa: E402


def test_the_files_the_tests_score_are_in_the_frozen_test_split():
    assert all(make_corpus.is_test(name) for name in make_corpus.SUBSET)


def test_a_fitting_script_gets_no_file_of_the_test_split_and_refuses_one():
    names = [f"answer_{i:02d}{v}.truth.json" for i in range(40) for v in ("", "_snr20", "_snr10", "_reverb")]
    kept = make_corpus.fitting_files([Path(n) for n in names])
    assert len(kept) == 30 * 4 and not any(make_corpus.is_test(p.name) for p in kept)
    make_corpus.refuse_test_split(kept)  # no complaint
    with pytest.raises(SystemExit, match="refusing to fit on the frozen test split: answer_07_snr20"):
        make_corpus.refuse_test_split([Path("answer_07_snr20.truth.json")])


def test_fit_relisten_reads_no_file_of_the_test_split(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import fit_relisten

    for i in range(40):
        for v in ("", "_snr20"):
            (tmp_path / f"answer_{i:02d}{v}.truth.json").write_text("{}")
    read = fit_relisten.corpus_files(tmp_path)
    assert len(read) == 60 and not any(make_corpus.is_test(p.name) for p in read)
    assert {make_corpus.answer_index(p.name) for p in read} == set(range(40)) - make_corpus.TEST_ANSWERS
