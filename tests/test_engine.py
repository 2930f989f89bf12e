"""The grading engine: sandbox, parallel and Dask dispatch, one writer, resume after kill -9, Ctrl-C, damaged files."""

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mspr.grading.checks import checks_for

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

from cohort import TEST_LIMITS, build_cohort, copy_ws  # noqa: E402

from mspr.grading import SubmissionGrade, autograde, submission_checksum, write_grade  # noqa: E402
from mspr.grading.engine import SCRATCH_PREFIX, clean_stale_scratch  # noqa: E402
from mspr.grading.sandbox import SANDBOX_UID_BASE, SLOTS, Limits, Slot, command, probe  # noqa: E402
from mspr.paths import Workspace  # noqa: E402
from mspr.report import load_grades, report  # noqa: E402
from mspr.submissions import submit  # noqa: E402

SCRATCH_OWNER = re.compile(re.escape(SCRATCH_PREFIX) + r"(\d+)-")

ISOLATED = probe().bwrap is not None and os.geteuid() == 0
needs_sandbox = pytest.mark.skipif(not ISOLATED, reason="needs bubblewrap and root (make installs bubblewrap)")
MSPR = [sys.executable, "-m", "mspr"]


def _sandbox_processes() -> list[int]:
    """Sandbox processes (slot uids) that outlived their scratch folder.

    Other gradings may run on the same machine (other checkouts, other
    sessions): their live sandboxes still have their scratch folder.
    """
    uids = range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + SLOTS)
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid in uids:
                    cwd = os.readlink(f"/proc/{pid}/cwd")
                    if cwd.endswith(" (deleted)") or not os.path.exists(cwd):
                        found.append(int(pid))
            except OSError:
                pass
    return found


def _running_kernels(teams) -> list[int]:
    """Kernels running in a sandbox (slot uid) in the working folder of one of ``teams``."""
    uids = range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + SLOTS)
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid not in uids:
                    continue
                cwd = os.readlink(f"/proc/{pid}/cwd")
                if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes() and any(
                        f"/autograded/{team}/" in cwd + "/" for team in teams):
                    found.append(int(pid))
            except OSError:
                pass
    return found


# -- the sandbox itself ------------------------------------------------------------------

PROBE = r'''
import json, os, resource, socket, sys
out = {"uid": os.getuid(), "cwd": os.getcwd(), "secret": os.path.exists(sys.argv[1]),
       "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
       "limits": {n: resource.getrlimit(getattr(resource, "RLIMIT_" + n))[0] for n in ("CPU", "AS", "NPROC", "FSIZE")}}
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[2]))); s.listen(); out["bound"] = True
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2); out["outside"] = True
except OSError as exc:
    out["outside"] = str(exc)
try:
    open(sys.prefix + "/pirate.pth", "w"); out["venv_write"] = True
except OSError as exc:
    out["venv_write"] = exc.strerror
open("written.txt", "w").write("ok")
print(json.dumps(out))
'''


@needs_sandbox
def test_sandbox_own_uid_network_filesystem_and_limits(tmp_path):
    secret = tmp_path / "secret" / "ground_truth.json"
    secret.parent.mkdir()
    secret.write_text("{}")
    work = tmp_path / "work"
    work.mkdir()
    host = socket.socket()
    host.bind(("127.0.0.1", 0))
    host.listen()
    port = host.getsockname()[1]  # busy on the host, free in the sandbox
    limits = Limits(cpu_s=11, memory_bytes=2 * 1024**3, nproc=77, fsize_bytes=12_345_678)
    cmd = command([sys.executable, "-c", PROBE, str(secret), str(port)], scratch=tmp_path, writable=[work],
                  chdir=work, limits=limits)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    host.close()
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["uid"] == Slot.claim().uid and seen["uid"] != 0
    assert seen["cwd"] == str(work) and seen["secret"] is False
    assert max(seen["pids"]) < 10  # its own pid namespace
    assert seen["limits"] == {"CPU": 11, "AS": 2 * 1024**3, "NPROC": 77, "FSIZE": 12_345_678}
    assert seen["bound"] and seen["outside"] != True  # noqa: E712
    assert seen["venv_write"] == "Read-only file system"
    assert (work / "written.txt").read_text() == "ok"


MEMORY_SPREAD = r"""
import os
children = []
for _ in range(3):  # 3 x 200 MiB, each under the per-process cap, together over the sandbox's
    pid = os.fork()
    if pid == 0:
        block = bytearray(b"\1") * (200 * 2**20)
        os.read(os.open("/dev/zero", os.O_RDONLY), 1)
        import time; time.sleep(3)
        os._exit(0)
    children.append(pid)
print(sorted(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children))
"""


@pytest.mark.skipif(not (ISOLATED and probe().cgroups is not None), reason="needs bubblewrap, root and cgroups")
def test_memory_spread_over_processes_is_capped_for_the_whole_sandbox(tmp_path):
    # RLIMIT_AS caps each process (2 GiB here): only the sandbox's control group sees the sum.
    work = tmp_path / "work"
    work.mkdir()
    limits = Limits(memory_bytes=2 * 1024**3, sandbox_memory_bytes=350 * 2**20)
    cmd = command([sys.executable, "-c", MEMORY_SPREAD], scratch=tmp_path, writable=[work], chdir=work,
                  limits=limits)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    codes = json.loads(out.stdout) if out.returncode == 0 else None
    assert codes is not None and -9 in codes, (out.returncode, out.stdout, out.stderr)
    from mspr.grading.sandbox import cgroup_events
    assert cgroup_events().get("oom_kill", 0) >= 1
    # the next sandbox of the slot starts with clean counters and the new cap
    cmd = command([sys.executable, "-c", "print([0])"], scratch=tmp_path, writable=[work], chdir=work,
                  limits=Limits())
    assert subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip() == "[0]"
    assert cgroup_events() == {}


def test_probe_explains_in_french_what_is_missing(monkeypatch):
    import mspr.grading.sandbox as sandbox

    sandbox.probe.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    try:
        iso = sandbox.probe()
        assert iso.bwrap is None and not iso.rlimits
        text = " ".join(iso.notes)
        assert "bubblewrap" in text and "isolation du système non appliquée" in text and "prlimit absent" in text
        assert sandbox.command(["/bin/true"], scratch=Path("/tmp"), writable=[], chdir=Path("/tmp"),
                               limits=Limits()) == ["/bin/true"]
    finally:
        sandbox.probe.cache_clear()


# -- grade files, report ---------------------------------------------------------------------

def test_grade_files_are_written_atomically_and_archived(tmp_path):
    ws = Workspace(tmp_path / "ws")
    grade = SubmissionGrade("t1", "a4_pilotage", True, [], {}, "journal")
    first = write_grade(ws, grade)
    write_grade(ws, grade)
    assert json.loads(first.read_text())["team_id"] == "t1"
    assert not list(first.parent.glob(".*.tmp"))
    assert len(list(ws.archive_dir.rglob("a4_pilotage.*.json"))) == 1


def test_report_says_in_french_that_a_grade_file_is_damaged(tmp_path):
    ws = Workspace(tmp_path / "ws")
    for team in ("abimee", "saine"):
        ws.submitted(team, "a4_pilotage").mkdir(parents=True)
    write_grade(ws, SubmissionGrade("saine", "a4_pilotage", True, [], {}, "", incidents=["sortie tronquée"]))
    good = ws.grades("saine", "a4_pilotage").read_text()
    ws.grades("abimee", "a4_pilotage").parent.mkdir(parents=True)
    ws.grades("abimee", "a4_pilotage").write_text(good[: len(good) // 2])
    grades = load_grades(ws)
    assert "endommagé ou tronqué" in grades["abimee"]["a4_pilotage"].grader_error
    html = report(ws).read_text(encoding="utf-8")
    assert "endommagé ou tronqué" in html and "sortie tronquée" in html


def test_submission_checksum_follows_the_content(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("1")
    before = submission_checksum(tmp_path / "a")
    (tmp_path / "a" / "x.txt").write_text("2")
    assert submission_checksum(tmp_path / "a") != before


def test_stale_scratch_folders_of_dead_runs_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{SCRATCH_PREFIX}{dead.pid}-abc"
    mine = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-abc"
    stale.mkdir()
    mine.mkdir()
    assert clean_stale_scratch(tmp_path) == [stale]
    assert mine.is_dir()


# -- the engine on a small cohort -------------------------------------------------------------

@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Workspace:
    return build_cohort(tmp_path_factory.mktemp("engine") / "base")


def _cohort(base, folder, teams=("e1", "e2")) -> Workspace:
    ws = copy_ws(base, folder)
    for team in teams:
        submit(ws, f"{team}-ref", "a4_pilotage", ws.source("a4_pilotage"))
        submit(ws, f"{team}-vide", "a4_pilotage", ws.release("a4_pilotage"))
    return ws


def _scores(ws) -> dict:
    out = {}
    for team, per in load_grades(ws).items():
        for assignment, grade in per.items():
            if grade is not None:
                out[(team, assignment)] = [(c.check_id, c.score) for c in grade.checks]
    return out


def _gradebook_submissions(ws) -> list[tuple[str, str]]:
    from nbgrader.api import Gradebook

    with Gradebook(ws.db_url) as gb:
        return sorted((s.student.id, s.assignment.name) for a in gb.assignments for s in a.submissions)


@pytest.fixture(scope="module")
def sequential(base, tmp_path_factory):
    ws = _cohort(base, tmp_path_factory.mktemp("seq") / "ws")
    autograde(ws, limits=TEST_LIMITS)
    return ws


@needs_sandbox
def test_sequential_run_grades_every_submission(sequential):
    scores = _scores(sequential)
    assert len(scores) == 4
    full = sum(c.max_score for c in checks_for("a4_pilotage"))
    assert all(sum(s for _, s in v) == (full if t.endswith("-ref") else 0) for (t, _), v in scores.items())
    assert _gradebook_submissions(sequential) == sorted((t, "a4_pilotage") for t, _ in scores)


@needs_sandbox
def test_two_workers_give_the_same_grades_and_gradebook(base, sequential, tmp_path):
    ws = _cohort(base, tmp_path / "ws")
    states = []
    autograde(ws, workers=2, limits=TEST_LIMITS, progress=lambda t, a, s: states.append((t, s)))
    assert _scores(ws) == _scores(sequential)
    assert _gradebook_submissions(ws) == _gradebook_submissions(sequential)
    assert {s for _, s in states} == {"en attente", "en cours", "corrigé"}


@needs_sandbox
def test_dask_local_cluster_gives_the_same_grades(base, sequential, tmp_path):
    ws = _cohort(base, tmp_path / "ws")
    autograde(ws, workers=2, engine="dask", limits=TEST_LIMITS)
    assert _scores(ws) == _scores(sequential)
    assert _gradebook_submissions(ws) == _gradebook_submissions(sequential)


@needs_sandbox
def test_a_finished_run_is_not_resumed_but_an_unfinished_one_is(base, tmp_path):
    ws = _cohort(base, tmp_path / "ws", teams=("e1",))
    autograde(ws, limits=TEST_LIMITS)
    first = {p: p.read_text() for p in ws.root.glob("grades/*/*.json")}
    states = []
    autograde(ws, limits=TEST_LIMITS, progress=lambda t, a, s: states.append(s))
    assert "déjà corrigé" not in states  # a new run grades again (and archives)
    journal = ws.root / ".engine" / "run.json"
    data = json.loads(journal.read_text())
    data["finished"] = False
    journal.write_text(json.dumps(data))
    states.clear()
    autograde(ws, limits=TEST_LIMITS, progress=lambda t, a, s: states.append(s))
    assert states.count("déjà corrigé") == 2 and "en cours" not in states
    assert len(list((ws.archive_dir / "grades").rglob("*.json"))) == len(first)


def _env():
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@needs_sandbox
def test_kill_9_at_random_moments_then_restart_gives_the_uninterrupted_scores(base, sequential, tmp_path):
    ws = _cohort(base, tmp_path / "ws")
    rng = random.Random(6)
    limits = ["--workers", "2"]
    killed = []
    started = ws.root / ".engine" / "started"
    for _ in range(3):
        proc = subprocess.Popen([*MSPR, "autograde", "-w", str(ws.root), *limits], env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # a random moment while submissions are being graded (not before the first starts: a run of these four
        # takes about 15 s, less than a fixed random delay could be)
        deadline = time.monotonic() + 300
        while proc.poll() is None and not (started.is_dir() and any(started.iterdir())):
            assert time.monotonic() < deadline, "aucun rendu n'a commencé en 300 s"
            time.sleep(0.05)
        try:
            proc.wait(timeout=rng.uniform(0, 5))
        except subprocess.TimeoutExpired:
            proc.kill()  # SIGKILL of the grading process alone: its workers must go with it
            proc.wait()
            killed.append(proc.pid)
    assert len(killed) >= 2
    # nothing of a killed run stays: pool workers, multiprocessing's fork server and resource tracker, the
    # shared fork server, kernels (each run is a session of its own, led by the grading process)
    for _ in range(150):
        left = [pid for sid in killed for pid in subprocess.run(["pgrep", "-s", str(sid)], capture_output=True,
                                                                 text=True).stdout.split()]
        if not left:
            break
        time.sleep(0.2)
    assert [Path(f"/proc/{p}/cmdline").read_bytes() for p in left if Path(f"/proc/{p}").exists()] == []
    done = subprocess.run([*MSPR, "autograde", "-w", str(ws.root), *limits], env=_env(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _scores(ws) == _scores(sequential)
    assert _gradebook_submissions(ws) == _gradebook_submissions(sequential)  # never counted twice
    assert all(json.loads(p.read_text())["team_id"] for p in ws.root.glob("grades/*/*.json"))
    stale = [p for p in Path("/tmp").glob(f"{SCRATCH_PREFIX}*")
             if SCRATCH_OWNER.match(p.name) and not Path("/proc", SCRATCH_OWNER.match(p.name).group(1)).exists()]
    assert stale == []
    for _ in range(50):  # pdeathsig kills are asynchronous
        if not _sandbox_processes():
            break
        time.sleep(0.2)
    assert _sandbox_processes() == []


@needs_sandbox
@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_ctrl_c_stops_workers_and_kernels_and_removes_scratch(base, tmp_path, engine):
    import nbformat

    ws = copy_ws(base, tmp_path / "ws")
    folder = tmp_path / "boucle" / "a4_pilotage"
    shutil.copytree(ws.release("a4_pilotage"), folder)
    nb = nbformat.read(folder / "a4_pilotage.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import time\nwhile True:\n    time.sleep(0.1)"))
    nbformat.write(nb, folder / "a4_pilotage.ipynb")
    for team in ("boucle1", "boucle2"):
        submit(ws, team, "a4_pilotage", folder)
    # SIG_DFL: a shell's background job starts with SIGINT ignored, which the child would inherit.
    proc = subprocess.Popen([*MSPR, "autograde", "-w", str(ws.root), "--workers", "2", "--engine", engine],
                            env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for _ in range(1500):  # until both kernels run in their sandboxes
        kernels = _running_kernels(("boucle1", "boucle2"))
        if len(kernels) >= 2:
            break
        time.sleep(0.2)
    assert len(kernels) >= 2
    run = {str(proc.pid), *subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True,
                                          text=True).stdout.split()}  # the run's processes (its session)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole foreground process group
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)  # and again, as an impatient user does, while the run cleans up
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Interrompu" in out, out[-3000:]
    for _ in range(50):
        if not _sandbox_processes():
            break
        time.sleep(0.2)
    assert _sandbox_processes() == []
    # no scratch folder of the run: neither its own nor its workers' (each named after its owner's pid)
    left = [p.name for p in Path("/tmp").glob(f"{SCRATCH_PREFIX}*") if SCRATCH_OWNER.match(p.name).group(1) in run]
    assert left == []
    for _ in range(100):  # the pool's helpers (resource tracker) leave once the run has gone
        children = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
        if not children:
            break
        time.sleep(0.2)
    assert [Path(f"/proc/{p}/cmdline").read_bytes() for p in children if Path(f"/proc/{p}").exists()] == []


@needs_sandbox
@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_ctrl_c_while_the_workers_start_stops_the_run_without_a_traceback(base, tmp_path, engine):
    ws = copy_ws(base, tmp_path / "ws")
    submit(ws, "e1", "a4_pilotage", ws.source("a4_pilotage"))
    proc = subprocess.Popen([*MSPR, "autograde", "-w", str(ws.root), "--workers", "2", "--engine", engine],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for _ in range(3000):  # until the workers start (multiprocessing's fork server, then the pool's or Dask's)
        session = subprocess.run(["pgrep", "-s", str(proc.pid), "-f", "multiprocessing"], capture_output=True,
                                 text=True).stdout.split()
        # past the resource tracker and the fork server (spawned with SIGINT ignored, a few milliseconds): a
        # worker forked from it
        if len(session) >= 3 or proc.poll() is not None:
            break
        time.sleep(0.01)
    assert len(session) >= 3, "les processus des workers n'ont pas démarré"
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does, while the workers start (Dask used to ignore it)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Interrompu" in out, out[-3000:]
    assert "Traceback" not in out and "KeyboardInterrupt" not in out, out[-3000:]
    assert not ws.grades("e1", "a4_pilotage").exists()
    for _ in range(100):
        left = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
        if not left:
            break
        time.sleep(0.2)
    assert [Path(f"/proc/{p}/cmdline").read_bytes() for p in left if Path(f"/proc/{p}").exists()] == []


# -- A3 on a fixed port ----------------------------------------------------------------------

@needs_sandbox
def test_a3_on_a_fixed_port_gets_the_same_grade_whether_the_host_uses_it_or_not(base, tmp_path):
    import nbformat

    ws = copy_ws(base, tmp_path / "ws")
    folder = tmp_path / "fixe" / "a3_deploiement"
    shutil.copytree(ws.source("a3_deploiement"), folder)
    nb = nbformat.read(folder / "a3_deploiement.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "port = free_port()" in c.source)
    cell.source = cell.source.replace("port = free_port()", "port = 5000")
    nbformat.write(nb, folder / "a3_deploiement.ipynb")
    submit(ws, "port-libre", "a3_deploiement", folder)
    submit(ws, "port-pris", "a3_deploiement", folder)
    free = autograde(ws, ["port-libre"], ["a3_deploiement"])
    host = socket.socket()
    host.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        host.bind(("127.0.0.1", 5000))
    except OSError:
        host.close()
        host = None  # something of the machine already holds 5000: that is the case we want too
    try:
        if host:
            host.listen()
        taken = autograde(ws, ["port-pris"], ["a3_deploiement"])
    finally:
        if host:
            host.close()
    scores = [[(c.check_id, c.score) for c in g.checks] for g in (free[0], taken[0])]
    assert scores[0] == scores[1]
    assert sum(s for _, s in scores[0]) == sum(c.max_score for c in checks_for("a3_deploiement"))


# -- A3: the server always stops; the grade comes from what the server answered ----------------

def test_a3_model_server_stops_when_the_kernel_is_interrupted(base, tmp_path):
    from jupyter_client.manager import start_new_kernel

    import mspr
    from mspr._proc import cmdline_of, pids
    from mspr.serving import access_log_requests

    folder = tmp_path / "a3"
    shutil.copytree(base.source("a3_deploiement"), folder, ignore=shutil.ignore_patterns("*.ipynb"))
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(folder))
    try:
        code = ("import pandas as pd\nfrom mspr.serving import ModelServer\n"
                "from mspr.loadtest import run_load_test\n"
                "echantillon = pd.read_csv('donnees/echantillon_requetes.csv')\n"
                "with ModelServer('modele') as serveur:\n"
                "    serveur.predict(echantillon.iloc[[0]])\n"
                "    print('PRET', serveur.pid, serveur.port, flush=True)\n"
                "    # the Locust load test in progress, for far longer than the test waits\n"
                "    run_load_test(serveur.url, echantillon, mean_rps=2, peak_rps=5, seconds=300, timeout_s=900)\n")
        msg_id = kc.execute(code)
        ready = None
        while ready is None:  # until the server answers (its start is bounded by ModelServer's timeout)
            msg = kc.get_iopub_msg(timeout=300)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream" and "PRET" in msg["content"]["text"]:
                ready = msg["content"]["text"].split()
            assert msg["msg_type"] != "error", msg["content"]
        pid, port = int(ready[1]), int(ready[2])
        locustfile = str(Path(mspr.__file__).with_name("_locustfile.py"))

        def locust():
            return [p for p in pids() if locustfile in cmdline_of(p) and f"127.0.0.1:{port}" in cmdline_of(p)]

        for _ in range(120):  # mid-test: Locust is sending requests (one was answered already)
            if locust():
                break
            time.sleep(0.5)
        time.sleep(2)
        serving = [p for p in pids() if f"--port {port} " in cmdline_of(p)]
        assert serving, "the uvicorn process of the server should be running"
        assert locust(), "the Locust process of the load test should be running"
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=120)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=120)
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        assert not Path(f"/proc/{pid}").exists()
        assert [p for p in pids() if f"--port {port} " in cmdline_of(p) or p == str(pid)] == []
        assert locust() == []  # the load generator is gone too
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0
        logged = access_log_requests((folder / "journal_serveur.log").read_text(encoding="utf-8"))
        assert ("POST", "/invocations", 200) in logged  # the server's own access log
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _replace_cells(notebook: Path, sources: dict[str, str]) -> None:
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell.source = sources[grade_id]
    nbformat.write(nb, notebook)


#: Predictions computed in the kernel, not by the server (typed as the signature wants).
LOCAL_PREDICTIONS = """
import mlflow.models, mlflow.pyfunc
schema = mlflow.models.Model.load(MODELE).get_input_schema()
types = {c.name: {"string": str, "double": "float64", "float": "float64"}[c.type.name]
         for c in schema.inputs if c.type.name in ("string", "double", "float")}
typed = pd.read_csv(Path("donnees") / "echantillon_requetes.csv", dtype=types)
predictions = [int(p) for p in mlflow.pyfunc.load_model(str(MODELE)).predict(typed)]
latencies_ms = [8.0] * len(predictions)
"""


@needs_sandbox
def test_a3_help_only_or_never_queried_server_loses_the_deployment_points(base, tmp_path):
    ws = copy_ws(base, tmp_path / "ws")
    help_only = ("import subprocess, sys\nport = 5000\n"
                 "serveur = subprocess.Popen([str(Path(sys.executable).parent / 'mlflow'), 'models', 'serve', "
                 "'--help'], stdout=subprocess.DEVNULL)\nserveur.wait()\n")
    never_queried = "try:\n" + "".join(f"    {line}\n" for line in LOCAL_PREDICTIONS.strip().splitlines()) \
        + "finally:\n    serveur.stop()\n"
    for team, sources in (("aide", {"serveur": help_only, "requetes": LOCAL_PREDICTIONS, "controles": "pass"}),
                          ("muet", {"requetes": never_queried, "controles": "pass"})):
        folder = tmp_path / team / "a3_deploiement"
        shutil.copytree(ws.source("a3_deploiement"), folder)
        _replace_cells(folder / "a3_deploiement.ipynb", sources)
        submit(ws, team, "a3_deploiement", folder)
    grades = {g.team_id: {c.check_id: c for c in g.checks}
              for g in autograde(ws, ["aide", "muet"], ["a3_deploiement"], workers=2)}
    for team in ("aide", "muet"):  # the deployment points are lost
        assert [grades[team][c].score for c in ("A3C3.served_predictions", "A3C3.server_stopped")] == [0, 0], team
    assert "aucun serveur" in grades["aide"]["A3C3.served_predictions"].evidence
    assert "aucune requête /invocations servie" in grades["muet"]["A3C3.served_predictions"].evidence
    assert "latences ne viennent pas du serveur" in grades["muet"]["A3C3.server_stopped"].evidence
    report(ws)  # the reason reaches the jury's report
    import csv

    with (ws.report_dir / "details.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["criterion_id"] == "A3C3.served_predictions"]
    assert any("aucune requête /invocations servie" in r["evidence"] for r in rows)
    assert any("aucun serveur" in r["evidence"] for r in rows)
