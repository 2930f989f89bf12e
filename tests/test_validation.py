"""`mspr valider` and the submission guards: what the grader will read, said before submitting.

Backed by the demo cohort (session fixture ``demo_ws`` of conftest.py): its
release is the blank notebook a team receives, its ``source/`` the reference
solutions.
"""

import json
import re
import shutil

import nbformat
import pytest

from mspr.cli import main
from mspr.validation import answer_cells, answer_statuses, expected_answers, validate

A1 = "a1_cadrage"


def test_expected_answers_come_from_the_checks_registry():
    from mspr.grading.checks import checks_for

    answers = expected_answers(A1)
    assert answers and set(answers) == {c.answer for c in checks_for(A1)}


@pytest.fixture(scope="module")
def blank(demo_ws, tmp_path_factory):
    folder = tmp_path_factory.mktemp("blank") / A1
    shutil.copytree(demo_ws.release(A1), folder)
    before = sorted((p.relative_to(folder), p.read_bytes()) for p in folder.rglob("*") if p.is_file())
    result = validate(folder)
    after = sorted((p.relative_to(folder), p.read_bytes()) for p in folder.rglob("*") if p.is_file())
    return result, before == after


@pytest.fixture(scope="module")
def reference(demo_ws, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ref") / A1
    shutil.copytree(demo_ws.source(A1), folder)
    return validate(folder, A1, released=demo_ws.release(A1) / f"{A1}.ipynb")


def test_blank_release_lists_every_missing_answer_in_french(blank):
    result, untouched = blank
    assert untouched  # nothing written in the team's folder (no reponses.json, no outputs)
    assert not result.problems
    assert [a.answer_id for a in result.answers] == expected_answers(A1)
    assert all(a.state == "absente" for a in result.answers)
    text = "\n".join(result.lines())
    for answer_id in expected_answers(A1):
        assert f"✘ {answer_id} : absente" in text
    assert "Pas encore prêt" in text and not result.ok
    # the solution cells raise NotImplementedError in the release: each is listed with its number
    nb = nbformat.read(result.notebook, as_version=4)
    stubs = [n for n, c in enumerate(nb.cells, start=1) if c.cell_type == "code" and "NotImplementedError" in c.source]
    assert stubs and set(stubs) <= {e.number for e in result.errors}


def test_reference_records_every_answer(reference):
    assert not reference.problems, reference.problems
    assert [a.state for a in reference.answers] == ["ok"] * len(expected_answers(A1)), reference.lines()
    assert reference.errors == []
    assert reference.ok and reference.lines()[-1] == "Prêt à rendre."


def test_a_malformed_or_unreadable_answer_is_reported(tmp_path):
    """Read back as the grader reads: a value of the wrong shape, then a broken answers file."""
    expected = expected_answers("a4_pilotage")  # several answers: one malformed, the others missing
    answer_id = expected[0]
    (tmp_path / "reponses.json").write_text(json.dumps({answer_id: {"une": "table au lieu d’un chemin"}}),
                                            encoding="utf-8")
    states = {a.answer_id: a for a in answer_statuses(tmp_path, "a4_pilotage")}
    assert list(states) == expected and len(expected) > 1
    assert states[answer_id].state == "illisible" and "forme inattendue" in states[answer_id].detail
    assert {a.state for i, a in states.items() if i != answer_id} == {"absente"}
    (tmp_path / "reponses.json").write_text("{pas du JSON", encoding="utf-8")
    assert {(a.state, "JSON invalide" in a.detail) for a in answer_statuses(tmp_path, A1)} == {("illisible", True)}


def test_an_answer_naming_a_missing_deliverable_is_not_ready(tmp_path):
    # the blank A4 notebook records its file names although it wrote no file
    (tmp_path / "reponses.json").write_text(json.dumps({"A4C1.pert_table": "livrables/pert.csv",
                                                        "A4C1.project_duration": 12}), encoding="utf-8")
    states = {a.answer_id: a for a in answer_statuses(tmp_path, "a4_pilotage")}
    assert states["A4C1.pert_table"].state == "illisible"
    assert "fichier absent du dossier : « livrables/pert.csv »" in states["A4C1.pert_table"].detail
    assert states["A4C1.project_duration"].state == "ok"
    (tmp_path / "livrables").mkdir()
    (tmp_path / "livrables" / "pert.csv").write_text("tache;debut\n", encoding="utf-8")
    assert {a.answer_id: a for a in answer_statuses(tmp_path, "a4_pilotage")}["A4C1.pert_table"].state == "ok"


def test_cli_valider_exit_code_and_french_output(blank, tmp_path, monkeypatch, capsys):
    import mspr.validation

    import dataclasses

    result = dataclasses.replace(blank[0], extra=[tmp_path / "brouillon.ipynb"])
    monkeypatch.setattr(mspr.validation, "validate", lambda *a, **k: result)
    assert main(["valider", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"Réponses attendues par le correcteur : 0 sur {len(expected_answers(A1))}" in out
    assert "brouillon.ipynb ne sera pas corrigé" in out and "Pas encore prêt" in out


# -- submit guards ------------------------------------------------------------------------------


def _submitted_bytes(ws, team, assignment):
    return (ws.submitted(team, assignment) / f"{assignment}.ipynb").read_bytes()


@pytest.fixture
def cohort(demo_ws, tmp_path):
    """A copy of the demo cohort's release and sources, with one good submission of team ``t1``."""
    from mspr.paths import Workspace
    from mspr.submissions import submit

    ws = Workspace(tmp_path / "ws")
    for assignment in (A1, "a2_conception"):
        shutil.copytree(demo_ws.release(assignment), ws.release(assignment))
    submit(ws, "t1", A1, demo_ws.source(A1))
    return ws


def test_submit_refuses_another_assignments_notebook(cohort, demo_ws, tmp_path, capsys):
    before = _submitted_bytes(cohort, "t1", A1)
    folder = tmp_path / "mauvais"
    shutil.copytree(demo_ws.release(A1), folder)
    shutil.copy(demo_ws.release("a2_conception") / "a2_conception.ipynb", folder / f"{A1}.ipynb")
    assert main(["submit", "-w", str(cohort.root), "t1", A1, str(folder)]) == 2
    err = capsys.readouterr().err
    assert "ce notebook est celui de a2_conception" in err and "le rendu précédent est conservé" in err
    assert _submitted_bytes(cohort, "t1", A1) == before
    assert not list(cohort.archive_dir.rglob(f"{A1}.ipynb"))  # nothing was moved to the archive either


def test_submit_refuses_a_notebook_without_its_answer_cell(cohort, demo_ws, tmp_path, capsys):
    before = _submitted_bytes(cohort, "t1", A1)
    folder = tmp_path / "sans_reponses"
    shutil.copytree(demo_ws.source(A1), folder)
    nb = nbformat.read(folder / f"{A1}.ipynb", as_version=4)
    recorded = answer_cells(nb)
    assert recorded
    drop = {n - 1 for numbers in recorded.values() for n in numbers}
    nb.cells = [c for i, c in enumerate(nb.cells) if i not in drop]  # as an editor outside Jupyter would
    nbformat.write(nb, folder / f"{A1}.ipynb")
    assert main(["submit", "-w", str(cohort.root), "t1", A1, str(folder)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"la cellule verrouillée « \w+ » qui enregistre A1C", err) and "supprimée" in err
    assert _submitted_bytes(cohort, "t1", A1) == before


def test_submit_lists_extra_notebooks(cohort, demo_ws, tmp_path, capsys):
    folder = tmp_path / "avec_brouillon"
    shutil.copytree(demo_ws.source(A1), folder)
    (folder / "notes").mkdir()
    (folder / "notes" / "essai.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
    assert main(["submit", "-w", str(cohort.root), "t1", A1, str(folder)]) == 0
    err = capsys.readouterr().err
    assert "essai.ipynb ne sera pas corrigé (seul a1_cadrage.ipynb l'est)" in err


def test_submit_of_a_notebook_without_cell_ids_prints_no_english_warning(cohort, demo_ws, tmp_path, capsys,
                                                                            recwarn):
    folder = tmp_path / "sans_ids"
    shutil.copytree(demo_ws.source(A1), folder)
    raw = json.loads((folder / f"{A1}.ipynb").read_text(encoding="utf-8"))
    for cell in raw["cells"]:
        cell.pop("id", None)  # as an editor outside Jupyter, or nbformat before 4.5, writes them
    (folder / f"{A1}.ipynb").write_text(json.dumps(raw), encoding="utf-8")
    assert main(["submit", "-w", str(cohort.root), "t1", A1, str(folder)]) == 0
    assert "missing an id" not in capsys.readouterr().err
    assert [str(w.message) for w in recwarn if "missing an id" in str(w.message)] == []


def test_python_errors_get_a_french_gloss_before_pythons_own_message():
    import nbformat

    from mspr.validation import _error_cells

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("df['x']")
    cell.outputs = [nbformat.v4.new_output("error", ename="KeyError", evalue="'x'", traceback=[])]
    stub = nbformat.v4.new_code_cell("# VOTRE CODE ICI")
    stub.outputs = [nbformat.v4.new_output("error", ename="NotImplementedError", evalue="", traceback=[])]
    nb.cells = [cell, stub]
    errors = _error_cells(nb)
    assert errors[0].error == "KeyError : clé ou colonne introuvable — 'x'"
    assert errors[1].error == "NotImplementedError : cellule à compléter (« # VOTRE CODE ICI »)"
