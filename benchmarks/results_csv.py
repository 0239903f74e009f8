"""Shared by the benchmark scripts: append one result row to a CSV, writing the header for a new file."""
from __future__ import annotations

import csv
from pathlib import Path


def append_row(path: Path, fields: list[str], row: dict) -> None:
    """Append ``row`` (keys = ``fields``) to ``path``; a new file gets the header first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        if new:
            writer.writeheader()
        writer.writerow(row)
