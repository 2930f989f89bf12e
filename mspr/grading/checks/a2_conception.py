"""A2 — design (``a2_conception``): the leaking column, the model's inputs, its holdout AUC, the cross-validation,
the model families and training modes of the team's store, the decision threshold, the infrastructure mock-up.

Every model criterion is graded from evidence the grader gathers itself, not
from values the team typed: the logged model is reloaded in a sandboxed
worker (:meth:`CheckContext.audit_model`) that reads which raw columns its
pipeline passes on and permutes each suspect column, scores the holdout, and
re-runs a stratified cross-validation of a clone on the released training
table; the team's MLflow store is read for the fold scores it logged,
whatever their names. Each criterion stands on its own evidence: a model
that cannot score the holdout keeps the cross-validation points it earned.
A2C5 and A2C7 reload every logged model of the store's active runs
(:func:`store_models`) for its estimator's class, seeds and rows seen; A2C8
prices the team's threshold on the holdout with the case's costs; A2C9 reads
the team's YAML description with :mod:`mspr.infra`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, TypeAdapter

from mspr.grading.checks._core import AnswerError, CheckContext, Text, check, parse, untrusted_file


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


# -- A2C5, A2C7, A2C8 (threshold), A2C9: the team's whole MLflow store and its infrastructure file ---------

class StoreAnswer(BaseModel):
    """``A2C5.model_families`` / ``A2C7.training_modes``: the team's MLflow store.

    Attributes
    ----------
    tracking_uri : str
        ``sqlite:////abs/path/mlflow.db`` inside the team's folder. Every
        active run of every experiment of that store is read; any other key
        (e.g. the team's own run ids by name) is ignored.
    """

    model_config = ConfigDict(extra="ignore")
    tracking_uri: Text


#: A2C5 families, in the order the evidence names them (keys of ``_model_worker.FAMILIES``).
FAMILY_NAMES = {"baseline": "référence naïve (Dummy)", "lineaire": "modèle linéaire", "arbre": "arbre de décision",
                "foret": "forêt aléatoire", "boosting": "gradient boosting", "reseau_neurones": "réseau de neurones",
                "segmentation": "segmentation (clustering)"}

#: Families whose fit is random: every ``random_state`` of their model must be set.
RANDOM_FAMILIES = frozenset({"arbre", "foret", "boosting", "reseau_neurones", "segmentation"})

#: Points of a learning curve: a metric logged at this many distinct steps at least.
CURVE_MIN_STEPS = 5

#: Bootstrap resamples of the holdout for the threshold's tolerance, and their seed.
COST_BOOTSTRAP, COST_SEED = 1000, 0

#: Largest number of candidate thresholds (distinct scores beyond it: their quantiles).
COST_GRID = 200

#: Margin on the bootstrap's 99th percentile of the holdout-best threshold's optimism (a team's threshold is
#: itself estimated on its training rows).
COST_Z = 3.0


def _store_client(ctx: CheckContext, uri: str):
    """An MlflowClient on the team's own sqlite store (absolute, inside its folder), or AnswerError."""
    from mlflow.tracking import MlflowClient

    if not uri.startswith("sqlite:///"):
        raise AnswerError("tracking_uri : une base sqlite (sqlite:////chemin/absolu/mlflow.db) est attendue")
    db = Path(uri.removeprefix("sqlite:///"))
    if not db.is_absolute() or not db.resolve().is_relative_to(ctx.workdir.resolve()) or not db.is_file():
        raise AnswerError("le suivi MLflow doit être une base existante (URI absolue) dans le dossier de l'équipe")
    return MlflowClient(tracking_uri=uri)


def store_models(ctx: CheckContext, uri: str) -> list[dict]:
    """Every logged model of the active runs of the team's store, inspected (cached per submission).

    Parameters
    ----------
    ctx : CheckContext
    uri : str
        The team's tracking URI (checked by :func:`_store_client`).

    Returns
    -------
    list of dict
        As :meth:`CheckContext.inspect_models`, each with ``run_name`` and
        ``curves`` (metric -> number of distinct steps, for the metrics of
        its run logged at :data:`CURVE_MIN_STEPS` steps or more) added.
        Models whose artifacts lie outside the team's folder are left out.

    Raises
    ------
    AnswerError
        If the store is not the team's or cannot be read.
    """
    key = ("store_models", uri)
    if key in ctx.cache:
        return ctx.cache[key]
    from mlflow.exceptions import MlflowException

    client = _store_client(ctx, uri)
    try:
        experiments = [e.experiment_id for e in client.search_experiments(max_results=100)]
        runs = {r.info.run_id: r for r in client.search_runs(experiments, max_results=500)} if experiments else {}
        logged = client.search_logged_models(experiment_ids=experiments, max_results=500) if experiments else []
        models = [m for m in logged if m.source_run_id in runs
                  and _local_path(m.artifact_location).is_relative_to(ctx.workdir.resolve())]
        curves = {}
        for run_id in {m.source_run_id for m in models}:
            curves[run_id] = {}
            for metric in runs[run_id].data.metrics:
                steps = {h.step for h in client.get_metric_history(run_id, metric)}
                if len(steps) >= CURVE_MIN_STEPS:
                    curves[run_id][metric] = len(steps)
    except MlflowException as exc:
        raise AnswerError(f"suivi MLflow illisible : {exc.message[:200]}") from None
    inspected = ctx.inspect_models(tracking_uri=uri, models=[{"model_uri": f"models:/{m.model_id}",
                                                             "run_id": m.source_run_id} for m in models])
    for row in inspected:
        row["run_name"] = runs[row["run_id"]].info.run_name
        row["curves"] = curves.get(row["run_id"], {})
    ctx.cache[key] = inspected
    return inspected


def _unseeded(row: dict) -> list[str]:
    """Names of the ``random_state`` parameters left unset in an inspected model."""
    return [k for k, v in row["random_states"].items() if v == "None"]


@check("A2C5.model_families", assignment="a2_conception", max_score=3, schema=StoreAnswer,
       label="Modèles comparés : une exécution MLflow par famille (référence naïve, linéaire, arbre, forêt, "
             "boosting, réseau de neurones, segmentation)",
       scoring="every logged model of the active runs of the team's MLflow store is reloaded in the sandbox and "
               "its final estimator's class (not the run's name) gives its family; one seventh of the points per "
               "family among dummy baseline, linear model, decision tree, random forest, gradient boosting, "
               "MLPClassifier and clustering, with a fitted model whose random_state parameters are all set for "
               "the random families")
def model_families(ctx: CheckContext, answer: StoreAnswer) -> tuple[float, str]:
    """Share of the seven model families found, fitted and seeded, in the team's store.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : StoreAnswer
        The parsed ``A2C5.model_families`` (only its ``tracking_uri`` is used).

    Returns
    -------
    fraction : float
        Families found / 7 (:data:`FAMILY_NAMES`). A family counts if one of
        its models is fitted and, for :data:`RANDOM_FAMILIES`, has no
        ``random_state`` left to ``None``.
    evidence : str
        French list of the families found (with the estimator class and
        run name) and of the missing, unfitted or unseeded ones.

    Raises
    ------
    AnswerError
        If the store is not the team's or cannot be read.
    """
    rows = store_models(ctx, answer.tracking_uri)
    found, flawed = {}, {}
    for row in rows:
        family = row["family"]
        if family is None or family in found:
            continue
        name = f"{row['estimator'].rsplit('.', 1)[-1]} (run « {row['run_name']} »)"
        if not row["fitted"]:
            flawed.setdefault(family, f"{name} non entraîné")
        elif family in RANDOM_FAMILIES and _unseeded(row):
            flawed.setdefault(family, f"{name} sans graine ({', '.join(_unseeded(row))} = None)")
        else:
            found[family] = name
    parts = [f"{FAMILY_NAMES[f]} : {found[f]}" for f in FAMILY_NAMES if f in found]
    missing = [f"{FAMILY_NAMES[f]} ({flawed[f]})" if f in flawed else FAMILY_NAMES[f]
               for f in FAMILY_NAMES if f not in found]
    unreadable = sum(1 for r in rows if r["error"])
    evidence = f"{len(rows)} modèles journalisés lus"
    if unreadable:
        evidence += f" (dont {unreadable} illisibles)"
    evidence += " ; familles trouvées : " + ("; ".join(parts) if parts else "aucune")
    if missing:
        evidence += " ; manquantes : " + ", ".join(missing)
    return len(found) / len(FAMILY_NAMES), evidence


#: Largest rows seen by an incremental model, as a multiple of the training rows: one pass over the stream.
ONE_PASS = 1.5


@check("A2C7.training_modes", assignment="a2_conception", max_score=3, schema=StoreAnswer,
       label="Procédures d'entraînement : par lot, par mini-lots et en ligne (partial_fit), courbe "
             "d'apprentissage journalisée",
       scoring="from the team's MLflow store: one point for a fitted classifier trained in one batch, one point "
               "per run (up to two: mini-batch and online) whose logged model's final estimator has partial_fit, "
               "was fitted on one pass over the rows (rows it counts as seen ≤ 1.5 × the training rows), and whose "
               "run logs a learning curve (a metric at ≥ 5 distinct steps)")
def training_modes(ctx: CheckContext, answer: StoreAnswer) -> tuple[float, str]:
    """Batch and incremental training, read from the logged models and their runs' metric histories.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the training rows are those of the
        released main table (``ctx.ground_truth_dir``'s parent).
    answer : StoreAnswer
        The parsed ``A2C7.training_modes`` (only its ``tracking_uri`` is used).

    Returns
    -------
    fraction : float
        (batch + min(2, incremental runs)) / 3. ``batch``: a fitted
        classifier that is not an incremental one. Incremental run: a fitted
        model whose final estimator has ``partial_fit`` and counts the rows it
        has seen (SGD, MLP, naive Bayes), at most :data:`ONE_PASS` × the
        training rows (a stream read once, not ``fit``'s epochs), and a metric
        of its run logged at ≥ :data:`CURVE_MIN_STEPS` distinct steps.
    evidence : str
        French list of the runs credited (estimator, rows seen, points of
        the learning curve) and of those refused, with why.

    Raises
    ------
    AnswerError
        If the store is not the team's or cannot be read.
    """
    truth = ctx.ground_truth
    rows_train = len(pd.read_csv(ctx.ground_truth_dir.parent / truth.tables[truth.main_table].file,
                                 usecols=[truth.key]))
    rows = [r for r in store_models(ctx, answer.tracking_uri) if r["fitted"] and r["family"] != "segmentation"]
    incremental, batch, refused = {}, [], []
    for row in rows:
        estimator = row["estimator"].rsplit(".", 1)[-1]
        name = f"run « {row['run_name']} » ({estimator})"
        seen = row["samples_seen"]
        if not row["partial_fit"]:
            batch.append(name)
            continue
        if seen is None:
            refused.append(f"{name} : nombre de lignes vues inconnu")
        elif seen > ONE_PASS * rows_train:
            refused.append(f"{name} : {seen:.0f} lignes vues pour {rows_train} lignes, plusieurs passes (fit)")
        elif not row["curves"]:
            refused.append(f"{name} : sans courbe d'apprentissage (aucune métrique à {CURVE_MIN_STEPS} étapes "
                           "ou plus)")
        else:
            metric, steps = max(row["curves"].items(), key=lambda kv: kv[1])
            incremental.setdefault(row["run_id"], f"{name} : {seen:.0f} lignes vues, courbe « {metric} » "
                                                  f"en {steps} points")
            continue
        batch.append(name)  # a partial_fit-capable model trained otherwise is still a batch fit
    points = min(1, len(batch)) + min(2, len(incremental))
    parts = ["par lot : " + (batch[0] if batch else "aucun modèle entraîné en une fois"),
             "incrémental (partial_fit, une passe) : " + ("; ".join(list(incremental.values())[:2])
                                                          if incremental else "aucun run")]
    if len(incremental) == 1:
        parts.append("un seul entraînement incrémental (mini-lots et en ligne attendus)")
    parts += [f"non retenu : {text}" for text in refused[:3]]
    return points / 3, " ; ".join(parts)


def _costs(truth) -> tuple[float, float]:
    """(cost of a missed positive, cost of a false alarm) in EUR; 1 and 1 when the case declares none."""
    costs = truth.target.costs
    if not costs:
        return 1.0, 1.0
    return float(costs["faux_negatif"]), float(costs["faux_positif"])


def threshold_costs(scores, labels, thresholds, c_fn: float, c_fp: float, weights=None):
    """Mean cost per individual of flagging ``score ≥ threshold``, for each threshold (and each weighting).

    Parameters
    ----------
    scores : array-like of shape (n_samples,), float
        The model's positive-class scores.
    labels : array-like of shape (n_samples,), {0, 1}
    thresholds : array-like of shape (n_thresholds,), float
    c_fn, c_fp : float
        Cost of a missed positive and of a false alarm, EUR.
    weights : ndarray of shape (n_resamples, n_samples), optional
        Bootstrap counts of each row (default: one row of ones).

    Returns
    -------
    ndarray of shape (n_resamples, n_thresholds)
        Mean cost in EUR per individual.
    """
    import numpy as np

    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    thresholds = np.asarray(thresholds, dtype=float)
    if weights is None:
        weights = np.ones((1, len(scores)))
    # Sorted by score, a threshold flags the rows from its insertion point on: cumulative sums of the
    # positives' and negatives' weights give every threshold's errors at once.
    order = np.argsort(scores, kind="stable")
    cut = np.searchsorted(scores[order], thresholds, side="left")                 # rows below each threshold
    w = np.asarray(weights, dtype=float)[:, order]
    positive = labels[order] == 1
    zero = np.zeros((w.shape[0], 1))
    missed = np.hstack([zero, np.cumsum(w * positive, axis=1)])[:, cut]           # positives below
    negatives = np.hstack([zero, np.cumsum(w * ~positive, axis=1)])
    alarms = negatives[:, -1:] - negatives[:, cut]                                 # negatives at or above
    return (c_fn * missed + c_fp * alarms) / w.sum(axis=1, keepdims=True)


def threshold_score(scores, labels, threshold: float, c_fn: float, c_fp: float):
    """Score a decision threshold by its expected cost against the best threshold of the same scores.

    Parameters
    ----------
    scores : array-like of shape (n_samples,), float
        The model's positive-class scores on the holdout.
    labels : array-like of shape (n_samples,), {0, 1}
        The holdout's labels.
    threshold : float
        Flag a row when its score ≥ ``threshold``.
    c_fn, c_fp : float
        Cost of a missed positive and of a false alarm, EUR.

    Returns
    -------
    fraction : float in [0, 1]
        1 if the excess cost over the best threshold is at most ``tol``;
        then linear down to 0 at the cost of the better trivial policy
        (flag everyone or no one).
    cost : float
        Mean cost per individual of ``threshold``, EUR.
    best_cost, best_threshold : float
        The lowest mean cost over every threshold and the threshold reaching
        it (``inf``: flag no one).
    trivial : float
        Mean cost of the better trivial policy, EUR.
    tol : float
        ``COST_Z`` × the 99th percentile, over :data:`COST_BOOTSTRAP`
        bootstrap resamples of the rows (seeded), of the excess cost of the
        holdout's best threshold over each resample's best: the optimism of
        a best threshold chosen on noisy rows, so that the truly optimal
        threshold is not refused by chance (checked by simulation in
        ``tests/test_a2_models.py``).
    """
    import numpy as np

    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    grid = np.unique(scores)
    if len(grid) > COST_GRID:  # large holdouts: quantiles of the scores (a coarser grid only favours the team)
        grid = np.unique(np.quantile(scores, np.linspace(0.0, 1.0, COST_GRID + 1), method="inverted_cdf"))
    grid = np.append(grid, np.inf)
    costs = threshold_costs(scores, labels, grid, c_fn, c_fp)[0]
    best = int(np.argmin(costs))
    cost = float(threshold_costs(scores, labels, [threshold], c_fn, c_fp)[0, 0])
    trivial = min(float(costs[0]), float(costs[-1]))  # flag everyone (lowest score) or no one (+inf)
    # The holdout's best threshold is chosen on the holdout itself, so its cost is optimistic: the tolerance is
    # the bootstrap distribution of that optimism (how much the best threshold of the resampled world, grid[best],
    # costs more than the best threshold of each resample), its 99th percentile.
    rng = np.random.default_rng(COST_SEED)
    optimism, n = [], len(scores)
    for _ in range(COST_BOOTSTRAP // 100):
        draws = rng.integers(0, n, size=(100, n)) + n * np.arange(100)[:, None]      # rows drawn, per resample
        weights = np.bincount(draws.ravel(), minlength=100 * n).reshape(100, n)
        resampled = threshold_costs(scores, labels, grid, c_fn, c_fp, weights=weights)  # (100, thresholds)
        optimism.append(resampled[:, best] - resampled.min(axis=1))
    tol = COST_Z * float(np.quantile(np.concatenate(optimism), 0.99))
    excess = cost - float(costs[best])
    room = trivial - float(costs[best])
    if excess <= tol:
        fraction = 1.0
    elif room > tol:
        fraction = max(0.0, 1.0 - (excess - tol) / (room - tol))
    else:
        fraction = 0.0
    return fraction, cost, float(costs[best]), float(grid[best]), trivial, tol


@check("A2C8.decision_threshold", assignment="a2_conception", max_score=2, schema=TypeAdapter(float),
       label="Procédure de test : seuil de décision choisi selon les coûts métier",
       scoring="expected cost per individual on the hidden holdout of the team's model (A2C6.model) flagging "
               "score ≥ the recorded threshold, with the case's costs of a missed positive and of a false alarm: "
               "full points within the bootstrap's 99th percentile of the optimism of the holdout's best threshold "
               "for that model, "
               "linear down to 0 at the cost of the better trivial policy (flag everyone or no one)")
def decision_threshold(ctx: CheckContext, answer: float) -> tuple[float, str]:
    """Expected cost of the chosen threshold against the best reachable with the same model.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the model is ``ctx.answers["A2C6.model"]``
        (scored on the holdout by :func:`model_audit`), the costs are the
        ground truth's ``target.costs``.
    answer : float
        The decision threshold, on the scale of the model's positive-class
        score (``predict_proba[:, 1]``).

    Returns
    -------
    fraction : float
        1 if the excess cost over the holdout's best threshold is within
        ``COST_Z`` × the bootstrap sd of that excess (paired resamples of the
        holdout, :data:`COST_BOOTSTRAP`, seeded); then linear down to 0 at
        the cost of the better trivial policy.
    evidence : str
        French sentence: threshold, its cost, the best cost and its
        threshold, the trivial policy's cost, the tolerance (EUR per individual).

    Raises
    ------
    AnswerError
        If the threshold is not finite, or the model cannot score the holdout.
    """
    import math

    import numpy as np

    if not math.isfinite(answer):
        raise AnswerError("le seuil doit être un nombre fini")
    audit = model_audit(ctx)
    if audit["load_error"] or audit["holdout"] is None:
        raise AnswerError("seuil non évaluable : le modèle noté (A2C6.model) ne score pas le jeu caché "
                          f"({audit['load_error'] or audit['holdout_error'] or audit['fit_error']})")
    scores = np.asarray(audit["holdout"], dtype=float)
    labels = pd.read_csv(ctx.ground_truth_dir / "holdout_labels.csv")[ctx.ground_truth.target.column].to_numpy()
    if len(scores) != len(labels) or not np.isfinite(scores).all():
        raise AnswerError(f"{len(scores)} scores (dont valeurs manquantes ?) pour {len(labels)} lignes")
    c_fn, c_fp = _costs(ctx.ground_truth)
    fraction, team, best_cost, best_threshold, trivial, tol = threshold_score(scores, labels, answer, c_fn, c_fp)
    shown = "aucun" if not math.isfinite(best_threshold) else _fr(best_threshold)
    return fraction, (f"seuil {_fr(answer)} : coût attendu {_fr(team, 2)} € par individu sur le jeu caché "
                      f"(cas manqué {_fr(c_fn, 0)} €, fausse alerte {_fr(c_fp, 0)} €) ; "
                      f"meilleur seuil pour ce modèle {shown} → {_fr(best_cost, 2)} € ; "
                      f"politique triviale {_fr(trivial, 2)} € ; tolérance (bruit du jeu caché) {_fr(tol, 2)} €")


@check("A2C9.infrastructure", assignment="a2_conception", max_score=2, schema=TypeAdapter(Text),
       label="Maquette de l'infrastructure : description YAML valide (zones, services, stockages, mesures, liens)",
       scoring="the team's YAML description is read from its folder and validated by mspr.infra's pydantic schema "
               "(0 if invalid), then one fifth of the points per design rule held: unique ids, every service and "
               "store in a declared zone, links between declared nodes, every personal-data store protected by a "
               "declared measure and not exposed to the internet (and at least one declared), encrypted flows to "
               "personal data")
@untrusted_file
def infrastructure(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Validity of the team's infrastructure description (its design goes to the jury).

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : str
        Path of the YAML file, relative to the team's folder.

    Returns
    -------
    fraction : float
        0 if the file is missing or does not match :class:`mspr.infra.Infrastructure`;
        else the share of :data:`mspr.infra.RULES` with no violation.
    evidence : str
        French summary (counts of zones, services, stores, measures, links)
        and each violation.

    Raises
    ------
    AnswerError
        If the path leaves the team's folder or the file is unreadable.
    """
    from mspr.errors import MsprError
    from mspr.infra import RULES, load_infrastructure, rule_violations

    path = ctx.inside(answer)
    if not path.is_file():
        raise AnswerError(f"{answer} : fichier introuvable dans le dossier de l'équipe")
    try:
        infra = load_infrastructure(path)
    except MsprError as exc:
        return 0.0, f"description invalide : {exc.message[:400]}"
    violations = rule_violations(infra)
    if not any(s.donnees_personnelles for s in infra.stockages):
        violations["donnees_personnelles"].append("aucun stockage déclaré avec des données personnelles, "
                                                  "alors que les données du cas en contiennent")
    held = [key for key, found in violations.items() if not found]
    summary = (f"{len(infra.zones)} zones, {len(infra.services)} services, {len(infra.stockages)} stockages, "
               f"{len(infra.mesures)} mesures, {len(infra.liens)} liens")
    broken = [v for key in RULES for v in violations[key]]
    if not broken:
        return 1.0, summary + " ; toutes les règles sont respectées"
    return len(held) / len(RULES), summary + " ; " + " ; ".join(broken[:6])
