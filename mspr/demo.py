"""The main job: every stage on the bundled default case, with three teams.

``demo(out)`` builds the case, releases the four assignments, submits three
simulated teams, grades them through the same path as any team, and writes the
report:

- ``ref``: the reference solutions (the source notebooks, executed for real);
- ``blank``: the untouched student release;
- ``partial``: the reference with the scripted changes of
  :data:`PARTIAL_CHANGES` (deliberately wrong answers), so that its auto total
  lies strictly between the two others.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from mspr.case import build_case
from mspr.errors import MsprError
from mspr.grading import autograde
from mspr.paths import ASSIGNMENTS, DEFAULT_CASE, Workspace
from mspr.release import release
from mspr.report import block_totals, build_rows, report
from mspr.submissions import submit


@dataclass(frozen=True)
class Change:
    """A scripted edit of a reference notebook, for the ``partial`` team.

    Attributes
    ----------
    assignment_id : str
        The assignment whose notebook (``<assignment_id>.ipynb``) is edited.
    old, new : str
        Exact text to replace in one code cell; ``old`` must occur exactly once
        in the notebook, so a drift of the reference breaks the demo loudly.
    why : str
        What mistake it simulates.
    """

    assignment_id: str
    old: str
    new: str
    why: str


#: The ``partial`` team's mistakes: one half-right audit, one wrong duration.
PARTIAL_CHANGES = (
    Change("a1_cadrage",
           '"reclamations": {"texte": ["EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER"]}',
           '"reclamations": {}',
           "oublie les données personnelles cachées dans le texte libre des réclamations"),
    Change("a4_pilotage",
           "project_duration = int(",
           "project_duration = 1 + int(",
           "se trompe d'un jour sur la durée du projet"),
)

#: The simulated teams, in report order.
TEAMS = ("ref", "blank", "partial")


def apply_changes(notebook: Path, changes: list[Change]) -> None:
    """Apply scripted edits to a notebook in place.

    Parameters
    ----------
    notebook : pathlib.Path
        The ``.ipynb`` file to edit (rewritten in nbformat 4).
    changes : list of Change
        Edits applied in order, each to the code cell containing its ``old``.

    Raises
    ------
    MsprError
        If a change's ``old`` text does not occur exactly once.
    """
    nb = nbformat.read(notebook, as_version=4)
    for change in changes:
        hits = [c for c in nb.cells if c.cell_type == "code" and change.old in c.source]
        if len(hits) != 1 or hits[0].source.count(change.old) != 1:
            raise MsprError(f"modification scriptée introuvable ou ambiguë : {change.old!r}",
                            path=notebook, hint="mettez à jour PARTIAL_CHANGES dans mspr/demo.py")
        hits[0].source = hits[0].source.replace(change.old, change.new)
    nbformat.write(nb, notebook)


def submit_simulated_teams(ws: Workspace) -> None:
    """Submit the ``ref``, ``blank`` and ``partial`` teams for every assignment.

    ``ref`` submits ``source/<assignment_id>`` (the reference solutions),
    ``blank`` the untouched student release ``release/<assignment_id>``, and
    ``partial`` a temporary copy of the source with the
    :data:`PARTIAL_CHANGES` of that assignment applied. A previous submission
    of the same team and assignment is moved to the archive first (see
    :func:`mspr.submissions.submit`).

    Parameters
    ----------
    ws : Workspace
        A workspace whose four assignments have been released (its
        ``source/`` and ``release/`` folders exist).

    Raises
    ------
    MsprError
        If a scripted change no longer matches the reference notebook exactly
        once, or a folder to submit lacks its notebook.
    """
    with tempfile.TemporaryDirectory(prefix="mspr-teams-") as tmp:
        for assignment_id in ASSIGNMENTS:
            submit(ws, "ref", assignment_id, ws.source(assignment_id))
            submit(ws, "blank", assignment_id, ws.release(assignment_id))
            partial = Path(tmp) / "partial" / assignment_id
            shutil.copytree(ws.source(assignment_id), partial)
            changes = [c for c in PARTIAL_CHANGES if c.assignment_id == assignment_id]
            if changes:
                apply_changes(partial / f"{assignment_id}.ipynb", changes)
            submit(ws, "partial", assignment_id, partial)


def demo(out: Path, *, case_dir: Path = DEFAULT_CASE, seed: int | None = None,
         rows: int | None = None, echo=print) -> dict[str, dict[str, tuple[float, float]]]:
    """Run the whole pipeline on a case with the three simulated teams.

    Parameters
    ----------
    out : pathlib.Path
        Workspace folder (e.g. ``build/demo``). Rerunning keeps every replaced
        submission and grade in ``out/archive/``.
    case_dir : pathlib.Path, default: the bundled ``cases/mutuelle_horizon``
        Folder holding the ``case.yaml`` to build.
    seed, rows : int, optional
        Override the case's seed and number of rows.
    echo : callable, default print
        Receives one French progress line per step.

    Returns
    -------
    dict
        ``team_id`` → block code → ``(auto score, auto max_score)``.

    Raises
    ------
    MsprError
        If the case spec is invalid or a stage meets a user error (e.g. a
        scripted change of :data:`PARTIAL_CHANGES` no longer applies).
    """
    ws = Workspace(Path(out))
    echo(f"1/5 Génération du cas {Path(case_dir).name} → {ws.case_dir}")
    build_case(case_dir, out=ws.case_dir, seed=seed, rows=rows)
    echo(f"2/5 Version étudiante (nbgrader generate_assignment) → {ws.step_dir('release')}")
    release(ws)
    echo(f"3/5 Rendus simulés : {', '.join(TEAMS)}")
    submit_simulated_teams(ws)
    echo("4/5 Exécution et correction (nbgrader autograde, bac à sable, vérité terrain)")
    autograde(ws, list(TEAMS), progress=lambda t, a, state: echo(f"    {t:8s} {a:16s} {state}")
              if state in ("corrigé", "échec du correcteur", "déjà corrigé") else None)
    echo(f"5/5 Rapport du jury → {ws.report_dir}")
    report(ws)
    return block_totals(build_rows(ws))
