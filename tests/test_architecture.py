"""The package's import graph: no cycles, counting imports inside functions too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "voicecoach"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                targets = [stem] + [f"{stem}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                if t in modules and t != name:
                    graph[name].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_the_graph_sees_imports():
    graph = import_graph()
    assert "voicecoach.asr.alignment" in graph["voicecoach.asr.transcribe"]
    assert "voicecoach.asr.relisten" in graph["voicecoach.asr.transcribe"]  # an import inside a function counts


def test_no_import_cycles():
    graph = import_graph()
    # the package's __init__ imports nothing heavy and is imported by everything: leave it out
    graph = {k: {m for m in v if m != "voicecoach"} for k, v in graph.items() if k != "voicecoach"}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_public_api_is_complete_and_light():
    import subprocess
    import sys

    import voicecoach

    assert set(voicecoach.__all__) == {"__version__", *voicecoach._EXPORTS}
    for name in voicecoach.__all__:
        assert getattr(voicecoach, name) is not None, name
    code = (
        "import sys, voicecoach; print(sorted(m for m in ('faster_whisper','librosa','ctranslate2','numpy') if m "
        "in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PACKAGE.parent
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.model
def test_the_readme_python_example_runs():
    """The README's example, run as written from the repository root."""
    import re
    import subprocess
    import sys

    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    code = re.search(r"### From Python.*?```python\n(.*?)```", readme, re.S).group(1)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, timeout=300)
    assert out.returncode == 0, out.stderr
    first, *tips = out.stdout.strip().splitlines()
    overall, rate = first.split(" ", 1)
    assert 0 <= int(overall) <= 100 and rate.endswith("fillers a minute")
    assert 1 <= len(tips) <= 3 and all(t.startswith("- ") for t in tips)


#: docs/architecture.md, "Layers": a module may import its own layer or lower ones.
LAYERS = {
    0: {"core"},
    1: {"audio"},
    2: {"asr"},
    3: {"analysers"},
    4: {"settings"},
    5: {"scoring"},
    6: {"practice", "interview", "batch"},
    7: {"present"},
    8: {"web", "cli", "__main__", ""},
}


def _layer(module: str) -> int:
    short = module.removeprefix("voicecoach").removeprefix(".").split(".")[0]
    return next(n for n, names in LAYERS.items() if short in names)


def test_every_module_has_a_layer_in_the_architecture_page():
    """Each package is a layer of the page's table, and each of its modules is named in its row."""
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"`(\w+)/`: [^|;]*", doc)}
    for module in import_graph():
        parts = module.removeprefix("voicecoach").removeprefix(".").split(".")
        _layer(module)
        if len(parts) == 2:  # a module inside a layer package
            assert parts[0] in rows, f"{parts[0]}/ has no row in docs/architecture.md"
            assert f"`{parts[1]}`" in rows[parts[0]], f"{module} is not named in the {parts[0]}/ row"
    flat = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert flat == [], f"modules outside a layer package: {flat}"


def test_no_module_imports_from_a_higher_layer():
    upward = [
        f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)})"
        for m, targets in import_graph().items()
        for t in targets
        if _layer(t) > _layer(m)
    ]
    assert upward == []
