"""Shared by the benchmark scripts: append one result row to a CSV, writing the header for a new file."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from advdis_lessons import atomic


def write_rows(path: Path, fields: list[str], rows: list[dict]) -> None:
    """Write ``rows`` (keys = ``fields``) with a header to ``path``, atomically (an interrupted write keeps the
    previous file)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fields)
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(path, buf.getvalue())


def append_row(path: Path, fields: list[str], row: dict) -> None:
    """Append ``row`` (keys = ``fields``) to ``path``; a new file gets the header first. The file is rewritten
    atomically, so an interrupted append never leaves half a row."""
    old = list(csv.DictReader(path.open(newline=""))) if path.exists() else []
    write_rows(path, fields, [*old, row])
