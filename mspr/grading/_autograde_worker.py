"""Subprocess entry point: ``nbgrader autograde`` one submission, its kernel in the sandbox.

Usage: ``python -m mspr.grading._autograde_worker`` with a JSON object
``{"root", "db_url", "team_id", "assignment_id", "run_dir", "home",
"scratch", "limits"}`` on standard input (not on the command line, which the
candidate's kernel could read in ``/proc``).

This worker is trusted: it runs nbgrader (which reads the gradebook) outside
the sandbox; only the kernel it starts runs inside
(:class:`mspr.grading._sandbox_kernel.SandboxKernelManager`). The worker
first makes itself a *child subreaper* (Linux ``prctl``): every process the
notebook starts stays its descendant, even one that detaches. Once nbgrader
is done, it lists the descendants still running, kills them, and prints
nbgrader's result, that list and the incidents of the execution (kernel
death, output cut) as one JSON line. It exits 1 when nbgrader failed.
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
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                        SaveAutoGrades)
    from nbconvert.preprocessors import ClearMetadataPreprocessor

    from mspr.grading import _sandbox_kernel as sk
    from mspr.grading.sandbox import Limits

    limits = Limits(**params["limits"])
    sk.configure(run_dir=Path(params["run_dir"]), home=Path(params["home"]), scratch=Path(params["scratch"]),
                 limits=limits)
    api = make_api(Path(params["root"]), params["db_url"])
    config = api.config
    config.Autograde.autograde_preprocessors = [sk.SafeExecute, IgnorePattern, ClearMetadataPreprocessor,
                                                LimitOutput, sk.CapOutput, SaveAutoGrades, AssignLatePenalties,
                                                CheckCellMetadata]
    config.SafeExecute.timeout = limits.cell_s
    config.CapOutput.max_bytes = limits.output_bytes
    api.update_config(config)
    result = api.autograde(params["assignment_id"], params["team_id"], force=True, create=True)
    leftovers = descendants(os.getpid())
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for incident in sk.INCIDENTS:
        if incident.get("kind") == "leftovers":
            leftovers.update({int(pid): cmd for pid, cmd in incident["processes"].items()})
    out = {k: result.get(k) for k in ("success", "log", "error")}
    out["leftovers"] = {str(pid): cmd for pid, cmd in leftovers.items()}
    out["incidents"] = sk.INCIDENTS
    print(json.dumps(out), flush=True)
    return 0 if result.get("success") else 1


if __name__ == "__main__":
    sys.exit(main())
