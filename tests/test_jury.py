"""The jury's workbench from synthetic grade files: roster, grid, two jurors' workbooks, decisions."""

import json

import pytest
from _jury_helpers import ROSTER, cell_of, fill, full_grade, submit_folder, write_grade, write_roster

from mspr.cli import main
from mspr.errors import MsprError
from mspr.jury import export, import_files, roster_of
from mspr.jury.grid import GRADED, GRADER_ERROR, NOT_SUBMITTED, SUBMITTED, team_grid
from mspr.jury.records import DISAGREEMENT, candidate_result, disagreements, load_decisions, load_marks
from mspr.jury.roster import load_roster
from mspr.paths import ASSIGNMENTS, Workspace
from mspr.referentiel import Referentiel
from mspr.report import load_grades

ACQUIS = ("acquis", "")


@pytest.fixture
def ws(tmp_path):
    ws = Workspace(tmp_path / "ws")
    write_roster(ws)
    for a in ASSIGNMENTS:
        submit_folder(ws, "t1", a)
        write_grade(ws, full_grade("t1", a))
    return ws


# -- roster ------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, line, words", [
    ("    candidats: [c01, c02]\n", 15, "équipe de 5 candidats"),
    ("    jures: [jmartin, pdurand]\n", 16, "juré inconnu 'zorro'"),
    ("    candidats: [c03]\n", 18, "dans deux équipes"),
    ("majoration: 1/3", 10, "limite au tiers"),
    ("dispenses: [A4C8]", 10, "dispense de A1C1 impossible"),
])
def test_roster_errors_name_the_line_and_the_fix(tmp_path, change, line, words):
    replacement = {
        "    candidats: [c01, c02]\n": "    candidats: [c01, c02, c03, c04, c05]\n",
        "    jures: [jmartin, pdurand]\n": "    jures: [jmartin, zorro]\n",
        "    candidats: [c03]\n": "    candidats: [c03, c01]\n",
        "majoration: 1/3": "majoration: 40 %",
        "dispenses: [A4C8]": "dispenses: [A1C1]",
    }[change]
    text = ROSTER.replace(change, replacement, 1)
    if "c05" in replacement:
        text = text.replace("candidats:\n", "candidats:\n" + "".join(
            f"  - {{id: {c}, nom: N {c}, email: {c}@example.org}}\n" for c in ("c04", "c05")), 1)
        line += 2
    path = tmp_path / "roster.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MsprError) as err:
        load_roster(path)
    message = err.value.format()
    assert str(path) in message and f"ligne {line}" in message and words in message, message


def test_roster_reads_fractions_and_computes_the_deadline(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER.replace("majoration: 1/3", 'majoration: "33,34 %"'), encoding="utf-8")
    roster = load_roster(path)
    c01, c02 = roster.candidate("c01"), roster.candidate("c02")
    assert str(c01.extension) == "1/3"  # a rounded third is a third
    assert (roster.deadline(c01) - roster.deadline(c02)).total_seconds() == 10 * 3600  # a third of 30 h
    assert roster.oral_minutes(c01) == 40
    assert roster.candidate("c01").exemptions == ("A4C8",)


# -- grid ---------------------------------------------------------------------------------------

def test_states_are_exact_and_unscored_until_graded(tmp_path):
    ws = Workspace(tmp_path / "ws")
    submit_folder(ws, "t1", "a1_cadrage")  # submitted, no grade yet
    write_grade(ws, full_grade("t1", "a2_conception"))  # graded
    submit_folder(ws, "t1", "a2_conception")
    from mspr.grading import SubmissionGrade
    write_grade(ws, SubmissionGrade("t1", "a3_deploiement", False, [], {}, "", grader_error="Trace\nKeyError: x"))
    grid = team_grid(ws, "t1", load_grades(ws)["t1"])
    assert grid.states == {"a1_cadrage": SUBMITTED, "a2_conception": GRADED,
                           "a3_deploiement": GRADER_ERROR, "a4_pilotage": NOT_SUBMITTED}
    a1c6 = grid.lines["A1C6"].auto
    assert a1c6 and all(a.score is None and "non corrigé" in a.evidence for a in a1c6)
    assert all(a.score is None for a in grid.lines["A3C3"].auto)
    assert all(a.score is not None for a in grid.lines["A2C6"].auto)


def test_a_new_submission_after_grading_is_not_graded(tmp_path):
    import os
    ws = Workspace(tmp_path / "ws")
    write_grade(ws, full_grade("t1", "a4_pilotage"))
    submit_folder(ws, "t1", "a4_pilotage")
    stamp = ws.submitted("t1", "a4_pilotage") / "timestamp.txt"
    stamp.write_text("later", encoding="utf-8")
    grade = ws.grades("t1", "a4_pilotage")
    os.utime(grade, (1, 1))
    assert team_grid(ws, "t1", load_grades(ws)["t1"]).states["a4_pilotage"] == SUBMITTED


def test_shared_criteria_are_shown_once(ws):
    grid = team_grid(ws, "t1", load_grades(ws)["t1"])
    ref = Referentiel.load()
    assert grid.lines["A1C1"].criteria and grid.lines["A1C2"].criteria == () == grid.lines["A1C3"].criteria
    assert grid.lines["A1C2"].shared_with == "A1C1"
    assert grid.lines["A1C1"].criteria[1].criterion_ids == ("A1C1.2", "A1C2.2", "A1C3.2")
    shown = sum(len(line.criteria) for line in grid.lines.values())
    assert shown == len(ref.criteria()) - 2 * 13 - 2 * len(ref.competency("A2C4").criteria) \
        - len(ref.competency("A3C5").criteria)
    assert grid.lines["A4C8"].note and "handicap" in grid.lines["A4C8"].note
    assert grid.lines["A1C1"].modality.startswith("Rédiger une note de cadrage")


# -- two jurors ---------------------------------------------------------------------------------

def test_an_invalid_cell_records_nothing_and_the_corrected_file_is_recorded_and_kept(ws):
    roster = roster_of(ws)
    path = export(ws, team_ids=["t1"])[0]
    fill(path, {("c02", "A2C3"): ("aquis", "")}, default=ACQUIS)
    cell = cell_of(path, "c02", "A2C3")
    with pytest.raises(MsprError) as err:
        import_files(ws, [path])
    message = err.value.format()
    assert f"feuille « c02 », cellule {cell}" in message and "hors échelle" in message and str(path) in message
    assert "aucune note n'a été enregistrée" in message
    assert not ws.jury_marks("t1", "jmartin").exists()

    fill(path, {("c02", "A2C3"): ("en cours d'acquisition", "")}, default=None)
    with pytest.raises(MsprError) as err:  # a level below "acquis" needs a comment
        import_files(ws, [path])
    assert f"cellule {cell_of(path, 'c02', 'A2C3', 6)} : commentaire obligatoire" in err.value.format()
    fill(path, {("c02", "A1C99"): ("acquis", "")})  # no such row: nothing changes
    from openpyxl import load_workbook
    wb = load_workbook(path)
    row = int(cell_of(path, "c02", "A2C4")[1:])
    wb["c02"].cell(row, 1).value = "A2C99"
    wb.save(path)
    with pytest.raises(MsprError) as err:
        import_files(ws, [path])
    assert f"cellule A{row} : code inconnu « A2C99 »" in err.value.format()
    wb["c02"].cell(row, 1).value = "A2C4"
    wb.save(path)

    fill(path, {("c02", "A2C3"): ("en cours d'acquisition", "livrable incomplet")})
    result = import_files(ws, [path])[0]
    marks = load_marks(ws, "t1", roster.team("t1").jurors)["jmartin"]["candidates"]
    assert marks["c02"]["competencies"]["A2C3"] == {"level": "en cours d'acquisition", "comment": "livrable incomplet"}
    assert marks["c01"]["competencies"]["A1C1"]["level"] == "acquis"
    assert "A4C8" not in marks["c01"]["competencies"]  # exempt
    kept = sorted((ws.jury_dir / "imports" / "t1" / "jmartin").glob("*.xlsx"))
    assert len(kept) == 4 and result.kept == kept[-1]
    log = [json.loads(line) for line in ws.jury_import_log.read_text(encoding="utf-8").splitlines()]
    assert [e["status"] for e in log] == ["refusé", "refusé", "refusé", "accepté"]
    assert all(len(e["sha256"]) == 64 and e["imported_at"] for e in log)

    # the report, run again and again, keeps every mark; a new export carries them
    assert main(["report", "-w", str(ws.root), "--no-pdf"]) == 0
    assert main(["report", "-w", str(ws.root), "--no-pdf"]) == 0
    assert load_marks(ws, "t1", ["jmartin"])["jmartin"]["candidates"] == marks
    html = ws.candidate_report("c02").read_text(encoding="utf-8")
    assert "livrable incomplet" in html
    again = export(ws, team_ids=["t1"])[0]
    assert cell_of(again, "c02", "A2C3") == cell and _value(again, "c02", cell) == "en cours d'acquisition"
    assert list(ws.archive_dir.glob("jury/export/t1/jmartin.*.xlsx"))  # the previous export is kept
    fill(again, {("c02", "A2C3"): ("acquis", "")})
    import_files(ws, [again])  # a new import replaces the marks, the previous ones are kept
    kept = list(ws.archive_dir.glob("jury/marks/t1/jmartin.*.json"))
    assert len(kept) == 1 and json.loads(kept[0].read_text(encoding="utf-8"))["candidates"] == marks


def _value(path, sheet, cell):
    from openpyxl import load_workbook
    return load_workbook(path)[sheet][cell].value


def test_two_jurors_disagree_then_agree_and_the_block_follows_the_rule(ws):
    roster = roster_of(ws)
    first, second = export(ws, team_ids=["t1"])
    fill(first, {}, default=ACQUIS)
    fill(second, {("c02", "A4C5"): ("non acquis", "planning non présenté")}, default=ACQUIS)
    import_files(ws, [first])
    result = import_files(ws, [second])[0]
    assert [(d[0], d[1], d[2]) for d in result.disagreements] == [
        ("c02", "A4C5", {"jmartin": "acquis", "pdurand": "non acquis"})]
    marks = load_marks(ws, "t1", roster.team("t1").jurors)
    c02 = candidate_result(roster, "c02", marks, load_decisions(ws, "t1"))
    assert c02.competencies["A4C5"].level == DISAGREEMENT
    assert c02.blocks["A4"].status == "en attente" and c02.blocks["A1"].status == "validé"

    code = main(["jury", "decide", "-w", str(ws.root), "c02", "A4C5", "non acquis",
                 "--comment", "accord : planning absent"])
    assert code == 0
    c02 = candidate_result(roster, "c02", marks, load_decisions(ws, "t1"))
    assert c02.competencies["A4C5"].level == "non acquis" and c02.blocks["A4"].status == "non validé"
    assert disagreements(ws, roster, "t1")[0][3]["comment"] == "accord : planning absent"  # listed as settled

    main(["jury", "decide", "-w", str(ws.root), "c02", "A4C5", "acquis", "--comment", "revu à la délibération"])
    assert list(ws.archive_dir.glob("jury/decisions/t1.*.json"))  # the previous decision is kept
    c02 = candidate_result(roster, "c02", marks, load_decisions(ws, "t1"))
    assert c02.blocks["A4"].status == "validé"


def test_a_decision_needs_a_comment_and_a_level_on_the_scale(ws, capsys):
    assert main(["jury", "decide", "-w", str(ws.root), "c02", "A4C5", "super", "--comment", "x"]) == 2
    assert "hors échelle" in capsys.readouterr().err
    assert main(["jury", "decide", "-w", str(ws.root), "c02", "A4C5", "acquis", "--comment", " "]) == 2
    assert "commentaire obligatoire" in capsys.readouterr().err
    assert main(["jury", "decide", "-w", str(ws.root), "c01", "A4C8", "acquis", "--comment", "x"]) == 2
    assert "dispensé" in capsys.readouterr().err


def test_exempt_competency_does_not_block_the_block_and_a_third_extension_shows_everywhere(ws):
    roster = roster_of(ws)
    first, second = export(ws, team_ids=["t1"])
    for path in (first, second):
        fill(path, {}, default=ACQUIS)
        import_files(ws, [path])
    c01 = candidate_result(roster, "c01", load_marks(ws, "t1", roster.team("t1").jurors), load_decisions(ws, "t1"))
    assert c01.competencies["A4C8"].level == "dispensé" and c01.competencies["A4C8"].exempt
    assert c01.blocks["A4"].status == "validé" and c01.blocks["A4"].assessed == 12

    # deadline: 01/12 09:00 + 30 h = 02/12 15:00; plus a third of 30 h = 03/12 01:00
    deadline = "03/12/2026 à 01:00"
    assert deadline in _value(first, "c01", "A3") and "tiers" in _value(first, "c01", "A3")
    assert "02/12/2026 à 15:00" in _value(first, "c02", "A3")
    assert "A4C8" in _value(first, "c01", "A5")
    assert _value(first, "c01", cell_of(first, "c01", "A4C8")) == "dispensé"
    from mspr.report import report
    report(ws, pdf=False)
    page = ws.candidate_report("c01").read_text(encoding="utf-8")
    assert deadline in page and "40 min" in page and "Dispensé(e)" in page
    assert deadline in (ws.report_dir / "index.html").read_text(encoding="utf-8")
    from openpyxl import load_workbook
    summary = load_workbook(ws.cohort_workbook)["Synthèse"]
    rows = {r[0]: r for r in summary.iter_rows(values_only=True)}
    header = list(rows["Candidat"])
    assert deadline in rows["c01"][header.index("Fin du temps de préparation")]
    assert rows["c01"][header.index("A4C8")] == "dispensé" and rows["c01"][header.index("Bloc A4")] == "validé"


def test_workbook_cells_are_locked_except_levels_and_comments_with_a_level_list(ws):
    from openpyxl import load_workbook
    path = export(ws, team_ids=["t1"])[0]
    sheet = load_workbook(path)["c02"]
    assert sheet.protection.sheet
    level = cell_of(path, "c02", "A1C6")
    evidence = "D" + level[1:]
    assert sheet[level].protection.locked is False and sheet[evidence].protection.locked is not False
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert lists and '"non acquis,en cours d\'acquisition,acquis"' == lists[0].formula1
    assert any(level in str(dv.sqref) for dv in lists)
    auto = cell_of(path, "c02", "A1C6.pii_columns", 4)
    assert "1 / 1" in sheet[auto].value  # French points, with the evidence


def test_a_file_for_another_team_or_a_renamed_sheet_is_refused(ws):
    path = export(ws, team_ids=["t1"])[0]
    from openpyxl import load_workbook
    wb = load_workbook(path)
    wb["c02"].title = "c09"
    wb.save(path)
    with pytest.raises(MsprError) as err:
        import_files(ws, [path])
    assert "feuille « c09 »" in err.value.format()
    assert main(["jury", "import", "-w", str(ws.root), str(ws.root / "absent.xlsx")]) == 2


def test_jury_commands_without_roster_say_where_to_write_it(tmp_path, capsys):
    ws = Workspace(tmp_path / "ws")
    assert main(["jury", "export", "-w", str(ws.root)]) == 2
    err = capsys.readouterr().err
    assert "roster du jury introuvable" in err and str(ws.roster_path) in err


def test_jury_export_and_import_from_the_command_line(ws, capsys):
    assert main(["jury", "export", "-w", str(ws.root), "--team", "t1"]) == 0
    assert "jmartin.xlsx" in capsys.readouterr().out
    path = ws.jury_export("t1", "jmartin")
    fill(path, {}, default=ACQUIS)
    assert main(["jury", "import", "-w", str(ws.root), str(path)]) == 0
    out = capsys.readouterr().out
    assert "Importé : équipe t1, juré jmartin" in out and "Aucun désaccord" in out
    assert main(["jury", "disagreements", "-w", str(ws.root)]) == 0


# -- found while verifying issue 7 as a juror ---------------------------------------------------

def test_a_decision_without_comment_names_the_real_option(ws, capsys):
    assert main(["jury", "decide", "-w", str(ws.root), "c02", "A4C5", "acquis", "--comment", " "]) == 2
    err = capsys.readouterr().err
    assert "--comment" in err and "--commentaire" not in err  # the option the hint names must exist


def test_the_cohort_page_gives_no_points_to_a_submission_not_graded(tmp_path):
    import os
    import re

    from mspr.grading import SubmissionGrade
    from mspr.report import report

    ws = Workspace(tmp_path / "ws")
    write_roster(ws)
    submit_folder(ws, "t1", "a1_cadrage")  # rendu, non corrigé
    write_grade(ws, SubmissionGrade("t1", "a3_deploiement", False, [], {}, "", grader_error="Trace\nKeyError: x"))
    write_grade(ws, full_grade("t1", "a4_pilotage", 0.5))  # graded, then submitted again
    submit_folder(ws, "t1", "a4_pilotage")
    (ws.submitted("t1", "a4_pilotage") / "timestamp.txt").write_text("later", encoding="utf-8")
    os.utime(ws.grades("t1", "a4_pilotage"), (1, 1))
    report(ws, pdf=False)
    page = (ws.report_dir / "index.html").read_text(encoding="utf-8")
    for block, assignment in (("A1", "a1_cadrage"), ("A3", "a3_deploiement"), ("A4", "a4_pilotage")):
        row = re.search(rf'<th scope="row">{block} \({assignment}\)</th>(.*?)</tr>', page, re.S).group(1)
        points = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert points and points[0].startswith("–"), (block, row)  # no score until graded
    scores = (ws.report_dir / "scores.csv").read_text(encoding="utf-8").splitlines()
    a4 = [line for line in scores if line.startswith("t1,A4C1,A4C1.") and ",auto," in line]
    assert a4 and all(",auto,," in line for line in a4), a4  # the old grade's points are not reported


def test_the_workbook_shows_every_answer_judged_by_shared_criteria(ws):
    from openpyxl import load_workbook

    write_grade(ws, full_grade("t1", "a1_cadrage", answers={"A1C2-note_de_cadrage": "**Contexte** : la note"}))
    path = export(ws, team_ids=["t1"])[0]
    sheet = load_workbook(path)["c02"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert any("[A1C2-note_de_cadrage] **Contexte** : la note" in t for t in texts)


def test_the_graded_notebook_page_has_french_prompts(tmp_path):
    import nbformat

    from mspr.jury.notebook import render_notebook

    ws = Workspace(tmp_path / "ws")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 2", execution_count=3)
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "3"}, execution_count=3)]
    nb.cells = [cell]
    folder = ws.autograded("t1", "a4_pilotage")
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "a4_pilotage.ipynb")
    page = render_notebook(ws, "t1", "a4_pilotage").read_text(encoding="utf-8")
    assert "Entrée" in page and "Sortie" in page and "Out[" not in page


def test_an_import_that_empties_recorded_levels_or_lacks_a_candidate_says_so(ws, capsys):
    import shutil

    path = export(ws, team_ids=["t1"])[0]
    blank = path.with_name("vierge.xlsx")
    shutil.copyfile(path, blank)  # the juror's untouched export, sent back by mistake later
    fill(path, {("c02", "A2C3"): ("en cours d'acquisition", "livrable incomplet")}, default=ACQUIS)
    assert main(["jury", "import", "-w", str(ws.root), str(path)]) == 0
    capsys.readouterr()

    assert main(["jury", "import", "-w", str(ws.root), str(blank)]) == 0
    out = capsys.readouterr().out
    assert "Attention : 69 niveau(x)" in out and "retirés : c01 A1C1" in out, out  # not a silent « 0 niveau(x) »
    assert "archive" in out

    from openpyxl import load_workbook
    wb = load_workbook(path)
    del wb["c01"]
    wb.save(path)
    assert main(["jury", "import", "-w", str(ws.root), str(path)]) == 0
    out = capsys.readouterr().out
    assert "aucune feuille pour c01" in out and "Alice Leroy" in out, out


def test_the_cohort_workbook_holds_points_as_numbers(ws):
    from openpyxl import load_workbook

    from mspr.grading import SubmissionGrade
    from mspr.report import report

    write_grade(ws, full_grade("t1", "a2_conception", 0.5))
    write_grade(ws, SubmissionGrade("t1", "a3_deploiement", False, [], {}, "", grader_error="Trace\nKeyError: x"))
    report(ws, pdf=False)
    rows = {(r[0], r[1]): r for r in load_workbook(ws.cohort_workbook)["Points automatiques"].iter_rows(
        min_row=2, values_only=True)}
    a2c6 = rows[("t1", "A2C6")]
    assert a2c6[2] == 2 and a2c6[3] == 4  # numbers, not the text « 2 » (a spreadsheet cannot add text up)
    assert rows[("t1", "A3C3")][2] is None and rows[("t1", "A3C3")][4] == GRADER_ERROR  # no score, not « – »


def test_french_help_and_roster_hint(tmp_path, capsys):
    assert main(["jury", "decide", "--help"]) == 0
    out = capsys.readouterr().out
    assert "[obligatoire]" in out and "required" not in out, out
    assert main(["jury", "export", "-w", str(tmp_path / "ws")]) == 2
    assert "docs/jury.md" in capsys.readouterr().err  # a trainer reads the guide, not mspr/jury/roster.py


def test_a_roster_with_one_juror_says_how_many_are_needed_not_empty_list(tmp_path):
    lines = [line for line in ROSTER.splitlines(keepends=True) if "pdurand, nom" not in line and "lpetit, nom" not in line]
    path = tmp_path / "roster.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(MsprError) as err:
        load_roster(path)
    message = err.value.format()
    assert "ligne 6 (jures) : 1 élément ; il en faut au moins 2" in message and "liste vide" not in message, message


def test_a_yaml_syntax_error_is_explained_in_french(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER.replace("  - {id: jmartin", "\t- {id: jmartin", 1), encoding="utf-8")
    with pytest.raises(MsprError) as err:
        load_roster(path)
    message = err.value.format()
    assert "tabulation interdite" in message and "cannot start any token" not in message, message


@pytest.mark.parametrize("marked, jurors, phrase", [
    (0, 2, "aucun des 2 jurés n'a encore noté"),
    (1, 2, "1 juré sur 2 a noté"),
    (2, 3, "2 jurés sur 3 ont noté"),
])
def test_pending_marks_are_counted_in_correct_french(marked, jurors, phrase):
    from mspr.jury.records import _who_marked
    assert _who_marked(marked, jurors) == phrase


@pytest.mark.parametrize("name, expected", [
    ("Élodie Roux", "d’Élodie Roux"), ("Alice Leroy", "d’Alice Leroy"), ("Bruno Caron", "de Bruno Caron"),
    ("Hugo Blanc", "de Hugo Blanc"), ("Yasmine Ali", "d’Yasmine Ali"),
])
def test_de_is_elided_before_a_vowel(name, expected):
    from mspr.jury.fmt import fr_de
    assert fr_de(name) == expected


def test_a_grid_whose_identity_sheet_was_edited_is_refused(ws):
    from openpyxl import load_workbook

    from mspr.jury.workbook import META_SHEET
    path = export(ws, team_ids=["t1"])[0]
    fill(path, {}, default=ACQUIS)
    wb = load_workbook(path)
    meta = wb[META_SHEET]
    row = next(r for r in meta.iter_rows() if r[0].value == "juror_id")
    other = "pdurand" if row[1].value == "jmartin" else "jmartin"
    row[1].value = other  # a juror signs as the other juror of the team
    wb.save(path)
    with pytest.raises(MsprError) as err:
        import_files(ws, [path])
    assert "modifiée" in err.value.format()
    assert not ws.jury_marks("t1", other).exists()


def test_an_older_grid_does_not_replace_newer_levels_unless_asked(ws, capsys):
    import shutil
    old = export(ws, team_ids=["t1"])[0]
    fill(old, {("c02", "A2C3"): ("non acquis", "première lecture")}, default=ACQUIS)
    kept_old = old.with_name("ancienne.xlsx")
    shutil.copyfile(old, kept_old)
    new = export(ws, team_ids=["t1"])[0]
    assert new == old  # the same juror's grid, exported again later
    fill(new, {}, default=ACQUIS)
    import_files(ws, [new])
    with pytest.raises(MsprError) as err:
        import_files(ws, [kept_old])
    assert "avant celle déjà importée" in err.value.format() and "--allow-older" in err.value.format()
    juror = new.stem
    assert load_marks(ws, "t1", [juror])[juror]["candidates"]["c02"]["competencies"]["A2C3"]["level"] == "acquis"
    assert main(["jury", "import", "-w", str(ws.root), "--allow-older", str(kept_old)]) == 0
    assert load_marks(ws, "t1", [juror])[juror]["candidates"]["c02"]["competencies"]["A2C3"]["level"] == "non acquis"
