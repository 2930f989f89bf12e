"""Start-up cost of third-party imports that the workbench never uses.

``jsonschema`` (imported by ``nbformat``, hence by nbgrader, the ``mspr`` CLI
and every grading worker) imports the optional ``rfc3987_syntax`` package when
it is installed, to check the ``"iri"`` string format. That package compiles
38 Lark grammars at import time: ``import nbformat`` took 6.6–7.8 s instead of
0.9 s, and ``import nbgrader.api`` 17.2 s instead of 6.2 s, on the 2-core
machine under a load average of 8–10 (measured 2026-11-30 with
``/usr/bin/time python -c "import nbformat"``). It comes in through
``jupyter-events`` (``jsonschema[format-nongpl]``), so it cannot be left out of
the environment.

No schema read here uses the ``"iri"`` format (nbformat's notebook schema,
nbgrader's, jupyter-events' own), so the import is skipped: ``jsonschema``
catches the ``ImportError`` and simply does not register that format.
"""

import sys


def skip_unused_imports() -> None:
    """Make ``import rfc3987_syntax`` fail fast unless it was already imported.

    Must run before ``jsonschema`` is first imported, which is why :mod:`mspr`
    calls it at import time. Idempotent.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
