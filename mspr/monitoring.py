"""Drift monitoring of a deployed model: per-feature PSI and Kolmogorov–Smirnov (référentiel A3C3).

:func:`drift_table` compares a production batch with the training data,
feature by feature:

- **PSI** (population stability index, Siddiqi, *Credit Risk Scorecards*,
  2006): ``sum((c - r) * ln(c / r))`` over 10 quantile bins of the training
  data (numeric and date features) or over the categories (categorical
  features), shares floored at 1e-4. Usual reading: < 0.1 stable, 0.1–0.2
  to watch, > 0.2 significant shift.
- **Kolmogorov–Smirnov** two-sample test (``scipy.stats.ks_2samp``) for
  numeric and date features (dates as days); **chi-squared** test of
  homogeneity (``scipy.stats.chi2_contingency``) for categorical ones, whose
  values are compared without case nor accents (``ÎLE`` is ``île``: a format
  defect of the training data is not a drift).

A feature drifts when its PSI exceeds :data:`PSI_THRESHOLD` and its test's
p-value is below :data:`KS_PVALUE` as well (both, so that a few hundred rows
do not raise false alarms).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["KS_PVALUE", "PSI_THRESHOLD", "drift_table", "psi"]

#: PSI above which a feature's distribution has shifted significantly.
PSI_THRESHOLD = 0.2
#: p-value (KS or chi-squared) below which a feature's distribution differs.
KS_PVALUE = 0.001
#: Floor of a bin's share, so that an empty bin does not give an infinite PSI.
_FLOOR = 1e-4


def _categories(values: pd.Series) -> pd.Series:
    """Categorical values compared without case, accents nor surrounding spaces."""
    import unicodedata

    def plain(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).strip().lower()

    return values.fillna("").astype(str).map(plain)


def _as_numbers(values: pd.Series, kind: str) -> pd.Series:
    if kind == "date":
        days = pd.to_datetime(values, errors="coerce", format="%Y-%m-%d")
        return ((days - pd.Timestamp("1970-01-01")).dt.days).dropna().astype(float)
    return pd.to_numeric(values, errors="coerce").dropna().astype(float)


def psi(reference: pd.Series, current: pd.Series, kind: str = "numerique", bins: int = 10) -> float:
    """Population stability index of ``current`` against ``reference``.

    Parameters
    ----------
    reference, current : pandas.Series
        Values of one feature (text cells are parsed: numbers, ISO dates).
    kind : {"numerique", "date", "categorielle"}, default="numerique"
        Column type, as in the case spec.
    bins : int, default=10
        Quantile bins of ``reference`` (numeric and date features).

    Returns
    -------
    float
        The PSI, >= 0; NaN when either side has no usable value.
    """
    if kind == "categorielle":
        ref, cur = _categories(reference), _categories(current)
        if ref.empty or cur.empty:
            return float("nan")
        levels = sorted(set(ref) | set(cur))
        r = ref.value_counts(normalize=True).reindex(levels, fill_value=0).to_numpy()
        c = cur.value_counts(normalize=True).reindex(levels, fill_value=0).to_numpy()
    else:
        ref, cur = _as_numbers(reference, kind), _as_numbers(current, kind)
        if ref.empty or cur.empty:
            return float("nan")
        edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
        edges = np.concatenate([[-np.inf], edges[1:-1], [np.inf]])
        r = np.histogram(ref, edges)[0] / len(ref)
        c = np.histogram(cur, edges)[0] / len(cur)
    r, c = np.clip(r, _FLOOR, None), np.clip(c, _FLOOR, None)
    return float(np.sum((c - r) * np.log(c / r)))


def drift_table(reference: pd.DataFrame, batch: pd.DataFrame, feature_types: dict[str, str]) -> pd.DataFrame:
    """Per-feature drift of a batch against the training data.

    Parameters
    ----------
    reference : pandas.DataFrame
        Training data (text cells as read from CSV), with every feature.
    batch : pandas.DataFrame
        A production batch; features it lacks are reported as missing.
    feature_types : dict of str to str
        Feature → ``numerique``, ``date`` or ``categorielle``.

    Returns
    -------
    pandas.DataFrame
        One row per feature: ``variable``, ``type``, ``psi``,
        ``ks_statistique`` and ``ks_pvalue`` (KS for numeric and date
        features; for categorical ones the chi-squared statistic and its
        p-value),
        ``manquante`` (bool: absent from the batch), ``derive`` (bool, see the
        module's rule).
    """
    from scipy.stats import chi2_contingency, ks_2samp

    rows = []
    for feature, kind in feature_types.items():
        if feature not in batch.columns:
            rows.append({"variable": feature, "type": kind, "psi": np.nan, "ks_statistique": np.nan,
                         "ks_pvalue": np.nan, "manquante": True, "derive": False})
            continue
        value = psi(reference[feature], batch[feature], kind)
        stat = pvalue = np.nan
        if kind == "categorielle":
            ref, cur = _categories(reference[feature]), _categories(batch[feature])
            counts = pd.DataFrame({"ref": ref.value_counts(), "cur": cur.value_counts()}).fillna(0)
            if len(counts) > 1 and len(ref) and len(cur):
                stat, pvalue = (float(x) for x in chi2_contingency(counts.to_numpy().T)[:2])
        else:
            ref, cur = _as_numbers(reference[feature], kind), _as_numbers(batch[feature], kind)
            if len(ref) and len(cur):
                test = ks_2samp(ref, cur)
                stat, pvalue = float(test.statistic), float(test.pvalue)
        drift = bool(value > PSI_THRESHOLD and pvalue < KS_PVALUE)
        rows.append({"variable": feature, "type": kind, "psi": value, "ks_statistique": stat, "ks_pvalue": pvalue,
                     "manquante": False, "derive": drift})
    return pd.DataFrame(rows)
