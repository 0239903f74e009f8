"""The lecture decks in a real browser: at the deck's own 16:9 size, no code cell of any lesson scrolls sideways, so
a lecturer never has to scroll a line into view while projecting. Gated like ``test_browser_lessons.py``."""
from __future__ import annotations

import os

import pytest
from browser_lab import CHROMIUM, CHROMIUM_ARGS, missing

from advdis_lessons.publish import slides
from advdis_lessons.tools import nbtools

WHY_NOT = missing()
if WHY_NOT and os.environ.get("ADVDIS_BROWSER_TESTS") == "required":
    raise RuntimeError(f"ADVDIS_BROWSER_TESTS=required but {WHY_NOT}")
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")

LESSONS = nbtools.notebooks()
WIDE_CODE = """async () => {
  const wide = [];
  for (const slide of Reveal.getSlides()) {
    const at = Reveal.getIndices(slide);
    Reveal.slide(at.h, at.v);
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    for (const pre of slide.querySelectorAll('.jp-InputArea-editor pre')) {
      const over = pre.scrollWidth - pre.clientWidth;
      if (over > 1) wide.push(`slide ${at.h}.${at.v || 0}: ${over} px too wide: ${pre.textContent.slice(0, 60)}`);
    }
  }
  return wide;
}"""


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium.new_page(viewport={"width": slides.DECK_SIZE[0], "height": slides.DECK_SIZE[1]})
        chromium.close()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_no_code_cell_scrolls_sideways_on_a_slide(decks, page, lesson):
    page.goto((decks / f"{lesson.stem}{slides.DECK_SUFFIX}").as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=60_000)
    assert page.evaluate("() => [Reveal.getConfig().width, Reveal.getConfig().height]") == list(slides.DECK_SIZE)
    assert page.evaluate("() => document.querySelectorAll('.jp-InputArea-editor pre').length") > 0
    assert page.evaluate(WIDE_CODE) == []
