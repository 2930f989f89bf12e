"""Throughput of the PII audit against the naive loop of ``AnalyzerEngine.analyze`` per cell.

Run: ``.venv/bin/python benchmarks/pii_throughput.py [--scales 1 10] [--naive-sample 600] [--model fr_core_news_md]``

For the default case built at each scale (1 = its rows, 10 = ten times), in
the same run:

- full-table column audit: :func:`mspr.pii.audit_table` on every cell of the
  main table, against ``analyzer.analyze(cell)`` for each cell;
- full free-text scan: :func:`mspr.pii.scan_texts` on every free-text cell,
  against ``analyzer.analyze(text)`` for each text.

The naive loop is timed on a deterministic uniform sample of cells (all of
them when there are fewer than ``--naive-sample``) and its time per cell is
multiplied by the number of cells: its cost is one call per cell, so the
estimate is linear. The fast path is timed on all cells. Timings are printed,
never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def naive_seconds(analyzer, cells: list[str], sample: int) -> tuple[float, int]:
    """Estimated time of ``analyze`` on every cell, from a uniform sample (seconds, cells timed)."""
    picked = cells if len(cells) <= sample else random.Random(0).sample(cells, sample)
    start = time.perf_counter()
    for cell in picked:
        analyzer.analyze(cell, language="fr", score_threshold=0.3)
    elapsed = time.perf_counter() - start
    return elapsed / len(picked) * len(cells), len(picked)


def main(argv: list[str] | None = None) -> None:
    """Build the default case at each scale and print both timings and their ratio."""
    import pandas as pd

    from mspr.case import build_case, load_case_spec
    from mspr.paths import DEFAULT_CASE
    from mspr.pii import DEFAULT_SPACY_MODEL, audit_table, build_analyzer, scan_texts, technical_patterns

    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", type=int, nargs="*", default=[1, 10])
    parser.add_argument("--naive-sample", type=int, default=600)
    parser.add_argument("--model", default=DEFAULT_SPACY_MODEL)
    args = parser.parse_args(argv)
    spec = load_case_spec(DEFAULT_CASE)
    analyzer = build_analyzer(technical_patterns(spec), model=args.model)
    print(f"modèle spaCy {args.model}, charge {os.getloadavg()[0]:.1f}", flush=True)
    analyzer.analyze("Préchauffage du modèle : Claire Morel, 06 12 34 56 78.", language="fr")
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            build = build_case(DEFAULT_CASE, out=Path(tmp) / f"x{scale}", rows=spec.donnees.lignes * scale)
            truth = build.ground_truth
            main_table = pd.read_csv(build.layout.table(truth.main_table), dtype=str, keep_default_na=False)
            cells = [v for column in main_table.columns for v in main_table[column] if v.strip()]
            naive, timed_cells = naive_seconds(analyzer, cells, args.naive_sample)
            start = time.perf_counter()
            audit_table(main_table, analyzer=analyzer, columns=list(main_table.columns))
            fast = time.perf_counter() - start
            print(f"×{scale} audit des colonnes ({truth.main_table}, {len(cells)} cellules) : boucle naïve "
                  f"{naive:.1f} s (estimée sur {timed_cells} cellules), audit_table {fast:.1f} s, "
                  f"rapport {naive / fast:.1f}× (charge {os.getloadavg()[0]:.1f})", flush=True)
            texts = []
            for table, column in sorted({(s.table, s.column) for s in truth.pii_spans}):
                frame = pd.read_csv(build.layout.table(table), dtype=str, keep_default_na=False)
                texts += [v for v in frame[column] if v.strip()]
            naive, timed_cells = naive_seconds(analyzer, texts, args.naive_sample)
            start = time.perf_counter()
            scan_texts(texts, analyzer=analyzer)
            fast = time.perf_counter() - start
            print(f"×{scale} texte libre ({len(texts)} textes) : boucle naïve {naive:.1f} s (estimée sur "
                  f"{timed_cells} textes), scan_texts {fast:.1f} s, rapport {naive / fast:.1f}×", flush=True)


if __name__ == "__main__":
    main()
