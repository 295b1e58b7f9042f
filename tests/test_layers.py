"""The layers of partita import one way: a lower layer never imports a higher one, and no module imports
itself back through others (read from the source, so an import inside a function counts too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "partita"
LAYERS = (
    "atomic",
    "progress",
    "engines",
    "paths",
    "score",
    "audio",
    "picture",
    "lyrics",
    "corpus",
    "analysis",
    "tokens",
    "models",
    "training",
    "generation",
    "evaluation",
    "discovery",
    "render",
    "pipelines",
    "cli",
    "web",
)
"""Lowest first. ``audio``, ``picture`` and ``lyrics`` are inputs beside score I/O (audio is transcribed into
a Score, a picture read into features, lyrics into syllables). ``discovery`` (search, the index) sits on
evaluation. ``training`` and ``generation`` are siblings (neither imports the other); ``cli`` and ``web`` are
the skins."""
SIBLINGS = {("cli", "web")}  # `partita serve` starts the studio
RANK = {name: i for i, name in enumerate(LAYERS)}


def _imports(path: Path, module_level_only: bool = False) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if module_level_only else ast.walk(tree)
    out = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("partita."):
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("partita.")]
    return out


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


FILES = sorted(p for p in SRC.rglob("*.py") if p.name != "__init__.py" or p.parent != SRC)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_lower_layer_imports_a_higher_one(path):
    layer = path.relative_to(SRC).parts[0].removesuffix(".py")
    wrong = []
    for line, module in _imports(path):
        target = module.split(".")[1]
        if target == layer or (layer, target) in SIBLINGS or target not in RANK:
            continue
        if RANK[target] > RANK[layer] or {layer, target} == {"training", "generation"}:
            wrong.append(f"line {line}: {module}")
    assert not wrong, f"{layer} imports a higher layer: {wrong}"


def test_no_import_cycles_at_module_level():
    graph = {_module(p): {m for _, m in _imports(p, module_level_only=True)} for p in FILES}
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack, node, nxt]
            if nxt in graph and not state.get(nxt):
                found = visit(nxt, [*stack, node])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if not state.get(start):
            cycle = visit(start, [])
            assert cycle is None, " -> ".join(cycle)
