"""Stage: the jury report, per team, per candidate and for the cohort.

``report(ws)`` reads the grades, the roster and the jury's records (it never
writes them: regenerating the report never loses a juror's mark) and writes,
under ``report/`` (the previous report archived first):

- ``scores.csv`` and ``details.csv``: one row per (team, criterion), the auto
  checks with their scores and evidence, every criterion of the référentiel
  as a ``jury`` row;
- ``index.html``: the cohort summary (per candidate and block: validated or
  not) and, per team, the execution states and the grid (shared criteria
  shown once);
- ``synthese.xlsx``: the cohort summary, basis of the jury's procès-verbal;
- ``candidats/<id>.html`` and ``.pdf``: each candidate's report (summary
  first, competency profile, grid, evidence rendered safely, links to the
  graded notebooks);
- ``notebooks/<team>/<assignment>.html``: the graded notebooks, hidden tests
  and solution delimiters removed.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from markupsafe import Markup, escape

from mspr._nbgrader import TEXT_STUB
from mspr.errors import MsprError
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


def _grade_or_damage(path: Path, team_id: str, assignment_id: str) -> tuple[SubmissionGrade | None, str | None]:
    """Read a grade file: ``(grade, None)``, or ``(None, why)`` (French) when it is damaged, even as valid JSON."""
    try:
        grade = SubmissionGrade.from_json(json.loads(path.read_text(encoding="utf-8"), parse_int=_parse_int))
    except UnicodeDecodeError:
        return None, "pas du texte UTF-8"
    except json.JSONDecodeError:
        return None, "JSON invalide ou tronqué"
    except OSError as exc:
        return None, f"illisible ({exc.strerror or type(exc).__name__})"
    except RecursionError:
        return None, "JSON trop imbriqué"
    except (ValueError, TypeError, KeyError) as exc:
        why = " ".join(str(exc).split()) or type(exc).__name__
        return None, why if len(why) <= 200 else why[:200] + " […]"
    if (grade.team_id, grade.assignment_id) != (team_id, assignment_id):
        return None, "note d'un autre rendu (« team_id » ou « assignment_id » ne correspond pas au chemin)"
    return grade, None


def _parse_int(text: str) -> int:
    """A JSON integer; one of more than 300 digits is refused in French (past 4300, Python's own conversion
    raises an English ValueError)."""
    if len(text.lstrip("-")) > 300:
        raise ValueError(f"nombre entier de {len(text.lstrip('-'))} chiffres : trop grand pour une note")
    return int(text)


def _grade_file_name(ws: Workspace | None, path: Path, team_id: str) -> str:
    """The grade file's path relative to the workspace, as the jury reads it (``grades/<team>/<file>``)."""
    if ws is not None:
        try:
            return Path(path).resolve().relative_to(ws.root.resolve()).as_posix()
        except ValueError:
            pass
    return f"grades/{team_id}/{Path(path).name}"


def _read_grade(path: Path, team_id: str, assignment_id: str, ws: Workspace | None = None) -> SubmissionGrade:
    """Read a grade file; a damaged one (truncated, not JSON, or valid JSON that is not a grade) becomes a grader
    error, in French, naming the file relative to the workspace ``ws``, for the jury."""
    grade, why = _grade_or_damage(path, team_id, assignment_id)
    if grade is not None:
        return grade
    return SubmissionGrade(team_id, assignment_id, False, [], {}, "",
                           grader_error=f"fichier de note endommagé ou tronqué ({_grade_file_name(ws, path, team_id)}"
                                        f" : {why}) : relancez « mspr autograde » pour ce rendu")


def damaged_grade_files(ws: Workspace) -> list[tuple[str, str]]:
    """List the grade files of the workspace that cannot be read as grades.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace; the grade files of its teams are read.

    Returns
    -------
    list of tuple of str
        ``(path, why)`` per damaged file, in (team, assignment) order: its path
        relative to the workspace (``grades/<team>/<assignment>.json``) and, in
        French, what is wrong (truncated, not JSON, valid JSON that is not a
        grade: a field missing or of the wrong type, a score that is not a
        finite number…). :func:`load_grades` shows each of them as a grader
        error.
    """
    damaged = []
    for team_id in ws.teams():
        for assignment_id in ASSIGNMENTS:
            path = ws.grades(team_id, assignment_id)
            if path.is_file():
                grade, why = _grade_or_damage(path, team_id, assignment_id)
                if grade is None:
                    damaged.append((_grade_file_name(ws, path, team_id), why))
    return damaged


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
        graded yet). A damaged grade file (truncated, not JSON, or valid JSON
        that is not a grade: ``null``, a list, a score that is a text or NaN,
        a list field that is not a list…) gives a grade with a French
        ``grader_error`` naming the file (``grades/<team>/<assignment>.json``),
        instead of failing: see :func:`damaged_grade_files`.
    """
    grades = {}
    for team_id in ws.teams():
        grades[team_id] = {}
        for assignment_id in ASSIGNMENTS:
            path = ws.grades(team_id, assignment_id)
            grades[team_id][assignment_id] = _read_grade(path, team_id, assignment_id, ws) if path.is_file() else None
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
        checks a score of 0 with the evidence "non rendu"; one submitted but
        not graded yet (or submitted again after its grade), or whose grading
        failed, gives them no score.

    Raises
    ------
    ValueError
        If a grade names a competency the référentiel lacks (a grader bug).
    """
    from mspr.jury.grid import SUBMITTED, submission_state

    referentiel = referentiel or Referentiel.load()
    rows = []
    grades = load_grades(ws) if grades is None else grades
    for team_id, team_grades in grades.items():
        auto = defaultdict(list)
        written = defaultdict(list)
        for assignment_id, grade in team_grades.items():
            stale = (grade is not None and not grade.grader_error
                     and submission_state(ws, team_id, assignment_id, grade) == SUBMITTED)
            if grade is None or grade.grader_error or stale:
                if stale:  # submitted again after this grade: the old points are not this submission's
                    score, evidence = None, "rendu, non corrigé"
                elif grade is not None:
                    score, evidence = None, ("erreur du correcteur, note à reprendre : "
                                             + grade.grader_error.strip().splitlines()[-1])
                elif ws.submitted(team_id, assignment_id).is_dir():
                    score, evidence = None, "rendu, non corrigé"
                else:
                    score, evidence = 0.0, "non rendu"
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


def render_markdown(text: str) -> Markup:
    """Render a candidate's Markdown answer as safe HTML.

    Parameters
    ----------
    text : str
        Markdown written by a team (untrusted).

    Returns
    -------
    markupsafe.Markup
        CommonMark rendered with raw HTML disabled, then sanitised with nh3
        (no script, no event handler, no image, no ``javascript:`` link); nbgrader
        solution delimiters and hidden-test blocks removed first.
    """
    import nh3
    from markdown_it import MarkdownIt

    from mspr.jury.grid import strip_grading_markup

    rendered = MarkdownIt("commonmark", {"html": False}).render(strip_grading_markup(text))
    return Markup(nh3.clean(rendered, tags=safe_tags(), url_schemes={"http", "https", "mailto"}))


def safe_tags() -> set[str]:
    """Return the HTML tags kept in a candidate's content: nh3's defaults without ``img``.

    Returns
    -------
    set of str
        nh3's allowed tags minus ``img`` (an image could fetch a remote address
        when the jury opens the page).
    """
    import nh3

    return set(nh3.ALLOWED_TAGS) - {"img"}


def _environment():
    from datetime import datetime

    from jinja2 import Environment, PackageLoader

    from mspr.jury import fmt

    env = Environment(loader=PackageLoader("mspr", "templates"), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(num=fmt.fr_number, points=fmt.fr_points, when=fmt.fr_datetime, extension=fmt.fr_extension,
                       de=fmt.fr_de, markdown=render_markdown,
                       iso_when=lambda text: fmt.fr_datetime(datetime.fromisoformat(text)))
    return env


@dataclass(frozen=True)
class TeamView:
    """Everything the templates need about one team.

    Attributes
    ----------
    grid : mspr.jury.grid.TeamGrid
    links : dict of str to str
        ``check_id`` or ``grade_id`` → link to the notebook cell, relative to ``report/``.
    notebooks : dict of str to str
        ``assignment_id`` → link to the rendered notebook, relative to ``report/``.
    """

    grid: object
    links: dict[str, str]
    notebooks: dict[str, str]


def _team_view(ws: Workspace, team_id: str, grades: dict, referentiel: Referentiel) -> TeamView:
    from mspr.jury.grid import team_grid
    from mspr.jury.notebook import answer_anchor, cell_anchor, render_notebook

    grid = team_grid(ws, team_id, grades, referentiel)
    links, notebooks = {}, {}
    for assignment_id in ASSIGNMENTS:
        page = render_notebook(ws, team_id, assignment_id, back="../../index.html")
        if page is None:
            continue
        rel = page.relative_to(ws.report_dir).as_posix()
        notebooks[assignment_id] = rel
        executed = ws.autograded(team_id, assignment_id) / f"{assignment_id}.ipynb"
        for line in grid.lines.values():
            if line.assignment_id != assignment_id:
                continue
            for a in line.auto:
                anchor = answer_anchor(executed, a.answer_key)
                links[a.check_id] = f"{rel}#{cell_anchor(anchor)}" if anchor else rel
            for w in line.answers:
                links[w.grade_id] = f"{rel}#{cell_anchor(w.grade_id)}"
    return TeamView(grid, links, notebooks)


def _profile_svg(result, referentiel: Referentiel, scale) -> Markup:
    """A horizontal bar per competency: its level on the scale (text alternative in ``<desc>``)."""
    levels = list(scale.levels)
    row_h, label_w, bar_w = 18, 60, 450
    codes = list(referentiel.competencies)
    height = row_h * len(codes) + 40
    parts = []
    desc = []
    for i, code in enumerate(codes):
        comp = result.competencies[code]
        y = 30 + i * row_h
        parts.append(f'<text x="0" y="{y + 12}" font-size="12" fill="#1b1b1b">{code}</text>')
        if comp.level in levels:
            rank = levels.index(comp.level) + 1
            width = bar_w * rank / len(levels)
            color = "#1a6b34" if comp.level == scale.acquired_level else "#8a5300" if rank > 1 else "#a3182a"
            parts.append(f'<rect x="{label_w}" y="{y}" width="{width:.0f}" height="{row_h - 4}" fill="{color}"/>')
        else:
            parts.append(f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{row_h - 4}" fill="none" '
                         f'stroke="#5a5a5a" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 12}" font-size="12" fill="#1b1b1b">'
                     f'{escape(comp.level)}</text>')
        desc.append(f"{code} : {comp.level}")
    ticks = "".join(f'<text x="{label_w + bar_w * (k + 1) / len(levels) - 4:.0f}" y="18" font-size="11" '
                    f'text-anchor="end" fill="#1b1b1b">{escape(lv)}</text>' for k, lv in enumerate(levels))
    return Markup(
        f'<svg role="img" aria-labelledby="profil-titre profil-desc" width="{label_w + bar_w + 200}" '
        f'height="{height}" viewBox="0 0 {label_w + bar_w + 200} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="profil-titre">Profil de compétences de {escape(result.candidate.name)}</title>'
        f'<desc id="profil-desc">{escape("; ".join(desc))}</desc>{ticks}{"".join(parts)}</svg>')


def _cohort_workbook(path: Path, results: list, teams: dict, referentiel: Referentiel, roster) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from mspr.jury.fmt import fr_datetime, fr_extension

    wb = Workbook()
    sheet = wb.active
    sheet.title = "Synthèse"
    blocks = [b.code for b in referentiel.blocks]
    if roster is not None:
        header = ["Candidat", "Nom", "Équipe", "Fin du temps de préparation", "Majoration", "Dispenses",
                  *[f"Bloc {b}" for b in blocks], *referentiel.competencies]
        sheet.append(header)
        for r in results:
            sheet.append([r.candidate.id, r.candidate.name, r.team_id, fr_datetime(r.deadline),
                          fr_extension(r.candidate.extension), ", ".join(r.candidate.exemptions) or "aucune",
                          *[r.blocks[b].status for b in blocks],
                          *[r.competencies[c].level for c in referentiel.competencies]])
    else:
        sheet.append(["Équipe", *[f"Points automatiques {b}" for b in blocks]])
    points = wb.create_sheet("Points automatiques")
    points.append(["Équipe", "Compétence", "Points", "Maximum", "État du rendu"])
    # points are numbers (the spreadsheet shows them with the reader's decimal comma and can sum them);
    # an empty cell where there is no score yet (not submitted, not graded, grader error)
    for team_id, view in teams.items():
        for line in view.grid.lines.values():
            if line.auto:
                p = line.auto_points
                points.append([team_id, line.code, p[0] if p else None, sum(a.max_score for a in line.auto),
                               line.state])
        if roster is None:
            sheet.append([team_id, *[(view.grid.block_points(b) or (None, 0))[0] for b in blocks]])
    for ws_ in (sheet, points):
        for cell in ws_[1]:
            cell.font = Font(bold=True)
        ws_.freeze_panes = "A2"
    wb.save(path)


def _write_pdf(html_path: Path, pdf_path: Path) -> None:
    try:
        from weasyprint import HTML
    except OSError as exc:  # pango / harfbuzz missing
        raise MsprError("PDF impossible : bibliothèques système de WeasyPrint absentes (" + str(exc).split(":")[0]
                        + ")", path=pdf_path,
                        hint="installez-les avec « make deps-systeme » (en root) ou « apt-get install "
                        "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b » ; le rapport HTML est écrit") from exc
    HTML(filename=str(html_path)).write_pdf(str(pdf_path))


def report(ws: Workspace, roster_path: Path | None = None, *, pdf: bool = True) -> Path:
    """Write the jury report of the cohort.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace; reads ``grades/``, ``autograded/`` and
        ``jury/``, writes ``report/`` (the previous report archived first).
    roster_path : pathlib.Path, optional
        The roster; default ``ws.roster_path`` when it exists. Without a
        roster only the team-level report is written (no candidate pages).
    pdf : bool, default=True
        Also write each candidate's report as PDF (WeasyPrint).

    Returns
    -------
    pathlib.Path
        ``report/index.html``.

    Raises
    ------
    MsprError
        If the roster is invalid, or the PDF cannot be made (the HTML
        reports are written first).
    """
    from mspr.jury.records import candidate_result, disagreements, load_decisions, load_marks
    from mspr.jury.roster import load_roster

    referentiel = Referentiel.load()
    roster = None
    if roster_path is not None or ws.roster_path.is_file():
        roster = load_roster(roster_path or ws.roster_path, referentiel)
    grades = load_grades(ws)
    if roster is not None:
        for team in roster.teams:
            grades.setdefault(team.id, {a: None for a in ASSIGNMENTS})
    rows = build_rows(ws, referentiel, grades)
    out = ws.report_dir
    ws.archive(out)
    out.mkdir(parents=True)
    _write_csv(out / "scores.csv", rows, SCORE_COLUMNS)
    _write_csv(out / "details.csv", rows, SCORE_COLUMNS + ["label", "evidence"])
    teams = {team_id: _team_view(ws, team_id, team_grades, referentiel) for team_id, team_grades in grades.items()}
    results, disputes = [], {}
    if roster is not None:
        for team in roster.teams:
            marks = load_marks(ws, team.id, team.jurors)
            decisions = load_decisions(ws, team.id)
            disputes[team.id] = disagreements(ws, roster, team.id, referentiel)
            results.extend(candidate_result(roster, cid, marks, decisions, referentiel) for cid in team.candidates)
    env = _environment()
    common = dict(referentiel=referentiel, roster=roster, teams=teams, results=results, disputes=disputes,
                  totals=block_totals(rows), generated=fr_now(), pdf=pdf)
    (out / "index.html").write_text(env.get_template("report.html.j2").render(**common), encoding="utf-8")
    _cohort_workbook(ws.cohort_workbook, results, teams, referentiel, roster)
    pages = []
    for result in results:
        page = ws.candidate_report(result.candidate.id)
        page.parent.mkdir(parents=True, exist_ok=True)
        view = teams[result.team_id]
        page.write_text(env.get_template("candidate.html.j2").render(
            **common, r=result, view=view, grid=view.grid, team=roster.team(result.team_id),
            profile=_profile_svg(result, referentiel, roster.scale), scale=roster.scale, up="../",
            team_disputes=[d for d in disputes[result.team_id] if d[0] == result.candidate.id]), encoding="utf-8")
        pages.append(page)
    if pdf:
        for page in pages:
            _write_pdf(page, page.with_suffix(".pdf"))
    return out / "index.html"


def fr_now() -> str:
    """Return the current time, French format, UTC.

    Returns
    -------
    str
        e.g. ``"30/11/2026 à 18:50 (UTC+00:00)"``.
    """
    from datetime import datetime, timezone

    from mspr.jury.fmt import fr_datetime

    return fr_datetime(datetime.now(timezone.utc))
