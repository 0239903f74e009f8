"""The result pages (data/README.md, README's lesson table, docs/RESULTS.md's generated blocks) match the data."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("results_pages", ROOT / "benchmarks" / "results_pages.py")
pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pages)


def test_the_written_pages_are_what_the_script_produces_now(capsys):
    assert pages.main(["--check"]) == 0, capsys.readouterr().out


def test_fill_replaces_only_its_block_and_names_a_missing_one():
    text = "a\n<!-- generated: x -->\nold\n<!-- end generated -->\nb\n<!-- generated: y -->\nkeep\n<!-- end generated -->\n"
    out = pages.fill(text, "x", "new")
    assert "new\n<!-- end generated -->" in out and "old" not in out and "keep" in out
    with pytest.raises(ValueError, match="no '<!-- generated: z -->' block"):
        pages.fill(text, "z", "")


def test_lessons_table_lists_every_notebook():
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [f for _, f, _, _ in pages.LESSONS if f] == notebooks
