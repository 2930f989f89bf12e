"""The rendered A4 reference solution runs and gets every A4 auto point, on each bundled case.

Faster than ``mspr case check`` (no nbgrader, no other assignment): the case is
built, the lab rendered, its source notebook executed with nbclient in a copy
of its folder, and the A4 checks run on that folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mspr.case import build_case
from mspr.grading.checks import CheckContext, run_checks
from mspr.labs import load_built_case, render_sources
from mspr.paths import REPO_ROOT, Workspace

CASES = sorted(p.parent for p in (REPO_ROOT / "cases").glob("*/case.yaml"))


@pytest.mark.parametrize("case_dir", CASES, ids=lambda p: p.name)
def test_reference_solution_gets_every_a4_point(case_dir, tmp_path):
    ws = Workspace(tmp_path / "ws")
    build_case(case_dir, out=ws.case_dir)
    render_sources(ws)
    folder = tmp_path / "equipe" / "a4_pilotage"
    shutil.copytree(ws.source("a4_pilotage"), folder)
    path = folder / "a4_pilotage.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    answers = json.loads((folder / "reponses.json").read_text(encoding="utf-8"))
    _, truth = load_built_case(ws.case_dir)
    ctx = CheckContext(answers=answers, ground_truth=truth, ground_truth_dir=ws.case.ground_truth_dir,
                       workdir=folder)
    results = run_checks("a4_pilotage", ctx)
    lost = [(r.check_id, r.score, r.max_score, r.evidence) for r in results if r.score < r.max_score]
    assert not lost
