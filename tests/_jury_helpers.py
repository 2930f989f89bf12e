"""Shared builders for the jury tests: a roster, synthetic grade files, a filled-in juror workbook."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from mspr.grading import CHECKS, SubmissionGrade
from mspr.grading.checks import CheckResult
from mspr.paths import Workspace

ROSTER = """\
session:
  debut: 2026-12-01T09:00:00+01:00
  duree_heures: 30
  soutenance_minutes: 30
jures:
  - {id: jmartin, nom: Jeanne Martin, email: jeanne.martin@example.org}
  - {id: pdurand, nom: Paul Durand, email: paul.durand@example.org}
  - {id: lpetit, nom: Lucie Petit, email: lucie.petit@example.org}
candidats:
  - {id: c01, nom: Alice Leroy, email: alice.leroy@example.org, majoration: 1/3, dispenses: [A4C8]}
  - {id: c02, nom: Bruno Caron, email: bruno.caron@example.org}
  - {id: c03, nom: Chloé Noël, email: chloe.noel@example.org}
equipes:
  - id: t1
    candidats: [c01, c02]
    jures: [jmartin, pdurand]
  - id: t2
    candidats: [c03]
    jures: [pdurand, lpetit]
"""


def write_roster(ws: Workspace, text: str = ROSTER) -> Path:
    ws.roster_path.parent.mkdir(parents=True, exist_ok=True)
    ws.roster_path.write_text(textwrap.dedent(text), encoding="utf-8")
    return ws.roster_path


def write_grade(ws: Workspace, grade: SubmissionGrade) -> None:
    path = ws.grades(grade.team_id, grade.assignment_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(grade.to_json()), encoding="utf-8")


def full_grade(team_id: str, assignment_id: str, fraction: float = 1.0, answers: dict | None = None) -> SubmissionGrade:
    checks = [CheckResult(c.check_id, c.competency, assignment_id, c.label, round(c.max_score * fraction, 2),
                          c.max_score, f"mesuré {fraction:.2f} contre attendu 1.00")
              for c in CHECKS.values() if c.assignment_id == assignment_id]
    return SubmissionGrade(team_id, assignment_id, True, checks, answers or {}, "[INFO] ok")


def submit_folder(ws: Workspace, team_id: str, assignment_id: str) -> None:
    folder = ws.submitted(team_id, assignment_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{assignment_id}.ipynb").write_text("{}", encoding="utf-8")


def fill(path: Path, levels: dict[tuple[str, str], tuple[str, str]], default=None) -> None:
    """Fill a juror workbook: ``levels[(sheet, code)] = (level, comment)``; ``default`` for every other competency."""
    from openpyxl import load_workbook

    from mspr.jury.workbook import HEADER_ROW, META_SHEET, README

    wb = load_workbook(path)
    for name in wb.sheetnames:
        if name in (META_SHEET, README):
            continue
        sheet = wb[name]
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            code = row[0].value
            if (name, code) in levels:
                row[4].value, row[5].value = levels[(name, code)]
            elif default and row[1].value == "Compétence" and row[4].value != "dispensé":
                row[4].value, row[5].value = default
    wb.save(path)


def cell_of(path: Path, sheet: str, code: str, column: int = 5) -> str:
    from openpyxl import load_workbook

    from mspr.jury.workbook import HEADER_ROW

    wb = load_workbook(path)
    for row in wb[sheet].iter_rows(min_row=HEADER_ROW + 1):
        if row[0].value == code:
            return row[column - 1].coordinate
    raise KeyError(code)
