"""A2 data preparation graded from the artefacts: modelling table, data map, Great Expectations suite.

The team's work here is written independently of the lab's reference (own
parsing, decimal commas in a semicolon CSV, own spelling of modalities,
GX 0.x serialisation, French headers in the data map): expectations are
stated from what the test did to the released data, never copied from the
grader's output.
"""

import json
import unicodedata

import numpy as np
import pandas as pd
import pytest

from mspr.case import build_case
from mspr.grading.checks import CheckContext
from mspr.grading.checks._core import AnswerError
from mspr.grading.checks.a2_conception import PreparationAnswer, data_map, expectation_suite, modelling_table
from mspr.paths import DEFAULT_CASE
from mspr.quality import Variant, score_suite


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return build_case(DEFAULT_CASE, out=tmp_path_factory.mktemp("a2prep") / "cas")


def _fold(text):
    folded = unicodedata.normalize("NFKD", str(text).strip().lower())
    return "".join(c for c in folded if not unicodedata.combining(c))


def own_etl(case):
    """An ETL written for this test: one row per key, numbers and dates read, modalities folded, no personal column."""
    truth = case.ground_truth
    main = pd.read_csv(case.layout.table(truth.main_table), dtype=str)
    main = main.drop_duplicates(subset=truth.key).reset_index(drop=True)
    out = pd.DataFrame({truth.key: main[truth.key]})
    for column in truth.features:
        kind = truth.feature_types[column]
        values = main[column]
        if kind == "numerique":
            out[column] = pd.to_numeric(values.str.replace(r"\s", "", regex=True).str.replace(",", "."),
                                        errors="coerce")
        elif kind == "date":
            dates = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce").fillna(
                pd.to_datetime(values, format="%d/%m/%Y", errors="coerce"))
            out[column] = dates.dt.strftime("%Y-%m-%d")
        else:
            out[column] = values.map(lambda v: _fold(v) if isinstance(v, str) else v)
    out[truth.target.column] = main[truth.target.column].astype(int)
    for name, table in truth.tables.items():
        if table.foreign_keys and truth.main_table in table.foreign_keys.values():
            link = next(c for c, parent in table.foreign_keys.items() if parent == truth.main_table)
            child = pd.read_csv(case.layout.table(name), dtype=str).drop_duplicates(subset=table.key)
            counts = child.groupby(link).size().rename(f"lignes_{name}")
            out = out.merge(counts, how="left", left_on=truth.key, right_index=True).fillna({f"lignes_{name}": 0})
    return out


def own_map(case):
    truth = case.ground_truth
    rows = []
    for name, table in truth.tables.items():
        for column in table.columns:
            category = truth.gdpr_categories.get(name, {}).get(column, "non personnelle")
            rows.append({"Table": f"{name}.csv", "Colonne": column, "Source": "export du SI",
                         "Propriétaire": "service gestion", "Catégorie": category.replace("_", " "),
                         "Conservation": "3 ans"})
    return pd.DataFrame(rows)


def own_suite(case, table):
    """GX 0.x serialisation (``expectation_type``), strftime for dates, an expectation on an aggregate."""
    truth = case.ground_truth
    suite = [{"expectation_type": "expect_column_values_to_be_unique", "kwargs": {"column": truth.key}}]
    for column in truth.features:
        if table[column].notna().all():
            suite.append({"expectation_type": "expect_column_values_to_not_be_null", "kwargs": {"column": column}})
        if truth.feature_types[column] == "numerique" and column in truth.plausible_ranges:
            low, high = truth.plausible_ranges[column]
            suite.append({"expectation_type": "expect_column_values_to_be_between",
                          "kwargs": {"column": column, "min_value": low, "max_value": high}})
        if truth.feature_types[column] == "date":
            suite.append({"expectation_type": "expect_column_values_to_match_strftime_format",
                          "kwargs": {"column": column, "strftime_format": "%Y-%m-%d"}})
    aggregate = next(c for c in table.columns if c.startswith("lignes_"))
    suite.append({"expectation_type": "expect_column_values_to_be_between",
                  "kwargs": {"column": aggregate, "min_value": 0}})
    return suite


def grade(case, folder, *, table=None, carte=None, suite=None):
    """Write the artefacts into ``folder`` and run the three checks on them."""
    folder.mkdir(exist_ok=True)
    if table is not None:
        table.to_csv(folder / "table.csv", sep=";", decimal=",", index=False)
    if carte is not None:
        carte.to_csv(folder / "carte.csv", index=False)
    if suite is not None:
        (folder / "suite.json").write_text(json.dumps({"expectations": suite}), encoding="utf-8")
    ctx = CheckContext(answers={}, ground_truth=case.ground_truth,
                       ground_truth_dir=case.layout.ground_truth_dir, workdir=folder)
    answer = PreparationAnswer(table="table.csv", carte="carte.csv", suite="suite.json")
    out = {}
    for name, func in (("table", modelling_table), ("carte", data_map), ("suite", expectation_suite)):
        try:
            out[name] = func(ctx, answer)
        except AnswerError as exc:
            out[name] = (None, str(exc))
    return out


@pytest.fixture(scope="module")
def prepared(case):
    table = own_etl(case)
    return table, own_map(case), own_suite(case, table)


def test_variants_are_held_back_and_each_carries_one_defect(case):
    truth = case.ground_truth
    quality = truth.quality
    root = case.layout.root
    assert {v.kind for v in quality.variants} == {d.kind for d in truth.defects}
    clean = pd.read_csv(root / quality.clean_table)
    assert clean[truth.key].is_unique and list(clean.columns) == quality.columns
    assert not any(str(p).startswith(str(case.layout.data_dir)) for p in (root / v.file for v in quality.variants))
    for variant in quality.variants:
        frame = pd.read_csv(root / variant.file)
        if variant.kind == "duplicate":
            assert len(frame) > len(clean) and frame[truth.key].duplicated().any()
            continue
        assert len(frame) == len(clean)
        changed = [c for c in clean.columns if not frame[c].astype(str).equals(clean[c].astype(str))]
        assert changed == [variant.column]


def test_an_independent_preparation_gets_every_point(case, prepared, tmp_path):
    table, carte, suite = prepared
    results = grade(case, tmp_path / "equipe", table=table, carte=carte, suite=suite)
    assert results["table"][0] == 1.0, results["table"][1]
    assert results["carte"][0] == 1.0, results["carte"][1]
    assert results["suite"][0] == 1.0, results["suite"][1]
    assert "lignes_" in results["suite"][1]  # the aggregate's expectation is reported as not run


def test_modelling_table_faults_each_cost_points(case, prepared, tmp_path):
    truth = case.ground_truth
    table, _, _ = prepared
    released = pd.read_csv(case.layout.table(truth.main_table), dtype=str).drop_duplicates(subset=truth.key)
    direct = next(c for c, cat in truth.gdpr_categories[truth.main_table].items() if cat == "identifiant_direct")
    with_id = table.merge(released[[truth.key, direct]].rename(columns={direct: "contact"}), on=truth.key)
    score, why = grade(case, tmp_path / "id", table=with_id)["table"]
    assert score == 0.0 and f"contient {truth.main_table}.{direct}" in why

    duplicated = pd.concat([table, table.head(7)], ignore_index=True)
    score, why = grade(case, tmp_path / "dup", table=duplicated)["table"]
    assert 0 < score < 1 and "doublons de clé : 7" in why

    format_defect = next(d for d in truth.defects if d.kind == "inconsistent_format" and d.table == truth.main_table
                         and truth.feature_types.get(d.column) == "date")
    raw = table.copy()
    raw[format_defect.column] = released.set_index(truth.key).loc[raw[truth.key], format_defect.column].to_numpy()
    score, why = grade(case, tmp_path / "raw", table=raw)["table"]
    assert 0 < score < 1 and f"{format_defect.column} : {len(format_defect.ids)} valeur(s)" in why

    dropped = table.iloc[: len(table) // 2]
    score, _ = grade(case, tmp_path / "half", table=dropped)["table"]
    assert score == pytest.approx((1 + 0.5 + 1) / 3, abs=0.01)


def test_data_map_without_personal_categories_loses_half(case, prepared, tmp_path):
    _, carte, _ = prepared
    score, why = grade(case, tmp_path / "carte", carte=carte.assign(**{"Catégorie": "non personnelle"}))["carte"]
    assert score == 0.5 and "0 sur" in why
    one_table = carte[carte["Table"] != carte["Table"].iloc[-1]]
    score, _ = grade(case, tmp_path / "carte2", carte=one_table)["carte"]
    assert score < 1


def test_suite_with_one_missing_expectation_scores_strictly_less(case, prepared):
    truth = case.ground_truth
    _, _, suite = prepared
    root = case.layout.root
    clean = pd.read_csv(root / truth.quality.clean_table)
    variants = [Variant(v.kind, v.column, pd.read_csv(root / v.file)) for v in truth.quality.variants]
    as_gx = [{"type": e["expectation_type"], "kwargs": e["kwargs"]} for e in suite
             if not e["kwargs"]["column"].startswith("lignes_")]
    assert score_suite(as_gx, clean, variants).fraction == 1.0
    out_of_range = next(v.column for v in variants if v.kind == "out_of_range")
    for dropped in ("expect_column_values_to_be_unique", "expect_column_values_to_be_between"):
        fewer = [e for e in as_gx if not (e["type"] == dropped and e["kwargs"]["column"] in (truth.key, out_of_range))]
        assert len(fewer) == len(as_gx) - 1
        assert score_suite(fewer, clean, variants).fraction < 1.0


def test_suite_failing_on_clean_data_is_penalised_and_code_is_refused(case, prepared, tmp_path):
    truth = case.ground_truth
    _, _, suite = prepared
    # the target holds both classes in the clean table: a suite asking for positives only fails on it
    strict = suite + [{"expectation_type": "expect_column_values_to_be_in_set",
                       "kwargs": {"column": truth.target.column, "value_set": [1]}}]
    score, why = grade(case, tmp_path / "strict", suite=strict)["suite"]
    kinds = len(truth.quality.variants)
    assert score == pytest.approx((kinds - 1) / kinds) and "table propre" in why
    score, why = grade(case, tmp_path / "code", suite=[{"type": "__import__", "kwargs": {"name": "os"}}])["suite"]
    assert score is None and "refusée" in why
    score, why = grade(case, tmp_path / "unknown", suite=[{"type": "expect_nothing_at_all", "kwargs": {}}])["suite"]
    assert score is None and "expect_nothing_at_all" in why


def test_reference_suite_of_the_lab_scores_full_and_less_without_one_expectation(demo_ws):
    """The suite the reference notebook wrote (demo cohort) catches every defect kind; minus one, it does not."""
    from mspr.case.truth import GroundTruth

    truth = GroundTruth.load(demo_ws.case.ground_truth)
    folder = demo_ws.autograded("ref", "a2_conception") / "livrables_a2"
    suite = json.loads((folder / "suite_attentes.json").read_text(encoding="utf-8"))
    root = demo_ws.case.root
    clean = pd.read_csv(root / truth.quality.clean_table)
    variants = [Variant(v.kind, v.column, pd.read_csv(root / v.file)) for v in truth.quality.variants]
    full = score_suite(suite, clean, variants)
    assert full.fraction == 1.0 and not full.clean_failures and not full.missed
    unique = [e for e in suite if e["type"] != "expect_column_values_to_be_unique"]
    assert len(unique) == len(suite) - 1 and score_suite(unique, clean, variants).fraction < 1.0
    assert np.isclose(score_suite(unique, clean, variants).fraction, 1 - 1 / len(variants))
