"""The report from hand-made grade files: escaping, missing and failed gradings."""

import csv
import json

from mspr.grading import SubmissionGrade
from mspr.grading.checks import CheckResult, checks_for
from mspr.paths import Workspace
from mspr.report import report


def write_grade(ws, grade):
    path = ws.grades(grade.team_id, grade.assignment_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(grade.to_json()), encoding="utf-8")


def test_report_escapes_answers_and_flags_missing_and_failed_gradings(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.submitted("t1", "a4_pilotage").mkdir(parents=True)
    checks = [CheckResult(c.check_id, c.competency, "a4_pilotage", c.label, c.max_score, c.max_score, "ok")
              for c in checks_for("a4_pilotage")]
    write_grade(ws, SubmissionGrade("t1", "a4_pilotage", True, checks,
                                    {"A4C1-organisation_projet": "<script>alert('x')</script>"}, ""))
    write_grade(ws, SubmissionGrade("t1", "a2_conception", False, [], {}, "",
                                    grader_error="Traceback…\nKeyError: 'boom'"))
    html = report(ws).read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    status = html[html.index("Exécution des rendus"):html.index("</table>", html.index("Exécution des rendus"))]
    assert "<td>a2_conception</td>\n<td><span class=\"low\">erreur du correcteur</span>" in status
    assert "<td>a1_cadrage</td>\n<td>non rendu ou non corrigé" in status
    assert "<td>a4_pilotage</td>\n<td>exécuté" in status

    with (ws.report_dir / "details.csv").open(encoding="utf-8") as fh:
        rows = {r["criterion_id"]: r for r in csv.DictReader(fh) if r["kind"] == "auto"}
    assert float(rows["A4C1.project_duration"]["score"]) == 1
    assert rows["A2C6.holdout_auc"]["score"] == ""  # not graded: the grader failed
    assert "erreur du correcteur" in rows["A2C6.holdout_auc"]["evidence"]
    assert "KeyError" in rows["A2C6.holdout_auc"]["evidence"]
    assert float(rows["A1C6.pii_columns"]["score"]) == 0 and rows["A1C6.pii_columns"]["evidence"] == "non rendu"


def test_a_new_report_keeps_the_previous_one(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.submitted("t1", "a4_pilotage").mkdir(parents=True)
    first = report(ws).read_text(encoding="utf-8")
    report(ws)
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
