"""The adversarial corpus (tests/adversarial/corpus.py), graded in one parallel run.

Every hostile or broken submission ends with its expected grade and a French
reason the jury can read; answers recorded before a crash count; the run goes
on; the bystander team (the reference solution, graded in the same run) keeps
full marks; nothing outside a submission's sandbox changes; grading a
submission again gives the same grade.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent / "adversarial"))

from cohort import MODEL_LIMITS, TEST_LIMITS, build_cohort  # noqa: E402
from corpus import A4_FULL, CASES, DEEP_LEVELS, Context  # noqa: E402

import mspr  # noqa: E402
from mspr._trees import remove_tree  # noqa: E402
from mspr.grading import autograde  # noqa: E402
from mspr.grading.sandbox import SANDBOX_UID_BASE, SLOTS, probe  # noqa: E402
from mspr.submissions import submit  # noqa: E402

pytestmark = pytest.mark.skipif(probe().bwrap is None or os.geteuid() != 0,
                                reason="needs bubblewrap and root (make installs bubblewrap)")

BYSTANDER = "adv-bystander"


def _sandbox_processes() -> list[int]:
    """Sandbox processes (slot uids) that outlived their scratch folder.

    Other gradings may run on the same machine (other checkouts, other
    sessions): their live sandboxes still have their scratch folder.
    """
    uids = range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + SLOTS)
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid in uids:
                    cwd = os.readlink(f"/proc/{pid}/cwd")
                    if cwd.endswith(" (deleted)") or not os.path.exists(cwd):
                        found.append(int(pid))
            except OSError:
                pass
    return found


#: Cases graded one after the other, in their order, by one grading process (hence in the same slot, same uid).
IN_ORDER = [c for c in CASES if c.extra.get("in_order")]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    ws = build_cohort(tmp_path_factory.mktemp("adversarial") / "ws")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    ctx = Context(ws.root, listener.getsockname()[1], Path(sys.prefix), Path(mspr.__file__).parent)
    build = tmp_path_factory.mktemp("build")
    submit(ws, BYSTANDER, "a4_pilotage", ws.source("a4_pilotage"))
    try:
        for case in CASES:
            folder = build / case.name / case.assignment
            base = ws.source(case.assignment) if case.base == "source" else ws.release(case.assignment)
            shutil.copytree(base, folder)
            nb = nbformat.read(folder / f"{case.assignment}.ipynb", as_version=4)
            out = case.make(folder, nb, ctx)
            if out is not None:
                nbformat.write(out, folder / f"{case.assignment}.ipynb")
            try:
                submit(ws, case.team, case.assignment, folder)
            except mspr.errors.MsprError:  # refused at submission: placed as if it came through another channel
                target = ws.submitted(case.team, case.assignment)
                target.parent.mkdir(parents=True, exist_ok=True)
                # cp, not shutil.copytree: a tree thousands of folders deep breaks Python's recursive copy
                subprocess.run(["cp", "-a", "--", str(folder), str(target)], check=True)
        protected = {p: p.read_bytes() for p in [ws.ground_truth_dir / "ground_truth.json", ws.gradebook_path,
                                                ws.submitted(BYSTANDER, "a4_pilotage") / "a4_pilotage.ipynb"]}
        teams = [BYSTANDER] + [c.team for c in CASES if c.assignment == "a4_pilotage" and c not in IN_ORDER]
        grades = autograde(ws, teams, ["a4_pilotage"], workers=2, limits=TEST_LIMITS)
        grades += autograde(ws, [c.team for c in CASES if c.assignment == "a2_conception"], ["a2_conception"],
                            workers=2, limits=MODEL_LIMITS)
        grades += autograde(ws, [c.team for c in CASES if c.assignment == "a1_cadrage"], ["a1_cadrage"],
                            workers=2, limits=MODEL_LIMITS)
        for case in IN_ORDER:  # one process, one slot: each graded after the one before it, under the same uid
            grades += autograde(ws, [case.team], [case.assignment], workers=1, limits=TEST_LIMITS)
        listener.close()
        yield {"ws": ws, "grades": {(g.team_id, g.assignment_id): g for g in grades}, "protected": protected,
               "ctx": ctx}
    finally:
        # pytest's own clean-up of old temporary folders (shutil.rmtree) would fail on the deep tree
        for case in CASES:
            if case.name == "arborescence-profonde":
                remove_tree(build / case.name)
                remove_tree(ws.submitted(case.team, case.assignment))


def _total(grade) -> float:
    return round(sum(c.score for c in grade.checks), 3)


def _seen(grade) -> str:
    return "\n".join([*grade.incidents, *grade.isolation, grade.log, *(c.evidence for c in grade.checks)])


def test_the_corpus_has_at_least_25_cases_with_distinct_names():
    assert len(CASES) >= 25 and len({c.name for c in CASES}) == len(CASES)


#: Cases whose grade is known to be wrong, not yet analysed: case name -> French reason (run as xfail).
KNOWN_GAPS: dict[str, str] = {}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_case_gets_its_grade_and_reason(corpus, case, request):
    if case.name in KNOWN_GAPS:
        request.applymarker(pytest.mark.xfail(reason=KNOWN_GAPS[case.name], strict=False))
    grade = corpus["grades"][(case.team, case.assignment)]
    assert grade.grader_error is None
    assert _total(grade) == case.expected, _seen(grade)
    assert case.reason.lower() in _seen(grade).lower(), _seen(grade)


def test_the_bystander_keeps_full_marks_and_nothing_protected_changed(corpus):
    assert _total(corpus["grades"][(BYSTANDER, "a4_pilotage")]) == A4_FULL
    for path, before in corpus["protected"].items():
        if path.name != "gradebook.db":
            assert path.read_bytes() == before, path
    ws = corpus["ws"]
    from mspr._trees import walk

    assert not [p for p, _, _ in walk(ws.root) if p[-1].startswith("pirate")]  # (rglob: RecursionError, deep tree)
    assert not list(Path(sys.prefix).glob("lib/python3.11/site-packages/pirate*"))
    assert not list(Path(mspr.__file__).parent.glob("pirate*"))
    assert not (ws.root.parent / "adv-bystander-reponses.json").exists()


def test_secrets_are_nowhere_in_the_sandbox(corpus):
    ws = corpus["ws"]
    for case in CASES:
        if case.name.startswith(("lit-", "lien-", "honnete")):
            found = json.loads((ws.autograded(case.team, case.assignment) / "fouille.json").read_text())["found"]
            secrets = [f for f in found if f.startswith(str(ws.root))
                       or any(s in f for s in ("ground_truth", "holdout", BYSTANDER))]
            assert not secrets, (case.name, found)


def test_network_is_only_the_sandbox_loopback(corpus):
    ws = corpus["ws"]
    result = json.loads((ws.autograded("adv-reseau", "a4_pilotage") / "reseau.json").read_text())
    assert result["hote"] != "connecté" and result["exterieur"] != "connecté" and result["dns"] != "résolu"


def test_writes_outside_the_folder_all_failed(corpus):
    ws = corpus["ws"]
    result = json.loads((ws.autograded("adv-ecrit-dehors", "a4_pilotage") / "ecritures.json").read_text())
    assert result and "écrit" not in result.values()


def test_no_sandbox_process_survives_the_run(corpus):
    assert _sandbox_processes() == []


def test_the_model_that_reads_the_labels_scores_its_real_predictions(corpus):
    grade = corpus["grades"][("adv-modele-lit-etiquettes", "a2_conception")]
    auc = next(c for c in grade.checks if c.check_id == "A2C6.holdout_auc")
    # it finds no label, so it answers the same for every row: a constant model earns no model-quality point
    assert auc.score == 0 and "prédictions constantes" in auc.evidence, auc.evidence


def test_the_deep_tree_reached_the_grader_and_only_its_first_levels_the_sandbox(corpus):
    ws = corpus["ws"]
    submitted = ws.submitted("adv-arborescence-profonde", "a4_pilotage") / "profond"
    depth, path = 0, str(submitted)
    while os.path.isdir(path := os.path.join(path, "d")):
        depth += 1
    assert depth == DEEP_LEVELS  # the submission itself is as deep as the case says
    executed = ws.autograded("adv-arborescence-profonde", "a4_pilotage") / "profond"
    depth, path = 0, str(executed)
    while os.path.isdir(path := os.path.join(path, "d")):
        depth += 1
    assert depth == 63  # "profond" is level 1: 64 levels copied, the rest left out
    assert (Path(path).parent / "niveau.txt").read_text() == "niveau 64\n"
    grade = corpus["grades"][("adv-arborescence-profonde", "a4_pilotage")]
    assert any("arborescence trop profonde (plus de 64 niveaux)" in i for i in grade.incidents), grade.incidents


def test_the_keyring_reader_ran_under_the_writer_s_uid_and_found_nothing(corpus):
    ws = corpus["ws"]
    writer, reader = (json.loads((ws.autograded(c.team, c.assignment) / "uid.json").read_text())["uid"]
                      for c in IN_ORDER)
    assert writer == reader  # the precondition of the attack: the same slot, the same per-uid keyring
    seen = json.loads((ws.autograded(IN_ORDER[1].team, "a4_pilotage") / "trousseau.json").read_text())
    assert seen["trouve"] is False and set(seen["erreurs"]) == {1}, seen  # EPERM: keyctl itself refused


def test_links_the_notebook_left_do_not_reach_host_files(corpus):
    from corpus import CANARIES

    for name, text in CANARIES.items():
        target = corpus["ws"].root.parent / name
        assert target.read_text(encoding="utf-8") == text, name  # not overwritten by the executed notebook
        assert target.stat().st_mode & 0o777 == 0o600, name  # not made world-readable by nbgrader's chmod


def test_grading_again_gives_the_same_grades(corpus, tmp_path):
    ws = corpus["ws"]
    # the deep tree's second grading: nothing of the first (scratch, staging) stops it
    again = ["adv-os-exit-fin", "adv-sortie-enorme", "adv-lit-par-proc", "adv-arborescence-profonde"]
    regraded = autograde(ws, again, ["a4_pilotage"], workers=2, limits=TEST_LIMITS, resume=False)
    for grade in regraded:
        first = corpus["grades"][(grade.team_id, grade.assignment_id)]
        assert [(c.check_id, c.score) for c in grade.checks] == [(c.check_id, c.score) for c in first.checks]
        assert grade.incidents == first.incidents
