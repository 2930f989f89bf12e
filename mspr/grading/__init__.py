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
import shutil
import tempfile
import traceback
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from mspr.answers import ANSWERS_FILE
from mspr.answers import load as load_answers
from mspr.case.truth import GroundTruth
from mspr.errors import MsprError
from mspr.grading.checks import CHECKS, CheckContext, CheckResult, checks_for, run_checks
from mspr.grading.execute import SandboxWatch, kill_session, run_autograde, scratch_course
from mspr.paths import ASSIGNMENTS, Workspace

__all__ = ["CHECKS", "SubmissionGrade", "autograde", "grade_submission", "load_ground_truth"]

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
    """

    team_id: str
    assignment_id: str
    executed: bool
    checks: list[CheckResult]
    jury_answers: dict[str, str]
    log: str
    grader_error: str | None = None

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
        """
        data = {k: v for k, v in data.items() if k != "graded_at"}
        data["checks"] = [CheckResult(**c) for c in data["checks"]]
        return cls(**data)


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
    """The submission's answers (:func:`mspr.answers.load`), or none with the reason."""
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


def _write_grade(ws: Workspace, grade: SubmissionGrade) -> None:
    out = ws.grades(grade.team_id, grade.assignment_id)
    ws.archive(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(grade.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def grade_submission(ws: Workspace, team_id: str, assignment_id: str,
                     ground_truth: GroundTruth | None = None) -> SubmissionGrade:
    """Execute one submission in a sandbox, score it, and record the grade.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace (submission, gradebook, ground truth, grades).
    team_id, assignment_id : str
        The submission to grade: ``ws.submitted(team_id, assignment_id)``.
    ground_truth : GroundTruth, optional
        Read from the workspace if omitted.

    Returns
    -------
    SubmissionGrade
        Also written to ``ws.grades(team_id, assignment_id)`` (the previous
        grade archived); the executed folder replaces
        ``ws.autograded(team_id, assignment_id)`` (the previous one archived).

    Raises
    ------
    MsprError
        If ``ground_truth`` is omitted and the case has not been built.
    """
    from mspr.notebooks import validate_notebook

    ground_truth = ground_truth or load_ground_truth(ws)
    ws.archive(ws.autograded(team_id, assignment_id))
    problems = validate_notebook(ws.submitted(team_id, assignment_id) / f"{assignment_id}.ipynb")
    if problems:
        grade = SubmissionGrade(team_id, assignment_id, False,
                                _not_graded(assignment_id, "notebook non exécuté : " + problems[0]), {},
                                "\n".join(problems))
        _write_grade(ws, grade)
        return grade
    with tempfile.TemporaryDirectory(prefix="mspr-exec-") as scratch:
        scratch = Path(scratch)
        root = scratch_course(ws, team_id, assignment_id, scratch)
        with SandboxWatch(scratch) as watch:
            execution, pgid = run_autograde(root, ws.db_url, team_id, assignment_id, home=scratch / "home",
                                            watch=watch)
        try:
            if execution.ok:
                answers, note = _read_answers(execution.workdir)
                ctx = CheckContext(answers, ground_truth, ws.case.ground_truth_dir, execution.workdir,
                                   reference_model=ws.case.model_dir, processes=watch.seen,
                                   leftovers=execution.leftovers)
                results = run_checks(assignment_id, ctx)
                jury = jury_answers(execution.workdir / f"{assignment_id}.ipynb")
            else:
                note = "nbgrader n'a pas pu exécuter le notebook."
                results = _not_graded(assignment_id, "notebook non exécuté (voir le journal d'exécution)")
                jury = {}
        finally:
            kill_session(pgid)
            watch.kill_leftovers()
        if execution.workdir.is_dir():
            shutil.copytree(execution.workdir, ws.autograded(team_id, assignment_id), symlinks=True,
                            ignore=_special_files)
    grade = SubmissionGrade(team_id, assignment_id, execution.ok, results, jury,
                            _clip_log((note + "\n" + execution.log).strip()))
    _write_grade(ws, grade)
    return grade


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
              assignment_ids: list[str] | None = None, *, progress=None) -> list[SubmissionGrade]:
    """Grade every submission of the given teams and assignments.

    A failure of the grader on one submission does not stop the others: its
    traceback is recorded in that submission's grade file (``grader_error``,
    no score) and a :class:`GradingError` naming every failed submission is
    raised once all have been tried.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace; its case must have been built.
    team_ids : list of str, optional
        Defaults to every team with a submission.
    assignment_ids : list of str, optional
        Defaults to the four assignments.
    progress : callable, optional
        Called with ``(team_id, assignment_id)`` before each submission.

    Returns
    -------
    list of SubmissionGrade
        One per submission found (a missing submission is simply skipped; the
        report shows it as not submitted).

    Raises
    ------
    MsprError
        If the case has not been built (no ground truth).
    GradingError
        If the grader failed on at least one submission.
    """
    ground_truth = load_ground_truth(ws)
    grades, failures = [], []
    for team_id in team_ids or ws.teams():
        for assignment_id in assignment_ids or ASSIGNMENTS:
            if not ws.submitted(team_id, assignment_id).is_dir():
                continue
            if progress:
                progress(team_id, assignment_id)
            try:
                grades.append(grade_submission(ws, team_id, assignment_id, ground_truth))
            except Exception:  # recorded in the grade file, then raised for the whole run below
                trace = traceback.format_exc()
                _write_grade(ws, SubmissionGrade(team_id, assignment_id, False, [], {}, "", grader_error=trace))
                failures.append(f"{team_id}/{assignment_id} : {trace.strip().splitlines()[-1]}")
    if failures:
        raise GradingError(f"le correcteur a échoué sur {len(failures)} rendu(s), les autres sont corrigés :\n  "
                           + "\n  ".join(failures),
                           path=ws.root / "grades",
                           hint="le détail est dans le champ grader_error du fichier de note ; signalez-le")
    return grades
