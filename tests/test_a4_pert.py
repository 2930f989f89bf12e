"""A4 PERT table: read from the team's file, scored task by task against the plan's schedule."""

from pathlib import Path

import pandas as pd
import pytest

from mspr.case import load_case_spec
from mspr.case.build import plan_truth
from mspr.case.truth import GroundTruth
from mspr.grading.checks import CHECKS, CheckContext, run_checks
from mspr.grading.checks.a4_pilotage import pert_column, read_pert_table

CASES = Path(__file__).resolve().parent.parent / "cases"
PERT_CHECKS = {"A4C1.pert_table", "A4C1.critical_path", "A4C1.project_duration"}


def truth_of(case_id: str) -> GroundTruth:
    return GroundTruth.model_construct(plan=plan_truth(load_case_spec(CASES / case_id)))


def reference_table(truth: GroundTruth) -> pd.DataFrame:
    """The right PERT table, French headers, in the plan's order."""
    return pd.DataFrame([{
        "id_tache": t.id, "debut_au_plus_tot": t.earliest_start, "fin_au_plus_tot": t.earliest_finish,
        "debut_au_plus_tard": t.latest_start, "fin_au_plus_tard": t.latest_finish, "marge_totale": t.total_float,
    } for t in truth.plan.tasks])


def grade(truth: GroundTruth, workdir: Path, answers: dict) -> dict:
    ctx = CheckContext(answers=answers, ground_truth=truth, ground_truth_dir=workdir, workdir=workdir)
    return {r.check_id: r for r in run_checks("a4_pilotage", ctx)}


def full_answers(truth: GroundTruth, path: list[str] | None = None) -> dict:
    return {"A4C1.pert_table": "livrables/pert.csv",
            "A4C1.critical_path": list(path or truth.plan.critical_paths[0]),
            "A4C1.project_duration": truth.plan.duration_days}


def write(table: pd.DataFrame, workdir: Path, name: str = "livrables/pert.csv", **kwargs) -> None:
    (workdir / name).parent.mkdir(parents=True, exist_ok=True)
    if name.endswith(".csv"):
        table.to_csv(workdir / name, index=False, **kwargs)
    else:
        table.to_excel(workdir / name, index=False)


@pytest.mark.parametrize("case_id", ["mutuelle_horizon", "oceane_mobilites", "hainaut_polymeres"])
def test_right_table_gets_full_marks(tmp_path, case_id):
    truth = truth_of(case_id)
    write(reference_table(truth), tmp_path)
    results = grade(truth, tmp_path, full_answers(truth))
    assert all(r.score == r.max_score for k, r in results.items() if k in PERT_CHECKS), results
    assert f"{len(truth.plan.tasks)}/{len(truth.plan.tasks)} tâches exactes" in results["A4C1.pert_table"].evidence


def test_one_wrong_float_loses_exactly_that_tasks_share_and_names_it(tmp_path):
    truth = truth_of("mutuelle_horizon")
    table = reference_table(truth)
    slack = next(t for t in truth.plan.tasks if t.total_float > 1)
    table.loc[table.id_tache == slack.id, "marge_totale"] = 1
    write(table, tmp_path)
    result = grade(truth, tmp_path, full_answers(truth))["A4C1.pert_table"]
    n = len(truth.plan.tasks)
    assert result.score == round(result.max_score * (n - 1) / n, 2)
    assert f"{slack.id} : marge totale 1 au lieu de {slack.total_float}" in result.evidence
    assert f"{n - 1}/{n} tâches exactes" in result.evidence


def test_typing_path_and_duration_only_cannot_reach_full_marks(tmp_path):
    truth = truth_of("mutuelle_horizon")
    results = grade(truth, tmp_path, full_answers(truth))  # no PERT file written
    assert results["A4C1.critical_path"].score == results["A4C1.critical_path"].max_score
    assert results["A4C1.pert_table"].score == 0
    assert "introuvable" in results["A4C1.pert_table"].evidence
    assert sum(r.score for r in results.values()) < sum(r.max_score for r in results.values())


def test_both_tied_critical_paths_get_full_marks(tmp_path):
    truth = truth_of("oceane_mobilites")
    assert len(truth.plan.critical_paths) == 2
    write(reference_table(truth), tmp_path)
    for path in truth.plan.critical_paths:
        results = grade(truth, tmp_path, full_answers(truth, path))
        assert all(r.score == r.max_score for k, r in results.items() if k in PERT_CHECKS), path


def test_any_presentation_is_accepted(tmp_path):
    """English headers, shuffled rows and columns, ';' separator, decimal comma, id as an unnamed index."""
    truth = truth_of("hainaut_polymeres")
    table = reference_table(truth).rename(columns={
        "id_tache": "Task", "debut_au_plus_tot": "ES", "fin_au_plus_tot": "EF", "debut_au_plus_tard": "LS",
        "fin_au_plus_tard": "LF", "marge_totale": "Total float"})
    table["Duration"] = [t.duration_days for t in truth.plan.tasks]
    shuffled = table.sample(frac=1, random_state=3)[["LF", "Total float", "Task", "Duration", "LS", "ES", "EF"]]
    numbers = [c for c in shuffled.columns if c != "Task"]
    write(shuffled.astype({c: float for c in numbers}), tmp_path, sep=";", decimal=",")
    assert grade(truth, tmp_path, full_answers(truth))["A4C1.pert_table"].score == 4
    french = reference_table(truth).set_index("id_tache")
    french.columns = ["Début au plus tôt", "Fin au plus tôt", "Début au plus tard", "Fin au plus tard", "Marge"]
    french.index.name = None
    french.to_csv(tmp_path / "livrables/pert.csv")
    assert grade(truth, tmp_path, full_answers(truth))["A4C1.pert_table"].score == 4


def test_missing_column_and_missing_task_are_explained(tmp_path):
    truth = truth_of("mutuelle_horizon")
    write(reference_table(truth).drop(columns="fin_au_plus_tard"), tmp_path)
    result = grade(truth, tmp_path, full_answers(truth))["A4C1.pert_table"]
    assert result.score == 0 and "fin au plus tard" in result.evidence
    table = reference_table(truth)
    write(table[table.id_tache != truth.plan.tasks[-1].id], tmp_path)
    result = grade(truth, tmp_path, full_answers(truth))["A4C1.pert_table"]
    assert f"{truth.plan.tasks[-1].id} absente" in result.evidence


def test_path_outside_the_submission_is_refused(tmp_path):
    truth = truth_of("mutuelle_horizon")
    answers = full_answers(truth) | {"A4C1.pert_table": "../pert.csv"}
    result = grade(truth, tmp_path / "equipe", answers)["A4C1.pert_table"]
    assert result.score == 0 and "sort du dossier" in result.evidence


@pytest.mark.parametrize("header, field", [
    ("earliest_start", "earliest_start"), ("Earliest Finish", "earliest_finish"), ("debut_tard", "latest_start"),
    ("Date de fin au plus tard", "latest_finish"), ("slack", "total_float"), ("Marge libre", None),
    ("id_tache", "id"), ("libelle", None), ("duree_jours", None),
])
def test_headers(header, field):
    assert pert_column(header) == field


def test_pert_check_is_registered_with_a4c1():
    assert CHECKS["A4C1.pert_table"].assignment_id == "a4_pilotage"
    assert read_pert_table.__doc__


def test_dates_on_the_working_calendar_are_accepted(tmp_path):
    """Starts as dates; finishes as the last working day or as the next start; French or ISO format."""
    import datetime as dt

    truth = truth_of("mutuelle_horizon")
    plan = truth.plan
    days = [d for d in (plan.start_date + dt.timedelta(n) for n in range(400))
            if d.weekday() < 5 and d not in plan.holidays][: plan.duration_days + 1]
    table = pd.DataFrame([{
        "tache": t.id, "debut_au_plus_tot": days[t.earliest_start].isoformat(),
        "fin_au_plus_tot": days[t.earliest_finish - 1].strftime("%d/%m/%Y"),
        "debut_au_plus_tard": days[t.latest_start].strftime("%d/%m/%Y"),
        "fin_au_plus_tard": days[t.latest_finish].isoformat(),  # next-start convention
        "marge_totale": t.total_float,
    } for t in plan.tasks])
    write(table, tmp_path)
    assert grade(truth, tmp_path, full_answers(truth))["A4C1.pert_table"].score == 4
    # Easter Monday 2025 (21 April) is not a working day: a start written on it is wrong, and named.
    table.loc[0, "debut_au_plus_tot"] = "21/04/2025"
    write(table, tmp_path)
    result = grade(truth, tmp_path, full_answers(truth))["A4C1.pert_table"]
    first = plan.tasks[0]
    assert f"{first.id} : début au plus tôt 21/04/2025 au lieu de {days[0].strftime('%d/%m/%Y')} (jour 0)" \
        in result.evidence


def test_an_excel_pert_table_is_read(tmp_path):
    truth = truth_of("oceane_mobilites")
    write(reference_table(truth), tmp_path, "livrables/pert.xlsx")
    answers = full_answers(truth) | {"A4C1.pert_table": "livrables/pert.xlsx"}
    assert grade(truth, tmp_path, answers)["A4C1.pert_table"].score == 4


def test_day_numbers_from_one_ids_in_lower_case_with_labels_and_units_are_accepted(tmp_path):
    # Day numbers counted from 1 with the finish as the task's last day (ES + 1, EF unchanged),
    # ids such as "t01 - Cadrage", floats written "3 j": the same right schedule.
    truth = truth_of("mutuelle_horizon")
    table = reference_table(truth)
    table["id_tache"] = [f"{t.id.lower()} - tâche {i}" for i, t in enumerate(truth.plan.tasks)]
    table["debut_au_plus_tot"] += 1
    table["debut_au_plus_tard"] += 1
    table["marge_totale"] = [f"{m} j" for m in table["marge_totale"]]
    write(table, tmp_path)
    result = grade(truth, tmp_path, full_answers(truth))["A4C1.pert_table"]
    n = len(truth.plan.tasks)
    assert result.score == result.max_score, result.evidence
    assert "à partir de 1" in result.evidence
    # one wrong float in that convention still loses exactly that task's share
    task = truth.plan.tasks[2]
    table.loc[2, "marge_totale"] = f"{task.total_float + 2} j"
    write(table, tmp_path)
    result = grade(truth, tmp_path, full_answers(truth))["A4C1.pert_table"]
    assert result.score == round(result.max_score * (n - 1) / n, 2), result.evidence
    assert f"{task.id} : marge totale {task.total_float + 2} au lieu de {task.total_float}" in result.evidence


def test_a_task_written_twice_is_named_as_a_duplicate(tmp_path):
    truth = truth_of("mutuelle_horizon")
    table = reference_table(truth)
    twice = truth.plan.tasks[2]
    table = pd.concat([table, table[table.id_tache == twice.id]], ignore_index=True)
    write(table, tmp_path)
    result = grade(truth, tmp_path, full_answers(truth))["A4C1.pert_table"]
    n = len(truth.plan.tasks)
    assert f"{n - 1}/{n} tâches exactes" in result.evidence
    assert f"{twice.id} écrite sur 2 lignes" in result.evidence and "?" not in result.evidence
