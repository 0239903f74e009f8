"""MathJax 2 for the site, copied from the installed ``jupyter_server_mathjax`` package: maths without a network.

The package ships MathJax 2.7 as plain files (12 MB). The site keeps what typesetting TeX to HTML-CSS with the
STIX-Web fonts needs: the loader, one combined configuration, the TeX input and its extensions, the HTML-CSS
output and its fonts, and the English strings. Left out: the SVG output, the other languages, and the optional
accessibility explorer (its menu entry stays; the hidden MathML for screen readers, AssistiveMML, is kept).
"""
from __future__ import annotations

import shutil
from pathlib import Path

FOLDER = "_static/mathjax"                       # inside the built site
CONFIG = "TeX-AMS-MML_HTMLorMML-full"            # the one combined configuration the package ships
PATH = f"{FOLDER.removeprefix('_static/')}/MathJax.js?config={CONFIG}"  # Sphinx's mathjax_path: under _static/
KEEP = (
    "LICENSE", "MathJax.js", f"config/{CONFIG}.js",
    "extensions/*.js", "extensions/TeX/**/*", "extensions/HTML-CSS/*", "extensions/MathML/*",
    "extensions/a11y/accessibility-menu.js",
    "jax/input/TeX/*", "jax/element/**/*", "jax/output/HTML-CSS/**/*",
    "fonts/HTML-CSS/STIX-Web/woff/*", "localization/en/**/*",
)
# Sphinx writes \( \) and \[ \] inside elements of class "math"; only those are typeset, with the shipped fonts.
SETTINGS = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processEscapes": False, "ignoreClass": "document", "processClass": "math"},
    "MMLorHTML": {"prefer": "HTML"},   # HTML-CSS in every browser: the NativeMML output is not shipped
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None,
                 # its font-loading probe, url('about:blank'), is refused on file:// pages; an absent local font
                 # probes the same way without a request
                 "styles": {"@font-face": {"font-family": "MathJax_Blank", "src": "local('MathJax_Blank')"}}},
    "messageStyle": "none",
}


def source() -> Path:
    """The MathJax 2 folder of the installed ``jupyter_server_mathjax``; an error that says how to get it if absent."""
    try:
        import jupyter_server_mathjax
    except ImportError as err:
        raise RuntimeError("the site needs MathJax 2 from the package jupyter-server-mathjax, which is not installed: "
                           "pip install -e '.[docs]'") from err
    folder = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (folder / "MathJax.js").is_file() or not (folder / "config" / f"{CONFIG}.js").is_file():
        raise RuntimeError(f"{folder} lacks MathJax.js or config/{CONFIG}.js; reinstall jupyter-server-mathjax")
    return folder


def files(folder: Path | None = None) -> list[Path]:
    """The files of ``folder`` (default: :func:`source`) that the site keeps, relative to it, sorted."""
    folder = folder or source()
    kept = {p.relative_to(folder) for pattern in KEEP for p in folder.glob(pattern) if p.is_file()}
    return sorted(kept)


def copy_into(site: Path) -> int:
    """Copy the kept MathJax files into ``site``/_static/mathjax; return their total size in bytes."""
    folder, dest = source(), site / FOLDER
    total = 0
    for rel in files(folder):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / rel, dest / rel)
        total += (dest / rel).stat().st_size
    return total
