"""Stage: execute the submissions with nbgrader and score them.

``autograde(ws)`` executes every submission in a sandbox
(:mod:`mspr.grading.execute`), then, outside the candidate's kernel, runs the
auto checks of :mod:`mspr.grading.checks` against the ground truth and writes
``grades/<team>/<assignment>.json``. A previous grade file or autograded
folder is moved to the workspace archive first.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from mspr.answers import ANSWERS_FILE
from mspr.answers import load as load_answers
from mspr.case.truth import GroundTruth
from mspr.errors import MsprError
from mspr.grading.checks import CHECKS, CheckContext, CheckResult, checks_for, run_checks
from mspr.paths import Workspace

__all__ = ["CHECKS", "GradingError", "SubmissionGrade", "autograde", "grade_submission", "load_ground_truth",
           "submission_checksum", "write_grade"]

#: Largest jury answer kept, characters.
MAX_JURY_ANSWER = 20_000

#: Characters kept from the start and the end of an execution log.
LOG_HEAD, LOG_TAIL = 2_000, 4_000


@dataclass(frozen=True)
class SubmissionGrade:
    """The grading of one team's assignment.

    Attributes
    ----------
    team_id, assignment_id : str
        The team (nbgrader ``student_id``) and the assignment graded.
    executed : bool
        Whether nbgrader could execute the notebook.
    checks : list of CheckResult
        One result per auto check of the assignment (all scored 0 when the
        notebook could not be executed).
    jury_answers : dict of str to str
        Text of the jury-graded answer cells, by nbgrader ``grade_id``.
    log : str
        Execution log (nbgrader; start and end of a long one) and notes on the
        answers file.
    grader_error : str or None, default=None
        Traceback of a failure of the grader itself; the checks are then not
        scored (``checks`` is empty).
    incidents : list of str, default=[]
        French sentences for the jury: each limit the submission hit or
        protection that stopped it (kernel killed at the CPU limit, output
        cut, processes left running, wall time…).
    isolation : list of str, default=[]
        French sentences: the protections applied, then each one this
        machine could not enforce (see :func:`mspr.grading.sandbox.probe`).
    submission_sha256 : str or None, default=None
        Checksum of the submission graded (:func:`submission_checksum`).
    run_id : str or None, default=None
        The grading run that wrote this grade (resuming an interrupted run
        skips the submissions it already graded).
    """

    team_id: str
    assignment_id: str
    executed: bool
    checks: list[CheckResult]
    jury_answers: dict[str, str]
    log: str
    grader_error: str | None = None
    incidents: list[str] = field(default_factory=list)
    isolation: list[str] = field(default_factory=list)
    submission_sha256: str | None = None
    run_id: str | None = None

    def to_json(self) -> dict:
        """Return the JSON document written to ``grades/<team>/<assignment>.json``.

        Returns
        -------
        dict
            The fields of the grade as plain JSON types (``checks`` as a list
            of dicts with the fields of :class:`CheckResult`), plus
            ``graded_at``: the current UTC time, ISO 8601.
        """
        data = asdict(self)
        data["graded_at"] = datetime.now(timezone.utc).isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "SubmissionGrade":
        """Inverse of :meth:`to_json`.

        Parameters
        ----------
        data : dict
            A document written by :meth:`to_json` (``graded_at`` is ignored).

        Returns
        -------
        SubmissionGrade
            The grade, with its checks as :class:`CheckResult` objects.

        Raises
        ------
        ValueError
            If the document is not a grade as :meth:`to_json` writes it, even
            when it is valid JSON: not an object, a field missing or of the
            wrong type (a list that is not a list, a text that is not a text),
            a score or maximum that is not a finite number, a score outside
            ``[0, max_score]``, a ``graded_at`` that is not an ISO 8601 date.
            The message says, in French, which field is wrong.
        """
        _check_grade_document(data)
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        data["checks"] = [CheckResult(**{k: c[k] for k in _CHECK_FIELDS}) for c in data["checks"]]
        return cls(**data)


#: Fields of a grade document: name -> (expected types, required).
_GRADE_FIELDS = {
    "team_id": ((str,), True), "assignment_id": ((str,), True), "executed": ((bool,), True),
    "checks": ((list,), True), "jury_answers": ((dict,), True), "log": ((str,), True),
    "grader_error": ((str, type(None)), False), "incidents": ((list,), False), "isolation": ((list,), False),
    "submission_sha256": ((str, type(None)), False), "run_id": ((str, type(None)), False),
    "graded_at": ((str,), False),
}

#: Text fields of each entry of a grade's ``checks``.
_CHECK_TEXTS = ("check_id", "competency", "assignment_id", "label", "evidence")

#: Every field of a :class:`CheckResult`.
_CHECK_FIELDS = (*_CHECK_TEXTS, "score", "max_score")


def _finite(value) -> bool:
    """Whether ``value`` is a JSON number (not a boolean) and finite (not NaN nor infinite)."""
    import math

    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_grade_document(data) -> None:
    """Raise a ValueError, in French, naming the first field of ``data`` that a grade file cannot hold."""
    kinds = {str: "un texte", bool: "un booléen", list: "une liste", dict: "un objet"}
    if not isinstance(data, dict):
        raise ValueError(f"le document est {_json_kind(data)}, pas un objet JSON")
    for name, (types, required) in _GRADE_FIELDS.items():
        if name not in data:
            if required:
                raise ValueError(f"champ « {name} » absent")
            continue
        if not isinstance(data[name], types):
            raise ValueError(f"« {name} » est {_json_kind(data[name])}, attendu : "
                             + " ou ".join("null" if t is type(None) else kinds[t] for t in types))
    if "graded_at" in data:
        try:
            datetime.fromisoformat(data["graded_at"])
        except ValueError:
            raise ValueError("« graded_at » n'est pas une date ISO 8601") from None
    for name in ("incidents", "isolation"):
        for i, line in enumerate(data.get(name, [])):
            if not isinstance(line, str):
                raise ValueError(f"« {name}[{i}] » est {_json_kind(line)}, attendu : un texte")
    for key, text in data["jury_answers"].items():
        if not isinstance(text, str):
            raise ValueError(f"« jury_answers[{key}] » est {_json_kind(text)}, attendu : un texte")
    for i, check in enumerate(data["checks"]):
        where = f"checks[{i}]"
        if not isinstance(check, dict):
            raise ValueError(f"« {where} » est {_json_kind(check)}, attendu : un objet")
        for name in _CHECK_FIELDS:
            if name not in check:
                raise ValueError(f"champ « {where}.{name} » absent")
        for name in _CHECK_TEXTS:
            if not isinstance(check[name], str):
                raise ValueError(f"« {where}.{name} » est {_json_kind(check[name])}, attendu : un texte")
        for name in ("score", "max_score"):
            if not _finite(check[name]):
                raise ValueError(f"« {where}.{name} » ({_json_kind(check[name])}) n'est pas un nombre fini")
        if not 0 <= check["score"] <= check["max_score"]:
            raise ValueError(f"« {where}.score » hors de [0, max_score]")


def _json_kind(value) -> str:
    """French name of the JSON type of ``value``: what a damaged field holds instead."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, (int, float)):
        return "un nombre" if _finite(value) else "un nombre non fini (NaN ou infini)"
    return {str: "un texte", list: "une liste", dict: "un objet"}.get(type(value), type(value).__name__)


def load_ground_truth(ws: Workspace) -> GroundTruth:
    """Read the ground truth of the workspace's case.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace; the file read is ``ws.case.ground_truth``.

    Returns
    -------
    GroundTruth

    Raises
    ------
    MsprError
        If the case has not been built, or was built by an older version.
    """
    if not ws.case.ground_truth.is_file():
        raise MsprError("vérité terrain introuvable", path=ws.case.ground_truth,
                        hint="construisez le cas de la cohorte avec « mspr release -w <cohorte> » avant de corriger")
    return GroundTruth.load(ws.case.ground_truth)


def _read_answers(workdir: Path) -> tuple[dict, str]:
    """The submission's answers (:func:`mspr.answers.load`), or none with the reason.

    A ``reponses.json`` that is a link out of the folder is not followed: the grader (root, outside the sandbox)
    would read another team's answers, or any file, as this team's.
    """
    path = Path(workdir) / ANSWERS_FILE
    try:
        outside = path.is_symlink() and not path.resolve().is_relative_to(Path(workdir).resolve())
    except (OSError, RuntimeError):  # a loop of links
        outside = True
    if outside:
        return {}, f"{ANSWERS_FILE} : lien symbolique hors du dossier du rendu, fichier ignoré : réponses ignorées."
    try:
        answers = load_answers(workdir)
    except MsprError as error:
        return {}, f"{error.message} : réponses ignorées."
    return answers, "" if answers else f"{ANSWERS_FILE} absent : aucune réponse enregistrée."


def jury_answers(notebook: Path) -> dict[str, str]:
    """Return the text of the jury-graded answer cells of an executed notebook.

    Parameters
    ----------
    notebook : pathlib.Path
        An ``.ipynb`` file with nbgrader cell metadata.

    Returns
    -------
    dict of str to str
        ``grade_id`` → cell source, for markdown cells flagged ``grade`` and
        ``solution`` (nbgrader's manually graded answers).
    """
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    answers = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            answers[meta["grade_id"]] = cell.source[:MAX_JURY_ANSWER]
    return answers


def _special_files(folder: str, names: list[str]) -> list[str]:
    """``copytree`` filter: leave out pipes, sockets and devices a notebook may have made."""
    return [n for n in names if not (os.path.islink(p := os.path.join(folder, n)) or os.path.isfile(p)
                                     or os.path.isdir(p))]


def _not_graded(assignment_id: str, evidence: str) -> list[CheckResult]:
    return [CheckResult(c.check_id, c.competency, assignment_id, c.label, 0.0, c.max_score, evidence)
            for c in checks_for(assignment_id)]


def _clip_log(log: str) -> str:
    """Keep the start (the cause) and the end (the outcome) of a long log."""
    if len(log) <= LOG_HEAD + LOG_TAIL:
        return log
    return f"{log[:LOG_HEAD]}\n[…]\n{log[-LOG_TAIL:]}"


def write_grade(ws: Workspace, grade: SubmissionGrade) -> Path:
    """Write a grade file atomically, the previous one archived first.

    The document goes to a temporary file of the same folder, is flushed to
    disk, then renamed over the final name (``os.replace``): a reader, or a run
    killed at any moment, sees the old file, no file, or the whole new one --
    never a truncated one.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace.
    grade : SubmissionGrade
        The grade to record in ``ws.grades(grade.team_id, grade.assignment_id)``.

    Returns
    -------
    pathlib.Path
        The grade file written.
    """
    out = ws.grades(grade.team_id, grade.assignment_id)
    ws.archive(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(grade.to_json(), ensure_ascii=False, indent=2) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, out)
    return out


def submission_checksum(folder: Path) -> str:
    """Return the SHA-256 of a submission folder (relative paths and contents, sorted).

    Parameters
    ----------
    folder : pathlib.Path
        ``ws.submitted(team_id, assignment_id)``.

    Returns
    -------
    str
        Hexadecimal digest; symbolic links count by their target text.
    """
    import hashlib

    from mspr._trees import walk

    digest = hashlib.sha256()
    # Walked without recursion (Path.rglob raises RecursionError on a tree a thousand folders deep), in the
    # order of sorted(Path(folder).rglob("*")): by path components.
    for parts, entry, _ in sorted(walk(folder), key=lambda item: item[0]):
        rel = "/".join(parts)
        if entry.is_symlink():
            digest.update(f"L {rel} {os.readlink(entry.path)}\n".encode())
        elif entry.is_file():
            try:
                with open(entry.path, "rb") as fh:
                    digest.update(f"F {rel} {os.fstat(fh.fileno()).st_size}\n".encode())
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(block)
            except OSError:  # e.g. a path longer than the system allows
                digest.update(f"E {rel}\n".encode())
    return digest.hexdigest()


def grade_submission(ws: Workspace, team_id: str, assignment_id: str,
                     ground_truth: GroundTruth | None = None, *, limits=None) -> SubmissionGrade:
    """Execute one submission in its sandbox, score it, and record the grade.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace (submission, gradebook, ground truth, grades).
    team_id, assignment_id : str
        The submission to grade: ``ws.submitted(team_id, assignment_id)``.
    ground_truth : GroundTruth, optional
        Read from the workspace if omitted.
    limits : mspr.grading.sandbox.Limits, optional
        Resource limits of the sandbox (default ``Limits()``).

    Returns
    -------
    SubmissionGrade
        Also written to ``ws.grades(team_id, assignment_id)`` (the previous
        grade archived); the executed folder replaces
        ``ws.autograded(team_id, assignment_id)`` (the previous one archived),
        and the gradebook gets the submission's nbgrader scores.

    Raises
    ------
    MsprError
        If ``ground_truth`` is omitted and the case has not been built.
    """
    from mspr.grading.engine import Task, commit, run_task

    outcome = run_task(Task(str(ws.root), team_id, assignment_id), ground_truth=ground_truth, limits=limits)
    commit(ws, outcome)
    return outcome.grade


class GradingError(MsprError):
    """The grader itself failed on some submissions (the others were graded).

    Parameters
    ----------
    message : str
        French summary naming each failed submission.
    path : pathlib.Path, optional
        The grades folder, where each failure's traceback is recorded.
    hint : str, optional
        What to do, in French.
    """


def autograde(ws: Workspace, team_ids: list[str] | None = None,
              assignment_ids: list[str] | None = None, *, progress=None, workers: int = 1,
              engine: str = "processes", limits=None, resume: bool = True,
              scheduler: str | None = None) -> list[SubmissionGrade]:
    """Grade every submission of the given teams and assignments.

    Submissions are executed and scored concurrently by ``workers`` worker
    processes (or Dask workers); one writer, in this process, commits each
    result (executed folder, gradebook rows, grade file written last and
    atomically). A failure of the grader on one submission does not stop the
    others: its traceback is recorded in that submission's grade file
    (``grader_error``, no score) and a :class:`GradingError` naming every
    failed submission is raised once all have been tried.

    A run that was interrupted (Ctrl-C, kill -9, power cut) is resumed by the
    next call: the submissions it already graded, unchanged since, are
    skipped (see :mod:`mspr.grading.engine`).

    Parameters
    ----------
    ws : Workspace
        The cohort workspace; its case must have been built.
    team_ids : list of str, optional
        Defaults to every team with a submission.
    assignment_ids : list of str, optional
        Defaults to the four assignments.
    progress : callable, optional
        Called with ``(team_id, assignment_id, state)`` on each change of a
        submission's state (``"en attente"``, ``"en cours"``, ``"corrigé"``,
        ``"déjà corrigé"``, ``"échec du correcteur"``).
    workers : int, default=1
        Number of submissions graded at the same time.
    engine : {"processes", "dask"}, default="processes"
        ``processes``: a local pool of worker processes
        (``concurrent.futures``); ``dask``: a Dask distributed cluster (a
        ``LocalCluster`` of ``workers`` processes).
    limits : mspr.grading.sandbox.Limits, optional
        Resource limits of each sandbox (default ``Limits()``).
    resume : bool, default=True
        Resume an interrupted run; with False, every submission is graded
        again.
    scheduler : str, optional
        Address of an existing Dask scheduler (e.g. a ``KubeCluster``'s),
        with ``engine="dask"``; default: a local cluster.

    Returns
    -------
    list of SubmissionGrade
        One per submission found, in (team, assignment) order (a missing
        submission is simply skipped; the report shows it as not submitted).

    Raises
    ------
    MsprError
        If the case has not been built (no ground truth) or ``engine`` is
        unknown.
    GradingError
        If the grader failed on at least one submission.
    """
    from mspr.grading.engine import run_cohort

    return run_cohort(ws, team_ids, assignment_ids, progress=progress, workers=workers, engine=engine,
                      limits=limits, resume=resume, scheduler=scheduler)
