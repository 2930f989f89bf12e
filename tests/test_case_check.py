"""`mspr case check` on every bundled case and on a case written from `mspr case new`.

Each check runs the whole pipeline (build, release, three simulated teams
graded by nbgrader in the sandbox): a few minutes per case on 2 cores. The
default case is checked on the demo's cohort in tests/test_demo.py.
"""


import pytest

from mspr.casecheck import check_case
from mspr.cli import main
from mspr.paths import DEFAULT_CASE

CASES = sorted(p.parent.name for p in (DEFAULT_CASE.parent).glob("*/case.yaml") if p.parent != DEFAULT_CASE)


def assert_passes(result):
    failed = [(p.label, p.detail) for p in result.points if not p.ok]
    assert not failed, failed
    labels = [p.label for p in result.points]
    assert len(labels) >= 8 and "équipe fautive : perd des points sur chaque critère visé, et seulement là" in labels


@pytest.mark.parametrize("case_id", CASES)
def test_bundled_case_passes_the_case_check(case_id, tmp_path):
    assert_passes(check_case(DEFAULT_CASE.parent / case_id, workdir=tmp_path, echo=lambda line: None))


def test_a_case_written_with_case_new_passes_the_case_check(tmp_path, capsys):
    folder = tmp_path / "atelier_velo"
    assert main(["case", "new", str(folder)]) == 0
    assert "mspr case check" in capsys.readouterr().out
    spec = folder / "case.yaml"
    text = spec.read_text(encoding="utf-8")
    # The trainer fills in the scaffold: another company, city and sector wording.
    for old, new in [("Campus Garonne Formation", "Atelier Vélo Solidaire"), ("Toulouse", "Bordeaux"),
                     ("formation professionnelle continue (organisme certifié Qualiopi)",
                      "formation aux métiers du cycle (association d'insertion)")]:
        assert old in text
        text = text.replace(old, new)
    spec.write_text(text, encoding="utf-8")
    assert_passes(check_case(folder, workdir=tmp_path / "essai", echo=lambda line: None))
    # A second `case new` into the same folder is refused and keeps the file.
    assert main(["case", "new", str(folder)]) == 2
    assert "Atelier Vélo Solidaire" in spec.read_text(encoding="utf-8")
