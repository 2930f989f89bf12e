"""The auto checks: each measurable criterion, scored against the ground truth.

Each check has a stable id ``<competency>.<name>`` (e.g. ``A1C6.pii_columns``)
naming the one référentiel competency it evidences, belongs to one nbgrader
assignment, and reads the answers the notebook recorded in ``reponses.json``
(see ``docs/architecture.md``). Checks run in the grader process, after the
notebook has executed, outside the candidate's kernel; a candidate's model is
only ever loaded in a throw-away subprocess (:meth:`CheckContext.predict`).

A check returns ``(fraction, evidence)``: a fraction of its maximum in
[0, 1] and a French sentence for the jury. An answer of the wrong shape
raises :class:`AnswerError` (scored 0 with its message); a missing answer is
handled before the check runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Callable, Union

import pandas as pd
from pydantic import (BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StringConstraints, TypeAdapter,
                      ValidationError)

from mspr.grading.execute import sandbox_env

#: Longest evidence sentence kept, characters.
MAX_EVIDENCE = 1000

#: Seconds a model may take to load and predict in the model worker.
MODEL_TIMEOUT_S = 300


class AnswerError(Exception):
    """A recorded answer does not have the expected shape (French message)."""


@dataclass(frozen=True)
class Check:
    """One auto check.

    Attributes
    ----------
    check_id : str
        ``<competency>.<name>``, stable across versions.
    assignment_id : str
        The nbgrader assignment it belongs to.
    max_score : float
        Points for a perfect answer.
    label : str
        What is measured, in French.
    answer : str
        The ``reponses.json`` key it reads (defaults to ``check_id``).
    func : callable
        ``func(ctx) -> (fraction in [0, 1], evidence: str)``.
    """

    check_id: str
    assignment_id: str
    max_score: float
    label: str
    answer: str
    func: Callable[["CheckContext"], tuple[float, str]]

    @property
    def competency(self) -> str:
        """The référentiel code this check evidences, e.g. ``"A1C6"``."""
        return self.check_id.split(".", 1)[0]


CHECKS: dict[str, Check] = {}


def check(check_id: str, *, assignment: str, max_score: float, label: str, answer: str | None = None):
    """Register an auto check (decorator).

    Parameters
    ----------
    check_id : str
        ``<competency>.<name>``.
    assignment : str
        nbgrader assignment id.
    max_score : float
        Points for a perfect answer.
    label : str
        What is measured, in French.
    answer : str, optional
        The ``reponses.json`` key read; defaults to ``check_id``.

    Returns
    -------
    callable
        Decorator that registers ``func`` in :data:`CHECKS` under
        ``check_id`` (replacing a check of the same id) as a :class:`Check`,
        and returns ``func`` unchanged.
    """

    def register(func):
        CHECKS[check_id] = Check(check_id, assignment, max_score, label, answer or check_id, func)
        return func

    return register


def checks_for(assignment_id: str) -> list[Check]:
    """Return the checks of one assignment, in registration order.

    Parameters
    ----------
    assignment_id : str
        An nbgrader assignment id, e.g. ``"a2_conception"``.

    Returns
    -------
    list of Check
        The registered checks whose ``assignment_id`` matches; empty for an
        unknown assignment.
    """
    return [c for c in CHECKS.values() if c.assignment_id == assignment_id]


@dataclass
class CheckContext:
    """What a check may read.

    Attributes
    ----------
    answers : dict
        The notebook's ``reponses.json``.
    ground_truth : dict
        The case's ``ground_truth.json``.
    ground_truth_dir : pathlib.Path
        Folder with ``holdout_features.csv`` and ``holdout_labels.csv``.
    workdir : pathlib.Path
        The folder the notebook executed in (its MLflow store, its model).
    reference_model : pathlib.Path or None
        The case's reference model (shipped with A3); a team model giving
        exactly its predictions is flagged for the jury.
    processes : dict of int to str
        Command lines of the processes seen running in the sandbox while the
        notebook executed, by pid (see :class:`mspr.grading.execute.SandboxWatch`).
    leftovers : dict of int to str
        Processes the notebook left running when it ended (killed since), by
        pid (see :mod:`mspr.grading._autograde_worker`).
    cache : dict
        Results shared between checks of one submission (e.g. holdout AUC).
    check : Check or None
        The check being run (set by :func:`run_checks`).
    isolated : bool, default=False
        True when the notebook ran in its own pid and network namespaces
        (:mod:`mspr.grading.sandbox`): nothing of it survives its end, its
        pids and ports are not the host's, so they are not probed on the host
        (``processes`` and ``leftovers`` then hold its namespace's pids too).
    """

    answers: dict
    ground_truth: dict
    ground_truth_dir: Path
    workdir: Path
    reference_model: Path | None = None
    processes: dict[int, str] = field(default_factory=dict)
    leftovers: dict[int, str] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)
    check: Check | None = None
    isolated: bool = False

    def inside(self, relative: str) -> Path:
        """Resolve a path recorded by the candidate, refusing escapes from ``workdir``.

        Parameters
        ----------
        relative : str
            A path relative to :attr:`workdir`, as recorded in
            ``reponses.json`` (an absolute path is accepted if it lies
            inside ``workdir``).

        Returns
        -------
        pathlib.Path
            The absolute path, symbolic links resolved.

        Raises
        ------
        AnswerError
            If the resolved path lies outside ``workdir`` (``..``, absolute
            path elsewhere, symbolic link pointing out).
        """
        try:
            path = (self.workdir / relative).resolve()
        except (ValueError, OSError) as exc:
            raise AnswerError(f"chemin {relative[:80]!r} inutilisable : {exc}") from None
        if not path.is_relative_to(self.workdir.resolve()):
            raise AnswerError(f"le chemin {relative!r} sort du dossier du rendu")
        return path

    def predict(self, *, model_uri: str, features: Path, flavor: str, method: str,
                tracking_uri: str | None = None) -> list[float]:
        """Load a candidate's model in a subprocess and predict ``features``.

        Parameters
        ----------
        model_uri : str
            MLflow model URI or local model folder.
        features : pathlib.Path
            CSV of the rows to predict (features only, no label).
        flavor : {"sklearn", "pyfunc"}
            MLflow flavour the model is loaded with (``mlflow.sklearn`` or
            ``mlflow.pyfunc``).
        method : {"proba", "predict"}
            ``proba``: probability of the positive class (sklearn flavour);
            ``predict``: the model's ``predict`` output.
        tracking_uri : str, optional
            MLflow tracking URI used to resolve ``models:/`` or ``runs:/``
            URIs, e.g. ``sqlite:////abs/mlflow.db``.

        Returns
        -------
        list of float
            One value per row of ``features``.

        Raises
        ------
        AnswerError
            If the model cannot be loaded or fails to predict.
        """
        from mspr.grading.sandbox import run_model_worker

        with tempfile.TemporaryDirectory(prefix="mspr-model-") as tmp:
            tmp = Path(tmp)
            # The worker gets a copy of the features alone, not the folder they came from.
            shutil.copyfile(features, tmp / "features.csv")
            spec = {"model_uri": model_uri, "tracking_uri": tracking_uri, "flavor": flavor,
                    "method": method, "input": str(tmp / "features.csv"), "output": str(tmp / "out.json")}
            (tmp / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
            (tmp / "home").mkdir()
            # In the sandbox: the team's folder (a throw-away copy at the same path), the
            # reference model when that is what is scored, never the labels.
            local = Path(model_uri)
            extra = [local] if local.is_absolute() and local.exists() and not local.is_relative_to(self.workdir) else []
            try:
                proc = run_model_worker(tmp, workdir=self.workdir, readable=extra, env=sandbox_env(tmp / "home"),
                                        timeout=MODEL_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise AnswerError(f"le modèle n'a pas répondu en {MODEL_TIMEOUT_S} s") from None
            if proc.returncode != 0 or not (tmp / "out.json").is_file():
                last = (proc.stderr.strip().splitlines() or ["?"])[-1]
                raise AnswerError(f"modèle inutilisable ({model_uri}) : {last[:300]}")
            return json.loads((tmp / "out.json").read_text(encoding="utf-8"))


# -- answer schemas ------------------------------------------------------------------
# What a notebook records is untrusted input: each check parses it with one of
# these pydantic types, and any mismatch becomes an AnswerError (0 points, with
# the reason) instead of an exception in the grader.

#: A recorded string: bounded, without NUL (which breaks paths and URIs).
Text = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$")]

#: ``A1C6.pii_columns``: table -> column -> entity types.
PII_ANSWER = TypeAdapter(dict[Text, dict[Text, Annotated[list[Text], Field(max_length=50)]]])

#: ``A4C1.critical_path``: task ids in order.
PATH_ANSWER = TypeAdapter(Annotated[list[Text], Field(max_length=1000)])

#: ``A4C1.project_duration``: days (a JSON number, not a string or a boolean).
DURATION_ANSWER = TypeAdapter(Union[StrictInt, StrictFloat])


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


class DeploymentAnswer(BaseModel):
    """``A3C3.deployment_test``: what the deployment test observed.

    Attributes
    ----------
    model_path : str
        Folder of the served MLflow model, relative to the notebook's folder.
    predictions : list of float
        One served prediction per row of ``donnees/echantillon_requetes.csv``.
    latencies_ms : list of float
        Measured request latencies, milliseconds.
    server_pid : int
        Process id of the ``mlflow models serve`` process started.
    port : int
        TCP port the server listened on, 1 to 65535.
    """

    model_config = ConfigDict(extra="ignore")
    model_path: Text
    predictions: Annotated[list[Union[StrictInt, StrictFloat, None]], Field(max_length=100_000)]
    latencies_ms: Annotated[list[Union[StrictInt, StrictFloat]], Field(max_length=100_000)]
    server_pid: Annotated[StrictInt, Field(ge=1, le=2**22)]
    port: Annotated[StrictInt, Field(ge=1, le=65535)]


def parse(schema, value: Any, what: str = "réponse"):
    """Validate a recorded answer against its schema.

    Parameters
    ----------
    schema : pydantic.TypeAdapter or type of pydantic.BaseModel
        The expected shape.
    value : object
        The value read from ``reponses.json``.
    what : str, default="réponse"
        French name of the answer, for the message.

    Returns
    -------
    object
        The validated value (a model instance for a ``BaseModel`` schema).

    Raises
    ------
    AnswerError
        With the first validation error, in French.
    """
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(value)
        return schema.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or what
        raise AnswerError(f"{where} : forme inattendue ({first['type']}, reçu {str(first.get('input'))[:60]!r})") from None


# -- A1: opportunity study --------------------------------------------------------

@check("A1C6.pii_columns", assignment="a1_cadrage", max_score=4,
       label="Audit RGPD : catégories de données personnelles par colonne (Presidio)")
def pii_columns(ctx: CheckContext) -> tuple[float, str]:
    """Mean Jaccard index between found and true entity sets, per column.

    The mean runs over the columns where the answer or the ground truth names
    at least one entity type, so an empty answer scores 0 and a column flagged
    wrongly costs as much as a column missed.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context, with ``ctx.check`` set to this check (by
        :func:`run_checks`).
        The answer is a dict ``{table: {column: [entity type, ...]}}`` of
        Presidio entity types (``PERSON``, ``FR_NIR``…); the truth is the
        ground truth's ``pii``.

    Returns
    -------
    fraction : float
        Mean Jaccard index over the columns named by the answer or the
        truth, in [0, 1].
    evidence : str
        French sentence: exact columns, expected personal columns, columns
        missed or incomplete, columns flagged wrongly.

    Raises
    ------
    AnswerError
        If the answer is not a dict of dicts of lists.
    """
    answer = parse(PII_ANSWER, ctx.answers[ctx.check.answer])
    truth = {(t, c): set(v) for t, cols in ctx.ground_truth["pii"].items() for c, v in cols.items() if v}
    found = {(t, c): set(v) for t, cols in answer.items() for c, v in cols.items() if v}
    keys = sorted(set(truth) | set(found))
    if not keys:
        return 0.0, "aucune colonne signalée"
    scores = {k: len(truth.get(k, set()) & found.get(k, set())) / len(truth.get(k, set()) | found.get(k, set()))
              for k in keys}
    missed = [f"{t}.{c}" for (t, c) in keys if _incomplete(truth, found, (t, c))]
    wrong = [f"{t}.{c}" for (t, c) in keys if (t, c) not in truth]
    evidence = (f"{sum(v == 1 for v in scores.values())}/{len(keys)} colonnes exactes ; "
                f"{len(truth)} colonnes personnelles attendues")
    if missed:
        evidence += f" ; manquées ou incomplètes : {', '.join(missed)}"
    if wrong:
        evidence += f" ; signalées à tort : {', '.join(wrong)}"
    return sum(scores.values()) / len(keys), evidence


def _incomplete(truth: dict, found: dict, key: tuple) -> bool:
    """True when the column holds personal data the answer does not fully name."""
    return key in truth and not truth[key] <= found.get(key, set())


# -- A2: design ---------------------------------------------------------------

@check("A2C1.leaky_column", assignment="a2_conception", max_score=1,
       label="Choix des données : colonne qui fuit la cible identifiée")
def leaky_column(ctx: CheckContext) -> tuple[float, str]:
    """Exact match (case-insensitive, ``table.`` prefix allowed).

    Parameters
    ----------
    ctx : CheckContext
        The submission's context, with ``ctx.check`` set to this check (by
        :func:`run_checks`).
        The answer is the name of the leaky column (``str``), e.g.
        ``"date_resiliation"`` or ``"adherents.date_resiliation"``.

    Returns
    -------
    fraction : float
        1.0 if it names the ground truth's ``leaky_column``, else 0.0.
    evidence : str
        French sentence quoting the answer and whether it is correct.

    Raises
    ------
    AnswerError
        If the answer is not a string.
    """
    answer = parse(TypeAdapter(Text), ctx.answers[ctx.check.answer]).strip().lower()
    truth = ctx.ground_truth["leaky_column"]
    ok = answer in {truth["column"].lower(), f"{truth['table']}.{truth['column']}".lower()}
    return float(ok), f"réponse « {answer} » : {'correcte' if ok else 'incorrecte'}"


def _local_path(uri: str) -> Path:
    """Filesystem path of a ``file://`` URI or plain path."""
    return Path(uri.removeprefix("file://")).resolve()


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

    answer = parse(ModelAnswer, ctx.answers["A2C6.model"])
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
        target = ctx.ground_truth["target"]["column"]
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


@check("A2C6.holdout_auc", assignment="a2_conception", max_score=4,
       label="Performance du modèle sur le jeu de test caché (ROC AUC)", answer="A2C6.model")
def holdout_auc_check(ctx: CheckContext) -> tuple[float, str]:
    """Linear from AUC 0.5 (0) to the case's pass threshold (full marks).

    Parameters
    ----------
    ctx : CheckContext
        The submission's context, with ``ctx.check`` set to this check (by
        :func:`run_checks`).
        The answer ``A2C6.model`` is read by :func:`holdout_auc`.

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
    ref = ctx.ground_truth["reference_metric"]
    fraction = min(1.0, max(0.0, (auc - 0.5) / (ref["pass_threshold"] - 0.5)))
    evidence = (f"ROC AUC sur le jeu caché = {auc:.3f} (seuil {ref['pass_threshold']:.3f}, "
                f"modèle de référence {ref['reference_model']:.3f}, oracle {ref['oracle']:.3f})")
    if ctx.cache.get("same_as_reference"):
        evidence += (" ; ATTENTION : prédictions identiques à celles du modèle livré avec l'assignment A3, "
                     "à vérifier à l'oral")
    return fraction, evidence


#: Largest gap tolerated between the cross-validated and the holdout AUC.
CV_GAP_MAX = 0.05


@check("A2C8.cross_validation", assignment="a2_conception", max_score=2,
       label="Procédure de test : validation croisée tracée dans MLflow et cohérente", answer="A2C6.model")
def cross_validation(ctx: CheckContext) -> tuple[float, str]:
    """One point for ≥ 5 folds logged with ``cv_roc_auc_mean``; one for |CV − holdout| ≤ 0.05.

    Reads the MLflow run ``run_id`` of the answer ``A2C6.model``: its metric
    ``cv_roc_auc_mean`` and its parameter ``cv_n_splits``.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context, with ``ctx.check`` set to this check (by
        :func:`run_checks`).
        The answer ``A2C6.model`` is a dict with ``tracking_uri``,
        ``model_uri`` and ``run_id``.

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
    return fraction, (f"{folds} plis, AUC validation croisée {cv:.3f}, écart avec le jeu caché {gap:.3f} "
                      f"(≤ {CV_GAP_MAX} attendu)")


# -- A3: deployment -------------------------------------------------------------

#: Command line of the real ``mlflow models serve`` of this environment: the
#: venv's ``mlflow`` entry point (run through its interpreter), or ``-m mlflow``.
MLFLOW_SERVE = re.compile(
    rf"^\S+ (?:{re.escape(str(Path(sys.executable).parent / 'mlflow'))}|-m mlflow) models serve(?: |$)")


def _deployment(ctx: CheckContext) -> DeploymentAnswer:
    """Parse ``A3C3.deployment_test`` and check its server really ran in the sandbox.

    ``server_pid`` must be a process the grader saw running in the sandbox
    during execution (:attr:`CheckContext.processes`), started as
    ``mlflow models serve``: values typed into ``reponses.json`` by hand do
    not count.
    """
    answer = parse(DeploymentAnswer, ctx.answers["A3C3.deployment_test"])
    command = ctx.processes.get(answer.server_pid, "")
    if not MLFLOW_SERVE.match(command):
        raise AnswerError(f"aucun serveur « mlflow models serve » de pid {answer.server_pid} n'a tourné "
                          "pendant l'exécution du notebook")
    return answer


@check("A3C3.served_predictions", assignment="a3_deploiement", max_score=3,
       label="Test de déploiement : prédictions du serveur conformes au modèle", answer="A3C3.deployment_test")
def served_predictions(ctx: CheckContext) -> tuple[float, str]:
    """Fraction of the sample rows whose served prediction equals the model's own.

    The model saved at ``model_path`` is loaded with the pyfunc flavour in a
    throw-away subprocess and predicts ``donnees/echantillon_requetes.csv``
    of the team's folder; each served prediction must equal it within 1e-9.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context, with ``ctx.check`` set to this check (by
        :func:`run_checks`).
        The answer ``A3C3.deployment_test`` is a dict with ``model_path``
        (str, relative to the team's folder), ``predictions`` (list, one per
        sample row, in file order) and ``latencies_ms`` (list of float).

    Returns
    -------
    fraction : float
        Share of sample rows whose served prediction matches, in [0, 1];
        0.0 if the number of predictions differs from the number of rows.
    evidence : str
        French sentence giving the number of matching predictions.

    Raises
    ------
    AnswerError
        If the answer is malformed, a path leaves the team's folder, or the
        model cannot be loaded or fails to predict.
    """
    answer = _deployment(ctx)
    model = ctx.inside(answer.model_path)
    sample = ctx.inside("donnees/echantillon_requetes.csv")
    if not sample.is_file():
        raise AnswerError("donnees/echantillon_requetes.csv a disparu du dossier pendant l'exécution")
    expected = ctx.predict(model_uri=str(model), features=sample, flavor="pyfunc", method="predict")
    served = answer.predictions
    if len(served) != len(expected):
        return 0.0, f"{len(served)} prédictions servies pour {len(expected)} lignes de l'échantillon"
    agree = sum(_same(a, b) for a, b in zip(served, expected))
    return agree / len(expected), f"{agree}/{len(expected)} prédictions servies identiques à celles du modèle"


def _same(a: Any, b: float) -> bool:
    try:
        return abs(float(a) - b) < 1e-9
    except (TypeError, ValueError, OverflowError):
        return False


@check("A3C3.server_stopped", assignment="a3_deploiement", max_score=1,
       label="Test de déploiement : latences mesurées et serveur arrêté", answer="A3C3.deployment_test")
def server_stopped(ctx: CheckContext) -> tuple[float, str]:
    """Full marks if every request was timed and the server process and port are gone.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context, with ``ctx.check`` set to this check (by
        :func:`run_checks`).
        The answer ``A3C3.deployment_test`` is a dict with ``model_path``
        (str), ``predictions`` (list), ``latencies_ms`` (list of float, in
        milliseconds), ``server_pid`` (int) and ``port`` (int).

    Returns
    -------
    fraction : float
        1.0 if there is one latency per prediction (at least one), the
        process ``server_pid`` no longer runs (a zombie counts as stopped)
        and nothing listens on ``127.0.0.1:<port>``; else 0.0.
    evidence : str
        French sentence giving the number of latencies and whether the
        server is still active.

    Raises
    ------
    AnswerError
        If the answer is malformed or ``server_pid``/``port`` are not
        integers.
    """
    answer = _deployment(ctx)
    pid, port = answer.server_pid, answer.port
    timed = len(answer.latencies_ms) == len(answer.predictions) > 0
    alive = pid in ctx.leftovers or (not ctx.isolated and _pid_alive(pid))
    listening = not ctx.isolated and _port_open(port)
    ok = timed and not alive and not listening
    return float(ok), (f"{len(answer.latencies_ms)} latences mesurées ; serveur (pid {pid}, port {port}) "
                       f"{'encore actif' if alive or listening else 'arrêté'}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is a stopped server whose parent did not reap it yet
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# -- A4: project management --------------------------------------------------------

@check("A4C1.critical_path", assignment="a4_pilotage", max_score=2,
       label="Chemin critique du plan projet (PERT)")
def critical_path(ctx: CheckContext) -> tuple[float, str]:
    """Full marks for the exact sequence; else the Jaccard index of the task sets, halved.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context, with ``ctx.check`` set to this check (by
        :func:`run_checks`).
        The answer is the list of task ids of the critical path, in
        execution order; the truth is the ground truth's
        ``plan.critical_path`` (critical path method, see
        :func:`mspr.case.plan.critical_path`).

    Returns
    -------
    fraction : float
        1.0 for the exact sequence; otherwise half the Jaccard index of the
        answered and true task sets, in [0, 0.5] (0.0 for an empty answer).
    evidence : str
        French sentence quoting the answered and the expected paths.

    Raises
    ------
    AnswerError
        If the answer is not a list.
    """
    answer = parse(PATH_ANSWER, ctx.answers[ctx.check.answer])
    truth = ctx.ground_truth["plan"]["critical_path"]
    if answer == truth:
        return 1.0, f"chemin critique exact : {' → '.join(truth)}"
    overlap = len(set(answer) & set(truth)) / len(set(answer) | set(truth)) if answer else 0.0
    return overlap / 2, f"réponse {' → '.join(answer) or '(vide)'} ; attendu {' → '.join(truth)}"


@check("A4C1.project_duration", assignment="a4_pilotage", max_score=1,
       label="Durée totale du projet (jours)")
def project_duration(ctx: CheckContext) -> tuple[float, str]:
    """Exact number of days.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context, with ``ctx.check`` set to this check (by
        :func:`run_checks`).
        The answer is the project duration in days (int or float, not
        bool); the truth is the ground truth's ``plan.duration_days``.

    Returns
    -------
    fraction : float
        1.0 if the answer equals the true duration, else 0.0.
    evidence : str
        French sentence quoting the answered and the expected durations.

    Raises
    ------
    AnswerError
        If the answer is not a number.
    """
    answer = parse(DURATION_ANSWER, ctx.answers[ctx.check.answer])
    truth = ctx.ground_truth["plan"]["duration_days"]
    ok = answer == truth
    return float(ok), f"réponse {answer} j ; attendu {truth} j"


# -- running ----------------------------------------------------------------------

@dataclass(frozen=True)
class CheckResult:
    """The score of one auto check for one submission.

    Attributes
    ----------
    check_id, competency, assignment_id, label : str
        As in :class:`Check`: stable id, référentiel competency code (e.g.
        ``"A1C6"``), nbgrader assignment and French label.
    score : float
        Points obtained, in [0, max_score], rounded to 2 decimals.
    max_score : float
        Points for a perfect answer.
    evidence : str
        French sentence telling the jury what was measured.
    """

    check_id: str
    competency: str
    assignment_id: str
    label: str
    score: float
    max_score: float
    evidence: str


def run_checks(assignment_id: str, ctx: CheckContext) -> list[CheckResult]:
    """Run every check of an assignment on one executed submission.

    A missing answer scores 0 (the recording cell did not run); an answer of
    the wrong shape scores 0 with the reason. Any other exception is a grader
    bug and propagates.

    Parameters
    ----------
    assignment_id : str
        The nbgrader assignment whose checks run (:func:`checks_for`).
    ctx : CheckContext
        The executed submission's context; ``ctx.check`` is set to each
        check in turn.

    Returns
    -------
    list of CheckResult
        One per check of the assignment, in registration order.
    """
    results = []
    for chk in checks_for(assignment_id):
        ctx.check = chk
        if chk.answer not in ctx.answers:
            fraction, evidence = 0.0, f"aucune réponse enregistrée pour « {chk.answer} »"
        else:
            try:
                fraction, evidence = chk.func(ctx)
            except AnswerError as exc:
                fraction, evidence = 0.0, f"réponse inexploitable : {exc}"
        score = round(chk.max_score * min(1.0, max(0.0, fraction)), 2)
        if len(evidence) > MAX_EVIDENCE:
            evidence = evidence[:MAX_EVIDENCE] + " […]"
        results.append(CheckResult(chk.check_id, chk.competency, assignment_id, chk.label,
                                   score, chk.max_score, evidence))
    return results
