"""The site's Sphinx source folder: a mirror of the repository's pages, laid out as in the repository.

Keeping the repository's layout keeps every page-to-page link as written (``../docs/GLOSSARY.md`` from a lesson,
``../../notebooks/03_beta_vae.ipynb`` from the instructor guide), and MyST turns them into links between pages.
A link to a repository file that is not a page (a CSV, a plot, a JSON sidecar) gets the file copied beside the
pages, so the link becomes a download on the site; a link to a folder, or to a Markdown file that is not a page,
becomes a plain mention of the path. A link to a missing file is left alone for Sphinx to report.
"""
from __future__ import annotations

import json
import posixpath
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from advdis_lessons.publish import site_notebook

LESSONS = "notebooks/[0-9][0-9]_*.ipynb"
INSTRUCTOR = "docs/instructor/[0-9][0-9].md"
REFERENCE = ("docs/GLOSSARY.md", "docs/instructor/README.md", "docs/RESULTS.md", "data/README.md")
NOT_PAGES = ("docs/site/",)  # the site's own configuration
PAGE_SUFFIXES = (".md", ".ipynb")
LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]\n]*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|#|/)", re.IGNORECASE)


@dataclass
class Source:
    """What :func:`assemble` put in the source folder."""

    root: Path
    lessons: list[str]                                  # docnames, in lesson order
    reference: list[str]                                # docnames of the other pages, in index order
    copied: set[str] = field(default_factory=set)       # non-page files that pages link to
    mentions: list[str] = field(default_factory=list)   # "page: target" links made plain text


def pages(repo: Path) -> tuple[list[str], list[str], list[str]]:
    """(lessons, reference pages, instructor notes): paths relative to ``repo``, in the order the site lists them."""
    lessons = sorted(p.relative_to(repo).as_posix() for p in repo.glob(LESSONS))
    if not lessons:
        raise FileNotFoundError(f"no lessons match {repo / LESSONS}")
    reference = [p for p in REFERENCE if (repo / p).is_file()]
    instructor = sorted(p.relative_to(repo).as_posix() for p in repo.glob(INSTRUCTOR))
    others = sorted(p.relative_to(repo).as_posix() for p in (repo / "docs").rglob("*.md"))
    extra = [p for p in others if p not in reference + instructor and not p.startswith(NOT_PAGES)]
    return lessons, reference + extra, instructor


def assemble(repo: Path, dest: Path) -> Source:
    """Write the source folder for ``repo``'s pages into ``dest``, which must be empty or absent."""
    repo, dest = repo.resolve(), dest.resolve()
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty; the site's source folder is written into an empty one")
    lessons, reference, instructor = pages(repo)
    src = Source(dest, [_docname(p) for p in lessons], [_docname(p) for p in reference])
    if "docs/instructor/README.md" not in reference:  # no guide page to hold the notes: the index lists them
        src.reference += [_docname(p) for p in instructor]
    others = reference + instructor
    page_set = set(lessons) | set(others)
    for path in lessons:
        nb = site_notebook.prepare(json.loads((repo / path).read_text(encoding="utf-8")))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                cell["source"] = _fix_links("".join(cell["source"]), path, repo, page_set, src)
        _write(dest / path, json.dumps(nb, ensure_ascii=False))
    for path in others:
        text = _fix_links((repo / path).read_text(encoding="utf-8"), path, repo, page_set, src)
        if path == "docs/instructor/README.md":
            text += _toctree([PurePosixPath(p).stem for p in instructor], hidden=True)
        _write(dest / path, text)
    readme = repo / "README.md"
    landing = readme.read_text(encoding="utf-8") if readme.is_file() else "# The course\n"
    landing = _fix_links(landing, "README.md", repo, page_set, src)
    _write(dest / "index.md", _with_contents(landing, src))
    for path in sorted(src.copied):
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(repo / path, dest / path)
    return src


def _docname(path: str) -> str:
    return str(PurePosixPath(path).with_suffix(""))


def _fix_links(text: str, page: str, repo: Path, page_set: set[str], src: Source) -> str:
    """``text`` of ``page`` with each relative link kept (a page), its file copied, or made a plain mention."""
    def fix(match: re.Match[str]) -> str:
        target = match["target"]
        if EXTERNAL.match(target):
            return match[0]
        path = target.split("#", 1)[0].split("?", 1)[0]
        resolved = _normalise(PurePosixPath(page).parent / path)
        if resolved == "README.md":  # the landing page
            index = posixpath.relpath("index.md", posixpath.dirname(page) or ".")
            return f"{match['bang']}[{match['text']}]({index}{target[len(target.split('#', 1)[0]):]})"
        if resolved is None or resolved in page_set or not (repo / resolved).exists():
            return match[0]  # a page, or broken: Sphinx resolves it or reports it
        if (repo / resolved).is_file() and not resolved.endswith(PAGE_SUFFIXES):
            src.copied.add(resolved)
            return match[0]
        src.mentions.append(f"{page}: {target}")
        shown = f"`{resolved}`"
        return shown if match["text"].strip("`") in (target, resolved) else f"{match['text']} ({shown})"
    return LINK.sub(fix, text)


def _normalise(path: PurePosixPath) -> str | None:
    """``a/b/../c`` as ``a/c``; None when the path climbs out of the repository."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts) or None


def _toctree(entries: list[str], caption: str = "", hidden: bool = False) -> str:
    options = (f":caption: {caption}\n" if caption else "") + (":hidden:\n" if hidden else "")
    return f"\n```{{toctree}}\n{options}:maxdepth: 1\n\n" + "".join(f"{e}\n" for e in entries) + "```\n"


def _with_contents(landing: str, src: Source) -> str:
    """The README with the site's contents (lessons, then the reference pages) before its first section."""
    contents = ("\n## Contents\n" + _toctree(src.lessons, caption="Lessons")
                + _toctree(src.reference, caption="Reference") + "\n")
    first = re.search(r"^## ", landing, re.MULTILINE)
    at = first.start() if first else len(landing)
    return landing[:at] + contents + landing[at:]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
