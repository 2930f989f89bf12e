"""Simulation: how often does holdout noise alone cost a correct model A2C6 points?

For each bundled case, ``--trials`` independent samples of the case's
population are generated at the case's own size (seeds 10 000 + t). On each,
the reference pipeline is trained on the released rows and the A2C6 levels
are set from its holdout (:func:`mspr.case.thresholds.auc_thresholds`), as
``mspr case build`` does. A *correct model of the reference's quality* is the
same pipeline trained on another, independent sample: every model of the
other trials is scored on this trial's holdout, and the grade it would get is
compared with full marks. Prints, per case, the share of (holdout, model)
pairs losing points, its 95 % Wilson upper bound, and the normal
approximation of the loss probability from the margins ``(auc − pass) / sd``.
The target is ≤ 1 % (issue « A2 conception lab in depth »,
:data:`mspr.case.thresholds.MAX_LOSS_RATE`).

Usage: ``.venv/bin/python benchmarks/a2_thresholds.py [--trials 40] [--cases a b]``;
writes ``build/bench/a2_thresholds.json``.
"""

import argparse
import io
import json
import math
import os
import time

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from mspr.case import model as reference
from mspr.case.build import _features, _ranges
from mspr.case.generate import generate_dataset
from mspr.case.spec import load_case_spec
from mspr.case.thresholds import auc_thresholds
from mspr.errors import MsprError
from mspr.paths import REPO_ROOT


def as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as ``pandas.read_csv`` reads the released CSV."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    buffer.seek(0)
    return pd.read_csv(buffer)


def simulate(case: str, trials: int) -> dict:
    spec = load_case_spec(REPO_ROOT / "cases" / case)
    features = reference.FeatureSpec(
        numeric=tuple(_features(spec, "numerique")), dates=tuple(_features(spec, "date")),
        categorical=tuple(_features(spec, "categorielle")), ranges=_ranges(spec),
        reference_date=spec.donnees.date_reference.isoformat())
    runs = []
    for t in range(trials):
        seed = 10_000 + t
        generated = generate_dataset(spec, seed=seed, rows=spec.donnees.lignes)
        released = as_read(generated.tables[spec.main_table])
        X, y = reference.prepare_training_data(released, key=spec.main.key, target=spec.cible.colonne,
                                               drop=spec.target_columns[1:])
        pipeline = reference.build_pipeline(features, random_state=seed).fit(X, y)
        holdout = as_read(generated.holdout_features)
        labels = generated.holdout_labels[spec.cible.colonne].astype(int).to_numpy()
        try:
            levels = auc_thresholds(labels, pipeline.predict_proba(holdout)[:, 1], seed=seed)
        except MsprError:
            levels = None
        runs.append((pipeline, holdout, labels, levels))
    losses, margins, pairs, refused = 0, [], 0, sum(r[3] is None for r in runs)
    for t, (_, holdout, labels, levels) in enumerate(runs):
        if levels is None:
            continue
        for s, (model, *_rest) in enumerate(runs):
            if s == t:
                continue
            auc = roc_auc_score(labels, model.predict_proba(holdout)[:, 1])
            pairs += 1
            losses += auc < levels.pass_threshold
            margins.append((auc - levels.pass_threshold) / levels.holdout_sd)
    rate = losses / pairs
    z = 1.96
    upper = (rate + z * z / (2 * pairs) + z * math.sqrt(rate * (1 - rate) / pairs + z * z / (4 * pairs * pairs))) \
        / (1 + z * z / pairs)
    margins = np.asarray(margins)
    normal = float(norm.cdf(-margins.mean() / margins.std(ddof=1)))
    return {"case": case, "rows": spec.donnees.lignes, "trials": trials, "refused": refused, "pairs": pairs,
            "losses": int(losses), "loss_rate": rate, "wilson_upper_95": upper, "normal_approx": normal}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--cases", nargs="*", default=["mutuelle_horizon", "hainaut_polymeres", "oceane_mobilites"])
    args = parser.parse_args()
    results = []
    for case in args.cases:
        start = time.perf_counter()
        result = simulate(case, args.trials)
        result["seconds"] = round(time.perf_counter() - start, 1)
        result["load_average"] = os.getloadavg()[0]
        results.append(result)
        print(f"{case:20s} {result['losses']:4d}/{result['pairs']} paires perdent des points "
              f"({100 * result['loss_rate']:.2f} %, borne haute 95 % {100 * result['wilson_upper_95']:.2f} %, "
              f"approximation normale {100 * result["normal_approx"]:.1e} %) ; {result['seconds']} s", flush=True)
    out = REPO_ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "a2_thresholds.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
