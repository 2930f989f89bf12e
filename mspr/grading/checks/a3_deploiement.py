"""A3 — deployment (``a3_deploiement``): predictions served by a real model server, server stopped.

The evidence that a server answered is what the server itself wrote: the
access log of the ``uvicorn`` process that ``mlflow models serve`` runs (its
standard output, located by the grader's process watcher, see
:attr:`CheckContext.outputs`), never the team's word.
"""

from __future__ import annotations

import re
import socket
import sys
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from mspr._proc import pid_alive
from mspr.grading.checks._core import AnswerError, CheckContext, Text, check, parse, run_worker
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
    served = answer.predictions
    load = _load_test_answered(ctx)
    if answered < load + len(served):
        return 0.0, (f"le journal du serveur montre {answered} requête(s) /invocations servie(s), dont {load} du test "
                     f"de charge : il en manque pour les {len(served)} prédictions rapportées de l'échantillon, qui ne "
                     "viennent donc pas du serveur")
    expected = ctx.predict(model_uri=str(model), features=sample, flavor="pyfunc", method="predict")
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
    load = _load_test_answered(ctx)
    if timed and len(answer.latencies_ms) + load > answered:
        return 0.0, (f"{len(answer.latencies_ms)} latences rapportées (et {load} requêtes du test de charge) mais le "
                     f"journal du serveur ne montre que {answered} requête(s) /invocations servie(s) : les latences "
                     "ne viennent pas du serveur")
    alive = pid in ctx.leftovers or (not ctx.isolated and pid_alive(pid))
    listening = not ctx.isolated and _port_open(port)
    ok = timed and not alive and not listening
    return float(ok), (f"{len(answer.latencies_ms)} latences mesurées ; serveur (pid {pid}, port {port}) "
                       f"{'encore actif' if alive or listening else 'arrêté'}")



def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0




# --------------------------------------------------------------------------- load test (A3C3)

#: Tolerance between a claimed latency percentile and the grader's recomputation from the
#: per-request table: the larger of 2 ms and 10 % (Locust's own percentiles are rounded to two
#: significant digits; another interpolation of the same measures stays well within).
LATENCY_TOLERANCE = (2.0, 0.10)
#: Tolerance on the claimed throughput (relative) and error rate (percentage points).
THROUGHPUT_TOLERANCE = 0.10
ERROR_RATE_TOLERANCE_PTS = 1.0

# The grader's own re-measurement (issue 11, item 6). The team's table was measured while its
# notebook ran; the grader serves the same model again, in the same sandbox, a few minutes later,
# while other submissions may be graded beside it: the host's load at the two moments differs, so
# latencies may differ by a few times (on 2 shared cores, load 5-17, the reference's p50 over the
# graded runs of one case ranged within a factor 1.5: 100-145 ms on mutuelle_horizon, 180-265 ms
# on hainaut_polymeres, 200-315 ms on oceane_mobilites), while a rewritten table (latencies
# divided by 100, or 2 ms, or 5,000 ms) is off by one or two orders of magnitude. Hence ratio bounds,
# not a difference: the table's p50 and p95 must lie within a factor LOAD_RATIO of the grader's,
# and its throughput (set by the case's rates, not by the load, as long as the server keeps up)
# within a factor THROUGHPUT_RATIO. The grader measures up to REMEASURE_ROUNDS short runs,
# REMEASURE_PAUSE_S apart, and the table agrees if it agrees with any of them, so that one burst of
# load on the host cannot fail a team (an honest team fails only if the host's load changes the
# latencies tenfold between its notebook and every run of the grader, a minute later; the evidence
# gives the host's load average of each run for the jury).

#: Duration of each phase (mean rate, then peak) of one re-measurement run, seconds.
REMEASURE_SECONDS = 2.0
#: Most re-measurement runs against one server start (they stop at the first the table agrees with).
REMEASURE_ROUNDS = 3
#: Pause between two re-measurement runs, seconds (a burst of load on the host may pass).
REMEASURE_PAUSE_S = 3.0
#: Bound on the whole re-measurement (server start, runs, stop), seconds.
REMEASURE_TIMEOUT_S = 240
#: Largest ratio (either way) between the table's p50/p95 and the grader's: one order of magnitude.
LOAD_RATIO = 10.0
#: Largest ratio (either way) between the table's throughput and the grader's.
THROUGHPUT_RATIO = 2.0
#: Key of :attr:`CheckContext.cache` holding the re-measurement (see :func:`remeasure`).
REMEASURE_KEY = "A3C3.remeasure"


class LoadTestAnswer(BaseModel):
    """``A3C3.load_test``: what the team concludes from its Locust load test.

    The measures themselves are read from ``test_charge/requetes.csv``
    (written by :func:`mspr.loadtest.run_load_test`, one line per request).

    Attributes
    ----------
    requests : int
        Number of requests of the test.
    throughput_rps : float
        Requests per second over the test.
    p95_ms, p99_ms : float
        Latency percentiles over the test, milliseconds.
    error_rate_pct : float
        Requests not answered 200, percent.
    go : bool
        The team's verdict: True when the service levels are met ("go").
    """

    model_config = ConfigDict(extra="ignore")
    requests: Annotated[StrictInt, Field(ge=0)]
    throughput_rps: Union[StrictInt, StrictFloat]
    p95_ms: Union[StrictInt, StrictFloat]
    p99_ms: Union[StrictInt, StrictFloat]
    error_rate_pct: Union[StrictInt, StrictFloat]
    go: bool


def _load_table(ctx: CheckContext):
    """The per-request table of the load test, re-measured; AnswerError if unusable."""
    import pandas as pd

    from mspr.loadtest import COLUMNS, RESULTS_FILE, indicators

    path = ctx.inside(str(RESULTS_FILE))
    if not path.is_file():
        raise AnswerError(f"{RESULTS_FILE.as_posix()} introuvable : le test de charge (mspr.loadtest.run_load_test) "
                          "n'a pas été exécuté")
    try:
        table = pd.read_csv(path)
        table = table[COLUMNS]
        table = table.assign(debut_s=table["debut_s"].astype(float), latence_ms=table["latence_ms"].astype(float),
                             statut=table["statut"].astype(int))
    except (KeyError, ValueError, pd.errors.ParserError) as exc:
        raise AnswerError(f"{RESULTS_FILE.as_posix()} illisible ({type(exc).__name__}) : colonnes attendues "
                          + ", ".join(COLUMNS)) from None
    if len(table) < 10 or not {"moyen", "pointe"} <= set(table["phase"].astype(str)):
        raise AnswerError(f"{RESULTS_FILE.as_posix()} : {len(table)} requêtes ; il faut au moins 10 requêtes et les "
                          "deux phases du test (débit moyen et pointe)")
    return table, indicators(table)


def _load_test_answered(ctx: CheckContext) -> int:
    """Requests answered 200 in the team's load-test table (0 when it has none or it is unusable)."""
    try:
        table, _ = _load_table(ctx)
    except AnswerError:
        return 0
    return int((table["statut"] == 200).sum())


def served_model(ctx: CheckContext) -> Path:
    """The model folder the team's server served, read from its command line.

    The ``-m``/``--model-uri`` argument of the first ``mlflow models serve``
    process seen in the sandbox (:attr:`CheckContext.processes`), relative to
    the team's folder; ``modele`` (the folder the lab ships) when no served
    folder of the team's can be read there.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.

    Returns
    -------
    pathlib.Path
        A folder inside :attr:`CheckContext.workdir` (holding ``MLmodel``
        unless the team removed it).
    """
    for command in ctx.processes.values():
        if not MLFLOW_SERVE.match(command) or "--help" in command.split():
            continue
        words = command.split()
        for flag, value in zip(words, words[1:]):
            if flag in ("-m", "--model-uri") and value != "mlflow":
                try:
                    folder = ctx.inside(value)
                except AnswerError:
                    continue
                if (folder / "MLmodel").is_file():
                    return folder
    return ctx.inside("modele")


def remeasure(ctx: CheckContext, table: dict | None = None) -> dict:
    """The grader's own load test of the team's served model, cached per submission.

    Runs :mod:`mspr.grading._loadtest_worker` in the sandbox
    (:func:`mspr.grading.sandbox.run_model_worker`: loopback network only, a
    throw-away copy of the team's folder, never the labels): the model of
    :func:`served_model` is served with :class:`mspr.serving.ModelServer`,
    and up to :data:`REMEASURE_ROUNDS` Locust runs of
    :data:`REMEASURE_SECONDS` s per phase at the case's mean and peak rates,
    :data:`REMEASURE_PAUSE_S` s apart, send the rows of the case's released
    ``echantillon_requetes.csv`` (the team's copy only if the case's is not
    found), stopping at the first run ``table`` agrees with; the whole is
    bounded by :data:`REMEASURE_TIMEOUT_S`. A value already in
    ``ctx.cache[REMEASURE_KEY]`` is returned as is.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the rates are
        ``ctx.ground_truth.production.service_levels``.
    table : dict, optional
        Indicators of the team's table (``p50_ms``, ``p95_ms``,
        ``debit_rps``); without it, every run is measured.

    Returns
    -------
    dict
        ``error`` (French reason why nothing was measured, or None),
        ``startup_s`` and ``rounds`` (list of dicts of
        :func:`mspr.loadtest.indicators`: ``requetes``, ``debit_rps``,
        ``p50_ms``, ``p95_ms``, ``p99_ms``, ``taux_erreur_pct``; and
        ``charge_hote``, the host's load average).
    """
    if REMEASURE_KEY in ctx.cache:
        return ctx.cache[REMEASURE_KEY]
    import shutil
    import tempfile

    from mspr.case.layout import CaseLayout

    result = {"error": None, "startup_s": None, "rounds": []}
    production = ctx.ground_truth.production
    rows = CaseLayout(ctx.ground_truth_dir.parent).sample  # as released, whatever the team did to its copy
    outside = False
    if not rows.is_file():
        try:  # the team's copy: never through a link out of its folder (the grader would copy any file)
            rows = ctx.inside("donnees/echantillon_requetes.csv")
        except AnswerError:
            rows, outside = ctx.workdir / "donnees" / "echantillon_requetes.csv", True
    try:
        model = served_model(ctx)
    except AnswerError as exc:
        model, result["error"] = None, str(exc)
    if production is None:
        result["error"] = "le cas n'a pas de niveaux de service (reconstruisez-le)"
    elif model is None or not (model / "MLmodel").is_file():
        result["error"] = result["error"] or "le modèle servi (dossier modele) a disparu du dossier du rendu"
    elif outside:
        result["error"] = ("donnees/echantillon_requetes.csv : lien symbolique hors du dossier du rendu, "
                           "fichier ignoré")
    elif not rows.is_file():
        result["error"] = "donnees/echantillon_requetes.csv a disparu du dossier du rendu"
    if result["error"] is None:
        levels = production.service_levels
        with tempfile.TemporaryDirectory(prefix="mspr-charge-") as tmp:
            tmp = Path(tmp)
            shutil.copyfile(rows, tmp / "lignes.csv")
            spec = {"model": str(model), "rows": str(tmp / "lignes.csv"),
                    "mean_rps": float(levels["debit_moyen_rps"]), "peak_rps": float(levels["debit_pointe_rps"]),
                    "seconds": REMEASURE_SECONDS, "rounds": REMEASURE_ROUNDS, "pause_s": REMEASURE_PAUSE_S,
                    "table": table}
            try:
                result = run_worker(tmp, spec, workdir=ctx.workdir, timeout=REMEASURE_TIMEOUT_S,
                                    module="mspr.grading._loadtest_worker",
                                    timeout_message=f"la re-mesure n'a pas abouti en {REMEASURE_TIMEOUT_S} s",
                                    failure_message="serveur ou test de charge en échec")
            except AnswerError as exc:
                result["error"] = str(exc)
    ctx.cache[REMEASURE_KEY] = result
    return result


def _ratio(a: float, b: float) -> float:
    """Largest of ``a / b`` and ``b / a`` (inf when either is not a positive number)."""
    import math

    if not (a > 0 and b > 0) or not (math.isfinite(a) and math.isfinite(b)):
        return float("inf")
    return max(a / b, b / a)


def remeasure_disagreements(table: dict, rounds: list[dict]) -> list[str]:
    """What of the team's table disagrees with the grader's re-measurement (empty: it agrees).

    The table agrees when, for at least one of the grader's runs, its p50
    and p95 are within a factor :data:`LOAD_RATIO` of the grader's (either
    way) and its throughput within a factor :data:`THROUGHPUT_RATIO`; ratio
    bounds because the host's load may differ between the two measurements
    (see the module's constants).

    Parameters
    ----------
    table : dict
        Indicators of the team's table (:func:`mspr.loadtest.indicators`:
        ``p50_ms``, ``p95_ms`` in ms, ``debit_rps`` in requests/s).
    rounds : list of dict
        The grader's runs, same keys; at least one.

    Returns
    -------
    list of str
        French phrases naming each figure off by more than its bound, for
        the grader's run closest to the table (empty when one run agrees).
    """
    best = None
    for run in rounds:
        problems = []
        for key, label in (("p50_ms", "p50"), ("p95_ms", "p95")):
            if _ratio(table[key], run[key]) > LOAD_RATIO:
                problems.append(f"{label} du tableau {_fr(table[key])} ms, re-mesuré par le correcteur "
                                f"{_fr(run[key])} ms (écart de plus d'un facteur {_fr(LOAD_RATIO, 0)})")
        if _ratio(table["debit_rps"], run["debit_rps"]) > THROUGHPUT_RATIO:
            problems.append(f"débit du tableau {_fr(table['debit_rps'])} req/s, re-mesuré "
                            f"{_fr(run['debit_rps'])} req/s (écart de plus d'un facteur {_fr(THROUGHPUT_RATIO, 0)})")
        if not problems:
            return []
        if best is None or len(problems) < len(best):
            best = problems
    return best or []


def _remeasured_summary(rounds: list[dict]) -> str:
    return " ; ".join(f"p50 {_fr(r['p50_ms'])} ms, p95 {_fr(r['p95_ms'])} ms, {_fr(r['debit_rps'])} req/s"
                      + (f", charge de l'hôte {_fr(r['charge_hote'])}" if "charge_hote" in r else "")
                      for r in rounds)


def _close(claimed: float, measured: float, absolute: float, relative: float) -> bool:
    return abs(claimed - measured) <= max(absolute, relative * abs(measured))


def _fr(value: float, decimals: int = 1) -> str:
    from mspr.jury.fmt import fr_number

    return fr_number(value, decimals)


@check("A3C3.load_test_measures", assignment="a3_deploiement", max_score=1, schema=LoadTestAnswer,
       label="Test de charge : mesures conformes aux requêtes enregistrées et au journal du serveur",
       answer="A3C3.load_test",
       scoring="the per-request table test_charge/requetes.csv has both phases; its answered requests are at most "
               "the `POST /invocations` answered 200 in the server's own access log; the claimed p95/p99 agree with "
               "the grader's recomputation within max(2 ms, 10 %), throughput within 10 %, error rate within "
               "1 point, request count exactly; and the table agrees with the grader's own re-measurement (the "
               "served model load-tested again in the sandbox, up to 3 runs of 2 s per phase at the case's rates): p50 "
               "and p95 within a factor 10, throughput within a factor 2, of one of the runs")
def load_test_measures(ctx: CheckContext, answer: LoadTestAnswer) -> tuple[float, str]:
    """Full marks when the claimed indicators are those of the recorded requests, served for real.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context: ``test_charge/requetes.csv`` in its
        folder, the model server's access log (:func:`served_requests`).
    answer : LoadTestAnswer
        The claimed indicators.

    Returns
    -------
    fraction : float
        1.0 or 0.0.
    evidence : str
        French sentence with the re-measured indicators, or what disagrees.

    Raises
    ------
    AnswerError
        If the table is missing or unusable, or no model server ran.
    """
    table, measured = _load_table(ctx)
    answered, _ = served_requests(ctx)
    ok_rows = int((table["statut"] == 200).sum())
    if ok_rows > answered:
        return 0.0, (f"{ok_rows} requêtes réussies dans test_charge/requetes.csv mais le journal du serveur n'en "
                     f"montre que {answered} : ces mesures ne viennent pas du serveur")
    problems = []
    if answer.requests != measured["requetes"]:
        problems.append(f"{answer.requests} requêtes annoncées pour {measured['requetes']} enregistrées")
    for name, label in (("p95_ms", "p95"), ("p99_ms", "p99")):
        if not _close(getattr(answer, name), measured[name], *LATENCY_TOLERANCE):
            problems.append(f"{label} annoncé {_fr(getattr(answer, name))} ms, re-mesuré {_fr(measured[name])} ms")
    if not _close(answer.throughput_rps, measured["debit_rps"], 0.0, THROUGHPUT_TOLERANCE):
        problems.append(f"débit annoncé {_fr(answer.throughput_rps)} req/s, re-mesuré {_fr(measured['debit_rps'])}")
    if abs(answer.error_rate_pct - measured["taux_erreur_pct"]) > ERROR_RATE_TOLERANCE_PTS:
        problems.append(f"taux d'erreur annoncé {_fr(answer.error_rate_pct)} %, re-mesuré "
                        f"{_fr(measured['taux_erreur_pct'])} %")
    summary = (f"{measured['requetes']} requêtes, {_fr(measured['debit_rps'])} req/s, p95 {_fr(measured['p95_ms'])} ms, "
               f"p99 {_fr(measured['p99_ms'])} ms, {_fr(measured['taux_erreur_pct'])} % d'erreurs")
    if problems:
        return 0.0, "mesures annoncées différentes des requêtes enregistrées : " + " ; ".join(problems)
    grader = remeasure(ctx, {k: measured[k] for k in ("p50_ms", "p95_ms", "debit_rps")})
    if grader["error"] or not grader["rounds"]:
        return 0.0, (f"tableau des requêtes ({summary}) impossible à confronter à une re-mesure du correcteur : "
                     f"{grader['error'] or 'aucune mesure'}")
    disagree = remeasure_disagreements(measured, grader["rounds"])
    if disagree:
        return 0.0, ("test_charge/requetes.csv ne correspond pas au modèle servi : " + " ; ".join(disagree)
                     + f" ; le tableau n'est pas celui mesuré sur le serveur (re-mesure du correcteur : "
                     f"{_remeasured_summary(grader['rounds'])})")
    return 1.0, (f"mesures conformes ({summary}), {answered} requêtes servies d'après le journal du serveur ; "
                 f"re-mesure du correcteur ({_remeasured_summary(grader['rounds'])}) du même ordre de grandeur")


@check("A3C3.go_no_go", assignment="a3_deploiement", max_score=1, schema=LoadTestAnswer,
       label="Test de charge : décision go / no-go cohérente avec les objectifs et les mesures",
       answer="A3C3.load_test",
       scoring="the team's go/no-go equals the grader's: go iff the re-measured p95 and p99 are at most the case's "
               "objectives and the error rate at most its budget; a measure within the tolerance of its objective "
               "accepts either verdict; and the grader's own re-measurement does not contradict it beyond the "
               "load tolerance (go while every run misses an objective by more than a factor 10, or no-go while "
               "every run meets all of them with a factor 10 to spare)")
def go_no_go_consistent(ctx: CheckContext, answer: LoadTestAnswer) -> tuple[float, str]:
    """Full marks when the team's go/no-go follows from its own measures and the case's objectives.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the objectives are
        ``ctx.ground_truth.production.service_levels``.
    answer : LoadTestAnswer
        ``go``, the team's verdict.

    Returns
    -------
    fraction : float
        1.0 or 0.0.
    evidence : str
        French sentence: the verdict, and the measure that contradicts it.

    Raises
    ------
    AnswerError
        If the table is missing or unusable, or the case has no service
        levels.
    """
    production = ctx.ground_truth.production
    if production is None:
        raise AnswerError("le cas n'a pas de niveaux de service (reconstruisez-le)")
    levels = production.service_levels
    _, measured = _load_table(ctx)
    limits = (("p95_ms", "latence_p95_ms", "p95"), ("p99_ms", "latence_p99_ms", "p99"))
    met, unsure, broken = True, False, []
    for name, objective, label in limits:
        value, target = measured[name], float(levels[objective])
        met &= value <= target
        unsure |= _close(value, target, *LATENCY_TOLERANCE)
        if value > target:
            broken.append(f"{label} mesuré {_fr(value)} ms > objectif {_fr(target)} ms")
    errors, budget = measured["taux_erreur_pct"], float(levels["budget_erreurs_pct"])
    met &= errors <= budget
    unsure |= abs(errors - budget) <= ERROR_RATE_TOLERANCE_PTS / 10
    if errors > budget:
        broken.append(f"taux d'erreur {_fr(errors)} % > budget {_fr(budget)} %")
    verdict = "go" if answer.go else "no-go"
    if answer.go == met or unsure:
        contradiction = _contradicted_by_grader(ctx, answer.go, levels)
        if contradiction:
            return 0.0, f"décision « {verdict} » contredite par la re-mesure du correcteur : {contradiction}"
        return 1.0, f"décision « {verdict} » cohérente avec les mesures" + (f" ({'; '.join(broken)})" if broken else "")
    if answer.go:
        return 0.0, f"décision « go » alors que les mesures de l'équipe ne tiennent pas les objectifs : {'; '.join(broken)}"
    return 0.0, "décision « no-go » alors que les mesures de l'équipe tiennent tous les objectifs"


def _contradicted_by_grader(ctx: CheckContext, go: bool, levels: dict) -> str:
    """Why the grader's own runs rule the verdict out whatever the host's load ('' when they do not).

    A run's measures may differ from the team's by a factor
    :data:`LOAD_RATIO` through the host's load alone, so a verdict is ruled
    out only when every run lies beyond that band: « go » when every run,
    its p95, p99 and error rate divided by :data:`LOAD_RATIO`, still misses
    an objective; « no-go » when every run, multiplied by it, still meets
    them all. When the team's table agrees with a run
    (:func:`remeasure_disagreements`) and its verdict follows from the
    table, this never happens: only a rewritten table can lead here. No
    re-measurement (its failure is scored by ``A3C3.load_test_measures``)
    rules nothing out.
    """
    try:
        grader = remeasure(ctx)
    except AnswerError:
        return ""
    rounds = grader.get("rounds") or []
    if grader.get("error") or not rounds:
        return ""
    objectives = (("p95_ms", float(levels["latence_p95_ms"]), "p95", "ms"),
                  ("p99_ms", float(levels["latence_p99_ms"]), "p99", "ms"),
                  ("taux_erreur_pct", float(levels["budget_erreurs_pct"]), "taux d'erreur", "%"))
    if go:
        misses = [[f"{label} {_fr(run[key])} {unit} > {_fr(LOAD_RATIO, 0)} × objectif {_fr(target)} {unit}"
                   for key, target, label, unit in objectives if run[key] / LOAD_RATIO > target] for run in rounds]
        if all(misses):
            return "; ".join(misses[0])
        return ""
    if all(all(run[key] * LOAD_RATIO <= target for key, target, _, _ in objectives) for run in rounds):
        return (f"toutes les mesures du correcteur tiennent les objectifs avec une marge d'un facteur "
                f"{_fr(LOAD_RATIO, 0)} ({_remeasured_summary(rounds)})")
    return ""


# --------------------------------------------------------------------------- monitoring (A3C3)

#: What a team may say of a production batch, and the batch kind of the ground truth it names.
BATCH_STATUS = {"conforme": "conforme", "derive_donnees": "derive_covariables", "derive_concept": "derive_concept",
                "erreur": "schema_casse"}


class BatchVerdict(BaseModel):
    """The team's verdict on one production batch.

    Attributes
    ----------
    statut : {"conforme", "derive_donnees", "derive_concept", "erreur"}
        Like the training data; drift of the features (covariate drift);
        drift of the relation between features and target (concept drift);
        batch refused (broken schema: reported as an error, not scored).
    variables : list of str, default=[]
        Features found drifting (free, for the jury).
    """

    model_config = ConfigDict(extra="ignore")
    statut: Annotated[str, Field(pattern="^(conforme|derive_donnees|derive_concept|erreur)$")]
    variables: Annotated[list[Text], Field(max_length=500)] = []


class MonitoringAnswer(BaseModel):
    """``A3C3.monitoring``: the verdict on each production batch.

    Attributes
    ----------
    batches : dict of str to BatchVerdict
        File name in ``donnees/lots_production/`` (``lot_1.csv`` …) → verdict.
    """

    model_config = ConfigDict(extra="ignore")
    batches: Annotated[dict[Text, BatchVerdict], Field(max_length=100)]


@check("A3C3.drift_flags", assignment="a3_deploiement", max_score=2, schema=MonitoringAnswer,
       label="Supervision : lots dérivés, conformes et cassés reconnus", answer="A3C3.monitoring",
       scoring="fraction of the production batches whose status is right: the clean one `conforme`, the covariate "
               "drift `derive_donnees`, the concept drift `derive_concept`, the broken schema `erreur` (flagging "
               "every batch as drifted gets 1 of 4)")
def drift_flags(ctx: CheckContext, answer: MonitoringAnswer) -> tuple[float, str]:
    """Fraction of the production batches the team classified right.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is
        ``ctx.ground_truth.production.batches``.
    answer : MonitoringAnswer
        The team's status for each batch file.

    Returns
    -------
    fraction : float
        Right statuses over the number of batches, in [0, 1] (a batch not
        answered counts as wrong).
    evidence : str
        French sentence listing the misclassified batches.

    Raises
    ------
    AnswerError
        If the case has no production batches.
    """
    production = ctx.ground_truth.production
    if production is None or not production.batches:
        raise AnswerError("le cas n'a pas de lots de production (reconstruisez-le)")
    labels = {"conforme": "conforme", "derive_covariables": "dérive des données",
              "derive_concept": "dérive de concept", "schema_casse": "schéma cassé (erreur attendue)"}
    wrong = []
    for batch in production.batches:
        verdict = answer.batches.get(batch.file)
        if verdict is None or BATCH_STATUS[verdict.statut] != batch.kind:
            said = verdict.statut if verdict else "aucun statut"
            wrong.append(f"{batch.file} : « {said} » au lieu de {labels[batch.kind]}")
    right = len(production.batches) - len(wrong)
    evidence = f"{right}/{len(production.batches)} lots bien classés"
    return right / len(production.batches), evidence + (" ; " + " ; ".join(wrong) if wrong else "")
