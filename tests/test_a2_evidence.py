"""A2 graded from evidence: scripted faulty teams and two independent correct solutions.

Each team logs a real model in its own MLflow store; the A2 checks reload it in
the sandboxed worker. Expectations are stated from what each team did (which
column it feeds, whether it cross-validated), not from the grader's output.
"""

import os
import sys
from pathlib import Path

import cloudpickle
import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from mspr.case import build_case
from mspr.case import model as reference
from mspr.grading.checks import CheckContext, run_checks
from mspr.grading.checks.a2_conception import suspect_columns
from mspr.paths import DEFAULT_CASE
from mspr.tracking import tracking_store

sys.path.insert(0, str(Path(__file__).parent))
import _a2_teams as teams  # noqa: E402

A2_CHECKS = ("A2C1.leaky_column", "A2C1.model_inputs", "A2C6.holdout_auc", "A2C8.cross_validation")


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    built = build_case(DEFAULT_CASE, out=tmp_path_factory.mktemp("a2") / "cas")
    truth = built.ground_truth
    table = pd.read_csv(built.layout.table(truth.main_table))
    X, y = reference.prepare_training_data(table, key=truth.key, target=truth.target.column,
                                           drop=[truth.target.regression_column] if truth.target.regression_column
                                           else [])
    return built, X, y


def spec_of(truth, *, extra_categorical=()):
    features = reference.FeatureSpec.from_truth(truth)
    return reference.FeatureSpec(features.numeric, features.dates, (*features.categorical, *extra_categorical),
                                 features.ranges, features.reference_date)


def submit(case, workdir, model, log, *, fit=True, run_name="equipe"):
    """Log ``model`` (fitted on all training rows unless ``fit=False``) after ``log(X, y)``; grade it."""
    built, X, y = case
    truth = built.ground_truth
    workdir.mkdir()
    old = Path.cwd()
    os.chdir(workdir)  # the default artifact root is relative to the working folder, as in the notebook
    try:
        uri = tracking_store(workdir)
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment("a2")
        for module in (teams, reference):
            cloudpickle.register_pickle_by_value(module)
        with mlflow.start_run(run_name=run_name) as run:
            log(X, y)
            if fit:
                model.fit(X, y)
            info = mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle")
    finally:
        for module in (teams, reference):
            cloudpickle.unregister_pickle_by_value(module)
        mlflow.set_tracking_uri(None)
        os.chdir(old)
    answers = {"A2C1.leaky_column": truth.leaky_column.column,
               "A2C6.model": {"tracking_uri": uri, "model_uri": info.model_uri, "run_id": run.info.run_id}}
    context = CheckContext(answers=answers, ground_truth=truth, ground_truth_dir=built.layout.ground_truth_dir,
                           workdir=workdir)
    # the criteria about the champion model (the store's families, the threshold… are tested in test_a2_models.py)
    return {r.check_id: r for r in run_checks("a2_conception", context) if r.check_id in A2_CHECKS}


def fold_scores(model, X, y, folds):
    return [roc_auc_score(y.iloc[te], clone(model).fit(X.iloc[tr], y.iloc[tr]).predict_proba(X.iloc[te])[:, 1])
            for tr, te in folds.split(X, y)]


def log_steps(model, folds, name="cv_roc_auc"):
    def log(X, y):
        scores = fold_scores(model, X, y, folds)
        for step, score in enumerate(scores):
            mlflow.log_metric(name, score, step=step)
        mlflow.log_metric(f"{name}_mean", float(np.mean(scores)))
    return log


def full(results):
    return {k: r.score for k, r in results.items() if r.score < r.max_score}


# -- faulty teams: each loses the named criterion, with a French reason ------------

def test_identifier_as_a_feature_loses_the_data_choice(case, tmp_path):
    truth = case[0].ground_truth
    direct = next(c for c, why in suspect_columns(truth).items() if why == "identifiant direct")
    model = reference.build_pipeline(spec_of(truth, extra_categorical=(direct,)))
    results = submit(case, tmp_path / "t", model, log_steps(model, StratifiedKFold(5, shuffle=True, random_state=1)))
    assert results["A2C1.model_inputs"].score == 0
    assert f"« {direct} » (identifiant direct" in results["A2C1.model_inputs"].evidence
    assert results["A2C8.cross_validation"].score == 2  # its cross-validation is real


def test_leaky_column_as_a_feature_loses_the_data_choice(case, tmp_path):
    truth = case[0].ground_truth
    leak = truth.leaky_column.column
    model = reference.build_pipeline(spec_of(truth, extra_categorical=(leak,)))
    results = submit(case, tmp_path / "t", model, log_steps(model, StratifiedKFold(5, shuffle=True, random_state=1)))
    assert results["A2C1.model_inputs"].score == 0
    assert f"« {leak} » (fuite de la cible" in results["A2C1.model_inputs"].evidence
    assert results["A2C1.leaky_column"].score == 1  # it named the leak, then used it


def test_no_cross_validation_but_a_cv_named_metric_loses_the_test_procedure(case, tmp_path):
    truth = case[0].ground_truth
    model = reference.build_pipeline(spec_of(truth))

    def log(X, y):
        Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
        auc = roc_auc_score(yb, clone(model).fit(Xa, ya).predict_proba(Xb)[:, 1])
        mlflow.log_params({"cv_n_splits": 5})
        mlflow.log_metrics({"cv_roc_auc_mean": auc, "cv_roc_auc_std": 0.01})

    results = submit(case, tmp_path / "t", model, log)
    assert results["A2C8.cross_validation"].score == 0
    assert "aucun score par pli" in results["A2C8.cross_validation"].evidence
    assert "cv_roc_auc_mean" in results["A2C8.cross_validation"].evidence
    assert results["A2C6.holdout_auc"].score == 4 and results["A2C1.model_inputs"].score == 1


def test_accuracy_on_the_training_set_loses_the_test_procedure(case, tmp_path):
    truth = case[0].ground_truth
    model = reference.build_pipeline(spec_of(truth))

    def log(X, y):
        fitted = clone(model).fit(X, y)  # same seed: the logged model gives the same training accuracy
        mlflow.log_metric("val_accuracy", float(fitted.score(X, y)))

    results = submit(case, tmp_path / "t", model, log)
    assert results["A2C8.cross_validation"].score == 0
    assert "« val_accuracy » = exactitude sur les données d'apprentissage" in results["A2C8.cross_validation"].evidence


def test_cross_validation_numbers_that_do_not_match_lose_the_test_procedure(case, tmp_path):
    truth = case[0].ground_truth
    model = reference.build_pipeline(spec_of(truth))

    def log(X, y):
        for step, score in enumerate([0.97, 0.98, 0.96, 0.99, 0.97]):  # typed, not measured
            mlflow.log_metric("auc", score, step=step)

    results = submit(case, tmp_path / "t", model, log)
    assert results["A2C8.cross_validation"].score == 0
    assert "ne correspondent pas" in results["A2C8.cross_validation"].evidence


def test_an_unfitted_model_loses_model_quality_but_keeps_its_cross_validation(case, tmp_path):
    truth = case[0].ground_truth
    model = reference.build_pipeline(spec_of(truth))
    results = submit(case, tmp_path / "t", model, log_steps(model, StratifiedKFold(5, shuffle=True, random_state=2)),
                     fit=False)
    assert results["A2C6.holdout_auc"].score == 0
    assert "n'est pas entraîné" in results["A2C6.holdout_auc"].evidence
    assert results["A2C8.cross_validation"].score == 2
    assert results["A2C1.model_inputs"].score == 1  # its ColumnTransformer reads the features only


def test_a_constant_model_earns_no_model_quality_point(case, tmp_path):
    truth = case[0].ground_truth
    model = reference.build_pipeline(spec_of(truth))
    model.steps[-1] = ("classifier", DummyClassifier(strategy="prior"))
    results = submit(case, tmp_path / "t", model, log_steps(model, StratifiedKFold(5, shuffle=True, random_state=3)))
    assert results["A2C6.holdout_auc"].score == 0
    assert "constantes" in results["A2C6.holdout_auc"].evidence
    assert results["A2C8.cross_validation"].score == 2  # an honest (useless) cross-validation


# -- correct solutions written independently of the reference ----------------------

def _features(truth):
    spec = reference.FeatureSpec.from_truth(truth)
    return spec.numeric, spec.dates, spec.categorical


def test_forest_team_with_numbered_metrics_and_ten_folds_loses_no_point(case, tmp_path):
    truth = case[0].ground_truth
    model = teams.forest_team(*_features(truth))

    def log(X, y):
        scores = fold_scores(model, X, y, StratifiedKFold(10, shuffle=True, random_state=123))
        mlflow.log_metrics({f"auc_pli_{i + 1}": s for i, s in enumerate(scores)})

    results = submit(case, tmp_path / "t", model, log, run_name="essai-foret")
    assert full(results) == {}, {k: results[k].evidence for k in full(results)}


def test_boosting_team_with_child_runs_and_average_precision_loses_no_point(case, tmp_path):
    truth = case[0].ground_truth
    model = teams.boosting_team(*_features(truth))

    def log(X, y):
        from sklearn.metrics import average_precision_score

        for i, (tr, te) in enumerate(StratifiedKFold(6, shuffle=True, random_state=7).split(X, y)):
            fitted = clone(model).fit(X.iloc[tr], y.iloc[tr])
            with mlflow.start_run(run_name=f"pli {i}", nested=True):
                mlflow.log_metric("ap", average_precision_score(y.iloc[te], fitted.predict_proba(X.iloc[te])[:, 1]))

    results = submit(case, tmp_path / "t", model, log, run_name="gb-final")
    assert full(results) == {}, {k: results[k].evidence for k in full(results)}
