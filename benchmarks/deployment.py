"""The reference deployment test of every bundled case: latency and throughput (``make bench-deployment``).

For each case: build it (in a temporary folder), serve its reference model
with :class:`mspr.serving.ModelServer`, and run the A3 lab's Locust load test
(:func:`mspr.loadtest.run_load_test`, 4 s at the case's mean rate then 4 s at
its peak, one row per request, the rows of ``echantillon_requetes.csv``).
Prints one line per case and writes ``build/bench/deployment.json`` with the
machine's load average before and after. With ``--runs N`` the load test is
run N times against the same server, 10 s apart, and the largest ratio
between two runs' p50 and p95 is reported: the spread the grader's
re-measurement tolerance (a factor 10, ``A3C3.load_test_measures``) must
cover. Timings are measured here, never asserted in tests.

Usage: ``.venv/bin/python benchmarks/deployment.py [--runs N (default 3)] [CASE_DIR ...]``.
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from mspr.case import build_case
from mspr.loadtest import go_no_go, indicators
from mspr.paths import REPO_ROOT
from mspr.serving import ModelServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cases", nargs="*", type=Path,
                        default=sorted(p.parent for p in (REPO_ROOT / "cases").glob("*/case.yaml")))
    parser.add_argument("--runs", type=int, default=3, help="load tests per case against one server")
    args = parser.parse_args()
    out = REPO_ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for case in args.cases:
        with tempfile.TemporaryDirectory(prefix="mspr-bench-") as tmp:
            built = build_case(case, out=Path(tmp) / "case")
            levels = built.spec.production.niveaux_de_service.model_dump()
            rows = pd.read_csv(built.layout.sample)
            load_before = os.getloadavg()
            with ModelServer(built.layout.model_dir, log=Path(tmp) / "journal_serveur.log") as server:
                from mspr.loadtest import run_load_test

                runs = []
                for i in range(max(1, args.runs)):
                    if i:
                        time.sleep(10)
                    table = run_load_test(server.url, rows, mean_rps=levels["debit_moyen_rps"],
                                          peak_rps=levels["debit_pointe_rps"], seconds=4,
                                          out=Path(tmp) / f"test_charge_{i}" / "requetes.csv")
                    runs.append(indicators(table))
            load_after = os.getloadavg()
        measures = runs[0]
        spread = {k: round(max(r[k] for r in runs) / min(r[k] for r in runs), 2) for k in ("p50_ms", "p95_ms")}
        results[case.name] = {**{k: round(v, 1) for k, v in measures.items()}, "levels": levels,
                              "runs": [{k: round(v, 1) for k, v in r.items()} for r in runs], "spread": spread,
                              "go": go_no_go(measures, levels), "startup_s": round(server.startup_s, 1),
                              "load_before": [round(x, 2) for x in load_before],
                              "load_after": [round(x, 2) for x in load_after], "cores": os.cpu_count()}
        print(f"{case.name:20s} {measures['requetes']:4d} requêtes  {measures['debit_rps']:5.1f} req/s  "
              f"p50 {measures['p50_ms']:6.1f} ms  p95 {measures['p95_ms']:6.1f} ms  p99 {measures['p99_ms']:6.1f} ms  "
              f"erreurs {measures['taux_erreur_pct']:.1f} %  {'GO' if results[case.name]['go'] else 'NO-GO'}  "
              f"(charge {load_before[0]:.1f} → {load_after[0]:.1f})"
              + (f"  écart entre {len(runs)} essais : p50 ×{spread['p50_ms']}, p95 ×{spread['p95_ms']}"
                 if len(runs) > 1 else ""), flush=True)
    (out / "deployment.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
