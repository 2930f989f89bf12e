"""The cohort gradebook keeps what people typed in nbgrader's formgrader when a submission is graded again."""

import sqlite3
import sys
from pathlib import Path

from mspr.grading.engine import Task, _merge_gradebook
from mspr.paths import Workspace

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

from cohort import TEST_LIMITS, build_cohort  # noqa: E402

A = "a4_pilotage"

#: A worker's rows: the auto cell scored, the jury cell left to a person.
ROWS = {"notebooks": {A: {"auto": {"auto_score": 2.0, "needs_manual_grade": False},
                          "A4C1-plan": {"auto_score": None, "needs_manual_grade": True}}}}


def _small_gradebook(ws: Workspace) -> None:
    from nbgrader.api import Gradebook

    ws.gradebook_path.parent.mkdir(parents=True, exist_ok=True)
    with Gradebook(ws.db_url) as gb:
        gb.add_assignment(A)
        gb.add_notebook(A, A)
        gb.add_grade_cell("auto", A, A, max_score=2, cell_type="code")
        gb.add_grade_cell("A4C1-plan", A, A, max_score=1, cell_type="markdown")
        gb.add_solution_cell("A4C1-plan", A, A)


def _type_marks(ws: Workspace, team: str, grade_cell: str, comment_cell: str, notebook: str = A) -> None:
    """What a person does in formgrader: a score, extra credit, a comment, a flag."""
    from nbgrader.api import Gradebook

    with Gradebook(ws.db_url) as gb:
        grade = gb.find_grade(grade_cell, notebook, A, team)
        grade.manual_score, grade.extra_credit, grade.needs_manual_grade = 0.5, 0.25, False
        gb.find_comment(comment_cell, notebook, A, team).manual_comment = "Plan clair, jalons à préciser."
        gb.find_submission_notebook(notebook, A, team).flagged = True
        gb.db.commit()


def _marks(db: Path, team: str, grade_cell: str, comment_cell: str, notebook: str = A) -> dict:
    """The marks, read with SQL (works on the archived copy too)."""
    with sqlite3.connect(db) as con:
        score = con.execute("""SELECT g.manual_score, g.extra_credit, g.needs_manual_grade FROM grade g
                               JOIN base_cell c ON g.cell_id = c.id JOIN submitted_notebook sn ON g.notebook_id = sn.id
                               JOIN submitted_assignment sa ON sn.assignment_id = sa.id
                               WHERE c.name = ? AND sa.student_id = ?""", (grade_cell, team)).fetchall()
        comment = con.execute("""SELECT m.manual_comment FROM comment m JOIN base_cell c ON m.cell_id = c.id
                                 JOIN submitted_notebook sn ON m.notebook_id = sn.id
                                 JOIN submitted_assignment sa ON sn.assignment_id = sa.id
                                 WHERE c.name = ? AND sa.student_id = ?""", (comment_cell, team)).fetchall()
        flagged = con.execute("""SELECT sn.flagged FROM submitted_notebook sn
                                 JOIN submitted_assignment sa ON sn.assignment_id = sa.id
                                 WHERE sa.student_id = ?""", (team,)).fetchall()
        submissions = con.execute("SELECT count(*) FROM submitted_assignment WHERE student_id = ?",
                                  (team,)).fetchone()[0]
    return {"grade": score, "comment": comment, "flagged": flagged, "submissions": submissions}


def test_merging_again_keeps_the_marks_typed_in_formgrader_and_archives_the_gradebook(tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    ws = Workspace(tmp_path / "ws")  # nbgrader runs the venv's `alembic` to create a gradebook
    _small_gradebook(ws)
    task = Task(str(ws.root), "t1", A)
    assert _merge_gradebook(ws, task, ROWS) is None  # nothing typed yet: nothing to keep
    assert not ws.archive_dir.exists()
    _type_marks(ws, "t1", "A4C1-plan", "A4C1-plan")
    typed = _marks(ws.gradebook_path, "t1", "A4C1-plan", "A4C1-plan")
    assert typed["grade"] == [(0.5, 0.25, 0)] and typed["flagged"] == [(1,)]

    kept = _merge_gradebook(ws, task, ROWS)
    assert _marks(ws.gradebook_path, "t1", "A4C1-plan", "A4C1-plan") == typed  # kept, one submission
    assert kept is not None and kept.parent == ws.archive_dir / "grader"
    assert kept.name.startswith("gradebook.") and kept.suffix == ".db"
    assert _marks(kept, "t1", "A4C1-plan", "A4C1-plan") == typed  # and a copy taken before the merge


def test_grading_a_submission_again_keeps_the_marks_typed_in_formgrader(tmp_path):
    from nbgrader.api import Gradebook

    from mspr.grading import autograde
    from mspr.submissions import submit

    ws = build_cohort(tmp_path / "ws")
    submit(ws, "e1", A, ws.source(A))
    autograde(ws, limits=TEST_LIMITS)
    with Gradebook(ws.db_url) as gb:
        nb = gb.find_submission(A, "e1").notebooks[0]
        jury_cell = next(g.name for g in nb.grades if g.needs_manual_grade)
        comment_cell = next(c.name for c in nb.comments)
        notebook = nb.name
    _type_marks(ws, "e1", jury_cell, comment_cell, notebook)
    typed = _marks(ws.gradebook_path, "e1", jury_cell, comment_cell, notebook)

    autograde(ws, limits=TEST_LIMITS)  # the same submission, graded again
    assert _marks(ws.gradebook_path, "e1", jury_cell, comment_cell, notebook) == typed
    with Gradebook(ws.db_url) as gb:
        nb = gb.find_submission(A, "e1").notebooks[0]
        assert nb.score > 0  # the auto scores were merged too
    kept = list((ws.archive_dir / "grader").glob("gradebook.*.db"))
    assert len(kept) == 1 and _marks(kept[0], "e1", jury_cell, comment_cell, notebook) == typed
