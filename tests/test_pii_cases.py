"""The French PII engine on each bundled case, against the span-level ground truth.

Must reach, per pattern entity type (NIR, IBAN, SIREN/SIRET, e-mail, phone):
recall ≥ 0.95 and precision ≥ 0.90, in free text (spans) and in columns
(cells); and no technical identifier column may be reported as personal
data. PERSON and LOCATION are measured by ``benchmarks/pii_quality.py`` and
reported in the README, not asserted here. Cases are built with 400 rows in
the main table to keep the run short.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from mspr.case import build_case
from mspr.pii import build_analyzer, technical_patterns
from mspr.pii_eval import PATTERN_ENTITIES, column_scores, free_text_scores, match, technical_columns_flagged

ROOT = Path(__file__).resolve().parents[1]
CASES = ("mutuelle_horizon", "hainaut_polymeres", "oceane_mobilites")


@pytest.fixture(scope="module", params=CASES)
def measured(request, tmp_path_factory):
    build = build_case(ROOT / "cases" / request.param, out=tmp_path_factory.mktemp(request.param) / "b", rows=400)
    analyzer = build_analyzer(technical_patterns(build.spec))
    return {
        "build": build,
        "text": free_text_scores(analyzer, build).set_index("entity"),
        "columns": column_scores(analyzer, build, sample=80).set_index("entity"),
        "flagged": technical_columns_flagged(analyzer, build, sample=80),
    }


def _check(scores, where):
    failures = []
    for entity in PATTERN_ENTITIES:
        if entity not in scores.index:
            continue
        row = scores.loc[entity]
        if row.n_true and not row.recall >= 0.95:
            failures.append(f"{where} {entity}: recall {row.recall:.3f} ({row.n_true} true)")
        if row.n_found and not (row.precision >= 0.90 or math.isnan(row.precision)):
            failures.append(f"{where} {entity}: precision {row.precision:.3f} ({row.n_found} found)")
    return failures


def test_pattern_entities_in_free_text(measured):
    scores = measured["text"]
    assert set(PATTERN_ENTITIES) & {e for e in scores.index if scores.loc[e].n_true > 0}, "no pattern span in truth"
    assert not _check(scores, "free text")


def test_pattern_entities_in_columns(measured):
    scores = measured["columns"]
    assert (scores.n_true > 0).any()
    assert not _check(scores, "columns")


def test_no_technical_identifier_column_is_personal(measured):
    assert measured["build"].ground_truth.technical_ids
    assert measured["flagged"] == []


def test_span_match_rule():
    # « Madame Claire Morel » (0, 19) stands for « Claire Morel » (7, 19); « Claire » alone does not
    assert match((0, 19), (7, 19))
    assert not match((0, 6), (0, 19))
    assert not match((0, 5), (5, 10))
