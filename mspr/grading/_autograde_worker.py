"""Subprocess entry point: ``nbgrader autograde`` one submission.

Usage: ``python -m mspr.grading._autograde_worker`` with a JSON object
``{"root", "db_url", "team_id", "assignment_id"}`` on standard input (not on
the command line, which the candidate's kernel could read in ``/proc``).
Prints nbgrader's result as one JSON line; exits 1 when nbgrader failed.
"""

import json
import sys
from pathlib import Path

from mspr._nbgrader import make_api


def main() -> int:
    params = json.loads(sys.stdin.read())
    api = make_api(Path(params["root"]), params["db_url"])
    result = api.autograde(params["assignment_id"], params["team_id"], force=True, create=True)
    print(json.dumps({k: result.get(k) for k in ("success", "log", "error")}), flush=True)
    return 0 if result.get("success") else 1


if __name__ == "__main__":
    sys.exit(main())
