"""Stored notebooks must be fresh: outputs rendered from the current code, no error outputs."""
import nbformat
import pytest

from advdis_lessons import nbtools

NOTEBOOKS = nbtools.notebooks()


def test_there_are_lessons():
    assert [p.name[:2] for p in NOTEBOOKS][:2] == ["00", "01"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_fresh(path):
    assert nbtools.problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_template(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("## Aim", "## Theory", "## Practice", "## See it", "## Exercises", "## Discussion", "## References"):
        assert heading in text, f"{path.name} lacks the template section {heading!r}"
    tags = [set(c.metadata.get("tags", [])) for c in nb.cells]
    n_ex = sum("exercise" in t for t in tags)
    assert n_ex >= 1 and n_ex == sum("solution" in t for t in tags)
    for cell, t in zip(nb.cells, tags):
        if "exercise" in t:
            assert 'NotImplementedError("Exercise:' in cell.source
        if "solution" in t:
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True


def test_student_copy_drops_solutions(tmp_path):
    for path in NOTEBOOKS:
        out = nbformat.read(nbtools.student_copy(path, tmp_path), as_version=4)
        assert not any("solution" in c.metadata.get("tags", []) for c in out.cells)
        assert all(not c.get("outputs") for c in out.cells if c.cell_type == "code")
