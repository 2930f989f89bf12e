"""Start-up: the grading workers and the CLI do not pay for imports nothing uses."""

import subprocess
import sys

CODE = """
import sys
import mspr
import nbformat
from nbformat.validator import validate
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
validate(nb)
print(sys.modules.get("rfc3987_syntax", "absent"))
"""


def test_importing_mspr_first_skips_the_grammar_compilation_of_rfc3987_syntax():
    # jsonschema would otherwise compile 38 Lark grammars on import (seconds per
    # grading worker); notebooks must still validate without it.
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "None"
