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
  processes of the slot's uid, file size, open files.

Why bubblewrap rather than ``unshare`` with mounts: one audited binary from
Debian's packages builds the whole view from an empty root (an allow-list
rather than a deny-list of paths to hide), handles ``/proc``, ``/dev`` and
the pid namespace's init, and kills the sandbox with its parent
(``--die-with-parent``).

Where a protection cannot be enforced on the machine (no bwrap, not root,
no ``prlimit``), :func:`probe` says so in French; the notes are recorded in
every grade file and shown in the report.
"""

from __future__ import annotations

import fcntl
import functools
import os
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
    notes : tuple of str
        French sentences, one per protection that cannot be enforced here.
    """

    bwrap: str | None
    separate_uid: bool
    rlimits: bool
    notes: tuple[str, ...] = field(default_factory=tuple)


def _bwrap_works(bwrap: str, *, as_root: bool) -> bool:
    cmd = [bwrap, *_namespace_args(as_root), "--ro-bind", "/usr", "/usr", *_root_links(), "--proc", "/proc",
           "--dev", "/dev", "--", "/usr/bin/true"]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0
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
                                              "s'exécute sans bac à sable ni limites",))
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
    return Isolation(bwrap, separate_uid, rlimits, tuple(notes))


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
    os.chown(path, uid, uid, follow_symlinks=False)
    for base, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(base, name), uid, uid, follow_symlinks=False)


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
        The full command line: ``bwrap … -- setpriv … prlimit … -- cmd`` with
        what :func:`probe` found usable (``cmd`` alone, with limits when
        possible, when bwrap is unusable).
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
    if iso.rlimits:
        parts.append(f"limites : CPU {limits.cpu_s} s, mémoire {limits.memory_bytes // 2**20} Mio, "
                     f"{limits.nproc} processus, fichiers {limits.fsize_bytes // 10**6} Mo, "
                     f"durée {limits.wall_s} s (cellule {limits.cell_s} s)")
    return ", ".join(parts)


def _not_regular(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if not (os.path.islink(p := os.path.join(folder, n)) or os.path.isfile(p)
                                     or os.path.isdir(p))]


def run_model_worker(tmp: Path, *, workdir: Path, readable: list[Path] = (), env: dict[str, str],
                     timeout: float, limits: Limits | None = None) -> subprocess.CompletedProcess:
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

    Returns
    -------
    subprocess.CompletedProcess
        With ``stdout`` and ``stderr`` as text.

    Raises
    ------
    subprocess.TimeoutExpired
        If the worker ran longer than ``timeout`` (it is killed, with its sandbox).
    """
    limits = limits or Limits()
    copy = tmp / "equipe"
    shutil.copytree(workdir, copy, symlinks=True, ignore=_not_regular)
    for base, dirs, files in os.walk(copy):  # nbgrader leaves the executed folder read-only
        os.chmod(base, 0o755)
        for name in files:
            if not os.path.islink(path := os.path.join(base, name)):
                os.chmod(path, 0o644)
    etc = Path(tempfile.mkdtemp(prefix="etc-", dir=tmp.parent if tmp.parent.is_dir() else None))
    try:
        cmd = command([sys.executable, "-m", "mspr.grading._model_worker", str(tmp / "spec.json")], scratch=etc,
                      writable=[tmp], readable=list(readable), binds={Path(workdir): copy}, chdir=tmp,
                      limits=limits, home=tmp / "home")
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        shutil.rmtree(etc, ignore_errors=True)
