"""The content analysis against the hand-labelled answers of benchmarks/content/ (rules in
LABELLING.md): the set is well formed, a fixed part of it stays above a floor a little
below what was measured, and the cases issue 14 reported read right."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers import audio_for, transcript_of
from voicecoach.analysers import structure
from voicecoach.analysers.context import AnswerContext
from voicecoach.core.questions import load_bank
from voicecoach.settings.config import Settings

CONTENT = Path(__file__).resolve().parents[1] / "benchmarks" / "content"
sys.path.insert(0, str(CONTENT))
from dataset import PARTS, load, load_all, load_probes  # noqa: E402
from evaluate import evaluate, fit_weights, star_judged  # noqa: E402

BANK = {q.id: q for q in load_bank(include_user_dir=False)}


@pytest.fixture(scope="module")
def answers():
    return load_all()


def test_the_labelled_set_covers_what_the_issue_asks(answers):
    clean, noisy = answers
    assert len(clean) >= 80 and len(noisy) >= 40
    assert {BANK[a.question].category for a in clean} == {
        q.category for q in BANK.values()
    }  # every category of the bank
    assert sum(a.star for a in clean) >= 30
    # strong and weak, closes on a handover or a lesson, no result, a different question
    assert sum(not a.clear_close for a in clean) >= 15 and sum(not a.direct_opening for a in clean) >= 8
    assert any("handed off" in a.text and a.clear_close for a in clean)
    assert any(a.star and not any("R" in labels for labels, _ in a.sentences) for a in clean)
    assert any(BANK[a.question].category == "behavioural" and not a.star for a in clean)


def test_every_label_is_well_formed(answers):
    clean, noisy = answers
    for a in clean + noisy:
        q = BANK[a.question]
        assert all(1 <= n <= len(q.covers) for n in a.covers), a.id
        assert all(set(labels) <= set(PARTS) for labels, _ in a.sentences), a.id
        if not a.star:
            assert not any(labels for labels, _ in a.sentences), f"{a.id}: STAR labels on an answer that tells no story"
    originals = {a.id: a for a in clean}
    for copy in noisy:
        original = originals[copy.id.removesuffix("-asr")]
        assert [lab for lab, _ in copy.sentences] == [lab for lab, _ in original.sentences]
        assert (copy.covers, copy.direct_opening, copy.clear_close, copy.star) == (
            original.covers,
            original.direct_opening,
            original.clear_close,
            original.star,
        )
    assert sum(any(copy.joined) for copy in noisy) >= len(noisy) // 2, "lost sentence ends are part of the errors"


def test_the_copies_with_errors_are_what_the_generator_writes(tmp_path, monkeypatch):
    import make_asr_copies

    monkeypatch.setattr(make_asr_copies, "HERE", tmp_path)
    for name in ("answers.txt", "followup_answers.txt"):
        (tmp_path / name).write_text((CONTENT / name).read_text(encoding="utf-8"), encoding="utf-8")
    make_asr_copies.main()
    for name in ("answers_asr.txt", "followup_answers_asr.txt"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (CONTENT / name).read_text(encoding="utf-8"), name


def test_the_shipped_weights_are_what_fitting_the_labelled_set_gives(answers):
    """Fitted on the development part only (the test part is never fitted on)."""
    clean, noisy = answers
    weights, _ = fit_weights([a for a in clean + noisy if star_judged(a) and a.part == "dev"])
    shipped = json.loads(
        (Path(structure.__file__).parents[1] / "data" / "star_weights.json").read_text(encoding="utf-8")
    )["weights"]
    for part, w in weights.items():
        for name in set(w) | set(shipped[part]):
            assert w.get(name, 0.0) == pytest.approx(shipped[part].get(name, 0.0), abs=2e-3), (part, name)


def test_a_fixed_part_of_the_set_stays_above_its_floor(answers):
    """The test part (44 clean answers, 24 with errors), never fitted on, scored with the
    shipped weights. Measured held out: STAR part F1 0.67-0.91 clean (result 0.67), 0.72-1.00
    with errors; covered points 0.81 / 0.80; opening 0.98 / 1.00; close 0.82 / 0.83."""
    clean, noisy = answers
    for subset in ([a for a in clean if a.part == "test"], [a for a in noisy if a.part == "test"]):
        s = evaluate(subset)
        assert s.answers >= 20
        for part, counts in s.parts.items():
            assert counts.f1 >= 0.60, (part, counts)
        assert s.covers.f1 >= 0.75
        assert s.opening_accuracy >= 0.92 and s.close_accuracy >= 0.75


def _structure(text: str, question_id: str) -> tuple[structure.StructureResult, list[str]]:
    q = BANK[question_id]
    t = transcript_of(text)
    result = structure.analyse(t, audio_for(t), context=Settings().context(q))
    return result, [w.text for w in t.words]


def _parts_of(found: tuple[structure.StructureResult, list[str]], phrase: str) -> tuple[str, ...]:
    s, words = found
    for u in s.units:
        if phrase.lower() in " ".join(words[u.first_word : u.last_word + 1]).lower():
            return u.parts
    raise AssertionError(f"no unit holds {phrase!r}")


def test_what_issue_14_saw_now_reads_right():
    found = _structure(
        "Last spring our release process took a whole day and only I knew how to run it. "
        "My job was to make the team independent of me before my parental leave. "
        "So I wrote a checklist, and I paired with a different teammate on every release. "
        "Last quarter I handed off the full release process, and the team shipped it on time without me.",
        "beh-deadline",
    )
    s = found[0]
    assert s.clear_ending, s.ending_note
    assert "task" in _parts_of(found, "My job was to") and "action" not in _parts_of(found, "My job was to")
    assert "situation" in _parts_of(found, "Last spring") and "task" not in _parts_of(found, "Last spring")
    assert "result" in _parts_of(found, "handed off")
    assert {c.point: c.covered for c in s.covers}["the outcome"]
    # "as a result" heard as "and a remote": the outcome is still found
    found = _structure(
        "I rebuilt the export job over two weeks. And a remote the export now takes five minutes instead of an hour.",
        "beh-deadline",
    )
    assert "result" in _parts_of(found, "five minutes") and found[0].clear_ending


def test_a_trailing_close_and_a_stalling_opening_are_caught():
    s, _ = _structure(
        "Um, that's a tough one, let me think. I guess we had a project once and it went okay, so yeah.", "beh-deadline"
    )
    assert not s.direct_opening and not s.clear_ending
    assert s.ending_note == "trails off" and s.opening_note.startswith("stalls")
    s, _ = _structure(
        "Um, yeah, so, I was working in a phone shop when a customer came in angry. I calmed him down and fixed his "
        "bill.",
        "beh-difficult-customer",
    )
    assert s.direct_opening, "fillers before the content are counted as fillers, not judged twice"


def test_labels_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "a.txt"
    bad.write_text("=== x\nq: beh-deadline\nopen: direct\nclose: clear\ncovers: 1\nstar: yes\nQ: a sentence.\n")
    with pytest.raises(ValueError, match=r"a.txt:7: expected 'LABELS: sentence'"):
        load(bad)


def test_units_cover_every_word_when_whisper_cut_a_word_into_pieces():
    """Word pieces ("one", "-to", "-one") join into one token of the sentence's text; the
    units must still span the sentence's words, the last one included."""
    from voicecoach.core.datatypes import Transcript, Word

    texts = ["Last", "year", "I", "ran", "a", "one", "-to", "-one", "check", "-in", "with", "each", "client."]
    words = tuple(Word(t, 0.4 * i, 0.4 * i + 0.3, 0.9) for i, t in enumerate(texts))
    t = Transcript(words, duration_s=6.0, language="en")
    s = structure.analyse(t, audio_for(t), context=AnswerContext())
    assert [(u.first_word, u.last_word) for u in s.units] == [(0, len(texts) - 1)]
    assert s.star[0].evidence == () or s.star[0].evidence[0].quote.endswith("with each client.")


def _story_labels() -> dict[str, dict[str, str]]:
    out = {}
    for line in (CONTENT / "followups.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            answer_id, _, rest = line.partition(": ")
            values = rest.split()
            out[answer_id] = dict(zip(values[::2], values[1::2], strict=True))
    return out


def test_every_story_has_its_own_part_and_shown_result_labelled(answers):
    """followups.txt (LABELLING.md, the issue 27 amendment) labels every story, and only
    stories; ``shown`` is ``-`` where no sentence is a result."""
    labels = _story_labels()
    clean = answers[0] + load_probes()[0]
    stories = {a.id: a for a in clean if a.star}
    assert set(labels) == set(stories)
    for answer_id, values in labels.items():
        assert values["own"] in ("yes", "no") and values["shown"] in ("yes", "no", "-"), answer_id
        has_result = any("R" in parts for parts, _ in stories[answer_id].sentences)
        assert (values["shown"] != "-") <= has_result, answer_id
    assert sum(v["own"] == "no" for v in labels.values()) >= 8


def test_a_story_told_as_the_speakers_own_is_never_asked_what_they_did_themselves(answers):
    """The rule under the ``own`` follow-up, on every labelled story and its copy with
    transcription errors: a story in which the speaker acts (label ``own yes``) is always
    found to (a follow-up must never ask for what was said), and most that own nothing
    are found as such."""
    from voicecoach.interview.followups import own_action

    labels = _story_labels()
    probes, noisy_probes = load_probes()
    every = [a for a in answers[0] + answers[1] + probes + noisy_probes if a.base_id in labels]
    plain = [(a, [text.replace("{", "").replace("}", "") for _, text in a.sentences]) for a in every]
    wrong = [a.id for a, sentences in plain if labels[a.base_id]["own"] == "yes" and not own_action(sentences)]
    assert wrong == []
    owning_nothing = [(a, s) for a, s in plain if labels[a.base_id]["own"] == "no"]
    found = [a.id for a, sentences in owning_nothing if not own_action(sentences)]
    assert len(found) >= 0.75 * len(owning_nothing), found


def test_the_interviewer_asks_a_we_story_what_the_speaker_did():
    """Analysed as an answer is (the STAR model, the relevance check), a story told only as
    "we" gets the ``own`` follow-up; the same story with the speaker's own steps gets none
    of it."""
    from voicecoach.interview.followups import choose, wanted

    question = BANK["beh-teamwork"]
    we = (
        "Last year at work our team had to move the company accounts to a new system before the audit. "
        "We mapped every account first, and we moved them in batches over three weekends. "
        "We checked each batch against the old system before we started the next one. "
        "The audit found no errors, and the auditors used our checklist as an example for other firms."
    )
    mine = we.replace("We mapped every account first, and we moved", "I mapped every account first, and I moved")
    settings = Settings()
    for text, asked in ((we, True), (mine, False)):
        transcript = transcript_of(text)
        s = structure.analyse(transcript, audio_for(transcript), context=settings.context(question))
        sentences = [x.text for x in transcript.sentences]
        fired = [t for t, _ in wanted(s, sentences)]
        assert ("own" in fired) is asked, (text, fired)
        if asked:
            fu = choose(s, sentences)
            assert fu is not None and fu.trigger == "own" and fu.text.endswith("?")
