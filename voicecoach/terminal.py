"""Rendering a :class:`~voicecoach.pipeline.Report`: the terminal report (rich) and JSON."""

from __future__ import annotations

import json
from typing import IO, Any

from .datatypes import format_mmss
from .pipeline import Report, report_to_dict


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), ensure_ascii=False)


def _transcript_markup(d: dict[str, Any], *, mark_long_pauses: bool = True) -> Any:
    """The transcript as rich Text: vocal fillers yellow, discourse fillers cyan, and
    (optionally) long pauses marked where they fall."""
    from rich.text import Text

    fillers = d["fillers"]["events"]
    vocal = {round(e["start_s"], 3) for e in fillers if e["kind"] == "vocal"}
    discourse = [(e["start_s"], e["end_s"]) for e in fillers if e["kind"] == "discourse"]
    pauses = sorted((p for p in d["pauses"]["events"] if p["long"]), key=lambda p: p["start_s"]) if mark_long_pauses else []
    text = Text()
    for w in d["transcript"]["words"]:
        while pauses and pauses[0]["start_s"] < w["start_s"]:
            text.append(f"[{pauses.pop(0)['duration_s']:.1f}s pause] ", style="bold red")
        if round(w["start_s"], 3) in vocal:
            style = "bold black on yellow"
        elif any(s <= w["start_s"] and w["end_s"] <= e + 1e-6 for s, e in discourse):
            style = "bold black on cyan"
        else:
            style = ""
        # a filler found by re-listening is not in Whisper's text: shown in brackets
        text.append(f"({w['text']})" if w.get("source") == "acoustic" else w["text"], style=style)
        text.append(" ")
    return text


def render_terminal(report: Report, *, file: IO[str] | None = None, width: int | None = None) -> None:
    """Print the human-readable report."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    console = Console(file=file, width=width, highlight=False, soft_wrap=False)
    title = f"[bold]{escape(report.file)}[/]  ({report.duration_s:.1f} s)"
    if report.question:
        title += f"\nQuestion: {escape(report.question)}"
    console.print(title, markup=True)
    if report.warning:
        if report.transcript.words:
            console.print(Panel(escape(report.transcript.text), title="Transcript (not scored)"))
        console.print(f"[bold yellow]{escape(report.warning)}[/]")
        return
    s = report.scores
    assert s is not None  # set whenever speech_found
    r = report.results
    p, f, pa, st, d = r["pacing"], r["fillers"], r["pauses"], r["structure"], r["delivery"]

    console.print(
        Panel(
            _transcript_markup(report_to_dict(report)),
            title="Transcript",
            subtitle="[black on yellow] um [/] vocal filler  [black on cyan] like [/] discourse filler",
            expand=True,
        )
    )

    table = Table(title="Scores", show_header=True, header_style="bold")
    table.add_column("area")
    table.add_column("score", justify="right")
    table.add_column("measured")
    table.add_row("Overall", f"[bold]{s.overall}[/]", "")
    table.add_row("Pacing", str(s.pacing), f"{p.wpm:.0f} wpm (target {p.target_min_wpm:.0f}-{p.target_max_wpm:.0f}), articulation {p.articulation_wpm:.0f} wpm")
    by_type = ", ".join(f"{k} {v}" for k, v in f.by_type.items()) or "none"
    table.add_row(
        "Fillers",
        str(s.fillers),
        f"{f.count} ({f.vocal_count} vocal, {f.discourse_count} discourse), {f.per_min:.1f}/min, {100 * f.share_of_words:.1f}% of words: {by_type}",
    )
    table.add_row(
        "Pauses",
        str(s.pauses),
        f"{pa.count} pauses, {pa.long_count} long (>= {pa.long_pause_s:g} s), longest {pa.longest_s:.1f} s, pause ratio {100 * pa.pause_ratio:.0f}%, first word after {pa.time_to_first_word_s:.1f} s",
    )
    star = " ".join(("[green]" if x.present else "[red]") + x.part[0].upper() + "[/]" for x in st.star) if st.star_applies else "n/a"
    table.add_row(
        "Structure",
        str(s.structure),
        f"{st.length_s:.0f} s / {st.words} words ({st.length_verdict}; {st.recommended_min_s:.0f}-{st.recommended_max_s:.0f} s), STAR {star}",
    )
    table.add_row(
        "Delivery", "", f"pitch spread {d.pitch_spread_st:.1f} st{' (monotone)' if d.monotone else ''}, loudness spread {d.loudness_spread_db:.1f} dB"
    )
    console.print(table)

    if st.star_applies:
        for part in st.star:
            quote = f' - {format_mmss(part.evidence[0].start_s)} "{escape(part.evidence[0].quote)}"' if part.evidence else ""
            mark = "[green]yes[/]" if part.present else "[red]missing[/]"
            console.print(f"  {part.part:<9} {mark}{quote}")
    console.print(f"  opening: {st.opening_note}; close: {st.ending_note}")
    if st.hedges:
        console.print("  hedges: " + escape(", ".join(f'"{h.text}" x{h.count}' for h in st.hedges)))

    console.print("\n[bold]Tips[/]")
    if not report.tips:
        console.print("  Nothing stands out: keep practising with new questions.")
    for i, tip in enumerate(report.tips, 1):
        console.print(f"  {i}. {escape(f'[{tip.area}]')} {escape(tip.message)}")
        for ev in tip.evidence:
            console.print(f'       at {format_mmss(ev.start_s)}: "{escape(ev.quote)}"')


def timeline_strip(events: list[tuple[float, float]], duration_s: float, *, width: int = 60) -> str:
    """One character per time bucket: how many events start in it (" ", ▂, ▄, ▆, █)."""
    counts = [0] * width
    for start, _end in events:
        counts[min(width - 1, int(start / max(duration_s, 1e-9) * width))] += 1
    ramp = " ▂▄▆█"
    return "".join(ramp[min(c, 4)] for c in counts)


def render_filler_report(d: dict[str, Any], *, trend: list[dict[str, Any]] | None = None, file: IO[str] | None = None, width: int | None = None) -> None:
    """The filler-word report of ``voicecoach report`` from a ``score --json`` object."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    console = Console(file=file, width=width, highlight=False)
    console.print(f"[bold]{escape(d['file'])}[/]  ({d['duration_s']:.1f} s)")
    if d.get("question"):
        console.print(f"Question: {escape(d['question'])}")
    if not d.get("speech_found") or d.get("english") is False:
        if d.get("speech_found"):
            console.print(Panel(escape(str(d.get("transcript", {}).get("text", ""))), title="Transcript (not scored)"))
        console.print(escape(str(d.get("warning") or "No speech was found in this recording: nothing to report.")))
        return
    f, pa = d["fillers"], d["pauses"]
    console.print(
        f"\n[bold]Filler words: {f['count']}[/] ({f['vocal_count']} vocal, {f['discourse_count']} discourse), "
        f"{f['per_min']:.1f} a minute, {100 * f['share_of_words']:.1f}% of words"
    )
    if f["by_type"]:
        table = Table(show_header=True, header_style="bold", box=None)
        table.add_column("filler")
        table.add_column("times", justify="right")
        table.add_column("when")
        for name, n in f["by_type"].items():
            times = ", ".join(format_mmss(e["start_s"]) for e in f["events"] if e["filler"] == name)
            table.add_row(escape(name), str(n), times)
        console.print(table)
        heard = sum(e.get("source") == "acoustic" for e in f["events"])
        if heard:
            console.print(f"  {heard} of the vocal fillers were found by re-listening to the audio, not in the recogniser's text: (bracketed) below.")

    dur = d["duration_s"]
    strip_w = 60
    console.print("\nWhere they cluster (each column is " + f"{dur / strip_w:.1f} s):")
    console.print("  fillers     |" + timeline_strip([(e["start_s"], e["end_s"]) for e in f["events"]], dur, width=strip_w) + "|", markup=False)
    console.print("  long pauses |" + timeline_strip([(e["start_s"], e["end_s"]) for e in pa["events"] if e["long"]], dur, width=strip_w) + "|", markup=False)
    console.print(f"              0:00{' ' * (strip_w - 8)}{format_mmss(dur)}", markup=False)

    text = _transcript_markup(d, mark_long_pauses=False)
    console.print(Panel(text, title="Transcript", subtitle="[black on yellow] um [/] vocal  [black on cyan] like [/] discourse"))

    longest = sorted(pa["events"], key=lambda e: -e["duration_s"])[:5]
    if longest:
        console.print("[bold]Longest pauses[/]")
        for e in longest:
            console.print(f'  {format_mmss(e["start_s"])}  {e["duration_s"]:.1f} s, {e["position"].replace("_", " ")}, after "{escape(e["after_word"])}"')
    if trend:
        values = [t["fillers_per_min"] for t in trend if t.get("fillers_per_min") is not None]
        if values:
            console.print(
                f"\n[bold]Fillers per minute over your last {len(values)} takes[/]: " + " ".join(f"{v:.1f}" for v in values) + f"  {sparkline(values)}"
            )


def sparkline(values: list[float]) -> str:
    """A one-line chart of ``values`` (empty for fewer than two)."""
    ticks = "▁▂▃▄▅▆▇█"
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    return "".join(ticks[int((v - lo) / span * (len(ticks) - 1))] for v in values)
