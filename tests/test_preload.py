"""The kernel preloader: a kernel forked already imported into its sandbox is confined exactly as a fresh one."""

import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

from cohort import TEST_LIMITS, build_cohort, copy_ws  # noqa: E402

from mspr.grading import autograde  # noqa: E402
from mspr.grading._kernel_zygote import PRELOADABLE, notebook_modules  # noqa: E402
from mspr.grading.sandbox import SANDBOX_UID_BASE, SLOTS, probe  # noqa: E402
from mspr.submissions import submit  # noqa: E402

ISOLATED = probe().bwrap is not None and os.geteuid() == 0
needs_sandbox = pytest.mark.skipif(not ISOLATED, reason="needs bubblewrap and root (make installs bubblewrap)")

#: First cell of the observed notebook: what the kernel sees of itself and of the machine, written to a file.
OBSERVE = r'''
import gc, json, os, resource, socket, sys
status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
obs = {
    "preloaded": "pandas" in sys.modules,
    "frozen": gc.get_freeze_count(),
    "ids": [os.getuid(), os.geteuid(), os.getgid(), os.getegid(), os.getgroups()],
    "caps": {k: status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")},
    "limits": {n: resource.getrlimit(getattr(resource, "RLIMIT_" + n))
               for n in ("CPU", "AS", "NPROC", "FSIZE", "NOFILE", "CORE")},
    "env": dict(os.environ), "cwd": os.getcwd(), "sys_path": [p.replace(os.getcwd(), "<cwd>") for p in sys.path], "argv0": os.path.basename(sys.argv[0]),
    "hostname": socket.gethostname(), "root": sorted(os.listdir("/")),
    "max_pid": max(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "commands": sorted(open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
                       for p in os.listdir("/proc") if p.isdigit()),
    "cgroup": open("/proc/self/cgroup").read(),
    "own_session": os.getsid(0) == os.getpid(),
    "fd_targets": sorted(os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                         if os.path.exists(f"/proc/self/fd/{fd}")),
    "dir_fds": [fd for fd in os.listdir("/proc/self/fd") if os.path.isdir(f"/proc/self/fd/{fd}")],
}
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    obs["outside"] = True
except OSError as exc:
    obs["outside"] = exc.errno
import ctypes, platform
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
obs["seccomp"] = status.get("Seccomp", "").strip()
if platform.machine() == "x86_64":  # add_key into the uid's user keyring, which the slot's next kernels share
    obs["add_key"] = [libc.syscall(248, b"user", b"mspr-observe", b"x", 1, ctypes.c_long(-4)), ctypes.get_errno()]
json.dump(obs, open("observations.json", "w"))
'''


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return build_cohort(tmp_path_factory.mktemp("preload") / "base")


def _observed_cohort(base, tmp_path: Path, teams):
    """A cohort where each of ``teams`` submitted the A4 reference with the observing cell first."""
    import nbformat

    ws = copy_ws(base, tmp_path / "ws")
    folder = tmp_path / "observe" / "a4_pilotage"
    shutil.copytree(ws.source("a4_pilotage"), folder)
    nb = nbformat.read(folder / "a4_pilotage.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(OBSERVE))
    nbformat.write(nb, folder / "a4_pilotage.ipynb")
    for team in teams:
        submit(ws, team, "a4_pilotage", folder)
    return ws


def _grade(ws, team, monkeypatch, preload: bool):
    monkeypatch.setenv("MSPR_PRELOAD", "on" if preload else "off")
    (grade,) = autograde(ws, [team], ["a4_pilotage"], limits=TEST_LIMITS)
    obs = json.loads((ws.autograded(team, "a4_pilotage") / "observations.json").read_text())
    return grade, obs


@needs_sandbox
def test_a_preloaded_kernel_is_confined_exactly_as_a_fresh_one_and_grades_the_same(base, tmp_path, monkeypatch):
    ws = _observed_cohort(base, tmp_path, ("frais", "precharge"))
    fresh, seen_fresh = _grade(ws, "frais", monkeypatch, preload=False)
    preloaded, seen = _grade(ws, "precharge", monkeypatch, preload=True)

    assert seen_fresh["preloaded"] is False and seen["preloaded"] is True  # the preloader did fork this one
    # its imports are left out of the kernel's garbage collections (walking them would copy their pages)
    assert seen_fresh["frozen"] == 0 and seen["frozen"] > 10_000
    uid = seen_fresh["ids"][0]
    assert SANDBOX_UID_BASE <= uid < SANDBOX_UID_BASE + SLOTS
    for key in ("ids", "caps", "limits", "hostname", "root", "cgroup", "outside", "argv0", "seccomp", "add_key"):
        assert seen.get(key) == seen_fresh.get(key), key
    assert seen["seccomp"] == "2"  # bwrap's filter, and the same one the preloader gives its kernel:
    assert seen.get("add_key", [-1, 1]) == [-1, 1]  # the kernel's keyrings out of reach (EPERM)
    assert seen["caps"]["CapEff"] == seen["caps"]["CapBnd"] == seen["caps"]["CapInh"] == "0000000000000000"
    assert seen["caps"]["NoNewPrivs"] == "1"
    assert seen["own_session"] is True  # not the grading run's session: no controlling terminal to type into
    assert seen["outside"] != True  # noqa: E712 - no network outside the sandbox
    # the same environment, but for each submission's own folders
    def environment(obs):
        scratch = obs["cwd"].split("/course/")[0]
        return {k: v.replace(scratch, "<brouillon>").replace(obs["cwd"].rsplit("/", 2)[-2], "<équipe>")
                for k, v in obs["env"].items()}
    assert environment(seen) == environment(seen_fresh)
    assert seen["sys_path"] == seen_fresh["sys_path"] and "" in seen["sys_path"]  # IPython's '' for the cwd
    # nothing of the grading host reaches the kernel: no process of its own, no open folder, no socket
    assert seen["max_pid"] < 20 and seen_fresh["max_pid"] < 20
    assert not [c for c in seen["commands"] if "_autograde_worker" in c or "pytest" in c]
    assert seen["dir_fds"] == seen_fresh["dir_fds"] == []
    assert not [t for t in seen["fd_targets"] if "noyaux" in t or "controle" in t or t.startswith("/work")]
    # and the grade is the one a fresh kernel gives
    assert [(c.check_id, c.score) for c in preloaded.checks] == [(c.check_id, c.score) for c in fresh.checks]
    assert sum(c.score for c in preloaded.checks) == sum(c.max_score for c in preloaded.checks)
    assert preloaded.incidents == fresh.incidents == []


@needs_sandbox
def test_a_kernel_still_starts_when_the_preloader_is_gone(base, tmp_path, monkeypatch):
    from mspr._proc import cmdline_of, pids

    ws = _observed_cohort(base, tmp_path, ("avant", "apres"))
    _, seen = _grade(ws, "avant", monkeypatch, preload=True)
    assert seen["preloaded"] is True
    killed = 0
    for pid in pids():
        if "mspr.grading._kernel_zygote" in cmdline_of(pid) and os.getppid() != int(pid):
            try:
                os.kill(int(pid), signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    assert killed >= 1
    grade, seen = _grade(ws, "apres", monkeypatch, preload=True)
    assert seen["preloaded"] is False  # started as a fresh interpreter, in the same sandbox
    assert sum(c.score for c in grade.checks) == sum(c.max_score for c in grade.checks)


def test_only_the_listed_libraries_a_notebook_imports_are_preloaded():
    sources = ["import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\nimport mlflow",
               "  import numpy, os\nfrom mspr.answers import record\nfrom mspr.pii import scan\n# import scipy",
               "x = 'import networkx'\nimport matplotlib.pyplot as plt"]
    assert notebook_modules(sources) == ["pandas", "sklearn.ensemble", "numpy", "mspr.answers",
                                         "matplotlib.pyplot"]
    assert "mlflow" not in PRELOADABLE and "mspr" not in PRELOADABLE  # import-time threads, grader state


def test_cached_cell_schema_checks_raise_exactly_what_nbgrader_raised():
    import jsonschema
    from nbgrader.nbgraderformat import common, v3

    from mspr._nbgrader import cache_cell_schema_checks

    schema = v3.MetadataValidatorV3().schema
    good = {"grade": True, "grade_id": "a", "locked": False, "points": 1, "schema_version": 3, "solution": False,
            "task": False}
    cases = [good, dict(good, points="x"), dict(good, grade_id=3), {k: v for k, v in good.items() if k != "solution"}]

    def outcome(validate, instance):
        try:
            validate(instance, schema)
        except jsonschema.ValidationError as exc:
            return exc.message, list(exc.path), exc.validator
        return None

    before = [outcome(jsonschema.validate, case) for case in cases]
    cache_cell_schema_checks()
    after = [outcome(common.jsonschema.validate, case) for case in cases]
    assert after == before and before[0] is None and all(before[1:])
    assert common.jsonschema.ValidationError is jsonschema.ValidationError
