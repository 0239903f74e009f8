"""Slide metadata for the lessons: one deterministic rule, written into the stored notebooks or checked against them.

Every cell gets ``metadata.slideshow.slide_type``, which RISE (live in JupyterLab) and ``nbconvert --to slides``
read. Without it a whole lesson is one slide. The rule looks only at each cell's type, source, tags and the kinds
of its outputs (never at output text, which a re-render may change), so a re-render leaves the metadata valid:

- a markdown cell that opens with a ``#`` or ``##`` heading starts a **slide**; ``###`` or ``####``: a **subslide**;
- a solution cell (tag ``solution``, hidden in JupyterLab) becomes **notes**: the speaker view shows it, the room not;
- **skip**: the set-up cell (``%matplotlib inline`` and imports; kept in lesson 00, whose "Set-up check" heading
  is about it), empty code cells, and checks without output (only ``assert``-style code, no ``def``/``class``/
  ``import``): they keep the notebook honest, they are not lecture material;
- a cell that would overflow the current slide (an estimate in lines of text, below) starts a **subslide**;
- a markdown cell right after a figure or table on the same slide is a **fragment**: it reads the result,
  so it appears on a key press, after the room has looked;
- anything else continues the current slide (``-``).
"""
from __future__ import annotations

import ast
import math
import re
from typing import Any

import nbformat

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
SLIDE_LINES = 24          # what fits on a 960 x 700 reveal slide at the decks' font sizes, in lines of text
LINE_CHARS = 90           # characters per line of markdown before it wraps
OUTPUT_LINES = {          # an output's height by its kind, never by its (re-render dependent) length
    "figure": 14,         # a matplotlib figure scaled to the slide's width
    "table": 12,          # an HTML table (pandas): about a dozen rows show
    "text": 2,            # printed text
    "widget": 1,          # a widget: one line of note in the decks
}
HEADING = re.compile(r"^(#{1,6})\s")


def heading_level(cell: dict[str, Any]) -> int:
    """The level of the heading a markdown cell opens with (0: none)."""
    if cell["cell_type"] != "markdown":
        return 0
    match = HEADING.match(cell["source"].lstrip("\n"))
    return len(match.group(1)) if match else 0


def _markdown_lines(source: str) -> int:
    return sum(max(1, math.ceil(len(line) / LINE_CHARS)) for line in source.splitlines())


def output_kind(output: dict[str, Any]) -> str:
    """'widget', 'figure', 'table' or 'text'."""
    data = output.get("data", {})
    if "application/vnd.jupyter.widget-view+json" in data:
        return "widget"
    if {"image/png", "image/jpeg", "image/svg+xml"} & set(data):
        return "figure"
    return "table" if "text/html" in data else "text"


def height(cell: dict[str, Any]) -> int:
    """Estimated height of a cell on a slide, in lines of text."""
    if cell["cell_type"] == "markdown":
        return _markdown_lines(cell["source"])
    return len(cell["source"].splitlines()) + 1 + sum(OUTPUT_LINES[output_kind(o)] for o in cell.get("outputs", []))


def _shows_result(cell: dict[str, Any]) -> bool:
    """A code cell with a figure or a table among its outputs."""
    return any(output_kind(o) in ("figure", "table") for o in cell.get("outputs", []))


def _is_setup(cell: dict[str, Any]) -> bool:
    return cell["cell_type"] == "code" and cell["source"].lstrip().startswith("%matplotlib")


def _is_silent_check(cell: dict[str, Any]) -> bool:
    """A code cell without outputs that only asserts: no definitions, no imports."""
    if cell["cell_type"] != "code" or cell.get("outputs") or "exercise" in cell["metadata"].get("tags", []):
        return False
    try:
        tree = ast.parse(cell["source"])
    except SyntaxError:  # IPython magics: not a plain check
        return False
    nodes = list(ast.walk(tree))
    defines = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    return any(isinstance(n, ast.Assert) for n in nodes) and not any(isinstance(n, defines) for n in nodes)


def _hidden_type(cell: dict[str, Any], previous: dict[str, Any] | None) -> str | None:
    """'notes' or 'skip' for cells the room does not see, else None."""
    if "solution" in cell["metadata"].get("tags", []):
        return "notes"
    if cell["cell_type"] == "code" and not cell["source"].strip() and not cell.get("outputs"):
        return "skip"
    if _is_setup(cell) and not (previous is not None and heading_level(previous) >= 3):
        return "skip"
    return "skip" if _is_silent_check(cell) else None


def slide_types(nb: dict[str, Any]) -> list[str]:
    """The slide type of every cell of ``nb`` under the rule of this module."""
    types: list[str] = []
    used = 0                      # lines on the current (sub)slide so far
    last_shown: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None
    for cell in nb["cells"]:
        hidden = _hidden_type(cell, previous)
        level, lines = heading_level(cell), height(cell)
        if hidden:
            kind = hidden
        elif level in (1, 2) or last_shown is None:
            kind, used = "slide", lines
        elif level or used + lines > SLIDE_LINES:  # a heading, or a cell that would overflow this slide
            kind, used = "subslide", lines
        else:
            reads_result = cell["cell_type"] == "markdown" and _shows_result(last_shown)
            kind, used = ("fragment" if reads_result else "-"), used + lines
        if not hidden:
            last_shown = cell
        types.append(kind)
        previous = cell
    return types


def differences(nb: dict[str, Any]) -> list[str]:
    """One line per cell whose stored slide type differs from the rule's."""
    out = []
    for i, (cell, want) in enumerate(zip(nb["cells"], slide_types(nb))):
        have = cell["metadata"].get("slideshow", {}).get("slide_type")
        if have != want:
            first = cell["source"].strip().splitlines()[0][:50] if cell["source"].strip() else ""
            stored = f"slide_type {have!r}" if have is not None else "no slide_type"
            out.append(f"cell {i} ({cell['cell_type']}, {first!r}) has {stored}; the rule says {want!r}")
    return out


def apply(nb: nbformat.NotebookNode) -> int:
    """Write the rule's slide types into ``nb`` (in memory); returns how many cells changed."""
    changed = 0
    for cell, want in zip(nb.cells, slide_types(nb)):
        show = cell.metadata.setdefault("slideshow", {})
        if show.get("slide_type") != want:
            show["slide_type"] = want
            changed += 1
    return changed
