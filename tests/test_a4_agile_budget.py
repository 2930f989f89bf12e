"""A4 agile tracking (backlog, sprint log, velocity, burndown: A4C3), budget (A4C1) and Gantt (A4C4)."""

import datetime as dt
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest

from mspr.case import load_case_spec
from mspr.case.build import agile_truth, plan_truth
from mspr.case.pilotage import BACKLOG_COLUMNS, DONE, SPRINT_COLUMNS, agile_log, agile_series
from mspr.case.spec import CaseSpec
from mspr.case.truth import GroundTruth
from mspr.grading.checks import CheckContext, run_checks

CASES = Path(__file__).resolve().parent.parent / "cases"
SPEC = load_case_spec(CASES / "mutuelle_horizon")
BACKLOG, SPRINTS = agile_log(SPEC, seed=SPEC.donnees.graine)
TRUTH = GroundTruth.model_construct(plan=plan_truth(SPEC), agile=agile_truth(BACKLOG, SPRINTS), providers=[])


def png(path: Path, width: int = 400, height: int = 200) -> Path:
    """A minimal valid PNG (grey), written with zlib only: independent of the grader's reader."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def grade(tmp_path: Path, answers: dict, truth: GroundTruth = TRUTH) -> dict:
    ctx = CheckContext(answers=answers, ground_truth=truth, ground_truth_dir=tmp_path, workdir=tmp_path)
    return {r.check_id: r for r in run_checks("a4_pilotage", ctx)}


# --------------------------------------------------------------------------- the generated board export

def test_board_export_is_deterministic_and_shaped_like_an_export():
    again, sprints = agile_log(SPEC, seed=SPEC.donnees.graine)
    assert again.equals(BACKLOG) and sprints.equals(SPRINTS)
    assert list(BACKLOG.columns) == BACKLOG_COLUMNS and list(SPRINTS.columns) == SPRINT_COLUMNS
    assert len(SPRINTS) == SPEC.agile.sprints
    assert set(BACKLOG.statut) <= {DONE, "En cours", "À faire"}
    assert (BACKLOG.statut == "En cours").sum() <= 1
    assert set(BACKLOG.epopee) <= {t.id for t in SPEC.plan.taches}
    assert (BACKLOG.points == "").any(), "some items (bugs) carry no estimate"
    other, _ = agile_log(SPEC, seed=SPEC.donnees.graine + 1)
    assert not other.equals(BACKLOG)


def test_sprints_are_consecutive_working_days_of_the_plan_calendar():
    holidays = set(TRUTH.plan.holidays)
    for sprint in TRUTH.agile.sprints:
        days = pd.bdate_range(sprint.start, sprint.end)
        working = [d.date() for d in days if d.date() not in holidays]
        assert len(working) == SPEC.agile.duree_sprint_jours, sprint
    assert all(a.end < b.start for a, b in zip(TRUTH.agile.sprints, TRUTH.agile.sprints[1:]))


def test_burndown_identity_holds_sprint_after_sprint():
    """remaining(k) = remaining(k-1) - velocity(k) + points created during sprint k (counted from the export)."""
    points = pd.to_numeric(BACKLOG.points, errors="coerce").fillna(0)
    created = pd.to_datetime(BACKLOG.cree_le).dt.date
    before = TRUTH.agile.initial_points
    previous_end = TRUTH.agile.sprints[0].start - dt.timedelta(days=1)
    for sprint in TRUTH.agile.sprints:
        added = points[(created > previous_end) & (created <= sprint.end)].sum()
        assert sprint.remaining_points == pytest.approx(before - sprint.velocity_points + added)
        before, previous_end = sprint.remaining_points, sprint.end
    assert TRUTH.agile.sprints[-1].remaining_points > 0


def test_agile_series_on_a_hand_made_export():
    backlog = pd.DataFrame([
        {"points": "5", "statut": DONE, "cree_le": "2025-01-01", "termine_le": "2025-01-08"},   # sprint 1
        {"points": "3", "statut": DONE, "cree_le": "2025-01-01", "termine_le": "2025-01-17"},   # sprint 1, last day
        {"points": "", "statut": DONE, "cree_le": "2025-01-09", "termine_le": "2025-01-10"},    # bug, no estimate
        {"points": "8", "statut": DONE, "cree_le": "2025-01-01", "termine_le": "2025-01-20"},   # sprint 2, first day
        {"points": "2", "statut": "En cours", "cree_le": "2025-01-15", "termine_le": ""},      # added in sprint 1
        {"points": "13", "statut": "À faire", "cree_le": "2025-01-22", "termine_le": ""},      # added in sprint 2
    ])
    sprints = pd.DataFrame([{"sprint": "Sprint 1", "debut": "2025-01-06", "fin": "2025-01-17"},
                            {"sprint": "Sprint 2", "debut": "2025-01-20", "fin": "2025-01-31"}])
    initial, series = agile_series(backlog, sprints)
    assert initial == 16
    assert [s["velocity_points"] for s in series] == [8, 8]
    assert [s["remaining_points"] for s in series] == [10, 15]


def test_a_case_without_agile_section_gets_the_default_tracking():
    data = SPEC.model_dump()
    del data["agile"]
    bare = CaseSpec.model_validate(data)
    assert bare.agile.sprints == 6
    backlog, sprints = agile_log(bare, seed=1)
    assert len(sprints) == 6 and len(backlog) > 10


# --------------------------------------------------------------------------- velocity and burndown checks

def series_table(truth: GroundTruth = TRUTH) -> pd.DataFrame:
    return pd.DataFrame([{"sprint": s.sprint, "velocite": s.velocity_points, "reste_a_faire": s.remaining_points}
                         for s in truth.agile.sprints])


def agile_answers(image: str = "livrables/burndown.png") -> dict:
    return {"A4C3.velocity": "livrables/velocite.csv",
            "A4C3.burndown": {"serie": "livrables/velocite.csv", "graphique": image}}


def write(table: pd.DataFrame, path: Path, **kwargs) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, **kwargs)


def test_right_velocity_and_burndown_get_full_marks(tmp_path):
    write(series_table(), tmp_path / "livrables/velocite.csv")
    png(tmp_path / "livrables/burndown.png")
    results = grade(tmp_path, agile_answers())
    assert results["A4C3.velocity"].score == 2, results["A4C3.velocity"].evidence
    assert results["A4C3.burndown"].score == 2, results["A4C3.burndown"].evidence


def test_any_presentation_english_headers_sprint_numbers_shuffled_decimal_comma(tmp_path):
    table = series_table().rename(columns={"sprint": "Iteration", "velocite": "Points du sprint",
                                           "reste_a_faire": "Remaining points"})
    table["Iteration"] = [f"S{k}" for k in range(1, len(table) + 1)]
    table = table.sample(frac=1, random_state=1)[["Remaining points", "Iteration", "Points du sprint"]]
    starting = pd.DataFrame([{"Remaining points": TRUTH.agile.initial_points, "Iteration": "Départ",
                              "Points du sprint": 0}])
    write(pd.concat([starting, table]), tmp_path / "livrables/velocite.csv", sep=";", decimal=",")
    png(tmp_path / "livrables/burndown.png")
    results = grade(tmp_path, agile_answers())
    assert results["A4C3.velocity"].score == 2, results["A4C3.velocity"].evidence
    assert results["A4C3.burndown"].score == 2, results["A4C3.burndown"].evidence


def test_one_wrong_velocity_loses_that_sprints_share_and_is_named(tmp_path):
    table = series_table()
    target = TRUTH.agile.sprints[2]
    table.loc[2, "velocite"] = target.velocity_points + 3
    write(table, tmp_path / "livrables/velocite.csv")
    png(tmp_path / "livrables/burndown.png")
    results = grade(tmp_path, agile_answers())
    n = len(TRUTH.agile.sprints)
    assert results["A4C3.velocity"].score == round(2 * (n - 1) / n, 2)
    assert f"{target.sprint} : {target.velocity_points + 3:g} au lieu de {target.velocity_points:g}" \
        in results["A4C3.velocity"].evidence
    assert results["A4C3.burndown"].score == 2


def test_counting_the_sprint_column_instead_of_finish_dates_is_wrong_where_they_differ(tmp_path):
    """A team that sums every item of a sprint (in progress included) gets the sprints with carried work wrong."""
    points = pd.to_numeric(BACKLOG.points, errors="coerce").fillna(0)
    naive = points.groupby(BACKLOG.sprint).sum()
    table = series_table()
    table["velocite"] = table.sprint.map(naive).fillna(0)
    write(table, tmp_path / "livrables/velocite.csv")
    differ = [s for s in TRUTH.agile.sprints if naive.get(s.sprint, 0) != s.velocity_points]
    assert differ, "the export must carry at least one unfinished item in a sprint"
    result = grade(tmp_path, agile_answers())["A4C3.velocity"]
    n = len(TRUTH.agile.sprints)
    assert result.score == round(2 * (n - len(differ)) / n, 2)


def test_burndown_without_image_or_with_a_wrong_value(tmp_path):
    table = series_table()
    target = TRUTH.agile.sprints[-1]
    table.loc[len(table) - 1, "reste_a_faire"] = target.remaining_points - 1
    write(table, tmp_path / "livrables/velocite.csv")
    (tmp_path / "livrables/burndown.png").write_text("pas une image")
    result = grade(tmp_path, agile_answers())["A4C3.burndown"]
    n = len(TRUTH.agile.sprints)
    assert result.score == round(2 * 0.75 * (n - 1) / n, 2)
    assert f"{target.sprint} : {target.remaining_points - 1:g}" in result.evidence
    assert "n'est pas une image" in result.evidence


def test_missing_agile_files_score_zero_and_say_so(tmp_path):
    results = grade(tmp_path, agile_answers())
    assert results["A4C3.velocity"].score == 0 and "introuvable" in results["A4C3.velocity"].evidence
    assert results["A4C3.burndown"].score == 0 and "introuvable" in results["A4C3.burndown"].evidence


# --------------------------------------------------------------------------- budget and Gantt checks

def budget_table(truth: GroundTruth = TRUTH, labels: bool = False) -> pd.DataFrame:
    plan = truth.plan
    rows = [{"ressource": plan.resource_labels[k] if labels else k, "cout_journalier_eur": 999, "cout_eur": v}
            for k, v in plan.cost_by_resource.items()]
    return pd.DataFrame(rows + [{"ressource": "Total", "cout_journalier_eur": None, "cout_eur": plan.total_cost_eur}])


def independent_budget() -> dict[str, float]:
    """Cost per resource recomputed here from the spec (days × daily cost), not from the grader's code."""
    out = dict.fromkeys(SPEC.plan.ressources, 0.0)
    for task in SPEC.plan.taches:
        for name in task.ressources:
            out[name] += task.duree_jours * SPEC.plan.ressources[name].cout_journalier_eur
    return out


def test_budget_truth_matches_an_independent_computation():
    assert TRUTH.plan.cost_by_resource == pytest.approx(independent_budget())
    assert TRUTH.plan.total_cost_eur == pytest.approx(sum(independent_budget().values()))


def test_right_budget_full_marks_in_euros_or_thousands_with_names(tmp_path):
    write(budget_table(), tmp_path / "livrables/budget.csv", sep=";")
    result = grade(tmp_path, {"A4C1.budget": "livrables/budget.csv"})["A4C1.budget"]
    assert result.score == 2, result.evidence
    table = budget_table(labels=True).rename(columns={"cout_eur": "Coût total (k€)"})
    table["Coût total (k€)"] = table["Coût total (k€)"] / 1000
    write(table.sample(frac=1, random_state=2), tmp_path / "livrables/budget.csv", sep=";", decimal=",")
    result = grade(tmp_path, {"A4C1.budget": "livrables/budget.csv"})["A4C1.budget"]
    assert result.score == 2, result.evidence
    assert "k€" in result.evidence and "non précisée" not in result.evidence


def test_one_wrong_resource_loses_its_share_and_is_named(tmp_path):
    table = budget_table()
    key = next(iter(TRUTH.plan.cost_by_resource))
    table.loc[0, "cout_eur"] += 700
    write(table, tmp_path / "livrables/budget.csv")
    result = grade(tmp_path, {"A4C1.budget": "livrables/budget.csv"})["A4C1.budget"]
    n = len(TRUTH.plan.cost_by_resource) + 1
    assert result.score == round(2 * (n - 1) / n, 2)
    assert f"{key} : " in result.evidence and "au lieu de" in result.evidence


def test_budget_without_total_or_cost_column(tmp_path):
    table = budget_table()
    write(table[table.ressource != "Total"], tmp_path / "livrables/budget.csv")
    result = grade(tmp_path, {"A4C1.budget": "livrables/budget.csv"})["A4C1.budget"]
    assert "total absent" in result.evidence and result.score < 2
    write(table[["ressource", "cout_journalier_eur"]], tmp_path / "livrables/budget.csv")
    result = grade(tmp_path, {"A4C1.budget": "livrables/budget.csv"})["A4C1.budget"]
    assert result.score == 0 and "aucune colonne de coût" in result.evidence


def test_gantt_image_is_checked(tmp_path):
    answers = {"A4C4.gantt": "livrables/gantt.png"}
    assert grade(tmp_path, answers)["A4C4.gantt"].score == 0
    png(tmp_path / "livrables/gantt.png")
    result = grade(tmp_path, answers)["A4C4.gantt"]
    assert result.score == 1 and "400 × 200 px" in result.evidence and "jury" in result.evidence
    png(tmp_path / "livrables/gantt.png", 40, 20)
    assert "trop petite" in grade(tmp_path, answers)["A4C4.gantt"].evidence
