"""The auto checks' machinery: registry, context, answer schemas, runner.

The checks themselves live in one module per assignment
(:mod:`mspr.grading.checks.a1_cadrage` …). Each check has a stable id ``<competency>.<name>`` (e.g. ``A1C6.pii_columns``)
naming the one référentiel competency it evidences, belongs to one nbgrader
assignment, and reads the answers the notebook recorded in ``reponses.json``
(see ``docs/architecture.md``). Checks run in the grader process, after the
notebook has executed, outside the candidate's kernel; a candidate's model is
only ever loaded in a throw-away subprocess (:meth:`CheckContext.predict`).

Each check declares the schema of the answer it reads; :func:`run_checks`
parses the answer with it and calls ``func(ctx, answer)``, which returns
``(fraction, evidence)``: a fraction of its maximum in [0, 1] and a French
sentence for the jury. An answer of the wrong shape scores 0 with the reason;
a missing answer scores 0 before the check runs. Adding a criterion means one
check function here and one recording cell in the lab.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Callable

from pydantic import StringConstraints, TypeAdapter, ValidationError

from mspr.case.truth import GroundTruth
from mspr.grading.execute import sandbox_env

#: Longest evidence sentence kept, characters.
MAX_EVIDENCE = 1000

#: Seconds a model may take to load and predict in the model worker.
MODEL_TIMEOUT_S = 300

#: Seconds all the model-worker calls of one submission may take together (loading, predicting, auditing,
#: inspecting: a team with many slow models cannot hold its grading for MODEL_TIMEOUT_S per call).
MODELS_BUDGET_S = 900


class AnswerError(Exception):
    """A recorded answer does not have the expected shape (French message)."""


def run_worker(tmp: Path, spec: dict, *, workdir: Path, timeout: float, timeout_message: str,
               failure_message: str, readable: list[Path] = (), module: str | None = None) -> Any:
    """Run a grader worker in the sandbox on ``spec`` and return what it wrote.

    Parameters
    ----------
    tmp : pathlib.Path
        An empty temporary folder: ``spec.json``, ``home/`` and the worker's
        ``out.json`` go there (``spec["output"]`` is set to that file).
    spec : dict
        The worker's instructions (JSON-serialisable).
    workdir : pathlib.Path
        The team's folder, shown to the worker as a throw-away copy.
    timeout : float
        Seconds before the worker is killed.
    timeout_message, failure_message : str
        French messages: the first when the worker times out, the second
        (followed by « : <last line of the worker's stderr> ») when it fails.
    readable : list of pathlib.Path, optional
        Extra paths the worker may read (see
        :func:`mspr.grading.sandbox.run_model_worker`).
    module : str, optional
        The worker module (default: :mod:`mspr.grading._model_worker`).

    Returns
    -------
    Any
        The JSON document the worker wrote to ``out.json``.

    Raises
    ------
    AnswerError
        With ``timeout_message`` or ``failure_message``.
    """
    from mspr.grading.sandbox import run_model_worker

    output = tmp / "out.json"
    (tmp / "spec.json").write_text(json.dumps({**spec, "output": str(output)}), encoding="utf-8")
    (tmp / "home").mkdir()
    try:
        proc = run_model_worker(tmp, workdir=workdir, readable=list(readable), env=sandbox_env(tmp / "home"),
                                timeout=timeout, **({"module": module} if module else {}))
    except subprocess.TimeoutExpired:
        raise AnswerError(timeout_message) from None
    if proc.returncode != 0 or not output.is_file():
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise AnswerError(f"{failure_message} : {last[:300]}")
    return json.loads(output.read_text(encoding="utf-8"))


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
    schema : pydantic.TypeAdapter or type of pydantic.BaseModel
        The shape of that answer.
    scoring : str
        How it is scored (one sentence, for the generated docs).
    func : callable
        ``func(ctx, answer) -> (fraction in [0, 1], evidence: str)``, where
        ``answer`` is the parsed answer.
    """

    check_id: str
    assignment_id: str
    max_score: float
    label: str
    answer: str
    schema: Any
    scoring: str
    func: Callable[["CheckContext", Any], tuple[float, str]]

    @property
    def competency(self) -> str:
        """The référentiel code this check evidences, e.g. ``"A1C6"``."""
        return self.check_id.split(".", 1)[0]


CHECKS: dict[str, Check] = {}


def check(check_id: str, *, assignment: str, max_score: float, label: str, schema: Any, scoring: str,
          answer: str | None = None):
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
    schema : pydantic.TypeAdapter or type of pydantic.BaseModel
        The shape of the answer read.
    scoring : str
        How it is scored, one sentence (English, for ``autograders/README.md``).
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
        CHECKS[check_id] = Check(check_id, assignment, max_score, label, answer or check_id, schema, scoring, func)
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
    ground_truth : GroundTruth
        The case's ground truth.
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
    outputs : dict of int to str
        Where the standard output of each process of :attr:`processes` went
        (a path as the process saw it, ``pipe:[…]``, ``/dev/null``), by pid;
        e.g. a model server's access log, written by the server itself.
    cache : dict
        Results shared between checks of one submission (e.g. holdout AUC).
    check : Check or None
        The check being run (set by :func:`run_checks`).
    models_deadline : float or None
        ``time.monotonic()`` past which no model worker is started for this
        submission (set by the first one: :data:`MODELS_BUDGET_S` later).
    isolated : bool, default=False
        True when the notebook ran in its own pid and network namespaces
        (:mod:`mspr.grading.sandbox`): nothing of it survives its end, its
        pids and ports are not the host's, so they are not probed on the host
        (``processes`` and ``leftovers`` then hold its namespace's pids too).
    """

    answers: dict
    ground_truth: GroundTruth
    ground_truth_dir: Path
    workdir: Path
    reference_model: Path | None = None
    processes: dict[int, str] = field(default_factory=dict)
    leftovers: dict[int, str] = field(default_factory=dict)
    outputs: dict[int, str] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)
    check: Check | None = None
    isolated: bool = False
    models_deadline: float | None = None

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
        with tempfile.TemporaryDirectory(prefix="mspr-model-") as tmp:
            tmp = Path(tmp)
            # The worker gets a copy of the features alone, not the folder they came from.
            shutil.copyfile(features, tmp / "features.csv")
            spec = {"model_uri": model_uri, "tracking_uri": tracking_uri, "flavor": flavor,
                    "method": method, "input": str(tmp / "features.csv")}
            # In the sandbox: the team's folder (a throw-away copy at the same path), the
            # reference model when that is what is scored, never the labels.
            local = Path(model_uri)
            extra = [local] if local.is_absolute() and local.exists() and not local.is_relative_to(self.workdir) else []
            return self._model_worker(tmp, spec, readable=extra, what="le modèle n'a pas répondu",
                                      failure_message=f"modèle inutilisable ({model_uri})")

    def audit_model(self, *, model_uri: str, tracking_uri: str, train: Path, suspects: list[str],
                    n_splits: int, seeds: list[int]) -> dict:
        """Load a candidate's sklearn model in a subprocess and gather evidence about it.

        The worker (:func:`mspr.grading._model_worker.audit`) sees the
        holdout's features, the released main table (public, its target
        included) and the team's folder; never the holdout's labels.

        Parameters
        ----------
        model_uri : str
            ``models:/m-…`` URI of the team's logged model.
        tracking_uri : str
            The team's store, ``sqlite:////abs/mlflow.db``.
        train : pathlib.Path
            The released main table (CSV), as the team received it.
        suspects : list of str
            Columns the model must not read (leaking column, identifiers).
        n_splits : int
            Folds of the recomputed stratified cross-validation.
        seeds : list of int
            One repetition of the cross-validation per seed.

        Returns
        -------
        dict
            As :func:`mspr.grading._model_worker.audit`.

        Raises
        ------
        AnswerError
            If the worker itself fails or exceeds :data:`MODEL_TIMEOUT_S`.
        """
        truth = self.ground_truth
        with tempfile.TemporaryDirectory(prefix="mspr-audit-") as tmp:
            tmp = Path(tmp)
            shutil.copyfile(self.ground_truth_dir / "holdout_features.csv", tmp / "holdout.csv")
            shutil.copyfile(train, tmp / "train.csv")
            spec = {"mode": "audit", "model_uri": model_uri, "tracking_uri": tracking_uri,
                    "holdout": str(tmp / "holdout.csv"), "train": str(tmp / "train.csv"), "key": truth.key,
                    "target": truth.target.column,
                    "drop": [c for c in ([truth.target.regression_column] if truth.target.regression_column else [])
                             if c in truth.tables[truth.main_table].columns],
                    "suspects": list(suspects), "n_splits": n_splits, "seeds": list(seeds)}
            return self._model_worker(tmp, spec, what="l'analyse du modèle n'a pas abouti",
                                      failure_message=f"analyse du modèle impossible ({model_uri})")

    def inspect_models(self, *, tracking_uri: str, models: list[dict]) -> list[dict]:
        """Load each of a team's logged models in a subprocess and read what it is.

        Parameters
        ----------
        tracking_uri : str
            The team's store, ``sqlite:////abs/mlflow.db``.
        models : list of dict
            ``{"model_uri": "models:/m-…", "run_id": str}`` per logged model.

        Returns
        -------
        list of dict
            As ``inspect_models(...)["models"]`` of
            :func:`mspr.grading._model_worker.inspect_models`, in input order.

        Raises
        ------
        AnswerError
            If the worker itself fails or exceeds :data:`MODEL_TIMEOUT_S`.
        """
        with tempfile.TemporaryDirectory(prefix="mspr-inspect-") as tmp:
            tmp = Path(tmp)
            spec = {"mode": "inspect", "tracking_uri": tracking_uri, "models": list(models)}
            return self._model_worker(tmp, spec, what="la lecture des modèles n'a pas abouti",
                                      failure_message="lecture des modèles impossible")["models"]


    def _model_worker(self, tmp: Path, spec: dict, *, what: str, failure_message: str, readable=()) -> Any:
        """:func:`run_worker` within :data:`MODEL_TIMEOUT_S` per call and :data:`MODELS_BUDGET_S` per submission;
        ``what`` (French) says what did not finish in time."""
        import time

        now = time.monotonic()
        if self.models_deadline is None:
            self.models_deadline = now + MODELS_BUDGET_S
        left = self.models_deadline - now
        budget = f"temps accordé aux modèles de ce rendu épuisé ({MODELS_BUDGET_S} s en tout)"
        if left < 1:
            raise AnswerError(f"{what} : {budget}")
        timeout = min(MODEL_TIMEOUT_S, left)
        return run_worker(tmp, spec, workdir=self.workdir, readable=readable, timeout=timeout,
                          timeout_message=f"{what} en {MODEL_TIMEOUT_S} s" if timeout == MODEL_TIMEOUT_S
                          else f"{what} : {budget}", failure_message=failure_message)


# -- answer schemas ------------------------------------------------------------------
# What a notebook records is untrusted input: each check parses it with one of
# these pydantic types, and any mismatch becomes an AnswerError (0 points, with
# the reason) instead of an exception in the grader.

#: A recorded string: bounded, without NUL (which breaks paths and URIs).
Text = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$")]

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
                fraction, evidence = chk.func(ctx, parse(chk.schema, ctx.answers[chk.answer], chk.answer))
            except AnswerError as exc:
                fraction, evidence = 0.0, f"réponse inexploitable : {exc}"
        score = round(chk.max_score * min(1.0, max(0.0, fraction)), 2)
        if len(evidence) > MAX_EVIDENCE:
            evidence = evidence[:MAX_EVIDENCE] + " […]"
        results.append(CheckResult(chk.check_id, chk.competency, assignment_id, chk.label,
                                   score, chk.max_score, evidence))
    return results


def checks_table() -> str:
    """The Markdown table of every registered check (for ``autograders/README.md``).

    Returns
    -------
    str
        One row per check, in registration order: id, assignment, points,
        answer read, how it is scored.
    """
    rows = ["| check id | assignment | points | answer read | how it is scored |", "|---|---|---|---|---|"]
    for chk in CHECKS.values():
        rows.append(f"| `{chk.check_id}` | {chk.assignment_id} | {chk.max_score:g} | `{chk.answer}` | {chk.scoring} |")
    return "\n".join(rows) + "\n"


def untrusted_file(func):
    """Report an unexpected failure while reading a team's file as an answer error (0 points, reason shown).

    The files are the team's: a malformed one must cost that criterion, not
    stop the grading of the submission.

    Parameters
    ----------
    func : callable
        A check ``(ctx, answer) -> (fraction, evidence)`` that reads files of
        the team's folder.

    Returns
    -------
    callable
        The same check, raising :class:`AnswerError` (« fichier illisible »,
        with the exception's type and message) for any other exception.
    """
    @functools.wraps(func)
    def wrapper(ctx: CheckContext, answer: str) -> tuple[float, str]:
        try:
            return func(ctx, answer)
        except AnswerError:
            raise
        except Exception as exc:  # noqa: BLE001  (any parser failure on an untrusted file)
            raise AnswerError(f"{answer} : fichier illisible ({type(exc).__name__} : {str(exc)[:120]})") from None

    return wrapper
