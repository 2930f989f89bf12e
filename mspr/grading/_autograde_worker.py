"""Execution worker: ``nbgrader autograde`` one submission, its kernel in the sandbox.

Two ways to run it:

* ``python -m mspr.grading._autograde_worker``: grades one submission, a
  JSON object ``{"root", "db_url", "team_id", "assignment_id", "run_dir",
  "home", "scratch", "limits", "sandbox"}`` on standard input (not on the
  command line, which the candidate's kernel could read in ``/proc``);
* ``python -m mspr.grading._autograde_worker --serve``: a *fork server*,
  kept for many submissions by one grading process
  (:class:`mspr.grading.execute.WorkerServer`). It imports nbgrader,
  nbconvert and the sandbox plumbing once, then for each request line (the
  same JSON object, plus ``"env"`` and ``"log"``) forks a fresh child that
  grades that one submission, as the one-shot worker would: the child starts
  from the server's clean state (the server itself never runs a submission),
  opens a session of its own, takes the request's scrubbed environment and
  writes its output to the request's ``log`` file. The server answers
  ``{"pid": <child>}`` at once, then ``{"status": <exit code>}`` when the
  child is done, with the CPU time it and its descendants used. This
  saves the 1-4 s of imports each submission paid. A request with a
  ``"code"`` key (and ``"argv"``, ``"root"`` as working folder, ``"env"``,
  ``"log"``) runs that grader-side script in the forked child instead (the
  A4 checks evaluate a team's workbook formulas so, with ``formulas``
  preloaded).

This worker is trusted: it runs nbgrader (which reads the gradebook) outside
the sandbox; only the kernel it starts runs inside
(:class:`mspr.grading._sandbox_kernel.SandboxKernelManager`). The worker
first makes itself a *child subreaper* (Linux ``prctl``): every process the
notebook starts stays its descendant, even one that detaches. Once nbgrader
is done, it lists the descendants still running, kills them, and prints
nbgrader's result, that list and the incidents of the execution (kernel
death, output cut) as one JSON line. It exits 1 when nbgrader failed.
"""

import ctypes
import gc
import json
import os
import signal
import sys
import traceback
from pathlib import Path

from mspr._nbgrader import make_api
from mspr._proc import descendants

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def grade(params: dict) -> int:
    """Autograde the one submission ``params`` describes; print the JSON result line.

    Parameters
    ----------
    params : dict
        See the module docstring; ``"sandbox": False`` runs the kernel
        without isolation (``MSPR_SANDBOX=off`` in the grading process).

    Returns
    -------
    int
        0 when nbgrader succeeded, else 1.
    """
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                        SaveAutoGrades)

    from mspr.grading import _sandbox_kernel as sk
    from mspr.grading import sandbox
    from mspr.grading.sandbox import Limits

    if params.get("sandbox", True) is False:  # the grading process runs with MSPR_SANDBOX=off
        os.environ[sandbox.DISABLE_VAR] = "off"
        sandbox.probe.cache_clear()
    limits = Limits(**params["limits"])
    sk.configure(run_dir=Path(params["run_dir"]), home=Path(params["home"]), scratch=Path(params["scratch"]),
                 limits=limits, preloader=params.get("preloader"))
    from nbgrader.converters.base import BaseConverter

    BaseConverter.set_permissions = sk.set_permissions_without_links  # root must not chmod through links
    api = make_api(Path(params["root"]), params["db_url"])
    config = api.config
    config.Autograde.autograde_preprocessors = [sk.SafeExecute, IgnorePattern, ClearMetadataPreprocessor,
                                                LimitOutput, sk.CapOutput, SaveAutoGrades, AssignLatePenalties,
                                                CheckCellMetadata]
    config.SafeExecute.timeout = limits.cell_s
    config.CapOutput.max_bytes = limits.output_bytes
    api.update_config(config)
    result = api.autograde(params["assignment_id"], params["team_id"], force=True, create=True)
    leftovers = descendants(os.getpid())
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for incident in sk.INCIDENTS:
        if incident.get("kind") == "leftovers":
            leftovers.update({int(pid): cmd for pid, cmd in incident["processes"].items()})
    out = {k: result.get(k) for k in ("success", "log", "error")}
    out["leftovers"] = {str(pid): cmd for pid, cmd in leftovers.items()}
    out["incidents"] = sk.INCIDENTS
    print(json.dumps(out), flush=True)
    return 0 if result.get("success") else 1


def main() -> int:
    """One-shot worker: grade the submission described on standard input."""
    return grade(json.loads(sys.stdin.read()))


def _preload() -> None:
    """Import once, in the server, what every submission's worker needs."""
    import nbclient  # noqa: F401
    import nbgrader.api  # noqa: F401
    import nbgrader.apps  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401
    from jupyter_client import manager  # noqa: F401
    from nbconvert import preprocessors  # noqa: F401

    import IPython  # noqa: F401 - what finding the kernel's spec imports
    import ipykernel.kernelspec  # noqa: F401
    import nbformat
    import sqlalchemy.dialects.sqlite  # noqa: F401 - the gradebook's
    import sqlalchemy.orm

    from mspr._nbgrader import cache_cell_schema_checks
    from mspr.grading import _kernel_zygote, _sandbox_kernel, sandbox  # noqa: F401

    cache_cell_schema_checks()

    sandbox.probe()  # runs bwrap once; the children inherit the answer
    # nbformat checks its JSON schemas the first time it validates in a process: once here, not per child
    cell = nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output("stream", text="1")])
    notebook = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("a")])
    nbformat.validate(notebook)
    list(nbformat.validator.iter_validate(notebook))
    for minor in (4, 5):  # nbconvert validates after each preprocessor with relaxed schemas: compiled once here
        for relax in (False, True):
            nbformat.validator.get_validator(4, minor, relax_add_props=relax)
    sqlalchemy.orm.configure_mappers()  # nbgrader's ORM classes, configured on first use: once here
    _freeze()


def _freeze() -> None:
    """Leave what the server imported out of its children's garbage collections.

    It lives as long as the server: a child's full collection would walk it
    all, and copy every page it sits on (0.19 s of CPU per submission's
    worker). See the documentation of :func:`gc.freeze`.
    """
    gc.collect()
    gc.freeze()


def _preload_formulas() -> None:
    """Import and warm ``formulas`` for the A4 checks' workbook evaluations (see ``_code``): 0.9 s of CPU.

    Done by the server once its first workers are running (:data:`_LATER`),
    so that the first kernels need not wait for it.
    """
    try:
        import importlib
        import pkgutil

        import formulas.functions
        import tqdm

        tqdm.tqdm.monitor_interval = 0  # formulas' progress bars: no monitor thread in a process that forks
        for module in pkgutil.iter_modules(formulas.functions.__path__):
            importlib.import_module(f"formulas.functions.{module.name}")
        _warm_formulas()
    except Exception:  # noqa: BLE001 - each evaluation then imports (and reports) for itself
        pass
    _freeze()


#: Preparations the server makes once idle (each at most once): not needed before the first kernel starts.
_LATER = [_preload_formulas]


def _prepare_later() -> None:
    """Run the preparations of :data:`_LATER` still pending."""
    while _LATER:
        _LATER.pop(0)()


def _warm_formulas() -> None:
    """Evaluate a small workbook once, so that each child finds ``formulas.excel`` (and openpyxl) imported and
    its parsers ready (0.2 s of CPU less per A4 submission's evaluation)."""
    import tempfile
    import warnings

    import formulas
    import openpyxl

    with tempfile.TemporaryDirectory(prefix="mspr-xlsx-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = os.path.join(tmp, "essai.xlsx")
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append([1, 2.5, "texte", "=SUM(A1:B1)*2", '=IF(A1>0,"oui","non")', "=ROUND(B1/3,2)"])
        book.save(path)
        formulas.ExcelModel().loads(path).finish().calculate()


def _code(params: dict) -> int:
    """In the forked child: run ``params["code"]`` as a script with ``params["argv"]``; return its exit code."""
    sys.argv = ["-c", *params["argv"]]
    try:
        exec(compile(params["code"], "<mspr>", "exec"), {"__name__": "__main__"})  # noqa: S102 - the grader's own code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _child(params: dict) -> None:
    """In the forked child: become the submission's worker, then exit (never returns)."""
    code = 1
    try:
        os.setsid()  # a session of its own: the grading process kills it as a group
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        fd = os.open(params["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        os.close(null)
        os.environ.clear()
        os.environ.update(params["env"])
        os.chdir(params["root"])
        code = _code(params) if "code" in params else grade(params)
    except BaseException:  # noqa: BLE001 - reported in the log, as the one-shot worker's traceback would be
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class _Preloader:
    """The server's kernel preloader (:mod:`mspr.grading._kernel_zygote`).

    Started early by :meth:`begin` (its imports then run while the server
    imports its own), or on the first request that wants it.
    """

    proc = None
    control: str | None = None
    started = False

    @classmethod
    def begin(cls, modules: list[str]) -> None:
        """Start the preloader, importing ``modules`` too (returns at once)."""
        import subprocess
        import tempfile

        from mspr.grading.engine import SCRATCH_PREFIX

        cls.started = True
        folder = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-noyaux-")  # 0700: root only
        control = os.path.join(folder, "controle.sock")
        env = {**os.environ, "MPLCONFIGDIR": os.path.join(folder, "matplotlib")}
        try:
            cls.proc = subprocess.Popen([sys.executable, "-m", "mspr.grading._kernel_zygote", control, *modules],
                                        cwd="/", env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, start_new_session=True)  # no terminal
            cls.control = control
        except OSError:
            cls.proc = None

    @classmethod
    def ready(cls) -> str | None:
        """The preloader's control socket once it listens; None if it could not start."""
        if cls.proc is not None:
            try:
                answer = json.loads(cls.proc.stdout.readline() or b"{}")
            except ValueError:
                answer = {}
            if not answer.get("ready") or answer.get("unsafe"):
                cls.proc.kill()
                cls.control = None
            cls.proc.stdout.close()
            cls.proc = None
        return cls.control

    @classmethod
    def fill(cls, params: dict) -> dict:
        """Give a submission's request the preloader's socket, when it asks for a preloaded kernel."""
        if params.pop("preload", False) and "code" not in params:
            if not cls.started:
                cls.begin([])
            params["preloader"] = cls.ready()
        return params


def _status(status: int, usage) -> bytes:
    return json.dumps({"status": os.waitstatus_to_exitcode(status),
                       "cpu_s": usage.ru_utime + usage.ru_stime}).encode() + b"\n"


def serve(modules: list[str] | None = None) -> int:
    """Fork server: one request line in, one forked worker per submission (see the module docstring).

    Parameters
    ----------
    modules : list of str, optional
        When given, the kernel preloader is started at once and imports
        them (the modules the notebooks to grade import).
    """
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grading process's to handle
    if modules is not None:
        _Preloader.begin(modules)
    _preload()
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    answers.write(b'{"ready": true}\n')
    answers.flush()
    while True:
        line = requests.readline()
        if not line:
            return 0
        params = _Preloader.fill(json.loads(line))
        if "code" in params:
            _prepare_later()
        pid = os.fork()
        if pid == 0:
            _child(params)
        answers.write(json.dumps({"pid": pid}).encode() + b"\n")
        answers.flush()
        _prepare_later()  # while the child runs
        _, status, usage = os.wait4(pid, 0)
        answers.write(_status(status, usage))
        answers.flush()


def serve_socket(path: str, modules: list[str] | None = None) -> int:
    """Shared fork server: the same protocol, one connection per grading process of a pool (never returns).

    Each connection (a pool worker of :mod:`mspr.grading.engine`) sends one
    request at a time and gets ``{"ready": true}`` on connecting, then the
    same answers as from :func:`serve`. Requests of different connections
    run concurrently. A connection that closes (its grading process stopped
    or was killed) has its running worker's session killed.

    Parameters
    ----------
    path : str
        The Unix socket to listen on, in a folder only root reads.
    modules : list of str, optional
        As for :func:`serve`.
    """
    import selectors
    import socket

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if modules is not None:
        _Preloader.begin(modules)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.set_wakeup_fd(wake_w)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(16)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "listen")
    selector.register(wake_r, selectors.EVENT_READ, "wake")
    buffers: dict = {}  # connection -> bytes received, not yet a line
    children: dict = {}  # pid -> connection
    _preload()
    sys.stdout.write('{"ready": true}\n')
    sys.stdout.flush()

    def drop(conn) -> None:
        for pid in [pid for pid, owner in children.items() if owner is conn]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        selector.unregister(conn)
        buffers.pop(conn, None)
        conn.close()

    while True:
        # idle for 0.2 s with workers running (every pool worker has sent its first request), or for 1 s
        events = selector.select(timeout=0.2 if _LATER and children else 1.0)
        if not events and _LATER:
            _prepare_later()
        for key, _ in events:
            if key.data == "listen":
                conn, _ = listener.accept()
                buffers[conn] = b""
                selector.register(conn, selectors.EVENT_READ, "conn")
                conn.sendall(b'{"ready": true}\n')
            elif key.data == "wake":
                try:
                    while os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
            else:
                conn = key.fileobj
                try:
                    chunk = conn.recv(1 << 16)
                except OSError:
                    chunk = b""
                if not chunk:
                    drop(conn)
                    continue
                buffers[conn] += chunk
                while b"\n" in buffers[conn]:
                    line, _, buffers[conn] = buffers[conn].partition(b"\n")
                    params = _Preloader.fill(json.loads(line))
                    if "code" in params:
                        _prepare_later()
                    pid = os.fork()
                    if pid == 0:  # close, through their objects, what belongs to the server and other workers
                        signal.set_wakeup_fd(-1)
                        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                        for other in list(buffers):
                            other.close()
                        listener.close()
                        selector.close()
                        os.close(wake_r)
                        os.close(wake_w)
                        _child(params)
                    children[pid] = conn
                    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        while children:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is not None and conn in buffers:
                try:
                    conn.sendall(_status(status, usage))
                except OSError:
                    drop(conn)


def _command_line(argv: list[str]) -> int:
    """``--serve [--modules a,b]``, ``--serve-socket PATH [--modules a,b]``, or nothing (one-shot)."""
    modules = None
    if "--modules" in argv:
        at = argv.index("--modules")
        modules = [m for m in argv[at + 1].split(",") if m]
        argv = argv[:at] + argv[at + 2:]
    if argv[:1] == ["--serve-socket"]:
        return serve_socket(argv[1], modules)
    if argv == ["--serve"]:
        return serve(modules)
    return main()


if __name__ == "__main__":
    sys.exit(_command_line(sys.argv[1:]))
