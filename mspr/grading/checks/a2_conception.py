"""A2 — design (``a2_conception``): the leaking column, the model's inputs, its holdout AUC, the cross-validation.

Every model criterion is graded from evidence the grader gathers itself, not
from values the team typed: the logged model is reloaded in a sandboxed
worker (:meth:`CheckContext.audit_model`) that reads which raw columns its
pipeline passes on and permutes each suspect column, scores the holdout, and
re-runs a stratified cross-validation of a clone on the released training
table; the team's MLflow store is read for the fold scores it logged,
whatever their names. Each criterion stands on its own evidence: a model
that cannot score the holdout keeps the cross-validation points it earned.
"""

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



#: Folds of the recomputed cross-validation (the lab's consigne).
CV_N_SPLITS = 5

#: Seeds of the recomputed cross-validation: one repetition each (partition noise).
CV_SEEDS = (0, 1, 2)

#: Smallest tolerance between the logged and the recomputed cross-validated mean.
CV_TOL_MIN = 0.02

#: Largest change of a score when a column is permuted that still counts as "not read".
PERMUTATION_EPS = 1e-9

#: French names of the recomputed fold scores.
SCORE_NAMES = {"roc_auc": "ROC AUC", "average_precision": "précision moyenne", "accuracy": "exactitude",
               "balanced_accuracy": "exactitude équilibrée", "f1": "F1", "precision": "précision",
               "recall": "rappel"}


def suspect_columns(truth) -> dict[str, str]:
    """Columns of the main table a model must not read, with why (French).

    Parameters
    ----------
    truth : GroundTruth

    Returns
    -------
    dict of str to str
        Column -> ``"fuite de la cible"``, ``"identifiant direct"`` (GDPR
        category ``identifiant_direct``, A1C6) or ``"identifiant technique"``
        (the key and the other technical identifiers); the leaking
        column first. Source: référentiel A2C1 (choose the appropriate data).
    """
    main = truth.main_table
    columns = set(truth.tables[main].columns)
    out = {}
    if truth.leaky_column is not None and truth.leaky_column.column in columns:
        out[truth.leaky_column.column] = "fuite de la cible"
    for column, category in truth.gdpr_categories.get(main, {}).items():
        if category == "identifiant_direct" and column in columns and column not in truth.features:
            out.setdefault(column, "identifiant direct")
    for column in [truth.key, *truth.technical_ids.get(main, [])]:
        if column in columns and column not in truth.features:
            out.setdefault(column, "identifiant technique")
    return out


def model_audit(ctx: CheckContext) -> dict:
    """Evidence about the team's logged model (cached per submission).

    Parameters
    ----------
    ctx : CheckContext
        ``ctx.answers["A2C6.model"]`` names the model; the released main
        table is read from the case build (``ctx.ground_truth_dir``'s parent).

    Returns
    -------
    dict
        As :func:`mspr.grading._model_worker.audit`.

    Raises
    ------
    AnswerError
        If the answer or the store is invalid (:func:`_model_answer`) or the
        worker fails as a whole.
    """
    if "audit" not in ctx.cache:
        answer = _model_answer(ctx)
        truth = ctx.ground_truth
        train = ctx.ground_truth_dir.parent / truth.tables[truth.main_table].file
        ctx.cache["audit"] = ctx.audit_model(model_uri=answer.model_uri, tracking_uri=answer.tracking_uri,
                                             train=train, suspects=list(suspect_columns(truth)),
                                             n_splits=CV_N_SPLITS, seeds=list(CV_SEEDS))
    return ctx.cache["audit"]


@check("A2C1.model_inputs", assignment="a2_conception", max_score=1, schema=ModelAnswer,
       label="Choix des données : le modèle ne lit ni la fuite ni un identifiant", answer="A2C6.model",
       scoring="the team's logged model reads neither the leaking column nor a direct or technical identifier: "
               "its pipeline's ColumnTransformer does not pass them on and permuting each of them (holdout and "
               "training rows) leaves its scores unchanged")
def model_inputs(ctx: CheckContext, answer: ModelAnswer) -> tuple[float, str]:
    """Full marks unless the reloaded model reads a suspect column.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : ModelAnswer
        The parsed ``A2C6.model``.

    Returns
    -------
    fraction : float
        0.0 if a column of :func:`suspect_columns` is passed on by the
        model's leading ``ColumnTransformer`` or changes its scores when
        permuted, or if there is no evidence (model unreadable; no
        ``ColumnTransformer`` and the model unfitted or scoring the holdout
        with one constant value); else 1.0.
    evidence : str
        French sentence naming each column read and why it must not be.

    Raises
    ------
    AnswerError
        As :func:`model_audit`.
    """
    audit = model_audit(ctx)
    suspects = suspect_columns(ctx.ground_truth)
    if audit["load_error"]:
        return 0.0, f"modèle illisible, entrées non vérifiables : {audit['load_error']}"
    selected, changed = audit["selected"], audit["changed"]
    if selected is None and not audit["fitted"]:
        return 0.0, "modèle non entraîné et sans ColumnTransformer : entrées non vérifiables"
    if selected is None and (audit["holdout"] is None or len(set(audit["holdout"])) <= 1):
        # Without a ColumnTransformer the only evidence is permutation, and it shows
        # nothing on a model whose scores never change.
        return 0.0, ("sans ColumnTransformer et sans prédictions variables sur le jeu caché, "
                     "les entrées du modèle ne sont pas vérifiables")
    read = []
    for column, why in suspects.items():
        how = []
        if selected is not None and column in selected:
            how.append("transmise par le ColumnTransformer")
        if changed.get(column, 0.0) > PERMUTATION_EPS:
            how.append(f"la permuter change les scores (jusqu'à {changed[column]:.3g})")
        if how:
            read.append(f"« {column} » ({why} : {', '.join(how)})")
    if read:
        return 0.0, "le modèle utilise " + " ; ".join(read)
    checked = ", ".join(f"« {c} »" for c in suspects) or "aucune"
    how = "colonnes du ColumnTransformer et permutation" if selected is not None else "permutation"
    return 1.0, f"aucune colonne interdite lue ({how}) ; vérifiées : {checked}"


def holdout_auc(ctx: CheckContext) -> float:
    """ROC AUC of the team's model on the hidden holdout (cached per submission).

    The model named by the answer ``A2C6.model`` is loaded with the sklearn
    flavour in a throw-away subprocess (:func:`model_audit`) and scores
    ``holdout_features.csv``; its positive-class scores are compared with
    the target column of ``holdout_labels.csv``.

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
        ROC AUC in [0, 1] (0.5: no better than chance, also for a constant model).

    Raises
    ------
    AnswerError
        If the answer is malformed, its tracking store is not an absolute
        sqlite path inside the team's folder, the model cannot be loaded, is
        not fitted or fails to predict, or it returns a number of
        predictions different from the number of holdout rows.
    """
    if "holdout_auc" not in ctx.cache:
        from sklearn.metrics import roc_auc_score

        audit = model_audit(ctx)
        if audit["load_error"]:
            raise AnswerError(f"AUC non mesurée, modèle inutilisable : {audit['load_error']}")
        if not audit["fitted"]:
            raise AnswerError(f"AUC non mesurée, le modèle journalisé n'est pas entraîné ({audit['fit_error']})")
        if audit["holdout"] is None:
            raise AnswerError(f"AUC non mesurée, le modèle ne prédit pas le jeu caché : {audit['holdout_error']}")
        scores = audit["holdout"]
        target = ctx.ground_truth.target.column
        labels = pd.read_csv(ctx.ground_truth_dir / "holdout_labels.csv")[target]
        if len(scores) != len(labels) or any(s != s for s in scores):
            raise AnswerError(f"{len(scores)} prédictions (dont valeurs manquantes ?) pour {len(labels)} lignes")
        ctx.cache["constant"] = len(set(scores)) == 1
        ctx.cache["same_as_reference"] = False
        if ctx.reference_model is not None:
            # Not a verdict (a team may rebuild the same pipeline), a flag for the jury.
            reference = ctx.predict(model_uri=str(ctx.reference_model),
                                    features=ctx.ground_truth_dir / "holdout_features.csv",
                                    flavor="sklearn", method="proba")
            ctx.cache["same_as_reference"] = max(abs(a - b) for a, b in zip(scores, reference)) < 1e-9
        ctx.cache["holdout_auc"] = float(roc_auc_score(labels, scores))
    return ctx.cache["holdout_auc"]


@check("A2C6.holdout_auc", assignment="a2_conception", max_score=4, schema=ModelAnswer,
       label="Performance du modèle sur le jeu de test caché (ROC AUC)", answer="A2C6.model",
       scoring="ROC AUC of the team's MLflow model on the hidden holdout, linear from chance (0.5, and any "
               "constant model: 0 points) to the pass threshold (full points), set from the holdout's sampling "
               "error (reference AUC − 2.33 × √2 × its bootstrap sd): a model of the reference's quality loses "
               "points by chance at most 1 % of the time")
def holdout_auc_check(ctx: CheckContext, answer: ModelAnswer) -> tuple[float, str]:
    """Linear from the chance level (0) to the case's pass threshold (full marks).

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : ModelAnswer
        The parsed ``A2C6.model`` (read again by :func:`holdout_auc`).

    Returns
    -------
    fraction : float
        ``(auc − zero) / (pass − zero)`` clipped to [0, 1], where ``pass``
        and ``zero`` are the ground truth's ``reference_metric``
        ``pass_threshold`` and ``zero_threshold``
        (:func:`mspr.case.thresholds.auc_thresholds`); 0 for a constant model.
    evidence : str
        French sentence giving the holdout AUC, the two levels, the
        reference model's and the oracle's AUC.

    Raises
    ------
    AnswerError
        As :func:`holdout_auc`.
    """
    auc = holdout_auc(ctx)
    ref = ctx.ground_truth.reference_metric
    if ctx.cache.get("constant"):
        return 0.0, "prédictions constantes : le modèle ne classe pas (ROC AUC 0,5)"
    fraction = min(1.0, max(0.0, (auc - ref.zero_threshold) / (ref.pass_threshold - ref.zero_threshold)))
    evidence = (f"ROC AUC sur le jeu caché = {_fr(auc)} (0 point sous {_fr(ref.zero_threshold)}, tous les points "
                f"dès {_fr(ref.pass_threshold)} ; modèle de référence {_fr(ref.reference_model)}, "
                f"oracle {_fr(ref.oracle)})")
    champion = _champion(answer)
    if champion:
        evidence += f" ; {champion}"
    if ctx.cache.get("same_as_reference"):
        evidence += (" ; ATTENTION : prédictions identiques à celles du modèle livré avec l'assignment A3, "
                     "à vérifier à l'oral")
    return fraction, evidence


def _champion(answer: ModelAnswer) -> str:
    """French note on the registry of the team's store: is the graded model the ``champion`` alias?"""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=answer.tracking_uri)
    try:
        for registered in client.search_registered_models(max_results=50):
            version = (registered.aliases or {}).get("champion")
            if version is None:
                continue
            source = client.get_model_version(registered.name, version).source
            same = "le modèle noté" if source == answer.model_uri else f"un autre modèle ({source})"
            return f"alias champion du registre : {registered.name} v{version}, {same}"
    except MlflowException:
        return ""
    return "aucun modèle « champion » au registre MLflow"


def _logged_series(answer: ModelAnswer) -> tuple[list[tuple[str, list[float]]], dict[str, float]]:
    """Fold-score candidates and scalar metrics of the team's run, its parent and their children.

    A candidate series is a metric logged at several steps, a family of
    metrics whose names differ only by a number (``auc_fold_1``,
    ``auc_fold_2``…), or one metric shared by several child runs.
    """
    import math
    import re

    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=answer.tracking_uri)
    try:
        run = client.get_run(answer.run_id)
    except MlflowException as exc:
        raise AnswerError(f"run MLflow {answer.run_id!r} introuvable : {exc.message[:200]}") from None
    runs = [run]
    parent = run.data.tags.get("mlflow.parentRunId")
    if parent:
        try:
            runs.append(client.get_run(parent))
        except MlflowException:
            pass
    for owner in list(runs):
        runs += client.search_runs([run.info.experiment_id], max_results=200,
                                   filter_string=f"tags.mlflow.parentRunId = '{owner.info.run_id}'")
    series, scalars, seen = [], {}, set()
    for r in runs:
        if r.info.run_id in seen:
            continue
        seen.add(r.info.run_id)
        families: dict[str, list[tuple[int, float]]] = {}
        for key, value in r.data.metrics.items():
            if not math.isfinite(value):
                continue
            scalars[f"{r.info.run_name}/{key}" if r is not run else key] = value
            history = client.get_metric_history(r.info.run_id, key)
            if len(history) >= 2:
                values = [m.value for m in sorted(history, key=lambda m: (m.step, m.timestamp))]
                series.append((f"{key} (par étape)", values))
            numbers = re.findall(r"\d+", key)
            if numbers:
                families.setdefault(re.sub(r"\d+", "#", key), []).append((int(numbers[-1]), value))
        for pattern, members in families.items():
            if len(members) >= 2:
                series.append((pattern, [v for _, v in sorted(members)]))
    children = [r for r in runs[1:] if r.data.tags.get("mlflow.parentRunId")]
    shared: dict[str, list[float]] = {}
    for r in children:
        for key, value in r.data.metrics.items():
            shared.setdefault(key, []).append(value)
    series += [(f"{key} (runs enfants)", values) for key, values in shared.items() if len(values) >= 2]
    return series, scalars


def _recomputed(audit: dict) -> dict[str, tuple[float, float]]:
    """Score -> (mean over seeds and folds, tolerance) of the recomputed cross-validation."""
    import numpy as np

    out = {}
    for name in SCORE_NAMES:
        per_seed = [[f[name] for f in rep["folds"]] for rep in audit["cv"]]
        values = np.asarray(per_seed, dtype=float)
        if not np.isfinite(values).all():
            continue
        means = values.mean(axis=1)
        tol = max(CV_TOL_MIN, 3 * float(means.std(ddof=1)) if len(means) > 1 else 0.0,
                  2 * float(values.std(axis=1, ddof=1).mean()) / np.sqrt(values.shape[1]))
        out[name] = (float(means.mean()), tol)
    return out


@check("A2C8.cross_validation", assignment="a2_conception", max_score=2, schema=ModelAnswer,
       label="Procédure de test : validation croisée tracée dans MLflow et vérifiée", answer="A2C6.model",
       scoring="the fold scores logged in the team's MLflow run (any names: one metric at several steps, numbered "
               "metrics, or child runs) match a stratified cross-validation the grader re-runs on a clone of the "
               "logged estimator (5 folds × 3 seeds, any usual score): full points with ≥ 5 folds, half with "
               "fewer or when it cannot be re-run; none for a single value, a training-set score or numbers "
               "that do not match")
def cross_validation(ctx: CheckContext, answer: ModelAnswer) -> tuple[float, str]:
    """Compare the fold scores the team logged with a cross-validation re-run by the grader.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : ModelAnswer
        The parsed ``A2C6.model``.

    Returns
    -------
    fraction : float
        1.0 if a logged series of ≥ 5 fold scores has a mean within the
        tolerance of the recomputed mean of one usual score (ROC AUC,
        accuracy, F1…; tolerance ``max(0.02, 3 × sd between seeds,
        2 × fold sd / √k)``); 0.5 with fewer folds, or when the clone cannot
        be re-run but ≥ 5 fold scores are logged; else 0.0.
    evidence : str
        French sentence: the series found, its mean, the recomputed mean,
        or why no cross-validation is credited.

    Raises
    ------
    AnswerError
        If the answer or the store is invalid, or the run is not found.
    """
    answer = _model_answer(ctx)
    series, scalars = _logged_series(answer)
    try:
        audit = model_audit(ctx)
    except AnswerError as exc:
        audit = {"cv": None, "cv_error": str(exc), "load_error": str(exc), "train_scores": None}
    usable = [(name, values) for name, values in series if len(values) >= 2]
    if not usable:
        reason = ("aucun score par pli journalisé (ni métrique à plusieurs étapes, ni métriques numérotées, "
                  "ni runs enfants) : la validation croisée n'est pas démontrée")
        return 0.0, reason + _resubstitution(audit, scalars) + _claimed(scalars)
    if audit.get("cv") is None:
        best = max(usable, key=lambda s: len(s[1]))
        if len(best[1]) >= CV_N_SPLITS and len(set(best[1])) > 1:
            return 0.5, (f"{len(best[1])} scores par pli journalisés ({best[0]}, moyenne {_fr(sum(best[1]) / len(best[1]))}) "
                         f"mais la validation croisée n'a pas pu être refaite : {audit.get('cv_error') or audit.get('load_error')}")
        return 0.0, f"validation croisée non refaite ({audit.get('cv_error') or audit.get('load_error')}) et moins de {CV_N_SPLITS} plis journalisés"
    recomputed = _recomputed(audit)
    matches = []
    for name, values in usable:
        mean = sum(values) / len(values)
        for score, (expected, tol) in recomputed.items():
            if abs(mean - expected) <= tol:
                matches.append((len(values) >= CV_N_SPLITS, abs(mean - expected) / tol, name, values, score))
    if matches:
        full, _, name, values, score = min(matches, key=lambda m: (not m[0], m[1]))
        expected, tol = recomputed[score]
        mean = sum(values) / len(values)
        text = (f"{len(values)} plis journalisés ({name}), {SCORE_NAMES[score]} moyenne {_fr(mean)} ; "
                f"validation croisée refaite par le correcteur ({CV_N_SPLITS} plis × {len(CV_SEEDS)} graines) "
                f"{_fr(expected)} ± {_fr(tol)}")
        return (1.0, text) if full else (0.5, text + f" ; moins de {CV_N_SPLITS} plis")
    name, values = max(usable, key=lambda s: len(s[1]))
    auc, tol = recomputed.get("roc_auc", (float("nan"), 0.0))
    return 0.0, (f"les scores journalisés ({name}, moyenne {_fr(sum(values) / len(values))}) ne correspondent pas "
                 f"à la validation croisée refaite par le correcteur (ROC AUC {_fr(auc)} ± {_fr(tol)}, ni aucun "
                 f"autre score usuel)" + _resubstitution(audit, scalars))


def _resubstitution(audit: dict, scalars: dict[str, float]) -> str:
    """French clause naming logged metrics that equal a score on the training rows, or ''."""
    train = audit.get("train_scores") or {}
    hits = [f"« {key} » = {SCORE_NAMES[name]} sur les données d'apprentissage ({_fr(value)})"
            for key, value in scalars.items() for name, score in train.items()
            if score == score and abs(value - score) < 1e-6]
    return " ; " + ", ".join(hits) + " : ce n'est pas une validation" if hits else ""


def _claimed(scalars: dict[str, float]) -> str:
    """French clause quoting logged metrics named like a cross-validation, or ''."""
    claimed = [f"« {k} » = {_fr(v)}" for k, v in scalars.items() if "cv" in k.lower() or "cross" in k.lower()]
    return " ; valeur isolée : " + ", ".join(claimed[:3]) if claimed else ""
