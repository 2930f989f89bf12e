"""The sandbox watcher sees what a notebook starts and kills what it leaves behind."""

import subprocess
import sys
import time

from mspr.grading.execute import SandboxWatch, sandbox_env

ESCAPE = "import os, time; os.setsid(); os.chdir('/'); time.sleep(60)"


def test_watch_records_and_kills_sandbox_processes(tmp_path):
    outside = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], cwd="/")
    try:
        with SandboxWatch(tmp_path, interval_s=0.05) as watch:
            server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "mlflow-serve-marker"],
                                      cwd=tmp_path)
            escaper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5); " + ESCAPE],
                                       cwd=tmp_path)
            time.sleep(1.5)
        assert "mlflow-serve-marker" in watch.seen[server.pid]
        assert escaper.pid in watch.seen and outside.pid not in watch.seen
        killed = watch.kill_leftovers()
        assert {server.pid, escaper.pid} <= set(killed)
        assert outside.pid not in killed
        assert server.wait(timeout=5) == -9 and escaper.wait(timeout=5) == -9
        assert outside.poll() is None
    finally:
        for proc in (outside,):
            proc.kill()
            proc.wait()


def test_sandbox_environment_carries_no_grader_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("MSPR_SECRET_PATH", "/srv/ground_truth")
    env = sandbox_env(tmp_path)
    assert "MSPR_SECRET_PATH" not in env and env["HOME"] == str(tmp_path)
    assert env["MLFLOW_DISABLE_TELEMETRY"] == "true" and env["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] == ""


def test_a_process_first_seen_before_its_exec_is_recorded_with_the_command_it_runs(tmp_path):
    # Popen forks then execs: a watcher that polls in between sees the parent's
    # command line. Here the window is stretched to 0.5 s by hand.
    before_exec = ("import os, sys, time; time.sleep(0.5); "
                   "os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', 'served' + '-marker'])")
    with SandboxWatch(tmp_path, interval_s=0.05) as watch:
        child = subprocess.Popen([sys.executable, "-c", before_exec], cwd=tmp_path)
        time.sleep(0.2)
        first = watch.seen.get(child.pid, "")
        time.sleep(1.3)
    try:
        assert "served-marker" not in first  # the watcher did see the pre-exec command
        assert "served-marker" in watch.seen[child.pid]
        assert child.pid in watch.kill_leftovers()
    finally:
        child.kill()
        child.wait()


def test_joblib_and_multiprocessing_get_their_shared_memory_in_the_sandbox(tmp_path):
    """bwrap's own /dev/shm is root's: scikit-learn's joblib then warned « [Errno 13] Permission denied », which
    every team's A2/A3 grade reported as « accès refusé par le bac à sable »."""
    import pytest

    from mspr.grading.sandbox import Limits, command, probe

    if probe().bwrap is None:
        pytest.skip("bubblewrap absent")
    (tmp_path / "scratch").mkdir()
    (tmp_path / "work").mkdir()
    code = "import joblib._multiprocessing_helpers as m; print('semaphores', m.mp is not None)"
    cmd = command([sys.executable, "-c", code], scratch=tmp_path / "scratch", writable=[tmp_path / "work"],
                  chdir=tmp_path / "work", limits=Limits())
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "semaphores True", result.stderr[-500:]
    assert "Permission denied" not in result.stderr


#: Stores a key in the uid's user keyring, reads the keyring's id, then tries the x32 and i386 entry points.
KEYRING = r"""
import ctypes, json
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(*args):
    result = libc.syscall(*args)
    return [result, ctypes.get_errno() if result < 0 else 0]
seen = {"add_key": call(248, b"user", b"mspr-essai", b"secret", 6, ctypes.c_long(-4)),
        "keyctl": call(250, 0, ctypes.c_long(-4), 0),
        "request_key": call(249, b"user", b"mspr-essai", None, 0),
        "keyctl_x32": call(0x40000000 | 250, 0, ctypes.c_long(-4), 0),
        "filters": [l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:")][0]}
print(json.dumps(seen))
"""


def test_the_kernel_keyrings_are_out_of_the_sandbox_s_reach(tmp_path):
    """A slot's uid serves every submission it grades, and the kernel keeps one user keyring per uid: a
    notebook could leave its answers there for the next one (add_key) and that one read them (keyctl)."""
    import json
    import platform

    import pytest

    from mspr.grading.sandbox import Limits, command, probe

    if probe().bwrap is None:
        pytest.skip("bubblewrap absent")
    if platform.machine() != "x86_64":
        pytest.skip("system call numbers of x86_64")
    assert probe().seccomp, probe().notes  # bwrap 0.8 applies it here; else probe() says so in French
    (tmp_path / "scratch").mkdir()
    (tmp_path / "work").mkdir()
    cmd = command([sys.executable, "-c", KEYRING], scratch=tmp_path / "scratch", writable=[tmp_path / "work"],
                  chdir=tmp_path / "work", limits=Limits())
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    seen = json.loads(result.stdout)
    eperm = [-1, 1]
    assert seen["add_key"] == seen["keyctl"] == seen["request_key"] == seen["keyctl_x32"] == eperm, seen
    assert seen["filters"] == "2"  # seccomp mode 2: a filter
    # outside the sandbox the same code works: the filter, not the machine, refuses it
    outside = json.loads(subprocess.run([sys.executable, "-c", KEYRING.replace("mspr-essai", "mspr-essai-hors")],
                                        capture_output=True, text=True, timeout=60).stdout)
    assert outside["keyctl"][0] > 0 and outside["filters"] == "0"
    assert outside["add_key"][0] > 0
    key = outside["add_key"][0]  # KEYCTL_INVALIDATE: leave nothing behind
    subprocess.run([sys.executable, "-c", f"import ctypes; ctypes.CDLL(None).syscall(250, 21, {key})"], check=True)


def test_the_sandbox_filter_denies_only_the_key_calls_of_each_architecture():
    import struct

    from mspr.grading.sandbox import KEYRING_SYSCALLS, seccomp_filter

    program = seccomp_filter()
    assert len(program) % 8 == 0
    instructions = [struct.unpack("=HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]

    def run(arch: int, nr: int) -> int:  # a classic BPF interpreter for the instructions used
        accumulator, pc = 0, 0
        while True:
            code, jt, jf, k = instructions[pc]
            if code == 0x20:  # ld [k]
                accumulator = {0: nr, 4: arch}[k]
            elif code == 0x54:  # and #k
                accumulator &= k
            elif code == 0x15:  # jeq #k
                pc += jt if accumulator == k else jf
            elif code == 0x06:  # ret #k
                return k
            pc += 1

    allow, eperm = 0x7FFF0000, 0x00050001
    for arch, numbers in KEYRING_SYSCALLS.items():
        for nr in numbers:
            assert run(arch, nr) == eperm, (hex(arch), nr)
        for nr in (0, 1, 59, 231, 247, 251, 400):
            assert run(arch, nr) == allow, (hex(arch), nr)
    assert run(0xC000003E, 0x40000000 | 248) == eperm  # x32's add_key
    assert run(0xC000003E, 217) == allow and run(0xC00000B7, 248) == allow  # each architecture its own numbers
    assert run(0x12345678, 248) == allow  # another architecture: not filtered (probe() says so)


# -- the fork server of execution workers ----------------------------------------------------

WHO_AM_I = """
import json, os, sys
from mspr.grading import _sandbox_kernel as sk
print(json.dumps({"env": dict(os.environ), "pid": os.getpid(), "sid": os.getsid(0), "cwd": os.getcwd(),
                  "argv": sys.argv[1:], "incidents": list(sk.INCIDENTS)}))
sk.record(kind="left-by-the-previous-child")
"""


def test_a_forked_worker_gets_only_its_environment_its_own_session_and_a_clean_state(tmp_path, monkeypatch):
    import json

    from mspr.grading.execute import WorkerServer

    monkeypatch.setenv("MSPR_SECRET_PATH", "/srv/ground_truth")
    server = WorkerServer.get()
    seen = []
    for i in range(2):
        folder = tmp_path / f"t{i}"
        (folder / "home").mkdir(parents=True)
        code, out = server.run_code(WHO_AM_I, ["a", str(i)], cwd=folder, env=sandbox_env(folder / "home"),
                                    timeout=120)
        assert code == 0, out
        seen.append(json.loads(out.strip().splitlines()[-1]))
    for i, child in enumerate(seen):
        assert child["env"] == sandbox_env(tmp_path / f"t{i}" / "home")  # nothing of the grader's environment
        assert child["sid"] == child["pid"] != server.proc.pid  # a session of its own, killed as a group
        assert child["cwd"] == str(tmp_path / f"t{i}") and child["argv"] == ["a", str(i)]
    assert seen[1]["incidents"] == []  # what a child did stays in that child
    assert WorkerServer.get() is server  # kept for the next submission


def test_a_forked_worker_past_its_time_limit_is_killed_and_the_server_serves_the_next(tmp_path):
    from mspr._proc import pid_alive
    from mspr.grading.execute import WorkerServer

    server = WorkerServer.get()
    (tmp_path / "home").mkdir()
    env = sandbox_env(tmp_path / "home")
    start = time.monotonic()
    try:
        server.run_code("import os\nopen('pid', 'w').write(str(os.getpid()))\nwhile True:\n    pass\n", [],
                        cwd=tmp_path, env=env, timeout=3)
    except TimeoutError:
        pass
    else:
        raise AssertionError("the looping child should have been stopped at its time limit")
    assert time.monotonic() - start < 60
    assert not pid_alive(int((tmp_path / "pid").read_text()))
    assert server.run_code("print('suivant')", [], cwd=tmp_path, env=env, timeout=120) == (0, "suivant\n")
    assert WorkerServer.get() is server



#: What a forked child sees of the server it was forked from.
SERVER_STATE = """
import gc, json, sys
print(json.dumps({"frozen": gc.get_freeze_count(), "formulas_ready": "formulas.excel" in sys.modules}))
"""


def test_the_fork_server_hands_its_children_frozen_imports_and_warm_formulas(tmp_path):
    """Objects left to the children's garbage collections are walked, and their pages copied, by each child."""
    import json

    from mspr.grading.execute import WorkerServer

    server = WorkerServer.get()
    (tmp_path / "home").mkdir()
    code, out = server.run_code(SERVER_STATE, [], cwd=tmp_path, env=sandbox_env(tmp_path / "home"), timeout=120)
    assert code == 0, out
    state = json.loads(out.strip().splitlines()[-1])
    assert state["frozen"] > 10_000  # nbgrader, nbconvert, formulas…
    assert state["formulas_ready"]  # the A4 workbook evaluations need not import it each


def test_warming_formulas_starts_no_thread_in_the_fork_server():
    """formulas' progress bars start tqdm's monitor thread: a thread in a process that forks can leave its
    children a lock held forever."""
    code = ("import threading, mspr.grading._autograde_worker as w; w._preload(); w._prepare_later(); "
            "print(threading.active_count(), 'formulas.excel' in __import__('sys').modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.stdout.split() == ["1", "True"], result.stderr[-2000:]
