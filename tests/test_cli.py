"""The CLI is a thin layer: user errors exit non-zero with a short French message, no traceback."""

import shutil

import pytest
import yaml

from mspr.cli import main
from mspr.paths import DEFAULT_CASE


def malformed_case(tmp_path, mutate):
    case = tmp_path / "cas"
    shutil.copytree(DEFAULT_CASE, case)
    spec = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
    mutate(spec)
    (case / "case.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return case


def unknown_key(spec):
    spec["entreprise_bis"] = "x"


def wrong_type(spec):
    spec["donnees"]["lignes"] = "beaucoup"


def missing_table(spec):
    del spec["donnees"]["tables"]["reclamations"]  # its aggregate in the main table points to it


@pytest.mark.parametrize("mutate, field", [
    (unknown_key, "entreprise_bis"),
    (wrong_type, "donnees.lignes"),
    (missing_table, "reclamations"),
])
def test_malformed_case_yaml_exits_with_a_short_error(tmp_path, capsys, mutate, field):
    case = malformed_case(tmp_path, mutate)
    status = main(["case", "build", str(case), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert str(case / "case.yaml") in err
    assert field in err
    assert "Traceback" not in err and len(err.splitlines()) <= 8
    assert "→" in err  # the fix
    assert not (tmp_path / "out" / "data").exists()


def test_yaml_syntax_error_names_the_line(tmp_path, capsys):
    case = tmp_path / "cas"
    shutil.copytree(DEFAULT_CASE, case)
    (case / "case.yaml").write_text("id: test\ncompany: [unclosed\n", encoding="utf-8")
    assert main(["case", "build", str(case), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "case.yaml" in err and "ligne" in err and "Traceback" not in err


def test_missing_case_folder(tmp_path, capsys):
    assert main(["case", "build", str(tmp_path / "nulle-part")]) == 2
    assert "case.yaml" in capsys.readouterr().err


def test_usage_errors_are_not_user_data_errors(capsys):
    assert main(["autograde", "--assignment", "a9_inconnu"]) != 0
    assert "a9_inconnu" in capsys.readouterr().err


def test_help_is_in_french(capsys):
    assert main(["--help"]) == 0 and main(["submit", "-h"]) == 0
    out = capsys.readouterr().out
    assert "Afficher cette aide et quitter." in out and "Show this message" not in out


def test_report_without_submissions_is_an_error(tmp_path, capsys):
    assert main(["report", "-w", str(tmp_path / "ws")]) == 2
    assert "aucun rendu" in capsys.readouterr().err
    assert not (tmp_path / "ws" / "report").exists()


def test_autograde_of_a_team_without_submission_lists_the_teams(tmp_path, capsys):
    ws = tmp_path / "ws"
    (ws / "submitted" / "equipe-a" / "a1_cadrage").mkdir(parents=True)
    (ws / "submitted" / "equipe-b" / "a2_conception").mkdir(parents=True)
    assert main(["autograde", "-w", str(ws), "--team", "equipe-z"]) == 2
    err = capsys.readouterr().err
    assert "equipe-z" in err and "equipe-a, equipe-b" in err and "Traceback" not in err


def test_autograde_without_any_submission_is_an_error(tmp_path, capsys):
    assert main(["autograde", "-w", str(tmp_path / "ws")]) == 2
    assert "aucun rendu" in capsys.readouterr().err


def test_a_dask_scheduler_needs_the_dask_engine_and_says_workers_are_the_clusters(tmp_path, capsys):
    ws = str(tmp_path / "ws")
    assert main(["autograde", "-w", ws, "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "--engine dask" in capsys.readouterr().err
    assert main(["autograde", "-w", ws, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:8786",
                 "--workers", "3"]) == 2  # no submission: stops before reaching the scheduler
    err = capsys.readouterr().err
    assert "--workers 3 est ignoré avec --scheduler" in err and "aucun rendu" in err


def test_an_unreachable_or_malformed_scheduler_stops_the_run_before_it_starts(tmp_path, capsys, monkeypatch):
    import mspr.grading
    from mspr.grading import engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT_S", 2)
    monkeypatch.setattr(mspr.grading, "load_ground_truth", lambda ws: None)  # no case built: not needed here
    ws = tmp_path / "ws"
    (ws / "submitted" / "equipe-a" / "a4_pilotage").mkdir(parents=True)
    for address, says in (("tcp://127.0.0.1:1", "injoignable"), ("n'importe quoi", "mal formée"), ("", "mal formée")):
        assert main(["autograde", "-w", str(ws), "--engine", "dask", "--scheduler", address]) == 2
        err = capsys.readouterr().err
        assert says in err and address in err and "Traceback" not in err, err
        assert not (ws / ".engine" / "run.json").exists()  # no run recorded: the next one is not a resumption


@pytest.fixture(scope="module")
def built_cohort(tmp_path_factory):
    """A workspace whose case is built (the nbgrader part of the release is stubbed out)."""
    from mspr.paths import Workspace
    from mspr.release import build_cohort_case

    ws = Workspace(tmp_path_factory.mktemp("cohort") / "ws")
    build_cohort_case(ws, DEFAULT_CASE, rows=300)
    return ws


def test_release_with_a_missing_case_is_an_error_even_when_built(built_cohort, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("mspr.release.render_sources", lambda ws: [])
    monkeypatch.setattr("mspr.release.load_labs", lambda: [])
    assert main(["release", "-w", str(built_cohort.root), "--case", str(tmp_path / "nulle-part")]) == 2
    assert "nulle-part" in capsys.readouterr().err


def test_release_into_a_cohort_of_another_case_is_refused(built_cohort, capsys, monkeypatch):
    monkeypatch.setattr("mspr.release.render_sources", lambda ws: [])
    monkeypatch.setattr("mspr.release.load_labs", lambda: [])
    other = DEFAULT_CASE.parent / "oceane_mobilites"
    truth = built_cohort.case.ground_truth.read_bytes()
    assert main(["release", "-w", str(built_cohort.root), "--case", str(other)]) == 2
    err = capsys.readouterr().err
    assert "autre cas (mutuelle_horizon)" in err and "rien n'a été supprimé" in err
    assert built_cohort.case.ground_truth.read_bytes() == truth
    assert main(["release", "-w", str(built_cohort.root), "--case", str(DEFAULT_CASE)]) == 0


def test_rebuilding_the_cohort_case_archives_the_previous_ground_truth(built_cohort):
    from mspr.case import GroundTruth
    from mspr.release import build_cohort_case

    before = built_cohort.case.ground_truth.read_bytes()
    build_cohort_case(built_cohort, DEFAULT_CASE, seed=5, rows=300)
    assert GroundTruth.load(built_cohort.case.ground_truth).seed == 5
    kept = sorted((built_cohort.archive_dir / "case" / "ground_truth").iterdir())
    assert kept and (kept[-1] / "ground_truth.json").read_bytes() == before


def test_click_messages_are_french(capsys):
    assert main(["autograde", "--assignment", "a9_inconnu"]) == 2
    err = capsys.readouterr().err
    assert "Valeur invalide pour" in err and "n'est pas parmi" in err and "Utilisation :" in err
    assert main(["case", "build", "--inconnue"]) == 2
    err = capsys.readouterr().err
    assert "Option inconnue" in err and "Error" not in err and "Usage" not in err
    assert main(["case", "build", "cases/x", "--rows", "abc"]) == 2
    assert "'abc' n'est pas un entier valide" in capsys.readouterr().err
    assert main(["autograde", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--workers ENTIER" in out and "--team TEXTE" in out
    assert "TEXT " not in out and "INTEGER" not in out
    assert main(["submit", "--help"]) == 0
    assert "mspr submit [OPTIONS] EQUIPE EPREUVE DOSSIER" in capsys.readouterr().out
    assert main(["jury", "decide", "-w", "x"]) == 2
    assert "Argument manquant 'CANDIDAT'" in capsys.readouterr().err


def test_case_build_out_onto_a_foreign_folder_or_a_file_exits_2_and_keeps_everything(tmp_path, capsys):
    folder = tmp_path / "mes_documents"
    folder.mkdir()
    (folder / "rapport.docx").write_bytes(b"a moi")
    assert main(["case", "build", str(DEFAULT_CASE), "--out", str(folder), "--rows", "300"]) == 2
    err = capsys.readouterr().err
    assert "rapport.docx" in err and "rien n'a été supprimé" in err and "Traceback" not in err
    assert [p.name for p in folder.iterdir()] == ["rapport.docx"] and (folder / "rapport.docx").read_bytes() == b"a moi"
    target = tmp_path / "sortie.csv"
    target.write_text("x", encoding="utf-8")
    assert main(["case", "build", str(DEFAULT_CASE), "--out", str(target), "--rows", "300"]) == 2
    err = capsys.readouterr().err
    assert "est un fichier" in err and "Traceback" not in err and target.read_text(encoding="utf-8") == "x"


def test_demo_summary_writes_points_with_a_decimal_comma(tmp_path, capsys, monkeypatch):
    import mspr.demo

    totals = {"partial": {"A1": (3.62, 4), "A2": (16.5, 23)}}
    monkeypatch.setattr(mspr.demo, "demo", lambda *args, **kwargs: totals)
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "3,62/4" in out and "16,5/23" in out and "20,12/27" in out
    assert "3.62" not in out and "16.5" not in out


def test_autograde_summary_of_full_marks_with_a_failed_cell_does_not_say_error(tmp_path, capsys, monkeypatch):
    import mspr.grading
    from mspr.grading import SubmissionGrade
    from mspr.grading.checks import CheckResult, checks_for
    from mspr.jury.fmt import fr_number

    ws = tmp_path / "ws"
    (ws / "submitted" / "t1" / "a4_pilotage").mkdir(parents=True)
    checks = [CheckResult(c.check_id, c.competency, "a4_pilotage", c.label, c.max_score, c.max_score, "ok")
              for c in checks_for("a4_pilotage")]
    top = fr_number(sum(c.max_score for c in checks))
    failed = ("cellule « fin » en erreur à l'exécution (DeadKernelError : ) : les réponses qu'elle devait "
              "produire, et celles des cellules qui en dépendent, peuvent manquer")
    grades = [SubmissionGrade("t1", "a4_pilotage", True, checks, {}, "", incidents=[failed]),
              SubmissionGrade("t2", "a4_pilotage", True, checks, {}, "",
                              incidents=[failed, failed.replace("fin", "x")]),
              SubmissionGrade("t3", "a4_pilotage", False, [], {}, "")]
    monkeypatch.setattr(mspr.grading, "autograde", lambda *args, **kwargs: grades)
    assert main(["autograde", "-w", str(ws)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  t")}
    assert "ERREUR" not in out
    assert f"{top}/{top} — 1 cellule en erreur (réponses enregistrées avant comptées)" in lines["t1"]
    assert f"{top}/{top} — 2 cellules en erreur" in lines["t2"]
    assert "NON EXÉCUTÉ" in lines["t3"] and "cellule" not in lines["t3"]
