"""Drift measures (PSI, Kolmogorov–Smirnov) and the load test's indicators, on hand-made data."""

import numpy as np
import pandas as pd
import pytest

from mspr.loadtest import go_no_go, indicators, summarize
from mspr.monitoring import drift_table, psi


def test_psi_of_two_categories_by_hand():
    reference = pd.Series(["a"] * 50 + ["b"] * 50)
    current = pd.Series(["a"] * 90 + ["b"] * 10)
    # (0.9 - 0.5) ln(0.9 / 0.5) + (0.1 - 0.5) ln(0.1 / 0.5) = 0.4 ln 1.8 + 0.4 ln 5 = 0.8789
    assert psi(reference, current, "categorielle") == pytest.approx(0.4 * np.log(1.8) + 0.4 * np.log(5), abs=1e-9)
    assert psi(reference, reference, "categorielle") == 0


def test_drift_table_flags_a_shifted_feature_only():
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"age": rng.normal(40, 10, 2000).round(1).astype(str),
                              "revenu": rng.normal(2000, 300, 2000).round(0).astype(str),
                              "formule": rng.choice(["eco", "confort"], 2000)})
    batch = pd.DataFrame({"age": rng.normal(40, 10, 300).round(1).astype(str),
                          "revenu": rng.normal(2600, 300, 300).round(0).astype(str),  # two standard deviations up
                          "formule": rng.choice(["eco", "confort"], 300)})
    table = drift_table(reference, batch, {"age": "numerique", "revenu": "numerique", "formule": "categorielle",
                                           "absente": "numerique"}).set_index("variable")
    assert table["derive"].to_dict() == {"age": False, "revenu": True, "formule": False, "absente": False}
    assert table.loc["absente", "manquante"]
    assert table.loc["revenu", "ks_pvalue"] < 1e-10 and table.loc["revenu", "psi"] > 1


def test_indicators_and_go_no_go_by_hand():
    table = pd.DataFrame({"debut_s": [0.0, 1.0, 2.0, 3.0, 4.0], "phase": ["moyen"] * 2 + ["pointe"] * 3,
                          "taille_lot": 1, "latence_ms": [10.0, 20.0, 30.0, 40.0, 50.0],
                          "statut": [200, 200, 200, 200, 503], "erreur": ""})
    measures = indicators(table)
    # 5 requests over 4 s; p95 of 10..50 (linear, rank 0.95 * 4 = 3.8) = 40 + 0.8 * 10 = 48;
    # p99 (rank 3.96) = 40 + 0.96 * 10 = 49.6; 1 error in 5
    assert measures == pytest.approx({"requetes": 5, "debit_rps": 1.25, "p50_ms": 30.0, "p95_ms": 48.0,
                                      "p99_ms": 49.6, "taux_erreur_pct": 20.0})
    levels = {"latence_p95_ms": 50, "latence_p99_ms": 50, "budget_erreurs_pct": 25}
    assert go_no_go(measures, levels)
    assert not go_no_go(measures, dict(levels, budget_erreurs_pct=10))
    assert not go_no_go(measures, dict(levels, latence_p95_ms=45))
    summary = summarize(table, levels)
    assert list(summary.index) == ["moyen", "pointe", "total"]
    assert summary.loc["moyen", "conforme"] and not summary.loc["pointe", "conforme"]  # 1 error in 3 at the peak
