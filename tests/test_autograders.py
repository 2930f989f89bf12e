"""autograders/README.md holds the table generated from the registry of checks."""

import re
from pathlib import Path

from mspr.grading.checks import checks_table

README = Path(__file__).resolve().parent.parent / "autograders" / "README.md"
BLOCK = re.compile(r"(<!-- checks:begin[^\n]*-->\n)(.*?)(<!-- checks:end -->)", re.S)


def test_readme_table_is_the_generated_one(request):
    text = README.read_text(encoding="utf-8")
    match = BLOCK.search(text)
    assert match, "autograders/README.md has lost its <!-- checks:begin/end --> markers"
    if request.config.getoption("--update-goldens"):
        README.write_text(text[:match.start(2)] + checks_table() + text[match.end(2):], encoding="utf-8")
    assert match.group(2) == checks_table() or request.config.getoption("--update-goldens"), (
        "table out of date: run pytest tests/test_autograders.py --update-goldens")
