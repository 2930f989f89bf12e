"""Execute one submission with nbgrader, outside the workspace.

The candidate's kernel must see neither the ground truth, nor the gradebook
(which holds the solutions), nor other teams' work. So a submission is never
executed inside the workspace: :func:`scratch_course` lays out a throw-away
nbgrader course root in a fresh temporary folder holding only this team's
submission and the assignment's public files, and :func:`run_autograde` runs
``nbgrader autograde`` there in a subprocess, in its own session, with a
scrubbed environment. The gradebook path reaches that subprocess on its
standard input only, never through its command line or the environment the
kernel inherits. The subprocess makes itself the "child subreaper" of all the
notebook starts, so that on exit it can list and kill every process left
running, however it detached (see :mod:`mspr.grading._autograde_worker`).

The candidate's kernel itself runs in an operating-system sandbox (own uid,
network, pid and mount namespaces, resource limits): see
:mod:`mspr.grading.sandbox`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from mspr._offline import OFFLINE_ENV
from mspr._proc import cmdline_of, cwd_of, descendants, namespace_members, pids, start_time, stdout_of
from mspr.grading.sandbox import Limits
from mspr.paths import Workspace

#: Seconds the whole execution of one notebook may take (default of :class:`Limits`).
NOTEBOOK_TIMEOUT_S = Limits.wall_s


@dataclass(frozen=True)
class Execution:
    """Outcome of executing one submission.

    Attributes
    ----------
    ok : bool
        True when nbgrader executed the notebook (cells may still have raised:
        a candidate's error is not an execution failure).
    workdir : pathlib.Path
        The executed assignment folder in the scratch course
        (``autograded/<team>/<assignment>``), where the notebook ran.
    log : str
        nbgrader's log, for the jury and the trainer.
    leftovers : dict of int to str
        Processes the notebook started and left running when nbgrader was
        done (killed since), command line by pid.
    incidents : list of dict, default=[]
        What the execution worker recorded: ``{"kind": "kernel_death",
        "reason": str}``, ``{"kind": "output_cut", "cell": int, "bytes": int}``,
        ``{"kind": "leftovers", "processes": {...}}``, ``{"kind":
        "wall_time", "seconds": int}``.
    """

    ok: bool
    workdir: Path
    log: str
    leftovers: dict[int, str]
    incidents: list = field(default_factory=list)


def sandbox_env(home: Path) -> dict[str, str]:
    """Return the environment a candidate's kernel runs with.

    Only what the tools need: ``PATH`` (the venv's ``bin`` first, so that
    ``mlflow models serve`` finds ``uvicorn``), a private ``HOME``, UTF-8
    locale, and the offline settings. Nothing of the grader's environment.

    Parameters
    ----------
    home : pathlib.Path
        A private, writable folder used as ``HOME``.

    Returns
    -------
    dict of str to str
        Environment variables for ``subprocess`` (``env=``): those listed
        above (the offline ones from ``mspr._offline.OFFLINE_ENV``), plus
        the machine's ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` when set.
    """
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
        "TLDEXTRACT_CACHE": str(home / ".cache" / "tldextract"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    env.update(OFFLINE_ENV)
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # machine settings for numpy, not secrets
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def scratch_course(ws: Workspace, team_id: str, assignment_id: str, scratch: Path,
                   notes: list[str] | None = None) -> Path:
    """Lay out a one-submission nbgrader course root in ``scratch``.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace: its ``source/<assignment_id>`` (public files
        only, no notebook) and the team's submission are copied.
    team_id, assignment_id : str
        The submission to lay out. Its copy is bounded (see
        :func:`mspr._trees.copy_tree`): folders nested more than
        :data:`mspr._trees.MAX_DEPTH` levels deep and entries past
        :data:`mspr._trees.MAX_ENTRIES` are left out, pipes, sockets and
        devices too.
    scratch : pathlib.Path
        An empty folder outside the workspace.
    notes : list of str, optional
        Receives one French sentence per kind of omission from the
        submission's copy (for the grade's incidents).

    Returns
    -------
    pathlib.Path
        The course root (``scratch/course``).
    """
    from mspr._trees import copy_tree

    root = scratch / "course"
    # Public files only: nbgrader copies the source's non-notebook files over
    # the submission (restoring the data a team may have altered).
    shutil.copytree(ws.source(assignment_id), root / "source" / assignment_id,
                    ignore=shutil.ignore_patterns("*.ipynb"))
    submitted = root / "submitted" / team_id / assignment_id
    submitted.parent.mkdir(parents=True)
    # Iterative and bounded: a tree thousands of folders deep would make shutil.copytree (and nbgrader's own
    # copy, then its removal) raise RecursionError.
    copied = copy_tree(ws.submitted(team_id, assignment_id), submitted)
    if notes is not None:
        notes += copied.notes("dossier rendu")
    (submitted / "reponses.json").unlink(missing_ok=True)
    (scratch / "home").mkdir()
    return root


def _die_with_parent() -> None:
    """``preexec_fn``: the worker is killed when the grading process dies (kill -9 included)."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


#: Linux ``prctl`` option: signal sent to this process when its parent dies.
PR_SET_PDEATHSIG = 1


def run_autograde(root: Path, db_url: str, team_id: str, assignment_id: str,
                  *, home: Path, watch: "SandboxWatch | None" = None, limits: Limits | None = None,
                  scratch: Path | None = None) -> tuple[Execution, int]:
    """Run ``nbgrader autograde`` for one submission in a sandboxed subprocess.

    Parameters
    ----------
    root : pathlib.Path
        Scratch course root made by :func:`scratch_course`.
    db_url : str
        The gradebook URL.
    team_id, assignment_id : str
        The submission to execute, as laid out under ``root/submitted``.
    home : pathlib.Path
        Private ``HOME`` of the sandbox.
    watch : SandboxWatch, optional
        Told the worker's pid, so that it also watches the worker's
        descendants wherever they run.
    limits : Limits, optional
        Resource limits of the sandbox; defaults to ``Limits()``.
    scratch : pathlib.Path, optional
        The execution's scratch folder (default: ``root``'s parent), where
        the sandbox's run folder and ``/etc`` files are made.

    Returns
    -------
    tuple of (Execution, int)
        The outcome, and the process-group id of the session the kernel ran
        in (pass it to :func:`kill_session` once checks are done).
    """
    # Parameters go through a pipe, not the command line, which any process
    # (the candidate's kernel included) can read in /proc.
    from mspr.grading.sandbox import probe

    limits = limits or Limits()
    scratch = Path(scratch or root.parent)
    run_dir = scratch / "run"
    run_dir.mkdir(exist_ok=True)
    params = {"root": str(root), "db_url": db_url, "team_id": team_id, "assignment_id": assignment_id,
              "run_dir": str(run_dir), "home": str(home), "scratch": str(scratch), "limits": limits.to_json(),
              "sandbox": not probe().disabled,
              "preload": os.environ.get(PRELOAD_VAR, "").lower() not in ("off", "0", "non", "false")}
    if os.environ.get(ONE_SHOT_VAR, "").lower() in ("1", "on", "oui"):
        output, returncode, pid, timed_out = _run_one_shot(params, root, home, watch, limits)
    else:
        output, returncode, pid, timed_out = WorkerServer.get().run(params, scratch, home, watch, limits)
    result = _last_json_line(output)
    workdir = root / "autograded" / team_id / assignment_id
    ok = returncode == 0 and result.get("success", False) and workdir.is_dir()
    log = (result.get("log") or "") + (result.get("error") or "")
    if not result:
        log = output[-4000:]
    leftovers = {int(pid): cmd for pid, cmd in (result.get("leftovers") or {}).items()}
    incidents = list(result.get("incidents") or [])
    if timed_out:
        incidents.append({"kind": "wall_time", "seconds": limits.wall_s})
    return Execution(ok=ok, workdir=workdir, log=log, leftovers=leftovers, incidents=incidents), pid


#: Environment variable: ``MSPR_PRELOAD=off`` starts each candidate's kernel as a fresh interpreter instead of
#: forking it from the kernel preloader (:mod:`mspr.grading._kernel_zygote`; for comparison and debugging).
PRELOAD_VAR = "MSPR_PRELOAD"

#: Environment variable: ``MSPR_WORKER_ONE_SHOT=1`` starts a fresh worker interpreter per submission
#: (as before the fork server; for comparison in the benchmark and for debugging).
ONE_SHOT_VAR = "MSPR_WORKER_ONE_SHOT"


def _run_one_shot(params: dict, root: Path, home: Path, watch, limits: Limits) -> tuple[str, int, int, bool]:
    """Run the worker as a fresh interpreter; return its output, exit code, pid and whether it timed out."""
    proc = subprocess.Popen([sys.executable, "-m", "mspr.grading._autograde_worker"], cwd=root,
                            env=sandbox_env(home), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True, preexec_fn=_die_with_parent)
    if watch is not None:
        watch.root_pid = proc.pid
    timed_out = False
    try:
        output, _ = proc.communicate(json.dumps(params), timeout=limits.wall_s)
    except subprocess.TimeoutExpired:
        kill_session(proc.pid)
        output, _ = proc.communicate()
        timed_out = True
        output += f"\nDurée maximale dépassée ({limits.wall_s} s) : exécution interrompue."
    except BaseException:  # Ctrl-C: the worker and its kernel go too
        kill_session(proc.pid)
        proc.wait()
        raise
    return output, proc.returncode, proc.pid, timed_out


class WorkerServer:
    """This process's fork server of execution workers (see :mod:`mspr.grading._autograde_worker`).

    Started on first use and kept for the life of the process (one per
    grading process, pool worker or Dask worker), it imports nbgrader and
    the sandbox plumbing once; each submission is then executed by a child
    it forks from that clean state, in a session of its own, with the
    scrubbed environment of :func:`sandbox_env`, exactly as a fresh worker
    interpreter would. The server dies with this process (parent-death
    signal), and is started again if it died.

    When :data:`SHARED_VAR` names the socket of a shared server (the engine
    starts one for its pool of grading processes: :func:`start_shared`),
    this process connects to it instead of starting its own: the imports
    are paid once per run, not once per pool worker.

    Parameters
    ----------
    proc : subprocess.Popen or None
        The running server (``python -m mspr.grading._autograde_worker --serve``),
        or None for a connection to a shared server.
    conn : socket.socket, optional
        The connection to a shared server.
    """

    _mine: "WorkerServer | None" = None
    _exit_hooked = False
    #: CPU time (user + system, seconds) of the workers this process's servers forked, with their descendants.
    cpu_s = 0.0
    #: Modules for the kernel preloader of the next server started (see :func:`preload_modules`).
    preload_modules: list[str] | None = None

    def __init__(self, proc: subprocess.Popen | None, conn=None):
        self.proc = proc
        self.conn = conn
        self._pid = os.getpid()
        self._buffer = b""

    def _alive(self) -> bool:
        return self.conn is not None if self.proc is None else self.proc.poll() is None

    def _write(self, data: bytes) -> None:
        if self.conn is not None:
            self.conn.sendall(data)
        else:
            self.proc.stdin.write(data)

    @classmethod
    def _connect(cls, path: str) -> "WorkerServer | None":
        """Connect to the shared server at ``path`` (waiting up to 10 min for it to listen); None if it is gone."""
        import socket
        import time

        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                conn.connect(path)
            except (FileNotFoundError, ConnectionRefusedError):
                conn.close()
                if not Path(path).parent.is_dir():  # the run that started it has ended
                    return None
                time.sleep(0.05)
                continue
            server = cls(None, conn)
            try:
                if server._answer(timeout=600).get("ready") is True:
                    return server
            except (TimeoutError, OSError, ValueError):
                pass
            conn.close()
            return None
        return None

    @classmethod
    def get(cls) -> "WorkerServer":
        """Return this process's running server, starting one if needed.

        Returns
        -------
        WorkerServer
        """
        mine = cls._mine
        if mine is not None and mine._pid == os.getpid() and mine._alive():
            return mine
        if mine is not None and mine._pid == os.getpid():
            mine.close()
        shared = os.environ.get(SHARED_VAR)
        server = cls._connect(shared) if shared else None
        if server is not None:
            cls._mine = server
            return server
        env = sandbox_env(Path("/nonexistent"))
        proc = subprocess.Popen([sys.executable, "-m", "mspr.grading._autograde_worker", "--serve",
                                 *_modules_args(cls.preload_modules)], cwd="/",
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                bufsize=0, preexec_fn=_die_with_parent)  # in our session: Ctrl-C checks see it
        server = cls(proc)
        try:
            ready = server._answer(timeout=600).get("ready") is True
        except BaseException:
            server.close()
            raise
        if not ready:
            server.close()
            raise RuntimeError("the execution worker server did not start (run `python -m "
                               "mspr.grading._autograde_worker --serve` to see why)")
        cls._mine = server
        if not cls._exit_hooked:  # reap it at exit, so that its CPU time counts in this process's children
            import atexit
            from multiprocessing import util

            atexit.register(cls.close_mine)
            util.Finalize(None, cls.close_mine, exitpriority=100)  # multiprocessing workers skip atexit
            cls._exit_hooked = True
        return server

    @classmethod
    def close_mine(cls) -> None:
        """Stop this process's server, if it runs."""
        mine = cls._mine
        if mine is not None and mine._pid == os.getpid():
            mine.close()

    def _answer(self, timeout: float | None) -> dict:
        """Read the server's next answer line; {} at end of stream; raise TimeoutError past ``timeout``."""
        import select
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self.conn.fileno() if self.conn is not None else self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 65536)
            if not chunk:
                return {}
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def run(self, params: dict, scratch: Path, home: Path, watch, limits: Limits) -> tuple[str, int, int, bool]:
        """Execute one submission in a forked worker.

        Parameters
        ----------
        params : dict
            The worker's parameters (see :mod:`mspr.grading._autograde_worker`).
        scratch : pathlib.Path
            The execution's scratch folder (the worker's log is written
            there, outside the sandbox's view).
        home : pathlib.Path
            The sandbox's ``HOME``.
        watch : SandboxWatch or None
        limits : Limits

        Returns
        -------
        tuple of (str, int, int, bool)
            The worker's output, its exit code, its pid (its session's id)
            and whether it was stopped at ``limits.wall_s``.
        """
        log = scratch / "worker.log"
        request = {**params, "env": sandbox_env(home), "log": str(log)}
        try:
            self._write(json.dumps(request).encode() + b"\n")
            pid = self._answer(timeout=60)["pid"]
        except BaseException:
            self.close()
            raise
        if watch is not None:
            watch.root_pid = pid
        timed_out = False
        try:
            status = self._answer(timeout=limits.wall_s)
        except TimeoutError:
            kill_session(pid)
            status = self._resync()
            timed_out = True
        except BaseException:  # Ctrl-C: the worker and its kernel go too, and the server
            kill_session(pid)
            self.close()
            raise
        if not status:  # the server died under the worker
            kill_session(pid)
            self.close()
            status = {"status": -9}
        WorkerServer.cpu_s += status.get("cpu_s", 0.0)
        output = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        if timed_out:
            output += f"\nDurée maximale dépassée ({limits.wall_s} s) : exécution interrompue."
        return output, status["status"], pid, timed_out

    def _resync(self) -> dict:
        """The status of a worker just killed; the server is stopped if it does not answer."""
        try:
            return self._answer(timeout=60)
        except BaseException:
            self.close()
            return {}

    def run_code(self, code: str, argv: list[str], *, cwd: Path, env: dict[str, str],
                 timeout: float) -> tuple[int, str]:
        """Run a grader-side Python script in a forked child (its imports already loaded).

        The child has a session of its own, ``env`` as its whole
        environment and ``cwd`` as working folder, as ``subprocess.run([sys.executable,
        "-c", code, *argv])`` would give it.

        Parameters
        ----------
        code : str
            The script (the grader's own code, never a team's).
        argv : list of str
            Its arguments (``sys.argv[1:]``).
        cwd : pathlib.Path
            Working folder; the child's output goes to ``cwd/.sortie.log``.
        env : dict of str to str
        timeout : float
            Seconds; past it the child and its session are killed.

        Returns
        -------
        tuple of (int, str)
            Exit code and output (standard output and error together).

        Raises
        ------
        TimeoutError
            Past ``timeout`` (the child is killed first).
        """
        log = Path(cwd) / ".sortie.log"
        request = {"code": code, "argv": list(argv), "root": str(cwd), "env": env, "log": str(log)}
        try:
            self._write(json.dumps(request).encode() + b"\n")
            pid = self._answer(timeout=60)["pid"]
        except BaseException:
            self.close()
            raise
        try:
            status = self._answer(timeout=timeout)
        except TimeoutError:
            kill_session(pid)
            self._resync()
            raise
        except BaseException:
            kill_session(pid)
            self.close()
            raise
        if not status:
            kill_session(pid)
            self.close()
            status = {"status": -9}
        output = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        return status["status"], output

    def close(self) -> None:
        """Stop the server (its workers die with it); for a shared one, end the connection (its worker dies)."""
        if WorkerServer._mine is self:
            WorkerServer._mine = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None
            return
        try:
            self.proc.kill()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        _remove_scratch_of(self.proc.pid)  # its kernel preloader's folder
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


#: Environment variable naming the socket of a shared fork server (set in a pool's grading processes).
SHARED_VAR = "MSPR_WORKER_SERVER"


def preload_modules(ws: Workspace, assignment_ids: list[str]) -> list[str] | None:
    """The modules the kernel preloader imports for a run: those the released notebooks import.

    Parameters
    ----------
    ws : Workspace
    assignment_ids : list of str
        The assignments the run grades.

    Returns
    -------
    list of str or None
        Modules of :data:`mspr.grading._kernel_zygote.PRELOADABLE` imported by
        the student versions (never the teams' notebooks); None when kernels
        are not preloaded (``MSPR_PRELOAD=off``, or no complete sandbox).
    """
    from mspr.grading import _kernel_zygote
    from mspr.grading.sandbox import probe

    iso = probe()
    if (os.environ.get(PRELOAD_VAR, "").lower() in ("off", "0", "non", "false") or iso.bwrap is None
            or not iso.separate_uid):
        return None
    sources = []
    for assignment_id in assignment_ids:
        try:
            nb = json.loads((ws.release(assignment_id) / f"{assignment_id}.ipynb").read_text(encoding="utf-8"))
            sources += ["".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
        except (OSError, ValueError, AttributeError):
            pass
    return _kernel_zygote.notebook_modules(sources)


def _modules_args(modules: list[str] | None) -> list[str]:
    return [] if modules is None else ["--modules", ",".join(modules)]


def start_shared(modules: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start a fork server shared by a pool of grading processes (see :class:`WorkerServer`).

    It listens on a socket in a scratch folder of its own, only root reads
    (``mspr-grade-<pid>-serveur-*``, removed by :func:`stop_shared`, or by
    the next run if this one is killed); it dies with this process.

    Parameters
    ----------
    modules : list of str, optional
        See :func:`preload_modules`: its kernel preloader starts at once.

    Returns
    -------
    tuple of (subprocess.Popen, str)
        The server, and the socket path to give the pool's processes in
        :data:`SHARED_VAR`.
    """
    import tempfile

    from mspr.grading.engine import SCRATCH_PREFIX

    folder = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-serveur-")
    path = os.path.join(folder, "serveur.sock")
    proc = subprocess.Popen([sys.executable, "-m", "mspr.grading._autograde_worker", "--serve-socket", path,
                             *_modules_args(modules)],
                            cwd="/", env=sandbox_env(Path("/nonexistent")), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    return proc, path


def stop_shared(proc: subprocess.Popen, path: str) -> None:
    """Stop a server of :func:`start_shared` and remove its folder (and its preloader's).

    Parameters
    ----------
    proc : subprocess.Popen
        The server.
    path : str
        Its socket.
    """
    try:
        proc.kill()
        proc.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pass
    from mspr._trees import remove_tree

    remove_tree(os.path.dirname(path))
    _remove_scratch_of(proc.pid)


def _remove_scratch_of(pid: int) -> None:
    """Remove the scratch folders of a stopped server (``mspr-grade-<pid>-*``: its kernel preloader's)."""
    import tempfile

    from mspr._trees import remove_tree
    from mspr.grading.engine import SCRATCH_PREFIX

    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{pid}-*"):
        remove_tree(folder)  # a notebook may have left a tree too deep for shutil.rmtree


def namespace_pid(pid: str | int) -> int | None:
    """Return the pid a process has in its innermost pid namespace, or None when it runs in the host's.

    Parameters
    ----------
    pid : str or int
        Host pid.

    Returns
    -------
    int or None
        Last value of the ``NSpid`` line of ``/proc/<pid>/status`` when it
        has more than one (the process is in a nested pid namespace).
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                values = line.split()[1:]
                return int(values[-1]) if len(values) > 1 else None
    except (OSError, ValueError):
        return None
    return None


def _last_json_line(output: str) -> dict:
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return {}
    return {}


def kill_session(pgid: int) -> None:
    """Kill whatever the candidate's notebook left running (e.g. a model server).

    Parameters
    ----------
    pgid : int
        Process-group id of the sandbox session.
    """
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class SandboxWatch:
    """Watch the processes running inside a sandbox folder while a notebook executes.

    A process belongs to the sandbox when its working directory lies inside
    the scratch folder (the kernel and whatever it starts without changing
    folder), when it descends from the execution worker, or when it runs in
    the pid namespace of such a process (the sandbox's own). Every
    ``interval_s`` seconds the watcher records the command line of each such
    process; :meth:`kill_leftovers` kills those still
    running once grading is done, including processes that left the
    sandbox's session with ``setsid``.

    Parameters
    ----------
    scratch : pathlib.Path
        The scratch folder of one execution.
    interval_s : float, default=0.2
        Polling period, seconds.

    Attributes
    ----------
    seen : dict of int to str
        Last command line of each process seen in the sandbox, by pid (read
        again at every poll, so a process first seen between ``fork`` and
        ``exec`` ends with the command it executes).
    started : dict of int to str
        When each process of ``seen`` started (``/proc/<pid>/stat`` field
        22): :meth:`kill_leftovers` kills a pid only if it still names that
        process, not another that reused the pid since.
    root_pid : int or None
        When set (by :func:`run_autograde`), the descendants of this process
        count as inside the sandbox too, wherever they run.
    namespace_pids : dict of int to str
        The same processes by the pid they have in their own pid namespace
        (the one the notebook sees and records), when they run in one.
    outputs : dict of int to str
        Where the standard output of each process seen went (target of
        ``/proc/<pid>/fd/1``), by host pid and, when it runs in a pid
        namespace, by namespace pid too: e.g. the access log of a model
        server, written by the server itself.
    """

    def __init__(self, scratch: Path, interval_s: float = 0.2):
        self.scratch = str(Path(scratch).resolve())
        self.interval_s = interval_s
        self.seen: dict[int, str] = {}
        self.namespace_pids: dict[int, str] = {}
        self.outputs: dict[int, str] = {}
        self.started: dict[int, str] = {}
        self.root_pid: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _inside(self) -> list[str]:
        prefix = self.scratch + os.sep
        inside = {pid for pid in pids() if (cwd_of(pid) + os.sep).startswith(prefix)}
        if self.root_pid is not None:  # the worker's descendants, wherever they run
            inside |= {str(pid) for pid in descendants(self.root_pid)}
        # everything in the sandbox's pid namespace, wherever it runs and whoever started it
        # (a kernel forked by the preloader is no descendant of the worker)
        inside |= {str(pid) for pid in namespace_members({int(pid) for pid in inside})}
        return sorted(inside)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self._inside():
                # re-read at every poll: a child first seen between fork and
                # exec still shows its parent's command line
                command = cmdline_of(pid)
                if command and self.seen.get(int(pid)) != command:
                    self.seen[int(pid)] = command
                    self.started[int(pid)] = start_time(pid)
                    inner = namespace_pid(pid)
                    if inner is not None:
                        self.namespace_pids[inner] = command
                    output = stdout_of(pid)
                    if output:
                        self.outputs[int(pid)] = output
                        if inner is not None:
                            self.outputs[inner] = output
            self._stop.wait(self.interval_s)

    def __enter__(self) -> "SandboxWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def kill_leftovers(self) -> list[int]:
        """Kill the processes still running in the sandbox.

        That is every process whose working directory lies in the sandbox,
        and every process seen there earlier that still runs the same command
        (one that changed folder after starting, e.g. with ``setsid``).

        Returns
        -------
        list of int
            The pids killed.
        """
        pids = {int(pid) for pid in self._inside()}
        # the same process: same command and same start (a pid may since name another team's process)
        pids |= {pid for pid, command in self.seen.items()
                 if cmdline_of(str(pid)) == command and start_time(pid) == self.started.get(pid)}
        killed = []
        for pid in sorted(pids):
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except (ProcessLookupError, PermissionError):
                pass
        return killed
