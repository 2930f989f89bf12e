"""Stage: generate the student bundles with nbgrader.

``release(ws, case_dir=...)`` builds the cohort's case when it is missing
(:func:`build_cohort_case`), renders the lab sources into ``source/`` and runs nbgrader's
``generate_assignment`` on each, which strips solutions and hidden tests
(kept in the gradebook) and writes ``release/<assignment_id>/``.
"""

from __future__ import annotations

from pathlib import Path

from mspr._nbgrader import make_api
from mspr.errors import MsprError
from mspr.labs import load_labs, render_sources
from mspr.paths import DEFAULT_CASE, Workspace

__all__ = ["build_cohort_case", "release"]


def build_cohort_case(ws: Workspace, case_dir: str | Path = DEFAULT_CASE, *, seed: int | None = None,
                      rows: int | None = None) -> Path:
    """Build (or rebuild) the cohort's case into ``ws.case_dir``, archiving the previous ground truth.

    Parameters
    ----------
    ws : Workspace
        The cohort.
    case_dir : str or pathlib.Path, default: the bundled default case
        Folder holding ``case.yaml``.
    seed, rows : int, optional
        Override the case's seed and main-table rows.

    Returns
    -------
    pathlib.Path
        ``ws.case_dir``.

    Raises
    ------
    MsprError
        If the spec is invalid, or the cohort already holds another case
        (nothing is replaced: use a new cohort).
    """
    from mspr.case import load_case_spec
    from mspr.case.build import build_case, check_out_folder

    check_out_folder(ws.case_dir, load_case_spec(case_dir).id)
    ws.archive(ws.case.ground_truth_dir, keep=True)
    build_case(case_dir, out=ws.case_dir, seed=seed, rows=rows)
    return ws.case_dir


def release(ws: Workspace, *, case_dir: str | Path | None = None) -> list[Path]:
    """Build ``source/`` from the labs and generate the student release.

    Parameters
    ----------
    ws : Workspace
        The cohort.
    case_dir : str or pathlib.Path, optional
        The case to build when the cohort has none yet (default: the bundled
        default case). When the cohort already has a case, it is kept; a
        different ``case_dir`` is refused.

    Returns
    -------
    list of pathlib.Path
        The released assignment folders, in block order.

    Raises
    ------
    MsprError
        If nbgrader refuses a notebook (duplicate ``grade_id``, bad metadata…),
        the message carrying nbgrader's log; or if ``case_dir`` is invalid or
        names another case than the cohort's.
    """
    if not ws.case.ground_truth.is_file():
        build_cohort_case(ws, case_dir or DEFAULT_CASE)
    elif case_dir is not None:
        from mspr.case import load_case_spec
        from mspr.case.build import check_out_folder

        check_out_folder(ws.case_dir, load_case_spec(case_dir).id)
    render_sources(ws)
    ws.grader_dir.mkdir(parents=True, exist_ok=True)
    api = make_api(ws.root, ws.db_url)
    released = []
    for lab in load_labs():
        result = api.generate_assignment(lab.assignment_id, force=True, create=True)
        if not result["success"]:
            raise MsprError(
                f"nbgrader n'a pas pu générer la version étudiante :\n{result.get('log', '')}"
                f"\n{result.get('error', '')}",
                path=ws.source(lab.assignment_id),
                hint="corrigez les métadonnées nbgrader du notebook source",
            )
        released.append(ws.release(lab.assignment_id))
    return released
