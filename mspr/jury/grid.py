"""The competency grid of a team, shared by its candidates.

:func:`team_grid` turns a team's grade files and the référentiel into one
:class:`CompetencyLine` per competency: the auto criteria with their scores
and evidence, the jury criteria with the référentiel's wording (shown once
where several competencies share the same criteria, as A1C1–A1C3 do), the
evaluation modality and the team's written answers. The evidence is the
team's; the decision, taken from the jurors' marks, is each candidate's own
(:mod:`mspr.jury.records`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from mspr.grading import CHECKS, SubmissionGrade
from mspr.paths import ASSIGNMENTS, Workspace
from mspr.referentiel import Referentiel

__all__ = ["AutoCriterion", "CompetencyLine", "JuryCriterion", "TeamGrid", "WrittenAnswer", "assignment_of_block",
           "submission_state", "team_grid", "STATES", "NOT_SUBMITTED", "SUBMITTED", "GRADED", "GRADER_ERROR",
           "NOT_EXECUTED", "strip_grading_markup"]

#: Exact states of a submission, as the jury reads them.
NOT_SUBMITTED = "non rendu"
SUBMITTED = "rendu, non corrigé"
GRADED = "corrigé"
NOT_EXECUTED = "corrigé (notebook non exécuté)"
GRADER_ERROR = "erreur du correcteur"
STATES = (NOT_SUBMITTED, SUBMITTED, GRADED, NOT_EXECUTED, GRADER_ERROR)

#: nbgrader ``grade_id`` of a jury-graded answer cell: ``<competency>-<slug>``.
JURY_CELL = re.compile(r"^(A[1-4]C\d+)-[A-Za-z0-9_-]+$")

#: Placeholder nbgrader leaves in an unanswered markdown cell.
_HIDDEN = re.compile(r"^[ \t]*#+[ \t]*BEGIN HIDDEN TESTS.*?^[ \t]*#+[ \t]*END HIDDEN TESTS[^\n]*\n?", re.S | re.M)
_DELIMITER = re.compile(r"^[ \t]*#+[ \t]*(BEGIN|END) SOLUTION[^\n]*\n?", re.M)


def strip_grading_markup(text: str) -> str:
    """Remove nbgrader's solution delimiters and hidden-test blocks from a cell's text.

    Parameters
    ----------
    text : str
        A cell source (code or Markdown).

    Returns
    -------
    str
        ``text`` without the ``### BEGIN/END SOLUTION`` lines and without
        anything between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``
        (an unterminated hidden block is removed to the end).
    """
    text = _HIDDEN.sub("", text)
    start = re.search(r"^[ \t]*#+[ \t]*BEGIN HIDDEN TESTS", text, re.M)
    if start:
        text = text[:start.start()]
    return _DELIMITER.sub("", text)


def assignment_of_block(block_code: str) -> str:
    """Return the nbgrader assignment of a block (one MSPR per block).

    Parameters
    ----------
    block_code : str
        ``"A1"`` to ``"A4"``.

    Returns
    -------
    str
        e.g. ``"a1_cadrage"`` for ``"A1"``.
    """
    return ASSIGNMENTS[int(block_code[1]) - 1]


@dataclass(frozen=True)
class AutoCriterion:
    """One auto check as the jury sees it.

    Attributes
    ----------
    check_id, competency, assignment_id, label : str
    score : float or None
        Points obtained; None when not graded (not submitted, not graded yet,
        grader error).
    max_score : float
    evidence : str
        What was measured against what was expected, in French.
    answer_key : str
        The ``reponses.json`` key the check reads (to find its notebook cell).
    """

    check_id: str
    competency: str
    assignment_id: str
    label: str
    score: float | None
    max_score: float
    evidence: str
    answer_key: str


@dataclass(frozen=True)
class JuryCriterion:
    """A référentiel criterion assessed by the jury, possibly shared by several competencies.

    Attributes
    ----------
    criterion_ids : tuple of str
        The ids of the same criterion in each competency sharing it, e.g.
        ``("A1C1.2", "A1C2.2", "A1C3.2")``; the first is its key.
    group : str or None
        The référentiel's heading.
    text : str
        The référentiel's wording.
    """

    criterion_ids: tuple[str, ...]
    group: str | None
    text: str

    @property
    def key(self) -> str:
        """The id marks are recorded under (the first of :attr:`criterion_ids`)."""
        return self.criterion_ids[0]


@dataclass(frozen=True)
class WrittenAnswer:
    """A team's written answer to a jury-graded cell.

    Attributes
    ----------
    grade_id : str
        nbgrader ``grade_id`` (``<competency>-<slug>``).
    assignment_id : str
    text : str
        Markdown, solution delimiters and hidden tests removed; empty when not written.
    """

    grade_id: str
    assignment_id: str
    text: str


@dataclass(frozen=True)
class CompetencyLine:
    """One competency of a team's grid.

    Attributes
    ----------
    code, title, modality : str
        From the référentiel.
    note : str or None
        The référentiel's note (e.g. the disability exemption of A4C8).
    block : str
        ``"A1"`` … ``"A4"``.
    assignment_id : str
        The assignment of the block.
    state : str
        One of :data:`STATES`, for that assignment.
    auto : tuple of AutoCriterion
    criteria : tuple of JuryCriterion
        Empty when the criteria are shared and shown under :attr:`shared_with`.
    shared_with : str or None
        The competency whose line shows the shared criteria, or None.
    sharing : tuple of str
        Every competency sharing these criteria (itself included), or ``()``.
    answers : tuple of WrittenAnswer
    """

    code: str
    title: str
    modality: str
    note: str | None
    block: str
    assignment_id: str
    state: str
    auto: tuple[AutoCriterion, ...]
    criteria: tuple[JuryCriterion, ...]
    shared_with: str | None
    sharing: tuple[str, ...]
    answers: tuple[WrittenAnswer, ...]

    @property
    def auto_points(self) -> tuple[float, float] | None:
        """``(score, max_score)`` of the auto criteria, None without any scored auto criterion."""
        scored = [a for a in self.auto if a.score is not None]
        if not self.auto or not scored:
            return None
        return round(sum(a.score for a in scored), 2), sum(a.max_score for a in self.auto)


@dataclass(frozen=True)
class TeamGrid:
    """The grid of one team: per block, its competency lines.

    Attributes
    ----------
    team_id : str
    states : dict of str to str
        ``assignment_id`` → state (:data:`STATES`).
    graded_at : dict of str to str
        ``assignment_id`` → ISO time of the grade file, when graded.
    logs : dict of str to str
        ``assignment_id`` → the execution log (temporary paths removed).
    lines : dict of str to CompetencyLine
        By competency code, in référentiel order.
    notes : dict of str to list of str
        ``assignment_id`` → French notes of the grading engine: incidents
        (a limit hit, a tampered cell) and protections of the sandbox that
        could not be applied on the grading host.
    """

    team_id: str
    states: dict[str, str]
    graded_at: dict[str, str]
    logs: dict[str, str]
    lines: dict[str, CompetencyLine] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)

    def block(self, block_code: str) -> list[CompetencyLine]:
        """Return the lines of one block, in order.

        Parameters
        ----------
        block_code : str
            ``"A1"`` … ``"A4"``.

        Returns
        -------
        list of CompetencyLine
        """
        return [line for line in self.lines.values() if line.block == block_code]

    def block_points(self, block_code: str) -> tuple[float | None, float] | None:
        """Return the auto points of one block, as the jury may read them.

        Parameters
        ----------
        block_code : str
            ``"A1"`` … ``"A4"``.

        Returns
        -------
        tuple of (float or None, float), or None
            ``(score, max_score)`` summed over the block's auto criteria;
            ``score`` is None while the submission is not graded (not
            submitted, submitted and not graded, grader error), so no
            ``0`` is shown for a grade that does not exist. None when the
            block has no auto criterion.
        """
        auto = [a for line in self.block(block_code) for a in line.auto]
        if not auto:
            return None
        scored = [a.score for a in auto if a.score is not None]
        return (round(sum(scored), 2) if scored else None), sum(a.max_score for a in auto)


def submission_state(ws: Workspace, team_id: str, assignment_id: str, grade: SubmissionGrade | None) -> str:
    """Return the exact state of one submission.

    Parameters
    ----------
    ws : Workspace
    team_id, assignment_id : str
    grade : SubmissionGrade or None
        Its grade, None when there is no grade file.

    Returns
    -------
    str
        :data:`GRADER_ERROR` if the grader failed; :data:`NOT_SUBMITTED` if
        there is neither a submission nor a grade; :data:`SUBMITTED` if the
        submission has no grade yet, or was replaced after it was graded;
        otherwise :data:`GRADED` (:data:`NOT_EXECUTED` when nbgrader could not
        execute the notebook).
    """
    submitted = ws.submitted(team_id, assignment_id)
    if grade is None:
        return SUBMITTED if submitted.is_dir() else NOT_SUBMITTED
    grade_file = ws.grades(team_id, assignment_id)
    stamp = submitted / "timestamp.txt"
    if stamp.is_file() and grade_file.is_file() and stamp.stat().st_mtime > grade_file.stat().st_mtime:
        return SUBMITTED
    if grade.grader_error:
        return GRADER_ERROR
    return GRADED if grade.executed else NOT_EXECUTED


def _shared_criteria(referentiel: Referentiel) -> dict[str, tuple[str, ...]]:
    """Competency → the competencies of its block with the very same criteria (itself included)."""
    sharing = {}
    for block in referentiel.blocks:
        by_criteria: dict[tuple, list[str]] = {}
        for c in block.competencies:
            by_criteria.setdefault(tuple((cr.group, cr.text) for cr in c.criteria), []).append(c.code)
        for codes in by_criteria.values():
            for code in codes:
                sharing[code] = tuple(codes) if len(codes) > 1 else ()
    return sharing


def _clean_log(log: str) -> str:
    """Drop nbgrader's raw ``[INFO]`` lines and temporary paths from an execution log."""
    lines = [line for line in log.splitlines() if not re.match(r"^\s*\[(\w+App|\w+)\s*\|\s*INFO", line)
             and "[INFO]" not in line]
    text = "\n".join(lines)
    return re.sub(r"/tmp/mspr-exec-[^\s/]+(/[^\s]*)?", "(dossier temporaire)", text).strip()


def _graded_at(ws: Workspace, team_id: str, assignment_id: str) -> str | None:
    """When the grade file was written (ISO 8601), or None: no file, or a damaged one (whatever its JSON holds)."""
    path = ws.grades(team_id, assignment_id)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    stamp = data.get("graded_at") if isinstance(data, dict) else None
    try:
        return datetime.fromisoformat(stamp).isoformat() if isinstance(stamp, str) and stamp else None
    except ValueError:
        return None


def team_grid(ws: Workspace, team_id: str, grades: dict[str, SubmissionGrade | None],
              referentiel: Referentiel | None = None) -> TeamGrid:
    """Build the grid of one team.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace (for the submission states).
    team_id : str
    grades : dict
        ``assignment_id`` → :class:`~mspr.grading.SubmissionGrade` or None, as
        one team's entry of :func:`mspr.report.load_grades`.
    referentiel : Referentiel, optional
        Defaults to the packaged référentiel.

    Returns
    -------
    TeamGrid

    Raises
    ------
    ValueError
        If a grade names a competency the référentiel lacks (a grader bug).
    """
    referentiel = referentiel or Referentiel.load()
    states = {a: submission_state(ws, team_id, a, grades.get(a)) for a in ASSIGNMENTS}
    graded_at = {a: s for a in ASSIGNMENTS if (s := _graded_at(ws, team_id, a))}
    logs, notes = {}, {}
    auto: dict[str, list[AutoCriterion]] = {}
    answers: dict[str, list[WrittenAnswer]] = {}
    for assignment_id in ASSIGNMENTS:
        grade = grades.get(assignment_id)
        state = states[assignment_id]
        if grade is not None:
            logs[assignment_id] = _clean_log(grade.grader_error or grade.log)
            notes[assignment_id] = [*grade.incidents,
                                    *(f"Protection non appliquée : {line}" for line in grade.isolation[1:])]
        checks = [c for c in CHECKS.values() if c.assignment_id == assignment_id]
        if state in (GRADED, NOT_EXECUTED):
            keys = {c.check_id: c.answer for c in checks}
            for res in grade.checks:
                auto.setdefault(res.competency, []).append(AutoCriterion(
                    res.check_id, res.competency, assignment_id, res.label, res.score, res.max_score, res.evidence,
                    keys.get(res.check_id, res.check_id)))
            for grade_id, text in grade.jury_answers.items():
                match = JURY_CELL.match(grade_id)
                if match:
                    text = strip_grading_markup(text).strip()
                    if text.startswith("YOUR ANSWER HERE") or not text:
                        text = ""
                    answers.setdefault(match.group(1), []).append(WrittenAnswer(grade_id, assignment_id, text))
        else:
            evidence = {
                NOT_SUBMITTED: "non rendu",
                SUBMITTED: "rendu, non corrigé : aucune note tant que la correction n'a pas eu lieu",
                GRADER_ERROR: "erreur du correcteur, note à reprendre"
                + (f" : {grade.grader_error.strip().splitlines()[-1]}" if grade and grade.grader_error else ""),
            }[state]
            for c in checks:
                auto.setdefault(c.competency, []).append(AutoCriterion(
                    c.check_id, c.competency, assignment_id, c.label, None, c.max_score, evidence, c.answer))
    unknown = sorted(set(auto) - set(referentiel.competencies))
    if unknown:
        raise ValueError(f"checks name unknown competencies: {unknown}")
    sharing = _shared_criteria(referentiel)
    grid = TeamGrid(team_id, states, graded_at, logs, notes=notes)
    for block in referentiel.blocks:
        assignment_id = assignment_of_block(block.code)
        for c in block.competencies:
            shared = sharing[c.code]
            shown_under = shared[0] if shared and shared[0] != c.code else None
            if shown_under:
                criteria = ()
            else:
                peers = [referentiel.competency(code) for code in shared] if shared else [c]
                criteria = tuple(JuryCriterion(tuple(p.criteria[i].id for p in peers), cr.group, cr.text)
                                 for i, cr in enumerate(c.criteria))
            grid.lines[c.code] = CompetencyLine(
                c.code, c.title, c.modality, c.note, block.code, assignment_id, states[assignment_id],
                tuple(auto.get(c.code, [])), criteria, shown_under, shared, tuple(answers.get(c.code, [])))
    return grid
