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


def widen_integers(features, schema):
    """Cast whole-number columns to float where the model's signature declares ``double``.

    ``pandas.read_csv`` reads a complete integer column as ``int64``, which
    MLflow refuses to widen to ``double`` (it does when it parses a request
    itself, as the scoring server does): the same rows must get the same
    predictions either way.

    Parameters
    ----------
    features : pandas.DataFrame
        The rows to predict, as read from CSV.
    schema : mlflow.types.Schema or None
        The model's input schema.

    Returns
    -------
    pandas.DataFrame
        A copy, integer columns declared ``double`` cast to ``float64``.
    """
    from mlflow.types import DataType

    features = features.copy()
    if schema is None or not schema.has_input_names():
        return features
    for spec in schema.inputs:
        if spec.name in features and getattr(spec, "type", None) == DataType.double \
                and features[spec.name].dtype.kind in "iu":
            features[spec.name] = features[spec.name].astype("float64")
    return features


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
        model = mlflow.pyfunc.load_model(spec["model_uri"])
        values = model.predict(widen_integers(features, model.metadata.get_input_schema()))
    values = np.asarray(values, dtype=float).ravel().tolist()
    with open(spec["output"], "w", encoding="utf-8") as fh:
        json.dump(values, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
