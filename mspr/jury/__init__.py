"""The jury's workbench: roster, grids, the two jurors' marks, decisions and appeal records.

Entry points (each a thin layer for one ``mspr`` command):

- :func:`export` — ``mspr jury export``: one ``.xlsx`` grid per juror and team;
- :func:`import_files` — ``mspr jury import``: validate and record jurors' workbooks;
- :func:`decide` — ``mspr jury decide``: record the level two jurors agreed on;
- :func:`mspr.jury.appeal.seal` / :func:`mspr.jury.appeal.verify` — ``mspr appeal`` / ``mspr verify``.

The per-candidate and cohort reports are written by :func:`mspr.report.report`.
"""

from __future__ import annotations

from pathlib import Path

from mspr.errors import MsprError
from mspr.jury.roster import Roster, load_roster
from mspr.paths import Workspace

__all__ = ["decide", "export", "import_files", "roster_of"]


def roster_of(ws: Workspace, roster_path: Path | None = None) -> Roster:
    """Load the cohort's roster.

    Parameters
    ----------
    ws : Workspace
    roster_path : pathlib.Path, optional
        Default ``ws.roster_path``.

    Returns
    -------
    Roster

    Raises
    ------
    MsprError
        If the roster is missing or invalid.
    """
    path = Path(roster_path) if roster_path else ws.roster_path
    if not path.is_file():
        raise MsprError("roster du jury introuvable", path=path,
                        hint=f"écrivez-le (format et exemple : docs/jury.md, § 1) dans {ws.roster_path} ou passez --roster")
    return load_roster(path)


def export(ws: Workspace, *, roster_path: Path | None = None, team_ids: list[str] | None = None) -> list[Path]:
    """Write the jurors' workbooks of the given teams.

    Parameters
    ----------
    ws : Workspace
    roster_path : pathlib.Path, optional
        Default ``ws.roster_path``.
    team_ids : list of str, optional
        Default: every team of the roster.

    Returns
    -------
    list of pathlib.Path
        The workbooks written (``ws.jury_export(team, juror)``), previous ones archived.

    Raises
    ------
    MsprError
        If the roster is missing or invalid, or a team is unknown.
    """
    from mspr.jury.grid import team_grid
    from mspr.jury.workbook import export_workbooks
    from mspr.paths import ASSIGNMENTS
    from mspr.report import load_grades

    roster = roster_of(ws, roster_path)
    grades = load_grades(ws)
    paths = []
    for team_id in team_ids or [t.id for t in roster.teams]:
        roster.team(team_id)
        grid = team_grid(ws, team_id, grades.get(team_id, {a: None for a in ASSIGNMENTS}))
        paths.extend(export_workbooks(ws, roster, team_id, grid))
    return paths


def import_files(ws: Workspace, paths: list[Path], *, roster_path: Path | None = None,
                 allow_older: bool = False) -> list:
    """Import jurors' workbooks, one after the other.

    Parameters
    ----------
    ws : Workspace
    paths : list of pathlib.Path
    roster_path : pathlib.Path, optional
    allow_older : bool, default=False
        Accept grids exported before the ones already imported.

    Returns
    -------
    list of mspr.jury.workbook.ImportResult

    Raises
    ------
    MsprError
        At the first refused file (the files before it are recorded; it and
        the ones after are not).
    """
    from mspr.jury.workbook import import_workbook

    roster = roster_of(ws, roster_path)
    return [import_workbook(ws, roster, p, allow_older=allow_older) for p in paths]


def decide(ws: Workspace, candidate_id: str, competency: str, level: str, comment: str, *,
           roster_path: Path | None = None) -> dict:
    """Record the level two jurors agreed on (see :func:`mspr.jury.records.record_decision`).

    Parameters
    ----------
    ws : Workspace
    candidate_id, competency, level, comment : str
    roster_path : pathlib.Path, optional

    Returns
    -------
    dict
        The decision recorded.

    Raises
    ------
    MsprError
        See :func:`mspr.jury.records.record_decision`.
    """
    from mspr.jury.records import record_decision

    return record_decision(ws, roster_of(ws, roster_path), candidate_id, competency, level, comment)
