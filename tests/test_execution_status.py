"""A solution cell that raised an error is reported as such, with its grade_id."""

from __future__ import annotations

import json

from mspr.grading.engine import notebook_incidents
from mspr.grading.sandbox import Limits


def _notebook(tmp_path, cells):
    path = tmp_path / "a1_cadrage.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), "utf-8")
    return path


def _cell(grade_id, outputs):
    return {"cell_type": "code", "source": "", "metadata": {"nbgrader": {"grade_id": grade_id}},
            "outputs": outputs, "execution_count": 1}


def test_a_failing_solution_cell_is_named_with_its_error(tmp_path):
    error = {"output_type": "error", "ename": "NameError", "evalue": "name 'audit' is not defined", "traceback": []}
    path = _notebook(tmp_path, [_cell("qualite", [{"output_type": "stream", "name": "stdout", "text": "ok"}]),
                                _cell("pseudonymisation", [error])])
    incidents = notebook_incidents(path, Limits())
    assert len(incidents) == 1
    assert "« pseudonymisation » en erreur" in incidents[0] and "NameError" in incidents[0]
    assert "réponses" in incidents[0]


def test_a_clean_notebook_has_no_incident(tmp_path):
    path = _notebook(tmp_path, [_cell("qualite", [{"output_type": "stream", "name": "stdout", "text": "ok"}])])
    assert notebook_incidents(path, Limits()) == []
