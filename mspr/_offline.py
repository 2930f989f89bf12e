"""Environment settings that keep third-party libraries offline at run time."""

import os
from pathlib import Path

#: Environment variables that stop MLflow and tldextract (used by Presidio's
#: email recognizer) from reaching the network.
OFFLINE_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "GIT_PYTHON_REFRESH": "quiet",
    "GX_ANALYTICS_ENABLED": "false",
}


def enforce_offline() -> None:
    """Set the offline environment variables unless the caller already chose.

    Must run before ``presidio_analyzer`` or ``mlflow`` are imported, which is
    why :mod:`mspr` calls it at import time.
    """
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("TLDEXTRACT_CACHE", str(Path.home() / ".cache" / "mspr-tldextract"))
