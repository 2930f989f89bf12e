"""nbgrader plumbing that runs a candidate's kernel in the sandbox (used by the execution worker).

* :class:`SandboxKernelManager`: a Jupyter kernel manager whose kernel is
  started through :func:`mspr.grading.sandbox.command`. The kernel talks to
  nbgrader over Unix sockets (ZeroMQ ``ipc`` transport) in a folder bound
  into the sandbox, since the sandbox has its own network namespace.
* :class:`SandboxKernelClient`: its client, ready as soon as the kernel
  answers (jupyter_client waits for 0.2 s of silence on IOPub first).
* :class:`SafeExecute`: nbgrader's ``Execute`` that survives a kernel death
  (``os._exit``, a resource limit, a crash): the cells already executed keep
  their outputs, each cell not executed gets an error output with the French
  reason (so its tests score 0), and the notebook is saved as usual.
* :class:`CapOutput`: keeps at most ``Limits.output_bytes`` of output per cell.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import DottedObjectName, Integer, Type

from mspr._proc import cmdline_of, descendants, namespace_members, parent_of, pid_namespace
from mspr.grading import sandbox

#: What happened during the execution (kernel deaths, leftovers, cut outputs), as dicts; read by the worker.
INCIDENTS: list[dict] = []


#: Set by :func:`configure`: run_dir, home, scratch (pathlib.Path) and limits (Limits).
SETTINGS: dict = {}


def configure(*, run_dir: Path, home: Path, scratch: Path, limits: sandbox.Limits,
              preloader: str | None = None) -> None:
    """Set the folders and limits of the one submission this worker executes.

    Parameters
    ----------
    run_dir : pathlib.Path
        Grader-owned folder for the connection file, the sockets and the
        incidents file.
    home : pathlib.Path
        The sandbox's ``HOME``.
    scratch : pathlib.Path
        The execution's scratch folder (the sandbox's ``/etc`` files go there).
    limits : Limits
    preloader : str, optional
        Control socket of the kernel preloader
        (:mod:`mspr.grading._kernel_zygote`); None starts the kernel as a
        fresh interpreter.
    """
    SETTINGS.update(run_dir=Path(run_dir), home=Path(home), scratch=Path(scratch), limits=limits,
                    preloader=preloader)


def record(**incident) -> None:
    """Record one incident (kept in this process, outside the sandbox's reach)."""
    INCIDENTS.append(incident)


class SandboxKernelClient(AsyncKernelClient):
    """jupyter_client's asynchronous client, without the fixed wait once the kernel is ready.

    jupyter_client's ``wait_for_ready`` ends by reading IOPub until it has
    been silent for 0.2 s: 0.2 s of every submission's wall time. nbclient
    reads only the messages that answer its own requests (it compares their
    ``parent_header``), so the status messages of the start may as well be
    left in the queue.
    """

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        """Return once the kernel answered ``kernel_info`` and IOPub is connected.

        Parameters
        ----------
        timeout : float, optional
            Seconds; None waits as long as the kernel lives.

        Raises
        ------
        RuntimeError
            If the kernel died or did not answer in ``timeout`` seconds
            (jupyter_client's own messages).
        """
        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:  # IOPub connected: the kernel's status messages reach us
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    wait_for_ready = _async_wait_for_ready


class SandboxKernelManager(AsyncKernelManager):
    """Kernel manager starting the kernel inside the submission's sandbox.

    Configured by :func:`configure` (one submission per worker process).
    """

    client_class = DottedObjectName("mspr.grading._sandbox_kernel.SandboxKernelClient")
    client_factory = Type(klass=SandboxKernelClient)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # jupyter_client polls the stopping kernel every 0.1 s: 0.1 s of every submission's wall time, where
        # a kernel that stops on request ends in a few ms. Poll finely for 0.25 s, then at its pace.
        for _ in range(50):
            if not await self._async_is_alive():
                return
            await asyncio.sleep(0.005)
        await super()._async_wait(pollinterval)

    async def _async_pre_start_kernel(self, **kw):
        run_dir = SETTINGS["run_dir"]
        run_dir.mkdir(parents=True, exist_ok=True)
        self.transport = "ipc"
        self.ip = str(run_dir / "k")
        self.cache_ports = False
        self.connection_file = str(run_dir / "kernel.json")
        self._workdir = Path(kw.get("cwd") or os.getcwd())
        # Interrupt through the control channel: a signal to the process group
        # would reach bwrap itself, which would end the sandbox.
        self.kernel_spec.interrupt_mode = "message"
        # The kernel's own output file: it must not hold the worker's log, where the grader reads the worker's
        # result line (a kernel could rewrite it).
        kw["stdout"] = kw["stderr"] = open(run_dir / "noyau.log", "ab")  # noqa: SIM115 - kept by the kernel
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        limits, home, run_dir = SETTINGS["limits"], SETTINGS["home"], SETTINGS["run_dir"]
        def wrap(inner):
            return sandbox.command(inner, scratch=SETTINGS["scratch"], writable=[self._workdir, run_dir, home],
                                   chdir=self._workdir, limits=limits, home=home)

        holder = self._holder(cmd)
        wrapped = wrap(holder or cmd)
        joins_groups = wrapped[0] == "/bin/sh" and "cgroup.procs" in wrapped[2]  # (the sh may only open the filter)
        if holder and not self._preload(cmd, joins_groups=joins_groups):
            wrapped = wrap(cmd)
        # jupyter_client starts the kernel in a session of its own: tie it to this
        # worker, so that the sandbox dies with it (Ctrl-C, kill -9 of the run).
        return ["setpriv", "--pdeathsig=KILL", *wrapped]

    def _holder(self, cmd: list[str]) -> list[str] | None:
        """The holder's command line when the kernel preloader may take this kernel, else None."""
        from mspr.grading import _kernel_zygote as zygote

        iso = sandbox.probe()
        if (not SETTINGS.get("preloader") or iso.bwrap is None or not iso.separate_uid or len(cmd) < 3
                or cmd[1:3] != ["-m", "ipykernel_launcher"]
                or os.path.realpath(cmd[0]) != os.path.realpath(sys.executable)):
            return None
        self._holder_socket = str(SETTINGS["run_dir"] / "noyau.sock")
        return [sys.executable, "-I", "-S", "-c", zygote.HOLDER, self._holder_socket, *cmd]

    def _preload(self, cmd: list[str], *, joins_groups: bool) -> bool:
        """Ask the preloader to listen for this kernel's holder; False if it cannot."""
        from mspr.grading import _kernel_zygote as zygote

        slot = sandbox.Slot.claim()
        # the modules to preload come from the released notebooks, when the preloader starts: never from a
        # team's notebook, which would choose what a root process imports for every kernel after it
        answer = zygote.request(SETTINGS["preloader"], {
            "socket": self._holder_socket, "uid": slot.uid,
            "cgroups": [str(p) for p in slot.procs_files()] if joins_groups else []})
        if not answer.get("ok") or answer.get("unsafe"):
            self._holder_socket = None
            return False
        return True

    def _leftovers(self) -> dict[int, str]:
        provisioner = self.provisioner
        if provisioner is None or getattr(provisioner, "process", None) is None:
            return {}
        bwrap = sandbox.probe().bwrap or "\0"
        inside = descendants(provisioner.process.pid)
        # a preloaded kernel is no descendant of bwrap: everything in the sandbox's pid namespace counts
        members = namespace_members(set(inside))
        holder = getattr(self, "_holder_socket", None)
        found = {pid: cmd for pid, cmd in {**inside, **members}.items()
                 if not cmd.startswith((bwrap, "setpriv", "prlimit"))  # the sandbox's own machinery
                 and not (holder and holder in cmd)}
        kernel = [pid for pid, cmd in found.items() if "ipykernel_launcher" in cmd and self.connection_file in cmd][:1]
        # a preloaded kernel: the process of the namespace whose parent is the preloader's child, outside it (a
        # process whose parent just exited is not: its parent is a zombie of the namespace, or gone)
        host = pid_namespace("self")
        for pid in members:
            parent = parent_of(pid)
            if (pid not in inside and parent and pid_namespace(parent) == host
                    and "mspr.grading._kernel_zygote" in cmdline_of(str(parent))):
                kernel.append(pid)
        return {pid: cmd for pid, cmd in found.items() if pid not in kernel}

    async def _async_post_start_kernel(self, **kw) -> None:
        # Kept to read the sandbox's exit status once the kernel died (the provisioner is dropped on shutdown).
        SETTINGS["process"] = self.provisioner.process if self.provisioner else None
        await super()._async_post_start_kernel(**kw)

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        try:
            events = sandbox.cgroup_events()
            if events:
                record(kind="cgroup", **events)
        except Exception as exc:  # noqa: BLE001 - never let the census stop the shutdown
            record(kind="census_error", error=repr(exc))
        try:
            leftovers = self._leftovers()
            if leftovers:
                from mspr.grading.execute import namespace_pid

                inner = {pid: namespace_pid(pid) for pid in leftovers}
                record(kind="leftovers", processes={str(pid): cmd for pid, cmd in leftovers.items()},
                       namespace={str(inner[pid]): cmd for pid, cmd in leftovers.items() if inner[pid] is not None})
        except Exception as exc:  # noqa: BLE001 - never let the census stop the shutdown
            record(kind="census_error", error=repr(exc))
        provisioner = self.provisioner
        process = getattr(provisioner, "process", None) if provisioner else None
        await super()._async_shutdown_kernel(now=now, restart=restart)
        if process is not None and process.poll() is None:
            try:
                process.kill()
                process.wait(timeout=10)
            except Exception:  # noqa: BLE001 - best effort: the sandbox dies with it anyway
                pass

    # jupyter_client binds the public name to its own coroutine at class creation.
    shutdown_kernel = _async_shutdown_kernel


def _death_reason(returncode: int | None, limits: sandbox.Limits) -> str:
    """French reason of a kernel death, from the sandbox's exit status."""
    import signal

    sig = None
    if returncode is not None and returncode < 0:
        sig = -returncode
    elif returncode is not None and returncode > 128:
        sig = returncode - 128
    if sig == signal.SIGXCPU:
        return f"limite de temps CPU atteinte ({limits.cpu_s} s)"
    events = sandbox.cgroup_events()
    if events.get("oom_kill"):
        return (f"mémoire du bac à sable dépassée (limite de {limits.sandbox_memory_bytes // 2**20} Mio pour "
                f"l'ensemble de ses processus) : processus tué par le système")
    if sig == signal.SIGKILL:
        return (f"noyau tué (signal 9, SIGKILL : par lui-même ou à la limite dure de temps CPU, "
                f"{limits.cpu_s + 5} s)")
    if sig == signal.SIGXFSZ:
        return f"limite de taille de fichier atteinte ({limits.fsize_bytes} octets)"
    if sig is not None and sig in {s.value for s in signal.Signals}:
        return f"noyau arrêté par le signal {sig} ({signal.Signals(sig).name})"
    if returncode is not None:
        return f"le noyau s'est arrêté de lui-même (code de sortie {returncode}, p. ex. sys.exit ou os._exit)"
    return "le noyau s'est arrêté"


def prune_too_deep(folder: str | Path) -> None:
    """Remove the folders a notebook nested too deeply in its working folder, and record it.

    nbgrader walks the executed folder recursively once the notebook ran
    (``os.walk`` to set permissions, ``shutil.rmtree`` on failure): a tree
    thousands of levels deep made it raise ``RecursionError``, and remove the
    answers already recorded. Folders nested more than
    :data:`mspr._trees.MAX_DEPTH` levels deep are removed with their content
    (an incident ``deep_tree`` says which); the rest of the folder is left as
    it is.

    Parameters
    ----------
    folder : str or pathlib.Path
        The notebook's working folder, once its kernel and sandbox are gone.
    """
    from mspr._trees import MAX_DEPTH, remove_tree, walk

    deep = [parts for parts, entry, depth in walk(folder, max_depth=MAX_DEPTH)
            if depth > MAX_DEPTH and entry.is_dir(follow_symlinks=False)]
    for parts in deep:
        remove_tree(os.path.join(folder, *parts))
    if deep:
        record(kind="deep_tree", depth=MAX_DEPTH, count=len(deep),
               folders=["/".join(parts)[:60].rstrip("/") + "/…" for parts in deep[:3]])


def drop_notebook_links(folder: str | Path, notebook: str | None = None) -> None:
    """Remove what stands, in place of a notebook nbgrader is about to write, that is not a plain file.

    nbgrader, as root outside the sandbox, writes the executed notebook into
    the folder the notebook could change: a notebook that replaced itself by
    a symbolic link (or a pipe) would have root write the notebook through
    it, anywhere on the host. Links and special files named ``*.ipynb`` at
    the top of ``folder`` are removed, and an incident ``notebook_link``
    says which.

    Parameters
    ----------
    folder : str or pathlib.Path
        The notebook's working folder, once its kernel and sandbox are gone.
    notebook : str, optional
        The name (without ``.ipynb``) of the notebook nbgrader will write.
    """
    import stat

    names = {f"{notebook}.ipynb"} if notebook else set()
    try:
        names |= {name for name in os.listdir(folder) if name.endswith(".ipynb")}
    except OSError:
        return
    dropped = []
    for name in sorted(names):
        path = os.path.join(folder, name)
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            if stat.S_ISDIR(mode):
                from mspr._trees import remove_tree

                remove_tree(path)
            else:
                os.unlink(path)
            dropped.append(name)
    if dropped:
        record(kind="notebook_link", names=dropped)


def set_permissions_without_links(self, assignment_id: str, student_id: str) -> None:
    """nbgrader's ``BaseConverter.set_permissions`` without following symbolic links.

    nbgrader calls ``os.chmod`` on every file of the executed folder, and
    ``os.chmod`` follows links: run as root, a link the notebook left made its
    target (any host file) world-readable. Links are left as they are; the
    ``groupshared`` option, unused by the grader, is not handled.

    Parameters
    ----------
    assignment_id, student_id : str
        As nbgrader passes them.
    """
    dest = os.path.normpath(self._format_dest(assignment_id, student_id))
    permissions = int(str(self.permissions), 8)
    for dirname, _, filenames in os.walk(dest):
        for filename in filenames:
            path = os.path.join(dirname, filename)
            if not os.path.islink(path):
                os.chmod(path, permissions)


class SafeExecute(Execute):
    """nbgrader's ``Execute`` that records a kernel death instead of failing the submission."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxKernelManager
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        try:
            return self._preprocess(nb, resources, km)
        finally:  # the kernel and its sandbox are gone: nothing can change the folder any more
            folder = ((resources or {}).get("metadata") or {}).get("path")
            if folder:
                prune_too_deep(folder)
                drop_notebook_links(folder, (resources or {}).get("unique_key"))

    def _preprocess(self, nb, resources=None, km=None):
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        self._executed = set()
        try:
            return super().preprocess(nb, resources, km)
        except (DeadKernelError, CellTimeoutError, RuntimeError, TimeoutError) as exc:
            limits = SETTINGS["limits"]
            process = SETTINGS.get("process")
            returncode = process.poll() if process is not None else None
            if isinstance(exc, DeadKernelError):
                reason = _death_reason(returncode, limits)
            elif isinstance(exc, CellTimeoutError):
                reason = (f"cellule bloquée au-delà du délai de {limits.cell_s} s malgré l'interruption, "
                          "noyau arrêté")
            else:
                reason = f"exécution interrompue ({type(exc).__name__})"
            record(kind="kernel_death", reason=reason,
                   returncode=returncode)
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type == "code" and index not in self._executed:
                    cell.outputs = [NotebookNode(output_type="error", ename="NoyauArrete", evalue=reason,
                                                 traceback=[f"Cellule non exécutée : {reason}."])]
            return self.nb, self.resources

    def preprocess_cell(self, cell, resources, index):
        out = super().preprocess_cell(cell, resources, index)
        self._executed.add(index)
        return out


class CapOutput(NbGraderPreprocessor):
    """Keep at most ``max_bytes`` of output per code cell; the rest becomes a French note."""

    max_bytes = Integer(200_000).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        kept, total, cut = [], 0, 0
        for output in cell.outputs:
            size = len(json.dumps(output, ensure_ascii=False))
            if total + size <= self.max_bytes:
                kept.append(output)
                total += size
            elif output.get("output_type") == "stream" and total < self.max_bytes:
                room = self.max_bytes - total
                cut += size - room
                output["text"] = output.get("text", "")[:room]
                kept.append(output)
                total = self.max_bytes
            elif output.get("output_type") == "error":
                kept.append(output)  # keep the error (its tests then score 0), truncated
                output["traceback"] = [line[:2000] for line in output.get("traceback", [])[-20:]]
            else:
                cut += size
        if cut:
            kept.append(NotebookNode(output_type="stream", name="stderr",
                                     text=f"[sortie tronquée par le correcteur : {cut} octets au-delà de la "
                                          f"limite de {self.max_bytes} octets par cellule]\n"))
            record(kind="output_cut", cell=index, bytes=cut)
        cell.outputs = kept
        return cell, resources
