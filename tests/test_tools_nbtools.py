"""Stored notebooks must be fresh: outputs rendered from the current code, no error outputs."""
import ast
import re

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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_teaching_frame(path):
    """Objectives, prerequisites, time per part and a recap open each lesson; takeaways and concept checks close it,
    with their answers, a 90-minute plan and the open questions' answers in the lesson's instructor notes."""
    nb = nbformat.read(path, as_version=4)
    md = [c.source for c in nb.cells if c.cell_type == "markdown"]
    aim = next(s for s in md if s.startswith("## Aim"))
    objectives = [line for line in aim.splitlines() if line[:2].rstrip(".").isdigit() and line[1:3] == ". "]
    assert 3 <= len(objectives) <= 5, f"{path.name}: {len(objectives)} learning objectives (want 3-5)"
    for part in ("**Prerequisites.**", "**Time.**"):
        assert part in aim, f"{path.name}: the Aim lacks {part}"
    assert "left off.**" in aim or "**Before you start.**" in aim, f"{path.name}: no recap of the previous lesson"
    close = next((s for s in md if s.startswith("## Key takeaways")), "")
    assert close, f"{path.name}: no '## Key takeaways'"
    checks = close.split("**Concept checks.**")[-1]
    n = sum(f"({k})" in checks for k in range(1, 7))
    assert "**Concept checks.**" in close and 3 <= n <= 5, f"{path.name}: {n} concept checks (want 3-5)"
    guide = nbtools.NOTEBOOK_DIR.parent / "docs" / "instructor" / f"{path.name[:2]}.md"
    assert guide.name in close, f"{path.name}: the concept checks do not point to {guide.name}"
    text = guide.read_text()
    for section in ("## A 90-minute plan", "## Answers to the concept checks", "## Answers to the open questions",
                    "## Common misconceptions"):
        assert section in text, f"{guide}: lacks {section!r}"


TRIVIAL_CALLS = {"len", "range", "float", "int", "print", "list", "dict", "zip", "enumerate", "sum", "max", "min", "any",
                 "all", "sorted", "tuple", "set", "isinstance", "str", "abs", "round", "super"}


def _stub_messages(source: str) -> str:
    return " ".join(node.args[0].value for node in ast.walk(ast.parse(source))
                    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "NotImplementedError"
                    and node.args and isinstance(node.args[0], ast.Constant))


def _calls(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            names.add(node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", ""))
    return names - TRIVIAL_CALLS - {""}


def leaks(stub: str, solution: str) -> list[str]:
    """What of the solution a stub's message gives away: a function it calls, written as code, or arithmetic."""
    msg = _stub_messages(stub)
    found = [f"{c}(...)" for c in sorted(_calls(solution)) if re.search(rf"(\b{re.escape(c)}\s*\(|\.{re.escape(c)}\b)", msg)]
    found += re.findall(r"\w\s*[*/%^]\s*\w|\w \+ \w|\w - \w", msg)
    return found


def test_the_leak_check_catches_a_formula_and_passes_an_instruction():
    solution = "def f(mu, logvar):\n    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)"
    assert leaks('raise NotImplementedError("Exercise: return mu + exp(logvar / 2) * eps")', solution)
    assert leaks('raise NotImplementedError("Exercise: use torch.randn_like")', solution) == ["randn_like(...)"]
    assert not leaks('raise NotImplementedError("Exercise: draw z from the Gaussian with mean mu, log-variance '
                     'logvar")', solution)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stub_message_contains_its_solution(path):
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if "exercise" in cell.metadata.get("tags", []):
            solution = cells[i + 1]
            assert "solution" in solution.metadata.get("tags", []), f"{path.name} cell {i}: no solution cell after it"
            assert not leaks(cell.source, solution.source), \
                f"{path.name} cell {i}: the stub's message gives the answer away: {leaks(cell.source, solution.source)}"


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
