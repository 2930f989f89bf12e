"""autograders/README.md documents exactly the registered checks."""

import re
from pathlib import Path

from mspr.grading.checks import CHECKS

README = Path(__file__).resolve().parent.parent / "autograders" / "README.md"


def test_readme_table_matches_the_registry():
    rows = re.findall(r"^\| `([^`]+)` \| (\w+) \| ([\d.]+) \|", README.read_text(encoding="utf-8"), re.M)
    documented = {cid: (assignment, float(points)) for cid, assignment, points in rows}
    registered = {cid: (c.assignment_id, float(c.max_score)) for cid, c in CHECKS.items()}
    assert documented == registered
