"""Check a submitted notebook before nbgrader sees it.

nbgrader's own messages on a broken notebook are in English and often
misleading (a copied cell with a duplicated ``grade_id`` is reported as an
"old metadata format"). :func:`validate_notebook` lists the problems in French,
with what to do; :func:`submit <mspr.submissions.submit>` refuses such a
notebook and the grader checks it again before executing it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import nbformat
from nbformat.reader import NotJSONError

from mspr.errors import MsprError


def _numbers(indexes: list[int]) -> str:
    """Join 1-based cell numbers the French way: ``"2, 5 et 7"``."""
    numbers = [str(i) for i in indexes]
    return ", ".join(numbers[:-1]) + " et " + numbers[-1]


def validate_notebook(path: str | Path) -> list[str]:
    """Return the problems of a notebook that would stop nbgrader, in French.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.ipynb`` file.

    Returns
    -------
    list of str
        One French sentence per problem, saying what to do; empty if the
        notebook is fine. Checked: the file is readable JSON, nbformat reads
        and validates it as a version 4 notebook, and no two cells share an
        nbgrader ``grade_id``.
    """
    try:
        nb = nbformat.read(Path(path), as_version=4)
    except NotJSONError:
        return ["le fichier n'est pas du JSON valide (fichier tronqué ou modifié hors de Jupyter ?) : "
                "repartez de la dernière version enregistrée dans Jupyter ou de la version distribuée"]
    except OSError as error:
        return [f"lecture impossible ({error.strerror or error})"]
    except Exception as error:  # nbformat raises many types on a JSON file that is not a notebook
        return [f"ce n'est pas un notebook Jupyter lisible ({str(error).splitlines()[0][:200]}) : "
                "repartez de la version distribuée"]
    problems = []
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        problems.append(f"notebook non conforme au format Jupyter ({str(error).splitlines()[0][:200]}) : "
                        "ouvrez-le et enregistrez-le dans Jupyter, ou repartez de la version distribuée")
    cells_of = defaultdict(list)
    for number, cell in enumerate(nb.get("cells", []), start=1):
        meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell, dict) else None
        if isinstance(meta, dict) and meta.get("grade_id"):
            cells_of[str(meta["grade_id"])].append(number)
    for grade_id, numbers in cells_of.items():
        if len(numbers) > 1:
            problems.append(
                f"grade_id '{grade_id}' en double (cellules {_numbers(numbers)}) : une cellule a sans doute "
                "été copiée avec ses métadonnées ; supprimez la copie ou recréez-la par « Insérer une cellule »")
    return problems


def check_notebook(path: str | Path) -> None:
    """Raise a French error if :func:`validate_notebook` finds problems.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.ipynb`` file.

    Raises
    ------
    MsprError
        Naming the file and listing each problem with its fix.
    """
    problems = validate_notebook(path)
    if problems:
        raise MsprError("notebook inutilisable par le correcteur :\n" + "\n".join(f"  - {p}" for p in problems),
                        path=path, hint="corrigez le notebook dans Jupyter puis rendez-le de nouveau")
