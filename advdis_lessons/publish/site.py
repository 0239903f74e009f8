"""The course as a static HTML site that needs no network: every lesson with its stored outputs, the glossary,
the instructor guide and the results, built with Sphinx and myst-nb (nothing is executed).

    python -m advdis_lessons.publish.site build [--out build/site] [--strict]   # make site
    python -m advdis_lessons.publish.site check [--out build/site]              # links, images, remote loads

Sphinx reads a source folder assembled from the repository (:mod:`site_source`) with the settings in
``docs/site/conf.py``; nothing in the repository is written except ``--out``. The site is built in a folder
beside ``--out`` and moved into place only when the build succeeded, so an interrupted or failed build leaves the
previous site as it was. Every build starts from nothing (a full build takes seconds; Sphinx's incremental
rebuild would save a few of them at the price of state kept between builds).
"""
from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from advdis_lessons.publish import linkcheck, site_mathjax, site_source

REPO = Path(__file__).resolve().parents[2]
CONF_DIR = "docs/site"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Report:
    """What a build did: where, how long, how big, and what Sphinx and the checker said."""

    out: Path
    seconds: float
    bytes: int
    mathjax_bytes: int
    pages: int
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"site: {self.out} — {self.pages} pages, {self.bytes / 1e6:.1f} MB (MathJax "
                f"{self.mathjax_bytes / 1e6:.1f} MB), {self.seconds:.1f} s; {len(self.warnings)} Sphinx warning(s), "
                f"{len(self.problems)} link problem(s); {len(self.copied)} linked file(s) copied, "
                f"{len(self.mentions)} link(s) made plain text")


def require_tools() -> None:
    """Raise a RuntimeError that says what to install when Sphinx, myst-nb or the MathJax files are missing."""
    missing = []
    for module, package in (("sphinx", "sphinx"), ("myst_nb", "myst-nb"), ("jupyter_server_mathjax",
                                                                        "jupyter-server-mathjax")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise RuntimeError(f"the site needs {', '.join(missing)}: pip install -e '.[docs]' (or: make site)")


def build(out: str | Path = "build/site", repo: Path = REPO, strict: bool = False, quiet: bool = False) -> Report:
    """Build the site of ``repo`` into ``out`` and check it; return the :class:`Report`.

    With ``strict``, a Sphinx warning or a link problem fails the build (RuntimeError) and ``out`` is left as it was.
    """
    require_tools()
    from sphinx.application import Sphinx
    from sphinx.util.console import nocolor

    start = time.perf_counter()
    out, repo = Path(out).resolve(), Path(repo).resolve()
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        source = site_source.assemble(repo, work / "src")
        html = work / "html"  # myst-nb writes the outputs' images beside it, in work/jupyter_execute
        warnings = io.StringIO()
        status = io.StringIO() if quiet else sys.stdout
        if quiet or not sys.stderr.isatty():
            nocolor()
        app = Sphinx(srcdir=work / "src", confdir=repo / CONF_DIR, outdir=html, doctreedir=work / "doctrees",
                     buildername="html", status=status,
                     warning=_Tee(warnings, None if quiet else sys.stderr, f"{work / 'src'}{os.sep}"))
        app.build()
        if app.statuscode:
            raise RuntimeError(f"Sphinx failed with status {app.statuscode}")
        if (html / "_sources").is_dir() and not any((html / "_sources").iterdir()):
            (html / "_sources").rmdir()  # left empty by html_copy_source = False
        mathjax = site_mathjax.copy_into(html)
        report = Report(out, 0.0, _size(html), mathjax, len(list(html.rglob("*.html"))),
                        [ANSI.sub("", w) for w in warnings.getvalue().splitlines() if "WARNING" in w or "ERROR" in w],
                        linkcheck.check(html), sorted(source.copied), source.mentions)
        if strict and (report.warnings or report.problems):
            raise RuntimeError("--strict: " + report.summary() + "\n" + "\n".join(report.warnings + report.problems))
        _replace(out, html)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.seconds = time.perf_counter() - start
    return report


class _Tee(io.TextIOBase):
    """A text stream that writes to a buffer and, when given, to a second stream; source paths lose ``prefix``."""

    def __init__(self, buffer: io.StringIO, echo: io.TextIOBase | None, prefix: str) -> None:
        self.buffer, self.echo, self.prefix = buffer, echo, prefix

    def write(self, text: str) -> int:
        text = text.replace(self.prefix, "")  # docs/GLOSSARY.md:12: WARNING ..., not the temporary source copy
        self.buffer.write(text)
        if self.echo is not None:
            self.echo.write(text)
        return len(text)

    def isatty(self) -> bool:
        return False


def _check_target(out: Path) -> None:
    """Refuse an ``out`` that holds something other than a site built here: the build replaces the whole folder."""
    if out.exists() and not out.is_dir():
        raise RuntimeError(f"--out {out} is a file; the site is a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / ".buildinfo").is_file():
        raise RuntimeError(f"--out {out} holds files but no Sphinx site (no .buildinfo); the build would replace the "
                           f"whole folder, so give a new or empty folder, or the site of an earlier build")


def _replace(out: Path, new: Path) -> None:
    """Put the folder ``new`` at ``out``; the old site is moved aside first and removed only after."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent)) / out.name
        out.rename(old)
    try:
        new.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old.parent, ignore_errors=True)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m advdis_lessons.publish.site", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the site (nothing is executed), then check its links")
    b.add_argument("--out", default="build/site", help="the site's folder (default: build/site)")
    b.add_argument("--strict", action="store_true", help="fail on a Sphinx warning or a link problem")
    b.add_argument("--quiet", action="store_true", help="print only the summary and the warnings")
    c = sub.add_parser("check", help="check a built site: internal links, images, nothing loaded from the network")
    c.add_argument("--out", default="build/site", help="the site's folder (default: build/site)")
    args = parser.parse_args(argv)
    if args.command == "check":
        if not (Path(args.out) / "index.html").is_file():
            parser.error(f"--out {args.out} holds no index.html; build the site first (make site)")
        problems = linkcheck.check(Path(args.out))
        print("\n".join(problems) or f"{args.out}: every internal link and image resolves; nothing remote is loaded")
        return 1 if problems else 0
    try:
        report = build(args.out, strict=args.strict, quiet=args.quiet)
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.quiet:
        print("\n".join(report.warnings))
    print("\n".join(report.problems))
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
