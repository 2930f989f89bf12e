"""Subprocess entry point: load a candidate's model and predict.

A candidate's model is code (a pickle): it is loaded in this throw-away
process, which receives features only, never labels, and writes predictions
as JSON. Usage::

    python -m mspr.grading._model_worker SPEC_JSON

with ``SPEC_JSON`` holding ``{"model_uri", "tracking_uri" (or null),
"flavor": "sklearn" | "pyfunc", "method": "proba" | "predict", "input",
"output"}``.
"""

import json
import sys

import mspr  # noqa: F401  (offline settings before mlflow is imported)


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        spec = json.load(fh)
    import mlflow
    import numpy as np
    import pandas as pd

    if spec.get("tracking_uri"):
        mlflow.set_tracking_uri(spec["tracking_uri"])
    features = pd.read_csv(spec["input"])
    if spec["flavor"] == "sklearn":
        model = mlflow.sklearn.load_model(spec["model_uri"])
        if spec["method"] == "proba" and hasattr(model, "predict_proba"):
            values = model.predict_proba(features)[:, 1]
        else:
            values = model.predict(features)
    else:
        from mspr.case.model import widen_integers

        model = mlflow.pyfunc.load_model(spec["model_uri"])
        values = model.predict(widen_integers(features, model.metadata.get_input_schema()))
    values = np.asarray(values, dtype=float).ravel().tolist()
    with open(spec["output"], "w", encoding="utf-8") as fh:
        json.dump(values, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
