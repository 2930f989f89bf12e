"""A4 — project management (``a4_pilotage``): PERT table, critical path, project duration."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Union

import pandas as pd
from pydantic import Field, StrictFloat, StrictInt, TypeAdapter

from mspr.grading.checks._core import AnswerError, CheckContext, Text, check

#: ``A4C1.critical_path``: task ids in order.
PATH_ANSWER = TypeAdapter(Annotated[list[Text], Field(max_length=1000)])

#: ``A4C1.project_duration``: days (a JSON number, not a string or a boolean).
DURATION_ANSWER = TypeAdapter(Union[StrictInt, StrictFloat])


@check("A4C1.critical_path", assignment="a4_pilotage", max_score=2, schema=PATH_ANSWER,
       label="Chemin critique du plan projet (PERT)",
       scoring="any of the plan's critical paths, exact: full points; otherwise half the best Jaccard index "
               "of the task sets")
def critical_path(ctx: CheckContext, answer: list[str]) -> tuple[float, str]:
    """Full marks for any exact critical path; else the best Jaccard index of the task sets, halved.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is
        ``ctx.ground_truth.plan.critical_paths`` (every critical path,
        critical path method, see :func:`mspr.case.plan.schedule`).
    answer : list of str
        Task ids of the critical path, in execution order.

    Returns
    -------
    fraction : float
        1.0 if the answer is one of the critical paths; otherwise half the
        largest Jaccard index between the answered task set and a critical
        path's, in [0, 0.5] (0.0 for an empty answer).
    evidence : str
        French sentence quoting the answered and the expected paths.
    """
    paths = ctx.ground_truth.plan.critical_paths
    expected = " ou ".join(" → ".join(p) for p in paths[:3]) + (" …" if len(paths) > 3 else "")
    if answer in paths:
        other = f" (un des {len(paths)} chemins critiques)" if len(paths) > 1 else ""
        return 1.0, f"chemin critique exact{other} : {' → '.join(answer)}"
    overlap = max(len(set(answer) & set(p)) / len(set(answer) | set(p)) for p in paths) if answer else 0.0
    return overlap / 2, f"réponse {' → '.join(answer) or '(vide)'} ; attendu {expected}"


@check("A4C1.project_duration", assignment="a4_pilotage", max_score=1, schema=DURATION_ANSWER,
       label="Durée totale du projet (jours)", scoring="exact duration in days")
def project_duration(ctx: CheckContext, answer: int | float) -> tuple[float, str]:
    """Exact number of days.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.plan.duration_days``.
    answer : int or float
        The project duration in days.

    Returns
    -------
    fraction : float
        1.0 if the answer equals the true duration, else 0.0.
    evidence : str
        French sentence quoting the answered and the expected durations.
    """
    truth = ctx.ground_truth.plan.duration_days
    return float(answer == truth), f"réponse {answer} j ; attendu {truth} j"


# -- the PERT table, read from the team's file ------------------------------------------

#: ``A4C1.pert_table``: path of the PERT table file, relative to the notebook's folder.
PERT_ANSWER = TypeAdapter(Text)

#: The five dates of a PERT row (ground-truth field, French name for the report).
PERT_FIELDS = {
    "earliest_start": "début au plus tôt",
    "earliest_finish": "fin au plus tôt",
    "latest_start": "début au plus tard",
    "latest_finish": "fin au plus tard",
    "total_float": "marge totale",
}

#: Largest PERT table file read, bytes.
MAX_PERT_BYTES = 2_000_000

_ID_WORDS = {"id", "tache", "taches", "task", "tasks", "code", "identifiant", "activite", "activity"}
_START_WORDS = {"debut", "start", "commencement"}
_FINISH_WORDS = {"fin", "finish", "end"}
_EARLY_WORDS = {"tot", "earliest", "early"}
_LATE_WORDS = {"tard", "latest", "late"}
_ABBREVIATIONS = {"es": "earliest_start", "ef": "earliest_finish", "ls": "latest_start", "lf": "latest_finish",
                  "tf": "total_float", "mt": "total_float"}


def _words(header: object) -> list[str]:
    """Lower-case, accent-free words of a column header (``"Début au plus tôt (j)"`` → debut, au, plus, tot, j)."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode().lower()
    return [w for w in re.split(r"[^a-z0-9]+", text) if w]


def pert_column(header: object) -> str | None:
    """Which PERT quantity a column header names, in French or English.

    Parameters
    ----------
    header : object
        A column header, e.g. ``"debut_au_plus_tot"``, ``"ES"``,
        ``"Earliest start"``, ``"Marge totale (jours)"``, ``"id_tache"``.

    Returns
    -------
    str or None
        ``"id"`` or one of :data:`PERT_FIELDS`' keys; ``None`` for any other
        column (label, duration, free float, predecessors…).

    Examples
    --------
    >>> [pert_column(h) for h in ["Tâche", "debut_au_plus_tot", "LF", "Marge totale", "marge libre", "durée"]]
    ['id', 'earliest_start', 'latest_finish', 'total_float', None, None]
    """
    words = set(_words(header))
    if not words:
        return None
    for word, field in _ABBREVIATIONS.items():
        if word in words:
            return field
    if words & {"marge", "float", "slack", "margin"}:
        return None if words & {"libre", "free"} else "total_float"
    start, finish = bool(words & _START_WORDS), bool(words & _FINISH_WORDS)
    early, late = bool(words & _EARLY_WORDS), bool(words & _LATE_WORDS)
    if start != finish and early != late:
        return ("earliest_" if early else "latest_") + ("start" if start else "finish")
    if words & _ID_WORDS and not (words & {"libelle", "nom", "name", "label", "description", "duree", "duration"}):
        return "id"
    return None


def _read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (any separator, decimal comma allowed) or Excel sheet as text cells."""
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"}:
        try:
            return pd.read_excel(path, dtype=str, header=0)
        except ImportError:
            raise AnswerError(f"{path.name} : lecture des classeurs indisponible sur le poste de correction, "
                              "déposez un fichier CSV") from None
        except Exception as exc:  # corrupted, protected, not a workbook
            raise AnswerError(f"{path.name} : classeur illisible ({type(exc).__name__})") from None
    raw = path.read_bytes()
    if raw.startswith(b"PK") or b"\x00" in raw[:4096]:
        raise AnswerError(f"{path.name} : ce n'est pas un fichier texte CSV")
    text = raw.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    sep = max([";", ",", "\t", "|"], key=first.count)
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AnswerError(f"{path.name} : CSV illisible ({str(exc)[:120]})") from None


def _day(value: str) -> float | None:
    """A day number written as ``3``, ``3.0``, ``3,0`` or ``J3``; ``None`` if not a number."""
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    text = re.sub(r"^[jJdD](?=\d)", "", text)
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number else None


def read_pert_table(path: Path) -> dict[str, dict[str, float | None]]:
    """Read a team's PERT table, whatever its column order and header language.

    Parameters
    ----------
    path : pathlib.Path
        A ``.csv`` file (separator ``,``, ``;``, tab or ``|``, decimal point
        or comma) or an Excel sheet (first sheet). One row per task; the task
        id may be a column or the first, unnamed column (a DataFrame index).
        Columns are recognised by :func:`pert_column`; dates are day numbers
        counted from the project start (day 0).

    Returns
    -------
    dict of str to dict
        Task id → ``{field: days or None}`` for the five fields of
        :data:`PERT_FIELDS` (``None``: a cell that is not a number). A task
        written twice maps to ``None`` values (ambiguous).

    Raises
    ------
    AnswerError
        If the file is unreadable, has no task id column, or lacks one of
        the five columns (the French message names the missing ones).
    """
    table = _read_table(path)
    columns: dict[str, str] = {}
    for header in table.columns:
        field = pert_column(header)
        if field and field not in columns:
            columns[field] = header
    if "id" not in columns:
        first = table.columns[0] if len(table.columns) else None
        if first is not None and (str(first).startswith("Unnamed") or not str(first).strip()):
            columns["id"] = first
        else:
            raise AnswerError(f"{path.name} : colonne des identifiants de tâches introuvable "
                              f"(colonnes lues : {', '.join(map(str, table.columns))[:200]})")
    missing = [name for field, name in PERT_FIELDS.items() if field not in columns]
    if missing:
        raise AnswerError(f"{path.name} : colonne(s) absente(s) : {', '.join(missing)} "
                          f"(colonnes lues : {', '.join(map(str, table.columns))[:200]})")
    rows: dict[str, dict[str, float | None]] = {}
    for _, row in table.iterrows():
        task = str(row[columns["id"]]).strip()
        if not task:
            continue
        values = {field: _day(row[columns[field]]) for field in PERT_FIELDS}
        rows[task] = dict.fromkeys(PERT_FIELDS) if task in rows else values
    return rows


def _fmt_day(value: float | None) -> str:
    """Days in French (``3``, ``2,5``) or ``?`` for an unreadable cell."""
    if value is None:
        return "?"
    return f"{value:g}".replace(".", ",")


@check("A4C1.pert_table", assignment="a4_pilotage", max_score=4, schema=PERT_ANSWER,
       label="Tableau PERT : dates au plus tôt, au plus tard et marge de chaque tâche (fichier livré)",
       scoring="reads the team's PERT file (CSV or Excel, any column order, French or English headers, day "
               "numbers); each task of the plan is an equal share, earned when its ES, EF, LS, LF and total "
               "float all match the critical path method")
def pert_table(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Score the PERT table file task by task.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.plan.tasks``
        (critical path method, :func:`mspr.case.plan.schedule`).
    answer : str
        Path of the PERT table file, relative to the notebook's folder
        (e.g. ``livrables/pert.csv``), read with :func:`read_pert_table`.

    Returns
    -------
    fraction : float
        Share of the plan's tasks whose five values (earliest start and
        finish, latest start and finish, total float; days) are all exact,
        in [0, 1]. Rows of unknown tasks are ignored.
    evidence : str
        French sentence: tasks right out of the total, then each wrong or
        missing task with the values read and expected.

    Raises
    ------
    AnswerError
        If the file is missing, outside the team's folder, too large,
        unreadable or lacks a column.
    """
    path = ctx.inside(answer)
    if not path.is_file():
        raise AnswerError(f"fichier {answer} introuvable dans le rendu (le tableau PERT n'a pas été écrit)")
    if path.stat().st_size > MAX_PERT_BYTES:
        raise AnswerError(f"fichier {answer} trop volumineux ({path.stat().st_size} octets)")
    rows = read_pert_table(path)
    tasks = ctx.ground_truth.plan.tasks
    wrong = []
    for task in tasks:
        read = rows.get(task.id)
        if read is None:
            wrong.append(f"{task.id} absente")
            continue
        errors = [f"{name} {_fmt_day(read[field])} au lieu de {getattr(task, field)}"
                  for field, name in PERT_FIELDS.items()
                  if read[field] is None or abs(read[field] - getattr(task, field)) > 1e-9]
        if errors:
            wrong.append(f"{task.id} : " + ", ".join(errors))
    right = len(tasks) - len(wrong)
    unknown = sorted(set(rows) - {t.id for t in tasks})
    evidence = f"{right}/{len(tasks)} tâches exactes dans {answer}"
    if wrong:
        evidence += " ; " + " ; ".join(wrong)
    if unknown:
        evidence += f" ; lignes ignorées (tâches inconnues) : {', '.join(unknown[:5])}"
    return (right / len(tasks) if tasks else 0.0), evidence
