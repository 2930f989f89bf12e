"""Stage: generate the student bundles with nbgrader.

``release(ws)`` renders the lab sources into ``source/`` and runs nbgrader's
``generate_assignment`` on each, which strips solutions and hidden tests
(kept in the gradebook) and writes ``release/<assignment_id>/``.
"""

from __future__ import annotations

from pathlib import Path

from mspr._nbgrader import make_api
from mspr.errors import MsprError
from mspr.labs import load_labs, render_sources
from mspr.paths import Workspace


def release(ws: Workspace) -> list[Path]:
    """Build ``source/`` from the labs and generate the student release.

    Parameters
    ----------
    ws : Workspace
        A workspace whose case has been built (``ws.case_dir``).

    Returns
    -------
    list of pathlib.Path
        The released assignment folders, in block order.

    Raises
    ------
    MsprError
        If nbgrader refuses a notebook (duplicate ``grade_id``, bad metadata…);
        the message carries nbgrader's log.
    """
    render_sources(ws)
    ws.grader_dir.mkdir(parents=True, exist_ok=True)
    api = make_api(ws.root, ws.db_url)
    released = []
    for lab in load_labs():
        result = api.generate_assignment(lab.assignment_id, force=True, create=True)
        if not result["success"]:
            raise MsprError(
                f"nbgrader n'a pas pu générer la version étudiante :\n{result.get('log', '')}"
                f"\n{result.get('error', '')}",
                path=ws.source(lab.assignment_id),
                hint="corrigez les métadonnées nbgrader du notebook source",
            )
        released.append(ws.release(lab.assignment_id))
    return released
