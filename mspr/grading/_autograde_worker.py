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
from mspr._proc import descendants

PR_SET_CHILD_SUBREAPER = 36


def main() -> int:
    params = json.loads(sys.stdin.read())
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    api = make_api(Path(params["root"]), params["db_url"])
    result = api.autograde(params["assignment_id"], params["team_id"], force=True, create=True)
    leftovers = descendants(os.getpid())
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
