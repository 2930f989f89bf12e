"""Measure the French PII engine against a case's ground truth (spans and columns).

The case build records every personal datum written into free text
(:class:`mspr.case.truth.Span`: row, start, end, entity type) and the entity
types of every personal column. These functions run an analyzer
(:func:`mspr.pii.build_analyzer`) on a built case and compare, per entity
type:

- :func:`free_text_scores`: found spans against the truth spans;
- :func:`column_scores`: cells of the non-free-text columns;
- :func:`technical_columns_flagged`: the technical identifier columns that
  the engine would report as personal data (should be none).

Used by ``tests/test_pii_cases.py`` and ``benchmarks/pii_quality.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    from presidio_analyzer import AnalyzerEngine

    from mspr.case.build import CaseBuild

__all__ = ["COMPANY_ENTITIES", "PATTERN_ENTITIES", "column_scores", "free_text_scores", "match", "technical_columns_flagged"]

#: Entity types found by patterns with a check (the must-reach recall and precision).
PATTERN_ENTITIES = ("FR_NIR", "IBAN_CODE", "FR_SIREN", "FR_SIRET", "EMAIL_ADDRESS", "PHONE_NUMBER")

_COLUMNS = ["entity", "n_true", "n_found", "recall", "precision"]


def match(found: tuple[int, int], true: tuple[int, int]) -> bool:
    """Whether a found span stands for a true one: they share at least half of each.

    Parameters
    ----------
    found, true : tuple of (int, int)
        ``(start, end)`` character offsets, end exclusive.

    Returns
    -------
    bool
        True if the overlap covers at least half of both spans (so
        « Madame Claire Morel » stands for « Claire Morel », « Claire » alone
        does not stand for « Claire Bernard-Morel »).

    Examples
    --------
    >>> match((0, 19), (7, 19)), match((0, 6), (0, 20))
    (True, False)
    """
    overlap = min(found[1], true[1]) - max(found[0], true[0])
    return overlap > 0 and overlap * 2 >= (found[1] - found[0]) and overlap * 2 >= (true[1] - true[0])


def _read(build: CaseBuild, table: str) -> pandas.DataFrame:
    import pandas as pd

    return pd.read_csv(build.layout.table(table), dtype=str, keep_default_na=False)


def _scores(counts: dict[str, list[int]]) -> pandas.DataFrame:
    import pandas as pd

    rows = [{"entity": e, "n_true": t, "n_found": f, "recall": (rt / t) if t else float("nan"),
             "precision": (pf / f) if f else float("nan")}
            for e, (t, f, rt, pf) in sorted(counts.items())]
    return pd.DataFrame(rows, columns=_COLUMNS)


def free_text_scores(analyzer: AnalyzerEngine, build: CaseBuild, *, score_threshold: float = 0.3) -> pandas.DataFrame:
    """Recall and precision on the free-text spans of the ground truth, per entity type.

    Parameters
    ----------
    analyzer : presidio_analyzer.AnalyzerEngine
        Usually :func:`mspr.pii.build_analyzer`.
    build : mspr.case.build.CaseBuild
        A built case; every free-text column holding truth spans is
        analysed in full.
    score_threshold : float, default=0.3
        Minimum Presidio score, in [0, 1].

    Returns
    -------
    pandas.DataFrame
        One row per entity type found or true, columns ``entity`` (str),
        ``n_true`` (int, truth spans), ``n_found`` (int, spans found),
        ``recall`` (float, share of truth spans matched, :func:`match`),
        ``precision`` (float, share of found spans matching a truth span of
        the same type); NaN where the denominator is 0.
    """
    from presidio_analyzer import BatchAnalyzerEngine

    truth = build.ground_truth
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    counts: dict[str, list[int]] = {}
    for table, column in sorted({(s.table, s.column) for s in truth.pii_spans}):
        df = _read(build, table)
        key = truth.tables[table].key
        spans: dict[str, list] = {}
        for s in truth.pii_spans:
            if s.table == table and s.column == column:
                spans.setdefault(s.id, []).append(s)
        df = df.drop_duplicates(key)
        texts = df[column].tolist()
        results = batch.analyze_iterator(texts, language="fr", batch_size=64, score_threshold=score_threshold)
        for row_id, found in zip(df[key], results):
            true = spans.get(row_id, [])
            for s in true:
                c = counts.setdefault(s.entity, [0, 0, 0, 0])
                c[0] += 1
                c[2] += any(r.entity_type == s.entity and match((r.start, r.end), (s.start, s.end)) for r in found)
            for r in found:
                c = counts.setdefault(r.entity_type, [0, 0, 0, 0])
                c[1] += 1
                c[3] += any(r.entity_type == s.entity and match((r.start, r.end), (s.start, s.end)) for s in true)
    return _scores(counts)


def _generated_entity(build: CaseBuild, table: str, column: str) -> set[str]:
    """The entity type a column's generator writes (a company's SIREN is one, though not personal)."""
    from mspr.case.spec import GENERATORS

    declared = build.spec.tables[table].colonnes.get(column)
    if declared is None or declared.generateur not in GENERATORS:
        return set()
    entity = GENERATORS[declared.generateur][1]
    return {entity} if entity else set()


#: Entity types of legal persons: not personal data (RGPD recital 14).
COMPANY_ENTITIES = ("FR_SIREN", "FR_SIRET", "ORGANIZATION")


def column_scores(analyzer: AnalyzerEngine, build: CaseBuild, *, sample: int = 200, seed: int = 0,
                  entities: tuple[str, ...] = PATTERN_ENTITIES, score_threshold: float = 0.3) -> pandas.DataFrame:
    """Recall and precision on the cells of the columns (free text excluded), per entity type.

    Parameters
    ----------
    analyzer : presidio_analyzer.AnalyzerEngine
    build : mspr.case.build.CaseBuild
    sample : int, default=200
        Non-empty cells drawn per column (deterministically, with ``seed``).
    seed : int, default=0
    entities : tuple of str, default=PATTERN_ENTITIES
        Entity types measured.
    score_threshold : float, default=0.3

    Returns
    -------
    pandas.DataFrame
        Columns as :func:`free_text_scores`: ``n_true`` counts the sampled
        cells of the columns whose truth (or generator: a company's SIREN
        column holds SIRENs) holds the type, ``recall`` the
        share of them where it is found; ``n_found`` the sampled cells of any
        column where it is found, ``precision`` the share of them in a
        column whose truth holds it.
    """
    from presidio_analyzer import BatchAnalyzerEngine

    truth = build.ground_truth
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    free = {(s.table, s.column) for s in truth.pii_spans}
    counts: dict[str, list[int]] = {e: [0, 0, 0, 0] for e in entities}
    for table in truth.tables:
        df = _read(build, table)
        for column in df.columns:
            if (table, column) in free:
                continue
            values = df[column][df[column].str.strip() != ""]
            if values.empty:
                continue
            if len(values) > sample:
                values = values.sample(n=sample, random_state=seed)
            expected = (set(truth.pii.get(table, {}).get(column, [])) | _generated_entity(build, table, column)) \
                & set(entities)
            results = batch.analyze_iterator(values.tolist(), language="fr", batch_size=128,
                                             entities=list(entities), score_threshold=score_threshold)
            for found in results:
                types = {r.entity_type for r in found}
                for e in expected:
                    counts[e][0] += 1
                    counts[e][2] += e in types
                for e in types & set(entities):
                    counts[e][1] += 1
                    counts[e][3] += e in expected
    return _scores({e: c for e, c in counts.items() if c[0] or c[1]})


def technical_columns_flagged(analyzer: AnalyzerEngine, build: CaseBuild, *, sample: int = 200,
                              min_ratio: float = 0.0) -> list[str]:
    """Technical identifier columns in which the engine finds personal data.

    Parameters
    ----------
    analyzer : presidio_analyzer.AnalyzerEngine
    build : mspr.case.build.CaseBuild
    sample : int, default=200
        Cells analysed per column.
    min_ratio : float, default=0.0
        Share of cells (in [0, 1]) above which a column counts as flagged;
        0 flags a column on a single detection.

    Returns
    -------
    list of str
        ``"table.column (ENTITY ratio)"`` for every column where a personal
        entity type is found (a company's SIREN, SIRET or name is not
        personal data, :data:`COMPANY_ENTITIES`); empty when none is.
    """
    from mspr.pii import audit_dataframe

    flagged = []
    for table, columns in build.ground_truth.technical_ids.items():
        df = _read(build, table)
        present = [c for c in columns if c in df.columns]
        if not present:
            continue
        report = audit_dataframe(df, analyzer=analyzer, columns=present, sample=sample, min_ratio=min_ratio)
        flagged += [f"{table}.{r.column} ({r.entity_type} {r.ratio:.2f})" for r in report.itertuples()
                    if r.entity_type not in COMPANY_ENTITIES]
    return flagged
