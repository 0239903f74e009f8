"""Did a re-render change what a lesson prints? Compare the text outputs of two renders of the same notebook.

    python benchmarks/compare_renders.py OLD.ipynb NEW.ipynb [--tolerance 1e-6]
    git show HEAD~1:notebooks/04_factorvae.ipynb > /tmp/old.ipynb && python benchmarks/compare_renders.py /tmp/old.ipynb notebooks/04_factorvae.ipynb

Reads the printed text and the plain-text results of every code cell (progress bars, timings and the
``loaded NAME.pt`` lines left out, since they differ between any two runs), pairs the cells by their position
among code cells, and lists the numbers that differ. A lesson whose seeds are fixed should print the same
metric values before and after a refactor.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

NUMBER = re.compile(r"-?\d+\.\d+(?:e-?\d+)?|-?\d+")
SKIP = re.compile(r"it/s|s/it|step/s|\d+%\||loaded \w+\.pt|seconds|\d+(\.\d+)? ?s\b|min\b|elapsed|render", re.I)


def cell_numbers(path: Path) -> list[list[str]]:
    """For each code cell, the numbers in its text outputs, in order (lines that vary run to run left out)."""
    nb = json.loads(path.read_text())
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        text = []
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stdout":
                text.append("".join(o["text"]))
            elif "text/plain" in o.get("data", {}) and "text/html" not in o.get("data", {}):
                text.append("".join(o["data"]["text/plain"]))
            elif "text/html" in o.get("data", {}):  # tables: pandas writes them as HTML too
                text.append(re.sub(r"<[^>]+>", " ", "".join(o["data"]["text/html"])))
        lines = [line for line in "\n".join(text).splitlines() if not SKIP.search(line)]
        out.append(NUMBER.findall("\n".join(lines)))
    return out


def compare(old: Path, new: Path, tolerance: float) -> list[str]:
    """Cells whose numbers differ beyond ``tolerance`` (relative), as readable lines."""
    a, b = cell_numbers(old), cell_numbers(new)
    if len(a) != len(b):
        return [f"{len(a)} code cells before, {len(b)} after: compare by hand"]
    diffs = []
    for i, (x, y) in enumerate(zip(a, b)):
        if len(x) != len(y):
            diffs.append(f"code cell {i}: {len(x)} numbers before, {len(y)} after")
            continue
        bad = [(p, q) for p, q in zip(x, y) if abs(float(p) - float(q)) > tolerance * max(1.0, abs(float(p)))]
        if bad:
            diffs.append(f"code cell {i}: " + ", ".join(f"{p} -> {q}" for p, q in bad[:8])
                         + (f" (+{len(bad) - 8} more)" if len(bad) > 8 else ""))
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--tolerance", type=float, default=1e-6, help="relative difference still counted equal")
    args = parser.parse_args(argv)
    diffs = compare(args.old, args.new, args.tolerance)
    print("\n".join(diffs) if diffs else f"{args.new.name}: the same numbers in every code cell")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
