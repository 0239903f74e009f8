"""A lesson notebook as the static site shows it: widgets become static HTML, solutions start folded.

A widget needs a kernel; on a page without one, ipywidgets' HTML manager (7.5 MB from a CDN) could only draw
the controls, dead. So each widget view output becomes plain HTML: a finished tqdm progress bar becomes its
final line, any other widget a short note to run the lesson in JupyterLab. The notebook-level widget state is
dropped, so myst-nb adds no widget scripts. Solution cells, hidden in JupyterLab, start folded on the page.
The stored notebook is never written: this works on the parsed JSON of a copy.
"""
from __future__ import annotations

import html
import re
from typing import Any

VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"
NOTE = "Interactive widget{name} — run this lesson in JupyterLab to use it."


def prepare(nb: dict[str, Any]) -> dict[str, Any]:
    """Change ``nb`` (a parsed .ipynb) in place for the site and return it."""
    widgets = nb.get("metadata", {}).pop("widgets", {}) or {}
    state = widgets.get(STATE, {}).get("state", {})
    for cell in nb.get("cells", []):
        meta = cell.setdefault("metadata", {})
        if "solution" in meta.get("tags", []):
            meta["tags"] = [*meta["tags"], "hide-input"]
            meta.setdefault("mystnb", {}).update(code_prompt_show="Show the solution",
                                                 code_prompt_hide="Hide the solution")
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if VIEW in data:
                model_id = data[VIEW].get("model_id", "")
                plain = "".join(data.get("text/plain", ""))
                output["data"] = {"text/html": static_view(model_id, state, plain), "text/plain": plain}
    return nb


def static_view(model_id: str, state: dict[str, Any], plain: str = "") -> str:
    """HTML that stands for the widget ``model_id``, given the notebook's saved widget ``state`` and its text repr."""
    bar = progress_line(model_id, state)
    if bar is not None:
        value, total, text = bar
        return (f'<div class="advdis-progress"><progress value="{value:g}" max="{total:g}"></progress> '
                f"<code>{html.escape(text)}</code></div>")
    name = re.match(r"([A-Za-z_]\w*)\(", plain)  # the repr of a widget starts with its class: TraversalExplorer(...)
    note = NOTE.format(name=f" ({name.group(1)})" if name else "")
    return f'<p class="advdis-widget-note"><em>{html.escape(note)}</em></p>'


def progress_line(model_id: str, state: dict[str, Any]) -> tuple[float, float, str] | None:
    """(value, max, text) of a tqdm bar (an HBox of HTML, FloatProgress, HTML) as saved; None for other widgets."""
    box = state.get(model_id, {})
    children = [state.get(str(ref).removeprefix("IPY_MODEL_"), {}) for ref in box.get("state", {}).get("children", [])]
    kinds = [child.get("model_name") for child in children]
    if box.get("model_name") != "HBoxModel" or kinds != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        return None
    left, bar, right = (child.get("state", {}) for child in children)
    text = html.unescape(f"{left.get('value', '')}{right.get('value', '')}").replace("\u2007", " ")
    return float(bar.get("value", 0)), float(bar.get("max", 0)), " ".join(text.split())
