"""The project's import graph, read statically with `ast` from the source files: no
cycle among pipeline/ and flows/ modules (an import inside a function counts too: it
only hides a cycle), and pipeline/ never imports Prefect or flows/."""
import ast
from pathlib import Path

from conftest import ROOT

PACKAGES = ("pipeline", "flows")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """Every module of the project that `path` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from pipeline import guard` imports the module pipeline.guard (and runs the
            # package's __init__ first, as any import of pipeline.guard does); `from
            # pipeline import run` imports from the package's __init__ itself.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target in modules:
                found.add(target)
            elif target.split(".")[0] in ("prefect",):
                found.add(target)
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}
    modules = set(files)
    return {name: _imports(path, name, modules) for name, path in files.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_modules_and_their_imports():
    graph = _graph()
    assert "pipeline.runner" in graph and "flows.clean" in graph
    assert "pipeline.batch" in graph["pipeline.runner"]
    assert "pipeline.runner" in graph["flows.clean"] and "prefect" in {t.split(".")[0] for t in graph["flows.clean"]}


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_project_modules():
    assert _cycles(_graph()) == []


def test_library_modules_never_import_prefect_or_flows():
    for name, targets in _graph().items():
        if name.split(".")[0] == "pipeline":
            bad = sorted(t for t in targets if t.split(".")[0] in ("prefect", "flows"))
            assert not bad, f"{name} imports {bad}"
