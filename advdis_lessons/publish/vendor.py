"""The decks' offline assets: reveal.js from a pinned npm tarball, MathJax 2 from an installed pip package.

A deck opened from ``file://`` (a USB stick, a lecture-hall PC without network) may load nothing from a remote
host, so everything it loads sits in a ``vendor/`` folder beside it:

- reveal.js 4.6.0: fetched once from the npm registry, its sha512 checked against the integrity the registry
  publishes, and only the files a deck loads unpacked into a cache (``build/vendor/`` of the checkout);
- MathJax 2.7: the trimmed file set the static site also uses (``site_mathjax``), from ``jupyter-server-mathjax``.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from advdis_lessons.publish import site_mathjax

REVEAL_VERSION = "4.6.0"
REVEAL_URL = f"https://registry.npmjs.org/reveal.js/-/reveal.js-{REVEAL_VERSION}.tgz"
REVEAL_INTEGRITY = "sha512-QC80rYsZldAe95bW9VImucIPTjfsKhI0jRQrIOXU4P92ZyXb/dfw9L3EE96bN6i7UmeUl1qBieH4UNTr25erYw=="
REVEAL_FILES = ("LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/white.css",
                "dist/theme/fonts/source-sans-pro/", "plugin/notes/notes.js")   # a trailing / keeps a whole folder
REVEAL = "reveal.js"      # folder names inside a deck folder's vendor/
MATHJAX = "mathjax"
MATHJAX_CONFIG = site_mathjax.CONFIG
ROOT = Path(__file__).resolve().parents[2]


class VendorError(RuntimeError):
    """An asset cannot be had: wrong bytes, a missing package."""


class OfflineError(VendorError):
    """The reveal.js tarball is neither cached nor reachable."""


def default_cache() -> Path:
    """``build/vendor`` of the checkout; ``~/.cache/advdis_lessons/vendor`` for an installed package."""
    if (ROOT / "pyproject.toml").is_file():
        return ROOT / "build" / "vendor"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "advdis_lessons" / "vendor"


def _wanted(name: str) -> str | None:
    """The path inside the package of a tarball member a deck needs, else None."""
    rel = name.removeprefix("package/")
    if rel == name or ".." in Path(rel).parts:
        return None
    return rel if any(rel == f or (f.endswith("/") and rel.startswith(f)) for f in REVEAL_FILES) else None


def _new_dir(parent: Path, prefix: str) -> Path:
    """A new empty folder in ``parent``, readable by all like any other build output (mkdtemp makes it 0700)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    folder.chmod(0o755)
    return folder


def _copy_tree(files: dict[Path, Path]) -> int:
    total = 0
    for src, dst in files.items():
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        total += dst.stat().st_size
    return total


def check_integrity(data: bytes, integrity: str = REVEAL_INTEGRITY) -> None:
    """Raise VendorError unless ``data`` has the npm ``integrity`` (``sha512-<base64>``)."""
    got = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != integrity:
        raise VendorError(f"{REVEAL_URL} does not have the pinned integrity: expected {integrity}, got {got}. "
                          f"Nothing was unpacked; a proxy or a changed file on the registry is the likely cause")


def unpack(data: bytes, dest: Path) -> None:
    """Unpack the files a deck needs from the tarball bytes ``data`` into ``dest`` (created whole or not at all)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_dir(dest.parent, f".{dest.name}.")
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                rel = _wanted(member.name)
                if rel is not None and member.isfile():
                    (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                    (tmp / rel).write_bytes(tar.extractfile(member).read())
        missing = [f for f in REVEAL_FILES if not (tmp / f).exists()]
        if missing:
            raise VendorError(f"{REVEAL_URL} lacks {', '.join(missing)}")
        try:
            os.replace(tmp, dest)
        except OSError:
            if not dest.is_dir():
                raise  # else another build unpacked the same files first: keep those
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def reveal_dir(cache: Path | None = None, timeout: float = 60.0) -> Path:
    """The unpacked reveal.js files, fetched into ``cache`` on first use."""
    dest = (cache or default_cache()) / f"reveal.js-{REVEAL_VERSION}"
    if dest.is_dir():
        return dest
    try:
        with urllib.request.urlopen(REVEAL_URL, timeout=timeout) as response:
            data = response.read()
    except (urllib.error.URLError, OSError) as err:
        raise OfflineError(f"reveal.js {REVEAL_VERSION} is not cached in {dest.parent} and {REVEAL_URL} cannot be "
                           f"fetched ({err}). Connect once, or unpack that tarball's package/ folder into {dest}"
                           ) from err
    check_integrity(data)
    unpack(data, dest)
    return dest


def mathjax_dir() -> Path:
    """MathJax 2 of the installed ``jupyter-server-mathjax``; VendorError saying how to install it if absent."""
    try:
        import jupyter_server_mathjax  # noqa: F401
    except ImportError as err:
        raise VendorError("the slide decks typeset maths with MathJax 2 from the package jupyter-server-mathjax, "
                          "which is not installed: pip install -e '.[docs]'") from err
    try:
        return site_mathjax.source()
    except RuntimeError as err:
        raise VendorError(str(err)) from err


def mathjax_url(prefix: str = "vendor") -> str:
    """The URL of MathJax with its configuration, relative to a deck."""
    return f"{prefix}/{MATHJAX}/MathJax.js?config={MATHJAX_CONFIG}"


def install(out: Path, cache: Path | None = None) -> int:
    """Put reveal.js and the trimmed MathJax into ``out``/vendor (replaced whole); returns its size in bytes."""
    reveal, mathjax = reveal_dir(cache), mathjax_dir()
    tmp = _new_dir(out, ".vendor.")
    try:
        files = {p: tmp / REVEAL / p.relative_to(reveal) for p in sorted(reveal.rglob("*")) if p.is_file()}
        files.update({mathjax / rel: tmp / MATHJAX / rel for rel in site_mathjax.files(mathjax)})
        total = _copy_tree(files)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    stale = _new_dir(out, ".vendor-old.")
    if (out / "vendor").exists():
        os.replace(out / "vendor", stale / "vendor")
    os.replace(tmp, out / "vendor")
    shutil.rmtree(stale)
    return total
