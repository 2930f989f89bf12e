"""Auto checks scored on hand-made answers, with hand-computed expectations."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mspr.case.truth import ColumnRef, GroundTruth, PlanTruth
from mspr.grading.checks import CHECKS, CheckContext, run_checks
from mspr.referentiel import Referentiel

# Only the parts the checks under test read (model_construct skips the other fields).
GROUND_TRUTH = GroundTruth.model_construct(
    pii={
        "adherents": {"nom": ["PERSON"], "email": ["EMAIL_ADDRESS"], "formule": []},
        "reclamations": {"texte": ["EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER"]},
    },
    leaky_column=ColumnRef(table="adherents", column="date_resiliation"),
    plan=PlanTruth(duration_days=17, tasks=[], critical_tasks=["T01", "T03", "T04"],
                   critical_paths=[["T01", "T03", "T04"]]),
)


def ctx(answers, tmp_path=Path("."), processes=None):
    return CheckContext(answers=answers, ground_truth=GROUND_TRUTH, ground_truth_dir=tmp_path, workdir=tmp_path,
                        processes=processes or {})


# The command line of the real `mlflow models serve` of this environment, as /proc shows it.
SERVE = f"{sys.executable} {Path(sys.executable).parent / 'mlflow'} models serve -m modele --env-manager local -p 5001"


def by_id(results):
    return {r.check_id: r for r in results}


def test_every_check_names_a_competency_of_the_referentiel():
    codes = set(Referentiel.load().competencies)
    for check in CHECKS.values():
        assert check.competency in codes, check.check_id
        assert check.assignment_id[:2].upper() == check.competency[:2]


def test_pii_score_is_mean_jaccard_over_flagged_columns():
    answers = {"A1C6.pii_columns": {
        "adherents": {"nom": ["PERSON"], "email": ["EMAIL_ADDRESS"], "ville": ["LOCATION"], "formule": []},
        "reclamations": {"texte": ["PERSON"]},
    }}
    result = by_id(run_checks("a1_cadrage", ctx(answers)))["A1C6.pii_columns"]
    # Columns flagged by either side: nom (1), email (1), ville (0, wrongly flagged),
    # texte (|{PERSON}| / |{EMAIL, PERSON, PHONE}| = 1/3); mean = (2 + 1/3) / 4 = 0.5833; x 1 point = 0.58.
    assert result.score == pytest.approx(0.58)
    assert "adherents.ville" in result.evidence and "reclamations.texte" in result.evidence


def test_pii_perfect_and_empty_answers():
    perfect = {t: {c: v for c, v in cols.items() if v} for t, cols in GROUND_TRUTH.pii.items()}
    assert run_checks("a1_cadrage", ctx({"A1C6.pii_columns": perfect}))[0].score == 1
    assert run_checks("a1_cadrage", ctx({"A1C6.pii_columns": {}}))[0].score == 0


def test_missing_and_malformed_answers_score_zero_with_a_reason():
    missing = run_checks("a4_pilotage", ctx({}))
    assert [r.score for r in missing] == [0] * len(missing)
    assert all("aucune réponse" in r.evidence for r in missing)
    malformed = by_id(run_checks("a4_pilotage", ctx({"A4C1.critical_path": "T01,T03", "A4C1.project_duration": "17"})))
    assert malformed["A4C1.critical_path"].score == 0
    assert "inexploitable" in malformed["A4C1.critical_path"].evidence
    assert malformed["A4C1.project_duration"].score == 0


def test_plan_checks():
    exact = by_id(run_checks("a4_pilotage", ctx({"A4C1.critical_path": ["T01", "T03", "T04"],
                                                 "A4C1.project_duration": 17})))
    assert exact["A4C1.critical_path"].score == 2 and exact["A4C1.project_duration"].score == 1
    off = by_id(run_checks("a4_pilotage", ctx({"A4C1.critical_path": ["T01", "T02", "T04"],
                                               "A4C1.project_duration": 18})))
    # Jaccard {T01, T04} / {T01, T02, T03, T04} = 0.5, halved, x 2 points = 0.5.
    assert off["A4C1.critical_path"].score == 0.5
    assert off["A4C1.project_duration"].score == 0


def test_leaky_column_accepts_table_prefix():
    for answer, expected in [("date_resiliation", 1), ("adherents.DATE_RESILIATION", 1), ("resiliation", 0)]:
        assert by_id(run_checks("a2_conception", ctx({"A2C1.leaky_column": answer})))["A2C1.leaky_column"].score == expected


def test_a_grader_bug_is_not_hidden(monkeypatch):
    def broken(ctx, answer):
        raise KeyError("bug in the grader")

    import dataclasses

    monkeypatch.setitem(CHECKS, "A4C1.project_duration",
                        dataclasses.replace(CHECKS["A4C1.project_duration"], func=broken))
    with pytest.raises(KeyError):
        run_checks("a4_pilotage", ctx({"A4C1.project_duration": 3}))


def test_server_stopped_detects_a_running_server(tmp_path):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            port = server.getsockname()[1]
            running = {"model_path": "modele", "predictions": [0, 1], "latencies_ms": [3.0, 4.0],
                       "server_pid": sleeper.pid, "port": port}
            seen = {sleeper.pid: SERVE}
            result = by_id(run_checks("a3_deploiement", ctx({"A3C3.deployment_test": running}, tmp_path, seen)))
            assert result["A3C3.server_stopped"].score == 0
            assert "encore actif" in result["A3C3.server_stopped"].evidence
    finally:
        sleeper.kill()
        sleeper.wait()
    done = subprocess.Popen(["true"])
    done.wait()
    stopped = dict(running, server_pid=done.pid)
    result = by_id(run_checks("a3_deploiement", ctx({"A3C3.deployment_test": stopped}, tmp_path, {done.pid: SERVE})))
    assert result["A3C3.server_stopped"].score == 1


def test_a_server_left_running_at_the_end_is_not_credited(tmp_path):
    # The worker saw the server still running when the notebook ended (and killed it since).
    done = subprocess.Popen(["true"])
    done.wait()
    answer = {"model_path": "modele", "predictions": [0], "latencies_ms": [1.0], "server_pid": done.pid, "port": 1}
    context = ctx({"A3C3.deployment_test": answer}, tmp_path, {done.pid: SERVE})
    context.leftovers = {done.pid: SERVE}
    result = by_id(run_checks("a3_deploiement", context))["A3C3.server_stopped"]
    assert result.score == 0 and "encore actif" in result.evidence


def test_a_server_never_seen_running_is_not_credited(tmp_path):
    # Values typed by hand: no mlflow server with that pid ran in the sandbox.
    forged = {"model_path": "modele", "predictions": [0] * 20, "latencies_ms": [1.0] * 20,
              "server_pid": 999_999, "port": 1}
    not_a_server = {999_999: "/venv/bin/python -c print('pas un serveur')"}
    # a process dressed up with the right words (seen in a review)
    dressed_up = {999_999: f"{sys.executable} -c import time; time.sleep(1.5) mlflow models serve"}
    for processes in ({}, not_a_server, dressed_up):
        results = run_checks("a3_deploiement", ctx({"A3C3.deployment_test": forged}, tmp_path, processes))
        assert [r.score for r in results] == [0, 0]
        assert all("aucun serveur" in r.evidence for r in results)


def test_recorded_paths_cannot_escape_the_submission(tmp_path):
    answer = {"model_path": "../../etc", "predictions": [1], "latencies_ms": [1.0], "server_pid": 1, "port": 1}
    result = by_id(run_checks("a3_deploiement", ctx({"A3C3.deployment_test": answer}, tmp_path, {1: SERVE})))
    assert result["A3C3.served_predictions"].score == 0
    assert "sort du dossier" in result["A3C3.served_predictions"].evidence


def test_model_answer_must_point_inside_the_team_folder(tmp_path):
    answer = {"tracking_uri": "sqlite:////etc/mlflow.db", "model_uri": "models:/m-1", "run_id": "1"}
    results = by_id(run_checks("a2_conception", ctx({"A2C6.model": answer}, tmp_path)))
    assert results["A2C6.holdout_auc"].score == 0
    assert "dossier de l'équipe" in results["A2C6.holdout_auc"].evidence


@pytest.mark.parametrize("assignment, answers", [
    ("a1_cadrage", {"A1C6.pii_columns": {"adherents": {"nom": [["PERSON"]]}}}),
    ("a1_cadrage", {"A1C6.pii_columns": ["adherents"]}),
    ("a2_conception", {"A2C6.model": {"tracking_uri": "sqlite:////tmp/x\x00.db", "model_uri": "m", "run_id": "r"}}),
    ("a2_conception", {"A2C1.leaky_column": {"colonne": "date_resiliation"}}),
    ("a3_deploiement", {"A3C3.deployment_test": {"model_path": "mod\x00ele", "predictions": [1], "latencies_ms": [1.0],
                                                 "server_pid": 1, "port": 1}}),
    ("a3_deploiement", {"A3C3.deployment_test": {"model_path": "modele", "predictions": [1], "latencies_ms": [1.0],
                                                 "server_pid": 2**70, "port": 70000}}),
    ("a4_pilotage", {"A4C1.critical_path": [{"id": "T01"}], "A4C1.project_duration": True}),
])
def test_hostile_answer_shapes_score_zero_without_crashing_the_grader(tmp_path, assignment, answers):
    results = run_checks(assignment, ctx(answers, tmp_path, {1: SERVE}))
    answered = [r for r in results if CHECKS[r.check_id].answer in answers]
    assert answered and all(r.score == 0 for r in answered)
    assert all("inexploitable" in r.evidence for r in answered)


def test_the_docs_table_is_generated_from_the_registry():
    from mspr.grading.checks import checks_table

    table = checks_table()
    for check in CHECKS.values():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{check.check_id}` |"))
        assert f"| {check.assignment_id} | {check.max_score:g} | `{check.answer}` | {check.scoring} |" in row
