"""Stage: record a team's submission.

nbgrader has no team submissions: a team is one nbgrader ``student_id``
(``team_id``). A submission replaces the previous one only after that one is
moved to the workspace archive: nothing is lost.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

from mspr.errors import MsprError
from mspr.paths import ASSIGNMENTS, Workspace

TEAM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def check_team_id(team_id: str) -> str:
    """Return ``team_id`` if it is a valid nbgrader student id, else raise.

    Parameters
    ----------
    team_id : str
        Lower-case ASCII letters, digits, ``_`` and ``-``, starting with a
        letter or a digit, at most 40 characters (pattern :data:`TEAM_ID`),
        so that it is usable as an nbgrader ``student_id`` and a folder name.

    Returns
    -------
    str
        ``team_id``, unchanged.

    Raises
    ------
    MsprError
        If ``team_id`` does not match :data:`TEAM_ID`; the French hint gives
        the allowed characters.
    """
    if not TEAM_ID.fullmatch(team_id):
        raise MsprError(f"identifiant d'équipe invalide : {team_id!r}",
                        hint="utilisez des minuscules, chiffres, '_' ou '-' (40 caractères au plus)")
    return team_id


def submit(ws: Workspace, team_id: str, assignment_id: str, folder: Path) -> Path:
    """Copy a team's assignment folder into ``submitted/<team_id>/<assignment_id>``.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace.
    team_id : str
        The team, used as nbgrader's ``student_id``.
    assignment_id : str
        One of :data:`mspr.paths.ASSIGNMENTS`.
    folder : pathlib.Path
        The team's working copy of the assignment (must hold the notebook).

    Returns
    -------
    pathlib.Path
        The submitted folder. A previous submission is moved to the archive.

    Raises
    ------
    MsprError
        Unknown assignment, invalid team id, or a folder without notebook.
    """
    check_team_id(team_id)
    if assignment_id not in ASSIGNMENTS:
        raise MsprError(f"assignment inconnu : {assignment_id!r}",
                        hint=f"choisissez parmi {', '.join(ASSIGNMENTS)}")
    folder = Path(folder)
    notebook = folder / f"{assignment_id}.ipynb"
    if not notebook.is_file():
        raise MsprError("notebook introuvable dans le rendu", path=notebook,
                        hint="rendez le dossier de l'assignment tel que reçu, notebook compris")
    dest = ws.submitted(team_id, assignment_id)
    ws.archive(dest)
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns(
        ".ipynb_checkpoints", "__pycache__", "mlruns", "mlartifacts", "mlflow.db", "reponses.json"))
    # nbgrader reads the submission time from timestamp.txt.
    stamp = datetime.now(timezone.utc).isoformat(sep=" ")
    (dest / "timestamp.txt").write_text(stamp + "\n", encoding="utf-8")
    return dest
