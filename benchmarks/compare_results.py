"""Compare `score --json` results before and after a change, on this machine, in one run.

Transcripts differ between CPUs (CTranslate2 picks an instruction set per machine), so
results are never compared against copies saved elsewhere: this script checks out BEFORE
(a git revision) into a temporary worktree, scores the same files with it and with the
working tree (or AFTER), and reports every difference. Fields that only one side has are
listed as added or removed, not as differences; ``timings_s`` is ignored.

Usage:
  python benchmarks/compare_results.py --before REV [--after REV] [FILES...]   # default: the samples
  python benchmarks/compare_results.py A_DIR B_DIR       # two folders of saved NAME.json results
Exit code 0 when nothing but added fields differ, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IGNORED = {"timings_s"}


def diff(a: Any, b: Any, path: str = "") -> tuple[list[str], list[str], list[str]]:
    """(changed, added in b, removed from a) as dotted paths."""
    changed: list[str] = []
    added: list[str] = []
    removed: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in IGNORED:
                continue
            p = f"{path}.{k}" if path else k
            if k not in a:
                added.append(p)
            elif k not in b:
                removed.append(p)
            else:
                c, ad, rm = diff(a[k], b[k], p)
                changed += c
                added += ad
                removed += rm
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            changed.append(f"{path}: {len(a)} items -> {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            c, ad, rm = diff(x, y, f"{path}[{i}]")
            changed += c
            added += ad
            removed += rm
    elif a != b:
        changed.append(f"{path}: {json.dumps(a)[:60]} -> {json.dumps(b)[:60]}")
    return changed, added, removed


def score_with(tree: Path, files: list[Path], out: Path) -> None:
    """``voicecoach score --json`` of ``files`` with the code in ``tree``, one NAME.json each."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run(
        [sys.executable, "-m", "voicecoach", "score", "--json", *map(str, files)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"scoring with {tree} failed: {proc.stderr.strip()}")
    for line in proc.stdout.splitlines():
        obj = json.loads(line)
        (out / f"{Path(obj['file']).stem}.json").write_text(json.dumps(obj, indent=1, sort_keys=True))


def compare_dirs(a_dir: Path, b_dir: Path) -> int:
    bad = 0
    for a_file in sorted(a_dir.glob("*.json")):
        b_file = b_dir / a_file.name
        if not b_file.exists():
            print(f"{a_file.name}: missing after")
            bad += 1
            continue
        a, b = json.loads(a_file.read_text()), json.loads(b_file.read_text())
        a.pop("file", None), b.pop("file", None)  # the path differs between worktrees
        changed, added, removed = diff(a, b)
        print(f"{a_file.name}: {len(changed)} changed, {len(added)} added, {len(removed)} removed")
        for line in changed[:20]:
            print(f"  changed {line}")
        for line in removed[:20]:
            print(f"  removed {line}")
        if added:
            print(f"  added {', '.join(added[:12])}{' ...' if len(added) > 12 else ''}")
        bad += bool(changed or removed)
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path, help="files to score, or two result folders")
    ap.add_argument("--before", help="git revision scored as the baseline")
    ap.add_argument("--after", help="git revision to compare (default: the working tree)")
    args = ap.parse_args()
    if not args.before:
        if len(args.paths) != 2 or not all(p.is_dir() for p in args.paths):
            ap.error("give --before REV, or two result folders")
        sys.exit(compare_dirs(*args.paths))
    files = [p.resolve() for p in args.paths] or sorted((ROOT / "samples").glob("*.wav"))
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        trees = {}
        for label, rev in (("before", args.before), ("after", args.after)):
            if rev is None:
                trees[label] = ROOT
                continue
            trees[label] = t / f"tree-{label}"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(trees[label]), rev],
                check=True,
                capture_output=True,
            )
        try:
            for label, tree in trees.items():
                print(f"scoring {len(files)} files with {label} ({tree})", file=sys.stderr)
                score_with(tree, files, t / label)
            code = compare_dirs(t / "before", t / "after")
        finally:
            for tree in trees.values():
                if tree != ROOT:
                    subprocess.run(
                        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True
                    )
    sys.exit(code)


if __name__ == "__main__":
    main()
