"""make site: the static site is built from the stored outputs (nothing executes), lists the lessons in order,
shows every stored figure, has no broken internal link, missing image or remote load, and Sphinx is silent.

The build needs the docs extra (pip install -e '.[docs]'); its tests are skipped without it. The checker's and
the widget stand-ins' own tests need nothing beyond the standard library.
"""
import json
import re
from pathlib import Path

import pytest

from advdis_lessons.publish import linkcheck, site, site_notebook

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ALLOWED_WARNINGS: tuple[str, ...] = ()  # Sphinx warnings the site accepts: none
# myst-parser 5.2 still reads an attribute that Sphinx 9 deprecates; nothing the site can change
pytestmark = pytest.mark.filterwarnings(r"ignore:.*MystReferenceResolver\.app' is deprecated")


def _needs_docs_extra():
    for module in ("sphinx", "myst_nb", "jupyter_server_mathjax"):
        pytest.importorskip(module, reason=f"{module} is not installed: the site needs pip install -e '.[docs]'")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    _needs_docs_extra()
    out = tmp_path_factory.mktemp("site") / "site"
    return site.build(out, quiet=True)


def _page(built, lesson: Path) -> str:
    return (built.out / "notebooks" / f"{lesson.stem}.html").read_text(encoding="utf-8")


def test_the_index_lists_every_lesson_in_lesson_order(built):
    index = (built.out / "index.html").read_text(encoding="utf-8")
    contents = index[index.index('class="toctree-wrapper'):]
    listed = list(dict.fromkeys(re.findall(r'href="notebooks/([^"#]+)\.html', contents)))
    assert listed == [p.stem for p in LESSONS]
    for name in ("docs/GLOSSARY.html", "docs/instructor/README.html", "docs/RESULTS.html"):
        assert f'href="{name}"' in contents, f"the index does not list {name}"


def test_each_lesson_page_shows_its_stored_figures(built):
    for lesson in LESSONS:
        nb = json.loads(lesson.read_text(encoding="utf-8"))
        stored = sum(1 for cell in nb["cells"] for out in cell.get("outputs", [])
                     if any(mime.startswith("image/") for mime in out.get("data", {})))
        shown = len(re.findall(r"<img\b", _page(built, lesson)))
        assert shown >= stored > 0, f"{lesson.name}: {shown} <img> on the page, {stored} stored figures"


def test_no_broken_link_missing_image_or_remote_load(built):
    assert built.problems == []
    assert linkcheck.check(built.out) == []  # where it landed too, not only where it was built


def test_sphinx_gives_no_warnings(built):
    unexpected = [w for w in built.warnings if not any(allowed in w for allowed in ALLOWED_WARNINGS)]
    assert unexpected == []


def test_widgets_are_static_and_maths_is_served_by_the_site(built):
    page = _page(built, ROOT / "notebooks" / "01_vae.ipynb")
    assert "Interactive widget (TraversalExplorer) — run this lesson in JupyterLab to use it." in page
    assert re.search(r'<progress value="1500" max="1500"></progress> <code>lesson-vae: 100% 1500/1500', page)
    for lesson in LESSONS:
        html = _page(built, lesson)
        assert "widget-view+json" not in html and "widget-state+json" not in html and "require.js" not in html
        mathjax = f'src="../_static/mathjax/MathJax.js?config={site.site_mathjax.CONFIG}"'  # no ?v= after it
        assert mathjax in html, f"{lesson.name} does not load the site's MathJax with its configuration"
    assert (built.out / "_static/mathjax/config" / f"{site.site_mathjax.CONFIG}.js").is_file()
    assert not (built.out / "_sources").exists() and 0 < built.mathjax_bytes < built.bytes


def test_all_maths_reaches_mathjax(built):
    """A ``$`` left in a page's text is maths MyST did not parse (Jupyter's $$ inside a paragraph, say)."""
    stray = {}
    for path in sorted(built.out.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        for pattern in (r"<pre.*?</pre>", r"<code.*?</code>", r"<script.*?</script>",
                        r'<span class="math[^"]*">.*?</span>', r'<div class="math[^"]*">.*?</div>'):
            html = re.sub(pattern, "", html, flags=re.DOTALL)
        if "$" in html:
            stray[path.relative_to(built.out).as_posix()] = [html[max(0, m.start() - 40):m.start() + 40]
                                                              for m in re.finditer(r"\$", html)][:3]
    assert stray == {}


def test_the_build_leaves_nothing_beside_the_site(built):
    assert sorted(p.name for p in built.out.parent.iterdir()) == ["site"]


def test_a_failed_build_leaves_the_previous_site_as_it_was(tmp_path, monkeypatch):
    _needs_docs_extra()
    from sphinx.application import Sphinx
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous site")
    with pytest.raises(RuntimeError, match="holds files but no Sphinx site"):
        site.build(out, quiet=True)  # a folder that is not a site is never replaced
    (out / ".buildinfo").write_text("# Sphinx build info version 1")

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Sphinx, "build", interrupted)
    with pytest.raises(KeyboardInterrupt):
        site.build(out, quiet=True)
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    assert sorted(p.name for p in out.iterdir()) == [".buildinfo", "index.html"]
    assert (out / "index.html").read_text() == "the previous site"


def test_the_checker_reports_each_kind_of_problem(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text('<p id="here">folder index</p>')
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "ok.png").write_bytes(b"\x89PNG")
    (tmp_path / "style.css").write_text("body { background: url('https://cdn.example.org/bg.png'); }")
    (tmp_path / "page.html").write_text("""<html><head>
        <script src="https://cdn.example.org/lib.js"></script>
        <link rel="stylesheet" href="//fonts.example.org/css">
        <link rel="next" href="https://example.org/next.html">
        <style>@import url("https://fonts.example.org/font.css");</style>
        </head><body>
        <a href="https://arxiv.org/abs/1312.6114">a paper</a> <a href="mailto:x@example.org">mail</a>
        <a href="sub/">a folder</a> <a href="sub/index.html#here">a section</a> <a href="#top" id="top">top</a>
        <a href="missing.html">gone</a> <a href="sub/index.html#nowhere">no such section</a>
        <a href="../outside.html">outside</a>
        <img src="ok.png"> <img src="empty.png"> <img src="gone.png"> <img src="https://example.org/pic.png">
        <iframe src="https://example.org/embed"></iframe>
        </body></html>""")
    problems = linkcheck.check(tmp_path)
    assert problems == [
        'page.html: <style>: loads remote https://fonts.example.org/font.css',
        'page.html: <script src="https://cdn.example.org/lib.js">: loads from the network (cdn.example.org)',
        'page.html: <link href="//fonts.example.org/css">: loads from the network (fonts.example.org)',
        'page.html: <a href="missing.html">: no such file missing.html',
        "page.html: <a href=\"sub/index.html#nowhere\">: no id 'nowhere' in sub/index.html",
        'page.html: <a href="../outside.html">: points outside the site',
        'page.html: <img src="empty.png">: the image is an empty file',
        'page.html: <img src="gone.png">: no such file gone.png',
        'page.html: <img src="https://example.org/pic.png">: loads from the network (example.org)',
        'page.html: <iframe src="https://example.org/embed">: loads from the network (example.org)',
        "style.css: loads remote https://cdn.example.org/bg.png",
    ]


def test_a_widget_becomes_its_final_progress_line_or_a_note():
    state = {
        "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_l", "IPY_MODEL_p", "IPY_MODEL_r"]}},
        "l": {"model_name": "HTMLModel", "state": {"value": "train:\u2007100%"}},
        "p": {"model_name": "FloatProgressModel", "state": {"value": 30.0, "max": 30.0}},
        "r": {"model_name": "HTMLModel", "state": {"value": "\u200730/30\u2007[00:02&lt;00:00]"}},
        "box": {"model_name": "VBoxModel", "state": {"children": []}},
    }
    nb = {"metadata": {"widgets": {site_notebook.STATE: {"state": state}}}, "cells": [
        {"cell_type": "code", "metadata": {"tags": ["solution"]}, "outputs": [
            {"output_type": "display_data", "data": {site_notebook.VIEW: {"model_id": "bar"}, "text/plain": "x"}},
            {"output_type": "display_data", "data": {site_notebook.VIEW: {"model_id": "box"},
                                                     "text/plain": "Explorer(children=())"}},
            {"output_type": "display_data", "data": {site_notebook.VIEW: {"model_id": "lost"}, "text/plain": "?"}}]}]}
    cell = site_notebook.prepare(nb)["cells"][0]
    assert "widgets" not in nb["metadata"] and "hide-input" in cell["metadata"]["tags"]
    bar, note, lost = (out["data"]["text/html"] for out in cell["outputs"])
    assert bar == ('<div class="advdis-progress"><progress value="30" max="30"></progress> '
                   "<code>train: 100% 30/30 [00:02&lt;00:00]</code></div>")
    assert "Interactive widget (Explorer) — run this lesson in JupyterLab" in note
    assert "Interactive widget — run this lesson in JupyterLab" in lost
