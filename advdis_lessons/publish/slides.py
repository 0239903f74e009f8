"""Lecture mode: slide metadata in the lessons, and one offline reveal.js deck per lesson.

    python -m advdis_lessons.publish.slides tag [LESSON ...]            # write the slide metadata (rule: tagging)
    python -m advdis_lessons.publish.slides tag --check [LESSON ...]    # exit 1 naming each cell that differs
    python -m advdis_lessons.publish.slides build [LESSON ...] [--out build/slides]

A LESSON is a name fragment (``03``, ``beta``) or a notebook path. ``build`` writes ``NN_name.slides.html`` per
lesson, an ``index.html`` and ``vendor/`` (reveal.js, MathJax): the folder works from ``file://``, offline.
The decks are made from an in-memory copy of each lesson, never written back: widget views become a static note
(a widget needs a kernel), the notebook's widget state is dropped (no widget scripts), and links are rewritten:
``NN_name.ipynb`` to that lesson's deck, other relative links (``../docs/GLOSSARY.md``) to the same file of the
checkout, as seen from the output folder.
"""
from __future__ import annotations

import argparse
import copy
import html
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from advdis_lessons import atomic
from advdis_lessons.publish import tagging, vendor
from advdis_lessons.publish.site_notebook import STATE, VIEW, static_view
from advdis_lessons.tools.nbtools import NOTEBOOK_DIR, notebooks

if TYPE_CHECKING:
    from nbconvert.exporters import SlidesExporter

DECK_SUFFIX = ".slides.html"
DECK_SIZE = (1280, 720)
"""Logical slide size (16:9, what projectors show); reveal.js scales it to the window. The template's code font lets
a 120-column line (the lessons' longest) fit across it."""
TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "reveal_offline"
LESSON_LINK = re.compile(r"^(\d\d_[\w-]+)\.ipynb(#.*)?$")
MD_LINK = re.compile(r"(\]\()([^)\s]+)")


def tag(paths: list[Path], check: bool = False) -> dict[Path, list[str]]:
    """Write the rule's slide metadata into ``paths`` (only files that change), or with ``check`` only compare.

    Returns, per notebook, one line per cell whose stored metadata differed from the rule.
    """
    found = {}
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        found[path] = tagging.differences(nb)
        if found[path] and not check:
            tagging.apply(nb)
            atomic.write_text(path, nbformat.writes(nb) + "\n")  # the format nbtools writes: re-tagging is a no-op
    return found


def _link(target: str, out: Path) -> str:
    lesson = LESSON_LINK.match(target)
    if lesson:
        return f"{lesson.group(1)}{DECK_SUFFIX}{lesson.group(2) or ''}"
    if re.match(r"^[a-zA-Z][\w+.-]*:|^[#/]", target):  # a URL, an anchor or an absolute path: as written
        return target
    path, _, anchor = target.partition("#")
    rel = os.path.relpath(NOTEBOOK_DIR / path, out.resolve())
    return rel + (f"#{anchor}" if anchor else "")


def prepare(nb: nbformat.NotebookNode, out: Path) -> nbformat.NotebookNode:
    """A copy of ``nb`` as a deck in ``out`` shows it: static widgets, no widget state, links that work there."""
    nb = copy.deepcopy(nb)
    state = nb.metadata.pop("widgets", {}).get(STATE, {}).get("state", {})
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = MD_LINK.sub(lambda m: m.group(1) + _link(m.group(2), out), cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if VIEW in data:
                plain = "".join(data.get("text/plain", ""))
                output["data"] = {"text/html": static_view(data[VIEW].get("model_id", ""), state, plain),
                                  "text/plain": plain}
    return nb


def exporter() -> SlidesExporter:
    """One SlidesExporter for every deck: the offline template, assets from ./vendor, no prompts."""
    from nbconvert.exporters import SlidesExporter  # imported here: nbconvert takes seconds to import

    return SlidesExporter(
        extra_template_basedirs=[str(TEMPLATES)], template_name=TEMPLATE,
        reveal_url_prefix=f"vendor/{vendor.REVEAL}", reveal_theme="white", reveal_scroll=True, reveal_number="c/t",
        reveal_width=str(DECK_SIZE[0]), reveal_height=str(DECK_SIZE[1]),
        mathjax_url=vendor.mathjax_url(), exclude_input_prompt=True, exclude_output_prompt=True,
    )


def title(nb: dict[str, Any], fallback: str) -> str:
    """The text of the lesson's first heading."""
    for cell in nb["cells"]:
        if tagging.heading_level(cell):
            return cell["source"].lstrip("\n").splitlines()[0].lstrip("#").strip()
    return fallback


def _index(decks: dict[Path, str]) -> str:
    items = "\n".join(f'<li><a href="{html.escape(p.name)}">{html.escape(t)}</a></li>' for p, t in decks.items())
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>advdis: lecture decks</title>'
            f'</head>\n<body>\n<h1>advdis: lecture decks</h1>\n<p>Arrow keys move between slides, <kbd>S</kbd> opens '
            f'the speaker view (notes and solutions), <kbd>Esc</kbd> the overview.</p>\n<ul>\n{items}\n</ul>\n'
            f'</body>\n</html>\n')


def check_out(out: Path) -> Path:
    """``out`` as a folder to write decks into; ValueError naming it when it is a file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder: the decks need a folder (default build/slides)")
    out.mkdir(parents=True, exist_ok=True)
    return out


def build(out: Path, paths: list[Path] | None = None, cache: Path | None = None,
          log: Callable[[str], Any] = print) -> list[Path]:
    """Write one deck per lesson of ``paths`` (all lessons by default) into ``out``, with ``vendor/`` and an index."""
    out = check_out(out)
    paths = paths if paths is not None else notebooks()
    t0 = time.perf_counter()
    size = vendor.install(out, cache)
    log(f"vendor/: {size / 1e6:.1f} MB (reveal.js {vendor.REVEAL_VERSION}, MathJax 2)")
    slides, decks = exporter(), {}
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        stem, t1 = path.name.removesuffix(".ipynb"), time.perf_counter()
        name = title(nb, stem)
        body, _ = slides.from_notebook_node(prepare(nb, out), resources={"metadata": {"name": name}})
        deck = out / f"{stem}{DECK_SUFFIX}"
        atomic.write_text(deck, body)
        decks[deck] = name
        log(f"{deck}: {len(body.encode()) / 1e6:.1f} MB, {time.perf_counter() - t1:.1f} s")
    atomic.write_text(out / "index.html", _index(decks))
    log(f"{len(decks)} decks in {out} in {time.perf_counter() - t0:.1f} s")
    return list(decks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m advdis_lessons.publish.slides", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tag", help="write (or --check) the slide metadata of the lessons")
    t.add_argument("lessons", nargs="*", help="name fragments or notebook paths (default: every lesson)")
    t.add_argument("--check", action="store_true", help="write nothing; exit 1 when a lesson differs from the rule")
    b = sub.add_parser("build", help="write one offline reveal.js deck per lesson")
    b.add_argument("lessons", nargs="*", help="name fragments or notebook paths (default: every lesson)")
    b.add_argument("--out", type=Path, default=Path("build/slides"), help="output folder (default build/slides)")
    b.add_argument("--cache", type=Path, default=None, help="reveal.js download cache (default build/vendor)")
    args = parser.parse_args(argv)
    try:
        paths = notebooks(args.lessons)
        if args.cmd == "build":
            build(args.out, paths, args.cache)
            return 0
    except (ValueError, vendor.VendorError) as err:
        parser.error(str(err))
    found = tag(paths, check=args.check)
    for path, lines in found.items():
        for line in lines:
            print(f"{path.name}: {line}")
        if not args.check:
            print(f"{path.name}: {f'{len(lines)} cells re-tagged' if lines else 'unchanged'}")
    if args.check and any(found.values()):
        print("run `python -m advdis_lessons.publish.slides tag` to apply the rule", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
