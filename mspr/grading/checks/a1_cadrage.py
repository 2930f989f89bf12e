"""A1 — opportunity study (``a1_cadrage``): the GDPR data audit."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from mspr.grading.checks._core import CheckContext, Text, check

#: ``A1C6.pii_columns``: table -> column -> entity types.
PII_ANSWER = TypeAdapter(dict[Text, dict[Text, Annotated[list[Text], Field(max_length=50)]]])


@check("A1C6.pii_columns", assignment="a1_cadrage", max_score=4, schema=PII_ANSWER,
       label="Audit RGPD : catégories de données personnelles par colonne (Presidio)",
       scoring="mean, over the columns that the answer or the ground truth flags, of the Jaccard index "
               "between the named and the true personal-data categories (Presidio entity types)")
def pii_columns(ctx: CheckContext, answer: dict[str, dict[str, list[str]]]) -> tuple[float, str]:
    """Mean Jaccard index between found and true entity sets, per column.

    The mean runs over the columns where the answer or the ground truth names
    at least one entity type, so an empty answer scores 0 and a column flagged
    wrongly costs as much as a column missed.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.pii``.
    answer : dict of str to dict of str to list of str
        ``{table: {column: [entity type, ...]}}`` of Presidio entity types
        (``PERSON``, ``FR_NIR``…).

    Returns
    -------
    fraction : float
        Mean Jaccard index over the columns named by the answer or the
        truth, in [0, 1].
    evidence : str
        French sentence: exact columns, expected personal columns, columns
        missed or incomplete, columns flagged wrongly.
    """
    truth = {(t, c): set(v) for t, cols in ctx.ground_truth.pii.items() for c, v in cols.items() if v}
    found = {(t, c): set(v) for t, cols in answer.items() for c, v in cols.items() if v}
    keys = sorted(set(truth) | set(found))
    if not keys:
        return 0.0, "aucune colonne signalée"
    scores = {k: len(truth.get(k, set()) & found.get(k, set())) / len(truth.get(k, set()) | found.get(k, set()))
              for k in keys}
    missed = [f"{t}.{c}" for (t, c) in keys if (t, c) in truth and not truth[(t, c)] <= found.get((t, c), set())]
    wrong = [f"{t}.{c}" for (t, c) in keys if (t, c) not in truth]
    evidence = (f"{sum(v == 1 for v in scores.values())}/{len(keys)} colonnes exactes ; "
                f"{len(truth)} colonnes personnelles attendues")
    if missed:
        evidence += f" ; manquées ou incomplètes : {', '.join(missed)}"
    if wrong:
        evidence += f" ; signalées à tort : {', '.join(wrong)}"
    return sum(scores.values()) / len(keys), evidence
