"""``mspr valider``: tell a team, before it submits, what the grader will read.

The team's notebook is executed in a scratch copy of its folder (nothing is
written in the team's folder), with the grader's own kernel sandbox and
limits (:mod:`mspr.grading._validate_worker`); the answers it recorded are
then read back with :func:`mspr.answers.load` and parsed with each check's
schema (:func:`mspr.grading.checks.parse`), exactly as the grader will. The
report says, per answer the checks registry expects, whether it was
recorded and readable, and lists the cells that raised errors.

The same static checks guard :func:`mspr.submissions.submit`: a notebook
that records the answers of another assignment, or lost one of its
answer-recording cells, is refused (:func:`identity_problems`), and extra
notebooks are listed as not graded (:func:`extra_notebooks`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from mspr.errors import MsprError
from mspr.paths import ASSIGNMENTS

__all__ = ["AnswerStatus", "ErrorCell", "Validation", "answer_cells", "answer_statuses", "expected_answers",
           "extra_notebooks",
           "identity_problems", "validate"]

#: A call recording an answer: ``record("A1C6.pii_columns", …)`` (``mspr.answers.record``).
RECORD_CALL = re.compile(r"""\brecord\(\s*(?P<q>["'])(?P<id>A[1-4]C\d+\.[a-z0-9_]+)(?P=q)""")

#: Names never copied into the scratch folder (answers recorded while working are recomputed).
IGNORED = (".ipynb_checkpoints", "__pycache__", "mlruns", "mlartifacts", "mlflow.db", "reponses.json")


def expected_answers(assignment_id: str) -> list[str]:
    """Return the answer ids the checks of an assignment read, in registry order.

    Parameters
    ----------
    assignment_id : str
        One of :data:`mspr.paths.ASSIGNMENTS`.

    Returns
    -------
    list of str
        Distinct ``Check.answer`` ids (``"A1C6.pii_columns"``…); several
        checks may read one answer.
    """
    from mspr.grading.checks import checks_for

    seen: list[str] = []
    for chk in checks_for(assignment_id):
        if chk.answer not in seen:
            seen.append(chk.answer)
    return seen


def answer_cells(nb) -> dict[str, list[int]]:
    """Return where a notebook records each answer.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A version 4 notebook.

    Returns
    -------
    dict of str to list of int
        Answer id → 1-based numbers of the code cells whose source calls
        ``record("<id>", …)`` (pattern :data:`RECORD_CALL`).
    """
    found: dict[str, list[int]] = {}
    for number, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") == "code":
            for match in RECORD_CALL.finditer(cell.get("source", "")):
                found.setdefault(match["id"], []).append(number)
    return found


def _assignment_of(answer_id: str) -> str | None:
    """The assignment whose checks read ``answer_id``, or None."""
    from mspr.grading.checks import CHECKS

    for chk in CHECKS.values():
        if chk.answer == answer_id:
            return chk.assignment_id
    return None


def _locked_record_cells(nb) -> dict[str, str]:
    """``grade_id`` → source of the locked code cells that record answers."""
    cells = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("locked") and RECORD_CALL.search(cell.get("source", "")):
            cells[str(meta.get("grade_id"))] = cell.source
    return cells


def identity_problems(notebook: str | Path, assignment_id: str, released: str | Path | None = None) -> list[str]:
    """Return why a notebook is not a gradable copy of ``assignment_id``, in French.

    Parameters
    ----------
    notebook : str or pathlib.Path
        The team's ``.ipynb`` file (readable by nbformat: see
        :func:`mspr.notebooks.validate_notebook` first).
    assignment_id : str
        The assignment it is submitted as.
    released : str or pathlib.Path, optional
        The released notebook of that assignment; when given, each of its
        locked answer-recording cells must still be in ``notebook`` (same
        ``grade_id``, same recorded ids).

    Returns
    -------
    list of str
        Empty when the notebook records the answers of ``assignment_id``
        only and kept every answer-recording cell. Otherwise one sentence per
        problem: answers of another assignment (the notebook was saved under
        the wrong name), answer-recording cells missing (deleted outside
        Jupyter: the grader would read no answer and score 0).
    """
    nb = nbformat.read(Path(notebook), as_version=4)
    recorded = answer_cells(nb)
    problems = []
    foreign = sorted({a for a in map(_assignment_of, recorded) if a and a != assignment_id})
    if foreign:
        ids = ", ".join(sorted(i for i in recorded if _assignment_of(i) in foreign)[:4])
        problems.append(f"ce notebook est celui de {' et '.join(foreign)} (il enregistre {ids}), pas de "
                        f"{assignment_id} : rendez le notebook {assignment_id}.ipynb reçu pour cette épreuve")
        return problems
    if released is not None and Path(released).is_file():
        reference = nbformat.read(Path(released), as_version=4)
        mine = _locked_record_cells(nb)
        for grade_id, source in _locked_record_cells(reference).items():
            ids = [m["id"] for m in RECORD_CALL.finditer(source)]
            if grade_id not in mine or [m["id"] for m in RECORD_CALL.finditer(mine[grade_id])] != ids:
                problems.append(f"la cellule verrouillée « {grade_id} » qui enregistre {', '.join(ids)} a été "
                                "supprimée ou modifiée : sans elle le correcteur ne lit aucune de ces réponses. "
                                "Recopiez-la depuis la version distribuée, à la même place")
    return problems


def extra_notebooks(folder: str | Path, assignment_id: str) -> list[Path]:
    """Return the notebooks of ``folder`` that the grader will not execute.

    Parameters
    ----------
    folder : str or pathlib.Path
        The team's assignment folder.
    assignment_id : str
        Only ``<assignment_id>.ipynb`` at the top of the folder is graded.

    Returns
    -------
    list of pathlib.Path
        Every other ``*.ipynb`` (sub-folders included, checkpoints excluded), sorted.
    """
    from mspr._trees import walk

    folder = Path(folder)
    graded = folder / f"{assignment_id}.ipynb"
    # walked without recursion: Path.rglob raises RecursionError on a tree a thousand folders deep
    return sorted(folder.joinpath(*parts) for parts, entry, _ in walk(folder)
                  if entry.name.endswith(".ipynb") and ".ipynb_checkpoints" not in parts
                  and folder.joinpath(*parts) != graded)


@dataclass(frozen=True)
class AnswerStatus:
    """What the grader will read for one expected answer.

    Attributes
    ----------
    answer_id : str
        E.g. ``"A1C6.pii_columns"``.
    state : str
        ``"ok"`` (recorded and of the expected shape), ``"absente"`` (not
        recorded) or ``"illisible"`` (recorded, wrong shape, or the answers
        file itself unreadable).
    detail : str
        French explanation for ``"illisible"`` (the schema's first error).
    """

    answer_id: str
    state: str
    detail: str = ""


@dataclass(frozen=True)
class ErrorCell:
    """A cell that raised during the validation run.

    Attributes
    ----------
    number : int
        1-based cell number, as JupyterLab counts.
    grade_id : str
        nbgrader ``grade_id`` of the cell, ``""`` for a cell the team added.
    error : str
        ``"<exception name> : <message>"`` (first line, at most 200 characters).
    """

    number: int
    grade_id: str
    error: str


@dataclass
class Validation:
    """Outcome of :func:`validate`.

    Attributes
    ----------
    assignment_id : str
    notebook : pathlib.Path
        The team's notebook (never modified).
    problems : list of str
        Static problems (unreadable notebook, wrong assignment, lost answer
        cells); when not empty the notebook was not executed.
    answers : list of AnswerStatus
        One per expected answer, in the registry's order.
    errors : list of ErrorCell
    incidents : list of dict
        The execution's incidents (kernel death, output cut), as recorded by
        the sandbox.
    extra : list of pathlib.Path
        Notebooks of the folder that will not be graded.
    """

    assignment_id: str
    notebook: Path
    problems: list[str] = field(default_factory=list)
    answers: list[AnswerStatus] = field(default_factory=list)
    errors: list[ErrorCell] = field(default_factory=list)
    incidents: list[dict] = field(default_factory=list)
    extra: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every expected answer is recorded and readable, and no problem was found."""
        return not self.problems and bool(self.answers) and all(a.state == "ok" for a in self.answers)

    def lines(self) -> list[str]:
        """Return the French report, one line per item.

        Returns
        -------
        list of str
            Problems, then one line per expected answer, the cells in error,
            the kernel incidents, the extra notebooks and a verdict.
        """
        out = [f"Vérification de {self.notebook} ({self.assignment_id})"]
        for problem in self.problems:
            out.append(f"  ✘ {problem}")
        if self.problems:
            out.append("Notebook non exécuté : corrigez d'abord les points ci-dessus.")
            return out
        recorded = sum(a.state == "ok" for a in self.answers)
        out.append(f"Réponses attendues par le correcteur : {recorded} sur {len(self.answers)} enregistrées et "
                   "lisibles")
        for a in self.answers:
            if a.state == "ok":
                out.append(f"  ✔ {a.answer_id} : enregistrée et lisible")
            elif a.state == "absente":
                out.append(f"  ✘ {a.answer_id} : absente (la cellule qui l'enregistre n'a pas abouti)")
            else:
                out.append(f"  ✘ {a.answer_id} : illisible ({a.detail})")
        if self.errors:
            out.append(f"Cellules en erreur : {len(self.errors)}")
            for e in self.errors:
                out.append(f"  • cellule {e.number}" + (f" ({e.grade_id})" if e.grade_id else "") + f" : {e.error}")
        for incident in self.incidents:
            if incident.get("kind") == "kernel_death":
                out.append(f"  ! noyau arrêté : {incident.get('reason')}")
        for path in self.extra:
            out.append(f"  ! {path.name} ne sera pas corrigé : seul {self.assignment_id}.ipynb l'est")
        out.append("Prêt à rendre." if self.ok else "Pas encore prêt : les réponses marquées ✘ vaudront 0 point.")
        return out


def _guess_assignment(folder: Path) -> str:
    found = [a for a in ASSIGNMENTS if (folder / f"{a}.ipynb").is_file()]
    if len(found) != 1:
        raise MsprError("impossible de savoir quelle épreuve vérifier" if found else
                        "aucun notebook d'épreuve dans ce dossier", path=folder,
                        hint=f"précisez --assignment parmi {', '.join(ASSIGNMENTS)}")
    return found[0]


#: A French gloss for the exceptions a candidate meets most often; Python's own message follows it.
_EXCEPTION_GLOSS = {
    "NameError": "nom inconnu (une cellule précédente n'a pas été exécutée ou a échoué ?)",
    "KeyError": "clé ou colonne introuvable",
    "FileNotFoundError": "fichier introuvable",
    "ModuleNotFoundError": "module non installé dans l'environnement",
    "ImportError": "import impossible",
    "ValueError": "valeur incorrecte",
    "TypeError": "type incorrect",
    "IndexError": "indice hors limites",
    "AttributeError": "attribut ou méthode inexistant",
    "ZeroDivisionError": "division par zéro",
    "SyntaxError": "erreur de syntaxe",
    "IndentationError": "indentation incorrecte",
    "AssertionError": "assertion non vérifiée",
    "PermissionError": "accès refusé",
    "MemoryError": "mémoire insuffisante",
    "TimeoutError": "délai dépassé",
    "ConnectionRefusedError": "connexion refusée (le serveur est-il démarré ?)",
    "RecursionError": "récursion trop profonde",
    "UnicodeDecodeError": "fichier qui n'est pas dans l'encodage attendu (UTF-8 ?)",
}


def _error_cells(nb) -> list[ErrorCell]:
    cells = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                ename, evalue = output.get("ename", ""), str(output.get("evalue", "")).strip()
                if ename == "NotImplementedError" and not evalue:
                    evalue = "cellule à compléter (« # VOTRE CODE ICI »)"
                gloss = _EXCEPTION_GLOSS.get(ename)
                if gloss and ename != "NotImplementedError":
                    evalue = f"{gloss} — {evalue}" if evalue else gloss
                text = (f"{ename} : {evalue}" if evalue else ename).splitlines()[0][:200]
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
                cells.append(ErrorCell(number, str(grade_id), text))
                break
    return cells


def _execute(notebook: Path, scratch: Path, limits) -> list[dict]:
    """Run the validation worker on ``notebook`` (inside ``scratch``); return its incidents."""
    from mspr.grading.execute import SandboxWatch, _die_with_parent, _last_json_line, kill_session, sandbox_env

    home, run_dir = scratch / "home", scratch / "run"
    home.mkdir()
    run_dir.mkdir()
    params = json.dumps({"notebook": str(notebook), "run_dir": str(run_dir), "home": str(home),
                         "scratch": str(scratch), "limits": limits.to_json()})
    with SandboxWatch(scratch) as watch:
        proc = subprocess.Popen([sys.executable, "-m", "mspr.grading._validate_worker"], cwd=notebook.parent,
                                env=sandbox_env(home), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True,
                                preexec_fn=_die_with_parent)
        watch.root_pid = proc.pid
        try:
            output, _ = proc.communicate(params, timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            kill_session(proc.pid)
            proc.communicate()
            return [{"kind": "kernel_death", "reason": f"durée maximale dépassée ({limits.wall_s} s)"}]
        except BaseException:
            kill_session(proc.pid)
            proc.wait()
            raise
        finally:
            kill_session(proc.pid)
            watch.kill_leftovers()
    result = _last_json_line(output)
    if not result.get("success"):
        raise MsprError("l'exécution de vérification a échoué :\n" + output[-2000:], path=notebook,
                        hint="relancez « mspr valider » ; si l'erreur persiste, signalez-la au formateur")
    return list(result.get("incidents") or [])


def validate(folder: str | Path, assignment_id: str | None = None, *, released: str | Path | None = None,
             limits=None) -> Validation:
    """Execute a team's notebook in a scratch copy and say what the grader will read.

    Parameters
    ----------
    folder : str or pathlib.Path
        The team's assignment folder, holding ``<assignment_id>.ipynb`` and
        the assignment's data files. Nothing in it is written.
    assignment_id : str, optional
        Default: the one assignment whose notebook the folder holds.
    released : str or pathlib.Path, optional
        The released notebook, to check that no answer-recording cell was
        lost (see :func:`identity_problems`).
    limits : mspr.grading.sandbox.Limits, optional
        Sandbox limits (default: the grader's, ``Limits()``).

    Returns
    -------
    Validation
        Static problems, or the state of each expected answer and the cells
        in error.

    Raises
    ------
    MsprError
        If the folder holds no assignment notebook, or the execution worker
        itself failed.
    """
    from mspr.grading.sandbox import Limits
    from mspr.notebooks import validate_notebook

    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise MsprError("dossier introuvable", path=folder, hint="indiquez le dossier de l'épreuve de l'équipe")
    assignment_id = assignment_id or _guess_assignment(folder)
    if assignment_id not in ASSIGNMENTS:
        raise MsprError(f"assignment inconnu : {assignment_id!r}", hint=f"choisissez parmi {', '.join(ASSIGNMENTS)}")
    notebook = folder / f"{assignment_id}.ipynb"
    result = Validation(assignment_id, notebook, extra=extra_notebooks(folder, assignment_id))
    if not notebook.is_file():
        result.problems.append(f"notebook {notebook.name} introuvable dans le dossier")
        return result
    result.problems = validate_notebook(notebook) or identity_problems(notebook, assignment_id, released)
    if result.problems:
        return result
    limits = limits or Limits()
    scratch = Path(tempfile.mkdtemp(prefix=f"mspr-valider-{os.getpid()}-"))
    try:
        work = scratch / assignment_id
        shutil.copytree(folder, work, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)
        result.incidents = _execute(work / notebook.name, scratch, limits)
        executed = nbformat.read(work / notebook.name, as_version=4)
        result.errors = _error_cells(executed)
        result.answers = answer_statuses(work, assignment_id)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def answer_statuses(folder: str | Path, assignment_id: str) -> list[AnswerStatus]:
    """Read ``reponses.json`` of an executed folder as the grader will, and say what each expected answer is.

    Parameters
    ----------
    folder : str or pathlib.Path
        The folder the notebook ran in.
    assignment_id : str

    Returns
    -------
    list of AnswerStatus
        One per :func:`expected_answers`, in order: ``"ok"`` when recorded
        and valid for its check's schema (:func:`mspr.grading.checks.parse`),
        ``"absente"``, or ``"illisible"`` with the reason (wrong shape, a
        deliverable it names missing from the folder, or the answers file
        itself unreadable: :func:`mspr.answers.load`).
    """
    from mspr.answers import load as load_answers
    from mspr.grading.checks import CHECKS, AnswerError, parse

    try:
        answers, unreadable = load_answers(folder), ""
    except MsprError as error:
        answers, unreadable = {}, error.message
    schemas = {c.answer: c.schema for c in CHECKS.values() if c.assignment_id == assignment_id}
    statuses = []
    for answer_id in expected_answers(assignment_id):
        if unreadable:
            statuses.append(AnswerStatus(answer_id, "illisible", unreadable))
        elif answer_id not in answers:
            statuses.append(AnswerStatus(answer_id, "absente"))
        else:
            try:
                parse(schemas[answer_id], answers[answer_id], answer_id)
            except AnswerError as error:
                statuses.append(AnswerStatus(answer_id, "illisible", str(error)))
                continue
            missing = [name for name in _file_references(answers[answer_id]) if not (Path(folder) / name).exists()]
            if missing:
                statuses.append(AnswerStatus(answer_id, "illisible", "fichier absent du dossier : "
                                             + ", ".join(f"« {name} »" for name in missing)))
            else:
                statuses.append(AnswerStatus(answer_id, "ok"))
    return statuses


#: Suffixes of the deliverables an answer may name (tables, workbooks, images, registers).
ARTEFACT_SUFFIXES = frozenset({".csv", ".xlsx", ".xls", ".png", ".jpg", ".jpeg", ".svg", ".pdf", ".yaml", ".yml",
                               ".json"})


def _file_references(value: Any) -> list[str]:
    """Relative file names an answer points to (strings with a deliverable's suffix, at most two levels deep)."""
    found: list[str] = []

    def walk(item: Any, depth: int) -> None:
        if isinstance(item, str):
            if "://" not in item and not item.startswith("/") and Path(item).suffix.lower() in ARTEFACT_SUFFIXES:
                found.append(item)
        elif depth < 2 and isinstance(item, dict):
            for nested in item.values():
                walk(nested, depth + 1)
        elif depth < 2 and isinstance(item, list):
            for nested in item[:100]:
                walk(nested, depth + 1)

    walk(value, 0)
    return found
