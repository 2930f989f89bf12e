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


def cache_cell_schema_checks() -> None:
    """Make nbgrader's cell-metadata validation check its JSON schema once, not once per cell.

    nbgrader 0.9.6 validates each cell's ``nbgrader`` metadata with
    ``jsonschema.validate``, which first checks the schema itself against its
    meta-schema, at every call (0.15 s per notebook of 80 cells). This gives
    nbgrader's ``common`` module a ``jsonschema`` whose ``validate`` keeps one
    validator per schema: the same errors (``best_match``), raised the same
    way, without the repeated schema check.
    """
    import json
    import types

    import jsonschema
    from nbgrader.nbgraderformat import common

    if getattr(common.jsonschema, "_mspr_cached", False):
        return
    validators: dict = {}

    def validate(instance, schema, cls=None, *args, **kwargs):
        key = (json.dumps(schema, sort_keys=True, default=str), cls, args, tuple(sorted(kwargs.items())))
        if key not in validators:
            validator_cls = cls or jsonschema.validators.validator_for(schema)
            validator_cls.check_schema(schema)
            validators[key] = validator_cls(schema, *args, **kwargs)
        error = jsonschema.exceptions.best_match(validators[key].iter_errors(instance))
        if error is not None:
            raise error

    common.jsonschema = types.SimpleNamespace(**{name: getattr(jsonschema, name) for name in dir(jsonschema)
                                                 if not name.startswith("__")})
    common.jsonschema.validate = validate
    common.jsonschema._mspr_cached = True
