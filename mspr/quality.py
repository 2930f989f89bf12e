"""Data-quality suites with Great Expectations: run one, and grade one against corrupted tables (A2C2).

:func:`run_suite` builds GX's ephemeral context (nothing written to disk,
no network: ``GX_ANALYTICS_ENABLED=false``), validates a pandas table and
returns one tidy row per expectation. :func:`corrupted_variants` derives,
from a clean table, one held-back variant per kind of defect a case can
inject (``duplicate``, ``missing``, ``out_of_range``,
``inconsistent_format``, as in :class:`mspr.case.truth.DefectTruth`), each
on one column. :func:`score_suite` runs a suite on the clean table (it must
pass) and on each variant (it must fail on the variant's column).

Expectations are given as plain dicts, ``{"type":
"expect_column_values_to_not_be_null", "kwargs": {"column": "age"}}`` (GX's
own serialisation), so a candidate's suite can be recorded as JSON.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["SuiteScore", "Variant", "corrupted_variants", "run_suite", "score_suite"]


_CONTEXT = None  # GX's ephemeral context, built on first use
_CALLS = 0


def _expectation(spec: dict):
    """A GX expectation object from ``{"type", "kwargs"}``."""
    import great_expectations as gx

    name = "".join(part.capitalize() for part in str(spec["type"]).split("_"))
    cls = getattr(gx.expectations, name, None)
    if cls is None:
        raise ValueError(f"expectation inconnue de Great Expectations : {spec['type']!r}")
    return cls(**spec.get("kwargs", {}))


def run_suite(frame: pd.DataFrame, expectations: list[dict]) -> pd.DataFrame:
    """Validate a table against expectations in an ephemeral GX context.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (any columns).
    expectations : list of dict
        ``{"type": "expect_…", "kwargs": {...}}`` each.

    Returns
    -------
    pandas.DataFrame
        One row per expectation, in order, with columns ``expectation``
        (str), ``column`` (str or None), ``success`` (bool),
        ``unexpected_count`` (int or None) and ``error`` (str or None: an
        expectation that GX could not evaluate counts as failed).

    Raises
    ------
    ValueError
        If an expectation type is unknown to GX (French message).
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    global _CONTEXT, _CALLS
    if _CONTEXT is None:  # building the context takes seconds: one per process
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _CONTEXT = gx.get_context(mode="ephemeral")
        _CONTEXT.variables.progress_bars = ProgressBarsConfig(globally=False)  # no bars in notebooks and logs
    _CALLS += 1
    source = _CONTEXT.data_sources.add_pandas(f"mspr_{_CALLS}")
    batch = source.add_dataframe_asset("table").add_batch_definition_whole_dataframe("tout") \
        .get_batch(batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=f"suite_{_CALLS}")
    for spec in expectations:
        suite.add_expectation(_expectation(spec))
    result = batch.validate(suite)
    rows = []
    for item in result.results:
        config = item.expectation_config
        error = item.exception_info.get("exception_message") if item.exception_info.get("raised_exception") else None
        rows.append({"expectation": config.type, "column": config.kwargs.get("column"),
                     "success": bool(item.success) and error is None,
                     "unexpected_count": (item.result or {}).get("unexpected_count"), "error": error})
    return pd.DataFrame(rows, columns=["expectation", "column", "success", "unexpected_count", "error"])


@dataclass(frozen=True)
class Variant:
    """A clean table with one kind of defect injected into one column.

    Attributes
    ----------
    kind : {"duplicate", "missing", "out_of_range", "inconsistent_format"}
    column : str
        The column the defect is in (the key for duplicates).
    frame : pandas.DataFrame
    """

    kind: str
    column: str
    frame: pd.DataFrame = field(repr=False)


def corrupted_variants(clean: pd.DataFrame, *, key: str, ranges: dict[str, tuple[float, float]],
                       date_columns: list[str], required: list[str], seed: int,
                       share: float = 0.05) -> list[Variant]:
    """One corrupted copy of ``clean`` per defect kind (seeded).

    Parameters
    ----------
    clean : pandas.DataFrame
        The clean modelling table (numbers as numbers, dates ``AAAA-MM-JJ``).
    key : str
        Primary key (duplicated rows are copies of existing rows).
    ranges : dict of str to tuple of (float, float)
        Numeric column -> plausible range; the out-of-range variant puts
        values ten times the upper bound in the first one.
    date_columns : list of str
        Dates; the format variant writes the first one ``JJ/MM/AAAA``.
    required : list of str
        Columns without missing values in the clean table; the missing
        variant empties cells of the first one.
    seed : int
        Seed of ``numpy.random.default_rng``.
    share : float, default=0.05
        Share of rows touched (at least one).

    Returns
    -------
    list of Variant
        In the order duplicate, missing, out_of_range, inconsistent_format
        (a kind is skipped when the table has no column for it).
    """
    rng = np.random.default_rng(seed)
    n = max(1, int(share * len(clean)))
    rows = np.sort(rng.choice(len(clean), size=n, replace=False))
    out = [Variant("duplicate", key, pd.concat([clean, clean.iloc[rows]], ignore_index=True))]
    if required:
        frame = clean.copy()
        frame.loc[frame.index[rows], required[0]] = None
        out.append(Variant("missing", required[0], frame))
    if ranges:
        column, (_, high) = next(iter(ranges.items()))
        frame = clean.copy()
        frame[column] = frame[column].astype(float)
        frame.loc[frame.index[rows], column] = 10 * abs(high) + 1
        out.append(Variant("out_of_range", column, frame))
    if date_columns:
        column = date_columns[0]
        frame = clean.copy().astype({column: object})
        dates = pd.to_datetime(frame.loc[frame.index[rows], column], format="%Y-%m-%d", errors="coerce")
        frame.loc[frame.index[rows], column] = dates.dt.strftime("%d/%m/%Y")
        out.append(Variant("inconsistent_format", column, frame))
    return out


@dataclass(frozen=True)
class SuiteScore:
    """How well a suite separates the clean table from its corrupted variants.

    Attributes
    ----------
    fraction : float
        ``caught / len(variants) − clean_failures / len(variants)``, clipped to [0, 1].
    caught : list of str
        ``kind:column`` of the variants the suite failed on, on the right column.
    missed : list of str
        The others.
    clean_failures : list of str
        Expectations that fail on the clean table.
    """

    fraction: float
    caught: list[str]
    missed: list[str]
    clean_failures: list[str]


def score_suite(expectations: list[dict], clean: pd.DataFrame, variants: list[Variant]) -> SuiteScore:
    """Run a suite on the clean table and on each corrupted variant.

    Parameters
    ----------
    expectations : list of dict
        The suite, as :func:`run_suite` takes it.
    clean : pandas.DataFrame
        Must pass every expectation.
    variants : list of Variant
        Each must make an expectation on its column fail.

    Returns
    -------
    SuiteScore
    """
    on_clean = run_suite(clean, expectations)
    clean_failures = [f"{r.expectation}({r.column})" for r in on_clean.itertuples() if not r.success]
    caught, missed = [], []
    for variant in variants:
        table = run_suite(variant.frame, expectations)
        hit = ((~table["success"]) & (table["column"] == variant.column)).any()
        (caught if hit else missed).append(f"{variant.kind}:{variant.column}")
    total = max(1, len(variants))
    fraction = min(1.0, max(0.0, (len(caught) - len(clean_failures)) / total))
    return SuiteScore(fraction=fraction, caught=caught, missed=missed, clean_failures=clean_failures)
