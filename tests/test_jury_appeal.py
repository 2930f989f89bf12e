"""The sealed appeal record, end to end on the default case: seal, verify, tamper."""

import json
import zipfile

import pytest

from mspr.case import build_case
from mspr.cli import main
from mspr.grading import autograde
from mspr.jury.appeal import MANIFEST, seal, verify
from mspr.paths import DEFAULT_CASE, Workspace
from mspr.release import release
from mspr.submissions import submit

NOTEBOOK = "submitted/a4_pilotage/a4_pilotage.ipynb"


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Workspace:
    """The reference solution of a4_pilotage, really graded (about 15 s)."""
    ws = Workspace(tmp_path_factory.mktemp("appeal") / "ws")
    build_case(DEFAULT_CASE, out=ws.case_dir)
    release(ws)
    submit(ws, "ref", "a4_pilotage", ws.source("a4_pilotage"))
    autograde(ws, ["ref"], ["a4_pilotage"])
    return ws


@pytest.fixture(scope="module")
def bundle(graded):
    return seal(graded, "ref")


def test_report_of_a_really_graded_team_links_the_cleaned_notebook(graded):
    from _jury_helpers import ROSTER, write_roster

    from mspr.report import report

    write_roster(graded, ROSTER.replace("id: t1", "id: ref"))
    report(graded, pdf=False)
    page = graded.notebook_page("ref", "a4_pilotage").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in page and "END SOLUTION" not in page and "HIDDEN TESTS" not in page
    assert 'id="cell-id=A4C1-organisation_projet"' in page and 'id="cell-id=reponses"' in page
    html = graded.candidate_report("c01").read_text(encoding="utf-8")
    assert "notebooks/ref/a4_pilotage.html#cell-id=reponses\">cellule de A4C1.critical_path" in html
    assert "BEGIN SOLUTION" not in html and "[INFO]" not in html
    from mspr.grading.checks import CHECKS

    a4c1 = sum(c.max_score for c in CHECKS.values() if c.competency == "A4C1")
    assert f"{a4c1:g} / {a4c1:g}" in html  # the reference gets every A4C1 auto point


def test_bundle_holds_what_the_grading_rests_on(bundle):
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read(MANIFEST))
    assert {NOTEBOOK, "grades/a4_pilotage.json", "case/case.yaml", "environment/requirements.lock",
            "environment/installed.txt", "SEAL"} <= names
    assert manifest["case"]["seed"] is not None and manifest["case"]["spec_included"]
    assert manifest["grader"]["mspr"] and len(manifest["files"][NOTEBOOK]) == 64
    grade = json.loads(zipfile.ZipFile(bundle).read("grades/a4_pilotage.json"))
    assert grade["checks"] and all(c["evidence"] for c in grade["checks"])


def test_verify_reexecutes_an_untouched_bundle_and_finds_no_difference(bundle, capsys):
    assert main(["verify", str(bundle)]) == 0
    out = capsys.readouterr().out
    assert "Réexécuté : a4_pilotage" in out and "Aucune différence" in out, out


def test_one_changed_byte_of_a_submission_is_named(bundle, tmp_path, capsys):
    tampered = tmp_path / "altere.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == NOTEBOOK:
                i = data.index(b"duree")
                data = data[:i] + b"D" + data[i + 1:]
            dst.writestr(info, data)
    result = verify(tampered)
    assert len(result.differences) == 1 and result.differences[0].startswith(f"fichier modifié : {NOTEBOOK}")
    assert main(["verify", str(tampered)]) == 1
    assert NOTEBOOK in capsys.readouterr().out


def test_a_rewritten_manifest_breaks_the_seal(bundle, tmp_path):
    forged = tmp_path / "faux.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(forged, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == MANIFEST:
                data = data.replace(b'"team_id": "ref"', b'"team_id": "autre"')
            dst.writestr(info, data)
    assert any("sceau rompu" in d for d in verify(forged, regrade=False).differences)
    assert main(["verify", str(tmp_path / "absent.zip")]) == 2


def test_run_ids_are_found_in_nested_answers():
    from mspr.jury.appeal import _run_ids

    answers = {"A2C6.model": {"tracking_uri": "sqlite:////x/mlflow.db", "model_uri": "models:/m-1", "run_id": "abc"},
               "autre": [{"run_id": "def"}, {"rien": 1}]}
    assert _run_ids(answers) == ["abc", "def"]


def test_appeal_of_a_team_without_submission_is_a_french_error(tmp_path, capsys):
    assert main(["appeal", "-w", str(tmp_path / "ws"), "personne"]) == 2
    assert "aucun rendu pour l'équipe personne" in capsys.readouterr().err


def test_the_seal_is_shown_for_the_proces_verbal_and_a_resealed_bundle_shows_another(graded, tmp_path, capsys):
    import hashlib

    assert main(["appeal", "-w", str(graded.root), "ref"]) == 0
    out = capsys.readouterr().out
    path = graded.appeal_bundle("ref")
    sealed = zipfile.ZipFile(path).read("SEAL").decode().strip()
    assert f"Sceau (SHA-256 du manifeste) : {sealed}" in out and "procès-verbal" in out

    # one byte of the notebook changed, the manifest rewritten and sealed again: every hash matches…
    forged = tmp_path / "rescelle.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(forged, "w") as dst:
        manifest = json.loads(src.read(MANIFEST))
        data = src.read(NOTEBOOK)
        i = data.index(b"duree")
        data = data[:i] + b"D" + data[i + 1:]
        manifest["files"][NOTEBOOK] = hashlib.sha256(data).hexdigest()
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
        for info in src.infolist():
            content = {NOTEBOOK: data, MANIFEST: manifest_bytes,
                       "SEAL": (hashlib.sha256(manifest_bytes).hexdigest() + "\n").encode()}.get(info.filename)
            dst.writestr(info, content if content is not None else src.read(info.filename))
    assert main(["verify", "--no-regrade", str(forged)]) == 0
    out = capsys.readouterr().out
    # …but the seal shown is not the one written in the procès-verbal
    assert "Sceau du dossier : " in out and sealed not in out
    assert main(["verify", "--no-regrade", str(path)]) == 0
    assert f"Sceau du dossier : {sealed}" in capsys.readouterr().out


def test_a_submission_newer_than_its_grade_is_not_sealed(tmp_path, capsys):
    import os

    from _jury_helpers import full_grade, submit_folder, write_grade

    ws = Workspace(tmp_path / "ws")
    write_grade(ws, full_grade("t1", "a4_pilotage"))
    submit_folder(ws, "t1", "a4_pilotage")  # submitted again after the grade
    (ws.submitted("t1", "a4_pilotage") / "timestamp.txt").write_text("later", encoding="utf-8")
    os.utime(ws.grades("t1", "a4_pilotage"), (1, 1))
    assert main(["appeal", "-w", str(ws.root), "t1"]) == 2
    err = capsys.readouterr().err
    assert "rendu non corrigé pour l'équipe t1 : a4_pilotage" in err and "mspr autograde" in err, err
    assert not ws.appeal_bundle("t1").exists()


def test_a_grade_file_damaged_before_sealing_is_named_by_verify_without_a_crash(graded, tmp_path, capsys):
    import shutil

    ws = Workspace(tmp_path / "ws")
    shutil.copytree(graded.root, ws.root, symlinks=True)
    ws.grades("ref", "a4_pilotage").write_text("null", encoding="utf-8")  # valid JSON, not a grade
    bundle = seal(ws, "ref")
    assert main(["verify", str(bundle)]) == 1
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "note scellée endommagée (grades/a4_pilotage.json" in out and "Traceback" not in out, out
