"""The team's MLflow tracking store, created before any use.

Several processes opening a fresh ``sqlite:///…/mlflow.db`` at once race on
its schema set-up and most of them fail (``OperationalError: duplicate column
name``, measured 5 times out of 6; ``/work/shared/notes/dependencies.md``).
:func:`tracking_store` creates the store once, under an exclusive file lock,
so that every later opener, in any process, finds it ready.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

__all__ = ["tracking_store"]


def tracking_store(folder: str | Path, name: str = "mlflow.db") -> str:
    """Create (if needed) the SQLite MLflow store of a folder and return its URI.

    Parameters
    ----------
    folder : str or pathlib.Path
        The team's folder (the notebook's working directory).
    name : str, default="mlflow.db"
        File name of the store inside ``folder``.

    Returns
    -------
    str
        ``sqlite:////<absolute path>``: an absolute URI, so that a notebook
        executed from another folder (nbgrader) still finds it.

    Notes
    -----
    The schema is created by a first client call
    (``MlflowClient.search_experiments``) while holding ``fcntl.flock`` on
    ``<name>.lock``: concurrent callers wait, then find the store ready.
    Calling it again on an existing store only reopens it.
    """
    from mlflow.tracking import MlflowClient

    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    uri = "sqlite:///" + str(folder / name)
    with open(folder / f"{name}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return uri
