"""A sweep's results file: a CSV that only ever grows, and beside it a record of the grid that made it.

Every finished run is appended by rewriting the file to a temporary one and moving it into place, so an interrupted
write keeps the old file whole and no row is ever lost or half-written. ``RESULTS.csv.grid.json`` holds the grid;
a sweep with a different grid refuses to write into the file (use another ``--out``).
"""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from advdis_lessons import atomic
from advdis_lessons.sweep.grid import Grid
from advdis_lessons.sweep.job import FIELDS

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
"""Where the course's own sweeps are kept (lesson 09 reads ``capstone.csv`` and ``capstone_gamma.csv`` from here)."""

TEXT = ("spec", "budget", "device", "host", "error", "config")
"""Columns that hold text; every other column is a number."""


class Results:
    """The results file of one grid: ``rows()``, ``done()`` keys, ``append(row)``."""

    def __init__(self, path: str | Path, grid: Grid):
        self.path = Path(path)
        self.grid_path = self.path.with_name(self.path.name + ".grid.json")
        self.grid = grid
        if self.path.exists():
            self._check_existing()

    @classmethod
    def read(cls, path: str | Path) -> "Results":
        """The finished (or partial) sweep at ``path``, with the grid recorded beside it: for reading its rows."""
        path = Path(path)
        grid_path = path.with_name(path.name + ".grid.json")
        if not path.exists() or not grid_path.exists():
            missing = path if not path.exists() else grid_path
            raise FileNotFoundError(f"no sweep results at {path}: {missing} does not exist")
        return cls(path, Grid(**json.loads(grid_path.read_text())))

    def _check_existing(self) -> None:
        if not self.grid_path.exists():
            raise ValueError(f"{self.path} exists but has no grid record ({self.grid_path.name}); it was not written "
                             "by a sweep. Choose another --out; the file is left as it is")
        old = json.loads(self.grid_path.read_text())
        new = self.grid.record()
        diff = [f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in sorted(set(old) | set(new))
                if old.get(k) != new.get(k)]
        if diff:
            raise ValueError(f"{self.path} holds the results of a different grid ({'; '.join(diff)}). Choose another "
                             "--out, or repeat the grid it was made with; the file is left as it is")
        with self.path.open(newline="") as fh:
            header = next(csv.reader(fh), [])
        if header != list(FIELDS):
            raise ValueError(f"{self.path} has columns {header}, not a sweep's {list(FIELDS)}; choose another --out")

    def rows(self) -> list[dict]:
        """Every recorded row, numbers as floats (NaN where empty), ``seed`` as int."""
        if not self.path.exists():
            return []
        out = []
        for row in csv.DictReader(self.path.open(newline="")):
            for key in row:
                if key not in TEXT:
                    row[key] = float(row[key]) if row[key] not in ("", "nan") else math.nan
            row["seed"] = int(row["seed"])
            out.append(row)
        return out

    def done(self) -> set[tuple[str, int]]:
        """The (spec, seed) pairs already recorded."""
        return {(r["spec"], r["seed"]) for r in self.rows()}

    def append(self, row: dict) -> None:
        """Add one row (keys :data:`FIELDS`): the file is rewritten atomically with every old row kept."""
        if self.path.exists():
            self._check_existing()
            old = self.path.read_text()
        else:
            old = None
            atomic.write_text(self.grid_path, json.dumps(self.grid.record(), indent=1) + "\n")
        buf = io.StringIO()
        writer = csv.DictWriter(buf, FIELDS, extrasaction="raise")
        if old is None:
            writer.writeheader()
        writer.writerow(row)
        atomic.write_text(self.path, (old or "") + buf.getvalue())
