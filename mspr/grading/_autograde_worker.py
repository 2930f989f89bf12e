"""Subprocess entry point: ``nbgrader autograde`` one submission.

Usage: ``python -m mspr.grading._autograde_worker`` with a JSON object
``{"root", "db_url", "team_id", "assignment_id"}`` on standard input (not on
the command line, which the candidate's kernel could read in ``/proc``).

The worker first makes itself a *child subreaper* (Linux ``prctl``): every
process the notebook starts stays its descendant, even one that detaches with
``setsid`` or a double fork. Once nbgrader is done, the worker lists the
descendants still running (e.g. a model server the notebook did not stop),
kills them, and prints nbgrader's result and that list as one JSON line. It
exits 1 when nbgrader failed.
"""

import ctypes
import json
import os
import signal
import sys
from pathlib import Path

from mspr._nbgrader import make_api

PR_SET_CHILD_SUBREAPER = 36


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(pid))
    return tree


def _descendants(root: int) -> dict[int, str]:
    tree, found, todo = _children(), {}, [root]
    while todo:
        for child in tree.get(todo.pop(), []):
            try:
                cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                found[child] = cmd.strip()
            todo.append(child)
    return found


def main() -> int:
    params = json.loads(sys.stdin.read())
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    api = make_api(Path(params["root"]), params["db_url"])
    result = api.autograde(params["assignment_id"], params["team_id"], force=True, create=True)
    leftovers = _descendants(os.getpid())
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    out = {k: result.get(k) for k in ("success", "log", "error")}
    out["leftovers"] = {str(pid): cmd for pid, cmd in leftovers.items()}
    print(json.dumps(out), flush=True)
    return 0 if result.get("success") else 1


if __name__ == "__main__":
    sys.exit(main())
