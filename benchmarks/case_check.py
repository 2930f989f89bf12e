"""Time `mspr case check` on every bundled case (``make bench-cases``).

Timings are measured here, never asserted in tests. Prints one line per case
with its verdict and writes ``build/bench/case_check.json``, with the
machine's load average before and after each check.

Usage: ``.venv/bin/python benchmarks/case_check.py [CASE_DIR ...]``.
"""

import argparse
import json
import os
import time
from pathlib import Path

from mspr.casecheck import check_case
from mspr.paths import REPO_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cases", nargs="*", type=Path,
                        default=sorted(p.parent for p in (REPO_ROOT / "cases").glob("*/case.yaml")))
    args = parser.parse_args()
    out = REPO_ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for case in args.cases:
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        verdict = check_case(case, echo=lambda line: None)
        seconds = round(time.perf_counter() - start, 1)
        results[case.name] = {"seconds": seconds, "ok": verdict.ok, "load_before": round(load_before, 2),
                              "load_after": round(os.getloadavg()[0], 2), "cores": os.cpu_count()}
        print(f"{case.name:24s} {seconds:8.1f} s  {'prêt' if verdict.ok else 'NON PRÊT'}  "
              f"(charge {load_before:.1f} → {os.getloadavg()[0]:.1f})", flush=True)
    (out / "case_check.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
