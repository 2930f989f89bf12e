"""Serve an MLflow model over HTTP on loopback for a deployment test (used by the A3 lab).

:class:`ModelServer` starts ``mlflow models serve --env-manager local`` on
``127.0.0.1`` and a free port, waits until it answers ``/ping``, and always
stops it: at the end of a ``with`` block (a kernel interrupt included, which
raises ``KeyboardInterrupt`` in the cell), at interpreter exit, and, should
the kernel be killed outright, through the server's parent-death signal.

The server's standard output, which holds the access log of its ``uvicorn``
process (one line per HTTP request with its status), goes to a file kept in
the notebook's folder: the grader reads that log, written by the server
itself, as the evidence that it answered (référentiel A3C3).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path

__all__ = ["ModelServer", "ServingError", "free_port", "access_log_requests", "dataframe_split_body"]

#: One request in ``uvicorn``'s access log: ``127.0.0.1:51234 - "POST /invocations HTTP/1.1" 200``.
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>/\S*) HTTP/[\d.]+" (?P<status>\d{3})')

#: Linux ``prctl`` option: signal sent to this process when its parent dies.
_PR_SET_PDEATHSIG = 1

_RUNNING: "weakref.WeakSet[ModelServer]" = weakref.WeakSet()


class ServingError(RuntimeError):
    """The model server could not start or answer (French message with the end of its log)."""


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` at the time of the call.

    Parameters
    ----------
    host : str, default="127.0.0.1"
        Address to bind.

    Returns
    -------
    int
        A port number in 1..65535 chosen by the operating system.
    """
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def dataframe_split_body(frame) -> bytes:
    """Encode a DataFrame as the JSON body MLflow's scoring server expects.

    Parameters
    ----------
    frame : pandas.DataFrame of shape (n_rows, n_columns)
        Rows to score, columns named as in the model's signature. Missing
        values are sent as ``null``; dates in ISO 8601.

    Returns
    -------
    bytes
        UTF-8 JSON ``{"dataframe_split": {"columns": [...], "data": [...]}}``
        (JSON rather than CSV: the server types JSON values from the model's
        signature).
    """
    split = json.loads(frame.to_json(orient="split", index=False, date_format="iso"))
    return json.dumps({"dataframe_split": split}).encode("utf-8")


def access_log_requests(log: str) -> list[tuple[str, str, int]]:
    """Parse the requests of a ``uvicorn`` access log.

    Parameters
    ----------
    log : str
        Text of the server's standard output.

    Returns
    -------
    list of tuple of (str, str, int)
        ``(method, path, HTTP status)`` per request line, in log order.
    """
    return [(m["method"], m["path"], int(m["status"])) for m in ACCESS_LINE.finditer(log)]


try:  # resolved here, not after fork: a forked child of a threaded kernel must not import
    import ctypes

    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _PRCTL = None


def _die_with_parent() -> None:
    """``preexec_fn``: the server gets SIGTERM when the process that started it dies."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class ModelServer:
    """An ``mlflow models serve`` process on loopback, stopped whatever happens.

    Parameters
    ----------
    model : str or pathlib.Path
        Folder of an MLflow model (holding ``MLmodel``) or a model URI.
    log : str or pathlib.Path, default="journal_serveur.log"
        File receiving the server's standard output and error (its access
        log); overwritten at each start.
    host : str, default="127.0.0.1"
        Address to listen on (loopback: nothing outside the machine).
    port : int, optional
        TCP port; by default a free one is chosen (:func:`free_port`).
    ready_timeout_s : float, default=120
        Seconds to wait for ``/ping`` to answer 200, in seconds.

    Attributes
    ----------
    port : int
        The port the server listens on.
    url : str
        ``http://<host>:<port>``.
    pid : int or None
        Process id of the ``mlflow models serve`` process, once started.
    startup_s : float or None
        Seconds from start to the first 200 on ``/ping``.

    Examples
    --------
    >>> with ModelServer("modele") as serveur:  # doctest: +SKIP
    ...     predictions = serveur.predict(echantillon)
    """

    def __init__(self, model, *, log="journal_serveur.log", host: str = "127.0.0.1", port: int | None = None,
                 ready_timeout_s: float = 120):
        self.model = str(model)
        self.log = Path(log)
        self.host = host
        self.port = int(port) if port is not None else free_port(host)
        self.url = f"http://{host}:{self.port}"
        self.ready_timeout_s = ready_timeout_s
        self.process: subprocess.Popen | None = None
        self.startup_s: float | None = None

    @property
    def pid(self) -> int | None:
        """Process id of the server, or None before :meth:`start`."""
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        """Whether the server process is still running."""
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        """Return the command line that starts the server.

        Returns
        -------
        list of str
            ``<venv>/bin/mlflow models serve -m <model> --env-manager local
            -h <host> -p <port>``.
        """
        mlflow = Path(sys.executable).parent / "mlflow"
        return [str(mlflow), "models", "serve", "-m", self.model, "--env-manager", "local",
                "-h", self.host, "-p", str(self.port)]

    def start(self) -> "ModelServer":
        """Start the server and wait until it answers ``/ping``.

        Returns
        -------
        ModelServer
            ``self``, ready to answer.

        Raises
        ------
        ServingError
            If the server exits or does not answer within
            ``ready_timeout_s`` (the server is stopped first).
        """
        if self.running:
            return self
        env = dict(os.environ)
        bin_dir = str(Path(sys.executable).parent)  # mlflow runs uvicorn through bash: it must be on PATH
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
        env["MLFLOW_DISABLE_TELEMETRY"] = "true"
        env["PYTHONUNBUFFERED"] = "1"  # the access log reaches the file line by line
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w", encoding="utf-8") as out:
            # its own session: the server and uvicorn form one group stopped at once
            self.process = subprocess.Popen(self.command(), env=env, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True,
                                            preexec_fn=_die_with_parent)
        _RUNNING.add(self)
        try:
            self._wait_ready()
        except BaseException:  # a kernel interrupt while waiting too
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        start = time.perf_counter()
        while time.perf_counter() - start < self.ready_timeout_s:
            if self.process.poll() is not None:
                raise ServingError(f"le serveur s'est arrêté au démarrage (code {self.process.returncode}) ; "
                                   f"fin du journal {self.log} :\n{self._tail()}")
            try:
                with urllib.request.urlopen(self.url + "/ping", timeout=2) as answer:
                    if answer.status == 200:
                        self.startup_s = time.perf_counter() - start
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise ServingError(f"pas de réponse sur {self.url}/ping après {self.ready_timeout_s:g} s ; "
                           f"fin du journal {self.log} :\n{self._tail()}")

    def _tail(self, size: int = 2000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-size:]
        except OSError:
            return "(journal illisible)"

    def stop(self, timeout_s: float = 15) -> int | None:
        """Stop the server and its ``uvicorn`` process: SIGTERM, then SIGKILL.

        Safe to call several times and on a server that already exited.

        Parameters
        ----------
        timeout_s : float, default=15
            Seconds to wait after each signal.

        Returns
        -------
        int or None
            The server's exit code, or None if it was never started.
        """
        process = self.process
        if process is None:
            return None
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)  # the whole group: uvicorn too
            except (ProcessLookupError, PermissionError):
                pass
            try:
                process.wait(timeout=timeout_s)
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # a uvicorn left after its parent exited (same group)
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        _RUNNING.discard(self)
        return process.returncode

    def invoke(self, frame, timeout_s: float = 30) -> tuple[int, object, float]:
        """Send rows to ``/invocations`` once and time the answer.

        Parameters
        ----------
        frame : pandas.DataFrame of shape (n_rows, n_columns)
            Rows to score (see :func:`dataframe_split_body`).
        timeout_s : float, default=30
            Seconds to wait for the answer.

        Returns
        -------
        status : int
            HTTP status (200 on success, 400 for input the signature refuses).
        content : list or str
            The ``predictions`` list on success, else the error body (text).
        latency_ms : float
            Time from sending to the whole answer read, milliseconds.
        """
        request = urllib.request.Request(self.url + "/invocations", data=dataframe_split_body(frame),
                                         headers={"Content-Type": "application/json"}, method="POST")
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as answer:
                body = answer.read()
                status = answer.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        latency_ms = (time.perf_counter() - start) * 1000
        if status == 200:
            return status, json.loads(body)["predictions"], latency_ms
        return status, body.decode("utf-8", errors="replace"), latency_ms

    def predict(self, frame) -> list:
        """Predictions served for ``frame``.

        Parameters
        ----------
        frame : pandas.DataFrame of shape (n_rows, n_columns)
            Rows to score.

        Returns
        -------
        list of shape (n_rows,)
            The server's ``predictions``.

        Raises
        ------
        ServingError
            If the server answers anything but 200 (French message with its
            error).
        """
        status, content, _ = self.invoke(frame)
        if status != 200:
            raise ServingError(f"requête refusée par le serveur (HTTP {status}) : {str(content)[:500]}")
        return content

    def requests(self) -> list[tuple[str, str, int]]:
        """Requests the server logged so far (see :func:`access_log_requests`).

        Returns
        -------
        list of tuple of (str, str, int)
            ``(method, path, HTTP status)`` per request.
        """
        return access_log_requests(self._tail(size=10**8))

    def __enter__(self) -> "ModelServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __del__(self):
        try:
            self.stop(timeout_s=5)
        except Exception:  # noqa: BLE001 - interpreter shutting down
            pass


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        server.stop(timeout_s=5)
