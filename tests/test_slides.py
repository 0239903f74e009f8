"""Lecture decks: every lesson carries slide metadata that follows the rule, and `make slides` writes one deck per
lesson, with the expected slides, that loads nothing from a remote host."""
import re
import shutil
from html.parser import HTMLParser

import nbformat
import pytest

from advdis_lessons.publish import slides, tagging, vendor
from advdis_lessons.tools import nbtools

LESSONS = nbtools.notebooks()
REMOTE = re.compile(r"^\s*(?:[a-z][\w+.-]*:)?//", re.IGNORECASE)   # http://, https://, //host: loaded from elsewhere
CSS_REFS = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")]+)""", re.IGNORECASE)
# What a page loads (a link the reader clicks, <a href>, may point anywhere).
LOADS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src", "audio": "src",
         "embed": "src", "object": "data", "link": "href"}


class Deck(HTMLParser):
    """The slide structure and every loaded or linked reference of a deck."""

    def __init__(self, text: str):
        super().__init__()
        self.depth, self.stacks, self.slides, self.too_deep = 0, 0, 0, 0
        self.loads, self.links, self.css, self.inline_js, self.notes = [], [], [], [], 0
        self._in = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.stacks += self.depth == 0
            self.slides += self.depth == 1
            self.too_deep += self.depth > 1
            self.depth += 1
        if tag in LOADS and attrs.get(LOADS[tag]):
            self.loads.append(attrs[LOADS[tag]])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if "style" in attrs:
            self.css.append(attrs["style"])
        if tag == "aside" and "notes" in (attrs.get("class") or ""):
            self.notes += 1
        self._in = tag if tag in ("style", "script") else None

    def handle_endtag(self, tag):
        if tag == "section":
            self.depth -= 1
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.css.append(data)
        elif self._in == "script":
            self.inline_js.append(data)


def expected(nb) -> tuple[int, int]:
    """(horizontal stacks, slides) that reveal.js shows for the stored metadata, as nbconvert reads it: the first
    visible cell always opens a slide; each later 'slide' opens a stack and a slide, each 'subslide' a slide."""
    kinds = [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in nb.cells]
    shown = [k for k in kinds if k not in ("skip", "notes")]
    rest = shown[1:]
    return 1 + rest.count("slide"), 1 + rest.count("slide") + rest.count("subslide")


def css_refs(text: str) -> list[str]:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)  # a URL in a comment loads nothing
    return [a or b for a, b in CSS_REFS.findall(text)]


def local(ref: str) -> str:
    return ref.split("#")[0].split("?")[0]


def test_one_deck_per_lesson(decks):
    assert sorted(p.name for p in decks.glob(f"*{slides.DECK_SUFFIX}")) == [
        p.stem + slides.DECK_SUFFIX for p in LESSONS]
    assert len(LESSONS) == 10


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_deck_shows_the_slides_the_metadata_asks_for(decks, lesson):
    nb = nbformat.read(lesson, as_version=4)
    deck = Deck((decks / f"{lesson.stem}{slides.DECK_SUFFIX}").read_text())
    assert (deck.stacks, deck.slides) == expected(nb)
    assert deck.too_deep == 0 and deck.depth == 0
    assert deck.notes == sum(c.metadata["slideshow"]["slide_type"] == "notes" for c in nb.cells)
    assert deck.slides >= 15, "a lesson is more than a handful of slides"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_deck_loads_nothing_from_a_remote_host(decks, lesson):
    text = (decks / f"{lesson.stem}{slides.DECK_SUFFIX}").read_text()
    deck = Deck(text)
    refs = deck.loads + [r for css in deck.css for r in css_refs(css)]
    assert refs and not [r for r in refs if REMOTE.match(r)]
    assert not [js for js in deck.inline_js if re.search(r"(https?:)?//[\w-]+\.[\w.-]+/", js)]
    missing = [r for r in refs + deck.links if not r.startswith(("#", "data:")) and not REMOTE.match(r)
               and not r.startswith("mailto:") and not (decks / local(r)).exists()]
    assert not missing, f"references to files that are not there: {missing}"
    assert "vendor/mathjax/MathJax.js" in text and "vendor/reveal.js/dist/reveal.js" in text
    assert "application/vnd.jupyter.widget" not in text
    nb = nbformat.read(lesson, as_version=4)
    widgets = sum(tagging.output_kind(o) == "widget" for c in nb.cells for o in c.get("outputs", []))
    assert text.count('class="advdis-widget-note"') + text.count('class="advdis-progress"') == widgets


def test_vendored_css_loads_only_files_beside_it(decks):
    sheets = list((decks / "vendor").rglob("*.css"))
    assert sheets
    for sheet in sheets:
        refs = css_refs(sheet.read_text())
        assert not [r for r in refs if REMOTE.match(r)], sheet
        assert not [r for r in refs if not r.startswith("data:") and not (sheet.parent / local(r)).exists()], sheet


def test_lesson_links_point_at_decks(decks):
    deck = Deck((decks / f"{LESSONS[3].stem}{slides.DECK_SUFFIX}").read_text())
    assert f"{LESSONS[2].stem}{slides.DECK_SUFFIX}" in deck.links
    assert not [link for link in deck.links if link.endswith(".ipynb")]


def test_stored_lessons_follow_the_slide_rule(capsys):
    assert slides.main(["tag", "--check"]) == 0, capsys.readouterr().out


def test_check_names_the_cell_that_differs(tmp_path, capsys):
    lesson = LESSONS[3]
    copy = tmp_path / lesson.name
    nb = nbformat.read(lesson, as_version=4)
    i = next(k for k, c in enumerate(nb.cells) if c.cell_type == "code" and c.metadata["slideshow"]["slide_type"] == "-")
    nb.cells[i].metadata["slideshow"]["slide_type"] = "fragment"
    nb.cells.insert(i + 4, nbformat.v4.new_markdown_cell("A new cell, not yet tagged"))
    copy.write_text(nbformat.writes(nb) + "\n")
    assert slides.main(["tag", "--check", str(copy)]) == 1
    out = capsys.readouterr().out
    assert f"{lesson.name}: cell {i} (code, " in out and "has slide_type 'fragment'; the rule says '-'" in out
    assert f"cell {i + 4} (markdown, 'A new cell, not yet tagged') has no slide_type" in out
    before = copy.read_bytes()
    assert slides.main(["tag", "--check", str(copy)]) == 1 and copy.read_bytes() == before  # --check writes nothing


def test_tag_only_touches_slide_metadata_and_is_idempotent(tmp_path):
    lesson = LESSONS[1]
    copy = tmp_path / lesson.name
    nb = nbformat.read(lesson, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("slideshow")
    copy.write_text(nbformat.writes(nb) + "\n")
    slides.tag([copy])
    assert copy.read_bytes() == lesson.read_bytes()
    slides.tag([copy])
    assert copy.read_bytes() == lesson.read_bytes()


def test_the_rule_on_a_small_lesson():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    figure = nbformat.v4.new_output("display_data", {"image/png": "", "text/plain": "<Figure>"})
    nb = nbformat.v4.new_notebook(cells=[
        md("# 99 · A lesson"), code("%matplotlib inline\nimport numpy as np"), md("## Theory\nText."),
        md("### A part"), code("def f():\n    pass", metadata={"tags": ["exercise"]}),
        code("def f():\n    return 1", metadata={"tags": ["solution"]}),
        code("plot()", outputs=[figure]), md("Reading the figure."), code("assert f() == 1"),
        code("x = 1\n" * 30), md("Long.\n" * 30),
    ])
    assert tagging.slide_types(nb) == ["slide", "skip", "slide", "subslide", "-", "notes", "-", "fragment", "skip",
                                       "subslide", "subslide"]


def test_bad_input_names_the_value(tmp_path, capsys):
    with pytest.raises(SystemExit):
        slides.main(["build", "zz_no_such_lesson", "--out", str(tmp_path)])
    assert "no lesson matches 'zz_no_such_lesson'; the lessons are 00_welcome_and_data" in capsys.readouterr().err
    a_file = tmp_path / "decks"
    a_file.write_text("not a folder")
    with pytest.raises(SystemExit):
        slides.main(["build", "03", "--out", str(a_file)])
    assert f"--out {a_file} is a file, not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        slides.main(["tag", "--check", "zz_no_such_lesson"])
    assert "'zz_no_such_lesson'" in capsys.readouterr().err


def test_a_tarball_with_other_bytes_is_refused(tmp_path):
    with pytest.raises(vendor.VendorError, match=re.escape(vendor.REVEAL_URL)):
        vendor.check_integrity(b"not reveal.js")
    cached = vendor.default_cache() / f"reveal.js-{vendor.REVEAL_VERSION}"
    if not cached.is_dir():
        pytest.skip("reveal.js is not cached")
    shutil.copytree(cached, tmp_path / f"reveal.js-{vendor.REVEAL_VERSION}")
    assert vendor.reveal_dir(tmp_path) == tmp_path / f"reveal.js-{vendor.REVEAL_VERSION}"  # cached: no fetch
    assert all((tmp_path / f"reveal.js-{vendor.REVEAL_VERSION}" / f).exists() for f in vendor.REVEAL_FILES)
