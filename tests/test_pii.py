"""French personal-data detection: key checks and the Presidio analyzer."""

from __future__ import annotations

import pandas as pd
import pytest

from mspr import pii
from mspr.case import identifiers

# Hand-computed NIR keys (key = 97 − body mod 97, INSEE):
#   body 1 85 03 75 123 456 → 1850375123456 = 97 × 19076032200 + 56
#   (97 × 19076032200 = 1907603220000 − 57228096600 = 1850375123400),
#   so key = 97 − 56 = 41.
VALID_NIR = "1 85 03 75 123 456 41"
WRONG_KEY_NIR = "1 85 03 75 123 456 42"
# Corsica: 2 90 12 2A 004 017 is computed as 2901219004017 (2A → 19)
#   = 97 × 29909474268 + 21 (97 × 29909474268 = 2990947426800 − 89728422804
#   = 2901219003996), so key = 97 − 21 = 76.
#   Read as 2B (→ 18) the body is 10^6 smaller; 10^6 ≡ 27 (mod 97), so the
#   remainder is 21 − 27 ≡ 91 and the key 97 − 91 = 6.
CORSICA_2A_NIR = "2 90 12 2A 004 017 76"
CORSICA_2B_NIR = "2 90 12 2B 004 017 06"


@pytest.fixture(scope="session")
def analyzer():
    return pii.build_analyzer()


def entities(analyzer, text):
    return {(r.entity_type, text[r.start : r.end]) for r in analyzer.analyze(text, language="fr")}


# -- key checks -------------------------------------------------------------

def test_nir_key_matches_hand_computation():
    assert identifiers.nir_key("1850375123456") == 41


def test_nir_valid_and_wrong_key():
    assert identifiers.is_valid_nir(VALID_NIR)
    assert identifiers.is_valid_nir(VALID_NIR.replace(" ", ""))
    assert not identifiers.is_valid_nir(WRONG_KEY_NIR)


@pytest.mark.parametrize("text", ["", "1 85 03 75 123 456", "5 85 03 75 123 456 41", "185037512345641X"])
def test_nir_malformed(text):
    assert not identifiers.is_valid_nir(text)


def test_nir_corsica_rule():
    assert identifiers.nir_key("2 90 12 2A 004 017") == 76
    assert identifiers.nir_key("2 90 12 2B 004 017") == 6
    assert identifiers.is_valid_nir(CORSICA_2A_NIR)
    assert identifiers.is_valid_nir(CORSICA_2B_NIR)
    # the 2A key does not validate the same number in 2B, and vice versa
    assert not identifiers.is_valid_nir(CORSICA_2A_NIR.replace("2A", "2B"))
    assert not identifiers.is_valid_nir(CORSICA_2B_NIR.replace("2B", "2A"))


# SIREN 732 829 320, Luhn from the right, every second digit doubled:
#   0 + (2×2=4) + 3 + (9×2=18→9) + 2 + (8×2=16→7) + 2 + (3×2=6) + 7 = 40 ≡ 0.
def test_siren_luhn():
    assert identifiers.is_valid_siren("732 829 320")
    assert not identifiers.is_valid_siren("732 829 321")  # sum 41
    assert not identifiers.is_valid_siren("73282932")  # 8 digits


# SIRET 732 829 320 00074: the SIREN part contributes 40 with the doubling
# shifted by 5 positions: (3×2=6)+2+(8×2=16→7)+2+(9×2=18→9)+2+(3×2=6)+7 = 41…
# recomputed from the right: 4 + (7×2=14→5) + 0 + 0 + 0 + 0 + 2 + (3×2=6)
#   + 9 + (2×2=4) + 8 + (2×2=4) + 3 + (7×2=14→5) = 50 ≡ 0.
def test_siret_luhn_and_la_poste():
    assert identifiers.is_valid_siret("732 829 320 00074")
    assert not identifiers.is_valid_siret("732 829 320 00075")
    # La Poste 356 000 000 00001: Luhn sum 1+0+…+(6×2=12→3)+5+(3×2=6) = 15,
    # not a multiple of 10, but the digit sum 3+5+6+1 = 15 is a multiple of 5.
    assert not identifiers.luhn_is_valid("35600000000001")
    assert identifiers.is_valid_siret("356 000 000 00001")
    assert not identifiers.is_valid_siret("356 000 000 00002")  # digit sum 16, Luhn 16
    # the exception is La Poste's only
    assert not identifiers.is_valid_siret("732 829 320 00001")


# -- recognizers ------------------------------------------------------------

def test_recognizer_validate_result():
    assert pii.FrNirRecognizer().validate_result(VALID_NIR)
    assert not pii.FrNirRecognizer().validate_result(WRONG_KEY_NIR)
    assert pii.FrSirenRecognizer().validate_result("732829320")
    assert not pii.FrSiretRecognizer().validate_result("73282932000075")


def test_analyzer_is_french_only_and_cached(analyzer):
    assert pii.build_analyzer() is analyzer
    assert analyzer.supported_languages == ["fr"]
    names = {type(r).__name__ for r in analyzer.registry.recognizers}
    assert "MedicalLicenseRecognizer" not in names
    assert not any(name.startswith("Us") for name in names)
    assert {"FrNirRecognizer", "FrSirenRecognizer", "FrSiretRecognizer"} <= names


def test_analyzer_finds_french_personal_data(analyzer):
    text = (
        "Bonjour, je suis joignable au 06 12 34 56 78 ou par courriel à "
        "claire.morel@exemple.fr. Mon numéro de sécurité sociale est "
        f"{VALID_NIR} et mon IBAN FR76 3000 6000 0112 3456 7890 189."
    )
    found = entities(analyzer, text)
    assert ("PHONE_NUMBER", "06 12 34 56 78") in found
    assert ("EMAIL_ADDRESS", "claire.morel@exemple.fr") in found
    assert ("FR_NIR", VALID_NIR) in found
    assert ("IBAN_CODE", "FR76 3000 6000 0112 3456 7890 189") in found


def test_analyzer_rejects_nir_with_wrong_key(analyzer):
    compact = WRONG_KEY_NIR.replace(" ", "")
    assert len(compact) == 15
    found = entities(analyzer, f"Numéro de sécurité sociale : {compact}")
    assert not any(entity == "FR_NIR" for entity, _ in found)
    found = entities(analyzer, f"Numéro de sécurité sociale : {VALID_NIR.replace(' ', '')}")
    assert ("FR_NIR", VALID_NIR.replace(" ", "")) in found


def test_analyzer_finds_corsican_nir(analyzer):
    found = entities(analyzer, f"NIR de l'assurée : {CORSICA_2A_NIR}")
    assert ("FR_NIR", CORSICA_2A_NIR) in found


# -- table audit ------------------------------------------------------------

def test_audit_dataframe(analyzer):
    df = pd.DataFrame(
        {
            "id": range(40),
            "courriel": [f"adherent{i}@exemple.fr" for i in range(40)],
            "nir": [VALID_NIR if i % 4 == 0 else "" for i in range(40)],
            "statut": ["actif"] * 40,
        }
    )
    report = pii.audit_dataframe(df, analyzer=analyzer, sample=20, min_ratio=0.5)
    assert list(report.columns) == ["column", "entity_type", "ratio", "n_hits", "n_cells", "example"]
    rows = {(r.column, r.entity_type): r for r in report.itertuples()}
    assert rows[("courriel", "EMAIL_ADDRESS")].ratio == 1.0
    assert rows[("courriel", "EMAIL_ADDRESS")].n_cells == 20
    # empty cells are not counted: 10 non-empty NIR cells, all valid
    assert rows[("nir", "FR_NIR")].n_cells == 10
    assert rows[("nir", "FR_NIR")].example == VALID_NIR
    assert "id" not in set(report["column"])  # not a text column
    assert "statut" not in set(report["column"])


def test_audit_dataframe_is_deterministic_and_filters(analyzer):
    df = pd.DataFrame({"courriel": [f"a{i}@exemple.fr" if i % 3 else "aucun" for i in range(90)]})
    first = pii.audit_dataframe(df, analyzer=analyzer, sample=30, seed=3, min_ratio=0)
    second = pii.audit_dataframe(df, analyzer=analyzer, sample=30, seed=3, min_ratio=0)
    pd.testing.assert_frame_equal(first, second)
    ratio = first.set_index("entity_type").loc["EMAIL_ADDRESS", "ratio"]
    assert 0.4 < ratio < 0.95
    assert pii.audit_dataframe(df, analyzer=analyzer, sample=30, seed=3, min_ratio=0.99).empty
