"""A3 — deployment (``a3_deploiement``): predictions served by a real model server, server stopped."""

from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from mspr.grading.checks._core import AnswerError, CheckContext, Text, check, parse


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
    answer = parse(DeploymentAnswer, ctx.answers["A3C3.deployment_test"], "A3C3.deployment_test")
    command = ctx.processes.get(answer.server_pid, "")
    if not MLFLOW_SERVE.match(command):
        raise AnswerError(f"aucun serveur « mlflow models serve » de pid {answer.server_pid} n'a tourné "
                          "pendant l'exécution du notebook")
    return answer


@check("A3C3.served_predictions", assignment="a3_deploiement", max_score=3, schema=DeploymentAnswer,
       label="Test de déploiement : prédictions du serveur conformes au modèle", answer="A3C3.deployment_test",
       scoring="fraction of the sample rows whose prediction served by `mlflow models serve` equals the "
               "model's own prediction")
def served_predictions(ctx: CheckContext, answer: DeploymentAnswer) -> tuple[float, str]:
    """Fraction of the sample rows whose served prediction equals the model's own.

    The model saved at ``model_path`` is loaded with the pyfunc flavour in a
    throw-away subprocess and predicts ``donnees/echantillon_requetes.csv``
    of the team's folder; each served prediction must equal it within 1e-9.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : DeploymentAnswer
        ``model_path`` (relative to the team's folder), ``predictions`` (one
        per sample row, in file order) and ``latencies_ms``.

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
    _deployment(ctx)
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


@check("A3C3.server_stopped", assignment="a3_deploiement", max_score=1, schema=DeploymentAnswer,
       label="Test de déploiement : latences mesurées et serveur arrêté", answer="A3C3.deployment_test",
       scoring="every request timed, and the server's process and port are gone after the notebook ran")
def server_stopped(ctx: CheckContext, answer: DeploymentAnswer) -> tuple[float, str]:
    """Full marks if every request was timed and the server process and port are gone.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : DeploymentAnswer
        ``predictions``, ``latencies_ms`` (milliseconds), ``server_pid`` and ``port``.

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
    _deployment(ctx)
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


