"""A coach's view of a cohort: the answers of a batch by student and by question, and two
batches of the same group compared.

Everything here reads a batch's results folder (``results.jsonl``, rewritten from the
results store by every batch run, local or on a Dask cluster), never the workers: the
same folder gives the same view however it was scored. Each figure is the overall score
or an analyser's headline figure (:func:`figures`); a change is judged against the
figure's noise, what it moves between two takes of the same answer
(:attr:`~voicecoach.analysers.Metric.noise`), as progress judges a person's own takes.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analysers import Metric
from ..analysers.feedback import GOOD_SCORE, WEAK_SCORE
from ..core.errors import VoicecoachError
from ..core.files import readable
from ..practice.progress import Change, judge_change
from .run import answer_flags, short_names, student_of, summary_columns, top_tips


@dataclass(frozen=True)
class Figure:
    """A figure the cohort view shows: ``column`` as in results.csv (``scores.overall``,
    ``pacing.wpm``), its metric (label, format, better direction, noise)."""

    column: str
    metric: Metric

    @property
    def label(self) -> str:
        return self.metric.label

    @property
    def spec(self) -> str:
        return ".0f" if self.metric.fmt == "d" else self.metric.fmt


def figures() -> list[Figure]:
    """The overall score, then each registered analyser's headline figure."""
    return [Figure(c, m) for c, m in summary_columns()]


def area_columns() -> list[tuple[str, str]]:
    """(``scores.NAME``, title) of each scored area, for the answers table."""
    from ..analysers import registered

    return [(f"scores.{a.name}", a.title) for a in registered() if a.scored]


@dataclass(frozen=True)
class Answer:
    """One row of a batch, as the cohort view uses it. ``values``: column -> number for
    the figures and area scores that were measured; ``band``: column -> (low, high) of the
    target band a figure was judged against (pace); ``shared_name``: no question was
    given and other answers have the same file name (:func:`with_shared_names`)."""

    answer: str
    student: str
    session: str
    file: str
    question: str
    question_id: str
    status: str
    reason: str
    duration_s: float | None
    flags: tuple[str, ...]
    tips: tuple[str, ...]
    report: str
    values: dict[str, float] = field(default_factory=dict)
    band: dict[str, tuple[float, float]] = field(default_factory=dict)
    shared_name: bool = False

    @property
    def question_key(self) -> str:
        """What groups answers to the same question: its bank id, else its text; without
        a question, the file's name when other answers share it (``deadline.wav`` of every
        student), else nothing."""
        if self.question_id or self.question:
            return self.question_id or self.question
        return f"file:{Path(self.answer).name}" if self.shared_name else "(no question)"

    @property
    def question_title(self) -> str:
        """The question as the page and the terminal name it."""
        if self.question:
            return self.question
        return f"{Path(self.answer).name} (no question given)" if self.shared_name else "(no question given)"

    @property
    def overall(self) -> float | None:
        return self.values.get("scores.overall")


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def answer_from_line(obj: dict[str, Any], *, name: str | None = None) -> Answer:
    """An :class:`Answer` from one line of results.jsonl (older lines, without the
    ``answer``, ``student`` or ``status`` fields, are read too)."""
    status = obj.get("status") or (
        "ok"
        if obj.get("speech_found") and obj.get("english", True)
        else "no_speech"
        if obj.get("speech_found") is False
        else "not_english"
        if obj.get("speech_found")
        else "failed"
    )
    result = obj if obj.get("schema_version") else None
    values: dict[str, float] = {}
    band: dict[str, tuple[float, float]] = {}
    if status == "ok":
        for column in [f.column for f in figures()] + [c for c, _ in area_columns()]:
            v = Metric(column, column).value(obj)
            if v is not None:
                values[column] = v
        for f in figures():
            if f.metric.band is not None:
                lo, hi = (Metric(f"{f.column.split('.')[0]}.{k}", k).value(obj) for k in f.metric.band)
                if lo is not None and hi is not None:
                    band[f.column] = (lo, hi)
    file = readable(str(obj.get("file") or ""))
    flags = obj.get("flags")
    return Answer(
        answer=readable(str(obj.get("answer") or name or file)),
        student=readable(str(obj.get("student") or (student_of(file) if file else ""))),
        session=readable(str(obj.get("session") or "")),
        file=file,
        question=readable(str(obj.get("question") or "")),
        question_id=readable(str(obj.get("question_id") or "")),
        status=str(status),
        reason=readable(str(obj.get("reason") or "")),
        duration_s=_number(obj.get("duration_s")),
        flags=tuple(str(x) for x in flags) if isinstance(flags, list) else tuple(answer_flags(status, result)),
        tips=tuple(top_tips(result)),
        report=_safe_report(obj.get("report")),
        values=values,
        band=band,
    )


def _safe_report(link: Any) -> str:
    """A report link as batch writes it (``reports/NAME.html``), or "" for anything else:
    a results file edited by hand cannot put another kind of link on the page."""
    import re

    return link if isinstance(link, str) and re.fullmatch(r"reports/[A-Za-z0-9._-]+\.html", link) else ""


def load_answers(out_dir: Path) -> list[Answer]:
    """The answers of a batch results folder, in the batch's order.

    Raises:
        VoicecoachError: the folder holds no results.jsonl, or a line of it is not JSON.
    """
    path = Path(out_dir) / "results.jsonl"
    if not Path(out_dir).is_dir():
        raise VoicecoachError(f"{readable(out_dir)}: no such folder; give the --out folder of a `voicecoach batch` run")
    if not path.is_file():
        raise VoicecoachError(
            f"{readable(out_dir)}: no results.jsonl in this folder; give the --out folder of a `voicecoach batch` run"
        )
    lines = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VoicecoachError(f"{readable(path)}: cannot read it ({exc})") from exc
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise VoicecoachError(f"{readable(path)}, line {n}: not JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise VoicecoachError(f"{readable(path)}, line {n}: expected a JSON object")
        lines.append(obj)
    names = short_names([readable(str(o.get("file") or "")) for o in lines])
    answers = [answer_from_line(o, name=names.get(readable(str(o.get("file") or "")))) for o in lines]
    return with_shared_names(answers)


def with_shared_names(answers: list[Answer]) -> list[Answer]:
    """``answers``, those without a question marked when another such answer has the same
    file name (so that ``deadline.wav`` of every student groups as one question)."""
    import dataclasses
    from collections import Counter

    bare = Counter(Path(a.answer).name for a in answers if not (a.question_id or a.question))
    shared = {n for n, count in bare.items() if count > 1}
    return [
        dataclasses.replace(a, shared_name=True)
        if not (a.question_id or a.question) and Path(a.answer).name in shared
        else a
        for a in answers
    ]


def _median(values: Iterable[float]) -> float | None:
    got = list(values)
    return statistics.median(got) if got else None


def target_band(figure: Figure, answers: list[Answer]) -> tuple[float, float] | None:
    """The band a figure should sit in, for the distribution: a score's good range
    (:data:`GOOD_SCORE` to 100), a figure's own target band (pace: the answers' target
    wpm), fillers a minute up to where the filler score is still good, and a pause ratio
    up to what costs nothing."""
    if figure.column.startswith("scores."):
        return (GOOD_SCORE, 100.0)
    if figure.metric.band is not None:
        bands = [a.band[figure.column] for a in answers if figure.column in a.band]
        if not bands:
            return None
        return (statistics.median(b[0] for b in bands), statistics.median(b[1] for b in bands))
    if figure.column == "fillers.per_min":
        from ..analysers.fillers import Scoring

        s = Scoring()
        # the score is 100 h / (h + extra): it is GOOD_SCORE at extra = h (100 / GOOD_SCORE - 1)
        return (0.0, s.free_per_min + s.half_points_extra_per_min * (100 / GOOD_SCORE - 1))
    if figure.column == "pauses.pause_ratio":
        from ..analysers.pauses import Scoring as PauseScoring

        return (0.0, PauseScoring().free_ratio)
    return None


@dataclass(frozen=True)
class Group:
    """Answers grouped by a student or a question: ``medians``: column -> median over the
    scored answers; ``flagged``: how many carry a flag."""

    key: str
    title: str
    answers: list[Answer]
    medians: dict[str, float]
    flagged: int
    vs_group: float | None = None  # a student's mean overall minus each question's group median

    @property
    def scored(self) -> int:
        return sum(a.status == "ok" for a in self.answers)


def _medians(answers: list[Answer], columns: list[str]) -> dict[str, float]:
    out = {}
    for c in columns:
        m = _median(a.values[c] for a in answers if c in a.values)
        if m is not None:
            out[c] = m
    return out


def by_question(answers: list[Answer]) -> list[Group]:
    """How the group did on each question, in the order questions first appear."""
    columns = [f.column for f in figures()] + [c for c, _ in area_columns()]
    groups: dict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        groups[a.question_key].append(a)
    return [
        Group(k, g[0].question_title, g, _medians(g, columns), sum(bool(a.flags) for a in g)) for k, g in groups.items()
    ]


def by_student(answers: list[Answer], *, questions: list[Group] | None = None) -> list[Group]:
    """Each student's answers, with how far their overall score sits from the group's
    median on the same questions (``vs_group``: the mean of answer minus question median;
    ``questions``: :func:`by_question` of ``answers``, when already made)."""
    columns = [f.column for f in figures()] + [c for c, _ in area_columns()]
    questions = by_question(answers) if questions is None else questions
    question_median = {q.key: q.medians.get("scores.overall") for q in questions}
    groups: dict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        groups[a.student].append(a)
    out = []
    for k, g in sorted(groups.items(), key=lambda kv: kv[0].casefold()):
        diffs = [
            a.overall - question_median[a.question_key]  # type: ignore[operator]
            for a in g
            if a.overall is not None and question_median.get(a.question_key) is not None
        ]
        out.append(
            Group(
                k,
                k or "(no student)",
                g,
                _medians(g, columns),
                sum(bool(a.flags) for a in g),
                statistics.fmean(diffs) if diffs else None,
            )
        )
    return out


def describe(
    answers: list[Answer], *, questions: list[Group] | None = None, students: list[Group] | None = None
) -> dict[str, Any]:
    """The cohort in numbers, as ``voicecoach cohort --json`` prints it: counts, each
    figure's median and band, per question and per student (``questions``, ``students``:
    :func:`by_question` and :func:`by_student` of ``answers``, when already made)."""
    questions = by_question(answers) if questions is None else questions
    students = by_student(answers, questions=questions) if students is None else students
    status: dict[str, int] = defaultdict(int)
    for a in answers:
        status[a.status] += 1
    out_figures = []
    for f in figures():
        vals = [a.values[f.column] for a in answers if f.column in a.values]
        band = target_band(f, answers)
        out_figures.append(
            {
                "column": f.column,
                "label": f.label,
                "fmt": f.spec,
                "better": f.metric.better,
                "median": _median(vals),
                "band": list(band) if band else None,
                "in_band": sum(band[0] <= v <= band[1] for v in vals) if band else None,
                "answers": len(vals),
            }
        )

    def group(g: Group) -> dict[str, Any]:
        return {
            "key": g.key,
            "title": g.title,
            "answers": len(g.answers),
            "scored": g.scored,
            "flagged": g.flagged,
            "medians": g.medians,
            **({"vs_group": g.vs_group} if g.vs_group is not None else {}),
        }

    return {
        "answers": len(answers),
        "students": len({a.student for a in answers}),
        "questions": len({a.question_key for a in answers}),
        "status": dict(status),
        "flags": {
            flag: sum(flag in a.flags for a in answers) for flag in sorted({x for a in answers for x in a.flags})
        },
        "figures": out_figures,
        "by_question": [group(g) for g in questions],
        "by_student": [group(g) for g in students],
    }


# ---------------------------------------------------------------- two sessions compared
@dataclass(frozen=True)
class Movement:
    """A student (or a question) across two batches: how many answers were matched and
    how each figure moved (a :class:`~voicecoach.practice.progress.Change` keyed by its
    column, ``before`` and ``now`` the means over the matched answers)."""

    key: str
    title: str
    matched: int
    moved: list[Change]

    def get(self, column: str) -> Change | None:
        return next((m for m in self.moved if m.key == column), None)

    @property
    def better(self) -> list[Change]:
        return [m for m in self.moved if m.verdict == "better"]

    @property
    def worse(self) -> list[Change]:
        return [m for m in self.moved if m.verdict == "worse"]


@dataclass(frozen=True)
class Comparison:
    """Two batches of the same group: ``students`` and ``questions`` matched in both;
    ``improved``: students whose overall score rose beyond its noise, most first;
    ``attention``: (student, why) for who needs help now; ``only_before`` and
    ``only_now``: students in one batch only."""

    before: str
    now: str
    students: list[Movement]
    questions: list[Movement]
    improved: list[str]
    attention: list[tuple[str, str]]
    only_before: list[str]
    only_now: list[str]


def _movement(key: str, title: str, pairs: list[tuple[Answer, Answer]]) -> Movement:
    moved = []
    for f in figures():
        both = [
            (a.values[f.column], b.values[f.column]) for a, b in pairs if f.column in a.values and f.column in b.values
        ]
        if not both:
            continue
        before = statistics.fmean(x for x, _ in both)
        now = statistics.fmean(y for _, y in both)
        band = None
        if f.metric.better == "band":
            bands = [b.band[f.column] for _, b in pairs if f.column in b.band]
            if not bands:
                continue
            band = [statistics.median(x[0] for x in bands), statistics.median(x[1] for x in bands)]
        verdict = judge_change(f.metric.better, before, now, f.spec, band, f.metric.noise) or "same"
        moved.append(Change(f.column, f.label, f.spec, before, now, verdict))
    return Movement(key, title, len(pairs), moved)


def match_key(a: Answer) -> str:
    """What an answer is matched on in another batch, beside its student: the question
    (its bank id, else its text) when one was given, else the file's name."""
    if a.question_id or a.question:
        return a.question_key
    return "file:" + Path(a.answer).name


def compare_cohorts(
    before: list[Answer], now: list[Answer], *, names: tuple[str, str] = ("before", "now")
) -> Comparison:
    """Two batches of the same group, matched answer by answer on the student and the
    question (:func:`match_key`); where a student answered a question more than once in
    a batch, their last answer counts. A figure moved when the mean over the matched
    answers changed by more than the figure's noise for one take. A student needs
    attention when their overall score fell beyond its noise (with the figures that fell),
    their median overall is under :data:`WEAK_SCORE`, or their answers now carry flags."""

    def index(answers: list[Answer]) -> dict[tuple[str, str], Answer]:
        return {(a.student, match_key(a)): a for a in answers if a.status == "ok"}

    old, new = index(before), index(now)
    matched = sorted(set(old) & set(new), key=lambda k: (k[0].casefold(), k[1]))
    per_student: dict[str, list[tuple[Answer, Answer]]] = defaultdict(list)
    per_question: dict[str, list[tuple[Answer, Answer]]] = defaultdict(list)
    for k in matched:
        per_student[k[0]].append((old[k], new[k]))
        per_question[old[k].question_key].append((old[k], new[k]))
    students = [_movement(s, s or "(no student)", p) for s, p in per_student.items()]
    questions = [_movement(q, p[0][1].question_title, p) for q, p in per_question.items()]

    def overall(m: Movement) -> Change | None:
        return m.get("scores.overall")

    improved = [
        m.key
        for m in sorted(students, key=lambda m: -(overall(m).change if overall(m) else 0.0))  # type: ignore[union-attr]
        if (o := overall(m)) is not None and o.verdict == "better"
    ]
    attention: list[tuple[str, str]] = []
    latest: dict[str, list[Answer]] = defaultdict(list)
    for a in now:
        latest[a.student].append(a)
    for student in sorted(latest, key=str.casefold):
        why = []
        m = next((x for x in students if x.key == student), None)
        if m is not None and (o := overall(m)) is not None and o.verdict == "worse":
            why.append(f"overall score fell {format(o.before, o.fmt)} -> {format(o.now, o.fmt)}")
            why += [f"{x.label} worse" for x in m.worse if x.key != "scores.overall"]
        scores = [a.overall for a in latest[student] if a.overall is not None]
        if scores and statistics.median(scores) < WEAK_SCORE:
            why.append(f"median overall {statistics.median(scores):.0f}, under {WEAK_SCORE}")
        flagged = sorted({f for a in latest[student] for f in a.flags if f != "not judged"})
        if flagged:
            why.append("flagged: " + ", ".join(flagged))
        if why:
            attention.append((student, "; ".join(why)))
    students_before = {a.student for a in before}
    students_now = {a.student for a in now}
    return Comparison(
        names[0],
        names[1],
        students,
        questions,
        improved,
        attention,
        sorted(students_before - students_now, key=str.casefold),
        sorted(students_now - students_before, key=str.casefold),
    )


def comparison_to_dict(c: Comparison) -> dict[str, Any]:
    """The comparison as ``voicecoach cohort OLD NEW --json`` prints it."""

    def movement(m: Movement) -> dict[str, Any]:
        return {
            "key": m.key,
            "title": m.title,
            "matched_answers": m.matched,
            "figures": {
                x.key: {"label": x.label, "before": x.before, "now": x.now, "change": x.change, "verdict": x.verdict}
                for x in m.moved
            },
        }

    return {
        "before": c.before,
        "now": c.now,
        "improved": c.improved,
        "attention": [{"student": s, "why": why} for s, why in c.attention],
        "students": [movement(m) for m in c.students],
        "questions": [movement(m) for m in c.questions],
        "only_before": c.only_before,
        "only_now": c.only_now,
    }
