"""A4 — project management (``a4_pilotage``): PERT table, critical path, duration, providers' SLA workbook."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Union

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, TypeAdapter

from mspr.grading.checks._core import AnswerError, CheckContext, Text, check, untrusted_file

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
    """A day number written as ``3``, ``3.0``, ``3,0``, ``J3`` or ``3 j`` (``jours``, ``days``); ``None`` if not a number."""
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    text = re.sub(r"^[jJdD](?=\d)", "", text)
    text = re.sub(r"(?<=\d)(?:j|jours?|d|days?)\.?$", "", text, flags=re.IGNORECASE)
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number else None


def _date(value: object) -> dt.date | None:
    """A calendar date written ``2025-01-06`` (time allowed) or ``06/01/2025``; ``None`` otherwise."""
    text = str(value).strip()
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][0-9:.]*)?$", text)
    parts = (match.group(1), match.group(2), match.group(3)) if match else None
    match = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text)
    parts = (match.group(3), match.group(2), match.group(1)) if match else parts
    try:
        return dt.date(*map(int, parts)) if parts else None
    except ValueError:
        return None


def _calendar(plan) -> dict[dt.date, int]:
    """Working day → plan day number, from the truth's start date and holidays (empty without a start date).

    Covers the project and the working day after its end (a finish written as
    the next start).
    """
    if plan.start_date is None:
        return {}
    days, day = {}, plan.start_date
    while len(days) <= plan.duration_days:
        if day.weekday() < 5 and day not in plan.holidays:
            days[day] = len(days)
        day += dt.timedelta(days=1)
    return days


def _matches(read: float | dt.date | None, field: str, expected: int, calendar: dict[dt.date, int]) -> bool:
    """Whether a value read (days, or a date on the working calendar) is the expected day number.

    A start date is the working day of that number; a finish date may be the
    task's last working day (day ``EF - 1``) or the next one (day ``EF``).
    """
    if read is None:
        return False
    if isinstance(read, dt.date):
        index = calendar.get(read)
        if index is None or field == "total_float":
            return False
        return index == expected or (field.endswith("finish") and index + 1 == expected)
    return abs(read - expected) <= 1e-9


def read_pert_table(path: Path) -> dict[str, dict[str, float | dt.date | None]]:
    """Read a team's PERT table, whatever its column order and header language.

    Parameters
    ----------
    path : pathlib.Path
        A ``.csv`` file (separator ``,``, ``;``, tab or ``|``, decimal point
        or comma) or an Excel sheet (first sheet). One row per task; the task
        id may be a column or the first, unnamed column (a DataFrame index).
        Columns are recognised by :func:`pert_column`; dates are day numbers
        counted from the project start (day 0), or calendar dates
        (``2025-01-06``, ``06/01/2025``).

    Returns
    -------
    dict of str to dict
        Task id → ``{field: days, date or None}`` for the five fields of
        :data:`PERT_FIELDS` (``None``: a cell that is neither a number nor a
        date). A task written more than once maps to ``None`` values
        (ambiguous) and to ``"duplicates"``: the number of its rows.

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
        task = _task_id(row[columns["id"]])
        if not task:
            continue
        values = {}
        for field in PERT_FIELDS:
            cell = row[columns[field]]
            values[field] = _day(cell) if _day(cell) is not None else _date(cell)
        if task in rows:
            rows[task] = dict.fromkeys(PERT_FIELDS) | {"duplicates": rows[task].get("duplicates", 1) + 1}
        else:
            rows[task] = values
    return rows


def _task_id(value: object) -> str:
    """A task id as the plan writes it: ``t01``, ``T01 - Cadrage`` and ``T01 : Cadrage`` are ``T01``."""
    return re.split(r"\s", str(value).strip(), maxsplit=1)[0].rstrip(":.,;").upper()


def _one_based(rows: dict[str, dict]) -> dict[str, dict]:
    """The same table read with day numbers counted from 1, a finish being the task's last day.

    Starts move back one day; finishes and floats are unchanged (``ES + 1``,
    ``EF`` in that convention are ``ES``, ``EF`` from day 0).
    """
    return {task: {field: value - 1 if field.endswith("start") and isinstance(value, float) else value
                   for field, value in values.items()} for task, values in rows.items()}


def _fmt_day(value: float | dt.date | None) -> str:
    """Days in French (``3``, ``2,5``), a date (``06/01/2025``) or ``?`` for an unreadable cell."""
    if value is None:
        return "?"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return f"{value:g}".replace(".", ",")


def _expected(task, field: str, read: object, days: dict[int, dt.date]) -> str:
    """The expected value, as a date too when the team wrote a date."""
    number = getattr(task, field)
    if isinstance(read, dt.date) and field != "total_float":
        day = days.get(number - 1 if field.endswith("finish") else number)
        if day is not None:
            return f"{day.strftime('%d/%m/%Y')} (jour {number})"
    return str(number)


@check("A4C1.pert_table", assignment="a4_pilotage", max_score=4, schema=PERT_ANSWER,
       label="Tableau PERT : dates au plus tôt, au plus tard et marge de chaque tâche (fichier livré)",
       scoring="reads the team's PERT file (CSV or Excel, any column order, French or English headers, day "
               "numbers or dates on the working calendar); each task of the plan is an equal share, earned when its ES, EF, LS, LF and total "
               "float all match the critical path method")
@untrusted_file
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
    read_rows = read_pert_table(path)
    tasks = ctx.ground_truth.plan.tasks
    calendar = _calendar(ctx.ground_truth.plan)
    days = {number: day for day, number in calendar.items()}

    def wrong_tasks(rows: dict[str, dict]) -> list[str]:
        wrong = []
        for task in tasks:
            read = rows.get(task.id.upper())
            if read is None:
                wrong.append(f"{task.id} absente")
                continue
            if read.get("duplicates"):
                wrong.append(f"{task.id} écrite sur {read['duplicates']} lignes (une seule ligne par tâche : "
                             "supprimez les doublons)")
                continue
            errors = [f"{name} {_fmt_day(read[field])} au lieu de {_expected(task, field, read[field], days)}"
                      for field, name in PERT_FIELDS.items()
                      if not _matches(read[field], field, getattr(task, field), calendar)]
            if errors:
                wrong.append(f"{task.id} : " + ", ".join(errors))
        return wrong

    # day numbers from day 0 (finish = next start) or from day 1 (finish = last day): the better reading counts
    wrong, one_based = wrong_tasks(read_rows), False
    if wrong:
        other = wrong_tasks(_one_based(read_rows))
        if len(other) < len(wrong):
            wrong, one_based = other, True
    right = len(tasks) - len(wrong)
    unknown = sorted(set(read_rows) - {t.id.upper() for t in tasks})
    evidence = f"{right}/{len(tasks)} tâches exactes dans {answer}"
    if one_based:
        evidence += " (jours numérotés à partir de 1, fin = dernier jour de la tâche ; attendus donnés à partir du jour 0)"
    if wrong:
        evidence += " ; " + " ; ".join(wrong)
    if unknown:
        evidence += f" ; lignes ignorées (tâches inconnues) : {', '.join(unknown[:5])}"
    return (right / len(tasks) if tasks else 0.0), evidence


# -- the SLA workbook (A4C5): penalties computed by formulas, evaluated by the grader ----------------------
#
# Formulas are evaluated with the ``formulas`` package (pure Python, pinned in
# requirements.lock), in a subprocess with a time limit: a workbook written by
# openpyxl has no cached values, the package needs no system install (LibreOffice
# headless would: ~300 MB, root, 10-30 s start-up per workbook) and a hostile
# workbook cannot take the grader's memory or time.

#: ``A4C5.sla_workbook``: path of the team's ``.xlsx`` workbook, relative to the notebook's folder.
WORKBOOK_ANSWER = TypeAdapter(Text)

#: Largest workbook read, bytes; most cells in one sheet.
MAX_WORKBOOK_BYTES = 5_000_000
MAX_SHEET_CELLS = 200_000

#: Seconds the formula evaluation may take.
EVALUATION_TIMEOUT_S = 120

#: Tolerance on a penalty, EUR.
PENALTY_TOLERANCE_EUR = 0.01

_FRENCH_MONTHS = {"janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
                  "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9, "octobre": 10,
                  "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12}
_SUMMARY_WORDS = ("synthese", "pivot", "tableau croise", "tcd", "recap", "resume", "summary")

_EVALUATE = r"""
import json, sys, warnings
warnings.filterwarnings("ignore")
import formulas
model = formulas.ExcelModel().loads(sys.argv[1]).finish()
out = {}
for key, value in model.calculate().items():
    if ":" in key.split("!")[-1]:
        continue
    sheet, cell = key.rsplit("!", 1)
    sheet = sheet.strip("'").split("]", 1)[-1]
    try:
        item = value.value[0][0] if hasattr(value, "value") else value
    except Exception:
        item = value
    if hasattr(item, "item"):
        item = item.item()
    out[sheet + "!" + cell.replace("$", "")] = item if isinstance(item, (int, float, str, bool)) or item is None \
        else str(item)
json.dump(out, open(sys.argv[2], "w"))
"""


def _norm(text: object) -> str:
    """Lower-case, accent-free text with single spaces."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return " ".join(re.split(r"[^a-z0-9]+", plain)).strip()


def open_workbook(path: Path):
    """Open a team's ``.xlsx`` with its formulas, or explain in French why it cannot be.

    Parameters
    ----------
    path : pathlib.Path
        The workbook file.

    Returns
    -------
    openpyxl.Workbook
        Loaded with formulas (``data_only=False``).

    Raises
    ------
    AnswerError
        If the file is password-protected (encrypted: an OLE container, not a
        zip), corrupted or not an ``.xlsx``, too large, or has a sheet with
        more than :data:`MAX_SHEET_CELLS` cells.
    """
    import zipfile

    import openpyxl

    head = path.read_bytes()[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise AnswerError(f"{path.name} : classeur protégé par mot de passe (chiffré) ou au format .xls : "
                          "enregistrez-le en .xlsx sans mot de passe pour qu'il puisse être corrigé")
    if path.stat().st_size > MAX_WORKBOOK_BYTES:
        raise AnswerError(f"{path.name} : classeur trop volumineux ({path.stat().st_size} octets)")
    if not zipfile.is_zipfile(path):
        raise AnswerError(f"{path.name} : fichier corrompu ou qui n'est pas un classeur .xlsx")
    try:
        workbook = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on damaged parts
        raise AnswerError(f"{path.name} : classeur corrompu, illisible par openpyxl ({type(exc).__name__})") from None
    for sheet in workbook.worksheets:
        if sheet.max_row * sheet.max_column > MAX_SHEET_CELLS:
            raise AnswerError(f"{path.name} : feuille « {sheet.title} » trop grande "
                              f"({sheet.max_row} lignes × {sheet.max_column} colonnes)")
    return workbook


def evaluate_workbook(path: Path) -> dict[str, object]:
    """Compute every formula of a workbook, in a forked child process with a time limit.

    Parameters
    ----------
    path : pathlib.Path
        A workbook that :func:`open_workbook` accepted.

    Returns
    -------
    dict of str to object
        ``"SHEET!A1"`` (sheet name upper-cased, as the ``formulas`` package
        names it) → computed value (number, text, boolean, or an Excel
        error as text such as ``"#NAME?"``), for every non-empty cell.

    Raises
    ------
    AnswerError
        If the evaluation fails or exceeds :data:`EVALUATION_TIMEOUT_S`.
    """
    import tempfile

    from mspr.grading.execute import WorkerServer, sandbox_env

    with tempfile.TemporaryDirectory(prefix="mspr-xlsx-") as tmp:
        tmp = Path(tmp)
        copy = tmp / "classeur.xlsx"
        copy.write_bytes(path.read_bytes())
        (tmp / "home").mkdir()
        try:  # forked from the grader's worker server, where ``formulas`` is already imported
            returncode, output = WorkerServer.get().run_code(
                _EVALUATE, [str(copy), str(tmp / "valeurs.json")], cwd=tmp, env=sandbox_env(tmp / "home"),
                timeout=EVALUATION_TIMEOUT_S)
        except TimeoutError:
            raise AnswerError(f"{path.name} : formules non évaluées en {EVALUATION_TIMEOUT_S} s") from None
        if returncode != 0:
            last = (output.strip().splitlines() or ["?"])[-1][:160]
            raise AnswerError(f"{path.name} : formules impossibles à évaluer ({last})")
        import json

        return json.loads((tmp / "valeurs.json").read_text(encoding="utf-8"))


def _month(value: object) -> str | None:
    """``YYYY-MM`` from a date, ``2025-01``, ``01/2025`` or ``janvier 2025``; None otherwise."""
    import datetime as dt

    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    text = _norm(value)
    match = re.fullmatch(r"(\d{4}) (\d{1,2})(?: \d{1,2})?", text)
    if match and 1 <= int(match.group(2)) <= 12:
        return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
    match = re.fullmatch(r"(\d{1,2}) (\d{4})", text)
    if match and 1 <= int(match.group(1)) <= 12:
        return f"{int(match.group(2)):04d}-{int(match.group(1)):02d}"
    match = re.fullmatch(r"([a-z]+) (\d{4})", text)
    if match and match.group(1) in _FRENCH_MONTHS:
        return f"{int(match.group(2)):04d}-{_FRENCH_MONTHS[match.group(1)]:02d}"
    return None


def _penalty_unit(header: object) -> float | None:
    """EUR per unit of a penalty-amount column (1 or 1000), None if the header is not one."""
    raw = str(header).lower()
    words = _norm(header).split()
    if not any(w.startswith(("penalit", "penalt")) for w in words):
        return None
    if "%" in raw or words and set(words) & {"pct", "pourcentage", "taux", "percent", "rate"}:
        return None
    if "k€" in raw.replace(" ", "") or set(words) & {"keur", "k", "milliers"}:
        return 1000.0
    return 1.0


@dataclass
class PenaltyTable:
    """Where the penalty amounts are in a workbook.

    Attributes
    ----------
    sheet : str
        Sheet title.
    header_row : int
        1-based row of the headers.
    provider_col, month_col, penalty_col : int
        1-based columns.
    eur_per_unit : float
        1 (EUR) or 1000 (thousands of EUR), from the header.
    unit_stated : bool
        Whether the header states the unit (``€``, ``EUR``, ``k€``…).
    """

    sheet: str
    header_row: int
    provider_col: int
    month_col: int
    penalty_col: int
    eur_per_unit: float
    unit_stated: bool


def find_penalty_table(workbook) -> PenaltyTable | None:
    """Find the table of penalty amounts per provider and month, on any sheet.

    Parameters
    ----------
    workbook : openpyxl.Workbook

    Returns
    -------
    PenaltyTable or None
        The first header row (in the first 10 rows of a sheet; sheets whose
        name mentions penalties first) with a provider column
        (``prestataire``, ``fournisseur``, ``provider``…), a month column
        (``mois``, ``month``, ``période``) and a penalty amount column
        (``pénalité (€)``, ``penalty_eur``, ``pénalités k€``…; not a
        percentage); None if there is none.
    """
    sheets = sorted(workbook.worksheets, key=lambda s: "penalit" not in _norm(s.title))
    for sheet in sheets:
        for row in sheet.iter_rows(min_row=1, max_row=min(10, sheet.max_row)):
            provider = month = penalty = None
            unit, stated = 1.0, False
            for cell in row:
                if cell.value is None:
                    continue
                words = set(_norm(cell.value).split())
                if provider is None and words & {"prestataire", "fournisseur", "provider", "supplier", "vendor"} \
                        and not words & {"nom", "name"} - {"prestataire"}:
                    provider = cell.column
                elif penalty is None and _penalty_unit(cell.value) is not None:
                    penalty, unit = cell.column, _penalty_unit(cell.value)
                    raw = str(cell.value).lower()
                    stated = "€" in raw or bool(words & {"eur", "euros", "euro", "keur", "milliers"})
                elif month is None and words & {"mois", "month", "periode", "period"}:
                    month = cell.column
            if provider and month and penalty:
                return PenaltyTable(sheet.title, row[0].row, provider, month, penalty, unit, stated)
    return None


def _summary_sheet(workbook, providers: set[str]):
    """A pivot table, or a summary sheet naming every provider; None if neither."""
    for sheet in workbook.worksheets:
        if getattr(sheet, "_pivots", None):
            return sheet, "tableau croisé dynamique"
    for sheet in workbook.worksheets:
        title = _norm(sheet.title)
        if not any(word in title for word in _SUMMARY_WORDS):
            continue
        texts = {_norm(c.value) for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
        formulas_in = any(isinstance(c.value, str) and c.value.startswith("=")
                          for row in sheet.iter_rows() for c in row)
        if providers <= texts and formulas_in:
            return sheet, "feuille de synthèse"
    return None


def _eur(value: float) -> str:
    """EUR in French format: ``1 440,00 €``."""
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",") + "\u00a0€"


def _workbook(ctx: CheckContext, answer: str):
    """The opened workbook (cached per submission), or AnswerError in French."""
    key = ("sla_workbook", answer)
    if key not in ctx.cache:
        path = ctx.inside(answer)
        if not path.is_file():
            ctx.cache[key] = AnswerError(f"classeur {answer} introuvable dans le rendu (il n'a pas été écrit)")
        else:
            try:
                ctx.cache[key] = (path, open_workbook(path))
            except AnswerError as exc:
                ctx.cache[key] = exc
    if isinstance(ctx.cache[key], AnswerError):
        raise ctx.cache[key]
    return ctx.cache[key]


@check("A4C5.sla_penalties", assignment="a4_pilotage", max_score=4, schema=WORKBOOK_ANSWER,
       answer="A4C5.sla_workbook",
       label="Tableau de bord prestataires : pénalités SLA calculées par formules, par prestataire et par mois",
       scoring="evaluates the team's .xlsx formulas (formulas package); each provider × month of the log is an "
               "equal share, earned when its penalty cell is a formula whose value (EUR, or k€ when the header "
               "says so) is within 0.01 EUR of the contract's penalty; typed values earn nothing and are reported")
@untrusted_file
def sla_penalties(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Score the penalties of the SLA workbook per provider and month.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.providers``
        (rules of :mod:`mspr.case.pilotage`: tier penalties in percent of
        the monthly fee, summed over indicators, capped, EUR to the cent).
    answer : str
        Path of the workbook, relative to the notebook's folder.

    Returns
    -------
    fraction : float
        Share of the (provider, month) pairs whose penalty cell is a formula
        evaluating to the true penalty within :data:`PENALTY_TOLERANCE_EUR`,
        in [0, 1].
    evidence : str
        French sentence: pairs right out of the total, each wrong pair with
        the value read and expected (provider and month named), the typed
        values, the unit read.

    Raises
    ------
    AnswerError
        If the workbook is missing, protected, corrupted, lacks the
        penalties table, or its formulas cannot be evaluated (French reason).
    """
    truth = ctx.ground_truth.providers
    if not truth:
        return 0.0, "le cas ne comporte pas de prestataires : critère sans objet"
    path, workbook = _workbook(ctx, answer)
    table = find_penalty_table(workbook)
    if table is None:
        raise AnswerError(f"{path.name} : aucun tableau des pénalités par prestataire et par mois (colonnes "
                          "« prestataire », « mois » et « pénalité (€) ») ; feuilles présentes : "
                          + ", ".join(f"« {s} »" for s in workbook.sheetnames))
    values = evaluate_workbook(path)
    sheet = workbook[table.sheet]
    names = {}
    for month_truth in truth:
        names[_norm(month_truth.provider)] = month_truth.provider
        if month_truth.name:
            names[_norm(month_truth.name)] = month_truth.provider
    found: dict[tuple[str, str], tuple[object, bool]] = {}
    for row in range(table.header_row + 1, sheet.max_row + 1):
        def read(column: int) -> object:
            cell = sheet.cell(row, column)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                return values.get(f"{table.sheet.upper()}!{cell.coordinate}")
            return cell.value
        provider = names.get(_norm(read(table.provider_col)))
        month = _month(read(table.month_col))
        if provider is None or month is None:
            continue
        raw = sheet.cell(row, table.penalty_col).value
        is_formula = isinstance(raw, str) and raw.startswith("=") and _references_a_cell(raw)
        found.setdefault((provider, month), (read(table.penalty_col), is_formula))
    right, wrong, typed = 0, [], []
    for month_truth in truth:
        label = f"{month_truth.provider} {month_truth.month}"
        if (month_truth.provider, month_truth.month) not in found:
            wrong.append(f"{label} absent")
            continue
        value, is_formula = found[(month_truth.provider, month_truth.month)]
        if not is_formula:
            typed.append(label)
            continue
        amount = _day(value) if isinstance(value, str) else value
        if isinstance(amount, bool) or not isinstance(amount, (int, float)):
            if value is None:
                shown = "formule sans résultat (référence circulaire ou erreur de calcul)"
            elif isinstance(value, str) and value.startswith("#"):
                shown = f"erreur de formule {value[:20]}"
            else:
                shown = f"« {str(value)[:20]} »"
            wrong.append(f"{label} : {shown} au lieu de {_eur(month_truth.penalty_eur)}")
        elif abs(amount * table.eur_per_unit - month_truth.penalty_eur) > PENALTY_TOLERANCE_EUR:
            wrong.append(f"{label} : {_eur(amount * table.eur_per_unit)} au lieu de {_eur(month_truth.penalty_eur)}")
        else:
            right += 1
    unit = "k€" if table.eur_per_unit == 1000 else "€"
    evidence = (f"{right}/{len(truth)} pénalités exactes (prestataire × mois), feuille « {table.sheet} », "
                f"montants en {unit}" + ("" if table.unit_stated else " (unité non précisée : euros supposés)"))
    if typed:
        evidence += (f" ; valeurs saisies au lieu de formules ({len(typed)} cellule(s) : "
                     f"{', '.join(typed[:6])}{' …' if len(typed) > 6 else ''}) : non comptées (une formule qui "
                     "ne lit aucune cellule, comme « =2340+0 », compte comme une valeur saisie)")
    if wrong:
        evidence += " ; " + " ; ".join(wrong)
    return right / len(truth), evidence


def _references_a_cell(formula: str) -> bool:
    """Whether a formula reads at least one cell or named range (``=2340+0`` is a typed value in disguise)."""
    from openpyxl.formula.tokenizer import Tokenizer

    try:
        return any(t.type == "OPERAND" and t.subtype == "RANGE" for t in Tokenizer(formula).items)
    except Exception:  # noqa: BLE001 - a formula openpyxl cannot parse is not counted as one
        return False


@check("A4C5.sla_workbook", assignment="a4_pilotage", max_score=2, schema=WORKBOOK_ANSWER,
       label="Tableau de bord prestataires : synthèse (tableau croisé) et graphique dans le classeur",
       scoring="one point for a chart in the workbook, one for a pivot table or a summary sheet (named "
               "synthèse, récapitulatif, TCD…) computed by formulas and naming every provider")
@untrusted_file
def sla_workbook(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Check that the SLA workbook has a chart and a pivot summary.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context (providers of ``ctx.ground_truth.providers``).
    answer : str
        Path of the workbook, relative to the notebook's folder.

    Returns
    -------
    fraction : float
        0.5 for at least one chart (any sheet), 0.5 for a pivot table or a
        summary sheet with formulas naming every provider (id or name).
    evidence : str
        French sentence naming what was found and what is missing.

    Raises
    ------
    AnswerError
        If the workbook is missing, protected or corrupted (French reason).
    """
    truth = ctx.ground_truth.providers
    if not truth:
        return 0.0, "le cas ne comporte pas de prestataires : critère sans objet"
    path, workbook = _workbook(ctx, answer)
    charts = [(s.title, len(s._charts)) for s in [*workbook.worksheets, *workbook.chartsheets]
              if getattr(s, "_charts", None)]
    by_id = {_norm(m.provider) for m in truth}
    by_name = {_norm(m.name) for m in truth if m.name}
    summary = _summary_sheet(workbook, by_id) or (_summary_sheet(workbook, by_name) if by_name else None)
    parts = [f"graphique : {', '.join(f'{n} dans « {t} »' for t, n in charts)}" if charts else
             "aucun graphique dans le classeur",
             f"synthèse : {summary[1]} « {summary[0].title} »" if summary else
             "aucune synthèse par prestataire et par mois (tableau croisé dynamique, ou feuille « Synthèse » "
             "calculée par formules et nommant chaque prestataire) ; feuilles présentes : "
             + ", ".join(f"« {s} »" for s in workbook.sheetnames)]
    return 0.5 * bool(charts) + 0.5 * bool(summary), " ; ".join(parts)


# -- budget (A4C1), Gantt (A4C4), velocity and burndown (A4C3): the team's files ---------------------------

#: ``A4C1.budget``, ``A4C4.gantt``, ``A4C3.velocity``: path of the team's file, relative to the notebook's folder.
FILE_ANSWER = TypeAdapter(Text)

#: Tolerance on a cost, EUR (costs are whole days × daily costs).
BUDGET_TOLERANCE_EUR = 0.5

#: Tolerance on story points.
POINTS_TOLERANCE = 1e-6

#: Smallest chart image accepted, pixels (width, height).
MIN_IMAGE_PX = (300, 150)

#: Largest image or table file read, bytes.
MAX_ARTEFACT_BYTES = 10_000_000

_COST_WORDS = {"cout", "couts", "cost", "costs", "montant", "montants", "budget", "amount", "total", "depense"}
_RATE_WORDS = {"journalier", "journaliere", "daily", "jour", "jours", "day", "days", "tjm", "unitaire", "rate",
               "taux", "pct", "pourcentage", "part", "share", "duree", "duration"}
_TOTAL_WORDS = {"total", "total general", "budget total", "total projet", "total du projet", "somme", "sum",
                "grand total", "total budget"}


def _amount(value: object) -> float | None:
    """A number written ``12000``, ``12 000,50``, ``12.000,50``, ``12,000.50``, ``12 000 €``; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == value else None
    text = re.sub(r"k€|keur|euros?|eur|[\s\u00a0\u202f€]", "", str(value).strip().lower())
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number else None


def _unit(header: object) -> tuple[float, bool]:
    """EUR per unit of an amount column (1 or 1000) and whether its header states the unit."""
    raw = str(header).lower().replace(" ", "")
    words = set(_norm(header).split())
    if "k€" in raw or words & {"keur", "k", "milliers", "kilo"}:
        return 1000.0, True
    return 1.0, "€" in raw or bool(words & {"eur", "euros", "euro"})


def _cost_column(table: pd.DataFrame) -> str | None:
    """The first column whose header names a cost or amount, not a rate or a duration."""
    for header in table.columns:
        words = set(_norm(header).split())
        if words & _COST_WORDS and not words & _RATE_WORDS:
            return header
    return None


def _table_file(ctx: CheckContext, answer: str, what: str) -> Path:
    """The team's file, or AnswerError in French when it is missing or too large."""
    path = ctx.inside(answer)
    if not path.is_file():
        raise AnswerError(f"fichier {answer} introuvable dans le rendu ({what} n'a pas été écrit)")
    if path.stat().st_size > MAX_ARTEFACT_BYTES:
        raise AnswerError(f"fichier {answer} trop volumineux ({path.stat().st_size} octets)")
    return path


@check("A4C1.budget", assignment="a4_pilotage", max_score=2, schema=FILE_ANSWER,
       label="Budget du projet : coût de chaque ressource et coût total (fichier livré)",
       scoring="reads the team's budget file (CSV or Excel, any row and column order, resource keys or names, "
               "EUR or k€ stated in the cost header); each resource and the total row are equal shares, earned "
               "within 0.5 EUR of duration × daily cost summed over the resource's tasks; wrong resources named")
@untrusted_file
def budget(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Score the budget per resource and its total.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is
        ``ctx.ground_truth.plan.cost_by_resource`` and ``total_cost_eur``
        (each task costs its duration in working days × the daily costs of
        its resources, :func:`mspr.case.pilotage.total_cost`).
    answer : str
        Path of the budget file, relative to the notebook's folder (e.g.
        ``livrables/budget.csv``): one row per resource (its key or its
        name in any cell of the row) and a row ``Total``; the first column
        whose header names a cost (``cout_eur``, ``Coût (k€)``, ``budget``…,
        not a daily rate or a duration) holds the amounts, in EUR or in
        thousands of EUR when the header says ``k€``.

    Returns
    -------
    fraction : float
        Share of the (resources + total) that are right within
        :data:`BUDGET_TOLERANCE_EUR`, in [0, 1]; a resource of cost 0 may
        be left out.
    evidence : str
        French sentence: right amounts out of the total, the unit read,
        then each wrong or missing resource with the value read and expected.

    Raises
    ------
    AnswerError
        If the file is missing, unreadable or has no cost column.
    """
    plan = ctx.ground_truth.plan
    if plan.total_cost_eur is None:
        return 0.0, "le plan du cas ne déclare pas de ressources : critère sans objet"
    path = _table_file(ctx, answer, "le budget")
    table = _read_table(path)
    column = _cost_column(table)
    if column is None:
        raise AnswerError(f"{path.name} : aucune colonne de coût (« cout_eur », « Coût (k€) », « budget »…) ; "
                          f"colonnes lues : {', '.join(map(str, table.columns))[:200]}")
    per_unit, stated = _unit(column)
    names = {_norm(key): key for key in plan.cost_by_resource}
    names |= {_norm(label): key for key, label in plan.resource_labels.items() if key in plan.cost_by_resource}
    read: dict[str, float | None] = {}
    for _, row in table.iterrows():
        cells = [_norm(v) for k, v in row.items() if k != column]
        key = next((names[c] for c in cells if c in names), None)
        if key is None and any(c in _TOTAL_WORDS or c.startswith("total ") for c in cells):
            key = "__total__"
        if key is not None and key not in read:
            value = _amount(row[column])
            read[key] = None if value is None else value * per_unit
    expected = dict(plan.cost_by_resource) | {"__total__": plan.total_cost_eur}
    right, wrong = 0, []
    for key, truth in expected.items():
        label = "total" if key == "__total__" else key
        if key not in read:
            if truth == 0:
                right += 1
            else:
                wrong.append(f"{label} absent (attendu {_eur(truth)})")
        elif read[key] is None:
            wrong.append(f"{label} : montant illisible au lieu de {_eur(truth)}")
        elif abs(read[key] - truth) > BUDGET_TOLERANCE_EUR:
            wrong.append(f"{label} : {_eur(read[key])} au lieu de {_eur(truth)}")
        else:
            right += 1
    unit = "k€" if per_unit == 1000 else "€"
    evidence = (f"{right}/{len(expected)} montants exacts (ressources et total) dans {answer}, colonne "
                f"« {column} » en {unit}" + ("" if stated else " (unité non précisée : euros supposés)"))
    if wrong:
        evidence += " ; " + " ; ".join(wrong)
    return right / len(expected), evidence


def _image(path: Path) -> tuple[bool, str]:
    """Whether a file is a chart image (PNG, JPEG or SVG) of at least :data:`MIN_IMAGE_PX`, and why not."""
    head = path.read_bytes()[:512].lstrip()
    if head.startswith((b"<?xml", b"<svg")) or b"<svg" in head:
        return True, f"image SVG {path.name}"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
            size, kind = image.size, image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False, f"{path.name} n'est pas une image lisible (PNG, JPEG ou SVG attendu)"
    if size[0] < MIN_IMAGE_PX[0] or size[1] < MIN_IMAGE_PX[1]:
        return False, f"{path.name} : image trop petite ({size[0]} × {size[1]} px)"
    return True, f"image {kind} {path.name} de {size[0]} × {size[1]} px"


@check("A4C4.gantt", assignment="a4_pilotage", max_score=1, schema=FILE_ANSWER,
       label="Diagramme de Gantt enregistré (image livrée ; la mise en évidence du chemin critique est vue par "
             "le jury)",
       scoring="the recorded file is a PNG, JPEG or SVG image of at least 300 × 150 px")
@untrusted_file
def gantt(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Check that the Gantt chart was saved as an image.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : str
        Path of the image, relative to the notebook's folder (e.g.
        ``livrables/gantt.png``).

    Returns
    -------
    fraction : float
        1.0 for a readable PNG, JPEG or SVG image of at least
        :data:`MIN_IMAGE_PX` pixels, else 0.0.
    evidence : str
        French sentence: the image's format and size, or why it is refused;
        the jury checks that the critical path is highlighted.

    Raises
    ------
    AnswerError
        If the file is missing or too large.
    """
    ok, why = _image(_table_file(ctx, answer, "le diagramme de Gantt"))
    return float(ok), why + (" ; mise en évidence du chemin critique : à vérifier par le jury" if ok else "")


# -- velocity and burndown (A4C3) ----------------------------------------------------------------------------

_SPRINT_WORDS = {"sprint", "sprints", "iteration", "iterations"}
_VELOCITY_WORDS = {"velocite", "velocity", "termines", "termine", "realises", "realise", "done", "completed",
                   "finis", "livres"}
_REMAINING_WORDS = {"reste", "restant", "restants", "remaining", "burndown", "raf", "left"}


def _agile_columns(table: pd.DataFrame) -> dict[str, str]:
    """Sprint, velocity and remaining-points columns of a team's table, by header (French or English)."""
    columns: dict[str, str] = {}
    for header in table.columns:
        words = set(_norm(header).split())
        text = " ".join(_norm(header).split())
        if words & _REMAINING_WORDS or "a faire" in text or "to do" in text:
            columns.setdefault("remaining", header)
        elif words & _VELOCITY_WORDS or words & {"points", "point", "pts"}:
            columns.setdefault("velocity", header)
        elif words & _SPRINT_WORDS:
            columns.setdefault("sprint", header)
    if "sprint" not in columns and len(table.columns) and (str(table.columns[0]).startswith("Unnamed")
                                                           or not str(table.columns[0]).strip()):
        columns["sprint"] = table.columns[0]
    return columns


def _sprint_number(value: object, sprints) -> int | None:
    """The sprint a cell names: ``Sprint 3``, ``S3``, ``3``, or a date within the sprint."""
    day = _date(value)
    if day is not None:
        return next((s.number for s in sprints if s.start <= day <= s.end), None)
    numbers = re.findall(r"\d+", str(value))
    return int(numbers[-1]) if numbers else None


def read_agile_table(path: Path, field: str, sprints) -> dict[int, float | None]:
    """Read one per-sprint series (velocity or remaining points) from a team's table.

    Parameters
    ----------
    path : pathlib.Path
        A CSV (any separator, decimal point or comma) or Excel file, one row
        per sprint, any column order; the sprint column (``sprint``,
        ``itération``…, or an unnamed index) holds ``Sprint 3``, ``S3``,
        ``3`` or a date within the sprint.
    field : {"velocity", "remaining"}
        ``velocity``: header ``velocite``, ``velocity``, ``points terminés``,
        ``done``…; ``remaining``: ``reste à faire``, ``restant``,
        ``remaining``, ``burndown``…
    sprints : list of mspr.case.truth.SprintTruth

    Returns
    -------
    dict of int to float or None
        Sprint number → value read (story points; None for an unreadable
        cell). Rows naming no known sprint (e.g. a starting row) are ignored.

    Raises
    ------
    AnswerError
        If the file is unreadable or lacks the sprint or the value column.
    """
    table = _read_table(path)
    columns = _agile_columns(table)
    what = {"velocity": "vélocité (« velocite », « velocity », « points terminés »)",
            "remaining": "reste à faire (« reste_a_faire », « remaining », « burndown »)"}[field]
    missing = [name for key, name in (("sprint", "sprint"), (field, what)) if key not in columns]
    if missing:
        raise AnswerError(f"{path.name} : colonne(s) absente(s) : {', '.join(missing)} "
                          f"(colonnes lues : {', '.join(map(str, table.columns))[:200]})")
    known = {s.number for s in sprints}
    out: dict[int, float | None] = {}
    for _, row in table.iterrows():
        number = _sprint_number(row[columns["sprint"]], sprints)
        if number in known and number not in out:
            out[number] = _amount(row[columns[field]])
    return out


def _score_series(ctx: CheckContext, path: Path, field: str, answer: str) -> tuple[float, str]:
    """Share of the sprints whose value (velocity or remaining points) is right, and the French evidence."""
    sprints = ctx.ground_truth.agile.sprints
    read = read_agile_table(path, field, sprints)
    attribute = "velocity_points" if field == "velocity" else "remaining_points"
    right, wrong = 0, []
    for sprint in sprints:
        truth = getattr(sprint, attribute)
        value = read.get(sprint.number, "absent")
        if value == "absent":
            wrong.append(f"{sprint.sprint} absent (attendu {truth:g})")
        elif value is None or abs(value - truth) > POINTS_TOLERANCE:
            shown = "?" if value is None else f"{value:g}".replace(".", ",")
            wrong.append(f"{sprint.sprint} : {shown} au lieu de {truth:g}".replace(".", ","))
        else:
            right += 1
    name = "vélocités" if field == "velocity" else "valeurs du burndown (reste à faire en fin de sprint)"
    evidence = f"{right}/{len(sprints)} {name} exactes dans {answer}"
    if wrong:
        evidence += " ; " + " ; ".join(wrong)
    return right / len(sprints), evidence


@check("A4C3.velocity", assignment="a4_pilotage", max_score=2, schema=FILE_ANSWER,
       label="Vélocité de chaque sprint, recalculée depuis l'export du tableau (fichier livré)",
       scoring="reads the team's table (CSV or Excel, any column order, French or English headers, sprints "
               "named or numbered); each sprint is an equal share, earned when its velocity equals the points of "
               "the items finished within the sprint, recomputed from the shipped backlog; wrong sprints named")
@untrusted_file
def velocity(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Score the velocity per sprint.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.agile``
        (:func:`mspr.case.pilotage.agile_series` on the released
        ``backlog.csv`` and ``sprints.csv``).
    answer : str
        Path of the team's table, relative to the notebook's folder (e.g.
        ``livrables/velocite.csv``), read by :func:`read_agile_table`.

    Returns
    -------
    fraction : float
        Share of the sprints whose velocity is exact (story points), in [0, 1].
    evidence : str
        French sentence: sprints right out of the total, each wrong or
        missing sprint with the value read and expected.

    Raises
    ------
    AnswerError
        If the file is missing, unreadable or lacks a column.
    """
    if ctx.ground_truth.agile is None:
        return 0.0, "vérité terrain sans journal des sprints : reconstruisez le cas"
    return _score_series(ctx, _table_file(ctx, answer, "le tableau des vélocités"), "velocity", answer)


class BurndownAnswer(BaseModel):
    """``A4C3.burndown``: where the burndown's series and chart are.

    Attributes
    ----------
    serie : str
        Path of the table holding the remaining points per sprint (may be
        the velocity table), relative to the notebook's folder.
    graphique : str
        Path of the chart image (PNG, JPEG or SVG).
    """

    model_config = ConfigDict(extra="forbid")

    serie: Text
    graphique: Text


@check("A4C3.burndown", assignment="a4_pilotage", max_score=2, schema=BurndownAnswer,
       label="Burndown : reste à faire en fin de chaque sprint (série et graphique livrés)",
       scoring="three quarters: each sprint's remaining points (items created by the sprint's end and not "
               "finished by then, recomputed from the shipped backlog) read from the team's table; one quarter: "
               "the chart is a PNG, JPEG or SVG image of at least 300 × 150 px")
def burndown(ctx: CheckContext, answer: BurndownAnswer) -> tuple[float, str]:
    """Score the burndown series and its chart.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.agile``.
    answer : BurndownAnswer
        Paths of the series table and of the chart image.

    Returns
    -------
    fraction : float
        0.75 × the share of sprints whose remaining points are exact, plus
        0.25 when the chart is an image of at least :data:`MIN_IMAGE_PX`.
    evidence : str
        French sentence on the series (each wrong sprint named with the
        expected value) and on the chart.
    """
    if ctx.ground_truth.agile is None:
        return 0.0, "vérité terrain sans journal des sprints : reconstruisez le cas"
    parts, score = [], 0.0
    for name, run in (("serie", lambda: _score_series(ctx, _table_file(ctx, answer.serie, "la série du burndown"),
                                                      "remaining", answer.serie)),
                      ("graphique", lambda: _image(_table_file(ctx, answer.graphique, "le graphique du burndown")))):
        try:
            value, why = run()
        except AnswerError as exc:
            value, why = 0.0, str(exc)
        except Exception as exc:  # noqa: BLE001  (any parser failure on an untrusted file)
            value, why = 0.0, f"{getattr(answer, name)} : fichier illisible ({type(exc).__name__})"
        score += 0.75 * float(value) if name == "serie" else 0.25 * float(value)
        parts.append(why if name == "serie" else f"graphique : {why}")
    return score, " ; ".join(parts)
