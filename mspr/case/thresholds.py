"""Pass level and partial credit of the model-quality criterion (A2C6), from the holdout's sampling error.

A team's model is scored on one finite holdout: its ROC AUC there is its
true AUC plus sampling noise. The levels are set so that noise alone costs a
model of the reference's quality a point at most :data:`MAX_LOSS_RATE` of
the time:

- the spread of the reference model's holdout AUC is estimated by a seeded
  bootstrap of the holdout rows (Efron & Tibshirani, *An Introduction to the
  Bootstrap*, 1993, ch. 6);
- a model of the same true AUC, scored on the same rows, differs from the
  reference's observed AUC by at most ``√2 × sd`` (independent errors; the
  positive correlation of two models on the same rows only narrows it), so
  full marks start at ``reference − z(0.99) × √2 × sd``;
- no point at the chance level (AUC 0.5, a constant model), partial credit
  linear in between.

When the holdout is so small that the pass level would fall within
:data:`MIN_GAP` of chance, the guarantee cannot hold with a meaningful
criterion (a random score could earn full marks): :mod:`mspr.case.build`
refuses the case, in French. The spread is reported with the null standard
deviation of the AUC (Hanley & McNeil, *Radiology* 143, 1982) for comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mspr.errors import MsprError

__all__ = ["AucThresholds", "MAX_LOSS_RATE", "auc_thresholds", "bootstrap_auc"]

#: Largest chance that holdout noise alone costs a model of the reference's quality a point.
MAX_LOSS_RATE = 0.01

#: Bootstrap resamples of the holdout.
BOOTSTRAP = 2000

#: Smallest gap between the zero level and the pass level (room for partial credit).
MIN_GAP = 0.02


@dataclass(frozen=True)
class AucThresholds:
    """The two levels of the model-quality criterion.

    Attributes
    ----------
    pass_threshold : float
        Holdout ROC AUC from which full marks are given (rounded down to 3 decimals).
    zero_threshold : float
        Holdout ROC AUC at or below which no point is given (chance level, 0.5).
    holdout_sd : float
        Bootstrap standard deviation of the reference model's holdout AUC.
    """

    pass_threshold: float
    zero_threshold: float
    holdout_sd: float


def _z(p: float) -> float:
    """Standard normal quantile."""
    from scipy.stats import norm

    return float(norm.ppf(p))


def bootstrap_auc(labels: np.ndarray, scores: np.ndarray, *, seed: int, n_boot: int = BOOTSTRAP) -> np.ndarray:
    """ROC AUC of ``scores`` on bootstrap resamples of the rows (Mann–Whitney, ties counted half).

    Parameters
    ----------
    labels : numpy.ndarray of shape (n,), dtype int
        0/1.
    scores : numpy.ndarray of shape (n,), dtype float
    seed : int
        Seed of ``numpy.random.default_rng``.
    n_boot : int, default=:data:`BOOTSTRAP`

    Returns
    -------
    numpy.ndarray of shape (m,), dtype float
        One AUC per resample holding both classes (``m ≤ n_boot``); equal
        to ``sklearn.metrics.roc_auc_score(labels, scores, sample_weight=w)``
        with ``w`` the resample's counts.
    """
    labels = np.asarray(labels, dtype=int)
    values, group = np.unique(np.asarray(scores, dtype=float), return_inverse=True)
    n, g = len(labels), len(values)
    rng = np.random.default_rng(seed)
    counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(n_boot)]).astype(float)
    positive = labels == 1
    pos = np.zeros((n_boot, g))
    neg = np.zeros((n_boot, g))
    for i in range(n):  # per-row scatter into its score group (n is a holdout's size)
        (pos if positive[i] else neg)[:, group[i]] += counts[:, i]
    below = np.cumsum(neg, axis=1) - neg
    wins = (pos * (below + 0.5 * neg)).sum(axis=1)
    total = pos.sum(axis=1) * neg.sum(axis=1)
    keep = total > 0
    return wins[keep] / total[keep]


def auc_thresholds(labels: np.ndarray, scores: np.ndarray, *, seed: int,
                   n_boot: int = BOOTSTRAP) -> AucThresholds:
    """Levels of the A2C6 criterion from the reference model's holdout scores.

    Parameters
    ----------
    labels : numpy.ndarray of shape (n,), dtype int
        Holdout target, 0/1.
    scores : numpy.ndarray of shape (n,), dtype float
        Reference model's positive-class probabilities on the holdout.
    seed : int
        Seed of the bootstrap (``numpy.random.default_rng``).
    n_boot : int, default=:data:`BOOTSTRAP`
        Resamples.

    Returns
    -------
    AucThresholds

    Raises
    ------
    MsprError
        If either class has fewer than 2 holdout rows, or the pass level
        would not lie :data:`MIN_GAP` above the chance level (French message
        naming the sizes and what to do).
    """
    from sklearn.metrics import roc_auc_score

    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=float)
    n = len(labels)
    n_pos, n_neg = int(labels.sum()), int(n - labels.sum())
    if min(n_pos, n_neg) < 2:
        raise MsprError(f"jeu caché inutilisable : {n_pos} positif(s) et {n_neg} négatif(s)",
                        hint="augmentez donnees.lignes ou donnees.part_reservee")
    observed = float(roc_auc_score(labels, scores))
    sd = float(np.std(bootstrap_auc(labels, scores, seed=seed, n_boot=n_boot), ddof=1))
    pass_threshold = math.floor((observed - _z(1 - MAX_LOSS_RATE) * math.sqrt(2) * sd) * 1000) / 1000
    zero_threshold = 0.5
    if pass_threshold - zero_threshold < MIN_GAP:
        null_sd = math.sqrt((n_pos + n_neg + 1) / (12 * n_pos * n_neg))
        raise MsprError(
            f"jeu caché trop petit pour noter la performance sans loterie : {n} lignes ({n_pos} positives), "
            f"écart type de l'AUC {sd:.3f} (hasard seul : {null_sd:.3f}) ; le seuil de réussite ({pass_threshold:.3f}) "
            f"serait à moins de {MIN_GAP} du niveau du hasard (0.5)".replace(".", ","),
            hint="augmentez donnees.lignes (ou donnees.part_reservee) pour agrandir le jeu caché")
    return AucThresholds(pass_threshold=pass_threshold, zero_threshold=zero_threshold, holdout_sd=round(sd, 5))
