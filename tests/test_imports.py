"""The package's imports form no circle, counting those inside functions too (a circle a
lazy import hides still ties two modules into one)."""

from __future__ import annotations

import ast

from conftest import ROOT

PACKAGE = ROOT / "src" / "hooke"


def _graph() -> dict[str, set[str]]:
    """Module -> the hooke modules it imports anywhere in its file."""
    modules = {
        ("hooke." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__"
        ): p
        for p in PACKAGE.rglob("*.py")
    }
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hooke"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name in modules}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of `graph`, or []."""
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for child in sorted(graph[node]):
            if state.get(child) == 1:
                return path[path.index(child) :] + [child]
            if not state.get(child) and (found := visit(child, [*path, child])):
                return found
        state[node] = 2
        return []

    for start in sorted(graph):
        if not state.get(start) and (found := visit(start, [start])):
            return found
    return []


def test_no_module_imports_itself_through_others():
    graph = _graph()
    assert len(graph) > 50 and "hooke.names" in graph["hooke.config"]
    assert _circle(graph) == [], " -> ".join(_circle(graph))
    # and the check finds a circle where there is one
    assert _circle({**graph, "hooke.names": {"hooke.config"}})
