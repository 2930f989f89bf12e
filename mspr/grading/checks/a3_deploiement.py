"""A3 — deployment (``a3_deploiement``): predictions served by a real model server, server stopped.

The evidence that a server answered is what the server itself wrote: the
access log of the ``uvicorn`` process that ``mlflow models serve`` runs (its
standard output, located by the grader's process watcher, see
:attr:`CheckContext.outputs`), never the team's word.
"""

from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from mspr.grading.checks._core import AnswerError, CheckContext, Text, check, parse
from mspr.serving import access_log_requests


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

#: Command line of the ``uvicorn`` process running MLflow's scoring server
#: (what ``mlflow models serve --env-manager local`` executes): the venv's
#: ``uvicorn`` entry point or ``-m uvicorn``, options, then the scoring app.
SCORING_SERVER = re.compile(
    rf"^\S+ (?:{re.escape(str(Path(sys.executable).parent / 'uvicorn'))}|-m uvicorn)(?: --?[a-z-]+(?: [^-\s]\S*)?)* "
    r"mlflow\.pyfunc\.scoring_server\.app:app$")


def served_requests(ctx: CheckContext) -> tuple[int, list[str]]:
    """Count the ``/invocations`` requests answered 200 by the model servers that ran.

    A model server is a process seen in the sandbox whose command line is
    MLflow's scoring server under ``uvicorn`` (:data:`SCORING_SERVER`); its
    access log is its standard output file (:attr:`CheckContext.outputs`),
    read from the team's folder.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context (``processes``, ``outputs``, ``workdir``).

    Returns
    -------
    answered : int
        Number of ``POST /invocations`` lines with status 200, over the
        distinct access logs of every model server seen.
    problems : list of str
        French reasons why a server's log could not be read (output not a
        file, file outside the team's folder, file gone).

    Raises
    ------
    AnswerError
        If no model server (``uvicorn`` running MLflow's scoring app) ran
        during the execution: ``mlflow models serve --help``, or a server that
        failed to start, serves nothing.
    """
    servers = [pid for pid, command in ctx.processes.items() if SCORING_SERVER.match(command)]
    if not servers:
        raise AnswerError("aucun serveur de modèle n'a démarré pendant l'exécution (pas de processus uvicorn "
                          "exécutant le serveur de prédiction de MLflow) : « mlflow models serve » doit servir "
                          "le modèle, pas seulement être appelé")
    logs, problems = set(), []
    workdir = ctx.workdir.resolve()
    for pid in servers:
        output = ctx.outputs.get(pid, "")
        path = Path(output.removesuffix(" (deleted)")) if output.startswith("/") else None
        if path is None or path == Path("/dev/null"):
            problems.append(f"la sortie du serveur (pid {pid}) ne va pas dans un fichier ({output or 'inconnue'}) : "
                            "utilisez mspr.serving.ModelServer, qui garde son journal d'accès")
        elif not path.resolve().is_relative_to(workdir):
            problems.append(f"le journal du serveur (pid {pid}) est hors du dossier du rendu")
        else:
            logs.add(path.resolve())
    answered = 0
    for path in sorted(logs):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            problems.append(f"journal du serveur {path.name} introuvable après l'exécution")
            continue
        answered += sum(1 for method, route, status in access_log_requests(text)
                        if method == "POST" and route == "/invocations" and status == 200)
    return answered, problems


def _deployment(ctx: CheckContext) -> DeploymentAnswer:
    """Parse ``A3C3.deployment_test`` and check its server really ran in the sandbox.

    ``server_pid`` must be a process the grader saw running in the sandbox
    during execution (:attr:`CheckContext.processes`), started as
    ``mlflow models serve``: values typed into ``reponses.json`` by hand do
    not count.
    """
    answer = parse(DeploymentAnswer, ctx.answers["A3C3.deployment_test"], "A3C3.deployment_test")
    command = ctx.processes.get(answer.server_pid, "")
    if not MLFLOW_SERVE.match(command) or "--help" in command.split():
        raise AnswerError(f"aucun serveur « mlflow models serve » de pid {answer.server_pid} n'a tourné "
                          "pendant l'exécution du notebook")
    return answer


@check("A3C3.served_predictions", assignment="a3_deploiement", max_score=3, schema=DeploymentAnswer,
       label="Test de déploiement : prédictions du serveur conformes au modèle", answer="A3C3.deployment_test",
       scoring="0 unless a real model server (uvicorn running MLflow's scoring app) ran and its own access "
               "log shows at least one `POST /invocations` answered 200; then the fraction of the sample rows "
               "whose served prediction equals the model's own prediction")
def served_predictions(ctx: CheckContext, answer: DeploymentAnswer) -> tuple[float, str]:
    """Fraction of the sample rows whose served prediction equals the model's own.

    The server must have answered: a model server ran and its access log
    (written by the server, see :func:`served_requests`) shows at least one
    ``POST /invocations`` answered 200. Then the model saved at
    ``model_path`` is loaded with the pyfunc flavour in a throw-away
    subprocess and predicts ``donnees/echantillon_requetes.csv`` of the
    team's folder; each served prediction must equal it within 1e-9.

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
        0.0 if the server's log shows no answered request, or if the number
        of predictions differs from the number of rows.
    evidence : str
        French sentence giving the number of requests the server logged and
        of matching predictions.

    Raises
    ------
    AnswerError
        If the answer is malformed, no model server ran, a path leaves the
        team's folder, or the model cannot be loaded or fails to predict.
    """
    _deployment(ctx)
    answered, problems = served_requests(ctx)
    if not answered:
        return 0.0, ("le journal d'accès du serveur ne montre aucune requête /invocations servie (HTTP 200) : "
                     "les prédictions rapportées ne viennent pas du serveur"
                     + "".join(f" ; {p}" for p in problems))
    model = ctx.inside(answer.model_path)
    sample = ctx.inside("donnees/echantillon_requetes.csv")
    if not sample.is_file():
        raise AnswerError("donnees/echantillon_requetes.csv a disparu du dossier pendant l'exécution")
    expected = ctx.predict(model_uri=str(model), features=sample, flavor="pyfunc", method="predict")
    served = answer.predictions
    logged = f"{answered} requête(s) /invocations servie(s) d'après le journal du serveur ; "
    if len(served) != len(expected):
        return 0.0, logged + f"{len(served)} prédictions servies pour {len(expected)} lignes de l'échantillon"
    agree = sum(_same(a, b) for a, b in zip(served, expected))
    return agree / len(expected), logged + f"{agree}/{len(expected)} prédictions servies identiques à celles du modèle"


def _same(a: Any, b: float) -> bool:
    try:
        return abs(float(a) - b) < 1e-9
    except (TypeError, ValueError, OverflowError):
        return False


@check("A3C3.server_stopped", assignment="a3_deploiement", max_score=1, schema=DeploymentAnswer,
       label="Test de déploiement : latences mesurées et serveur arrêté", answer="A3C3.deployment_test",
       scoring="every request timed (no more latencies than `POST /invocations` answered 200 in the server's "
               "own access log), and the server's process and port are gone after the notebook ran")
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
        1.0 if there is one latency per prediction (at least one), no more
        latencies than requests answered in the server's access log
        (:func:`served_requests`), the process ``server_pid`` no longer runs (a zombie counts as stopped)
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
    answered, _ = served_requests(ctx)
    pid, port = answer.server_pid, answer.port
    timed = len(answer.latencies_ms) == len(answer.predictions) > 0
    if timed and len(answer.latencies_ms) > answered:
        return 0.0, (f"{len(answer.latencies_ms)} latences rapportées mais le journal du serveur ne montre que "
                     f"{answered} requête(s) /invocations servie(s) : les latences ne viennent pas du serveur")
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


