"""Great Expectations suites graded on held-back corrupted tables (mspr.quality)."""

import numpy as np
import pandas as pd
import pytest

from mspr.quality import corrupted_variants, run_suite, score_suite


@pytest.fixture(scope="module")
def clean():
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame({
        "id": [f"ID{i:04d}" for i in range(n)],
        "age": rng.integers(18, 90, n).astype(float),
        "adhesion": pd.date_range("2010-01-01", periods=n, freq="37D").strftime("%Y-%m-%d"),
        "formule": rng.choice(["essentiel", "confort"], n),
    })


REFERENCE_SUITE = [
    {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "age"}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "age", "min_value": 0, "max_value": 120}},
    {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "adhesion", "regex": r"^\d{4}-\d{2}-\d{2}$"}},
]


@pytest.fixture(scope="module")
def variants(clean):
    return corrupted_variants(clean, key="id", ranges={"age": (0, 120)}, date_columns=["adhesion"],
                              required=["age"], seed=1)


def test_run_suite_returns_a_tidy_table(clean):
    table = run_suite(clean, REFERENCE_SUITE)
    assert list(table.columns) == ["expectation", "column", "success", "unexpected_count", "error"]
    assert table["success"].all() and list(table["column"]) == ["id", "age", "age", "adhesion"]


def test_one_variant_per_defect_kind_each_on_its_column(clean, variants):
    assert [(v.kind, v.column) for v in variants] == [("duplicate", "id"), ("missing", "age"),
                                                      ("out_of_range", "age"), ("inconsistent_format", "adhesion")]
    assert len(variants[0].frame) == len(clean) + 3 and variants[0].frame["id"].duplicated().sum() == 3
    assert variants[1].frame["age"].isna().sum() == 3
    assert (variants[2].frame["age"] > 120).sum() == 3
    assert variants[3].frame["adhesion"].str.match(r"^\d{2}/\d{2}/\d{4}$").sum() == 3


def test_reference_suite_catches_everything_and_a_missing_expectation_costs(clean, variants):
    full = score_suite(REFERENCE_SUITE, clean, variants)
    assert full.fraction == 1 and not full.missed and not full.clean_failures
    without_range = [e for e in REFERENCE_SUITE if e["type"] != "expect_column_values_to_be_between"]
    partial = score_suite(without_range, clean, variants)
    assert partial.fraction == pytest.approx(3 / 4) and partial.missed == ["out_of_range:age"]


def test_an_expectation_failing_on_clean_data_is_penalised(clean, variants):
    too_strict = REFERENCE_SUITE + [{"type": "expect_column_values_to_be_in_set",
                                     "kwargs": {"column": "formule", "value_set": ["essentiel"]}}]
    score = score_suite(too_strict, clean, variants)
    assert score.clean_failures == ["expect_column_values_to_be_in_set(formule)"]
    assert score.fraction == pytest.approx(3 / 4)


def test_unknown_expectation_is_refused_in_french(clean):
    with pytest.raises(ValueError, match="expectation inconnue"):
        run_suite(clean, [{"type": "expect_the_moon", "kwargs": {}}])
