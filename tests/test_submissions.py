"""Submissions are kept: a resubmission archives the previous one."""

import os
import shutil

import nbformat
import pytest

from mspr.errors import MsprError
from mspr.paths import Workspace
from mspr.submissions import submit


def released_ws(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.release("a4_pilotage").mkdir(parents=True)
    return ws


def make_folder(path, text, grade_ids=("q1",)):
    path.mkdir(parents=True)
    cells = [nbformat.v4.new_markdown_cell(text)]
    for grade_id in grade_ids:
        cell = nbformat.v4.new_code_cell("x = 1")
        cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": False,
                                     "schema_version": 3, "solution": True}
        cells.append(cell)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path / "a4_pilotage.ipynb")
    (path / "reponses.json").write_text("{}", encoding="utf-8")
    return path


def first_cell(folder):
    return nbformat.read(folder / "a4_pilotage.ipynb", as_version=4).cells[0].source


def test_resubmission_keeps_the_previous_copy(tmp_path):
    ws = released_ws(tmp_path)
    submit(ws, "team-1", "a4_pilotage", make_folder(tmp_path / "v1", "first"))
    dest = submit(ws, "team-1", "a4_pilotage", make_folder(tmp_path / "v2", "second"))
    assert first_cell(dest) == "second"
    kept = list(ws.archive_dir.rglob("a4_pilotage.ipynb"))
    assert [first_cell(p.parent) for p in kept] == ["first"]
    parts = kept[0].relative_to(ws.archive_dir).parts
    assert parts[:3] == ("submitted", "team-1", "a4_pilotage") and parts[4] == "a4_pilotage.ipynb"
    # answers recorded while working are not submitted: the graded execution records its own
    assert not (dest / "reponses.json").exists()
    assert (dest / "timestamp.txt").is_file()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["a4_pilotage"]  # no staging folder left


@pytest.mark.parametrize("team, assignment, message", [
    ("Team 1", "a4_pilotage", "identifiant d'équipe invalide"),
    ("team1", "a5_inconnu", "assignment inconnu"),
    ("../evil", "a4_pilotage", "identifiant d'équipe invalide"),
    ("team1\n", "a4_pilotage", "identifiant d'équipe invalide"),
])
def test_bad_submissions_are_refused(tmp_path, team, assignment, message):
    folder = make_folder(tmp_path / "v1", "x")
    with pytest.raises(MsprError, match=message):
        submit(released_ws(tmp_path), team, assignment, folder)


def test_a_folder_without_notebook_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(MsprError) as err:
        submit(released_ws(tmp_path), "team1", "a4_pilotage", tmp_path / "empty")
    assert "a4_pilotage.ipynb" in str(err.value)


def test_a_broken_notebook_is_refused_at_submit_time(tmp_path):
    ws = released_ws(tmp_path)
    folder = make_folder(tmp_path / "v1", "x", grade_ids=("q1", "q2", "q1"))
    with pytest.raises(MsprError) as err:
        submit(ws, "team1", "a4_pilotage", folder)
    assert str(folder / "a4_pilotage.ipynb") in str(err.value) and "grade_id 'q1' en double" in str(err.value)
    assert not ws.step_dir("submitted").joinpath("team1").exists()


def test_a_folder_with_a_symlink_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("confidentiel", encoding="utf-8")
    folder = make_folder(tmp_path / "v1", "x")
    os.symlink(secret, folder / "donnees.csv")
    ws = released_ws(tmp_path)
    with pytest.raises(MsprError, match="lien symbolique") as err:
        submit(ws, "team1", "a4_pilotage", folder)
    assert "donnees.csv" in str(err.value)
    assert not ws.submitted("team1", "a4_pilotage").exists()


def test_a_failing_copy_leaves_the_previous_submission_in_place(tmp_path, monkeypatch):
    ws = released_ws(tmp_path)
    dest = submit(ws, "team1", "a4_pilotage", make_folder(tmp_path / "v1", "first"))

    real_copytree = shutil.copytree

    def copy_then_fail(src, dst, **kwargs):  # the disk fills up at the end of the copy
        real_copytree(src, dst, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("mspr.submissions.shutil.copytree", copy_then_fail)
    with pytest.raises(OSError):
        submit(ws, "team1", "a4_pilotage", make_folder(tmp_path / "v2", "second"))
    assert first_cell(dest) == "first"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["a4_pilotage"]
    assert not ws.archive_dir.exists()


def test_a_failing_first_copy_leaves_no_team_folder(tmp_path, monkeypatch):
    ws = released_ws(tmp_path)

    def fail(src, dst, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("mspr.submissions.shutil.copytree", fail)
    with pytest.raises(OSError):
        submit(ws, "team1", "a4_pilotage", make_folder(tmp_path / "v1", "first"))
    assert ws.teams() == []


def test_the_destination_itself_cannot_be_submitted(tmp_path):
    ws = released_ws(tmp_path)
    dest = submit(ws, "team1", "a4_pilotage", make_folder(tmp_path / "v1", "first"))
    for folder in (dest, ws.step_dir("submitted") / "team1"):
        with pytest.raises(MsprError, match="dossier des rendus"):
            submit(ws, "team1", "a4_pilotage", folder)
    assert first_cell(dest) == "first"


def test_an_unreleased_workspace_is_refused(tmp_path):
    ws = Workspace(tmp_path / "ws")
    with pytest.raises(MsprError) as err:
        submit(ws, "team1", "a4_pilotage", make_folder(tmp_path / "v1", "x"))
    assert f"mspr release -w {ws.root}" in err.value.hint
