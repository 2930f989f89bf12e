"""Stage: record a team's submission.

nbgrader has no team submissions: a team is one nbgrader ``student_id``
(``team_id``). A submission is checked (notebook readable by nbgrader, no
symbolic link), copied next to its destination, and only then replaces the
previous one, which is moved to the workspace archive: nothing is lost.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from mspr.errors import MsprError
from mspr.notebooks import check_notebook
from mspr.paths import ASSIGNMENTS, Workspace
from mspr.validation import identity_problems

TEAM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

#: Names left out of a submission: working files the graded execution recreates.
IGNORED = (".ipynb_checkpoints", "__pycache__", "mlruns", "mlartifacts", "mlflow.db", "reponses.json")


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


def _scan(folder: Path) -> dict:
    """The first link, special file, folder too deep, and whether there are too many entries, in one walk.

    Iterative (a tree thousands of folders deep breaks ``os.walk``), outside ignored names, at most
    :data:`mspr._trees.MAX_DEPTH` levels down and :data:`mspr._trees.MAX_ENTRIES` entries.
    """
    from mspr._trees import MAX_DEPTH, MAX_ENTRIES, walk

    found = {"link": None, "special": None, "deep": None, "many": False}
    skipped: set = set()
    for count, (parts, entry, depth) in enumerate(walk(folder, max_depth=MAX_DEPTH, prune=skipped)):
        if count >= MAX_ENTRIES:
            found["many"] = True
            break
        if entry.name in IGNORED:
            skipped.add(parts)
            continue
        path = Path(folder, *parts)
        if entry.is_symlink():
            found["link"] = found["link"] or path
        elif entry.is_dir(follow_symlinks=False):
            if depth > MAX_DEPTH:
                found["deep"] = found["deep"] or path
        elif not entry.is_file(follow_symlinks=False):
            found["special"] = found["special"] or path
    return found


def submit(ws: Workspace, team_id: str, assignment_id: str, folder: Path) -> Path:
    """Copy a team's assignment folder into ``submitted/<team_id>/<assignment_id>``.

    The folder is first copied next to the destination; only once the copy is
    complete is the previous submission moved to the archive and the new one
    renamed into place, so a failed copy leaves the previous one untouched.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace; the assignment must have been released.
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
        Unknown assignment, invalid team id, assignment not released, a
        folder that is (or contains, or lies inside) the destination, a
        folder without notebook or holding a symbolic link, a special file,
        folders nested more than :data:`mspr._trees.MAX_DEPTH` levels deep
        or more than :data:`mspr._trees.MAX_ENTRIES` entries, a notebook
        nbgrader could not grade (see :func:`mspr.notebooks.validate_notebook`),
        or one that records another assignment's answers or lost an
        answer-recording cell (see :func:`mspr.validation.identity_problems`);
        the previous submission is then left as it was.
    """
    check_team_id(team_id)
    if assignment_id not in ASSIGNMENTS:
        raise MsprError(f"assignment inconnu : {assignment_id!r}",
                        hint=f"choisissez parmi {', '.join(ASSIGNMENTS)}")
    if not ws.release(assignment_id).is_dir():
        raise MsprError("la version étudiante n'a pas été générée dans cette cohorte",
                        path=ws.release(assignment_id), hint=f"lancez d'abord « mspr release -w {ws.root} »")
    folder = Path(folder).resolve()
    dest = ws.submitted(team_id, assignment_id)
    if folder.is_relative_to(dest) or dest.is_relative_to(folder):
        raise MsprError("le dossier à rendre se confond avec le dossier des rendus de la cohorte", path=folder,
                        hint="rendez le dossier de travail de l'équipe, hors de la cohorte (ou de son archive)")
    notebook = folder / f"{assignment_id}.ipynb"
    if not notebook.is_file():
        raise MsprError("notebook introuvable dans le rendu", path=notebook,
                        hint="rendez le dossier de l'assignment tel que reçu, notebook compris")
    from mspr._trees import MAX_DEPTH, MAX_ENTRIES

    found = _scan(folder)
    link, special = found["link"], found["special"]
    if link is not None:
        raise MsprError(f"lien symbolique dans le rendu (vers {os.readlink(link)})", path=link,
                        hint="remplacez le lien par une copie du fichier ou du dossier, ou supprimez-le")
    if special is not None:
        raise MsprError("fichier spécial dans le rendu (tube, socket ou périphérique)", path=special,
                        hint="supprimez-le : seuls des fichiers et des dossiers ordinaires peuvent être rendus")
    if found["deep"] is not None:
        raise MsprError(f"arborescence trop profonde dans le rendu (plus de {MAX_DEPTH} niveaux de dossiers)",
                        path=found["deep"], hint="supprimez ces dossiers imbriqués, ou rendez-les en archive .zip")
    if found["many"]:
        raise MsprError(f"trop de fichiers dans le rendu (plus de {MAX_ENTRIES} fichiers et dossiers)", path=folder,
                        hint="supprimez les fichiers de travail inutiles, ou rendez-les en archive .zip")
    check_notebook(notebook)
    problems = identity_problems(notebook, assignment_id, ws.release(assignment_id) / f"{assignment_id}.ipynb")
    if problems:
        raise MsprError("rendu refusé, le rendu précédent est conservé :\n" + "\n".join(f"  - {p}" for p in problems),
                        path=notebook, hint="vérifiez le notebook avec « mspr valider » puis rendez-le de nouveau")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{assignment_id}-envoi-", dir=dest.parent))
    try:
        # (the depth was checked above: shutil.copytree recurses once per level)
        shutil.copytree(folder, staging, ignore=shutil.ignore_patterns(*IGNORED), dirs_exist_ok=True)
        # nbgrader reads the submission time from timestamp.txt.
        stamp = datetime.now(timezone.utc).isoformat(sep=" ")
        (staging / "timestamp.txt").write_text(stamp + "\n", encoding="utf-8")
        ws.archive(dest)
        os.replace(staging, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            dest.parent.rmdir()  # only if empty: a failed first submission leaves no team folder
    return dest
