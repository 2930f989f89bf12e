"""Time the A2 reference on a case: build, release, then grade the reference and the faulty team's A2.

The grading of one A2 submission is its notebook's execution in the sandbox
(the whole reference solution: quality checks, leak, two candidate models
cross-validated, MLflow logging, seven model families, batch / mini-batch /
online training, the cost-based threshold with its bootstrap, the
infrastructure mock-up and its diagram) plus the A2 checks (the model audit:
the model reloaded, its inputs read and permuted, its cross-validation
re-run; every logged model of the store reloaded for its family).
Prints every A2 check of both teams and the times; writes
``build/bench/a2_reference.json``. Target: ≤ 3 min for the reference's A2
on 2 cores (issue « A2 conception lab in depth »).

Usage: ``.venv/bin/python benchmarks/a2_reference.py [--case cases/<id>]``.
"""

import argparse
import json
import os
import shutil
import time
from pathlib import Path

from mspr.demo import submit_simulated_teams
from mspr.grading import grade_submission
from mspr.paths import DEFAULT_CASE, REPO_ROOT, Workspace
from mspr.release import build_cohort_case, release


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", type=Path, default=DEFAULT_CASE)
    args = parser.parse_args()
    out = REPO_ROOT / "build" / "bench" / f"a2-{args.case.name}"
    shutil.rmtree(out, ignore_errors=True)
    ws = Workspace(out / "ws")
    timings = {"load_average_start": os.getloadavg()[0]}
    start = time.perf_counter()
    build_cohort_case(ws, args.case)
    release(ws)
    submit_simulated_teams(ws, ("ref", "partial"))
    timings["build, release, submit (s)"] = round(time.perf_counter() - start, 1)
    for team in ("ref", "partial"):
        start = time.perf_counter()
        grade = grade_submission(ws, team, "a2_conception")
        timings[f"A2 {team}: execution and checks (s)"] = round(time.perf_counter() - start, 1)
        for c in grade.checks:
            print(f"{team:8s} {c.check_id:24s} {c.score:g}/{c.max_score:g}  {c.evidence}", flush=True)
        if grade.grader_error:
            print(grade.grader_error)
    timings["load_average_end"] = os.getloadavg()[0]
    for label, value in timings.items():
        print(f"{label:45s} {value}")
    (out.parent / "a2_reference.json").write_text(json.dumps(timings, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
