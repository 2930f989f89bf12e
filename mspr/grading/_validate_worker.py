"""Subprocess entry point of ``mspr valider``: execute one notebook, its kernel in the sandbox.

Usage: ``python -m mspr.grading._validate_worker`` with a JSON object
``{"notebook", "run_dir", "home", "scratch", "limits"}`` on standard input.
The notebook (a scratch copy of the team's) is executed in its folder with
the grader's own preprocessors (:class:`mspr.grading._sandbox_kernel.SafeExecute`
and :class:`~mspr.grading._sandbox_kernel.CapOutput`: same sandbox, same limits,
every cell run even after an error), saved in place, and the incidents are
printed as one JSON line. No gradebook is involved: the team's notebook is
executed as it is, hidden tests are not restored.
"""

import ctypes
import json
import os
import signal
import sys
from pathlib import Path

from mspr._proc import descendants

PR_SET_CHILD_SUBREAPER = 36


def main() -> int:
    params = json.loads(sys.stdin.read())
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    import nbformat

    from mspr.grading import _sandbox_kernel as sk
    from mspr.grading.sandbox import Limits

    limits = Limits(**params["limits"])
    sk.configure(run_dir=Path(params["run_dir"]), home=Path(params["home"]), scratch=Path(params["scratch"]),
                 limits=limits)
    notebook = Path(params["notebook"])
    nb = nbformat.read(notebook, as_version=4)
    execute = sk.SafeExecute(timeout=limits.cell_s, allow_errors=True)
    nb, resources = execute.preprocess(nb, {"metadata": {"path": str(notebook.parent)}})
    cap = sk.CapOutput(max_bytes=limits.output_bytes)
    nb, resources = cap.preprocess(nb, resources)
    nbformat.write(nb, notebook)
    for pid in descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    print(json.dumps({"success": True, "incidents": sk.INCIDENTS}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
