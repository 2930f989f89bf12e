"""The report from hand-made grade files: escaping, states, French formats, notebooks, PDF."""

import csv
import json
import re

import pytest

from pathlib import Path

from mspr.grading import SubmissionGrade
from mspr.grading.checks import CheckResult, checks_for
from mspr.paths import Workspace
from mspr.report import report


def write_grade(ws, grade):
    path = ws.grades(grade.team_id, grade.assignment_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(grade.to_json()), encoding="utf-8")


def _section(html, start, end="</table>"):
    i = html.index(start)
    return html[i:html.index(end, i)]


def test_report_escapes_answers_and_flags_missing_and_failed_gradings(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.submitted("t1", "a4_pilotage").mkdir(parents=True)
    ws.submitted("t1", "a3_deploiement").mkdir(parents=True)  # submitted, not graded yet
    checks = [CheckResult(c.check_id, c.competency, "a4_pilotage", c.label, c.max_score, c.max_score, "ok")
              for c in checks_for("a4_pilotage")]
    write_grade(ws, SubmissionGrade("t1", "a4_pilotage", True, checks,
                                    {"A4C1-organisation_projet": "<script>alert('x')</script>"}, "",
                                    incidents=["noyau arrêté à la limite de temps processeur"],
                                    isolation=["protections appliquées : …", "réseau privé"]))
    write_grade(ws, SubmissionGrade("t1", "a2_conception", False, [], {}, "",
                                    grader_error="Traceback…\nKeyError: 'boom'"))
    html = report(ws, pdf=False).read_text(encoding="utf-8")
    # the grading engine's notes reach the jury
    assert "noyau arrêté à la limite de temps processeur" in html
    assert "Protection non appliquée : réseau privé" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    status = _section(html, "Rendus de l'équipe t1")
    assert re.search(r"A2 \(a2_conception\)</th><td class=\"ko\">erreur du correcteur</td>", status)
    assert re.search(r"A1 \(a1_cadrage\)</th><td class=\"ko\">non rendu</td>", status)
    assert re.search(r"A3 \(a3_deploiement\)</th><td class=\"wait\">rendu, non corrigé</td>", status)
    assert re.search(r"A4 \(a4_pilotage\)</th><td class=\"ok\">corrigé</td>\s*"
                     r"<td>\d\d/\d\d/20\d\d à \d\d:\d\d", status)

    with (ws.report_dir / "details.csv").open(encoding="utf-8") as fh:
        rows = {r["criterion_id"]: r for r in csv.DictReader(fh) if r["kind"] == "auto"}
    assert float(rows["A4C1.project_duration"]["score"]) == 1
    assert rows["A2C6.holdout_auc"]["score"] == ""  # not graded: the grader failed
    assert "erreur du correcteur" in rows["A2C6.holdout_auc"]["evidence"]
    assert "KeyError" in rows["A2C6.holdout_auc"]["evidence"]
    assert float(rows["A1C6.pii_columns"]["score"]) == 0 and rows["A1C6.pii_columns"]["evidence"] == "non rendu"
    assert rows["A3C3.served_predictions"]["score"] == ""  # submitted, not graded: no score, not 0
    assert rows["A3C3.served_predictions"]["evidence"] == "rendu, non corrigé"


def test_a_new_report_keeps_the_previous_one(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.submitted("t1", "a4_pilotage").mkdir(parents=True)
    first = report(ws, pdf=False).read_text(encoding="utf-8")
    report(ws, pdf=False)
    kept = list(ws.archive_dir.glob("report/*/index.html"))
    assert [p.read_text(encoding="utf-8") for p in kept] == [first]


def test_a_grader_failure_on_one_submission_does_not_stop_the_others(tmp_path, monkeypatch):
    import pytest

    import mspr.grading as grading

    ws = Workspace(tmp_path / "ws")
    ws.ground_truth_dir.mkdir(parents=True)
    (ws.ground_truth_dir / "ground_truth.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(grading, "load_ground_truth", lambda ws: None)
    for team in ("ko", "ok"):
        ws.submitted(team, "a4_pilotage").mkdir(parents=True)

    calls = []

    def fake_run_task(task, **kwargs):
        calls.append(task.team_id)
        if task.team_id == "ko":
            raise KeyError("bug du correcteur")
        return engine.Outcome(task, SubmissionGrade(task.team_id, task.assignment_id, True, [], {}, ""), None, None)

    import mspr.grading.engine as engine

    monkeypatch.setattr(engine, "run_task", fake_run_task)
    with pytest.raises(grading.GradingError) as err:
        grading.autograde(ws)
    assert calls == ["ko", "ok"]  # "ok" is graded after "ko" failed
    assert "ko/a4_pilotage" in str(err.value) and "ok/" not in str(err.value)
    failed = json.loads(ws.grades("ko", "a4_pilotage").read_text(encoding="utf-8"))
    assert "KeyError: 'bug du correcteur'" in failed["grader_error"]


# -- evidence rendered safely, French formats, the graded notebook ------------------------------

HOSTILE = """### BEGIN SOLUTION
**Plan** du projet : <script>alert(1)</script> <img src=x onerror=alert(2)>
[lien](javascript:alert(3))
### END SOLUTION
### BEGIN HIDDEN TESTS
assert secret == 42
### END HIDDEN TESTS"""


def _graded_notebook(ws, team_id, assignment_id):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(HOSTILE, metadata={"nbgrader": {"grade_id": "A4C1-organisation_projet",
                                                                     "grade": True, "solution": True}}),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nduree = 100\n### END SOLUTION\n"
                                  "record(\"A4C1.project_duration\", duree)"),
        nbformat.v4.new_code_cell("assert duree > 0\n### BEGIN HIDDEN TESTS\nassert duree == 100  # caché\n"
                                  "### END HIDDEN TESTS", metadata={"nbgrader": {"grade_id": "test_duree",
                                                                                  "grade": True}}),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="",
                                                  traceback=["assert duree == 100  # caché"])]
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": "<b>tableau</b><script>alert(4)</script><img src=x onerror=alert(5)>",
        "application/javascript": "alert(6)", "text/plain": "tableau"})]
    folder = ws.autograded(team_id, assignment_id)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment_id}.ipynb")


def test_evidence_is_sanitised_and_the_notebook_page_hides_tests_and_delimiters(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _jury_helpers import write_roster

    ws = Workspace(tmp_path / "ws")
    write_roster(ws)
    ws.submitted("t1", "a4_pilotage").mkdir(parents=True)
    checks = [CheckResult(c.check_id, c.competency, "a4_pilotage", c.label, c.max_score / 2, c.max_score,
                          "chemin trouvé 0.5") for c in checks_for("a4_pilotage")]
    write_grade(ws, SubmissionGrade("t1", "a4_pilotage", True, checks, {"A4C1-organisation_projet": HOSTILE}, ""))
    _graded_notebook(ws, "t1", "a4_pilotage")
    report(ws, pdf=False)
    for page in (ws.candidate_report("c01"), ws.report_dir / "index.html"):
        html = page.read_text(encoding="utf-8")
        assert "<strong>Plan</strong>" in html  # Markdown rendered
        for bad in ("<script", "<img", 'href="javascript', "BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS",
                    "secret == 42"):
            assert bad not in html, (page.name, bad)
        assert not re.search(r"<[^>]*\son\w+\s*=", html), page.name  # no event handler in any tag
    html = ws.candidate_report("c01").read_text(encoding="utf-8")
    assert "1 / 2" in html and "0,5 / 1" in html  # French decimal comma
    assert "0.5 / 1" not in html

    nb_page = ws.notebook_page("t1", "a4_pilotage")
    text = nb_page.read_text(encoding="utf-8")
    assert 'id="cell-id=A4C1-organisation_projet"' in text
    for bad in ("BEGIN SOLUTION", "HIDDEN TESTS", "== 100", "<script", "<img", "alert(6)"):
        assert bad not in text, bad
    assert not re.search(r"<[^>]*\son\w+\s*=", text) and not re.search(r"<[^>]*javascript:", text)
    assert "<strong>Plan</strong>" in text and "<b>tableau</b>" in text  # Markdown and HTML still rendered
    assert "duree" in text and "sortie masquée" in text
    rel = nb_page.relative_to(ws.report_dir).as_posix()
    assert f'href="../{rel}#cell-id=A4C1-organisation_projet"' in html  # grid line → the answer's cell
    anchor = re.search(rf'href="../{re.escape(rel)}#cell-id=([^"]+)">cellule de A4C1.project_duration', html)
    assert anchor and f'id="cell-id={anchor.group(1)}"' in text  # grid line → the cell recording the answer


def test_candidate_pdf_is_written(tmp_path):
    import sys

    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # Pango missing: « make deps-systeme » installs it
        pytest.skip(f"bibliothèques de WeasyPrint absentes : {exc}")

    sys.path.insert(0, str(Path(__file__).parent))
    from _jury_helpers import write_roster

    ws = Workspace(tmp_path / "ws")
    write_roster(ws)
    ws.submitted("t1", "a4_pilotage").mkdir(parents=True)
    report(ws, pdf=True)
    pdf = ws.candidate_report("c01", ".pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert ws.cohort_workbook.is_file()


# -- damaged grade files: valid JSON that is not a grade ----------------------------------------

def _set_check(field, value):
    def damage(doc):
        doc["checks"][0][field] = value
        return doc
    return damage


def _set(field, value):
    def damage(doc):
        doc[field] = value
        return doc
    return damage


DAMAGES = {
    "tronqué": None,  # the text cut in half (not JSON)
    "null": lambda doc: None,
    "liste": lambda doc: [doc],
    "texte": lambda doc: "note : 20/20",
    "nombre": lambda doc: 20,
    "score texte": _set_check("score", "20"),
    "score NaN": _set_check("score", float("nan")),
    "score infini": _set_check("score", float("inf")),
    "score booléen": _set_check("score", True),
    "score au-delà du maximum": _set_check("score", 1e9),
    "score négatif": _set_check("score", -1),
    "maximum null": _set_check("max_score", None),
    "libellé liste": _set_check("label", ["x"]),
    "critère null": lambda doc: {**doc, "checks": [None]},
    "critère sans score": lambda doc: {**doc, "checks": [{k: v for k, v in doc["checks"][0].items() if k != "score"}]},
    "incidents null": _set("incidents", None),
    "incidents texte": _set("incidents", "noyau arrêté"),
    "incident nombre": _set("incidents", [3]),
    "isolation objet": _set("isolation", {"a": 1}),
    "checks null": _set("checks", None),
    "checks objet": _set("checks", {"A4C1": 1}),
    "jury_answers liste": _set("jury_answers", ["texte"]),
    "réponse nombre": _set("jury_answers", {"A4C1-organisation_projet": 3}),
    "executed texte": _set("executed", "oui"),
    "log null": _set("log", None),
    "grader_error nombre": _set("grader_error", 1),
    "graded_at nombre": _set("graded_at", 42),
    "graded_at pas une date": _set("graded_at", "hier"),
    "champ absent": lambda doc: {k: v for k, v in doc.items() if k != "executed"},
    "note d'une autre équipe": _set("team_id", "saine"),
    "note d'une autre épreuve": _set("assignment_id", "a1_cadrage"),
    # as text: json.dumps itself refuses an integer past Python's 4300 digits
    "score de 5000 chiffres": lambda doc: re.sub(r'"score": [0-9.]+', '"score": ' + "9" * 5000, json.dumps(doc),
                                                 count=1),
}


def _damaged_cohort(ws, damages: dict) -> None:
    """One team per damage (its grade file damaged so), and a sound team ``saine``."""
    for team, damage in {"saine": False, **damages}.items():
        ws.submitted(team, "a4_pilotage").mkdir(parents=True)
        checks = [CheckResult(c.check_id, c.competency, "a4_pilotage", c.label, c.max_score, c.max_score, "ok")
                  for c in checks_for("a4_pilotage")]
        write_grade(ws, SubmissionGrade(team, "a4_pilotage", True, checks, {}, "", incidents=["sortie tronquée"]))
        if damage is not False:
            path = ws.grades(team, "a4_pilotage")
            text = path.read_text(encoding="utf-8")
            damaged = text[: len(text) // 2] if damage is None else damage(json.loads(text))
            path.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged), encoding="utf-8")


def test_a_score_too_long_for_python_is_reported_in_french(tmp_path):
    from mspr.report import damaged_grade_files

    ws = Workspace(tmp_path / "ws")
    _damaged_cohort(ws, {"abimee": DAMAGES["score de 5000 chiffres"]})
    [(path, why)] = damaged_grade_files(ws)
    assert path == "grades/abimee/a4_pilotage.json" and "5000 chiffres : trop grand" in why, why


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_grade_file_is_read_as_damaged(tmp_path, damage):
    from mspr.grading.engine import Task, _already_done
    from mspr.jury.grid import GRADER_ERROR, team_grid
    from mspr.report import build_rows, damaged_grade_files, load_grades

    ws = Workspace(tmp_path / "ws")
    _damaged_cohort(ws, {"abimee": damage})
    grades = load_grades(ws)
    error = grades["abimee"]["a4_pilotage"].grader_error
    assert "endommagé ou tronqué" in error and "grades/abimee/a4_pilotage.json" in error
    assert grades["saine"]["a4_pilotage"].grader_error is None
    assert [p for p, _ in damaged_grade_files(ws)] == ["grades/abimee/a4_pilotage.json"]
    assert team_grid(ws, "abimee", grades["abimee"]).states["a4_pilotage"] == GRADER_ERROR
    a4 = {c.check_id for c in checks_for("a4_pilotage")}
    rows = [r for r in build_rows(ws, grades=grades) if r.kind == "auto" and r.criterion_id in a4]
    assert {r.score for r in rows if r.team_id == "abimee"} == {None}  # no score: to grade again
    assert all(r.score == r.max_score for r in rows if r.team_id == "saine")
    assert _already_done(ws, Task(str(ws.root), "abimee", "a4_pilotage"), "run") is None  # a resumed run regrades it


def test_mspr_report_names_every_damaged_grade_file_and_reports_the_whole_cohort(tmp_path, capsys):
    from mspr.cli import main

    ws = Workspace(tmp_path / "ws")
    shown = {"tronqué", "null", "liste", "texte", "score texte", "score NaN", "incidents null", "checks null",
             "graded_at nombre"}
    damages = {f"abimee{i:02d}": damage for i, (name, damage) in enumerate(DAMAGES.items()) if name in shown}
    _damaged_cohort(ws, damages)
    assert main(["report", "-w", str(ws.root), "--no-pdf"]) == 0
    err = capsys.readouterr().err
    assert f"Attention : {len(damages)} fichiers de note endommagés" in err and "Traceback" not in err
    teams = " ".join(f"--team {t}" for t in sorted(damages))
    assert f"mspr autograde -w {ws.root} {teams} --assignment a4_pilotage" in err  # these alone, not the cohort
    html = (ws.report_dir / "index.html").read_text(encoding="utf-8")
    for team in damages:
        assert f"grades/{team}/a4_pilotage.json" in err and f"grades/{team}/a4_pilotage.json" in html
    assert "Rendus de l'équipe saine" in html and "sortie tronquée" in html  # the whole cohort is there
    assert not re.search(r"\b(nan|inf)\s*/", html, re.I)  # no « nan / 20 »
    a4 = {c.check_id for c in checks_for("a4_pilotage")}
    with (ws.report_dir / "details.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "auto" and r["criterion_id"] in a4]
    assert {r["score"] for r in rows if r["team_id"] != "saine"} == {""}
    assert all(float(r["score"]) == float(r["max_score"]) for r in rows if r["team_id"] == "saine")


def test_a_sound_grade_file_is_not_reported_as_damaged(tmp_path, capsys):
    from mspr.cli import main
    from mspr.report import damaged_grade_files

    ws = Workspace(tmp_path / "ws")
    ws.submitted("t1", "a4_pilotage").mkdir(parents=True)
    checks = [CheckResult(c.check_id, c.competency, "a4_pilotage", c.label, 0, c.max_score, "ok")
              for c in checks_for("a4_pilotage")]
    write_grade(ws, SubmissionGrade("t1", "a4_pilotage", True, checks, {"A4C1-x": "texte"}, "",
                                    grader_error=None, run_id=None))
    assert damaged_grade_files(ws) == []
    assert main(["report", "-w", str(ws.root), "--no-pdf"]) == 0
    assert "endommagé" not in capsys.readouterr().err
