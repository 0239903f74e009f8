"""The helper package's shape at a glance: files, lines, import levels, the largest module, the longest function.

    python benchmarks/package_structure.py [PATH_TO_PACKAGE]

Import levels: the longest chain of package-internal imports (lazy imports inside functions included),
plus one; a module that imports nothing of the package is level 1. A cycle is reported instead of a level.
"""
from __future__ import annotations

import ast
import sys
from functools import lru_cache
from pathlib import Path


def modules(root: Path) -> dict[str, Path]:
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [p for p in path.relative_to(root).with_suffix("").parts if p != "__init__"]
        out[".".join(parts) or "__init__"] = path
    return out


def internal_imports(path: Path, known: set[str], package: str, name: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:  # relative: resolve against the importing module's package
            base = name.split(".")[: -node.level] if path.name != "__init__.py" else name.split(".")[: len(name.split(".")) - node.level + 1]
            mod = ".".join([*base, *(node.module.split(".") if node.module else [])])
        elif node.module and node.module.startswith(package):
            mod = node.module[len(package):].lstrip(".")
        else:
            continue
        for alias in node.names:
            full = f"{mod}.{alias.name}".lstrip(".")
            found.add(full if full in known else mod)
    return {f for f in found if f in known and f != name}


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "advdis_lessons"
    mods = modules(root)
    graph = {n: internal_imports(p, set(mods), "advdis_lessons", n) for n, p in mods.items()}

    @lru_cache(maxsize=None)
    def level(n: str, seen: tuple = ()) -> int:
        if n in seen:
            raise RecursionError(" -> ".join([*seen, n]))
        deps = [d for d in graph[n] if not d.startswith(n + ".")]
        return 1 + max((level(d, (*seen, n)) for d in deps), default=0)

    try:
        levels = max(level(n) for n in mods)
    except RecursionError as cycle:
        levels = f"cycle: {cycle}"
    sizes = {n: len(p.read_text().splitlines()) for n, p in mods.items()}
    longest = max(((node.end_lineno - node.lineno + 1, f"{n}.{node.name}") for n, p in mods.items()
                   for node in ast.walk(ast.parse(p.read_text())) if isinstance(node, ast.FunctionDef)))
    big = max(sizes, key=sizes.get)
    print(f"files {len(mods)} · lines {sum(sizes.values()):,} · import levels {levels} · largest module {big} "
          f"({sizes[big]} lines) · longest function {longest[1]} ({longest[0]} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
