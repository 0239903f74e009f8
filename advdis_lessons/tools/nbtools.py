"""Notebook tools: render stored outputs, write student copies, check stamps.

    python -m advdis_lessons.tools.nbtools render [NOTEBOOK ...]   # execute at the lesson budget, stamp, save
    python -m advdis_lessons.tools.nbtools students [--out DIR]    # copies without solution cells
    python -m advdis_lessons.tools.nbtools check                   # stale stamps or error outputs -> exit 1

The stamp is the sha256 of the notebook's code cells, stored in ``metadata.advdis.code_hash``;
a test fails when the code changed after the outputs were made. Exercise stubs (cells tagged ``exercise``) are not
part of it: a stub only defines what its hidden solution cell replaces, so it never shapes an output (a stub with an
output is reported), and nbval still runs it; rewording a stub's instructions needs no re-render.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import nbformat

from advdis_lessons import atomic

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"


def code_hash(nb: nbformat.NotebookNode) -> str:
    """sha256 of the code cells' sources, in order, exercise stubs left out (their outputs are always empty)."""
    h = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code" and "exercise" not in cell.metadata.get("tags", []):
            h.update(cell.source.encode() + b"\n\x00\n")
    return h.hexdigest()


def notebooks(names: list[str] | None = None) -> list[Path]:
    """Lesson notebooks by name fragment or path (all lessons when ``names`` is empty), in lesson order.

    Raises:
        ValueError: a name matches no lesson (the message lists the lessons).
    """
    every = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return every
    chosen: list[Path] = []
    for name in names:
        if name.endswith(".ipynb") and Path(name).is_file():
            found = [Path(name)]
        else:
            found = [p for p in every if name in p.name]
        if not found:
            raise ValueError(f"no lesson matches {name!r}; the lessons are {', '.join(p.stem for p in every)}")
        chosen += [p for p in found if p not in chosen]
    return chosen


def problems(path: Path) -> list[str]:
    """Why a stored notebook is not fit to ship: stale stamp, unexecuted code, error outputs."""
    nb = nbformat.read(path, as_version=4)
    out = []
    stamp = nb.metadata.get("advdis", {}).get("code_hash")
    if stamp is None:
        out.append("has no code-hash stamp: render it with `python -m advdis_lessons.tools.nbtools render`")
    elif stamp != code_hash(nb):
        out.append("code changed after its outputs were rendered (stale stamp): render it again")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            out.append(f"cell {i} stores an error output")
        if cell.source.strip() and cell.get("execution_count") is None:
            out.append(f"cell {i} was not executed")
        if "exercise" in cell.metadata.get("tags", []) and cell.get("outputs"):
            out.append(f"cell {i} is an exercise stub with an output: a stub may only define what its solution replaces")
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
    """Execute a notebook at ``budget``, stamp it, bring its slide metadata up to date and save it; returns seconds."""
    from advdis_lessons.publish import tagging

    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, path, budget, timeout)
    tagging.apply(nb)
    nb.metadata["advdis"] = {"code_hash": code_hash(nb), "budget": budget, "seconds": round(seconds, 1)}
    atomic.write_text(path, nbformat.writes(nb) + "\n")
    return seconds


STUDENT_STAMP = "student_of"
"""Metadata key of a student copy: the lesson it came from and the hash of what was written."""


def _student_notebook(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if "solution" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("advdis", None)
    nb.metadata.pop("widgets", None)
    return nb


def _content_hash(nb: nbformat.NotebookNode) -> str:
    """sha256 of every cell's type and source: what a learner edits."""
    h = hashlib.sha256()
    for cell in nb.cells:
        h.update(cell.cell_type.encode() + b"\x00" + cell.source.encode() + b"\n\x00\n")
    return h.hexdigest()


def student_copy(path: Path, out_dir: Path, force: bool = False) -> tuple[Path, str]:
    """Write ``path`` without its ``solution`` cells and without outputs into ``out_dir``.

    Never writes into the lessons' own folder. A copy that a learner has edited since this command wrote it
    is kept unless ``force``. Returns (target, what happened: "written", "unchanged" or "kept: ...").
    """
    out_dir = Path(out_dir)
    if out_dir.resolve() == NOTEBOOK_DIR.resolve():
        raise ValueError(f"--out {out_dir} is the lessons' own folder; student copies would strip the solutions "
                         f"and outputs from the lessons. Choose another folder (default: student)")
    nb = _student_notebook(path)
    target = out_dir / path.name
    if target.exists():
        old = nbformat.read(target, as_version=4)
        written = old.metadata.get("advdis", {}).get(STUDENT_STAMP, {}).get("hash")
        if written == _content_hash(nb) and _content_hash(old) == written:
            return target, "unchanged"
        if not force and _content_hash(old) != written:
            return target, "kept: edited since it was written (use --force to replace it)"
    nb.metadata["advdis"] = {STUDENT_STAMP: {"lesson": path.name, "hash": _content_hash(nb)}}
    atomic.write_text(target, nbformat.writes(nb) + "\n")
    return target, "written"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m advdis_lessons.tools.nbtools", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render", help="execute notebooks at a budget and stamp them")
    r.add_argument("names", nargs="*")
    r.add_argument("--budget", default="lesson", choices=("smoke", "lesson", "full"))
    s = sub.add_parser("students", help="write student copies without solutions")
    s.add_argument("--out", default="student")
    s.add_argument("--force", action="store_true", help="replace copies a learner has edited")
    sub.add_parser("check", help="report stale stamps and error outputs")
    args = parser.parse_args(argv)
    if args.cmd == "render":
        try:
            paths = notebooks(args.names)
        except ValueError as err:
            parser.error(str(err))
        for p in paths:
            print(f"{p.name}: {render(p, args.budget):.1f} s at budget {args.budget}", flush=True)
    elif args.cmd == "students":
        try:
            results = [student_copy(p, Path(args.out), force=args.force) for p in notebooks()]
        except ValueError as err:
            parser.error(str(err))
        for target, what in results:
            print(f"{target}: {what}")
    else:
        bad = {p.name: problems(p) for p in notebooks()}
        for name, msgs in bad.items():
            for m in msgs:
                print(f"{name}: {m}")
        return 1 if any(bad.values()) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
