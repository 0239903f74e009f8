"""The teaching frame in numbers: words per lesson and per part, the time each lesson's Aim estimates, coded exercises,
open questions, takeaways and concept checks.

    python benchmarks/lesson_frame.py

Reads the stored notebooks only (nothing runs). Words count the markdown cells; a part runs from its ``## `` heading
to the next one. Open questions are the numbered items of the ``## Exercises`` section.
"""
from __future__ import annotations

import re

import nbformat

from advdis_lessons.tools.nbtools import notebooks

PARTS = ("Aim", "Theory", "Practice", "See it", "Exercises", "Discussion", "Key takeaways", "References")


def measure(path) -> dict:
    nb = nbformat.read(path, as_version=4)
    words = dict.fromkeys(PARTS, 0)
    part, open_questions, checks, takeaways, time_line = None, 0, 0, 0, ""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for chunk in re.split(r"(?m)^(?=## )", cell.source):
            head = re.match(r"## ([^\n]+)", chunk)
            if head:
                part = next((p for p in PARTS if head.group(1).startswith(p)), part)
            if part in words:
                words[part] += len(chunk.split())
            if part == "Exercises":
                open_questions += len(re.findall(r"(?m)^\d+\. ", chunk))
            if part == "Key takeaways":
                takeaways += len(re.findall(r"(?m)^- ", chunk))
                checks += len(re.findall(r"\((\d)\) ", chunk.split("**Concept checks.**")[-1]))
            found = re.search(r"\*\*Time\.\*\* ([^\n]+(?:\n[^\n*]+)?)", chunk)
            if found and not time_line:
                time_line = " ".join(found.group(1).split())
    coded = sum("exercise" in c.metadata.get("tags", []) for c in nb.cells)
    minutes = sum(int(m) for m in re.findall(r"(\d+) min", time_line.split("—")[0].split(":")[0]))
    return {"lesson": path.name[:2], "words": sum(words.values()), **{f"words {p}": w for p, w in words.items()},
            "minutes (Aim's estimate)": minutes, "coded exercises": coded, "open questions": open_questions,
            "takeaways": takeaways, "concept checks": checks}


def main() -> int:
    rows = [measure(p) for p in notebooks()]
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
