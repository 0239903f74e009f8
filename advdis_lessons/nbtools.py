"""Notebook tools: render stored outputs, write student copies, check stamps.

    python -m advdis_lessons.nbtools render [NOTEBOOK ...]   # execute at the lesson budget, stamp, save
    python -m advdis_lessons.nbtools students [--out DIR]    # copies without solution cells
    python -m advdis_lessons.nbtools check                   # stale stamps or error outputs -> exit 1

The stamp is the sha256 of the notebook's code cells, stored in ``metadata.advdis.code_hash``;
a test fails when the code changed after the outputs were made.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import nbformat

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"


def code_hash(nb: nbformat.NotebookNode) -> str:
    """sha256 of the code cells' sources, in order."""
    h = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            h.update(cell.source.encode() + b"\n\x00\n")
    return h.hexdigest()


def notebooks(names: list[str] | None = None) -> list[Path]:
    """Lesson notebooks by path or name fragment (all of them when ``names`` is empty)."""
    paths = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return paths
    chosen = [p for p in paths if any(n in p.name or Path(n).resolve() == p for n in names)]
    if not chosen:
        raise SystemExit(f"no notebook matches {names}; have: {', '.join(p.name for p in paths)}")
    return chosen


def problems(path: Path) -> list[str]:
    """Why a stored notebook is not fit to ship: stale stamp, unexecuted code, error outputs."""
    nb = nbformat.read(path, as_version=4)
    out = []
    stamp = nb.metadata.get("advdis", {}).get("code_hash")
    if stamp is None:
        out.append("has no code-hash stamp: render it with `python -m advdis_lessons.nbtools render`")
    elif stamp != code_hash(nb):
        out.append("code changed after its outputs were rendered (stale stamp): render it again")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            out.append(f"cell {i} stores an error output")
        if cell.source.strip() and cell.get("execution_count") is None:
            out.append(f"cell {i} was not executed")
    return out


def execute(nb: nbformat.NotebookNode, path: Path, budget: str = "lesson", timeout: int = 1800) -> float:
    """Run a notebook in memory, in its own folder, at ``budget`` with strict exercise checks; returns seconds."""
    from nbclient import NotebookClient

    os.environ["ADVDIS_BUDGET"] = budget
    os.environ["ADVDIS_EXERCISES"] = "strict"
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   store_widget_state=True).execute()
    return time.perf_counter() - t0


def render(path: Path, budget: str = "lesson", timeout: int = 1800) -> float:
    """Execute a notebook at ``budget``, stamp it and save it; returns seconds."""
    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, path, budget, timeout)
    nb.metadata["advdis"] = {"code_hash": code_hash(nb), "budget": budget, "seconds": round(seconds, 1)}
    nbformat.write(nb, path)
    return seconds


def student_copy(path: Path, out_dir: Path) -> Path:
    """Write ``path`` without its ``solution`` cells and without outputs into ``out_dir``."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if "solution" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("advdis", None)
    nb.metadata.pop("widgets", None)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / path.name
    nbformat.write(nb, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m advdis_lessons.nbtools", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render", help="execute notebooks at a budget and stamp them")
    r.add_argument("names", nargs="*")
    r.add_argument("--budget", default="lesson", choices=("smoke", "lesson", "full"))
    s = sub.add_parser("students", help="write student copies without solutions")
    s.add_argument("--out", default="student")
    sub.add_parser("check", help="report stale stamps and error outputs")
    args = parser.parse_args(argv)
    if args.cmd == "render":
        for p in notebooks(args.names):
            print(f"{p.name}: {render(p, args.budget):.1f} s at budget {args.budget}", flush=True)
    elif args.cmd == "students":
        for p in notebooks():
            print(student_copy(p, Path(args.out)))
    else:
        bad = {p.name: problems(p) for p in notebooks()}
        for name, msgs in bad.items():
            for m in msgs:
                print(f"{name}: {m}")
        return 1 if any(bad.values()) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
