"""Production batches of a case (A3C3): what the deployed model receives after it goes live.

Four batches of ``production.lignes_par_lot`` rows of the main table, drawn
from one extra generation of the case (its own seed, so none of their rows is
in the released data or the holdout), written as ``lot_1.csv`` … ``lot_4.csv``
in an order drawn from the seed (the file name says nothing of the content):

- ``conforme``: rows like the training data;
- ``derive_covariables``: covariate drift, P(X) moves while P(y | X) stays:
  rows resampled with weights rising steeply with the numeric feature the
  target depends on most (:func:`drift_feature`), so its distribution shifts
  up, and so do those of the features correlated with it;
- ``derive_concept``: concept drift, P(y | X) moves while P(X) stays: rows
  drawn like the training data, but 60 % of the rows in the upper half of
  that same feature (by rank) have their label flipped;
- ``schema_casse``: schema breakage: one feature column missing, one numeric
  feature written as text (French decimal comma and a unit), which the
  model's signature refuses.

Batches are drawn from rows without the case's data-quality defects. Each
keeps the target column (labels known after the fact, for the concept drift)
and empties the leaking column, like the holdout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mspr.case.spec import CaseSpec
from mspr.case.truth import BatchTruth
from mspr.errors import MsprError

__all__ = ["BATCH_KINDS", "drift_feature", "production_batches"]

#: Kinds of production batch, in generation order.
BATCH_KINDS = ("conforme", "derive_covariables", "derive_concept", "schema_casse")

#: Seed offset of the production generation (distinct from the case's own draw).
SEED_OFFSET = 7_919


def drift_feature(spec: CaseSpec) -> str:
    """The numeric feature the target depends on most: the one the drifts move.

    Parameters
    ----------
    spec : CaseSpec
        The validated case.

    Returns
    -------
    str
        The numeric explanatory column of the main table with the largest
        absolute effect in ``cible.effets`` (first in file order on ties);
        the first numeric feature if none has an effect.

    Raises
    ------
    MsprError
        If the main table has no numeric feature.
    """
    numeric = [name for name, col in spec.main.colonnes.items() if col.is_feature and col.type == "numerique"]
    if not numeric:
        raise MsprError("la table principale n'a aucune variable explicative numérique : les lots de production "
                        "(dérive des données, schéma cassé) ne peuvent pas être tirés",
                        hint="ajoutez une variable explicative de type « numerique » à la table principale")
    effects = {name: abs(value) for name, value in spec.cible.effets.items()
               if name in numeric and isinstance(value, (int, float))}
    return max(numeric, key=lambda name: (effects.get(name, 0.0), -numeric.index(name)))


def production_batches(spec: CaseSpec, *, seed: int, rows: int) -> tuple[dict[str, pd.DataFrame], list[BatchTruth]]:
    """Generate the four production batches and their ground truth.

    Parameters
    ----------
    spec : CaseSpec
        The validated case; ``production.lignes_par_lot`` rows per batch.
    seed : int
        The case's seed (the batches use ``seed + SEED_OFFSET``).
    rows : int
        Rows of the case's main table: a key made by the ``sequence``
        generator is renumbered from ``rows + 1`` on (new records, no
        identifier of the released data or the holdout).

    Returns
    -------
    batches : dict of str to pandas.DataFrame
        ``lot_<i>.csv`` → rows of the main table as released (text cells),
        target column included, leaking column emptied.
    truth : list of BatchTruth
        One per batch, by file name order: its kind and what changed.

    Notes
    -----
    Deterministic for a given ``(spec, seed)``.
    """
    from mspr.case.generate import generate_dataset

    n = spec.production.lignes_par_lot
    part = spec.donnees.part_reservee
    # defect-free rows only (the data-quality defects are the training data's, not production's)
    drawn = int(np.ceil(5 * n / (1 - part))) + 50
    generated = generate_dataset(spec.model_copy(update={"defauts": []}), seed=seed + SEED_OFFSET, rows=drawn)
    key = spec.main.key
    pool = generated.tables[spec.main_table].drop_duplicates(subset=key).reset_index(drop=True)
    if spec.leaky_column:
        pool[spec.leaky_column] = ""
    key_spec = spec.main.colonnes[key]
    if key_spec.generateur == "sequence" and key_spec.format:
        pool[key] = [key_spec.format.format(rows + 1 + i) for i in range(len(pool))]
    rng = np.random.default_rng(seed + SEED_OFFSET)
    feature = drift_feature(spec)
    target = spec.cible.colonne
    features = [name for name, col in spec.main.colonnes.items() if col.is_feature]

    like = pool.iloc[:n].reset_index(drop=True)

    candidates = pool.iloc[n:3 * n].reset_index(drop=True)
    values = pd.to_numeric(candidates[feature], errors="coerce")
    ranks = values.rank(method="first", na_option="bottom").to_numpy() / len(values)
    weights = ranks ** 4
    chosen = np.sort(rng.choice(len(candidates), size=n, replace=False, p=weights / weights.sum()))
    covariate = candidates.iloc[chosen].reset_index(drop=True)

    concept = pool.iloc[3 * n:4 * n].reset_index(drop=True)
    order_in_batch = pd.to_numeric(concept[feature], errors="coerce").rank(method="first", na_option="bottom")
    flip = (order_in_batch > n / 2).to_numpy() & (rng.random(n) < 0.6)
    labels = pd.to_numeric(concept[target], errors="coerce").fillna(0).astype(int)
    concept[target] = np.where(flip, 1 - labels, labels).astype(str)

    broken = pool.iloc[4 * n:5 * n].reset_index(drop=True)
    missing = next(c for c in features if c != feature)
    wrong = feature
    broken = broken.drop(columns=[missing])
    broken[wrong] = [f"{str(v).replace('.', ',')} (unités)" if str(v) else "non renseigné" for v in broken[wrong]]

    made = {"conforme": (like, [], [], []),
            "derive_covariables": (covariate, [feature], [], []),
            "derive_concept": (concept, [], [], []),
            "schema_casse": (broken, [], [missing], [wrong])}
    order = rng.permutation(len(BATCH_KINDS))
    while list(order) == sorted(order):  # file order must say nothing of the kinds
        order = rng.permutation(len(BATCH_KINDS))
    batches, truth = {}, []
    for position, index in enumerate(order, start=1):
        kind = BATCH_KINDS[index]
        frame, shifted, absent, mistyped = made[kind]
        name = f"lot_{position}.csv"
        batches[name] = frame
        truth.append(BatchTruth(file=name, kind=kind, rows=len(frame), shifted_features=shifted,
                                missing_columns=absent, wrong_type_columns=mistyped))
    return batches, truth
