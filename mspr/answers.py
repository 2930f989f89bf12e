"""Record the measurable answers of a lab in ``reponses.json``.

A candidate's notebook calls :func:`record` once per check id of the
référentiel (``A1C6.pii_columns``, ``A2C6.model``…). The answers land in
``reponses.json`` in the current working folder — the notebook's folder, since
JupyterLab and nbgrader both run the kernel there — and the grader reads that
file back with :func:`load` after execution, outside the candidate's kernel.

The file is rewritten atomically (temporary file + :func:`os.replace`), so an
interrupted kernel never leaves a half-written JSON document behind.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from mspr.errors import MsprError

__all__ = ["ANSWERS_FILE", "CHECK_ID_PATTERN", "MAX_ANSWERS_BYTES", "load", "record", "to_json_value"]

#: Name of the answers file, in the notebook's folder.
ANSWERS_FILE = "reponses.json"

#: A check id: competency code (``A1C6``), a dot, then a snake_case slug.
CHECK_ID_PATTERN = re.compile(r"^A[1-4]C\d+\.[a-z0-9_]+$")


def to_json_value(value: Any) -> Any:
    """Convert ``value`` into plain JSON types.

    Numpy scalars and arrays, pandas objects exposing ``tolist``, tuples, sets
    and :class:`pathlib.Path` are converted; dict keys become strings. NaN and
    infinities become ``None`` (JSON has no NaN).

    Parameters
    ----------
    value : object
        Any nesting of dicts, lists, tuples, scalars and numpy/pandas values.

    Returns
    -------
    object
        The same data made of ``dict``, ``list``, ``str``, ``int``, ``float``,
        ``bool`` and ``None`` only.

    Raises
    ------
    MsprError
        If a value cannot be represented in JSON.

    Examples
    --------
    >>> import numpy as np
    >>> to_json_value({"auc": np.float64(0.8), "ids": (1, 2), "x": float("nan")})
    {'auc': 0.8, 'ids': [1, 2], 'x': None}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return [to_json_value(item) for item in sorted(value, key=repr)]
    # numpy / pandas, without importing them: scalars have ``item``, arrays and
    # Series have ``tolist``.
    if hasattr(value, "tolist") and callable(value.tolist):
        return to_json_value(value.tolist())
    if hasattr(value, "item") and callable(value.item):
        return to_json_value(value.item())
    raise MsprError(
        f"la valeur de type {type(value).__name__} ne peut pas être enregistrée en JSON",
        hint="enregistrez un nombre, un texte, une liste ou un dictionnaire.",
    )


#: Largest ``reponses.json`` read, bytes; a larger one is refused.
MAX_ANSWERS_BYTES = 1_000_000


def load(folder: str | os.PathLike = ".") -> dict[str, Any]:
    """Read the answers recorded in ``folder``: the one reader of ``reponses.json``.

    Used by the labs (to show what was recorded), by ``mspr valider`` and by
    the grader, which reads the file of an executed submission outside the
    candidate's kernel.

    Parameters
    ----------
    folder : str or path-like, default="."
        The notebook's folder, holding ``reponses.json``.

    Returns
    -------
    dict
        Check id → recorded value; empty if the file does not exist.

    Raises
    ------
    MsprError
        If the file is larger than :data:`MAX_ANSWERS_BYTES`, is not valid
        UTF-8 JSON (numbers too long and nesting too deep included), or does
        not hold a JSON object.
    """
    path = Path(folder) / ANSWERS_FILE
    if not path.is_file():
        return {}
    hint = "supprimez-le et réexécutez les cellules d'enregistrement des réponses."
    if path.stat().st_size > MAX_ANSWERS_BYTES:
        raise MsprError(f"fichier de réponses trop gros (plus de {MAX_ANSWERS_BYTES} octets)", path=path, hint=hint)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as error:  # invalid JSON or UTF-8, numbers too long, nesting too deep
        raise MsprError(f"fichier de réponses illisible (JSON invalide : {str(error)[:200]})", path=path,
                        hint=hint) from None
    if not isinstance(data, dict):
        raise MsprError("le fichier de réponses doit contenir un objet JSON {identifiant: valeur}", path=path,
                        hint=hint)
    return data


def record(check_id: str, value: Any) -> None:
    """Record the answer to one check in ``reponses.json`` (current folder).

    The other answers already in the file are kept; recording the same id
    again replaces its value.

    Parameters
    ----------
    check_id : str
        Check id of the form ``A<bloc>C<n>.<slug>``, e.g. ``"A1C6.pii_columns"``.
    value : object
        The answer; converted by :func:`to_json_value`.

    Raises
    ------
    MsprError
        If ``check_id`` is malformed, the value is not serialisable, or the
        existing file is not valid JSON.

    Examples
    --------
    >>> record("A4C1.project_duration", 42)  # doctest: +SKIP
    Réponse enregistrée : A4C1.project_duration → reponses.json
    """
    if not isinstance(check_id, str) or not CHECK_ID_PATTERN.match(check_id):
        raise MsprError(
            f"identifiant de réponse invalide : {check_id!r}",
            hint="utilisez l'identifiant fourni dans le sujet, par ex. 'A1C6.pii_columns'.",
        )
    folder = Path.cwd()
    answers = load(folder)
    answers[check_id] = to_json_value(value)
    text = json.dumps(answers, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
    handle, temp_name = tempfile.mkstemp(prefix=".reponses-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text + "\n")
        os.replace(temp_name, folder / ANSWERS_FILE)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    print(f"Réponse enregistrée : {check_id} → {ANSWERS_FILE}")
