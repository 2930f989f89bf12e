"""Subprocess entry point: the grader's own re-measurement of an A3 load test (référentiel A3C3).

The team's model is code (a pickle): it is served in this throw-away process,
run by :func:`mspr.grading.sandbox.run_model_worker` in the sandbox (private
network: loopback only, a throw-away copy of the team's folder). Usage::

    python -m mspr.grading._loadtest_worker SPEC_JSON

with ``SPEC_JSON`` holding ``{"model", "rows", "mean_rps", "peak_rps",
"seconds", "rounds", "pause_s", "table", "output"}``: the model folder is
served with :class:`mspr.serving.ModelServer` (``mlflow models serve
--env-manager local`` on a free loopback port), then up to ``rounds`` short
Locust runs (:func:`mspr.loadtest.run_load_test`, ``seconds`` at the mean
rate then ``seconds`` at the peak), ``pause_s`` apart, are measured against
it; the runs stop at the first one the team's ``table`` (its indicators)
agrees with (:func:`mspr.grading.checks.a3_deploiement.remeasure_disagreements`).
The output JSON holds ``{"error": null | str, "startup_s", "rounds":
[indicators of each run, with the host's 1-minute load average]}`` (see
:func:`mspr.loadtest.indicators`).
"""

import json
import sys
import traceback
from pathlib import Path

import mspr  # noqa: F401  (offline settings before mlflow is imported)


def remeasure(spec: dict) -> dict:
    """Serve the model and measure ``spec["rounds"]`` short load tests against it.

    Parameters
    ----------
    spec : dict
        ``model`` (MLflow model folder), ``rows`` (CSV of the rows sent, one
        per request), ``mean_rps`` and ``peak_rps`` (requests per second),
        ``seconds`` (duration of each phase, s), ``rounds`` (most runs),
        ``pause_s`` (s between runs), ``table`` (the team's indicators, or
        None to run every round), ``output`` (JSON file written).

    Returns
    -------
    dict
        ``error`` (French reason, or None), ``startup_s`` (s, or None) and
        ``rounds`` (list of dicts of :func:`mspr.loadtest.indicators`, plus
        ``charge_hote``, the host's 1-minute load average after the run).
    """
    import os
    import time

    import pandas as pd

    from mspr.grading.checks.a3_deploiement import remeasure_disagreements
    from mspr.loadtest import indicators, run_load_test
    from mspr.serving import ModelServer, ServingError

    out = {"error": None, "startup_s": None, "rounds": []}
    work = Path(spec["output"]).parent
    rows = pd.read_csv(spec["rows"])
    try:
        with ModelServer(spec["model"], log=work / "journal_serveur.log", ready_timeout_s=120) as server:
            out["startup_s"] = server.startup_s
            for i in range(int(spec["rounds"])):
                if i:
                    time.sleep(float(spec.get("pause_s", 0)))  # away from a burst of load on the host
                table = run_load_test(server.url, rows, mean_rps=spec["mean_rps"], peak_rps=spec["peak_rps"],
                                      seconds=spec["seconds"], out=work / f"essai_{i + 1}" / "requetes.csv",
                                      timeout_s=60)
                out["rounds"].append({**indicators(table), "charge_hote": os.getloadavg()[0]})
                if spec.get("table") and not remeasure_disagreements(spec["table"], out["rounds"][-1:]):
                    break
    except (ServingError, RuntimeError) as exc:
        out["error"] = str(exc).splitlines()[0][:300]
    return out


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        spec = json.load(fh)
    try:
        values = remeasure(spec)
    except Exception:  # noqa: BLE001 - the team's model is code: any failure is reported
        traceback.print_exc()
        return 1
    with open(spec["output"], "w", encoding="utf-8") as fh:
        json.dump(values, fh, allow_nan=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
