"""The team's graded notebook as the jury sees it: HTML with outputs, no hidden test, no solution delimiter.

:func:`render_notebook` converts ``autograded/<team>/<assignment>/<assignment>.ipynb``
with nbconvert (``basic`` template inside a French page; the candidates'
Markdown and HTML outputs sanitised with nh3 first). Each cell gets a stable anchor: the nbgrader ``grade_id`` of a
graded cell, so a grid line can link to ``…/a1_cadrage.html#cell-id=A1C1-note_cadrage``;
:func:`answer_anchor` finds the cell that records an auto check's answer.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

from mspr.jury.grid import strip_grading_markup
from mspr.paths import Workspace

__all__ = ["answer_anchor", "cell_anchor", "render_notebook"]

_ID = re.compile(r"[^A-Za-z0-9_-]")

PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 70rem; color: #1b1b1b; line-height: 1.45; }}
a {{ color: #0b4f8a; }} a:focus {{ outline: 3px solid #0b4f8a; outline-offset: 2px; }}
.cell {{ border-left: 4px solid #c9d3de; padding: .3rem .8rem; margin: .8rem 0; }}
.cell:target {{ border-left-color: #0b4f8a; background: #eef4fb; }}
.input_area pre, .output pre, pre {{ background: #f5f5f5; padding: .5rem; overflow-x: auto; white-space: pre-wrap; }}
.prompt {{ color: #4a4a4a; font-size: .8rem; }}
.output_stderr pre {{ background: #fdecea; }}
.note {{ color: #4a4a4a; font-style: italic; }}
</style>
</head>
<body>
<header>
<p><a href="{back}">← Retour au rapport</a></p>
<h1>{title}</h1>
<p class="note">Notebook tel qu'exécuté par le correcteur (sorties comprises). Les tests cachés et les
délimiteurs de solution sont retirés ; le HTML écrit par l'équipe est neutralisé.</p>
</header>
<main>
{body}
</main>
</body>
</html>
"""


@functools.lru_cache(maxsize=1)
def _exporter():
    """One nbconvert HTML exporter (its set-up dominates a small notebook's conversion)."""
    from jinja2 import pass_context
    from nbconvert import HTMLExporter

    from mspr.report import render_markdown

    class JuryHTMLExporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):
            return str(render_markdown(source))

    return JuryHTMLExporter(template_name="basic")


#: Output types shown as they are (text, escaped by nbconvert, or images as data URIs).
_SAFE_OUTPUTS = ("text/plain", "image/png", "image/jpeg", "text/latex")


def _sanitise(nb) -> None:
    """Make a candidate's notebook safe to open in the jury's browser, in place.

    HTML and Markdown outputs are sanitised with nh3; JavaScript, SVG and
    widget outputs are dropped. Markdown cells are rendered by
    :func:`mspr.report.render_markdown` (see :func:`_exporter`); nbconvert's
    own sanitiser escapes headings, so it is not used; raw cells go through
    nbconvert's ``clean_html``.
    """
    import nh3

    from mspr.report import render_markdown, safe_tags

    for cell in nb.cells:
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                data = output.get("data")
                if not data:
                    continue
                kept = {k: v for k, v in data.items() if k in _SAFE_OUTPUTS}
                if "text/html" in data:
                    text = data["text/html"]
                    kept["text/html"] = nh3.clean("".join(text) if isinstance(text, list) else text, tags=safe_tags())
                if "text/markdown" in data:
                    kept["text/html"] = str(render_markdown("".join(data["text/markdown"])))
                output["data"] = kept or {"text/plain": "(sortie non affichée : type non sûr)"}


def cell_anchor(cell_id: str) -> str:
    """Return the URL fragment of a cell in a rendered notebook.

    Parameters
    ----------
    cell_id : str
        The cell's id as set by :func:`render_notebook` (its ``grade_id`` for graded cells).

    Returns
    -------
    str
        e.g. ``"cell-id=A1C1-note_cadrage"`` (without ``#``).
    """
    return f"cell-id={cell_id}"


def _cell_ids(nb) -> None:
    seen = set()
    for n, cell in enumerate(nb.cells, start=1):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        wanted = _ID.sub("_", grade_id)[:64] if grade_id else f"cellule-{n}"
        if wanted in seen:
            wanted = f"cellule-{n}"
        seen.add(wanted)
        cell["id"] = wanted


def answer_anchor(notebook: Path, answer_key: str) -> str | None:
    """Return the id of the cell that records an answer (``record("A1C6.pii_columns", …)``).

    Parameters
    ----------
    notebook : pathlib.Path
        The executed ``.ipynb``.
    answer_key : str
        The ``reponses.json`` key, e.g. ``"A1C6.pii_columns"``.

    Returns
    -------
    str or None
        The cell id given by :func:`render_notebook`, or None if no code cell
        mentions the key (or the notebook is unreadable).
    """
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # a broken submission: no anchor, the page says so
        return None
    _cell_ids(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and (f'"{answer_key}"' in cell.source or f"'{answer_key}'" in cell.source):
            return cell["id"]
    return None


def render_notebook(ws: Workspace, team_id: str, assignment_id: str, back: str = "../../index.html") -> Path | None:
    """Render a team's graded notebook to ``ws.notebook_page(team_id, assignment_id)``.

    Parameters
    ----------
    ws : Workspace
    team_id, assignment_id : str
    back : str, default="../../index.html"
        Link back to the report, relative to the page.

    Returns
    -------
    pathlib.Path or None
        The page written, or None when there is no graded notebook. Cells
        that held hidden tests lose their outputs (a failing hidden test's
        traceback would show it).
    """
    import nbformat

    source = ws.autograded(team_id, assignment_id) / f"{assignment_id}.ipynb"
    if not source.is_file():
        return None
    title = f"Notebook corrigé — équipe {team_id} — {assignment_id}"
    try:
        nb = nbformat.read(source, as_version=4)
    except Exception as exc:  # unreadable notebook: say so rather than fail the report
        body = f"<p>Notebook illisible : {html.escape(type(exc).__name__)}.</p>"
    else:
        _cell_ids(nb)
        for cell in nb.cells:
            had_hidden = "BEGIN HIDDEN TESTS" in cell.source
            cell.source = strip_grading_markup(cell.source)
            if cell.cell_type == "code" and had_hidden:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                       text="(sortie masquée : cellule de tests cachés)\n")]
            cell.get("metadata", {}).pop("nbgrader", None)
        _sanitise(nb)
        body, _ = _exporter().from_notebook_node(nb)
        body = body.replace('<div class="prompt input_prompt">In', '<div class="prompt input_prompt">Entrée')
        body = body.replace('<div class="prompt output_prompt">Out', '<div class="prompt output_prompt">Sortie ')
    out = ws.notebook_page(team_id, assignment_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(PAGE.format(title=html.escape(title), back=html.escape(back), body=body), encoding="utf-8")
    return out
