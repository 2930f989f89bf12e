"""Reading Linux ``/proc``: the processes a notebook started (standard library only).

Shared by the execution worker (run in the sandbox) and the grader's
:class:`mspr.grading.execute.SandboxWatch`.
"""

import os
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """Whether a process still runs (a zombie, dead but not yet reaped, does not).

    Parameters
    ----------
    pid : int
        Host pid.

    Returns
    -------
    bool
        False if no such process or a zombie; True if it runs, or exists but
        belongs to another user (signal refused).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return False


def pids() -> list[str]:
    """Return the pids of every running process, as strings."""
    return [pid for pid in os.listdir("/proc") if pid.isdigit()]


def cwd_of(pid: str) -> str:
    """Return the working directory of a process, or "" if unreadable."""
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


def stdout_of(pid: str) -> str:
    """Return the file a process's standard output goes to, or "" if unreadable.

    Parameters
    ----------
    pid : str
        Host pid.

    Returns
    -------
    str
        Target of ``/proc/<pid>/fd/1``, as the process sees it (e.g. a path,
        ``pipe:[1234]``, ``/dev/null``).
    """
    try:
        return os.readlink(f"/proc/{pid}/fd/1")
    except OSError:
        return ""


def _stat_fields(pid: str) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def cmdline_of(pid: str) -> str:
    """Return the command line of a process, arguments joined by spaces, or ""."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def descendants(root: int) -> dict[int, str]:
    """Return the live (non-zombie) descendants of a process.

    Parameters
    ----------
    root : int
        The ancestor's pid.

    Returns
    -------
    dict of int to str
        Command line of each descendant, by pid.
    """
    children: dict[str, list[str]] = {}
    state = {}
    for pid in pids():
        fields = _stat_fields(pid)
        if fields:
            state[pid] = fields[0]
            children.setdefault(fields[1], []).append(pid)
    found, todo = {}, [str(root)]
    while todo:
        for child in children.get(todo.pop(), []):
            if state[child] != "Z":
                found[int(child)] = cmdline_of(child)
            todo.append(child)
    return found


def start_time(pid: str | int) -> str:
    """Return when a process started (clock ticks after boot, ``/proc/<pid>/stat`` field 22), or "".

    With the pid, it names one process: a pid alone may since have been
    reused by another.

    Parameters
    ----------
    pid : str or int
        Host pid.

    Returns
    -------
    str
    """
    fields = _stat_fields(str(pid))
    return fields[19] if len(fields) > 19 else ""


def pid_namespace(pid: str | int) -> str:
    """Return the pid namespace a process runs in (``pid:[<inode>]``), or "" if unreadable.

    Parameters
    ----------
    pid : str or int
        Host pid.

    Returns
    -------
    str
        Target of ``/proc/<pid>/ns/pid``.
    """
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return ""


def parent_of(pid: str | int) -> int | None:
    """Return the host pid of a process's parent, or None if unreadable."""
    fields = _stat_fields(str(pid))
    return int(fields[1]) if len(fields) > 1 else None


def namespace_members(known: set[int] | list[int]) -> dict[int, str]:
    """Return every live process sharing a pid namespace with one of ``known``, other than this process's own.

    A sandbox has a pid namespace of its own: a process inside it belongs to
    the sandbox whoever started it (a kernel forked by the kernel preloader,
    :mod:`mspr.grading._kernel_zygote`, is no descendant of the sandbox's
    ``bwrap``) and whatever it did since (``setsid``, ``chdir``).

    Parameters
    ----------
    known : set or list of int
        Host pids of processes known to run in the sandbox (e.g. the
        descendants of its ``bwrap``).

    Returns
    -------
    dict of int to str
        Command line of each member, by host pid (``known`` included when
        they run in a pid namespace other than this process's).
    """
    own = pid_namespace("self")
    spaces = {pid_namespace(pid) for pid in known} - {own, ""}
    if not spaces:
        return {}
    found = {}
    for pid in pids():
        if pid_namespace(pid) in spaces and _stat_fields(pid)[:1] not in ([], ["Z"]):
            found[int(pid)] = cmdline_of(pid)
    return found
