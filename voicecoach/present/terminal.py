"""Rendering a :class:`~voicecoach.scoring.result.Report` in the terminal (rich), and as JSON.

Everything shown per analyser comes from the analyser itself (its title, score, summary
line, findings and marks; see :mod:`voicecoach.analysers.base`), so a new analyser shows
up here without a change. The filler-word report of ``voicecoach report`` is the fillers
analyser's own view, with the pauses beside it.
"""

from __future__ import annotations

import json
from typing import IO, Any

from ..analysers import Mark
from ..analysers.feedback import FLOOR, floor
from ..core.datatypes import format_mmss
from ..scoring.result import Report, report_to_dict

#: How each kind of mark looks in the transcript; the first that covers a word wins.
MARK_STYLES = {
    "vocal_filler": "bold black on yellow",
    "discourse_filler": "bold black on cyan",
    "repeat": "underline",
}


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), ensure_ascii=False)


def _marks(report: Report) -> list[Mark]:
    return [m for a, result in report.analysers() for m in a.marks(result)]


def word_marks(report: Report) -> list[tuple[Any, str | None]]:
    """(word, the kind of the first styled mark that covers it, or None) for every word."""
    marks = [m for m in _marks(report) if m.kind in MARK_STYLES]
    order = list(MARK_STYLES)
    marks.sort(key=lambda m: order.index(m.kind))
    out = []
    for w in report.transcript.words:
        kind = next((m.kind for m in marks if m.start_s - 1e-3 <= w.start_s and w.end_s <= m.end_s + 1e-3), None)
        out.append((w, kind))
    return out


def long_pauses(report: Report) -> list[Mark]:
    return sorted((m for m in _marks(report) if m.kind == "long_pause"), key=lambda m: m.start_s)


def _transcript_markup(report: Report, *, mark_long_pauses: bool = True) -> Any:
    """The transcript as rich Text: each analyser's marks styled (fillers highlighted,
    repeats underlined) and, optionally, long pauses shown where they fall."""
    from rich.text import Text

    pauses = long_pauses(report) if mark_long_pauses else []
    text = Text()
    for w, kind in word_marks(report):
        while pauses and pauses[0].start_s < w.start_s:
            text.append(f"[{pauses.pop(0).label}] ", style="bold red")
        # a filler found by re-listening is not in Whisper's text: shown in brackets
        text.append(
            f"({w.text.strip()})" if w.source == "acoustic" else w.text.strip(), style=MARK_STYLES.get(kind or "", "")
        )
        text.append(" ")
    return text


LEGEND = "[black on yellow] um [/] vocal filler  [black on cyan] like [/] discourse filler  [underline]word[/] repeated"


def render_terminal(report: Report, *, file: IO[str] | None = None, width: int | None = None) -> None:
    """Print the human-readable report."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel

    console = Console(file=file, width=width, highlight=False, soft_wrap=False)
    title = f"[bold]{escape(report.file)}[/]  ({report.duration_s:.1f} s)"
    if report.question:
        title += f"\nQuestion: {escape(report.question)}"
    console.print(title, markup=True)
    if report.warning or report.scores is None:
        if report.transcript.words:
            console.print(Panel(escape(report.transcript.text), title="Transcript (not scored)"))
        console.print(f"[bold yellow]{escape(report.warning or 'Nothing was scored.')}[/]")
        return
    held = floor(report.results)
    if held:
        console.print(f"[bold red]{escape(held)}[/] The overall score is held at {FLOOR} or below.")
    console.print(Panel(_transcript_markup(report), title="Transcript", subtitle=LEGEND, expand=True))

    _scores_and_tips(console, report, details=True)


def render_scores_and_tips(report: Report, *, file: IO[str] | None = None, width: int | None = None) -> None:
    """The score table and the tips of a report (``report N`` adds them to the filler report)."""
    from rich.console import Console

    if report.scores is None:
        return
    _scores_and_tips(Console(file=file, width=width, highlight=False, soft_wrap=False), report, details=False)


def _scores_and_tips(console: Any, report: Report, *, details: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    s = report.scores
    assert s is not None
    table = Table(title="Scores (0-100)", show_header=True, header_style="bold")
    table.add_column("area")
    table.add_column("score", justify="right")
    table.add_column("measured")
    table.add_row("Overall", f"[bold]{s.overall}[/]", "over what was judged" if s.not_judged else "")
    for a, result in report.analysers():
        score = s.parts.get(a.name)
        why = s.not_judged.get(a.name)
        if why and a.scored:
            table.add_row(a.title, "-", escape(f"not judged: {why}"))
        else:
            table.add_row(a.title, "" if score is None else str(score), escape(a.summary(result)))
    console.print(table)
    left_out = [a.title for a, _ in report.analysers() if a.name in s.not_judged and a.scored]
    if left_out:
        console.print(
            f"[yellow]Not judged: {escape(', '.join(left_out))}.[/] The overall score is the weighted mean of the "
            "other areas."
        )

    for a, result in report.analysers() if details else ():
        found = a.findings(result)
        if not found:
            continue
        console.print(f"[bold]{escape(a.title)}[/]")
        for f in found:
            colour = {True: "green", False: "red"}.get(f.ok, "")  # type: ignore[arg-type]
            text = f"[{colour}]{escape(f.text)}[/]" if colour else escape(f.text)
            quote = (
                f" - {format_mmss(f.evidence[0].start_s)} “{escape(f.evidence[0].quote)}”"
                if f.evidence and f.quote
                else ""
            )
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=12)
            grid.add_column()
            grid.add_row(f"  {escape(f.label)}", f"{text}{quote}")
            console.print(grid)

    console.print("\n[bold]Tips[/]")
    if not report.tips:
        console.print("  Nothing stands out: keep practising with new questions.")
    # a grid, so that a wrapped line stays under its tip instead of restarting at column 0
    tips = Table.grid(padding=(0, 1))
    tips.add_column(width=4, justify="right")
    tips.add_column()
    for i, tip in enumerate(report.tips, 1):
        tips.add_row(f"{i}.", f"{escape(f'[{tip.area}]')} {escape(tip.message)}")
        for ev in tip.evidence:
            tips.add_row("", f"   at {format_mmss(ev.start_s)}: “{escape(ev.quote)}”")
        if tip.more:
            tips.add_row("", f"   and {tip.more} more")
    console.print(tips)


def timeline_strip(events: list[tuple[float, float]], duration_s: float, *, width: int = 60) -> str:
    """One character per time bucket: how many events start in it (" ", ▂, ▄, ▆, █)."""
    counts = [0] * width
    for start, _end in events:
        counts[min(width - 1, int(start / max(duration_s, 1e-9) * width))] += 1
    ramp = " ▂▄▆█"
    return "".join(ramp[min(c, 4)] for c in counts)


def render_filler_report(
    report: Report, *, trend: list[float] | None = None, file: IO[str] | None = None, width: int | None = None
) -> None:
    """The filler-word report of ``voicecoach report`` (``trend``: fillers per minute over
    the last takes of the question, oldest first)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    console = Console(file=file, width=width, highlight=False)
    console.print(f"[bold]{escape(report.file)}[/]  ({report.duration_s:.1f} s)")
    if report.question:
        console.print(f"Question: {escape(report.question)}")
    f = report.results.get("fillers")
    if report.warning or f is None:
        if report.speech_found and report.transcript.words:
            console.print(Panel(escape(report.transcript.text), title="Transcript (not scored)"))
        console.print(escape(report.warning or "This result has no filler analysis: nothing to report."))
        return
    console.print(
        f"\n[bold]Filler words: {f.count}[/] ({f.vocal_count} vocal, {f.discourse_count} discourse), "
        f"{f.per_min:.1f} a minute, {100 * f.share_of_words:.1f}% of words"
    )
    if f.by_type:
        table = Table(show_header=True, header_style="bold", box=None)
        table.add_column("filler")
        table.add_column("times", justify="right")
        table.add_column("when")
        for name, n in f.by_type.items():
            table.add_row(escape(name), str(n), ", ".join(format_mmss(e.start_s) for e in f.events if e.filler == name))
        console.print(table)
        heard = sum(e.source == "acoustic" for e in f.events)
        if heard:
            console.print(
                f"  {heard} of the vocal fillers were found by re-listening to the audio, not in the recogniser's "
                "text: (bracketed) below."
            )

    dur = report.duration_s
    strip_w = 60
    pauses = long_pauses(report)
    console.print("\nWhere they cluster (each column is " + f"{dur / strip_w:.1f} s):")
    console.print(
        "  fillers     |" + timeline_strip([(e.start_s, e.end_s) for e in f.events], dur, width=strip_w) + "|",
        markup=False,
    )
    console.print(
        "  long pauses |" + timeline_strip([(m.start_s, m.end_s) for m in pauses], dur, width=strip_w) + "|",
        markup=False,
    )
    console.print(f"              0:00{' ' * (strip_w - 8)}{format_mmss(dur)}", markup=False)

    console.print(Panel(_transcript_markup(report, mark_long_pauses=False), title="Transcript", subtitle=LEGEND))

    pa = report.results.get("pauses")
    longest = sorted(pa.events, key=lambda e: -e.duration_s)[:5] if pa is not None else []
    if longest:
        console.print("[bold]Longest pauses[/]")
        for e in longest:
            console.print(
                f"  {format_mmss(e.start_s)}  {e.duration_s:.1f} s, {e.position.replace('_', ' ')}, after "
                f'"{escape(e.after_word)}"'
            )
    if trend and len(trend) >= 2:
        console.print(
            f"\n[bold]Fillers per minute over your last {len(trend)} takes[/]: "
            + " ".join(f"{v:.1f}" for v in trend)
            + f"  {sparkline(trend)}"
        )


def sparkline(values: list[float]) -> str:
    """A one-line chart of ``values`` (empty for fewer than two)."""
    ticks = "▁▂▃▄▅▆▇█"
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    return "".join(ticks[int((v - lo) / span * (len(ticks) - 1))] for v in values)


def _fmt(value: float | None, spec: str) -> str:
    if value is None:
        return "-"
    return format(int(round(value)), "d") if spec == "d" else format(value, spec)


def take_status(take: Any) -> str:
    """A take's status for people: a scored take with no speech, or not in English, says so."""
    if take.status != "scored":
        return take.status
    report = take.report or {}
    if report.get("speech_found") is False:
        return "no speech"
    if report.get("english") is False:
        return "unclear"
    return "scored"


def trend_word(
    better: str, first: float, latest: float, spec: str, band: list[float] | None = None, noise: float = 0.0
) -> str:
    """ "better", "worse" or "same" for a figure whose better direction is ``better``
    ("lower", "higher", or "band": nearer ``band``); "" when it has none; "same" within
    the figure's ``noise``."""
    from ..practice.progress import judge_change

    return judge_change(better, first, latest, spec, band, noise)


def render_history(
    takes: list[Any], groups: list[dict[str, Any]], *, by: str = "question", file: IO[str] | None = None
) -> None:
    """The takes as a table (the question's text, the overall score and each analyser's
    primary figure), then per group with two or more scored takes the trend of those
    figures, each said better or worse."""
    import time

    from ..analysers import registered

    def out(line: str = "") -> None:
        print(line, file=file)

    columns = [("overall.score", "overall", "d")]
    for a in registered():
        m = a.primary_metric
        if m is not None:
            columns.append((f"{a.name}.{m.key}", m.label.replace(" score", ""), m.fmt))
    widths = [max(7, len(label)) for _, label, _ in columns]
    out(
        f"{'take':>5}  {'when':<16}  {'question':<34} {'status':<9} {'len s':>6} "
        + " ".join(f"{label:>{w}}" for (_, label, _), w in zip(columns, widths, strict=True))
    )
    for t in takes:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(t.created_at))
        question = t.question_text or t.question_id or "-"
        question = question if len(question) <= 34 else question[:33] + "…"
        values = " ".join(
            f"{_fmt(t.metrics.get(key), spec):>{w}}" for (key, _, spec), w in zip(columns, widths, strict=True)
        )
        out(f"{t.id:>5}  {when:<16}  {question:<34} {take_status(t):<9} {_fmt(t.duration_s, '6.1f'):>6} {values}")
    if groups:
        if by == "category":
            out(
                "\nTrends by category (each question's first -> latest take, averaged over the category's questions "
                "taken twice or more):"
            )
        else:
            out(
                f"\nTrends by {by} (first -> latest over the scored takes; a change within a figure's noise is the "
                "same):"
            )
        shown = [key for key, _, _ in columns]
        for g in groups:
            name = g.get("title") or g[by]
            if g["takes"] < 2:
                out(f"  {name}: 1 take, no trend yet")
                continue
            if by == "category" and not g.get("questions_twice"):
                out(
                    f"  {name} ({g['takes']} takes of {g['questions']} questions): no question taken twice yet, no "
                    "trend"
                )
                continue
            parts = []
            for m in (g["metrics"][k] for k in shown if k in g["metrics"]):
                spec = ".0f" if m["fmt"] == "d" else m["fmt"]
                word = trend_word(m["better"], m["first"], m["latest"], spec, m.get("band"), m.get("noise", 0.0))
                line = (
                    f"{m['label']} {format(m['first'], spec)} -> "
                    f"{format(m['latest'], spec)}{' ' + word if word else ''}"
                )
                parts.append(line if by == "category" else f"{line} {sparkline(m['series'])}".rstrip())
            over = f"{g['takes']} takes"
            if by == "category":
                twice = g["questions_twice"]
                over += f", over {twice} question{'s' if twice != 1 else ''}"
            out(f"  {name} ({over}): " + "; ".join(parts))


def render_batch_summary(summary: dict[str, Any], *, file: IO[str] | None = None) -> None:
    """The end of a batch: counts, the mean and median of each figure, the weakest files."""

    def out(line: str = "") -> None:
        print(line, file=file)

    out(
        f"{summary['files']} files: {summary['ok']} scored, {summary['no_speech']} without speech, "
        f"{summary['not_english']} not English or unclear, {summary['failed']} failed"
    )
    if summary["metrics"]:
        out(f"{'metric':<26}{'mean':>10}{'median':>10}")
        for name, m in summary["metrics"].items():
            out(f"{name:<26}{m['mean']:>10.2f}{m['median']:>10.2f}")
    for w in summary.get("worst", {}).values():
        spec = ".0f" if w["fmt"] == "d" else w["fmt"]
        out(f"{w['label'] + ':':<26}" + "; ".join(f"{f} {format(v, spec)}" for f, v in w["files"]))


def changes_text(title: str, changes: list[Any]) -> Any:
    """``title: figure before -> now verdict; ...``, each verdict in its colour (green
    better, red worse); ``changes`` have ``label``, ``fmt``, ``before``, ``now``, ``verdict``."""
    from rich.text import Text

    colours = {"better": "green", "worse": "red", "same": ""}
    text = Text(title + ": ")
    for i, c in enumerate(changes):
        if i:
            text.append("; ")
        text.append(f"{c.label} {format(c.before, c.fmt)} -> {format(c.now, c.fmt)} ")
        text.append(c.verdict, style=colours.get(c.verdict, ""))
    return text


def render_comparison(
    previous: tuple[Any, list[Any]] | None, best: tuple[Any, list[Any]] | None, *, file: IO[str] | None = None
) -> None:
    """How this take compares with the previous take of the question and the best one:
    each figure before and now, said better or worse in words and colour."""
    from rich.console import Console

    if previous is None and best is None:
        return
    console = Console(file=file, highlight=False, stderr=file is None)

    def line(title: str, changes: list[Any]) -> None:
        console.print(changes_text(title, changes))

    if previous is not None:
        take, changes = previous
        same_as_best = best is not None and best[0].id == take.id
        line(f"Since your last take of this question (#{take.id}{', your best' if same_as_best else ''})", changes)
    if best is not None and (previous is None or best[0].id != previous[0].id):
        take, changes = best
        line(f"Against your best take (#{take.id})", changes)


def render_cohort_summary(d: dict[str, Any], *, title: str, file: IO[str] | None = None) -> None:
    """A cohort (:func:`voicecoach.batch.cohort.describe`): counts, each headline figure's
    median and how many answers sit in its target band, then each question and each
    student."""

    def out(line: str = "") -> None:
        print(line, file=file)

    status = d["status"]

    def n(count: int, what: str) -> str:
        return f"{count} {what}{'' if count == 1 else 's'}"

    out(
        f"{title}: {n(d['answers'], 'answer')} from {n(d['students'], 'student')} on {n(d['questions'], 'question')} "
        f"({status.get('ok', 0)} scored)"
    )
    if d["flags"]:
        out("flagged: " + ", ".join(f"{flag} {n}" for flag, n in d["flags"].items()))
    shown = [f for f in d["figures"] if f["median"] is not None]
    if shown:
        out(f"{'figure':<22}{'median':>8}  in the target band")
        for f in shown:
            band = f["band"]
            spec = f["fmt"]
            where = f"{f['in_band']} of {f['answers']} in {band[0]:{spec}}-{band[1]:{spec}}" if band else ""
            out(f"{f['label']:<22}{f['median']:>8{spec}}  {where}")

    def overall(g: dict[str, Any]) -> str:
        v = g["medians"].get("scores.overall")
        return f"{v:.0f}" if v is not None else "-"

    out()
    out(f"{'question':<52}{'answers':>8}{'overall':>8}{'flagged':>8}")
    for q in d["by_question"]:
        out(f"{_cut(q['title'], 50):<52}{q['answers']:>8}{overall(q):>8}{q['flagged']:>8}")
    out()
    out(f"{'student':<30}{'answers':>8}{'overall':>8}{'vs group':>9}{'flagged':>8}")
    for s in d["by_student"]:
        vs = f"{s['vs_group']:+.0f}" if "vs_group" in s else "-"
        out(f"{_cut(s['title'], 28):<30}{s['answers']:>8}{overall(s):>8}{vs:>9}{s['flagged']:>8}")


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def render_cohort_comparison(c: Any, *, file: IO[str] | None = None) -> None:
    """Two batches of one group (:class:`voicecoach.batch.cohort.Comparison`): who improved,
    who needs attention, and each student's figures that moved beyond their noise."""
    from rich.console import Console
    from rich.text import Text

    console = Console(file=file, highlight=False, stderr=False)
    console.print()
    console.print(Text(f"Since {c.before} ({c.now} against it, answers matched by student and question)"))
    by_key = {m.key: m for m in c.students}
    if not c.students:
        console.print(
            Text(
                "No answer matched: answers are matched by student and question (without a question, by file name)",
                style="red",
            )
        )
    if c.improved:
        lines = []
        for s in c.improved:
            o = by_key[s].get("scores.overall")
            lines.append(f"{s} ({o.before:.0f} -> {o.now:.0f})" if o else s)
        console.print(Text("Improved most: " + "; ".join(lines), style="green"))
    else:
        console.print(Text("Improved most: no one's overall score rose beyond its noise"))
    if c.attention:
        console.print(Text("Needs attention:"))
        for student, why in c.attention:
            console.print(Text(f"  {student}: {why}", style="red"))
    else:
        console.print(Text("Needs attention: no one"))
    for m in c.students:
        moved = [x for x in m.moved if x.verdict != "same"]
        text = changes_text(f"{m.title} ({m.matched} matched)", moved)
        if not moved:
            text.append("no figure moved beyond its noise")
        console.print(text)
    if c.only_before:
        console.print(Text(f"Only in {c.before}: " + ", ".join(c.only_before)))
    if c.only_now:
        console.print(Text(f"Only in {c.now}: " + ", ".join(c.only_now)))
