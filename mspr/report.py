"""Stage: the per-competency jury report.

``report(ws)`` turns the grades of every team into one row per (team,
criterion): the auto checks with their scores and evidence, and every
criterion of the référentiel as a ``jury`` row whose score stays empty until
a juror grades it, with the criterion's text as the thing to assess and the
team's written answers for that competency as evidence. It writes
``report/scores.csv``, ``report/details.csv`` (the same rows with labels and
evidence) and a French HTML page ``report/index.html``.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from mspr._nbgrader import TEXT_STUB
from mspr.grading import SubmissionGrade
from mspr.grading.checks import checks_for
from mspr.paths import ASSIGNMENTS, Workspace
from mspr.referentiel import Referentiel

#: Columns of ``scores.csv``.
SCORE_COLUMNS = ["team_id", "competency", "criterion_id", "kind", "score", "max_score"]

#: nbgrader ``grade_id`` of a jury-graded answer cell: ``<competency>-<slug>``
#: (nbgrader allows no dot in ids), e.g. ``A4C1-organisation_projet``.
JURY_CELL = re.compile(r"^(A[1-4]C\d+)-[A-Za-z0-9_-]+$")

#: Points of one référentiel criterion graded by the jury (1 = acquis).
JURY_MAX_SCORE = 1


@dataclass(frozen=True)
class ReportRow:
    """One (team, criterion) row of the report.

    Attributes
    ----------
    team_id, competency, criterion_id : str
    kind : {"auto", "jury"}
    score : float or None
        None for a jury criterion not graded yet.
    max_score : float
    label : str
        What is assessed (check label or the référentiel's criterion text).
    evidence : str
        What the score rests on (measurement, or the team's written answer).
    """

    team_id: str
    competency: str
    criterion_id: str
    kind: str
    score: float | None
    max_score: float
    label: str
    evidence: str


def _read_grade(path: Path, team_id: str, assignment_id: str) -> SubmissionGrade:
    """Read a grade file; a damaged or truncated one becomes a grader error, in French, for the jury."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("le document n'est pas un objet JSON")
        return SubmissionGrade.from_json(data)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        return SubmissionGrade(team_id, assignment_id, False, [], {}, "",
                               grader_error=f"fichier de note endommagé ou tronqué ({path.name} : "
                                            f"{type(exc).__name__}) : relancez « mspr autograde » pour ce rendu")


def load_grades(ws: Workspace) -> dict[str, dict[str, SubmissionGrade | None]]:
    """Read the grade files of every team of the workspace.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace.

    Returns
    -------
    dict
        ``team_id`` → ``assignment_id`` → :class:`~mspr.grading.SubmissionGrade`,
        or None when that assignment has no grade (not submitted, or not
        graded yet). A damaged grade file (truncated, not JSON) gives a
        grade with a French ``grader_error`` saying so, instead of failing.
    """
    grades = {}
    for team_id in ws.teams():
        grades[team_id] = {}
        for assignment_id in ASSIGNMENTS:
            path = ws.grades(team_id, assignment_id)
            grades[team_id][assignment_id] = _read_grade(path, team_id, assignment_id) if path.is_file() else None
    return grades


def build_rows(ws: Workspace, referentiel: Referentiel | None = None,
               grades: dict[str, dict[str, SubmissionGrade | None]] | None = None) -> list[ReportRow]:
    """Assemble the report rows of every team of the workspace.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace; its teams' grade files are read.
    referentiel : Referentiel, optional
        Defaults to the packaged référentiel.
    grades : dict, optional
        The output of :func:`load_grades`; read from the workspace if omitted.

    Returns
    -------
    list of ReportRow
        Per team, in référentiel order: each competency's auto checks, then
        its criteria for the jury. An assignment not submitted gives its auto
        checks a score of 0 with the evidence "non rendu".

    Raises
    ------
    ValueError
        If a grade names a competency the référentiel lacks (a grader bug).
    """
    referentiel = referentiel or Referentiel.load()
    rows = []
    grades = load_grades(ws) if grades is None else grades
    for team_id, team_grades in grades.items():
        auto = defaultdict(list)
        written = defaultdict(list)
        for assignment_id, grade in team_grades.items():
            if grade is None or grade.grader_error:
                score, evidence = (0.0, "non rendu") if grade is None else (
                    None, "erreur du correcteur, note à reprendre : " + grade.grader_error.strip().splitlines()[-1])
                for chk in checks_for(assignment_id):
                    auto[chk.competency].append(ReportRow(team_id, chk.competency, chk.check_id, "auto", score,
                                                          chk.max_score, chk.label, evidence))
                continue
            for res in grade.checks:
                auto[res.competency].append(ReportRow(team_id, res.competency, res.check_id, "auto", res.score,
                                                      res.max_score, res.label, res.evidence))
            for grade_id, text in grade.jury_answers.items():
                match = JURY_CELL.match(grade_id)
                if match:
                    text = text.strip()
                    if text in ("", TEXT_STUB):
                        text = "(réponse non rédigée)"
                    written[match.group(1)].append(f"[{grade_id}] {text}")
        for code, competency in referentiel.competencies.items():
            rows.extend(auto.pop(code, []))
            evidence = "\n\n".join(written.get(code, [])) or "à évaluer à l'oral et sur les livrables"
            for criterion in competency.criteria:
                label = f"{criterion.group} — {criterion.text}" if criterion.group else criterion.text
                rows.append(ReportRow(team_id, code, criterion.id, "jury", None, JURY_MAX_SCORE, label, evidence))
        if auto:  # a check naming a competency the référentiel lacks is a bug
            raise ValueError(f"checks name unknown competencies: {sorted(auto)}")
    return rows


def block_totals(rows: list[ReportRow]) -> dict[str, dict[str, tuple[float, float]]]:
    """Sum the auto points per team and block.

    Parameters
    ----------
    rows : list of ReportRow
        Report rows, as from :func:`build_rows`. Only ``kind == "auto"``
        rows count (jury rows are not scored yet); a row's block is the
        first two characters of its competency code (``"A4C1"`` → ``"A4"``).

    Returns
    -------
    dict
        ``team_id`` → ``block code`` (``"A1"``…) → ``(score, max_score)``:
        points obtained (rounded to 2 decimals) and points available. Teams
        and blocks without auto rows are absent.
    """
    totals: dict = defaultdict(lambda: defaultdict(lambda: (0.0, 0.0)))
    for row in rows:
        if row.kind == "auto":
            s, m = totals[row.team_id][row.competency[:2]]
            totals[row.team_id][row.competency[:2]] = (round(s + (row.score or 0.0), 2), m + row.max_score)
    return {team: dict(blocks) for team, blocks in totals.items()}


def _write_csv(path: Path, rows: list[ReportRow], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            data = asdict(row)
            data["score"] = "" if row.score is None else row.score
            writer.writerow(data)


def report(ws: Workspace) -> Path:
    """Write the jury report of every team.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace; writes ``report/scores.csv``,
        ``report/details.csv`` and ``report/index.html``.

    Returns
    -------
    pathlib.Path
        ``report/index.html``. Previous report files are archived first.
    """
    from jinja2 import Environment, PackageLoader

    referentiel = Referentiel.load()
    grades = load_grades(ws)
    rows = build_rows(ws, referentiel, grades)
    out = ws.report_dir
    ws.archive(out)
    out.mkdir(parents=True)
    _write_csv(out / "scores.csv", rows, SCORE_COLUMNS)
    _write_csv(out / "details.csv", rows, SCORE_COLUMNS + ["label", "evidence"])
    env = Environment(loader=PackageLoader("mspr", "templates"), autoescape=True)
    teams = defaultdict(list)
    for row in rows:
        teams[row.team_id].append(row)
    html = env.get_template("report.html.j2").render(
        teams=teams, totals=block_totals(rows), referentiel=referentiel, grades=grades)
    (out / "index.html").write_text(html, encoding="utf-8")
    return out / "index.html"
