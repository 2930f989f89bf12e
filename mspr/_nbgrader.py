"""The nbgrader configuration shared by release and grading.

Configuration is data built here (a traitlets ``Config``), never an executable
``nbgrader_config.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mspr.paths import COURSE_ID

#: What replaces a solution in the student version (nbgrader ``ClearSolutions``).
CODE_STUB = "# VOTRE CODE ICI\nraise NotImplementedError()"
TEXT_STUB = "VOTRE RÉPONSE ICI"

#: Seconds a single cell may run during autograding (A3 starts a model server).
CELL_TIMEOUT_S = 600


def quiet_gradebook_warnings() -> None:
    """Silence nbgrader 0.9.6's harmless SQLAlchemy autoflush warnings (English noise in a French CLI).

    nbgrader's ``Gradebook`` touches relationships of objects not yet added to
    its session (``nbgrader/api.py``); SQLAlchemy 2 warns « not in session, add
    operation … will not proceed ». The rows are added explicitly afterwards,
    so the warning carries no information for a trainer.
    """
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", message=r".*not in session, add operation along", category=SAWarning)


def make_api(root: Path, db_url: str):
    """Return an ``nbgrader.apps.NbGraderAPI`` for a course root.

    Parameters
    ----------
    root : pathlib.Path
        nbgrader ``CourseDirectory.root``.
    db_url : str
        Absolute SQLAlchemy URL of the gradebook.

    Returns
    -------
    nbgrader.apps.NbGraderAPI
    """
    # nbgrader runs the `alembic` executable to create a gradebook: the venv's
    # bin folder must be on PATH even when the venv is not activated.
    quiet_gradebook_warnings()
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bindir, os.environ.get("PATH", "")])
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = db_url
    config.ClearSolutions.code_stub = {"python": CODE_STUB}
    config.ClearSolutions.text_stub = TEXT_STUB
    config.Execute.timeout = CELL_TIMEOUT_S
    config.ExecutePreprocessor.timeout = CELL_TIMEOUT_S
    # Student notebooks of the release keep no outputs.
    config.ClearOutput.enabled = True
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)
