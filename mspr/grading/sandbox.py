"""Operating-system isolation of a candidate's code (bubblewrap, rlimits).

Everything a submission runs -- its Jupyter kernel, whatever the kernel
starts, and later its model when the grader scores it -- runs inside a
bubblewrap (``bwrap``) sandbox:

* its own **user**: when the grader runs as root, bwrap sets up the
  namespaces, then ``setpriv`` drops to an unprivileged uid reserved for the
  grading slot (``SANDBOX_UID_BASE + slot``, one per concurrent grading, held
  with a lock file), with no capability and ``no_new_privs``;
* its own **network** namespace: only its own loopback, so a fixed port
  (e.g. 5000) works even when the grading host uses it, and nothing outside
  is reachable;
* its own **pid** namespace (it sees and signals only its own processes, and
  all of them die with the sandbox, however they detached);
* its own **filesystem view**: the read-only environment (``/usr``, the
  Python installation, the virtual environment, the ``mspr`` package),
  the submission's working copy (read-write), a private ``HOME`` and a
  size-limited ``/tmp``. The workspace, the ground truth, the gradebook and
  other teams' folders are not in it;
* **resource limits** (``prlimit``): CPU time, address space, number of
  processes of the slot's uid, file size, open files;
* a **control group** per grading slot (cgroup v2, or the v1 ``memory`` and
  ``pids`` hierarchies), when the grader is root: the memory of the whole
  sandbox (all its processes together) and its number of processes are
  capped, and the kernel's own counters tell the grade log why a process was
  killed (memory or process cap reached);
* a **seccomp filter** (:func:`seccomp_filter`, given to bwrap with
  ``--seccomp``): the kernel's key-management calls (``add_key``,
  ``request_key``, ``keyctl``) fail with ``EPERM``. The kernel keeps one
  user keyring per uid, and a slot's uid is reused by every submission it
  grades: without the filter a notebook could leave its answers there for the
  next submission graded in the same slot.

Why bubblewrap rather than ``unshare`` with mounts: one audited binary from
Debian's packages builds the whole view from an empty root (an allow-list
rather than a deny-list of paths to hide), handles ``/proc``, ``/dev`` and
the pid namespace's init, and kills the sandbox with its parent
(``--die-with-parent``).

Where a protection cannot be enforced on the machine (no bwrap, not root,
no ``prlimit``, no writable cgroup hierarchy), :func:`probe` says so in French; the notes are recorded in
every grade file and shown in the report.
"""

from __future__ import annotations

import fcntl
import functools
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: First host uid of the sandboxes; slot ``n`` runs as ``SANDBOX_UID_BASE + n``.
SANDBOX_UID_BASE = 61000

#: Number of grading slots (hence of concurrent sandboxes) on one machine.
SLOTS = 64

#: Folder of the slot lock files.
SLOT_DIR = Path("/tmp/mspr-slots")

#: Environment variable that turns the sandbox off (``MSPR_SANDBOX=off``: benchmarks, debugging).
DISABLE_VAR = "MSPR_SANDBOX"

#: User name of the candidate inside the sandbox.
SANDBOX_USER = "candidat"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's sandbox.

    Attributes
    ----------
    cpu_s : int, default=900
        CPU time of any one process, seconds (``RLIMIT_CPU``; the kernel is
        killed past it).
    wall_s : int, default=1800
        Wall time of the whole execution of one notebook, seconds.
    cell_s : int, default=600
        Wall time of one cell, seconds (nbgrader's ``Execute.timeout``).
    memory_bytes : int, default=6 GiB
        Address space of any one process, bytes (``RLIMIT_AS``).
    sandbox_memory_bytes : int, default=6 GiB
        Memory of the whole sandbox, all its processes together, bytes
        (control group ``memory.max`` / ``memory.limit_in_bytes``, swap
        included where the kernel accounts it).
    nproc : int, default=512
        Processes and threads of the sandbox's uid (``RLIMIT_NPROC``).
    fsize_bytes : int, default=100 MB
        Largest file the sandbox may write, bytes (``RLIMIT_FSIZE``).
    nofile : int, default=1024
        Open files per process (``RLIMIT_NOFILE``).
    output_bytes : int, default=200 kB
        Output kept per cell in the executed notebook, bytes (the rest is
        replaced by a French note).
    tmp_bytes : int, default=256 MB
        Size of the sandbox's private ``/tmp``, bytes.
    model_s : int, default=300
        Wall time to load and score a candidate's model, seconds.
    """

    cpu_s: int = 900
    wall_s: int = 1800
    cell_s: int = 600
    memory_bytes: int = 6 * 1024**3
    sandbox_memory_bytes: int = 6 * 1024**3
    nproc: int = 512
    fsize_bytes: int = 100_000_000
    nofile: int = 1024
    output_bytes: int = 200_000
    tmp_bytes: int = 256_000_000
    model_s: int = 300

    def to_json(self) -> dict:
        """Return the limits as a JSON object.

        Returns
        -------
        dict of str to int
            Field name → value (seconds, bytes or counts, as documented above).
        """
        return asdict(self)


@dataclass(frozen=True)
class Isolation:
    """What this machine can enforce around a submission.

    Attributes
    ----------
    bwrap : str or None
        Path of the ``bwrap`` executable, None when missing or unusable.
    separate_uid : bool
        Whether the sandbox runs under its own unprivileged host uid (the
        grader is root).
    rlimits : bool
        Whether ``prlimit`` is available to set the resource limits.
    cgroups : CgroupRoots or None
        The control-group folders where each slot gets its own group, None
        when the machine offers none the grader can write.
    notes : tuple of str
        French sentences, one per protection that cannot be enforced here.
    disabled : bool, default=False
        Whether the isolation was turned off on purpose (``MSPR_SANDBOX=off``).
    seccomp : bool, default=False
        Whether bwrap applies :func:`seccomp_filter` (the kernel's keyrings
        out of the sandbox's reach) on this machine.
    """

    bwrap: str | None
    separate_uid: bool
    rlimits: bool
    notes: tuple[str, ...] = field(default_factory=tuple)
    cgroups: "CgroupRoots | None" = None
    disabled: bool = False
    seccomp: bool = False


@dataclass(frozen=True)
class CgroupRoots:
    """Where the grading slots' control groups are created.

    Attributes
    ----------
    version : int
        1 (separate ``memory`` and ``pids`` hierarchies) or 2 (unified).
    memory : pathlib.Path
        Parent folder of the slots' memory groups (the grader's own group).
    pids : pathlib.Path
        Parent folder of the slots' process-count groups (same as ``memory``
        with cgroup v2).
    """

    version: int
    memory: Path
    pids: Path


def _own_cgroup(controller: str) -> str | None:
    """Path of this process's group in the hierarchy of ``controller`` ("" for v2), from /proc/self/cgroup."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers.split(",") == [controller] or (controller == "" and controllers == ""):
            return path
    return None


def _writable_group(parent: Path) -> bool:
    """Whether a child group can be created (and removed) under ``parent``."""
    test = parent / f"mspr-sonde-{os.getpid()}"
    try:
        test.mkdir(exist_ok=True)
        test.rmdir()
        return True
    except OSError:
        return False


def find_cgroups() -> CgroupRoots | None:
    """Find the control-group hierarchies where slot groups can be made (root only).

    cgroup v2 is used when the unified hierarchy mounted at ``/sys/fs/cgroup``
    offers the ``memory`` and ``pids`` controllers to the grader's own group;
    otherwise the cgroup v1 ``memory`` and ``pids`` hierarchies.

    Returns
    -------
    CgroupRoots or None
        None when not root, or when no writable hierarchy has both controllers.
    """
    if os.geteuid() != 0:
        return None
    base = Path("/sys/fs/cgroup")
    own = _own_cgroup("")
    if own is not None and (base / "cgroup.controllers").is_file():
        group = base / own.lstrip("/")
        try:
            available = (group / "cgroup.controllers").read_text().split()
        except OSError:
            available = []
        # a v2 group with processes cannot hand controllers to children: only use it when already delegated
        try:
            delegated = (group / "cgroup.subtree_control").read_text().split()
        except OSError:
            delegated = []
        if {"memory", "pids"} <= set(available) and {"memory", "pids"} <= set(delegated) and _writable_group(group):
            return CgroupRoots(2, group, group)
    parents = {}
    for controller in ("memory", "pids"):
        path = _own_cgroup(controller)
        root = base / controller
        if path is None or not root.is_dir():
            return None
        group = root / path.lstrip("/")
        if not _writable_group(group):
            return None
        parents[controller] = group
    return CgroupRoots(1, parents["memory"], parents["pids"])


def _bwrap_works(bwrap: str, *, as_root: bool) -> bool:
    cmd = [bwrap, *_namespace_args(as_root), "--ro-bind", "/usr", "/usr", *_root_links(), "--proc", "/proc",
           "--dev", "/dev", "--", "/usr/bin/true"]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


# -- the seccomp filter ----------------------------------------------------------------

#: Key-management system calls (``add_key``, ``request_key``, ``keyctl``) by audit architecture
#: (``AUDIT_ARCH_*``): x86_64 (x32 too, whose numbers carry bit 30), i386 (which a 64-bit process reaches through
#: ``int 0x80``), aarch64 and 32-bit arm.
KEYRING_SYSCALLS = {
    0xC000003E: (248, 249, 250),
    0x40000003: (286, 287, 288),
    0xC00000B7: (217, 218, 219),
    0x40000028: (309, 310, 311),
}

#: Machines (``platform.machine()``) whose native system calls :data:`KEYRING_SYSCALLS` covers.
FILTERED_MACHINES = ("x86_64", "aarch64", "arm64", "i386", "i686", "armv7l", "armv8l")

_X32_BIT = 0x40000000
_BPF_LD_W_ABS, _BPF_JEQ_K, _BPF_AND_K, _BPF_RET_K = 0x20, 0x15, 0x54, 0x06
_SECCOMP_RET_ALLOW, _SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
#: File descriptor on which bwrap reads the filter (opened by the ``sh`` that starts it, see :func:`command`).
SECCOMP_FD = 9


def seccomp_filter() -> bytes:
    """Return the sandbox's seccomp program: the kernel's key-management calls fail with ``EPERM``.

    A classic BPF program, as the raw ``struct sock_filter`` array that
    ``bwrap --seccomp FD`` reads (and ``prctl(PR_SET_SECCOMP)`` takes): for
    each architecture of :data:`KEYRING_SYSCALLS`, ``add_key``,
    ``request_key`` and ``keyctl`` return ``EPERM``; every other call, and
    every call of another architecture, is allowed.

    Returns
    -------
    bytes
        8 bytes per instruction (``u16 code, u8 jt, u8 jf, u32 k``, native
        byte order).
    """
    import errno
    import struct

    # (code, jump-if-true label, jump-if-false label, k); labels are resolved to relative offsets below
    program: list[tuple[int, str | None, str | None, int]] = [(_BPF_LD_W_ABS, None, None, 4)]  # seccomp_data.arch
    arches = list(KEYRING_SYSCALLS)
    for index, arch in enumerate(arches):
        program.append((_BPF_JEQ_K, f"arch{index}", None, arch))
    program.append((_BPF_RET_K, None, None, _SECCOMP_RET_ALLOW))
    labels = {}
    for index, arch in enumerate(arches):
        labels[f"arch{index}"] = len(program)
        program.append((_BPF_LD_W_ABS, None, None, 0))  # seccomp_data.nr
        if arch == 0xC000003E:
            program.append((_BPF_AND_K, None, None, 0xFFFFFFFF & ~_X32_BIT))
        for number in KEYRING_SYSCALLS[arch]:
            program.append((_BPF_JEQ_K, "deny", None, number))
        program.append((_BPF_RET_K, None, None, _SECCOMP_RET_ALLOW))
    labels["deny"] = len(program)
    program.append((_BPF_RET_K, None, None, _SECCOMP_RET_ERRNO | errno.EPERM))
    out = b""
    for position, (code, true, false, k) in enumerate(program):
        jt = labels[true] - position - 1 if true else 0
        jf = labels[false] - position - 1 if false else 0
        out += struct.pack("=HBBI", code, jt, jf, k)
    return out


def _seccomp_file(folder: Path) -> Path:
    """Write :func:`seccomp_filter` to ``folder/seccomp.bpf`` (readable by root only) and return its path."""
    path = folder / "seccomp.bpf"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(seccomp_filter())
    return path


def _started_by_sh(args: list[str], *, seccomp: Path | None, cgroups: list[Path] = ()) -> list[str]:
    """``args`` (a bwrap command) started by an ``sh`` that first joins ``cgroups`` and opens the filter.

    The shell writes its pid to each ``cgroup.procs`` file (bwrap and everything inside inherit the groups),
    then becomes bwrap with ``seccomp`` open on :data:`SECCOMP_FD` for ``--seccomp``: a file descriptor
    passed by the caller would be closed on the way by launchers that close them (Jupyter's). ``args``
    unchanged when there is nothing to do.
    """
    script = 'exec "$@"'
    if seccomp is not None:
        script += f" {SECCOMP_FD}< {shlex.quote(str(seccomp))}"
        args = [args[0], "--seccomp", str(SECCOMP_FD), *args[1:]]
    if cgroups:
        script = " && ".join([*(f"echo $$ > {shlex.quote(str(path))}" for path in cgroups), script])
    if seccomp is None and not cgroups:
        return list(args)
    return ["/bin/sh", "-c", script, "sh", *args]


def _seccomp_works(bwrap: str, *, as_root: bool) -> bool:
    """Whether bwrap applies the filter here (and the sandboxed command still runs)."""
    cmd = [bwrap, *_namespace_args(as_root), "--ro-bind", "/usr", "/usr", *_root_links(), "--proc", "/proc",
           "--dev", "/dev", "--", "/usr/bin/true"]
    try:
        with tempfile.TemporaryDirectory(prefix="mspr-seccomp-") as tmp:
            return subprocess.run(_started_by_sh(cmd, seccomp=_seccomp_file(Path(tmp))), capture_output=True,
                                  timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=1)
def probe() -> Isolation:
    """Find out which protections this machine can enforce (cached).

    ``MSPR_SANDBOX=off`` in the environment turns every protection off (for
    the benchmark of the isolation's cost); the grades then say so.

    Returns
    -------
    Isolation
        The tools found and the French notes on what is missing.
    """
    notes = []
    as_root = os.geteuid() == 0
    if os.environ.get(DISABLE_VAR, "").lower() in ("off", "0", "non"):  # benchmarks and debugging only
        return Isolation(None, False, False, (f"isolation désactivée par la variable {DISABLE_VAR} : le notebook "
                                              "s'exécute sans bac à sable ni limites",), disabled=True)
    bwrap = shutil.which("bwrap")
    if bwrap and not _bwrap_works(bwrap, as_root=as_root):
        notes.append("bubblewrap est installé mais ne peut pas créer d'espaces de noms sur cette machine")
        bwrap = None
    if bwrap is None:
        if not notes:
            notes.append("bubblewrap (paquet Debian « bubblewrap ») absent")
        notes.append("isolation du système non appliquée : le notebook s'exécute sans espace de fichiers, "
                     "de réseau ni de processus privé, et peut lire ce que lit le correcteur")
    separate_uid = bool(bwrap) and as_root and shutil.which("setpriv") is not None
    if bwrap and not separate_uid:
        notes.append("correcteur non root : le notebook s'exécute sous l'utilisateur du correcteur (dans un "
                     "espace de noms), la limite de processus est partagée avec lui")
    rlimits = shutil.which("prlimit") is not None
    if not rlimits:
        notes.append("prlimit absent : limites de temps CPU, de mémoire, de processus et de taille de "
                     "fichier non appliquées")
    cgroups = find_cgroups() if separate_uid else None
    if bwrap and cgroups is None:
        notes.append("groupes de contrôle (cgroups) non modifiables ici : la mémoire est limitée par processus "
                     "seulement, pas pour l'ensemble du bac à sable")
    seccomp = bool(bwrap) and _seccomp_works(bwrap, as_root=as_root)
    if bwrap and not seccomp:
        notes.append("filtre seccomp refusé par bubblewrap sur cette machine : les trousseaux de clés du noyau "
                     "(add_key, keyctl) restent accessibles au notebook, et partagés entre les rendus corrigés "
                     "sous le même utilisateur")
    elif seccomp and platform.machine() not in FILTERED_MACHINES:
        notes.append(f"architecture {platform.machine()} non couverte par le filtre seccomp : les trousseaux de "
                     "clés du noyau (add_key, keyctl) restent accessibles au notebook")
    return Isolation(bwrap, separate_uid, rlimits, tuple(notes), cgroups, seccomp=seccomp)


class Slot:
    """A grading slot: an unprivileged uid held by one process at a time.

    The slot is claimed with an exclusive lock on ``SLOT_DIR/<n>.lock``,
    kept as long as the process lives (or until :meth:`release`), so that two
    concurrent gradings never share a uid (whose process limit, files and
    signals they would share).

    Parameters
    ----------
    index : int
        Slot number, in ``[0, SLOTS)``.
    handle : file object
        The open lock file, locked by the caller (kept open: closing it
        releases the slot).

    Attributes
    ----------
    index : int
        Slot number.
    uid : int
        Host uid (and gid) of the sandboxes of this slot.
    """

    _mine: "Slot | None" = None

    def __init__(self, index: int, handle):
        self.index = index
        self.uid = SANDBOX_UID_BASE + index
        self._handle = handle
        self._pid = os.getpid()
        self._baseline: dict[str, int] = {}

    def _groups(self) -> dict[str, Path]:
        """The slot's group folders by controller ("memory", "pids"), when the machine has cgroups."""
        roots = probe().cgroups
        if roots is None:
            return {}
        name = f"mspr-slot-{self.index}"
        return {"memory": roots.memory / name, "pids": roots.pids / name}

    def prepare_groups(self, limits: "Limits") -> list[Path]:
        """Create or reset the slot's control groups with ``limits``; return the files to join them.

        The memory cap is ``limits.sandbox_memory_bytes`` (swap included
        where accounted), the process cap ``limits.nproc``. The kernel's event
        counters are read now, so that :meth:`cgroup_events` reports only what
        happened after.

        Parameters
        ----------
        limits : Limits

        Returns
        -------
        list of pathlib.Path
            The ``cgroup.procs`` files a process writes its pid to, to enter
            the groups (empty without cgroups).
        """
        groups = self._groups()
        if not groups:
            return []
        memory, pids = groups["memory"], groups["pids"]
        cap = str(limits.sandbox_memory_bytes)
        try:
            for group in set(groups.values()):
                group.mkdir(exist_ok=True)
            if probe().cgroups.version == 2:
                _write_knob(memory / "memory.max", cap)
                _write_knob(memory / "memory.swap.max", "0")
                _write_knob(pids / "pids.max", str(limits.nproc))
            else:
                # memsw (memory + swap) must stay >= the memory limit while both change
                _write_knob(memory / "memory.memsw.limit_in_bytes", "-1")
                _write_knob(memory / "memory.limit_in_bytes", cap)
                _write_knob(memory / "memory.memsw.limit_in_bytes", cap)
                _write_knob(pids / "pids.max", str(limits.nproc))
        except OSError:  # a hierarchy that accepts groups but not these settings: rlimits only
            self._baseline = {}
            return []
        self._baseline = self._counters()
        return sorted({group / "cgroup.procs" for group in groups.values()})

    def procs_files(self) -> list[Path]:
        """The ``cgroup.procs`` files of the slot's groups (empty without cgroups).

        Returns
        -------
        list of pathlib.Path
            Those :meth:`prepare_groups` returns, without preparing anything.
        """
        return sorted({group / "cgroup.procs" for group in self._groups().values()})

    def _counters(self) -> dict[str, int]:
        groups = self._groups()
        if not groups:
            return {}
        memory_events = "memory.events" if probe().cgroups.version == 2 else "memory.oom_control"
        counts = {}
        for key, path, field_name in (("oom_kill", groups["memory"] / memory_events, "oom_kill"),
                                      ("pids_max", groups["pids"] / "pids.events", "max")):
            try:
                for line in path.read_text().splitlines():
                    name, _, value = line.partition(" ")
                    if name == field_name:
                        counts[key] = int(value)
            except (OSError, ValueError):
                pass
        return counts

    def cgroup_events(self) -> dict[str, int]:
        """Count the caps hit in the slot's groups since :meth:`prepare_groups`.

        Returns
        -------
        dict of str to int
            ``oom_kill``: processes killed because the sandbox's memory cap was
            reached; ``pids_max``: process creations refused at the process
            cap. Empty without cgroups.
        """
        now = self._counters()
        return {key: now[key] - self._baseline.get(key, 0) for key in now if now[key] > self._baseline.get(key, 0)}

    @classmethod
    def claim(cls) -> "Slot":
        """Return this process's slot, claiming a free one on first call.

        Returns
        -------
        Slot

        Raises
        ------
        RuntimeError
            If all :data:`SLOTS` slots are taken.
        """
        if cls._mine is not None and cls._mine._pid == os.getpid():
            return cls._mine
        SLOT_DIR.mkdir(mode=0o755, exist_ok=True)
        for index in range(SLOTS):
            handle = open(SLOT_DIR / f"{index}.lock", "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            slot = cls(index, handle)
            cls._mine = slot
            return slot
        raise RuntimeError(f"all {SLOTS} grading slots are taken")


def _write_knob(path: Path, value: str) -> None:
    """Write one control-group setting; settings this kernel lacks (e.g. no swap accounting) are skipped."""
    if path.exists():
        path.write_text(value)


def cgroup_events() -> dict[str, int]:
    """Caps hit by this process's sandboxes since their groups were last prepared.

    Returns
    -------
    dict of str to int
        See :meth:`Slot.cgroup_events`; empty when this process has no slot
        or the machine no cgroups.
    """
    slot = Slot._mine
    return slot.cgroup_events() if slot is not None and slot._pid == os.getpid() else {}


def _namespace_args(as_root: bool) -> list[str]:
    args = ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "bac-a-sable", "--die-with-parent"]
    if not as_root:
        args += ["--unshare-user", "--uid", "1000", "--gid", "1000"]
    return args


def _root_links() -> list[str]:
    """Recreate the host's ``/bin``, ``/lib``… (symbolic links to ``/usr`` on merged-/usr systems)."""
    args = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def environment_paths() -> list[Path]:
    """Return the read-only environment bound into every sandbox.

    Returns
    -------
    list of pathlib.Path
        The Python installation (``sys.base_prefix``), the virtual
        environment (``sys.prefix``) and the ``mspr`` package folder, when
        they lie outside ``/usr``; resolved, without duplicates.
    """
    import mspr

    paths = []
    for path in (Path(sys.base_prefix), Path(sys.prefix), Path(mspr.__file__).parent):
        path = path.resolve()
        if not path.is_relative_to("/usr") and path not in paths:
            paths.append(path)
    return paths


def _etc_files(folder: Path, uid: int) -> dict[str, Path]:
    """Write a minimal ``/etc`` (user, group, hosts) for the sandbox."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "passwd": f"root:x:0:0::/nonexistent:/usr/sbin/nologin\n"
                  f"{SANDBOX_USER}:x:{uid}:{uid}::/home/{SANDBOX_USER}:/bin/sh\n",
        "group": f"root:x:0:\n{SANDBOX_USER}:x:{uid}:\n",
        "hosts": "127.0.0.1 localhost bac-a-sable\n::1 localhost\n",
        "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
    }
    out = {}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        out[name] = folder / name
    return out


def chown_tree(path: Path, uid: int) -> None:
    """Give a folder and everything in it to ``uid`` (symbolic links themselves, not their targets).

    Parameters
    ----------
    path : pathlib.Path
        The folder.
    uid : int
        New owner and group.
    """
    from mspr._trees import walk

    os.chown(path, uid, uid, follow_symlinks=False)
    for _, entry, _ in walk(path):  # iterative: a tree a thousand folders deep breaks os.walk (RecursionError)
        os.chown(entry.path, uid, uid, follow_symlinks=False)


def limit_args(limits: Limits) -> list[str]:
    """Return the ``prlimit`` command prefix for ``limits``.

    Parameters
    ----------
    limits : Limits

    Returns
    -------
    list of str
        ``prlimit --cpu=… --as=… --nproc=… --fsize=… --nofile=… --core=0 --``;
        the CPU hard limit is 5 s above the soft one (SIGXCPU first, then
        SIGKILL).
    """
    return ["prlimit", f"--cpu={limits.cpu_s}:{limits.cpu_s + 5}", f"--as={limits.memory_bytes}",
            f"--nproc={limits.nproc}", f"--fsize={limits.fsize_bytes}", f"--nofile={limits.nofile}",
            "--core=0", "--"]


def command(cmd: list[str], *, scratch: Path, writable: list[Path], readable: list[Path] = (),
            chdir: Path, limits: Limits, binds: dict[Path, Path] | None = None,
            home: Path | None = None) -> list[str]:
    """Wrap ``cmd`` so that it runs in a sandbox.

    Parameters
    ----------
    cmd : list of str
        The command to run inside (absolute executable path).
    scratch : pathlib.Path
        A grader-owned folder outside the workspace where the sandbox's
        ``/etc`` files are written.
    writable : list of pathlib.Path
        Folders bound read-write at the same path (given to the slot's uid).
    readable : list of pathlib.Path, optional
        Extra files or folders bound read-only at the same path.
    chdir : pathlib.Path
        Working directory inside.
    limits : Limits
        Resource limits.
    binds : dict of pathlib.Path to pathlib.Path, optional
        Read-write binds ``destination → source`` (e.g. a throw-away copy of
        a folder shown at the original's path).
    home : pathlib.Path, optional
        ``HOME`` folder (must be among ``writable``).

    Returns
    -------
    list of str
        The full command line: ``sh -c <enter the slot's control groups,
        open the seccomp filter> bwrap --seccomp 9 … -- setpriv … prlimit …
        -- cmd`` with what :func:`probe` found usable (``cmd`` alone, with
        limits when possible, when bwrap is unusable; no ``sh`` prefix
        without cgroups nor filter).
    """
    iso = probe()
    prefix = limit_args(limits) if iso.rlimits else []
    if iso.bwrap is None:
        return prefix + list(cmd)
    slot = Slot.claim() if iso.separate_uid else None
    uid = slot.uid if slot else os.getuid()
    args = [iso.bwrap, *_namespace_args(iso.separate_uid), "--ro-bind", "/usr", "/usr", *_root_links(),
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
            # POSIX semaphores (joblib, multiprocessing): bwrap's /dev/shm is root's, 0755
            "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/dev/shm"]
    # Folders leading to the binds: traversable by the slot's uid (bwrap makes them 0700 otherwise).
    leading = sorted({str(parent) for path in [*environment_paths(), *readable, *writable, *(binds or {})]
                      for parent in Path(path).parents if str(parent) != "/"})
    for folder in leading:
        args += ["--perms", "0755", "--dir", folder]
    for path in environment_paths():
        args += ["--ro-bind", str(path), str(path)]
    for name, path in _etc_files(scratch / "etc", uid).items():
        args += ["--ro-bind", str(path), f"/etc/{name}"]
    for name in ("alternatives", "ssl", "localtime", "mime.types", "fonts"):
        if (Path("/etc") / name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for path in readable:
        args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        if slot:
            chown_tree(path, uid)
        args += ["--bind", str(path), str(path)]
    for dest, src in (binds or {}).items():
        if slot:
            chown_tree(src, uid)
        args += ["--bind", str(src), str(dest)]
    args += ["--chdir", str(chdir)]
    if home is not None:
        args += ["--setenv", "HOME", str(home)]
    # JPY_PARENT_PID names a pid of the host: inside the pid namespace, ipykernel would
    # take it for a dead parent and exit.
    args += ["--setenv", "USER", SANDBOX_USER, "--setenv", "LOGNAME", SANDBOX_USER, "--unsetenv", "JPY_PARENT_PID",
             "--"]
    if slot:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs"]
    # bwrap installs the filter just before it runs the command: setpriv, prlimit and cmd are all filtered
    args = _started_by_sh(args, seccomp=_seccomp_file(scratch) if iso.seccomp else None,
                          cgroups=slot.prepare_groups(limits) if slot else [])
    return args + prefix + list(cmd)


def describe(limits: Limits) -> str:
    """Return one French line listing the protections applied with ``limits``.

    Parameters
    ----------
    limits : Limits

    Returns
    -------
    str
        E.g. « bac à sable bubblewrap : utilisateur distinct, réseau privé… ».
    """
    iso = probe()
    if iso.bwrap is None:
        parts = ["aucune isolation du système"]
    else:
        parts = ["bac à sable bubblewrap", "utilisateur distinct" if iso.separate_uid else "utilisateur du correcteur",
                 "réseau privé (boucle locale seule)", "processus et fichiers privés"]
        if iso.seccomp:
            parts.append("trousseaux de clés du noyau inaccessibles (filtre seccomp)")
    if iso.rlimits:
        parts.append(f"limites : CPU {limits.cpu_s} s, mémoire {limits.memory_bytes // 2**20} Mio, "
                     f"{limits.nproc} processus, fichiers {limits.fsize_bytes // 10**6} Mo, "
                     f"durée {limits.wall_s} s (cellule {limits.cell_s} s)")
    if iso.cgroups is not None:
        parts.append(f"groupe de contrôle : mémoire du bac à sable {limits.sandbox_memory_bytes // 2**20} Mio "
                     f"au total, {limits.nproc} processus")
    return ", ".join(parts)


def run_model_worker(tmp: Path, *, workdir: Path, readable: list[Path] = (), env: dict[str, str],
                     timeout: float, limits: Limits | None = None,
                     module: str = "mspr.grading._model_worker") -> subprocess.CompletedProcess:
    """Run :mod:`mspr.grading._model_worker` on ``tmp/spec.json`` in a sandbox.

    The candidate's model is code: it is loaded where it can see only the
    features copied into ``tmp``, a throw-away copy of its team's folder
    (shown at the folder's own path, so that the absolute paths of its
    MLflow store still work), and ``readable``; never the labels, the
    workspace or the grader's files. Whatever it writes is thrown away.

    Parameters
    ----------
    tmp : pathlib.Path
        Grader-made folder with ``spec.json``, the features and ``home/``;
        the worker writes its predictions there.
    workdir : pathlib.Path
        The folder the team's notebook executed in.
    readable : list of pathlib.Path, optional
        Extra paths bound read-only (e.g. the case's reference model).
    env : dict of str to str
        Environment of the worker.
    timeout : float
        Seconds before the worker is killed.
    limits : Limits, optional
        Default ``Limits()``.
    module : str, default="mspr.grading._model_worker"
        The worker module run with ``python -m`` (e.g.
        ``mspr.grading._loadtest_worker``, the A3 re-measurement).

    Returns
    -------
    subprocess.CompletedProcess
        With ``stdout`` and ``stderr`` as text.

    Raises
    ------
    subprocess.TimeoutExpired
        If the worker ran longer than ``timeout`` (it is killed, with its sandbox).
    """
    from mspr._trees import copy_tree, walk

    limits = limits or Limits()
    copy = tmp / "equipe"
    # iterative and bounded (links as links, no special file): the folder is the team's, whatever its shape
    copy_tree(workdir, copy)
    os.chmod(copy, 0o755)
    for _, entry, _ in walk(copy):  # nbgrader leaves the executed folder read-only
        if entry.is_dir(follow_symlinks=False):
            os.chmod(entry.path, 0o755)
        elif not entry.is_symlink():
            os.chmod(entry.path, 0o644)
    etc = Path(tempfile.mkdtemp(prefix="etc-", dir=tmp.parent if tmp.parent.is_dir() else None))
    try:
        cmd = command([sys.executable, "-m", module, str(tmp / "spec.json")], scratch=etc,
                      writable=[tmp], readable=list(readable), binds={Path(workdir): copy}, chdir=tmp,
                      limits=limits, home=tmp / "home")
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        shutil.rmtree(etc, ignore_errors=True)
