"""The package's layout is its architecture: lower layers never import higher ones, and no import cycles."""
import ast
from pathlib import Path

import advdis_lessons

ROOT = Path(advdis_lessons.__file__).parent
LAYERS = [
    {"config", "history", "atomic", "recipes", "stats"},  # settings, plain data, summaries of runs
    {"data"},                                         # the renderer and data set
    {"models"},                                       # networks
    {"losses"},                                       # loss terms and estimators
    {"training", "health", "run_state", "precision"},  # the loop, its health, its state, its arithmetic
    {"metrics"},                                      # measuring representations
    {"methods"},                                      # the training methods
    {"checkpoints"},                                  # save / load / train_or_load
    {"plots", "widgets", "exercises", "stability", "sweep"},  # what lessons show, study and sweep
    {"tools", "publish"},                             # maintainer commands; slides and site
]
LEVEL = {name: i for i, names in enumerate(LAYERS) for name in names}


def modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(p for p in parts if p != "__init__")
        out[name or "__init__"] = path
    return out


def imports(path: Path) -> set[str]:
    """Every advdis_lessons module a file imports, at any depth (lazy imports included), without the prefix."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("advdis_lessons"):
            base = node.module.removeprefix("advdis_lessons").lstrip(".")
            for alias in node.names:
                found.add(f"{base}.{alias.name}".lstrip(".") if f"{base}.{alias.name}".lstrip(".") in modules()
                          else base)
        assert not (isinstance(node, ast.ImportFrom) and node.level), f"{path}: use absolute imports"
    return {f for f in found if f}


def test_every_module_sits_in_a_layer():
    assert {name.split(".")[0] for name in modules()} - {"__init__"} <= set(LEVEL)


def test_lower_layers_never_import_higher_ones():
    bad = []
    for name, path in modules().items():
        if name == "__init__":
            continue
        own = LEVEL[name.split(".")[0]]
        for target in imports(path):
            if LEVEL[target.split(".")[0]] > own:
                bad.append(f"{name} (layer {own}) imports {target} (layer {LEVEL[target.split('.')[0]]})")
    assert not bad, "\n".join(bad)


def test_the_import_graph_has_no_cycle():
    graph = {name: {t for t in imports(path) if t in modules() and t != name} for name, path in modules().items()}
    done, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(node):] + [node]))
        if node in done:
            return
        stack.append(node)
        for nxt in graph.get(node, ()):
            if not nxt.startswith(node + "."):  # a package importing its own modules is not a cycle
                visit(nxt)
        stack.pop()
        done.add(node)

    for name in graph:
        visit(name)


def test_modules_stay_small():
    sizes = {name: len(path.read_text().splitlines()) for name, path in modules().items()}
    assert max(sizes.values()) <= 320, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
