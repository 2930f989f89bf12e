"""Critical path of a project plan (mspr.case.plan)."""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import pytest

import mspr.case.plan
from mspr.case import load_case_spec
from mspr.case.plan import Schedule, TaskSchedule, critical_path, plan_graph, schedule
from mspr.errors import MsprError
from mspr.case.truth import GroundTruth, PlanTruth
from mspr.grading.checks import CheckContext, run_checks

CASE_DIR = Path(__file__).resolve().parents[1] / "cases" / "mutuelle_horizon"


def task(task_id, days, *predecessors):
    return {"id": task_id, "duree_jours": days, "predecesseurs": list(predecessors)}


# Hand computation (earliest finish = duration + latest earliest finish of the predecessors):
#   A = 3                      (no predecessor)
#   B = 3 + 2 = 5              (after A)
#   C = 3 + 4 = 7              (after A)
#   D = max(B=5, C=7) + 5 = 12 (after B and C: C is the later one)
#   E = 6                      (no predecessor)
#   F = max(D=12, E=6) + 1 = 13
# Project duration 13 days; walking back through the later predecessor: F ← D ← C ← A.
HAND_PLAN = [
    task("A", 3),
    task("B", 2, "A"),
    task("C", 4, "A"),
    task("D", 5, "B", "C"),
    task("E", 6),
    task("F", 1, "D", "E"),
]


def test_critical_path_of_a_hand_computed_plan():
    assert critical_path(HAND_PLAN) == (["A", "C", "D", "F"], 13)


def test_task_order_does_not_matter():
    assert critical_path(list(reversed(HAND_PLAN))) == (["A", "C", "D", "F"], 13)


def test_csv_rows_are_accepted():
    # plan_projet.csv as read by pandas: id_tache, ";"-separated predecessors, NaN when empty.
    rows = [
        {"id_tache": "A", "duree_jours": 3, "predecesseurs": math.nan},
        {"id_tache": "B", "duree_jours": 2, "predecesseurs": "A"},
        {"id_tache": "C", "duree_jours": 4, "predecesseurs": "A"},
        {"id_tache": "D", "duree_jours": 5, "predecesseurs": "B;C"},
    ]
    # Hand computation: A=3, B=5, C=7, D=max(5,7)+5=12 → A, C, D in 12 days.
    assert critical_path(rows) == (["A", "C", "D"], 12)


def test_single_task():
    assert critical_path([task("T01", 4)]) == (["T01"], 4)


def test_tie_is_accepted_and_the_first_path_returned():
    # A=3, B=A+2=5, C=A+2=5, D=max(5,5)+1=6: two chains of 6 days.
    plan = [task("A", 3), task("B", 2, "A"), task("C", 2, "A"), task("D", 1, "B", "C")]
    assert critical_path(plan) == (["A", "B", "D"], 6)  # lexicographically smallest branch
    assert critical_path(plan, require_unique=True) == (["A", "B", "D"], 6)  # no longer refused
    assert schedule(plan).critical_paths == (("A", "B", "D"), ("A", "C", "D"))


def test_cycle_names_the_tasks():
    plan = [task("A", 1), task("B", 1, "A", "D"), task("C", 1, "B"), task("D", 1, "C")]
    with pytest.raises(MsprError) as caught:
        critical_path(plan)
    message = caught.value.message
    assert "circulaires" in message
    assert all(name in message for name in ("B", "C", "D"))
    assert "A" not in message.split(":", 1)[1]
    assert caught.value.hint


def test_self_dependency_is_an_error():
    with pytest.raises(MsprError, match="'A'"):
        critical_path([task("A", 1, "A")])


def test_unknown_predecessor_names_task_and_id():
    with pytest.raises(MsprError) as caught:
        critical_path([task("T01", 2), task("T02", 3, "T09")])
    assert "'T02'" in caught.value.message and "'T09'" in caught.value.message
    assert "T01" in caught.value.hint


def test_duplicated_task_id_is_an_error():
    with pytest.raises(MsprError, match="'T01'"):
        plan_graph([task("T01", 2), task("T01", 3)])


def test_bundled_case_plan():
    # Hand computation on cases/mutuelle_horizon/case.yaml (earliest finish, days):
    #   T01 10 | T02 10+15=25 | T03 10+12=22 | T04 max(25,22)+15=40 | T05 50 | T06 70 | T07 78
    #   T08 25+12=37 | T09 max(78,37)+7=85 | T10 78+14=92 | T11 max(85,92)+5=97 | T12 100
    # Backwards: T12 ← T11 ← T10 ← T07 ← T06 ← T05 ← T04 ← T02 ← T01; the other branches are
    # strictly shorter (T03 22 < 25, T09 85 < 92), so the path is unique.
    spec = load_case_spec(CASE_DIR)
    path, days = critical_path(spec.plan.taches)
    assert path == ["T01", "T02", "T04", "T05", "T06", "T07", "T10", "T11", "T12"]
    assert days == 100
    assert 10 <= len(spec.plan.taches) <= 12


def test_bundled_case_schedule():
    # Same plan. Backward pass (latest finish = smallest latest start of the successors):
    #   T03: only successor T04, critical (ES 25) → LF 25, LS 25-12 = 13; ES 10 → float 3.
    #   T09: only successor T11, critical (ES max(85, 92) = 92) → LF 92, LS 92-7 = 85; ES 78 → float 7.
    #   T08: only successor T09 (LS 85) → LF 85, LS 85-12 = 73; ES 25 → float 48.
    plan = schedule(load_case_spec(CASE_DIR).plan.taches)
    assert plan.duration_days == 100
    assert plan.critical_paths == (("T01", "T02", "T04", "T05", "T06", "T07", "T10", "T11", "T12"),)
    assert plan.tasks["T03"] == TaskSchedule("T03", 12, 10, 22, 13, 25, 3)
    assert plan.tasks["T09"] == TaskSchedule("T09", 7, 78, 85, 85, 92, 7)
    assert plan.tasks["T08"].total_float == 48
    assert plan.critical_tasks == ("T01", "T02", "T04", "T05", "T06", "T07", "T10", "T11", "T12")
    assert plan.tasks["T01"].earliest_start == 0 and plan.tasks["T12"].latest_finish == 100


# Two equal parallel branches, computed by hand.
#   forward (ES → EF):  A 0→2 | B 2→5 | C 5→9 | D 2→7 | E 7→9 | F 2→3 | H 0→4 | G max(9, 9, 3, 4)=9 → 12
#   backward (LS ← LF): G 9←12 | C 5←9 | E 7←9 | F 8←9 | H 5←9 | B 2←5 | D 2←7 | A min(2, 2, 8)=2 → 0←2
#   floats: A, B, C, D, E, G 0; F 8-2 = 6; H 5-0 = 5
#   critical paths: A → B → C → G (2+3+4+3) and A → D → E → G (2+5+2+3), 12 days each.
TIED_PLAN = [
    task("A", 2),
    task("B", 3, "A"),
    task("C", 4, "B"),
    task("D", 5, "A"),
    task("E", 2, "D"),
    task("F", 1, "A"),
    task("H", 4),
    task("G", 3, "C", "E", "F", "H"),
]
TIED_DATES = {  # id: (duration, ES, EF, LS, LF, float)
    "A": (2, 0, 2, 0, 2, 0),
    "B": (3, 2, 5, 2, 5, 0),
    "C": (4, 5, 9, 5, 9, 0),
    "D": (5, 2, 7, 2, 7, 0),
    "E": (2, 7, 9, 7, 9, 0),
    "F": (1, 2, 3, 8, 9, 6),
    "H": (4, 0, 4, 5, 9, 5),
    "G": (3, 9, 12, 9, 12, 0),
}


def test_two_equal_branches_are_both_listed_with_every_float():
    plan = schedule(TIED_PLAN)
    assert isinstance(plan, Schedule)
    assert plan.duration_days == 12
    assert plan.critical_paths == (("A", "B", "C", "G"), ("A", "D", "E", "G"))
    assert plan.critical_tasks == ("A", "B", "D", "C", "E", "G")  # by earliest start, then id
    assert list(plan.tasks) == ["A", "B", "C", "D", "E", "F", "H", "G"]  # the plan's order
    for task_id, dates in TIED_DATES.items():
        assert plan.tasks[task_id] == TaskSchedule(task_id, *dates), task_id
    assert critical_path(TIED_PLAN) == (["A", "B", "C", "G"], 12)


def test_schedule_is_json_ready_for_the_ground_truth():
    data = schedule(TIED_PLAN).to_dict()
    assert data["critical_path"] == ["A", "B", "C", "G"]
    assert data["critical_paths"] == [["A", "B", "C", "G"], ["A", "D", "E", "G"]]
    assert data["duration_days"] == 12 and data["critical_tasks"] == ["A", "B", "D", "C", "E", "G"]
    assert data["tasks"]["F"] == {"duration_days": 1, "earliest_start": 2, "earliest_finish": 3,
                                  "latest_start": 8, "latest_finish": 9, "total_float": 6}


# A 26-task plan (A…Z) in the style of a public MSPR deliverable, with four diamonds of equal branches.
#   A 0→5
#   diamond 1 after A: B 10, C 8, D 7 (5→30) | E 12, F 13 (5→30) | G 6, H 4 (5→15, shorter)
#   I 3 after D, F, H: 30→33
#   diamond 2: J 5 → L 2 (33→40) | K 5 → M 2 (33→40); N 4 after L, M: 40→44; O 6: 44→50
#   diamond 3: P 3 (50→53) | Q 2 → R 1 (50→53); S 4 after P, R: 53→57
#   diamond 4 after S: T 2 → W 3 (57→62) | X 5 (57→62) | U 2 → V 1 (57→60, shorter)
#   Y 2 after W, X, V: 62→64; Z 1: 64→65. Duration 65 days, 2 × 2 × 2 × 2 = 16 critical paths.
#   Floats: I starts at 30: H LS 30-4 = 26, ES 11 → 15; G LF 26, LS 20, ES 5 → 15.
#           Y starts at 62: V LS 61, ES 59 → 2; U LF 61, LS 59, ES 57 → 2.
DIAMOND_PLAN = [
    task("A", 5),
    task("B", 10, "A"), task("C", 8, "B"), task("D", 7, "C"),
    task("E", 12, "A"), task("F", 13, "E"),
    task("G", 6, "A"), task("H", 4, "G"),
    task("I", 3, "D", "F", "H"),
    task("J", 5, "I"), task("K", 5, "I"), task("L", 2, "J"), task("M", 2, "K"),
    task("N", 4, "L", "M"), task("O", 6, "N"),
    task("P", 3, "O"), task("Q", 2, "O"), task("R", 1, "Q"), task("S", 4, "P", "R"),
    task("T", 2, "S"), task("W", 3, "T"), task("X", 5, "S"), task("U", 2, "S"), task("V", 1, "U"),
    task("Y", 2, "W", "X", "V"), task("Z", 1, "Y"),
]


def test_26_task_diamond_plan():
    assert len(DIAMOND_PLAN) == 26
    plan = schedule(DIAMOND_PLAN)
    assert plan.duration_days == 65
    assert len(plan.critical_paths) == 16 and len(set(plan.critical_paths)) == 16
    assert plan.critical_paths[0] == tuple("ABCDIJLNOPSTWYZ")
    assert plan.critical_paths[-1] == tuple("AEFIKMNOQRSXYZ")
    durations = {t["id"]: t["duree_jours"] for t in DIAMOND_PLAN}
    assert all(sum(durations[t] for t in path) == 65 for path in plan.critical_paths)
    assert {t for path in plan.critical_paths for t in path} == set(plan.critical_tasks)
    assert set(plan.critical_tasks) == set("ABCDEFIJKLMNOPQRSTWXYZ")
    assert {t: plan.tasks[t].total_float for t in "GHUV"} == {"G": 15, "H": 15, "U": 2, "V": 2}
    assert plan.tasks["X"] == TaskSchedule("X", 5, 57, 62, 57, 62, 0)


def test_too_many_critical_paths_is_a_french_error():
    with pytest.raises(MsprError) as caught:
        schedule(DIAMOND_PLAN, max_paths=10)
    assert "16 chemins critiques" in caught.value.message and caught.value.hint


def test_negative_duration_is_an_error():
    with pytest.raises(MsprError, match="durée négative"):
        schedule([task("A", -1)])


def test_zero_duration_milestone():
    # A 0 (kick-off milestone) → B 4, C 4: ES of B and C = 0; both branches critical, 4 days.
    plan = schedule([task("A", 0), task("B", 4, "A"), task("C", 4, "A")])
    assert plan.duration_days == 4
    assert plan.critical_paths == (("A", "B"), ("A", "C"))


# -- A4 grader: any critical path scores full marks ------------------------------------------


def _grade(answer, plan_truth):
    plan = PlanTruth(duration_days=plan_truth["duration_days"], tasks=[],
                     critical_tasks=list(plan_truth["critical_tasks"]),
                     critical_paths=[list(p) for p in plan_truth["critical_paths"]])
    context = CheckContext(
        answers={"A4C1.critical_path": answer, "A4C1.project_duration": plan.duration_days},
        ground_truth=GroundTruth.model_construct(plan=plan), ground_truth_dir=Path("."), workdir=Path("."),
        processes={},
    )
    return {r.check_id: r for r in run_checks("a4_pilotage", context)}["A4C1.critical_path"]


def test_grader_accepts_either_of_two_equal_paths():
    truth = schedule(TIED_PLAN).to_dict()
    first = _grade(["A", "B", "C", "G"], truth)
    second = _grade(["A", "D", "E", "G"], truth)
    assert first.score == first.max_score == 2
    assert second.score == second.max_score == 2
    assert "2 chemins critiques" in second.evidence
    # Not a critical path: best Jaccard with a critical path, halved.
    # {A, F, G} vs {A, B, C, G}: 2 / 5 (vs {A, D, E, G}: 2 / 5 too) → 0.4 / 2 × 2 points = 0.4.
    wrong = _grade(["A", "F", "G"], truth)
    assert wrong.score == 0.4
    assert "A → B → C → G ou A → D → E → G" in wrong.evidence


def test_docstring_examples_run():
    result = doctest.testmod(mspr.case.plan)
    assert result.attempted > 0 and result.failed == 0
