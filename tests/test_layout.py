"""The package's layout: imports point down the layers, no circles, no module too long.

Every module of ``bptrace`` is parsed with ``ast`` (nothing is imported), and every import
inside the package — at module level and inside functions — becomes an edge. The test
fails on any circle, naming it; on a subpackage that imports a later layer; and on a
module over ``MAX_LINES`` lines. The methods wired up a layer (``bptrace/wiring.py``)
are checked too: each names a real function in a layer above the class that offers it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bptrace
from bptrace import wiring

PACKAGE = Path(bptrace.__file__).parent
MAX_LINES = 400

# The data flow, lowest first; a layer may import only itself and the layers before it.
# ``errors`` and ``wiring`` are below everything; the facade (``bptrace/__init__``) and the
# CLI are above everything.
LAYERS = ["errors", "wiring", "model", "calculus", "lessons", "oracle", "printing", "renderers",
          "exercises", "cli", ""]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path) -> set[str]:
    """The package modules ``name`` imports, anywhere in its body."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            target = ".".join(base + (node.module.split(".") if node.module else []))
            for alias in node.names:      # ``from . import numeric`` imports a module
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def layer_of(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1] if len(parts) > 1 else "")


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_the_checker_sees_a_circle_and_function_level_imports():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    # imports inside functions count: the CLI imports the printers only when a command runs
    assert "bptrace.printing.latex_document" in GRAPH["bptrace.cli.documents"]
    assert "bptrace.model.numbers" in GRAPH["bptrace.model.network"]


def test_no_import_circles():
    found = circles(GRAPH)
    assert not found, "import circles:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_every_import_points_down_the_layers():
    upward = [f"{m} → {t}" for m, targets in GRAPH.items() for t in sorted(targets)
              if layer_of(t) > layer_of(m)]
    assert not upward, "a lower layer imports a higher one:\n" + "\n".join(upward)


def test_every_module_belongs_to_a_layer():
    for name in MODULES:
        layer_of(name)      # ValueError for a subpackage missing from LAYERS


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_at_most_400_lines(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(PACKAGE.parent)} has {lines} lines"


def test_wired_methods_point_up_to_real_functions():
    from bptrace.calculus.trace import Derivation
    from bptrace.model.network import Network

    offered = {"bptrace.model.network": [n for n, v in vars(Network).items()
                                         if getattr(v, "__module__", "") == "bptrace.wiring"],
               "bptrace.calculus.trace": ["_repr_latex_", "_repr_svg_", "_repr_html_"]}
    assert set(offered["bptrace.model.network"]) == {"forward", "derive", "prove", "check_torch",
                                                      "step", "train", "_repr_svg_", "_repr_html_"}
    assert Derivation._repr_svg_.__module__ == "bptrace.wiring"
    for home, names in offered.items():
        for name in names:
            module = "bptrace." + wiring.IMPLEMENTATIONS[name].partition(":")[0]
            assert layer_of(module) > layer_of(home), f"{name} is wired sideways or down"
            assert callable(wiring.implementation(name))


def test_no_subpackage_shadows_a_public_name():
    # ``import bptrace.render…`` would bind the subpackage over the ``bptrace.render`` function
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert not subpackages & set(bptrace.__all__)
    from importlib import import_module
    import_module("bptrace.renderers.graphviz")
    assert callable(bptrace.render)
