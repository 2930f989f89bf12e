"""Kernel preloader: candidates' kernels forked, already imported, into their sandbox.

Starting a Jupyter kernel costs about a second of CPU before the first cell
runs: the interpreter, ipykernel, then pandas, matplotlib, scikit-learn…,
imported again by every submission. The preloader (the *zygote*, after
Android's process of that name) is a trusted process of the grading host
that imports those modules once; for each submission it forks a child that
joins the submission's sandbox and becomes its kernel.

How a kernel starts (``SandboxKernelManager`` when the preloader runs):

1. The execution worker asks the preloader, on its control socket (in a
   folder only root reads, bound into no sandbox), to *prepare* a socket in
   the submission's run folder, for the sandbox's uid, with the control
   groups to join and the modules the notebook imports (those of
   :data:`PRELOADABLE` are imported once, in the preloader).
2. The worker starts the sandbox as usual (``bwrap`` with its namespaces,
   binds, limits and uid), with the small *holder* program
   (:data:`HOLDER`) instead of the kernel. The holder connects to that
   socket, which the preloader then removes (one connection per sandbox,
   before any candidate code runs), and sends the kernel's command line,
   working folder, environment and its standard streams.
3. The preloader forks a child that enters the holder's control groups and
   namespaces (pid, network, IPC, UTS, cgroup, mount: its root is the
   sandbox's), takes the holder's resource limits, then forks the kernel:
   a process of the sandbox's pid namespace that chroots to the sandbox's
   root, drops every capability, takes the sandbox's uid with
   ``no_new_privs`` and, when the holder runs under bwrap's seccomp filter,
   the same filter (:func:`mspr.grading.sandbox.seccomp_filter`), closes
   every other file, takes the environment sent and runs
   ``ipykernel_launcher`` as ``python -m`` would.
4. The holder waits, and exits as the kernel did (same code or signal), so
   that ``bwrap`` -- the process Jupyter watches -- reports the kernel's
   end; killing ``bwrap`` ends the sandbox's pid namespace, kernel included.

If anything fails before the kernel runs a line (no preloader, an unsafe
preload, a refused namespace), the holder runs the ordinary kernel itself:
the submission is graded as without the preloader. ``MSPR_PRELOAD=off``
turns the preloader off. It runs only where the sandbox is complete (bwrap,
a separate uid: the grading process is root).

Run as ``python -m mspr.grading._kernel_zygote <control socket> [module…]``;
it prints ``{"ready": true}`` once listening.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
import re
import resource
import selectors
import signal
import socket
import struct
import sys
import threading
import time

#: Environment variable: ``MSPR_PRELOAD=off`` starts every kernel as a fresh interpreter.
DISABLE_VAR = "MSPR_PRELOAD"

#: Top-level packages whose modules the preloader imports when a notebook does (pure libraries that start
#: no thread and open no file at import), plus the one module of ours notebooks record answers with.
PRELOADABLE = ("numpy", "pandas", "scipy", "sklearn", "matplotlib", "networkx", "openpyxl", "yaml",
               "mspr.answers")

#: Imported at start: what every kernel imports before its first cell (its debugger's modules included).
BASE_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython",
                "jupyter_client.session", "debugpy", "psutil", "sqlite3", "pdb")

#: The holder, run inside the sandbox as ``python -I -S -c HOLDER <socket> <kernel command…>``.
HOLDER = r"""
import json, os, signal, socket, sys
path, cmd = sys.argv[1], sys.argv[2:]
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    msg = json.dumps({"argv": cmd, "cwd": os.getcwd(), "env": dict(os.environ)}).encode() + b"\n"
    socket.send_fds(s, [msg], [0, 1, 2])
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    lines = [json.loads(line) for line in data.splitlines() if line.strip()]
    started = any(line.get("started") for line in lines)
    status = lines[-1] if lines and not lines[-1].get("started") else {"signal": 9} if started else {"fallback": True}
except (OSError, ValueError):
    status = {"fallback": True}
if status.get("fallback"):
    os.execv(cmd[0], cmd)
if status.get("signal"):
    if status["signal"] not in (signal.SIGKILL, signal.SIGSTOP):
        signal.signal(status["signal"], signal.SIG_DFL)
    os.kill(os.getpid(), status["signal"])
sys.exit(status.get("code", 1))
"""

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
NAMESPACES = ("cgroup", "ipc", "uts", "net", "pid", "mnt")
#: Resource limits copied from the holder (those ``prlimit`` sets), by their name in ``/proc/<pid>/limits``.
RLIMITS = {"Max cpu time": resource.RLIMIT_CPU, "Max address space": resource.RLIMIT_AS,
           "Max processes": resource.RLIMIT_NPROC, "Max file size": resource.RLIMIT_FSIZE,
           "Max open files": resource.RLIMIT_NOFILE, "Max core file size": resource.RLIMIT_CORE}


def _limits_of(pid: int) -> dict[int, tuple[int, int]]:
    """The holder's resource limits, read in ``/proc`` (``prlimit(2)`` on another process needs CAP_SYS_RESOURCE)."""
    limits = {}
    with open(f"/proc/{pid}/limits") as handle:
        for line in handle:
            for name, which in RLIMITS.items():
                if line.startswith(name + " "):
                    soft, hard = line[len(name):].split()[:2]
                    limits[which] = tuple(resource.RLIM_INFINITY if v == "unlimited" else int(v)
                                          for v in (soft, hard))
    if len(limits) != len(RLIMITS):
        raise OSError(f"limits of {pid} unreadable")
    return limits


_IMPORT = re.compile(r"^\s*(?:from\s+([A-Za-z_][\w.]*)\s+import|import\s+([A-Za-z_][\w.]*))", re.M)


def notebook_modules(sources: list[str]) -> list[str]:
    """Return the modules a notebook imports that the preloader may import for it.

    Parameters
    ----------
    sources : list of str
        The code cells' sources.

    Returns
    -------
    list of str
        Dotted module names, in order of first appearance, whose top-level
        package (or the full name) is in :data:`PRELOADABLE`.
    """
    found = []
    for source in sources:
        for match in _IMPORT.finditer(source):
            name = match.group(1) or match.group(2)
            if (name in PRELOADABLE or name.split(".")[0] in PRELOADABLE) and name not in found:
                found.append(name)
    return found


class _State:
    """The preloader's sockets (closed, through their objects, in every child)."""

    selector: selectors.BaseSelector | None = None
    control: socket.socket | None = None
    waiting: dict = {}  # listening socket -> (path, request, created)
    unsafe = ""
    #: Environment variables the preloaded imports set (e.g. debugpy's), kept for the kernels: a fresh
    #: interpreter's imports would set them in its environment.
    import_env: dict = {}


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _preload(names) -> None:
    before = dict(os.environ)
    for name in names:
        if name in sys.modules or not (name in PRELOADABLE or name.split(".")[0] in PRELOADABLE
                                       or name in BASE_MODULES):
            continue
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - the kernel will import it (and report the error) itself
            pass
    _State.import_env.update({k: v for k, v in os.environ.items() if before.get(k) != v})
    if threading.active_count() != 1:  # forking a process with threads is not safe: stop preloading kernels
        _State.unsafe = f"{threading.active_count()} threads after importing {list(names)}"
    with open("/proc/self/maps") as handle:  # memory shared with every child: one kernel could write to the next
        shared = [line.split()[-1] for line in handle if line.split()[1:2] and line.split()[1][1:2] == "w"
                  and line.split()[1][3:4] == "s"]
    if shared:
        _State.unsafe = f"shared writable mappings after importing {list(names)}: {shared[:3]}"
    # The imported objects live as long as the kernels: the kernels' garbage collections need not walk them
    # again (which would also copy every page they sit on; see the documentation of ``gc.freeze``).
    gc.collect()
    gc.freeze()


def _close_all() -> None:
    """In a child: close the preloader's sockets through their objects (so that no object closes a reused fd)."""
    for sock in list(_State.waiting):
        sock.close()
    _State.waiting.clear()
    if _State.selector is not None:
        _State.selector.close()
        _State.selector = None
    if _State.control is not None:
        _State.control.close()
        _State.control = None


def _read_line(conn: socket.socket, data: bytes = b"") -> bytes:
    """Read from ``conn`` until a newline (or its end), after what was already read (``data``)."""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    return data


def _send(conn: socket.socket, status: dict) -> None:
    try:
        conn.sendall(json.dumps(status).encode() + b"\n")
    except OSError:
        pass


_COMMAND_LINE = []


def _show_command(argv: list[str]) -> None:
    """Show the kernel's own command line in ``/proc/<pid>/cmdline`` (needs CAP_SYS_RESOURCE; best effort)."""
    buffer = ctypes.create_string_buffer(b"\0".join(arg.encode() for arg in argv) + b"\0")
    _COMMAND_LINE.append(buffer)  # kept alive for the life of the process
    start = ctypes.addressof(buffer)
    PR_SET_MM, PR_SET_MM_ARG_START, PR_SET_MM_ARG_END = 35, 8, 9
    if _libc.prctl(PR_SET_MM, PR_SET_MM_ARG_START, ctypes.c_ulong(start), 0, 0) == 0:
        _libc.prctl(PR_SET_MM, PR_SET_MM_ARG_END, ctypes.c_ulong(start + len(buffer.raw)), 0, 0)


def _seccomp_filters(pid: int | str) -> int:
    """Number of seccomp filters a process runs under, read in ``/proc/<pid>/status`` (1 for "some" on kernels
    that only give the mode)."""
    fields = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            if name in ("Seccomp", "Seccomp_filters"):
                fields[name] = int(value.split()[0])
    if "Seccomp" not in fields:
        raise OSError(f"seccomp mode of {pid} unreadable")
    return fields.get("Seccomp_filters", 1 if fields["Seccomp"] == 2 else 0)


def _install_seccomp(program: bytes) -> None:
    """Apply a seccomp filter (raw ``struct sock_filter`` array) to this process and its future children."""

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, len(program))
    prog = Fprog(len(program) // 8, ctypes.addressof(buffer))
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_ulong(ctypes.addressof(prog)), 0, 0),
           "seccomp")


def _kernel(conn, request: dict, message: dict, fds: list[int], rootfd: int, ready_w: int, last_cap: int,
            limits: dict, cgroups: list[int], seccomp: bytes | None = None) -> None:
    """In the kernel process (inside the sandbox's pid namespace): finish entering, then run ipykernel."""
    uid = int(request["uid"])
    os.setsid()  # a session of its own, without the grading run's controlling terminal (TIOCSTI)
    for fd in cgroups:  # "0": the writing process (the holder's groups: memory and process caps)
        os.write(fd, b"0")
        os.close(fd)
    os.fchdir(rootfd)
    os.chroot(".")
    os.chdir(message["cwd"])
    os.close(rootfd)
    for which, value in limits.items():
        resource.setrlimit(which, value)
    _show_command(message["argv"])
    for cap in range(last_cap + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "capability bounding set")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    _check(_libc.capset(ctypes.byref(Header(0x20080522, 0)), ctypes.byref((Data * 2)())), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if seccomp:  # the holder's filter (bwrap's): the kernel's keyrings out of reach, as in a fresh kernel
        _install_seccomp(seccomp)
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")  # as a kernel exec'd by its sandbox is
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("uid not dropped")
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    os.write(ready_w, b"R")
    conn.close()
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])  # ready_w, the fds received, any other
    os.environ.clear()
    os.environ.update(message["env"])
    os.environ.update(_State.import_env)
    sys.path[0] = os.getcwd()  # as ``python -m`` run here sets it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import random
    random.seed()  # the modules' random states are the preloader's: draw new ones, as a fresh interpreter does
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()
    import runpy
    sys.argv = ["ipykernel_launcher", *message["argv"][3:]]
    code = 0
    try:
        runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - as an interpreter would: traceback, exit 1
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _child(conn: socket.socket, request: dict) -> None:
    """In the forked child: read the holder's request, enter its sandbox, fork the kernel, report its end."""
    code = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _close_all()
        pid, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                           struct.calcsize("3i")))
        data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
        message = json.loads(_read_line(conn, data))
        argv = message["argv"]
        fallback = (_State.unsafe or uid != int(request["uid"]) or len(fds) != 3 or len(argv) < 3
                    or argv[1:3] != ["-m", "ipykernel_launcher"]
                    or os.path.realpath(argv[0]) != os.path.realpath(sys.executable))
        if fallback:
            _send(conn, {"fallback": True})
            os._exit(0)
        try:
            cgroups = [os.open(path, os.O_WRONLY) for path in request.get("cgroups", [])]
            limits = _limits_of(pid)
            seccomp = None
            if _seccomp_filters(pid) > _seccomp_filters("self"):  # bwrap gave the holder the sandbox's filter
                from mspr.grading.sandbox import seccomp_filter

                seccomp = seccomp_filter()
            with open("/proc/sys/kernel/cap_last_cap") as handle:
                last_cap = int(handle.read())
            own = {ns: os.readlink(f"/proc/self/ns/{ns}") for ns in NAMESPACES}
            targets = [(ns, os.open(f"/proc/{pid}/ns/{ns}", os.O_RDONLY)) for ns in NAMESPACES
                       if os.readlink(f"/proc/{pid}/ns/{ns}") != own[ns]]
            rootfd = os.open(f"/proc/{pid}/root", os.O_RDONLY | os.O_DIRECTORY)
            if not {"pid", "mnt", "net"} <= {ns for ns, _ in targets}:
                raise OSError("the holder is not in a sandbox of its own")
            for ns, fd in targets:
                _check(_libc.setns(fd, 0), f"setns {ns}")
                os.close(fd)
        except OSError:
            _send(conn, {"fallback": True})
            os._exit(0)
        ready_r, ready_w = os.pipe()
        kernel = os.fork()
        if kernel == 0:
            try:
                os.close(ready_r)
                _kernel(conn, request, message, fds, rootfd, ready_w, last_cap, limits, cgroups, seccomp)
            finally:
                os._exit(97)
        for fd in [ready_w, rootfd, *fds, *cgroups]:
            os.close(fd)
        started = os.read(ready_r, 1) == b"R"
        if started:
            _send(conn, {"started": True})
        _, status = os.waitpid(kernel, 0)
        if not started:
            _send(conn, {"fallback": True})
        elif os.WIFSIGNALED(status):
            _send(conn, {"signal": os.WTERMSIG(status)})
        else:
            _send(conn, {"code": os.waitstatus_to_exitcode(status)})
    except BaseException:  # noqa: BLE001 - never let a child return into the preloader's loop
        code = 1
    finally:
        os._exit(code)


def _prepare(request: dict) -> dict:
    _preload(request.get("modules", []))
    path = request["socket"]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chown(path, int(request["uid"]), int(request["uid"]))
    os.chmod(path, 0o600)
    listener.listen(1)
    listener.setblocking(False)
    _State.waiting[listener] = (path, request, time.monotonic())
    _State.selector.register(listener, selectors.EVENT_READ, "kernel")
    return {"ok": True, "unsafe": _State.unsafe}


def _forget(listener: socket.socket) -> None:
    path, _, _ = _State.waiting.pop(listener)
    _State.selector.unregister(listener)
    listener.close()
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def serve(control_path: str, modules: list[str] = ()) -> int:
    """Run the preloader: listen on ``control_path``, prepare sockets, fork kernels (never returns normally).

    Parameters
    ----------
    control_path : str
        Unix socket to listen on, in a folder only root reads.
    modules : list of str, optional
        Modules to import at once (those of :data:`PRELOADABLE` only).
    """
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reaped by the kernel
    _preload([*BASE_MODULES, *modules])
    _State.selector = selectors.DefaultSelector()
    _State.control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    _State.control.bind(control_path)
    os.chmod(control_path, 0o600)
    _State.control.listen(8)
    _State.selector.register(_State.control, selectors.EVENT_READ, "control")
    sys.stdout.write(json.dumps({"ready": True, "unsafe": _State.unsafe}) + "\n")
    sys.stdout.flush()
    while True:
        for key, _ in _State.selector.select(timeout=60):
            if key.data == "control":
                conn, _ = _State.control.accept()
                with conn:
                    conn.settimeout(120)
                    try:
                        answer = _prepare(json.loads(_read_line(conn)))
                    except (OSError, ValueError, KeyError, TypeError) as exc:
                        answer = {"ok": False, "error": repr(exc)}
                    _send(conn, answer)
            else:
                listener = key.fileobj
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    continue
                _, request, _ = _State.waiting[listener]
                _forget(listener)  # one connection per sandbox
                if os.fork() == 0:
                    _child(conn, request)
                conn.close()
        for listener, (_, _, created) in list(_State.waiting.items()):
            if time.monotonic() - created > 600:  # a sandbox that never started
                _forget(listener)


def request(control_path: str, payload: dict, timeout: float = 120) -> dict:
    """Send one request to a running preloader; return its answer ({} if it does not answer).

    Parameters
    ----------
    control_path : str
        The preloader's control socket.
    payload : dict
        ``{"socket": str, "uid": int, "cgroups": [str], "modules": [str]}``.
    timeout : float, default=120
        Seconds (the first request may import modules).

    Returns
    -------
    dict
        ``{"ok": True, "unsafe": str}`` once the socket listens.
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(control_path)
            conn.sendall(json.dumps(payload).encode() + b"\n")
            data = _read_line(conn)
        return json.loads(data) if data else {}
    except (OSError, ValueError):
        return {}


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], sys.argv[2:]))
