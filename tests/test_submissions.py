"""Submissions are kept: a resubmission archives the previous one."""

import pytest

from mspr.errors import MsprError
from mspr.paths import Workspace
from mspr.submissions import submit


def make_folder(path, text):
    path.mkdir(parents=True)
    (path / "a4_pilotage.ipynb").write_text(text, encoding="utf-8")
    (path / "reponses.json").write_text("{}", encoding="utf-8")
    return path


def test_resubmission_keeps_the_previous_copy(tmp_path):
    ws = Workspace(tmp_path / "ws")
    submit(ws, "team-1", "a4_pilotage", make_folder(tmp_path / "v1", "first"))
    dest = submit(ws, "team-1", "a4_pilotage", make_folder(tmp_path / "v2", "second"))
    assert (dest / "a4_pilotage.ipynb").read_text() == "second"
    kept = list(ws.archive_dir.rglob("a4_pilotage.ipynb"))
    assert [p.read_text() for p in kept] == ["first"]
    parts = kept[0].relative_to(ws.archive_dir).parts
    assert parts[:3] == ("submitted", "team-1", "a4_pilotage") and parts[4] == "a4_pilotage.ipynb"
    # answers recorded while working are not submitted: the graded execution records its own
    assert not (dest / "reponses.json").exists()


@pytest.mark.parametrize("team, assignment, message", [
    ("Team 1", "a4_pilotage", "identifiant d'équipe invalide"),
    ("team1", "a5_inconnu", "assignment inconnu"),
    ("../evil", "a4_pilotage", "identifiant d'équipe invalide"),
    ("team1\n", "a4_pilotage", "identifiant d'équipe invalide"),
])
def test_bad_submissions_are_refused(tmp_path, team, assignment, message):
    folder = make_folder(tmp_path / "v1", "x")
    with pytest.raises(MsprError, match=message):
        submit(Workspace(tmp_path / "ws"), team, assignment, folder)


def test_a_folder_without_notebook_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(MsprError) as err:
        submit(Workspace(tmp_path / "ws"), "team1", "a4_pilotage", tmp_path / "empty")
    assert "a4_pilotage.ipynb" in str(err.value)
