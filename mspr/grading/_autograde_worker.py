"""Subprocess entry point: ``nbgrader autograde`` one submission.

Usage: ``python -m mspr.grading._autograde_worker ROOT DB_URL TEAM ASSIGNMENT``.
Prints nbgrader's result as one JSON line; exits 1 when nbgrader failed.
"""

import json
import sys
from pathlib import Path

from mspr._nbgrader import make_api


def main(argv: list[str]) -> int:
    root, db_url, team_id, assignment_id = argv
    api = make_api(Path(root), db_url)
    result = api.autograde(assignment_id, team_id, force=True, create=True)
    print(json.dumps({k: result.get(k) for k in ("success", "log", "error")}), flush=True)
    return 0 if result.get("success") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
