"""Atomic writes: an interrupted write leaves the old file and no temporary file."""
import os

import pytest
import torch

from advdis_lessons import atomic


def test_a_write_replaces_the_file(tmp_path):
    path = tmp_path / "sub" / "a.txt"
    atomic.write_text(path, "one")
    atomic.write_text(path, "two")
    assert path.read_text() == "two" and [p.name for p in path.parent.iterdir()] == ["a.txt"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()  # like any new file, not mkstemp's 0600
    path.chmod(0o640)
    atomic.write_text(path, "three")
    assert path.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("error", [KeyboardInterrupt, OSError])
def test_an_interrupted_write_keeps_the_old_file(tmp_path, error):
    path = tmp_path / "a.pt"
    atomic.save_torch({"x": torch.ones(2)}, path)
    with pytest.raises(error):
        with atomic.replacing(path) as tmp:
            tmp.write_bytes(b"half a fi")
            raise error()
    assert torch.equal(torch.load(path, weights_only=True)["x"], torch.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ["a.pt"]
