"""Benchmark of the grading engine (``make bench-engine``); timings are never asserted in tests.

On one cohort holding ``--copies`` copies of the reference submission of each
chosen assignment, measures, each in a fresh copy of the cohort:

1. ``nbgrader``: the submissions graded one after another by nbgrader alone
   (``NbGraderAPI.autograde`` in one course root: no sandbox, no checks);
2. ``workers-2``: ``mspr autograde --workers 2`` (sandbox, checks, writer);
3. ``isolated-1`` / ``plain-1``: ``mspr autograde --workers 1`` with and
   without the sandbox (``MSPR_SANDBOX=off``): the isolation's own cost;
4. ``nbconvert``: each notebook executed alone by ``jupyter nbconvert
   --execute`` in a copy of its folder.

Prints a table and writes ``build/bench/engine.json``. Usage::

    .venv/bin/python benchmarks/engine.py [--copies 8] [--assignment a4_pilotage ...]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mspr.case import build_case
from mspr.paths import DEFAULT_CASE, REPO_ROOT, Workspace
from mspr.release import release
from mspr.submissions import submit

MSPR = [sys.executable, "-m", "mspr"]


def _fresh(base: Workspace, folder: Path, teams: list[str], assignments: list[str]) -> Workspace:
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base.root, folder, symlinks=True,
                    ignore=shutil.ignore_patterns("submitted", "autograded", "grades", "archive", ".engine"))
    ws = Workspace(folder)
    for team in teams:
        for assignment in assignments:
            submit(ws, team, assignment, ws.source(assignment))
    return ws


def _timed(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def nbgrader_alone(ws: Workspace, teams: list[str], assignments: list[str]) -> float:
    """Seconds for nbgrader alone to autograde every submission, one after another, in a plain course root."""
    code = f"""
import shutil, sys
from pathlib import Path
from mspr._nbgrader import make_api
root = Path({str(ws.root)!r})
api = make_api(root, "sqlite:///" + str(root / "grader" / "gradebook.db"))
for team in {teams!r}:
    for assignment in {assignments!r}:
        api.autograde(assignment, team, force=True, create=True)
"""
    return _timed([sys.executable, "-c", code])


def nbconvert_alone(ws: Workspace, teams: list[str], assignments: list[str]) -> float:
    """Seconds to execute every notebook with nbconvert alone, each in a copy of its folder."""
    total = 0.0
    jupyter = str(Path(sys.executable).parent / "jupyter")
    for team in teams:
        for assignment in assignments:
            with tempfile.TemporaryDirectory(prefix="mspr-bench-") as tmp:
                folder = Path(tmp) / assignment
                shutil.copytree(ws.source(assignment), folder)
                total += _timed([jupyter, "nbconvert", "--to", "notebook", "--execute", "--output",
                                 str(Path(tmp) / "out.ipynb"), str(folder / f"{assignment}.ipynb"),
                                 "--ExecutePreprocessor.timeout=600"])
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--assignment", action="append", default=None)
    args = parser.parse_args()
    assignments = args.assignment or ["a4_pilotage"]
    teams = [f"copie{i}" for i in range(args.copies)]
    out = REPO_ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    base = Workspace(out / "engine-base")
    if not (base.grader_dir / "gradebook.db").is_file():
        shutil.rmtree(base.root, ignore_errors=True)
        build_case(DEFAULT_CASE, out=base.case_dir)
        release(base)
    n = len(teams) * len(assignments)
    results = {"submissions": n, "assignments": assignments, "cpu_count": os.cpu_count(),
               "load_before": os.getloadavg()}
    ws = _fresh(base, out / "engine-ws", teams, assignments)
    results["nbgrader"] = nbgrader_alone(ws, teams, assignments)
    print(f"nbgrader seul, l'un après l'autre      {results['nbgrader']:8.1f} s", flush=True)
    ws = _fresh(base, out / "engine-ws", teams, assignments)
    results["workers-2"] = _timed([*MSPR, "autograde", "-w", str(ws.root), "--workers", "2"])
    print(f"mspr autograde --workers 2             {results['workers-2']:8.1f} s", flush=True)
    ws = _fresh(base, out / "engine-ws", teams, assignments)
    results["isolated-1"] = _timed([*MSPR, "autograde", "-w", str(ws.root), "--workers", "1"])
    print(f"mspr autograde --workers 1 (isolé)     {results['isolated-1']:8.1f} s", flush=True)
    ws = _fresh(base, out / "engine-ws", teams, assignments)
    results["plain-1"] = _timed([*MSPR, "autograde", "-w", str(ws.root), "--workers", "1"],
                                env={**os.environ, "MSPR_SANDBOX": "off"})
    print(f"mspr autograde --workers 1 (sans isol.) {results['plain-1']:8.1f} s", flush=True)
    results["nbconvert"] = nbconvert_alone(ws, teams, assignments)
    print(f"nbconvert seul, l'un après l'autre     {results['nbconvert']:8.1f} s", flush=True)
    results["speedup_workers2_vs_nbgrader"] = results["nbgrader"] / results["workers-2"]
    results["isolation_overhead"] = results["isolated-1"] / results["plain-1"] - 1
    results["grading_vs_nbconvert"] = results["isolated-1"] / results["nbconvert"]
    results["load_after"] = os.getloadavg()
    print(f"accélération --workers 2 / nbgrader seul : {results['speedup_workers2_vs_nbgrader']:.2f}×")
    print(f"coût de l'isolation (1 correcteur)       : {100 * results['isolation_overhead']:+.1f} %")
    print(f"correction / nbconvert seul, par rendu   : {results['grading_vs_nbconvert']:.2f}×")
    (out / "engine.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
