"""Stored notebooks must be fresh: outputs rendered from the current code, no error outputs."""
import nbformat
import pytest

from advdis_lessons.tools import nbtools

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
        target, what = nbtools.student_copy(path, tmp_path)
        assert what == "written"
        out = nbformat.read(target, as_version=4)
        assert not any("solution" in c.metadata.get("tags", []) for c in out.cells)
        assert all(not c.get("outputs") for c in out.cells if c.cell_type == "code")


def test_student_copies_never_overwrite_a_learners_edits_or_the_lessons(tmp_path):
    lesson = NOTEBOOKS[0]
    target, what = nbtools.student_copy(lesson, tmp_path)
    assert what == "written" and nbtools.student_copy(lesson, tmp_path)[1] == "unchanged"
    nb = nbformat.read(target, as_version=4)
    nb.cells[0].source += "\n\nMy notes."
    nbformat.write(nb, target)
    target, what = nbtools.student_copy(lesson, tmp_path)
    assert what.startswith("kept: edited") and "My notes." in target.read_text()
    assert nbtools.student_copy(lesson, tmp_path, force=True)[1] == "written"
    assert "My notes." not in target.read_text()
    before = lesson.read_bytes()
    with pytest.raises(ValueError, match="is the lessons' own folder"):
        nbtools.student_copy(lesson, nbtools.NOTEBOOK_DIR)
    assert lesson.read_bytes() == before
