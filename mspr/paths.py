"""One object owns every path of a cohort workspace.

Like nbgrader's ``CourseDirectory``, :class:`Workspace` is the only place
where path strings are joined; every stage asks it for the folder it reads or
writes. The workspace is nbgrader's course root.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mspr.case.layout import CaseLayout

#: The repository root (where ``cases/`` and ``labs/`` live).
REPO_ROOT = Path(__file__).resolve().parent.parent

#: The bundled default case.
DEFAULT_CASE = REPO_ROOT / "cases" / "mutuelle_horizon"

#: The nbgrader assignments, one per block of the référentiel, in order.
ASSIGNMENTS = ("a1_cadrage", "a2_conception", "a3_deploiement", "a4_pilotage")

#: nbgrader course id used in the gradebook.
COURSE_ID = "mspr"


def labs_root() -> Path:
    """Return the folder holding the lab sources (``labs/<assignment_id>/``).

    Returns
    -------
    pathlib.Path
        ``<repository root>/labs``, absolute (it need not exist).
    """
    return REPO_ROOT / "labs"


def utc_stamp() -> str:
    """Return the current UTC time as a sortable, path-safe string.

    Returns
    -------
    str
        e.g. ``"20261129T071502.123456Z"``.
    """
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")


@dataclass(frozen=True)
class Workspace:
    """The folders of one cohort workspace (an nbgrader course root).

    Parameters
    ----------
    root : pathlib.Path
        The workspace folder, e.g. ``build/demo``. Made absolute.

    Notes
    -----
    Layout (see ``docs/architecture.md``)::

        case/                       case build (data, model, brief, ground truth) - grader only
        grader/gradebook.db         nbgrader gradebook - grader only
        source/<assignment>/        solutions + data - trainer only
        release/<assignment>/       student bundles
        submitted/<team>/<assignment>/
        autograded/<team>/<assignment>/
        grades/<team>/<assignment>.json
        report/                     index.html, synthese.xlsx, candidats/<id>.html|pdf, notebooks/<team>/<a>.html
        jury/                       roster.yaml, export/, imports/, imports.jsonl, marks/, decisions/
        appeal/<team>.zip           sealed appeal records
        archive/...                 every replaced submission or grade, by item
    """

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    # -- grader-only ---------------------------------------------------------
    @property
    def case_dir(self) -> Path:
        """Output folder of :func:`mspr.case.build_case` for this cohort."""
        return self.root / "case"

    @property
    def case(self) -> CaseLayout:
        """The layout of the cohort's case build (data, model, brief, ground truth)."""
        return CaseLayout(self.case_dir)

    @property
    def ground_truth_dir(self) -> Path:
        """Folder of the ground truth and holdout (never shown to candidates)."""
        return self.case.ground_truth_dir

    @property
    def grader_dir(self) -> Path:
        """Private folder of the grader (gradebook)."""
        return self.root / "grader"

    @property
    def gradebook_path(self) -> Path:
        """The nbgrader gradebook (sqlite), which holds solutions and hidden tests."""
        return self.grader_dir / "gradebook.db"

    @property
    def db_url(self) -> str:
        """SQLAlchemy URL of the gradebook (absolute)."""
        return f"sqlite:///{self.gradebook_path}"

    # -- nbgrader steps ------------------------------------------------------
    def step_dir(self, step: str) -> Path:
        """Return the folder of an nbgrader step.

        Parameters
        ----------
        step : {"source", "release", "submitted", "autograded", "feedback"}
            The nbgrader step, named as nbgrader's course directory names it.

        Returns
        -------
        pathlib.Path
            ``<root>/<step>`` (not created).

        Raises
        ------
        ValueError
            If ``step`` is not one of the five nbgrader steps.
        """
        if step not in {"source", "release", "submitted", "autograded", "feedback"}:
            raise ValueError(f"unknown nbgrader step {step!r}")
        return self.root / step

    def source(self, assignment_id: str) -> Path:
        """``source/<assignment_id>``: notebook with solutions and its data.

        Parameters
        ----------
        assignment_id : str
            One of :data:`ASSIGNMENTS`, e.g. ``"a1_cadrage"``.

        Returns
        -------
        pathlib.Path
            The assignment's source folder (trainer only; not created).
        """
        return self.step_dir("source") / assignment_id

    def release(self, assignment_id: str) -> Path:
        """``release/<assignment_id>``: the student bundle.

        Parameters
        ----------
        assignment_id : str
            One of :data:`ASSIGNMENTS`, e.g. ``"a1_cadrage"``.

        Returns
        -------
        pathlib.Path
            The folder handed to candidates (not created).
        """
        return self.step_dir("release") / assignment_id

    def submitted(self, team_id: str, assignment_id: str) -> Path:
        """``submitted/<team_id>/<assignment_id>``.

        Parameters
        ----------
        team_id : str
            The team, nbgrader's ``student_id``.
        assignment_id : str
            One of :data:`ASSIGNMENTS`.

        Returns
        -------
        pathlib.Path
            The folder holding the team's current submission (not created).
        """
        return self.step_dir("submitted") / team_id / assignment_id

    def autograded(self, team_id: str, assignment_id: str) -> Path:
        """``autograded/<team_id>/<assignment_id>``: the executed submission.

        Parameters
        ----------
        team_id : str
            The team, nbgrader's ``student_id``.
        assignment_id : str
            One of :data:`ASSIGNMENTS`.

        Returns
        -------
        pathlib.Path
            The folder of the submission as executed by the grader (not
            created).
        """
        return self.step_dir("autograded") / team_id / assignment_id

    def grades(self, team_id: str, assignment_id: str) -> Path:
        """``grades/<team_id>/<assignment_id>.json``: the check results.

        Parameters
        ----------
        team_id : str
            The team, nbgrader's ``student_id``.
        assignment_id : str
            One of :data:`ASSIGNMENTS`.

        Returns
        -------
        pathlib.Path
            The JSON file of the team's grade for the assignment (see
            :meth:`mspr.grading.SubmissionGrade.to_json`; not created).
        """
        return self.root / "grades" / team_id / f"{assignment_id}.json"

    def teams(self) -> list[str]:
        """Return the ids of the teams that submitted something, sorted.

        Returns
        -------
        list of str
            Names of the sub-folders of ``submitted/``, in lexicographic
            order; empty if nothing was submitted yet.
        """
        folder = self.step_dir("submitted")
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    # -- report and archive --------------------------------------------------
    @property
    def report_dir(self) -> Path:
        """Folder of the jury report (``scores.csv``, ``index.html``)."""
        return self.root / "report"

    def candidate_report(self, candidate_id: str, suffix: str = ".html") -> Path:
        """``report/candidats/<candidate_id>.html`` (or ``.pdf``): one candidate's report.

        Parameters
        ----------
        candidate_id : str
            A candidate of the roster.
        suffix : {".html", ".pdf"}, default=".html"

        Returns
        -------
        pathlib.Path
            Not created.
        """
        return self.report_dir / "candidats" / f"{candidate_id}{suffix}"

    def notebook_page(self, team_id: str, assignment_id: str) -> Path:
        """``report/notebooks/<team_id>/<assignment_id>.html``: the graded notebook shown to the jury.

        Parameters
        ----------
        team_id : str
        assignment_id : str

        Returns
        -------
        pathlib.Path
            Not created.
        """
        return self.report_dir / "notebooks" / team_id / f"{assignment_id}.html"

    @property
    def cohort_workbook(self) -> Path:
        """``report/synthese.xlsx``: the cohort summary, basis of the jury's procès-verbal."""
        return self.report_dir / "synthese.xlsx"

    # -- jury ------------------------------------------------------------------
    @property
    def jury_dir(self) -> Path:
        """Folder of the jury's records (roster, imports, marks, decisions)."""
        return self.root / "jury"

    @property
    def roster_path(self) -> Path:
        """``jury/roster.yaml``: the default roster of the cohort."""
        return self.jury_dir / "roster.yaml"

    def jury_export(self, team_id: str, juror_id: str) -> Path:
        """``jury/export/<team_id>/<juror_id>.xlsx``: the grid handed to one juror.

        Parameters
        ----------
        team_id, juror_id : str

        Returns
        -------
        pathlib.Path
            Not created.
        """
        return self.jury_dir / "export" / team_id / f"{juror_id}.xlsx"

    def jury_import_copy(self, team_id: str, juror_id: str, stamp: str, sha256: str) -> Path:
        """``jury/imports/<team>/<juror>/<stamp>-<sha256[:12]>.xlsx``: a kept copy of an imported file.

        Parameters
        ----------
        team_id, juror_id : str
        stamp : str
            UTC time of the import (:func:`utc_stamp`).
        sha256 : str
            Hex digest of the file.

        Returns
        -------
        pathlib.Path
            Not created.
        """
        return self.jury_dir / "imports" / team_id / juror_id / f"{stamp}-{sha256[:12]}.xlsx"

    @property
    def jury_import_log(self) -> Path:
        """``jury/imports.jsonl``: one JSON line per import attempt (time, file, sha256, outcome)."""
        return self.jury_dir / "imports.jsonl"

    @property
    def jury_key(self) -> Path:
        """``jury/.cle_export``: the cohort's secret key that signs the identity sheet of exported grids."""
        return self.jury_dir / ".cle_export"

    def jury_marks(self, team_id: str, juror_id: str) -> Path:
        """``jury/marks/<team_id>/<juror_id>.json``: one juror's current marks for a team.

        Parameters
        ----------
        team_id, juror_id : str

        Returns
        -------
        pathlib.Path
            Not created.
        """
        return self.jury_dir / "marks" / team_id / f"{juror_id}.json"

    def jury_decisions(self, team_id: str) -> Path:
        """``jury/decisions/<team_id>.json``: the decisions the two jurors agreed on.

        Parameters
        ----------
        team_id : str

        Returns
        -------
        pathlib.Path
            Not created.
        """
        return self.jury_dir / "decisions" / f"{team_id}.json"

    def appeal_bundle(self, team_id: str) -> Path:
        """``appeal/<team_id>.zip``: the sealed appeal record of a team.

        Parameters
        ----------
        team_id : str

        Returns
        -------
        pathlib.Path
            Not created.
        """
        return self.root / "appeal" / f"{team_id}.zip"

    @property
    def archive_dir(self) -> Path:
        """Where replaced submissions and grades are kept."""
        return self.root / "archive"

    def archive(self, path: Path, *, keep: bool = False) -> Path | None:
        """Move (or copy) ``path`` into the archive before it gets replaced.

        The archive keeps each item's history in one place: a folder
        ``submitted/t/a`` goes to ``archive/submitted/t/a/<utc stamp>/``, a file
        ``grades/t/a.json`` to ``archive/grades/t/a.<utc stamp>.json``.

        Parameters
        ----------
        path : pathlib.Path
            A file or folder inside the workspace.
        keep : bool, default=False
            Copy instead of moving (the caller replaces it itself, e.g. a
            case rebuild that replaces its folders atomically).

        Returns
        -------
        pathlib.Path or None
            Where it was moved or copied, or None if it did not exist.
        """
        path = Path(path).resolve()
        if not path.exists():
            return None
        kept = self.archive_dir / path.relative_to(self.root)
        stamp = utc_stamp()
        target = kept / stamp if path.is_dir() else kept.with_name(f"{kept.stem}.{stamp}{kept.suffix}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if keep and path.is_dir():
            shutil.copytree(path, target, symlinks=True)
        elif keep:
            shutil.copy2(path, target)
        else:
            shutil.move(str(path), str(target))
        return target
