"""Load test of a served model with Locust in headless mode (référentiel A3C3), and its tidy results.

:func:`run_load_test` runs ``locust --headless`` in a subprocess against a
model server on loopback (see :class:`mspr.serving.ModelServer`), at the
case's mean request rate and then at its peak, and writes one line per
request to ``test_charge/requetes.csv`` (the tidy table):

=============  ===============================================================
``debut_s``    start of the request, seconds since the test started
``phase``      ``moyen`` (mean rate) or ``pointe`` (peak rate)
``taille_lot`` rows in the request
``latence_ms`` response time measured by Locust, milliseconds
``statut``     HTTP status (0: no answer)
``erreur``     exception name, empty when the request was answered
=============  ===============================================================

:func:`summarize` turns it into indicators (throughput, percentiles, error
rate) and a go/no-go against the service levels; :func:`plot_results` draws
latency over time and the percentiles against the objectives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from mspr.serving import dataframe_split_body

__all__ = ["RESULTS_FILE", "indicators", "go_no_go", "plot_results", "run_load_test", "summarize"]

#: Where :func:`run_load_test` writes the per-request table (read by the grader at this path).
RESULTS_FILE = Path("test_charge") / "requetes.csv"

#: Columns of the per-request table.
COLUMNS = ["debut_s", "phase", "taille_lot", "latence_ms", "statut", "erreur"]


def run_load_test(url: str, rows: pd.DataFrame, *, mean_rps: float, peak_rps: float, seconds: float = 4.0,
                  out: str | Path = RESULTS_FILE, timeout_s: float = 120) -> pd.DataFrame:
    """Run a short Locust load test: ``seconds`` at the mean rate, then ``seconds`` at the peak.

    Parameters
    ----------
    url : str
        Base URL of the model server, e.g. ``http://127.0.0.1:5001``.
    rows : pandas.DataFrame of shape (n_rows, n_columns)
        Rows sent one per request, in turn (columns as the model's signature).
    mean_rps, peak_rps : float
        Request rates of the two phases, requests per second (one Locust user
        per request per second, rounded, at least one).
    seconds : float, default=4.0
        Duration of each phase, seconds.
    out : str or pathlib.Path, default=RESULTS_FILE
        The per-request CSV table written by the Locust process.
    timeout_s : float, default=120
        Seconds after which Locust is stopped.

    Returns
    -------
    pandas.DataFrame
        The per-request table (columns :data:`COLUMNS`), sorted by ``debut_s``.

    Raises
    ------
    RuntimeError
        If Locust fails (French message with the end of its output).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    bodies = out.parent / "corps_requetes.json"
    bodies.write_text(json.dumps([{"json": dataframe_split_body(rows.iloc[[i]]).decode("utf-8"), "rows": 1}
                                  for i in range(len(rows))]), encoding="utf-8")
    stages = [["moyen", seconds, mean_rps], ["pointe", seconds, peak_rps]]
    env = dict(os.environ, MSPR_LOAD_BODIES=str(bodies.resolve()), MSPR_LOAD_OUT=str(out.resolve()),
               MSPR_LOAD_STAGES=json.dumps(stages), LOCUST_SKIP_MONKEY_PATCH_CHECK="1")
    locustfile = Path(__file__).with_name("_locustfile.py")
    command = [str(Path(sys.executable).parent / "locust"), "-f", str(locustfile), "--headless", "--host", url,
               "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout_s,
                          stdin=subprocess.DEVNULL)
    if done.returncode not in (0, 1) or not out.is_file():  # 1: some requests failed, a valid outcome
        raise RuntimeError(f"Locust a échoué (code {done.returncode}) :\n{(done.stdout + done.stderr)[-2000:]}")
    return pd.read_csv(out).sort_values("debut_s", kind="stable").reset_index(drop=True)


def indicators(table: pd.DataFrame) -> dict[str, float]:
    """Indicators of a load test, over all its requests.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-request table with columns ``debut_s`` (s), ``latence_ms`` (ms)
        and ``statut`` (HTTP status, 0 when unanswered).

    Returns
    -------
    dict of str to float
        ``requetes`` (count), ``debit_rps`` (requests per second between the
        first and the last start), ``p50_ms``, ``p95_ms``, ``p99_ms``
        (percentiles of the latencies of every request, numpy's linear
        interpolation) and ``taux_erreur_pct`` (requests not answered 200,
        percent).
    """
    n = len(table)
    if not n:
        return {"requetes": 0, "debit_rps": 0.0, "p50_ms": float("nan"), "p95_ms": float("nan"),
                "p99_ms": float("nan"), "taux_erreur_pct": float("nan")}
    span = float(table["debut_s"].max() - table["debut_s"].min())
    p50, p95, p99 = np.percentile(table["latence_ms"].astype(float), [50, 95, 99])
    return {"requetes": n, "debit_rps": n / span if span > 0 else float(n), "p50_ms": float(p50),
            "p95_ms": float(p95), "p99_ms": float(p99),
            "taux_erreur_pct": 100.0 * float((table["statut"].astype(int) != 200).mean())}


def go_no_go(measures: dict[str, float], levels: dict) -> bool:
    """Whether the measures meet the service levels.

    Parameters
    ----------
    measures : dict of str to float
        ``p95_ms``, ``p99_ms``, ``taux_erreur_pct`` (see :func:`indicators`).
    levels : dict
        ``latence_p95_ms``, ``latence_p99_ms`` (milliseconds) and
        ``budget_erreurs_pct`` (percent), as in the case's
        ``production.niveaux_de_service``.

    Returns
    -------
    bool
        True ("go") when p95 and p99 are at most their objectives and the
        error rate at most the error budget.
    """
    return bool(measures["p95_ms"] <= levels["latence_p95_ms"] and measures["p99_ms"] <= levels["latence_p99_ms"]
                and measures["taux_erreur_pct"] <= levels["budget_erreurs_pct"])


def summarize(table: pd.DataFrame, levels: dict) -> pd.DataFrame:
    """One row per phase and one for the whole test: indicators against the objectives.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-request table (columns :data:`COLUMNS`).
    levels : dict
        The case's service levels (see :func:`go_no_go`).

    Returns
    -------
    pandas.DataFrame
        Index ``phase`` (``moyen``, ``pointe``, ``total``); columns of
        :func:`indicators`, then ``objectif_p95_ms``, ``objectif_p99_ms``,
        ``budget_erreurs_pct`` and ``conforme`` (bool).
    """
    rows = {}
    for phase, part in [*table.groupby("phase", sort=False), ("total", table)]:
        measures = indicators(part)
        rows[phase] = {**measures, "objectif_p95_ms": levels["latence_p95_ms"],
                       "objectif_p99_ms": levels["latence_p99_ms"],
                       "budget_erreurs_pct": levels["budget_erreurs_pct"],
                       "conforme": go_no_go(measures, levels) if measures["requetes"] else False}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("phase")


def plot_results(table: pd.DataFrame, levels: dict):
    """Latency over time, and the percentiles against the objectives.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-request table (columns :data:`COLUMNS`).
    levels : dict
        The case's service levels (see :func:`go_no_go`).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels, French labels.
    """
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
    for phase, part in table.groupby("phase", sort=False):
        left.plot(part["debut_s"], part["latence_ms"], ".", label=f"débit {phase}")
    left.axhline(levels["latence_p95_ms"], color="tab:red", linestyle="--", label="objectif p95")
    left.set(xlabel="temps depuis le début du test (s)", ylabel="latence (ms)", title="Latence au cours du test")
    left.legend()
    measures = indicators(table)
    names = ["p50", "p95", "p99"]
    right.bar(names, [measures[f"{n}_ms"] for n in names], color="tab:blue", label="mesuré")
    right.plot(["p95", "p99"], [levels["latence_p95_ms"], levels["latence_p99_ms"]], "r_", markersize=30,
               label="objectif")
    right.set(ylabel="latence (ms)", title="Centiles de latence et objectifs")
    right.legend()
    fig.tight_layout()
    return fig
