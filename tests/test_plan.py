"""Critical path of a project plan (mspr.case.plan)."""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import pytest

import mspr.case.plan
from mspr.case import load_case_spec
from mspr.case.plan import critical_path, plan_graph
from mspr.errors import MsprError

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
    assert critical_path(HAND_PLAN, require_unique=True) == (["A", "C", "D", "F"], 13)


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


def test_tie_is_reported_only_when_uniqueness_is_required():
    # A=3, B=A+2=5, C=A+2=5, D=max(5,5)+1=6: two chains of 6 days.
    plan = [task("A", 3), task("B", 2, "A"), task("C", 2, "A"), task("D", 1, "B", "C")]
    assert critical_path(plan) == (["A", "B", "D"], 6)  # lexicographically smallest branch
    with pytest.raises(MsprError) as caught:
        critical_path(plan, require_unique=True)
    assert "plusieurs chemins critiques" in caught.value.message
    assert "A → B → D" in caught.value.message and "A → C → D" in caught.value.message


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
    path, days = critical_path(spec.plan.tasks, require_unique=True)
    assert path == ["T01", "T02", "T04", "T05", "T06", "T07", "T10", "T11", "T12"]
    assert days == 100
    assert 10 <= len(spec.plan.tasks) <= 12


def test_docstring_examples_run():
    result = doctest.testmod(mspr.case.plan)
    assert result.attempted > 0 and result.failed == 0
