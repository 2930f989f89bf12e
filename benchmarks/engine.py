"""Benchmark of the grading engine (``make bench-engine``); timings are never asserted in tests.

On one cohort holding ``--copies`` copies of the reference submission of each
chosen assignment, measures, each in a fresh copy of the cohort:

1. ``nbgrader``: the submissions graded one after another by nbgrader alone
   (``NbGraderAPI.autograde`` in one course root: no sandbox, no checks);
2. ``workers-2``: ``mspr autograde --workers 2`` (sandbox, checks, writer);
3. ``isolated-1`` / ``plain-1``: ``mspr autograde --workers 1`` with and
   without the sandbox (``MSPR_SANDBOX=off``, which also means fresh
   kernels: the preloader works inside the sandbox only);
4. ``preload-off-1``: ``mspr autograde --workers 1`` with each kernel a fresh
   interpreter (``MSPR_PRELOAD=off``) rather than forked, its modules
   already imported, by the kernel preloader; against ``plain-1``, the
   isolation's own cost (same kernel start);
5. ``one-shot-1``: ``mspr autograde --workers 1`` with a fresh worker
   interpreter per submission (``MSPR_WORKER_ONE_SHOT=1``, the engine before
   its fork server);
6. ``nbconvert``: each notebook executed alone by ``jupyter nbconvert
   --execute`` in a copy of its folder.

Each measure gives the wall time and the CPU time (user + system) of the
command and all its descendants (from a cgroup v1 ``cpuacct`` group of its
own when the machine has one and the benchmark runs as root, else from
``wait4``, which misses the sandboxed kernels killed before being reaped): on
a machine shared with other jobs, wall times follow the load, CPU times much
less. With ``--rounds 2`` (or more) the
phases run again in reverse order (A B C … C B A), so that a change of load
during the run weighs on every phase alike; the figures are the medians.

Every grading phase must give each copy its full automatic score, or the
benchmark stops (a failing grading is fast). The base cohort is rebuilt
when the labs, the default case or the package changed. Prints a table and
writes ``build/bench/engine.json``. Usage::

    .venv/bin/python benchmarks/engine.py [--copies 8] [--rounds 1] [--assignment a4_pilotage ...]
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


#: cgroup v1 ``cpuacct`` hierarchy: when writable (root), each measured command runs in a group of its own,
#: which counts the CPU time of all its descendants, those a killed parent never reaped included (a
#: sandboxed kernel's: the grading slots move it to other groups of the memory and pids controllers only).
CPUACCT = Path("/sys/fs/cgroup/cpuacct")


def _timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run ``cmd``; return its wall time and the CPU time of it and its descendants, seconds."""
    group = CPUACCT / f"mspr-bench-{os.getpid()}"
    try:
        group.mkdir(exist_ok=True)
        (group / "cpuacct.usage").write_text("0")
    except OSError:
        group = None

    def enter():
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=enter)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    if group is not None:
        time.sleep(0.5)  # the last sandbox processes, killed with their parent, leave the group
        cpu = int((group / "cpuacct.usage").read_text()) / 1e9
        try:
            group.rmdir()
        except OSError:
            pass
    if os.waitstatus_to_exitcode(status) != 0:
        raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), cmd)
    return wall, cpu


def nbgrader_alone(ws: Workspace, teams: list[str], assignments: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds for nbgrader alone to autograde every submission, one after another (plain root)."""
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


def nbconvert_alone(ws: Workspace, teams: list[str], assignments: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds to execute every notebook with nbconvert alone, each in a copy of its folder."""
    total, cpu = 0.0, 0.0
    jupyter = str(Path(sys.executable).parent / "jupyter")
    for team in teams:
        for assignment in assignments:
            with tempfile.TemporaryDirectory(prefix="mspr-bench-") as tmp:
                folder = Path(tmp) / assignment
                shutil.copytree(ws.source(assignment), folder)
                wall, used = _timed([jupyter, "nbconvert", "--to", "notebook", "--execute", "--output",
                                     str(Path(tmp) / "out.ipynb"), str(folder / f"{assignment}.ipynb"),
                                     "--ExecutePreprocessor.timeout=600"])
                total, cpu = total + wall, cpu + used
    return total, cpu


#: Phases, in the order of the first round: (key, French label).
PHASES = [("nbgrader", "nbgrader seul, l'un après l'autre"),
          ("workers-2", "mspr autograde --workers 2"),
          ("isolated-1", "mspr autograde --workers 1 (isolé)"),
          ("plain-1", "mspr autograde --workers 1 (sans isolation)"),
          ("preload-off-1", "mspr autograde --workers 1 (noyaux non préchargés)"),
          ("one-shot-1", "mspr autograde --workers 1 (un interpréteur par rendu)"),
          ("nbconvert", "nbconvert seul, l'un après l'autre")]


def _check_grades(ws: Workspace, teams: list[str], assignments: list[str], label: str) -> None:
    """Stop the benchmark if a grading phase did not give every copy the full automatic score (fast but wrong)."""
    for team in teams:
        for assignment in assignments:
            grade = json.loads(ws.grades(team, assignment).read_text(encoding="utf-8"))
            got, full = (sum(c[k] for c in grade["checks"]) for k in ("score", "max_score"))
            if not grade["executed"] or grade["grader_error"] or abs(got - full) > 1e-9:
                raise SystemExit(f"{label} : {team}/{assignment} noté {got}/{full} (exécuté : {grade['executed']}) ; "
                                 f"mesure sans valeur, voir {ws.grades(team, assignment)}")


def _phase(key: str, base: Workspace, folder: Path, teams: list[str], assignments: list[str]) -> tuple[float, float]:
    ws = _fresh(base, folder, teams, assignments)
    autograde = [*MSPR, "autograde", "-w", str(ws.root)]
    if key == "nbgrader":
        return nbgrader_alone(ws, teams, assignments)
    if key == "nbconvert":
        return nbconvert_alone(ws, teams, assignments)
    if key == "workers-2":
        timed = _timed([*autograde, "--workers", "2"])
    else:
        env = {"isolated-1": None, "plain-1": {**os.environ, "MSPR_SANDBOX": "off"},
               "preload-off-1": {**os.environ, "MSPR_PRELOAD": "off"},
               "one-shot-1": {**os.environ, "MSPR_WORKER_ONE_SHOT": "1"}}[key]
        timed = _timed([*autograde, "--workers", "1"], env=env)
    _check_grades(ws, teams, assignments, key)
    return timed


def _fingerprint() -> str:
    """Hash of what the base cohort is built from (labs, default case, package but its grading): a stale base is rebuilt."""
    import hashlib

    digest = hashlib.sha256()
    for folder in (REPO_ROOT / "labs", DEFAULT_CASE if DEFAULT_CASE.is_dir() else DEFAULT_CASE.parent,
                   REPO_ROOT / "mspr"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and "grading" not in path.parts:
                digest.update(str(path.relative_to(REPO_ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


def main() -> None:
    import statistics

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--assignment", action="append", default=None)
    parser.add_argument("--skip", action="append", default=[], choices=[k for k, _ in PHASES],
                        help="phase left out (its ratios are then not computed)")
    args = parser.parse_args()
    phases = [(k, label) for k, label in PHASES if k not in args.skip]
    assignments = args.assignment or ["a4_pilotage"]
    teams = [f"copie{i}" for i in range(args.copies)]
    out = REPO_ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    base = Workspace(out / "engine-base")
    stamp = out / "engine-base.empreinte"
    fingerprint = _fingerprint()
    if not (base.grader_dir / "gradebook.db").is_file() or not stamp.is_file() or stamp.read_text() != fingerprint:
        shutil.rmtree(base.root, ignore_errors=True)
        build_case(DEFAULT_CASE, out=base.case_dir)
        release(base)
        stamp.write_text(fingerprint)
    n = len(teams) * len(assignments)
    results = {"submissions": n, "assignments": assignments, "cpu_count": os.cpu_count(), "rounds": args.rounds,
               "load_before": os.getloadavg(), "runs": []}
    for round_ in range(args.rounds):
        order = phases if round_ % 2 == 0 else phases[::-1]
        for key, label in order:
            load = os.getloadavg()[0]
            wall, cpu = _phase(key, base, out / "engine-ws", teams, assignments)
            results["runs"].append({"phase": key, "round": round_, "wall_s": wall, "cpu_s": cpu,
                                    "load_1min_before": load, "load_1min_after": os.getloadavg()[0]})
            print(f"{label:55s} {wall:8.1f} s  ({wall / n:5.1f} s par rendu ; CPU {cpu / n:5.1f} s par rendu ; "
                  f"charge {load:.1f} → {os.getloadavg()[0]:.1f})", flush=True)
    wall = {k: statistics.median(r["wall_s"] for r in results["runs"] if r["phase"] == k) for k, _ in phases}
    cpu = {k: statistics.median(r["cpu_s"] for r in results["runs"] if r["phase"] == k) for k, _ in phases}
    results.update({"wall_s": wall, "cpu_s": cpu})
    ratios = {  # name: (numerator, denominator, of wall or CPU times)
        "speedup_workers2_vs_nbgrader": ("nbgrader", "workers-2", wall),
        # the sandbox's own cost: the same kernel start (a fresh interpreter) with and without it
        "isolation_overhead": ("preload-off-1", "plain-1", wall),
        "isolation_overhead_cpu": ("preload-off-1", "plain-1", cpu),
        # the default isolated grading (its kernels preloaded, which needs the sandbox) against no isolation
        "isolated_vs_plain": ("isolated-1", "plain-1", wall),
        "grading_vs_nbconvert": ("isolated-1", "nbconvert", wall),
        "grading_vs_nbconvert_cpu": ("isolated-1", "nbconvert", cpu),
        "grading_vs_nbgrader_cpu": ("isolated-1", "nbgrader", cpu),
        "preload_gain": ("preload-off-1", "isolated-1", wall),
        "preload_gain_cpu": ("preload-off-1", "isolated-1", cpu),
        "fork_server_gain": ("one-shot-1", "isolated-1", wall),
        "fork_server_gain_cpu": ("one-shot-1", "isolated-1", cpu),
    }
    for name, (num, den, times) in ratios.items():
        if num in times and den in times:
            results[name] = times[num] / times[den] - (1 if name.startswith("isolation") else 0)
    # Two workers on C cores can at best divide the CPU time of the run by min(2, C): the
    # speed-up the CPU times allow on an otherwise idle machine, whatever the load now.
    if "nbgrader" in cpu and "workers-2" in cpu:
        results["speedup_bound_from_cpu"] = min(2, os.cpu_count() or 1) * cpu["nbgrader"] / cpu["workers-2"]
    results["load_after"] = os.getloadavg()
    labels = {"speedup_workers2_vs_nbgrader": "accélération --workers 2 / nbgrader seul (durée)",
              "speedup_bound_from_cpu": "  borne permise par le temps CPU (2 cœurs libres)",
              "isolation_overhead": "coût de l'isolation, 1 correcteur, noyaux non préchargés (durée)",
              "isolation_overhead_cpu": "coût de l'isolation, 1 correcteur, noyaux non préchargés (CPU)",
              "isolated_vs_plain": "correction isolée (noyaux préchargés) / sans isolation (durée)",
              "grading_vs_nbconvert": "correction / nbconvert seul, par rendu (durée)",
              "grading_vs_nbconvert_cpu": "correction / nbconvert seul, par rendu (CPU)",
              "grading_vs_nbgrader_cpu": "correction / nbgrader seul, par rendu (CPU)",
              "preload_gain": "noyaux non préchargés / préchargés (durée)",
              "preload_gain_cpu": "noyaux non préchargés / préchargés (CPU)",
              "fork_server_gain": "un interpréteur par rendu / serveur de correcteurs (durée)",
              "fork_server_gain_cpu": "un interpréteur par rendu / serveur de correcteurs (CPU)"}
    for name, label in labels.items():
        if name in results:
            value = results[name]
            shown = f"{100 * value:+.1f} %" if name.startswith("isolation") else f"{value:.2f}×"
            print(f"{label:60s}: {shown}")
    print(f"charge (1 min) avant / après : {results['load_before'][0]:.1f} / {results['load_after'][0]:.1f}")
    (out / "engine.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
