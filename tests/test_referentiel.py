"""Tests for mspr.referentiel: the packaged YAML against the RNCP référentiel seed, and validation."""

from __future__ import annotations

import copy
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from mspr.errors import MsprError
from mspr.referentiel import DEFAULT_PATH, Referentiel

# The seed (the RNCP référentiel as text) is copied in the repository so the
# tests never depend on where shared/ lies; the copy is checked against
# shared/ whenever shared/ is beside the repository.
SEED = Path(__file__).resolve().parent / "data" / "referentiel_seed.txt"
SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_c8e0e8b05d8a13cb.txt"


def test_seed_copy_is_the_shared_seed():
    if not SHARED_SEED.is_file():
        pytest.skip(f"{SHARED_SEED} is not beside the repository")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


# The number of competencies per block, counted by hand in the seed.
EXPECTED_CODES = (
    [f"A1C{n}" for n in range(1, 8)]
    + [f"A2C{n}" for n in range(1, 10)]
    + [f"A3C{n}" for n in range(1, 7)]
    + [f"A4C{n}" for n in range(1, 14)]
)


@pytest.fixture(scope="module")
def ref() -> Referentiel:
    return Referentiel.load()


def all_competencies(ref: Referentiel):
    """Every competency of the tree, duplicates included (unlike ``ref.competencies``)."""
    return [c for b in ref.blocks for a in b.activities for c in a.competencies]


def texts(ref: Referentiel, code: str) -> list[str]:
    return [cr.text for cr in ref.competency(code).criteria]


# -- (a) codes: the seed, parsed independently, against the référentiel ----------------


def test_codes_match_the_seed(ref):
    seed_codes = re.findall(r"\bA[1-4]C\d+\b", SEED.read_text(encoding="utf-8"))
    assert "A4C7" in seed_codes  # written "A4C7." in the seed
    codes = [c.code for c in all_competencies(ref)]
    assert list(dict.fromkeys(seed_codes)) == codes  # same set, same order
    assert all(n == 1 for n in Counter(codes).values())


def test_codes_are_the_35_expected(ref):
    assert ref.codes() == EXPECTED_CODES
    assert [c.code for c in all_competencies(ref)] == EXPECTED_CODES


# -- (b), (c) criteria ------------------------------------------------------------------


def test_each_competency_has_consecutive_criteria(ref):
    for competency in all_competencies(ref):
        ids = [cr.id for cr in competency.criteria]
        assert ids, competency.code
        assert ids == [f"{competency.code}.{n}" for n in range(1, len(ids) + 1)]
        assert {cr.competency for cr in competency.criteria} == {competency.code}


def test_criteria_lists_everything_in_order(ref):
    ids = [cr.id for cr in ref.criteria()]
    assert len(ids) == len(set(ids)) == sum(len(c.criteria) for c in all_competencies(ref))
    assert ids[:2] == ["A1C1.1", "A1C1.2"]
    assert ids[-1].startswith("A4C13.")


# -- (d) spot checks, hand-verified against the seed -------------------------------------


def test_a1c1_groups_and_standalone_lines(ref):
    criteria = ref.competency("A1C1").criteria
    assert len(criteria) == 13
    assert (criteria[0].text, criteria[0].group) == ("Maîtrise des connaissances associées", None)
    assert criteria[1].group == "Cohérence de la note de cadrage au regard du besoin client"
    assert criteria[1].text == "Les contextes et les enjeux sont présentés et cohérents"
    assert criteria[-1].text == "Opérationnalité de l’analyse" and criteria[-1].group is None
    # a heading is the group of its bullets, never a criterion itself
    assert "Qualité de la note de cadrage" not in texts(ref, "A1C1")
    assert [cr.group for cr in criteria].count("Qualité de la note de cadrage") == 3


def test_a1c6_mentions_rgpd(ref):
    assert any("respect des règles RGPD" in t for t in texts(ref, "A1C6"))
    assert texts(ref, "A1C6")[0] == "Méthodologie adaptée d’audit des données"


def test_a4c1_mentions_critical_path(ref):
    assert any("chemin critique" in t for t in texts(ref, "A4C1"))


@pytest.mark.parametrize(
    "codes",
    [("A1C1", "A1C2", "A1C3"), ("A2C4", "A2C5", "A2C6"), ("A3C5", "A3C6")],
)
def test_shared_cells_are_copied_to_each_code(ref, codes):
    first = [(cr.group, cr.text) for cr in ref.competency(codes[0]).criteria]
    assert len(first) >= 3
    for code in codes[1:]:
        assert [(cr.group, cr.text) for cr in ref.competency(code).criteria] == first
        assert ref.competency(code).criteria[0].id == f"{code}.1"


def test_waiver_notes_are_not_criteria(ref):
    assert ref.competency("A4C8").note.startswith("Ce critère d’évaluation ne sera pas pris en compte")
    assert ref.competency("A4C11").note.startswith("Ce critère d’évaluation ne sera pas pris en compte")
    assert not any(cr.text.startswith("Ce critère") for cr in ref.criteria())


def test_sub_situations_keep_the_parent_title(ref):
    activity = next(a for a in ref.blocks[1].activities if a.code == "A2T1S1")
    assert activity.title == "Collecte et traitement des données"
    assert activity.parent_title.startswith("Conception de l’architecture des données")
    assert [c.code for c in activity.competencies] == ["A2C1"]


# -- API ---------------------------------------------------------------------------------


def test_block_of_competency_and_criterion(ref):
    assert ref.block_of("A4C5").code == "A4"
    assert ref.block_of("A4C5.2").code == "A4"
    assert ref.block_of("A1C7.1").code == "A1"
    with pytest.raises(KeyError, match="A4C5.99"):
        ref.block_of("A4C5.99")


def test_unknown_competency_raises_key_error(ref):
    with pytest.raises(KeyError, match="A9C1"):
        ref.competency("A9C1")


def test_default_load_is_cached():
    assert Referentiel.load() is Referentiel.load()
    assert Referentiel.load(DEFAULT_PATH) is not Referentiel.load()
    assert Referentiel.load(DEFAULT_PATH) == Referentiel.load()


# -- (e) malformed files -------------------------------------------------------------------


def _first_competency(data):
    return data["blocks"][0]["activities"][0]["competencies"][0]


def _unknown_key(data):
    _first_competency(data)["weight"] = 2


def _bad_code(data):
    _first_competency(data)["code"] = "A1X1"


def _missing_criteria(data):
    del _first_competency(data)["criteria"]


def _empty_criteria(data):
    _first_competency(data)["criteria"] = []


def _gap_in_ids(data):
    _first_competency(data)["criteria"][1]["id"] = "A1C1.5"


def _duplicate_code(data):
    competencies = data["blocks"][0]["activities"][0]["competencies"]
    competencies.append(copy.deepcopy(competencies[0]))


def _wrong_block(data):
    moved = data["blocks"][1]["activities"][0]["competencies"].pop(0)  # A2C1
    data["blocks"][0]["activities"][0]["competencies"].append(moved)


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (_unknown_key, "competencies[1].weight"),
        (_bad_code, "competencies[1].code"),
        (_missing_criteria, "competencies[1].criteria"),
        (_empty_criteria, "competencies[1].criteria"),
        (_gap_in_ids, "A1C1.5"),
        (_duplicate_code, "en double : A1C1"),
        (_wrong_block, "A2C1 n'appartient pas au bloc A1"),
    ],
)
def test_malformed_yaml_raises_mspr_error(tmp_path, mutate, expected):
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "referentiel.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(MsprError) as info:
        Referentiel.load(path)
    assert info.value.path == path
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_invalid_yaml_syntax_raises_mspr_error(tmp_path):
    path = tmp_path / "referentiel.yaml"
    path.write_text("blocks: [unclosed\n", encoding="utf-8")
    with pytest.raises(MsprError, match="syntaxe YAML") as info:
        Referentiel.load(path)
    assert info.value.path == path


def test_missing_file_raises_mspr_error(tmp_path):
    path = tmp_path / "absent.yaml"
    with pytest.raises(MsprError) as info:
        Referentiel.load(path)
    assert str(path) in str(info.value)
