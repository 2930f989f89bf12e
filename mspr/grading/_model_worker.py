"""Subprocess entry point: load a candidate's model and predict, or audit it.

A candidate's model is code (a pickle): it is loaded in this throw-away
process, which receives features only, never the holdout's labels, and
writes its results as JSON. Usage::

    python -m mspr.grading._model_worker SPEC_JSON

with ``SPEC_JSON`` holding ``{"model_uri", "tracking_uri" (or null),
"flavor": "sklearn" | "pyfunc", "method": "proba" | "predict", "input",
"output"}``, or ``{"mode": "audit", ...}`` for :func:`audit` (what the
fitted model reads, permutation of suspect columns, cross-validation of a
clone on the released training table), or ``{"mode": "inspect", ...}`` for
:func:`inspect_models` (class, family and seed of every logged model).
"""

import json
import sys
import traceback

import mspr  # noqa: F401  (offline settings before mlflow is imported)

#: Training rows whose suspect columns are permuted (the holdout's leaking column is empty).
PERMUTED_TRAIN_ROWS = 1000

#: Scores recomputed on each fold: any of them may be what the team logged.
FOLD_SCORES = ("roc_auc", "average_precision", "accuracy", "balanced_accuracy", "f1", "precision", "recall")


def _error(exc: BaseException) -> str:
    """One line naming an exception (for the grader's French evidence)."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:240] if str(exc) else ''}"


def _positive_scores(model, features):
    """Positive-class score: ``predict_proba[:, 1]``, else ``decision_function``, else ``predict``."""
    import numpy as np

    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(features))[:, 1].astype(float)
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(features), dtype=float).ravel()
    return np.asarray(model.predict(features), dtype=float).ravel()


def _fold_scores(y, scores, labels) -> dict:
    """Every score of :data:`FOLD_SCORES` for one fold (``nan`` when undefined)."""
    import numpy as np
    from sklearn import metrics

    out = {}
    for name in FOLD_SCORES:
        try:
            if name in ("roc_auc", "average_precision"):
                value = getattr(metrics, f"{name}_score")(y, scores)
            elif name in ("precision", "recall", "f1"):
                value = getattr(metrics, f"{name}_score")(y, labels, zero_division=0)
            else:
                value = getattr(metrics, f"{name}_score")(y, labels)
        except (ValueError, TypeError):
            value = np.nan
        out[name] = float(value)
    return out


def _selected_columns(model, received):
    """Raw columns a pipeline's leading ``ColumnTransformer`` passes on (fitted or not).

    Returns ``None`` when the model does not start with a ``ColumnTransformer``
    (then every column it received may be read).
    """
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    first = model
    while isinstance(first, Pipeline):
        first = first.steps[0][1]
    if not isinstance(first, ColumnTransformer):
        return None
    names = list(getattr(first, "feature_names_in_", received if received is not None else []))
    fitted = hasattr(first, "transformers_")
    transformers = first.transformers_ if fitted else list(first.transformers)
    selected, used = [], set()
    for _, transformer, columns in transformers:
        if isinstance(columns, str):
            columns = [columns]
        if callable(columns) and not fitted:  # make_column_selector before fit: unknown
            return None
        if isinstance(columns, slice):
            columns = names[columns]
        columns = list(np.atleast_1d(np.asarray(columns, dtype=object)))
        if columns and all(isinstance(c, (bool, np.bool_)) for c in columns):
            columns = [n for n, keep in zip(names, columns) if keep]
        columns = [names[int(c)] if isinstance(c, (int, np.integer)) and names else str(c) for c in columns]
        used.update(columns)
        if isinstance(transformer, str) and transformer == "drop":
            continue
        selected.extend(c for c in columns if c not in selected)
    if not fitted and first.remainder != "drop":
        selected.extend(c for c in names if c not in used and c not in selected)
    return selected


def audit(spec: dict) -> dict:
    """Evidence about a logged sklearn model, each part independent of the others.

    Parameters
    ----------
    spec : dict
        ``model_uri``, ``tracking_uri``; ``holdout`` (CSV of the holdout's
        features, no label); ``train`` (CSV of the released main table, its
        public target included), ``key``, ``target``, ``drop`` (other target
        columns); ``suspects`` (columns the model must not read);
        ``n_splits`` and ``seeds`` (stratified k-fold repetitions).

    Returns
    -------
    dict
        ``load_error``; ``received`` (``feature_names_in_`` or null),
        ``selected`` (columns its leading ``ColumnTransformer`` passes on, or
        null), ``fitted`` and ``fit_error``; ``holdout`` (scores, or null and
        ``holdout_error``); ``changed`` (suspect column -> largest change of
        the scores when it is permuted, over the holdout and training rows);
        ``cv`` (list of ``{"seed", "folds": [scores per fold]}``) or
        ``cv_error``; ``train_scores`` (scores of the logged model on the
        training rows it was fitted on) or null.
    """
    import mlflow
    import numpy as np
    import pandas as pd
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold
    from sklearn.utils.validation import check_is_fitted

    out = {"load_error": None, "received": None, "selected": None, "fitted": False, "fit_error": None,
           "holdout": None, "holdout_error": None, "changed": {}, "cv": None, "cv_error": None,
           "train_scores": None}
    if spec.get("tracking_uri"):
        mlflow.set_tracking_uri(spec["tracking_uri"])
    holdout = pd.read_csv(spec["holdout"])
    table = pd.read_csv(spec["train"])
    table = table.drop_duplicates(subset=spec["key"])
    table = table[table[spec["target"]].notna()]
    y = table[spec["target"]].astype(int).to_numpy()
    X = table.drop(columns=[spec["target"], *spec["drop"]]).reset_index(drop=True)
    try:
        model = mlflow.sklearn.load_model(spec["model_uri"])
    except Exception as exc:  # noqa: BLE001 - the candidate's code: any failure is evidence
        out["load_error"] = _error(exc)
        return out
    received = getattr(model, "feature_names_in_", None)
    out["received"] = None if received is None else [str(c) for c in received]
    try:
        out["selected"] = _selected_columns(model, out["received"])
    except Exception as exc:  # noqa: BLE001
        out["selected"] = None
        out["fit_error"] = f"structure illisible ({_error(exc)})"
    try:
        check_is_fitted(model)
        out["fitted"] = True
    except Exception as exc:  # noqa: BLE001
        out["fit_error"] = _error(exc)
    rng = np.random.default_rng(0)
    sample = X.iloc[np.sort(rng.permutation(len(X))[:PERMUTED_TRAIN_ROWS])].reset_index(drop=True)
    if out["fitted"]:
        try:
            base = _positive_scores(model, holdout)
            out["holdout"] = base.tolist()
        except Exception as exc:  # noqa: BLE001
            out["holdout_error"] = _error(exc)
        try:
            out["train_scores"] = _fold_scores(y, _positive_scores(model, X), np.asarray(model.predict(X)))
        except Exception:  # noqa: BLE001
            out["train_scores"] = None
        try:
            base_train = _positive_scores(model, sample)
        except Exception:  # noqa: BLE001
            base_train = None
        for column in spec["suspects"]:
            change = 0.0
            for frame, reference in ((holdout, out["holdout"]), (sample, base_train)):
                if reference is None or column not in frame:
                    continue
                permuted = frame.copy()
                permuted[column] = frame[column].to_numpy()[rng.permutation(len(frame))]
                try:
                    scores = _positive_scores(model, permuted)
                    change = max(change, float(np.nanmax(np.abs(scores - np.asarray(reference)))))
                except Exception:  # noqa: BLE001 - a model that breaks on a permuted id reads it
                    change = float("inf")
            out["changed"][column] = change if np.isfinite(change) else 1.0
    try:
        runs = []
        for seed in spec["seeds"]:
            folds = []
            for train, test in StratifiedKFold(n_splits=spec["n_splits"], shuffle=True,
                                               random_state=seed).split(X, y):
                estimator = clone(model).fit(X.iloc[train], y[train])
                scores = _positive_scores(estimator, X.iloc[test])
                labels = np.asarray(estimator.predict(X.iloc[test]))
                folds.append(_fold_scores(y[test], scores, labels))
            runs.append({"seed": seed, "folds": folds})
        out["cv"] = runs
    except Exception as exc:  # noqa: BLE001
        out["cv_error"] = _error(exc)
    return out


#: Model families of A2C5, by the final estimator's class (isinstance on scikit-learn's classes,
#: module prefix for the other libraries), checked in this order.
FAMILIES = (
    ("baseline", ("sklearn.dummy.DummyClassifier",), ()),
    ("lineaire", ("sklearn.linear_model._base.LinearClassifierMixin", "sklearn.svm.LinearSVC",
                  "sklearn.discriminant_analysis.LinearDiscriminantAnalysis"), ()),
    ("arbre", ("sklearn.tree.BaseDecisionTree",), ()),
    ("foret", ("sklearn.ensemble.RandomForestClassifier", "sklearn.ensemble.ExtraTreesClassifier"), ()),
    ("boosting", ("sklearn.ensemble.GradientBoostingClassifier", "sklearn.ensemble.HistGradientBoostingClassifier",
                  "sklearn.ensemble.AdaBoostClassifier"), ("xgboost", "lightgbm", "catboost")),
    ("reseau_neurones", ("sklearn.neural_network.MLPClassifier",), ("torch", "keras", "tensorflow")),
    ("segmentation", ("sklearn.cluster.KMeans", "sklearn.cluster.MiniBatchKMeans", "sklearn.cluster.Birch",
                      "sklearn.cluster.AgglomerativeClustering", "sklearn.cluster.DBSCAN",
                      "sklearn.mixture.GaussianMixture", "sklearn.mixture.BayesianGaussianMixture"), ()),
)


def _final_estimator(model):
    """The estimator at the end of pipelines, searches and wrappers (``best_estimator_``, ``estimator``)."""
    from sklearn.pipeline import Pipeline

    for _ in range(10):
        if isinstance(model, Pipeline):
            model = model.steps[-1][1]
        elif hasattr(model, "best_estimator_"):
            model = model.best_estimator_
        elif type(model).__name__ in ("CalibratedClassifierCV", "GridSearchCV", "RandomizedSearchCV",
                                      "HalvingGridSearchCV", "HalvingRandomSearchCV") and hasattr(model, "estimator"):
            model = model.estimator
        else:
            break
    return model


def _family(estimator) -> str | None:
    """The A2C5 family of an estimator (:data:`FAMILIES`), or None."""
    import importlib

    module = type(estimator).__module__ or ""
    for family, classes, prefixes in FAMILIES:
        for path in classes:
            owner, name = path.rsplit(".", 1)
            try:
                cls = getattr(importlib.import_module(owner), name)
            except (ImportError, AttributeError):
                continue
            if isinstance(estimator, cls):
                return family
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return family
    return None


def inspect_models(spec: dict) -> dict:
    """Class, family, seed and training state of each logged model of a store.

    Parameters
    ----------
    spec : dict
        ``tracking_uri``; ``models``: list of ``{"model_uri", "run_id"}``.

    Returns
    -------
    dict
        ``models``: one dict per input model with ``model_uri``, ``run_id``,
        ``error`` (loading failed, else null), ``estimator`` (module and
        class of the final estimator), ``family`` (:data:`FAMILIES` key or
        null), ``fitted``, ``random_states`` (every ``*random_state``
        parameter of the whole model: repr of its value), ``partial_fit``
        (the final estimator has one), ``samples_seen`` (``t_ - 1`` of SGD
        estimators, ``t_`` of ``MLPClassifier``, the sum of ``class_count_``
        of naive Bayes, else null) and
        ``updates`` (length of ``MLPClassifier.loss_curve_``, else null).
    """
    import mlflow
    from sklearn.utils.validation import check_is_fitted

    if spec.get("tracking_uri"):
        mlflow.set_tracking_uri(spec["tracking_uri"])
    out = []
    for item in spec["models"]:
        row = {"model_uri": item["model_uri"], "run_id": item["run_id"], "error": None, "estimator": None,
               "family": None, "fitted": False, "random_states": {}, "partial_fit": False,
               "samples_seen": None, "updates": None}
        out.append(row)
        try:
            model = mlflow.sklearn.load_model(item["model_uri"])
            final = _final_estimator(model)
            row["estimator"] = f"{type(final).__module__}.{type(final).__name__}"
            row["family"] = _family(final)
            row["partial_fit"] = callable(getattr(final, "partial_fit", None))
            try:
                params = model.get_params(deep=True)
            except Exception:  # noqa: BLE001
                params = {}
            row["random_states"] = {k: repr(v) for k, v in params.items()
                                    if k.endswith("random_state") and not hasattr(v, "get_params")}
            try:
                check_is_fitted(final)
                row["fitted"] = True
            except Exception:  # noqa: BLE001
                row["fitted"] = False
            seen = getattr(final, "t_", None)
            if isinstance(seen, (int, float)):
                row["samples_seen"] = float(seen) - (0.0 if row["family"] == "reseau_neurones" else 1.0)
            counts = getattr(final, "class_count_", None)  # naive Bayes: rows seen per class
            if row["samples_seen"] is None and counts is not None:
                row["samples_seen"] = float(sum(counts))
            curve = getattr(final, "loss_curve_", None)
            if curve is not None:
                row["updates"] = len(curve)
        except Exception as exc:  # noqa: BLE001 - the candidate's code: any failure is evidence
            row["error"] = _error(exc)
    return {"models": out}


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        spec = json.load(fh)
    import mlflow
    import numpy as np
    import pandas as pd

    if spec.get("mode") in ("audit", "inspect"):
        try:
            values = audit(spec) if spec["mode"] == "audit" else inspect_models(spec)
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            return 1
        with open(spec["output"], "w", encoding="utf-8") as fh:
            json.dump(values, fh, allow_nan=True)
        return 0
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
