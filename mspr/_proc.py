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
