"""A2 — design (``a2_conception``): the leaking column, the model's holdout AUC, the cross-validation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, TypeAdapter

from mspr.grading.checks._core import AnswerError, CheckContext, Text, check, parse


class ModelAnswer(BaseModel):
    """``A2C6.model``: where the team's model lives in its MLflow store.

    Attributes
    ----------
    tracking_uri : str
        ``sqlite:////abs/path/mlflow.db`` inside the team's folder.
    model_uri : str
        ``models:/m-<id>`` (what ``log_model`` returns), logged by ``run_id``.
    run_id : str
        The MLflow run holding the cross-validation metrics.
    """

    model_config = ConfigDict(extra="ignore")
    tracking_uri: Text
    model_uri: Text
    run_id: Text



@check("A2C1.leaky_column", assignment="a2_conception", max_score=1, schema=TypeAdapter(Text),
       label="Choix des données : colonne qui fuit la cible identifiée",
       scoring="the column that leaks the target is named (exact, case-insensitive, `table.` prefix allowed)")
def leaky_column(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Exact match (case-insensitive, ``table.`` prefix allowed).

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.leaky_column``.
    answer : str
        The name of the leaking column, alone or prefixed by its table.

    Returns
    -------
    fraction : float
        1.0 if it names the ground truth's leaking column, else 0.0 (also
        when the case has none).
    evidence : str
        French sentence quoting the answer and whether it is correct.
    """
    answer = answer.strip().lower()
    truth = ctx.ground_truth.leaky_column
    ok = truth is not None and answer in {truth.column.lower(), f"{truth.table}.{truth.column}".lower()}
    return float(ok), f"réponse « {answer} » : {'correcte' if ok else 'incorrecte'}"


def _local_path(uri: str) -> Path:
    """Filesystem path of a ``file://`` URI or plain path."""
    return Path(uri.removeprefix("file://")).resolve()


def _fr(value: float, decimals: int = 3) -> str:
    """A metric as the jury reads it: fixed decimals, decimal comma (``0.8594`` → ``"0,859"``)."""
    return f"{value:.{decimals}f}".replace(".", ",")


def _model_answer(ctx: CheckContext) -> ModelAnswer:
    """Parse ``A2C6.model`` and check the model is the team's own, logged by its run.

    The tracking store must be an absolute sqlite file inside the team's
    folder; the model must be a ``models:/m-…`` logged model of that store
    whose source run is ``run_id``, with its artifacts inside the team's folder.
    """
    if "model_answer" in ctx.cache:
        return ctx.cache["model_answer"]
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    answer = parse(ModelAnswer, ctx.answers["A2C6.model"], "A2C6.model")
    uri = answer.tracking_uri
    if not uri.startswith("sqlite:///"):
        raise AnswerError("tracking_uri : une base sqlite (sqlite:////chemin/absolu/mlflow.db) est attendue")
    db = Path(uri.removeprefix("sqlite:///"))
    if not db.is_absolute():
        raise AnswerError("tracking_uri doit être absolue (sqlite:////chemin/absolu/mlflow.db)")
    if not db.resolve().is_relative_to(ctx.workdir.resolve()) or not db.is_file():
        raise AnswerError("le suivi MLflow doit être une base existante dans le dossier de l'équipe")
    client = MlflowClient(tracking_uri=uri)
    try:
        # Only logged-model URIs: a runs:/ URI is resolved by MLflow through a
        # logged model whose location it would not let us check first.
        if answer.model_uri.startswith("models:/m-"):
            logged = client.get_logged_model(answer.model_uri.removeprefix("models:/"))
            if logged.source_run_id != answer.run_id:
                raise AnswerError(f"le modèle {answer.model_uri} n'a pas été journalisé par le run {answer.run_id}")
            artifacts = logged.artifact_location
        else:
            raise AnswerError("model_uri : l'URI renvoyée par mlflow.sklearn.log_model (models:/m-…) est attendue")
    except MlflowException as exc:
        raise AnswerError(f"modèle ou run introuvable dans le suivi MLflow de l'équipe : {exc.message[:200]}") from None
    if not _local_path(artifacts).is_relative_to(ctx.workdir.resolve()):
        raise AnswerError("les artefacts du modèle doivent être dans le dossier de l'équipe")
    ctx.cache["model_answer"] = answer
    return answer


def holdout_auc(ctx: CheckContext) -> float:
    """ROC AUC of the team's model on the hidden holdout (cached per submission).

    The model named by the answer ``A2C6.model`` is loaded with the sklearn
    flavour in a throw-away subprocess (:meth:`CheckContext.predict`) and
    scores ``holdout_features.csv``; its positive-class probabilities are
    compared with the target column of ``holdout_labels.csv``.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context. ``ctx.answers["A2C6.model"]`` is a dict
        with ``tracking_uri`` (``sqlite:////<absolute path>`` inside
        ``ctx.workdir``), ``model_uri`` and ``run_id`` (str). The result is
        stored in ``ctx.cache["holdout_auc"]``.

    Returns
    -------
    float
        ROC AUC in [0, 1] (0.5: no better than chance).

    Raises
    ------
    AnswerError
        If the answer is malformed, its tracking store is not an absolute
        sqlite path inside the team's folder, the model cannot be loaded or
        fails to predict, or it returns a number of predictions different
        from the number of holdout rows.
    """
    if "holdout_auc" not in ctx.cache:
        from sklearn.metrics import roc_auc_score

        answer = _model_answer(ctx)
        features = ctx.ground_truth_dir / "holdout_features.csv"
        scores = ctx.predict(model_uri=answer.model_uri, tracking_uri=answer.tracking_uri,
                             features=features, flavor="sklearn", method="proba")
        target = ctx.ground_truth.target.column
        labels = pd.read_csv(ctx.ground_truth_dir / "holdout_labels.csv")[target]
        if len(scores) != len(labels):
            raise AnswerError(f"{len(scores)} prédictions pour {len(labels)} lignes")
        ctx.cache["same_as_reference"] = False
        if ctx.reference_model is not None:
            # Not a verdict (a team may rebuild the same pipeline), a flag for the jury.
            reference = ctx.predict(model_uri=str(ctx.reference_model), features=features,
                                    flavor="sklearn", method="proba")
            ctx.cache["same_as_reference"] = max(abs(a - b) for a, b in zip(scores, reference)) < 1e-9
        ctx.cache["holdout_auc"] = float(roc_auc_score(labels, scores))
    return ctx.cache["holdout_auc"]


@check("A2C6.holdout_auc", assignment="a2_conception", max_score=4, schema=ModelAnswer,
       label="Performance du modèle sur le jeu de test caché (ROC AUC)", answer="A2C6.model",
       scoring="ROC AUC of the team's MLflow model on the hidden holdout, linear from 0.5 (0 points) to the "
               "case's pass threshold (reference model AUC − 0.03, full points)")
def holdout_auc_check(ctx: CheckContext, answer: ModelAnswer) -> tuple[float, str]:
    """Linear from AUC 0.5 (0) to the case's pass threshold (full marks).

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : ModelAnswer
        The parsed ``A2C6.model`` (read again by :func:`holdout_auc`).

    Returns
    -------
    fraction : float
        ``(auc − 0.5) / (pass_threshold − 0.5)`` clipped to [0, 1], where
        ``pass_threshold`` is the ground truth's
        ``reference_metric.pass_threshold`` (reference model's AUC − 0.03).
    evidence : str
        French sentence giving the holdout AUC, the threshold, the reference
        model's and the oracle's AUC.

    Raises
    ------
    AnswerError
        As :func:`holdout_auc`.
    """
    auc = holdout_auc(ctx)
    ref = ctx.ground_truth.reference_metric
    fraction = min(1.0, max(0.0, (auc - 0.5) / (ref.pass_threshold - 0.5)))
    evidence = (f"ROC AUC sur le jeu caché = {_fr(auc)} (seuil {_fr(ref.pass_threshold)}, "
                f"modèle de référence {_fr(ref.reference_model)}, oracle {_fr(ref.oracle)})")
    if ctx.cache.get("same_as_reference"):
        evidence += (" ; ATTENTION : prédictions identiques à celles du modèle livré avec l'assignment A3, "
                     "à vérifier à l'oral")
    return fraction, evidence


#: Largest gap tolerated between the cross-validated and the holdout AUC.
CV_GAP_MAX = 0.05


@check("A2C8.cross_validation", assignment="a2_conception", max_score=2, schema=ModelAnswer,
       label="Procédure de test : validation croisée tracée dans MLflow et cohérente", answer="A2C6.model",
       scoring="half for ≥ 5 folds logged with `cv_roc_auc_mean` in the team's MLflow run; half more if the "
               "cross-validated AUC is within 0.05 of the holdout AUC")
def cross_validation(ctx: CheckContext, answer: ModelAnswer) -> tuple[float, str]:
    """One point for ≥ 5 folds logged with ``cv_roc_auc_mean``; one for |CV − holdout| ≤ 0.05.

    Reads the MLflow run ``run_id`` of the answer ``A2C6.model``: its metric
    ``cv_roc_auc_mean`` and its parameter ``cv_n_splits``.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : ModelAnswer
        The parsed ``A2C6.model``.

    Returns
    -------
    fraction : float
        0.0 if the metric is missing or fewer than 5 folds are logged; 0.5
        if the cross-validated AUC differs from the holdout AUC
        (:func:`holdout_auc`) by more than :data:`CV_GAP_MAX`; else 1.0.
    evidence : str
        French sentence giving the number of folds, the cross-validated AUC
        and its gap with the holdout AUC.

    Raises
    ------
    AnswerError
        If the answer is malformed, the run is not found in the team's
        tracking store, or (when the gap is measured) the model cannot be
        scored on the holdout.
    """
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    answer = _model_answer(ctx)
    try:
        run = MlflowClient(tracking_uri=answer.tracking_uri).get_run(answer.run_id)
    except MlflowException as exc:
        raise AnswerError(f"run MLflow {answer.run_id!r} introuvable : {exc.message[:200]}") from None
    cv = run.data.metrics.get("cv_roc_auc_mean")
    try:
        folds = int(run.data.params.get("cv_n_splits", "0"))
    except ValueError:
        folds = 0
    if cv is None or folds < 5:
        return 0.0, f"métrique cv_roc_auc_mean {'absente' if cv is None else 'présente'}, cv_n_splits = {folds} (≥ 5 attendu)"
    gap = abs(cv - holdout_auc(ctx))
    fraction = 0.5 + 0.5 * (gap <= CV_GAP_MAX)
    return fraction, (f"{folds} plis, AUC validation croisée {_fr(cv)}, écart avec le jeu caché {_fr(gap)} "
                      f"(≤ {_fr(CV_GAP_MAX, 2)} attendu)")


