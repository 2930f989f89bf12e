"""The rendered reference solutions run, and their answers are the ground truth's.

Each bundled case is built once; each lab's source folder (what
:func:`mspr.labs.render_sources` writes) is copied to a scratch folder and
executed with nbclient, as nbgrader would. The answers in ``reponses.json``
are then compared with the ground truth directly (the auto checks are tested
in ``tests/test_checks.py``): exact personal columns, leaky column, one of the
critical paths and the duration, a model above the pass threshold on the
holdout, served predictions equal to the model's. About 2 minutes a case on
2 cores.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from mspr.case import CaseLayout, build_case
from mspr.labs import load_built_case, render_sources
from mspr.paths import ASSIGNMENTS, REPO_ROOT, Workspace

CASES = sorted(p.parent for p in (REPO_ROOT / "cases").glob("*/case.yaml"))


@pytest.fixture(scope="module", params=CASES, ids=lambda p: p.name)
def ws(request, tmp_path_factory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp(request.param.name) / "ws")
    build_case(request.param, out=ws.case_dir)
    render_sources(ws)
    return ws


def execute(ws: Workspace, assignment_id: str, scratch: Path) -> dict:
    """Run a source notebook in a copy of its folder; return its answers."""
    folder = scratch / assignment_id
    shutil.copytree(ws.source(assignment_id), folder)
    path = folder / f"{assignment_id}.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    nbformat.write(nb, path)
    return json.loads((folder / "reponses.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_reference_solution_runs_and_answers_the_ground_truth(ws, assignment_id, tmp_path):
    answers = execute(ws, assignment_id, tmp_path)
    _, truth = load_built_case(ws.case_dir)
    if assignment_id == "a1_cadrage":
        found = {(t, c): sorted(v) for t, cols in answers["A1C6.pii_columns"].items() for c, v in cols.items()}
        expected = {(t, c): sorted(v) for t, cols in truth.pii.items() for c, v in cols.items() if v}
        assert found == expected
    elif assignment_id == "a2_conception":
        assert answers["A2C1.leaky_column"] == truth.leaky_column.column
        _check_model(answers["A2C6.model"], ws, truth)
    elif assignment_id == "a3_deploiement":
        answer = answers["A3C3.deployment_test"]
        sample = pd.read_csv(tmp_path / assignment_id / "donnees" / "echantillon_requetes.csv")
        assert len(answer["predictions"]) == len(answer["latencies_ms"]) == len(sample)
        import mlflow.pyfunc

        served = answer["predictions"]
        model = mlflow.pyfunc.load_model(str(CaseLayout(ws.case_dir).model_dir))
        schema = model.metadata.get_input_schema()
        types = {c.name: (str if c.type.name == "string" else "float64") for c in schema.inputs}
        local = model.predict(pd.read_csv(CaseLayout(ws.case_dir).sample, dtype=types))
        assert served == [int(v) for v in local]
    else:
        assert answers["A4C1.critical_path"] in truth.plan.critical_paths
        assert answers["A4C1.project_duration"] == truth.plan.duration_days


def _check_model(answer: dict, ws: Workspace, truth) -> None:
    import mlflow
    from sklearn.metrics import roc_auc_score

    layout = CaseLayout(ws.case_dir)
    mlflow.set_tracking_uri(answer["tracking_uri"])
    model = mlflow.sklearn.load_model(answer["model_uri"])
    features = pd.read_csv(layout.holdout_features)
    labels = pd.read_csv(layout.holdout_labels)[truth.target.column]
    auc = roc_auc_score(labels, model.predict_proba(features)[:, 1])
    assert auc >= truth.reference_metric.pass_threshold, auc
