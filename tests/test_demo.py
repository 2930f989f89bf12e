"""End to end: the demo on the default case, graded through the real path.

One demo run (session fixture, a few minutes) backs every test here: the
three simulated teams are executed by nbgrader in the sandbox and scored by
the auto checks, exactly as any team would be.
"""

import csv
import json
import os
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from mspr.case import load_case_spec
from mspr.casecheck import identifier_failures, judge, release_leaks
from mspr.grading import autograde
from mspr.paths import ASSIGNMENTS, DEFAULT_CASE, Workspace
from mspr.referentiel import Referentiel
from mspr.submissions import submit


@pytest.fixture(scope="session")
def ws(demo_ws) -> Workspace:
    return demo_ws  # built once per session in conftest.py, shared with other test modules


@pytest.fixture(scope="session")
def scores(ws) -> list[dict]:
    with (ws.report_dir / "scores.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def auto_rows(scores, team):
    return [r for r in scores if r["team_id"] == team and r["kind"] == "auto"]


def test_scores_csv_has_the_contract_columns(ws):
    header = (ws.report_dir / "scores.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "team_id,competency,criterion_id,kind,score,max_score"


def test_ref_gets_full_marks_on_every_auto_row(scores):
    rows = auto_rows(scores, "ref")
    assert rows
    not_full = [(r["criterion_id"], r["score"], r["max_score"]) for r in rows if float(r["score"]) != float(r["max_score"])]
    assert not not_full


def test_blank_gets_zero_on_every_auto_row_and_was_executed(ws, scores):
    rows = auto_rows(scores, "blank")
    assert rows and all(float(r["score"]) == 0 for r in rows)
    for assignment_id in ASSIGNMENTS:  # zero because nothing was answered, not because the run failed
        grade = json.loads(ws.grades("blank", assignment_id).read_text(encoding="utf-8"))
        assert grade["executed"], (assignment_id, grade["log"])
        # Nothing recorded, or a deliverable file the blank notebook never wrote.
        assert all("aucune réponse" in c["evidence"] or "introuvable" in c["evidence"] for c in grade["checks"])


def test_partial_lies_strictly_between(scores):
    total = {team: sum(float(r["score"]) for r in auto_rows(scores, team)) for team in ("ref", "blank", "partial")}
    assert total["blank"] < total["partial"] < total["ref"]
    partial = auto_rows(scores, "partial")
    assert any(float(r["score"]) == float(r["max_score"]) for r in partial)
    assert any(float(r["score"]) < float(r["max_score"]) for r in partial)


def test_rows_cover_the_referentiel_and_all_four_blocks(scores):
    referentiel = Referentiel.load()
    codes = set(referentiel.competencies)
    assert {r["competency"] for r in scores} <= codes
    for team in ("ref", "blank", "partial"):
        assert {r["competency"][:2] for r in auto_rows(scores, team)} == {"A1", "A2", "A3", "A4"}
        jury = [r for r in scores if r["team_id"] == team and r["kind"] == "jury"]
        assert [r["criterion_id"] for r in jury] == [c.id for c in referentiel.criteria()]
        assert all(r["score"] == "" for r in jury)
        for r in auto_rows(scores, team):
            assert r["criterion_id"].startswith(r["competency"] + ".")


def test_jury_report_shows_criteria_and_written_answers(ws):
    html = (ws.report_dir / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    for team in ("ref", "blank", "partial"):
        assert f'id="equipe-{team}"' in html
    a4c1 = Referentiel.load().competency("A4C1")
    assert a4c1.criteria[0].text.split("\n")[0][:40] in html.replace("&#39;", "'").replace("&#34;", '"')
    details = pd.read_csv(ws.report_dir / "details.csv", keep_default_na=False)
    ref_jury_a4c1 = details[(details.team_id == "ref") & (details.competency == "A4C1") & (details.kind == "jury")]
    assert ref_jury_a4c1.evidence.str.contains("[A4C1-", regex=False).all()
    blank_jury_a4c1 = details[(details.team_id == "blank") & (details.competency == "A4C1") & (details.kind == "jury")]
    assert blank_jury_a4c1.evidence.str.contains("(réponse non rédigée)", regex=False).all()


# -- what candidates receive and can reach ----------------------------------------------------

def _solution_lines(ws: Workspace) -> set[str]:
    """Non-trivial lines that the source notebooks write only between solution delimiters."""
    inside_lines, outside_lines = set(), set()
    for assignment_id in ASSIGNMENTS:
        nb = nbformat.read(ws.source(assignment_id) / f"{assignment_id}.ipynb", as_version=4)
        for cell in nb.cells:
            inside = False
            for line in cell.source.splitlines():
                if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                    inside = False
                elif len(line.strip()) > 25:
                    (inside_lines if inside else outside_lines).add(line.strip())
    # What the brief and the data say is public even when a solution quotes it.
    public = "\n".join(p.read_text(encoding="utf-8", errors="ignore") for a in ASSIGNMENTS
                       for p in ws.source(a).rglob("*") if p.is_file() and p.suffix != ".ipynb")
    # A solution line that a non-solution line contains (a loop header, the case's target label) is public too.
    return {line for line in inside_lines - outside_lines
            if line.lstrip("# ") not in public and not any(line in other for other in outside_lines)}


def test_the_default_case_passes_the_case_check(ws):
    points = judge(ws, load_case_spec(DEFAULT_CASE))
    assert [(p.label, p.detail) for p in points if not p.ok] == []
    partial = next(p for p in points if p.label.startswith("équipe fautive"))
    assert all(f in partial.detail for f in ("A1C6.pseudonymisation", "A2C1.leaky_column", "A3C3.served_predictions",
                                             "A4C1.project_duration"))


def test_the_case_check_sees_a_leak_and_an_invalid_identifier(ws, tmp_path):
    from mspr.case import GroundTruth

    truth = GroundTruth.load(ws.case.ground_truth)
    held = pd.read_csv(ws.case.holdout_labels, dtype=str)[truth.key].iloc[0]
    planted = ws.release("a1_cadrage") / "notes.md"
    planted.write_text(f"client {held}\n", encoding="utf-8")
    try:
        assert any(held in leak for leak in release_leaks(ws, truth))
    finally:
        planted.unlink()
    assert release_leaks(ws, truth) == []
    # A phone number outside the numbering plan, in a copy of the case build.
    import shutil

    from mspr.case import CaseLayout

    copy = CaseLayout(tmp_path / "case")
    shutil.copytree(ws.case.root, copy.root)
    table = copy.table(truth.main_table)
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    defective = {i for d in truth.defects for i in d.ids}
    row = next(i for i, key in enumerate(frame[truth.key]) if key not in defective)
    frame.loc[row, "telephone"] = "07 00 00 00 00"  # 0700 is not an allocated block (ARCEP)
    frame.to_csv(table, index=False, lineterminator="\n")
    checked, failures = identifier_failures(load_case_spec(DEFAULT_CASE), copy, truth)
    assert checked > 1000 and failures == ["adherents.telephone : '07 00 00 00 00'"]


def test_release_holds_no_solution_no_hidden_test_no_ground_truth(ws):
    release = ws.step_dir("release")
    files = [p for p in release.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {f"{a}.ipynb" for a in ASSIGNMENTS} <= names
    assert not names & {"ground_truth.json", "holdout_labels.csv", "holdout_features.csv", "gradebook.db"}
    text = "\n".join(p.read_text(encoding="utf-8", errors="ignore") for p in files)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "ground_truth", "holdout"):
        assert marker not in text
    solution = _solution_lines(ws)
    assert len(solution) > 10  # the check below is only meaningful if solutions were found
    assert not [line for line in solution if line in text]
    holdout_ids = pd.read_csv(ws.ground_truth_dir / "holdout_labels.csv").iloc[:, 0].astype(str)
    assert len(holdout_ids) > 0
    found = {i for i in holdout_ids if re.search(rf"\b{re.escape(i)}\b", text)}
    assert not found


SNOOP = r'''
import json, os
from pathlib import Path
SECRETS = {"ground_truth.json", "holdout_labels.csv", "holdout_features.csv", "gradebook.db"}
seen, found = 0, []
def look(folder, recursive):
    global seen
    try:
        walker = os.walk(folder) if recursive else [(folder, [], os.listdir(folder))]
        for base, _, files in walker:
            for name in files:
                seen += 1
                if name in SECRETS or "ground_truth" in name:
                    found.append(os.path.join(base, name))
    except OSError:
        pass
cwd = Path.cwd()
look(cwd, True)
for depth, parent in enumerate(cwd.parents):
    look(parent, recursive=depth < 3)   # the execution tree in full, then each ancestor's entries
env_hits = [k for k, v in os.environ.items() if any(s in v for s in ("ground_truth", "gradebook", "holdout", WS))]
import subprocess
detached = subprocess.Popen(["sleep", "300"], cwd="/", start_new_session=True)  # left behind on purpose
Path("fouille.json").write_text(json.dumps({"seen": seen, "found": found, "env": env_hits, "cwd": str(cwd),
                                            "detached_pid": detached.pid}))
'''


@pytest.fixture(scope="session")
def snoop(ws, tmp_path_factory) -> dict:
    """Submit the release of a4_pilotage plus a cell that hunts for secrets, and grade it."""
    import shutil

    folder = tmp_path_factory.mktemp("snoop") / "a4_pilotage"
    shutil.copytree(ws.release("a4_pilotage"), folder)
    nb = nbformat.read(folder / "a4_pilotage.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"WS = {str(ws.root)!r}\n" + SNOOP))
    nbformat.write(nb, folder / "a4_pilotage.ipynb")
    submit(ws, "snoop", "a4_pilotage", folder)
    autograde(ws, ["snoop"], ["a4_pilotage"])
    return json.loads((ws.autograded("snoop", "a4_pilotage") / "fouille.json").read_text())


def test_a_snooping_submission_finds_no_ground_truth(ws, snoop):
    assert snoop["seen"] > 3  # the search really ran
    assert not Path(snoop["cwd"]).is_relative_to(ws.root)
    assert snoop["found"] == [] and snoop["env"] == []


def test_processes_left_by_a_notebook_do_not_survive_grading(ws, snoop):
    from mspr.grading.sandbox import SANDBOX_UID_BASE, SLOTS, probe

    if probe().bwrap is None:  # the notebook's pid is the host's
        pid = snoop["detached_pid"]
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            state = "gone"
        assert state in ("gone", "Z"), f"process {pid} still running"
        return
    # In the sandbox the notebook sees its own pid namespace: the grade lists the
    # process as left running, and no process of a sandbox uid survives.
    grade = json.loads(ws.grades("snoop", "a4_pilotage").read_text(encoding="utf-8"))
    assert any("sleep 300" in line for line in grade["incidents"])
    uids = range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + SLOTS)
    survivors = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _uid(p) in uids and _orphaned(p)]
    assert survivors == []


def _uid(path: Path) -> int:
    try:
        return path.stat().st_uid
    except OSError:
        return -1


def _orphaned(path: Path) -> bool:
    """A sandbox process whose scratch folder is gone (live sandboxes of other gradings keep theirs)."""
    try:
        cwd = os.readlink(path / "cwd")
    except OSError:
        return False
    return cwd.endswith(" (deleted)") or not Path(cwd).exists()


def test_regrading_keeps_the_previous_grade(ws, snoop):
    before = ws.grades("snoop", "a4_pilotage").read_text(encoding="utf-8")
    autograde(ws, ["snoop"], ["a4_pilotage"])
    kept = [p.read_text(encoding="utf-8") for p in ws.archive_dir.glob("grades/snoop/a4_pilotage.*.json")]
    assert before in kept


def test_a_rewritten_load_test_table_is_caught_by_the_graders_remeasurement(ws):
    # The partial team divided its recorded latencies by 100 (demo.FAULTS): its claims match its table,
    # but the grader served the model again and measured latencies two orders of magnitude longer.
    def load_check(team):
        grade = json.loads(ws.grades(team, "a3_deploiement").read_text(encoding="utf-8"))
        return next(c for c in grade["checks"] if c["check_id"] == "A3C3.load_test_measures")

    def table_p50(team):
        table = pd.read_csv(ws.autograded(team, "a3_deploiement") / "test_charge" / "requetes.csv")
        return table["latence_ms"].median()

    assert table_p50("partial") < table_p50("ref") / 10  # the fault did rewrite the table
    ref, partial = load_check("ref"), load_check("partial")
    assert ref["score"] == ref["max_score"] and "re-mesure du correcteur" in ref["evidence"]
    assert partial["score"] == 0
    assert "ne correspond pas au modèle servi" in partial["evidence"]
    assert re.search(r"p50 du tableau [\d,]+ ms, re-mesuré par le correcteur [\d\s,]+ ms", partial["evidence"])
