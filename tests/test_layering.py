"""Imports go one way: corpus -> index -> retrieve -> answer (the pipeline package) -> editorial -> front doors."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "medora"

# Stage of each module (package or file); a module may import only stages <= its own.
STAGE = {
    "types": 0, "errors": 0, "settings": 0, "__init__": 0,
    "corpus": 1,
    "index": 2,
    "query": 3, "retrieve": 3,
    "answer": 4,  # the answer pipeline package: compose, evidence, statements, ..., cite, audience, followups
    "render": 6, "evaluate": 6, "evaluate_report": 6, "evaluate_measures": 6, "evaluate_questions": 6,
    "articles": 7, "threads": 7, "articles_db": 7, "auth": 7, "migrations": 7,
    "api": 8, "web": 8, "limits": 8, "cli": 8, "api_articles": 8, "api_accounts": 8, "web_articles": 8,
    "cli_articles": 8,
}


def _stage(module: str) -> int:
    top = module.split(".")[0]
    if top.startswith("__"):  # `from . import __version__`: an attribute of the package root
        return 0
    if top not in STAGE:
        raise AssertionError(f"module {module!r} has no stage in tests/test_layering.py")
    return STAGE[top]


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        yield ".".join(path.relative_to(SRC).with_suffix("").parts), path


def _imports(module: str, path: Path):
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = ".".join([*base, node.module] if node.module else base)
                names = [target] if node.module else [".".join([*base, a.name]) for a in node.names]
                yield from (n for n in names if n)
            elif node.module and node.module.startswith("medora."):
                yield node.module[len("medora."):]
        elif isinstance(node, ast.Import):
            yield from (a.name[len("medora."):] for a in node.names if a.name.startswith("medora."))


@pytest.mark.parametrize("module, path", list(_modules()), ids=lambda v: str(v) if isinstance(v, str) else "")
def test_no_backward_imports(module, path):
    own = _stage(module)
    backward = [imp for imp in _imports(module, path) if imp and _stage(imp) > own]
    assert backward == [], f"{module} imports a later stage: {backward}"


def test_only_the_pipeline_composes_answers():
    """One ask: ``answer.audience.ask`` is the only caller of ``answer.compose.compose``; every front
    door, thread and evaluation suite reaches an answer through it."""
    callers = sorted(module for module, path in _modules()
                     if module not in ("answer.compose", "answer.audience")
                     and "compose(" in path.read_text() and "import compose" in path.read_text())
    assert callers == []
    asks = sorted(module for module, path in _modules() if "\ndef ask(question: str, index" in path.read_text())
    assert asks == ["answer.audience", "threads"]  # threads.ask adds a thread's context, then calls it
