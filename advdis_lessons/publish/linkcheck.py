"""A checker for a built static site: internal links, images, and anything loaded from the network.

Every ``href``/``src`` that is not external must name a file of the site (a folder stands for its index.html),
and its ``#fragment`` an id in that page; every ``<img>`` a non-empty file. Nothing may be *loaded* from another
host: scripts, stylesheets, images, frames, media, nor ``@import``/``url()`` in styles. Links a reader clicks
(``<a href="https://arxiv.org/...">``) are fine. Uses only the standard library.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# (tag, attribute) pairs whose URL the browser fetches while showing the page
LOADS = {("script", "src"), ("img", "src"), ("iframe", "src"), ("frame", "src"), ("embed", "src"),
         ("source", "src"), ("video", "src"), ("video", "poster"), ("audio", "src"), ("track", "src"),
         ("object", "data"), ("input", "src")}
LOADING_RELS = {"stylesheet", "icon", "shortcut", "preload", "prefetch", "modulepreload", "manifest",
                "apple-touch-icon", "dns-prefetch", "preconnect"}
LINKS = {("a", "href"), ("area", "href"), ("link", "href")}
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://, https://, //host
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)        # mailto:, data:, javascript:, ...
CSS_REMOTE = re.compile(r"""@import\s+(?:url\()?\s*['"]?((?:[a-z]+:)?//[^'")\s]+)"""
                        r"""|url\(\s*['"]?((?:[a-z]+:)?//[^'")\s]+)""", re.IGNORECASE)


class _Page(HTMLParser):
    """The URLs a page refers to, the ids it defines, and the remote URLs its styles load."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str, bool]] = []   # (tag, attribute, url, loaded)
        self.ids: set[str] = set()
        self.style_remote: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in ("id", "name") if tag in ("a", "map") else ("id",):
            if values.get(name):
                self.ids.add(values[name])
        rels = set(values.get("rel", "").lower().split())
        for attr, url in values.items():
            if (tag, attr) in LOADS:
                self.refs.append((tag, attr, url, True))
            elif (tag, attr) in LINKS:
                self.refs.append((tag, attr, url, tag == "link" and bool(rels & LOADING_RELS)))
        self.style_remote += _css_remote(values.get("style", ""))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style_remote += _css_remote(data)


def _css_remote(css: str) -> list[str]:
    return [a or b for a, b in CSS_REMOTE.findall(css)]


class _Pages(dict):
    """Parsed pages by path, each parsed once per check."""

    def __missing__(self, path: Path) -> _Page:
        page = self[path] = _Page()
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
        page.close()
        return page


def check(site: str | Path) -> list[str]:
    """Every problem of the site at ``site``, one line each: ``page: <tag attr="url">: what is wrong``."""
    site, pages = Path(site).resolve(), _Pages()
    problems = []
    for page_path in sorted(site.rglob("*.html")):
        page, name = pages[page_path], page_path.relative_to(site).as_posix()
        problems += [f"{name}: <style>: loads remote {url}" for url in page.style_remote]
        for tag, attr, url, loaded in page.refs:
            problem = _check_ref(site, pages, page_path, tag, url.strip(), loaded)
            if problem:
                problems.append(f'{name}: <{tag} {attr}="{url}">: {problem}')
    for css in sorted(site.rglob("*.css")):
        name = css.relative_to(site).as_posix()
        problems += [f"{name}: loads remote {url}" for url in _css_remote(css.read_text(errors="replace"))]
    return problems


def _check_ref(site: Path, pages: _Pages, page: Path, tag: str, url: str, loaded: bool) -> str | None:
    """What is wrong with ``url`` on ``page`` (None when nothing is)."""
    if REMOTE.match(url):
        return f"loads from the network ({urlsplit(url).netloc or url})" if loaded else None
    if SCHEME.match(url):
        return None  # mailto:, data:, javascript:
    parts = urlsplit(url)
    if not parts.path:
        target = page
    else:
        target = (page.parent / unquote(parts.path)).resolve()
        if site != target and site not in target.parents:
            return "points outside the site"
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return f"no such file {target.relative_to(site).as_posix()}"
    if tag == "img" and target.stat().st_size == 0:
        return "the image is an empty file"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in pages[target].ids:
        return f"no id '{fragment}' in {target.relative_to(site).as_posix()}"
    return None
