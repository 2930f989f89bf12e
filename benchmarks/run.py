"""Time each stage of the pipeline on the default case (``make bench``).

Timings are measured here, never asserted in tests. Prints one line per stage
and writes ``build/bench/timings.json``.

Usage: ``.venv/bin/python benchmarks/run.py [--rows N]``.
"""

import argparse
import json
import shutil
import time
from pathlib import Path

from mspr.case import build_case
from mspr.demo import submit_simulated_teams
from mspr.grading import grade_submission
from mspr.paths import ASSIGNMENTS, DEFAULT_CASE, REPO_ROOT, Workspace
from mspr.release import release
from mspr.report import report


def timed(label, timings, func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    timings[label] = round(time.perf_counter() - start, 2)
    print(f"{label:40s} {timings[label]:8.2f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args()
    out = REPO_ROOT / "build" / "bench"
    shutil.rmtree(out, ignore_errors=True)
    ws = Workspace(out / "ws")
    timings: dict[str, float] = {}
    timed("case build", timings, build_case, DEFAULT_CASE, out=ws.case_dir, rows=args.rows)
    timed("release (4 assignments)", timings, release, ws)
    timed("submit 3 teams", timings, submit_simulated_teams, ws)
    for team in ("ref", "blank"):
        for assignment_id in ASSIGNMENTS:
            timed(f"autograde {team}/{assignment_id}", timings, grade_submission, ws, team, assignment_id)
    timed("report", timings, report, ws)
    (out / "timings.json").write_text(json.dumps(timings, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
