"""French identifiers (mspr.case.identifiers): validators on independent examples, generators on 10,000 draws."""

from __future__ import annotations

import datetime
import doctest

import numpy as np
import phonenumbers
import pytest

import mspr.case.identifiers
from mspr import pii
from mspr.case.identifiers import (
    VALIDATORS,
    email,
    format_nir,
    iban_fr,
    is_valid_email,
    is_valid_iban,
    is_valid_nir,
    is_valid_phone,
    is_valid_siren,
    is_valid_siret,
    luhn_check_digit,
    nir,
    nir_key,
    normalise_departement,
    phone_number,
    phone_zone,
    rib_key,
    siren,
    siret,
)
from mspr.errors import MsprError

N = 10_000
NBSP, NNBSP = "\u00a0", "\u202f"

#: The départements of mspr/case/data/communes.csv, plus a few others, one per zone at least.
DEPARTEMENTS = ["69", "42", "38", "01", "74", "75", "92", "93", "94", "44", "35", "29", "59", "62",
                "13", "06", "31", "33", "2A", "2B", "971", "972", "973", "974", "976", "67", "21"]
OVERSEAS_REGION = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT"}


def variants(text: str) -> list[str]:
    """The same identifier with the separators people and spreadsheets use."""
    return [text, text.replace(" ", NBSP), text.replace(" ", NNBSP), text.replace(" ", "-"),
            text.replace(" ", "."), text.replace(" ", "")]


# -- validators on examples from independent sources ------------------------------------------

# NIR keys (INSEE: key = 97 − body mod 97; Corsica 2A → 19, 2B → 18), checked by hand:
#   INSEE's published example 2 55 08 14 168 025 38.
#   1 85 03 75 123 456: 1850375123456 = 97 × 19076032200 + 56 → key 41 (tests/test_pii.py).
#   2 90 12 2A 004 017: 2901219004017 = 97 × 29909474268 + 21 → key 76; as 2B
#       (10^6 smaller, 10^6 ≡ 27 mod 97): remainder 21 − 27 ≡ 91 → key 6.
#   Guadeloupe, 3-digit département 971 and 2-digit commune 05: 1 80 05 971 05 123:
#       1800597105123 = 97 × 18562856753 + 82 (97 × 18562856753 = 1800597105041) → key 15.
VALID_NIRS = ["2 55 08 14 168 025 38", "1 85 03 75 123 456 41", "2 90 12 2A 004 017 76",
              "2 90 12 2B 004 017 06", "1 80 05 971 05 123 15"]
INVALID_NIRS = [
    "2 55 08 14 168 025 39",  # wrong key
    "1 85 03 75 123 456 42",  # wrong key
    "2 90 12 2B 004 017 76",  # 2A's key on 2B
    "5 85 03 75 123 456 41",  # sex 5 does not exist
    "1 85 13 75 123 456 41",  # month 13
    "1 85 03 75 123 456",     # no key
    "1 85 03 2C 123 456 41",  # not a Corsican code
    "",
]

# IBANs (ISO 13616 mod 97 = 1), published examples: the French IBAN of the Wikipedia and bank
# documentation examples (BBAN 30006 00001 12345678901 89), La Banque Postale's example with a
# letter in the account number (RIB key computed with M → 4), and the registry's German and
# British examples. The last French one differs from the first by its last digit.
VALID_IBANS = ["FR76 3000 6000 0112 3456 7890 189", "FR14 2004 1010 0505 0001 3M02 606",
               "DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32"]
INVALID_IBANS = ["FR76 3000 6000 0112 3456 7890 188", "FR77 3000 6000 0112 3456 7890 189",
                 "FR76 3000 6000 0112 3456 7890 18", "DE89 3704 0044 0532 0130 01", "FR", "76 3000"]

# SIRENs (Luhn), real companies: 732 829 320 (tests/test_pii.py), 552 100 554 (Luhn sum
# 4+1+5+0+0+2+2+1+5 = 20), 542 051 180 (0+7+1+2+5+0+2+8+5 = 30), La Poste 356 000 000
# (0+0+0+0+0+0+6+1+3 = 10).
VALID_SIRENS = ["732 829 320", "552 100 554", "542 051 180", "356 000 000"]
INVALID_SIRENS = ["732 829 321", "552 100 555", "73282932", "7328293200", "ABC DEF GHI", ""]

# SIRETs: 732 829 320 00074 (Luhn 50, tests/test_pii.py); La Poste's head office
# 356 000 000 00048 (Luhn: 8 + 8 + 3 + 5 + 6 = 30); La Poste 356 000 000 00001 fails Luhn
# (15) but its digit sum 3+5+6+1 = 15 is a multiple of 5 (La Poste's exception).
VALID_SIRETS = ["732 829 320 00074", "356 000 000 00048", "356 000 000 00001"]
INVALID_SIRETS = ["732 829 320 00075", "356 000 000 00002", "732 829 320 00001", "732 829 320", ""]

# Phone numbers: the ARCEP blocks reserved for fiction (01 99 00, 02 61 91, 03 53 01, 04 65 71,
# 05 36 49), mobiles, international format, overseas numbers (Guadeloupe 0590/0690, Réunion 0262).
VALID_PHONES = ["01 99 00 12 34", "02 61 91 12 34", "03 53 01 12 34", "04 65 71 12 34", "05 36 49 12 34",
                "06 12 34 56 78", "07 81 23 45 67", "+33 6 12 34 56 78", "+33 (0)4 72 10 30 30",
                "05 90 12 34 56", "06 90 12 34 56", "02 62 12 34 56", "+262 262 12 34 56"]
INVALID_PHONES = [
    "07 01 23 45 67",     # 070 not allocated
    "07 20 12 34 56",     # 072 not allocated
    "04 01 23 45 67",     # 040 not allocated
    "06 12 34 56",        # too short
    "06 12 34 56 78 9",   # too long
    "06 12 34 56 7A",
    "",
]

VALID_EMAILS = ["jean.dupont@exemple.fr", "j.le-gall42@orange.fr", "o'brien+mspr@example.co.uk",
                "  marie@laposte.net ", "\u00a0marie@laposte.net\u202f"]
INVALID_EMAILS = ["jean..dupont@exemple.fr", ".jean@exemple.fr", "jean.@exemple.fr", "jean@exemple",
                  "jean@-exemple.fr", "jean dupont@exemple.fr", "jéan@exemple.fr", "@exemple.fr",
                  "jean@exemple.f", "jean@@exemple.fr", "jean\u00a0dupont@exemple.fr", "a" * 65 + "@exemple.fr", ""]


@pytest.mark.parametrize("value", VALID_NIRS)
def test_valid_nirs(value):
    assert all(is_valid_nir(v) for v in variants(value)), value


@pytest.mark.parametrize("value", INVALID_NIRS)
def test_invalid_nirs(value):
    assert not is_valid_nir(value)


def test_nir_keys_by_hand():
    assert nir_key("2550814168025") == 38
    assert nir_key("2 90 12 2A 004 017") == 76 and nir_key("2 90 12 2B 004 017") == 6
    assert nir_key("1800597105123") == 15
    with pytest.raises(ValueError):
        nir_key("1 85 03 75 123")


@pytest.mark.parametrize("value", VALID_IBANS)
def test_valid_ibans(value):
    assert all(is_valid_iban(v) for v in variants(value)), value
    assert is_valid_iban(value.lower())


@pytest.mark.parametrize("value", INVALID_IBANS)
def test_invalid_ibans(value):
    assert not is_valid_iban(value)


def test_rib_key_by_hand():
    # 89 × 30006 + 15 × 1 + 3 × 12345678901 = 2670534 + 15 + 37037036703 = 37039707252
    # = 97 × 381852652 + 8 (97 × 381852652 = 37039707244) → key 97 − 8 = 89, the published one.
    assert rib_key("30006", "00001", "12345678901") == 89
    # Letters count as digits the French way: 0000013M026 → 00000134026 (M → 4).
    assert rib_key("20041", "01005", "0500013M026") == rib_key("20041", "01005", "05000134026") == 6
    # 89 × 30004 + 15 × 1 + 3 × 1 = 2670374 = 97 × 27529 + 61 → key 36.
    assert rib_key("30004", "00001", "00000000001") == 36


@pytest.mark.parametrize("value", VALID_SIRENS)
def test_valid_sirens(value):
    assert all(is_valid_siren(v) for v in variants(value)), value


@pytest.mark.parametrize("value", INVALID_SIRENS)
def test_invalid_sirens(value):
    assert not is_valid_siren(value)


@pytest.mark.parametrize("value", VALID_SIRETS)
def test_valid_sirets(value):
    assert all(is_valid_siret(v) for v in variants(value)), value


@pytest.mark.parametrize("value", INVALID_SIRETS)
def test_invalid_sirets(value):
    assert not is_valid_siret(value)


def test_luhn_check_digit():
    assert luhn_check_digit("73282932") == "0" and luhn_check_digit("55210055") == "4"


@pytest.mark.parametrize("value", VALID_PHONES)
def test_valid_phones(value):
    assert all(is_valid_phone(v) for v in variants(value)), value


@pytest.mark.parametrize("value", INVALID_PHONES)
def test_invalid_phones(value):
    assert not is_valid_phone(value)


@pytest.mark.parametrize("value", VALID_EMAILS)
def test_valid_emails(value):
    assert is_valid_email(value)


@pytest.mark.parametrize("value", INVALID_EMAILS)
def test_invalid_emails(value):
    assert not is_valid_email(value)


def test_validators_refuse_non_text():
    for validator in VALIDATORS.values():
        assert validator(None) is False and validator(612345678) is False


def test_registry_keys_are_presidio_entity_types():
    assert set(VALIDATORS) == {"PHONE_NUMBER", "FR_NIR", "IBAN_CODE", "FR_SIREN", "FR_SIRET", "EMAIL_ADDRESS"}
    assert set(VALIDATORS) - {"FR_SIREN", "FR_SIRET"} <= set(pii.ENTITY_VOCABULARY)


def test_pii_recognizers_use_the_same_validators():
    assert pii.FrNirRecognizer().validate_result("1 80 05 971 05 123 15")
    assert pii.FrSiretRecognizer().validate_result("356 000 000 00048")  # La Poste: not Luhn, accepted
    assert pii.FrNirRecognizer().validate_result("1" + NBSP + "85 03 75 123 456 41")
    assert not pii.FrSirenRecognizer().validate_result("732 829 321")


# -- generators: 10,000 draws of each kind pass their validator ---------------------------------


def test_phone_numbers_are_all_valid_for_phonenumbers():
    rng = np.random.default_rng(2024)
    for i in range(N):
        departement = DEPARTEMENTS[i % len(DEPARTEMENTS)] if i % 10 else None
        number = phone_number(rng, departement=departement)
        assert is_valid_phone(number), (departement, number)
        assert len(number) == 14 and number[2::3] == "    ", number
        region = OVERSEAS_REGION.get(departement, "FR")
        assert phonenumbers.is_valid_number(phonenumbers.parse(number, region)), (departement, number)
        if departement in OVERSEAS_REGION:
            assert phonenumbers.region_code_for_number(phonenumbers.parse(number, region)) == region


def test_phone_numbers_follow_the_departement():
    rng = np.random.default_rng(7)
    for departement in DEPARTEMENTS:
        numbers = [phone_number(rng, departement=departement, mobile_share=0.0) for _ in range(50)]
        zone = phone_zone(departement)
        assert all(n.replace(" ", "").startswith(zone) for n in numbers), (departement, numbers[:3])
    mobiles = [phone_number(rng, departement="69", mobile_share=1.0) for _ in range(200)]
    assert {m[:2] for m in mobiles} == {"06", "07"}
    assert all(phone_number(rng, departement="971", mobile_share=1.0).startswith("06 90") for _ in range(20))
    share = np.mean([phone_number(rng, mobile_share=0.6)[:2] in ("06", "07") for _ in range(2000)])
    assert 0.56 < share < 0.64


def test_phone_zones_of_the_numbering_plan():
    assert [phone_zone(d) for d in ("75", "93", "29", "44", "59", "67", "69", "13", "2A", "31", "33")] == [
        "01", "01", "02", "02", "03", "03", "04", "04", "04", "05", "05"]
    assert [phone_zone(d) for d in ("971", "972", "973", "974", "976")] == ["0590", "0596", "0594", "0262", "0269"]


def test_nirs_are_all_valid():
    rng = np.random.default_rng(2024)
    births = np.datetime64("1930-01-01") + rng.integers(0, 365 * 90, size=N).astype("timedelta64[D]")
    for i in range(N):
        departement = DEPARTEMENTS[i % len(DEPARTEMENTS)]
        width = 2 if departement.startswith("97") else 3
        commune = f"{int(rng.integers(1, 10**width)):0{width}d}"
        born = births[i].astype(datetime.date)
        value = nir(rng, sexe=1 + i % 2, date_naissance=born, departement=departement, commune=commune)
        assert len(value) == 15 and is_valid_nir(value), value
        assert value[0] == str(1 + i % 2) and value[1:5] == born.strftime("%y%m")
        assert value[5 : 5 + len(departement)] == departement
        assert is_valid_nir(format_nir(value))


def test_nir_takes_a_full_insee_commune_code():
    rng = np.random.default_rng(0)
    born = datetime.date(1985, 3, 14)
    assert nir(rng, sexe=1, date_naissance=born, departement="69", commune="69383")[5:10] == "69383"
    assert nir(rng, sexe=2, date_naissance=born, departement="971", commune="97105")[5:10] == "97105"
    assert nir(rng, sexe=2, date_naissance=born, departement="2b", commune="2B033")[5:10] == "2B033"
    overseas = nir(rng, sexe=2, date_naissance=born, departement="971", commune="05")
    assert format_nir(overseas)[:15] == "2 85 03 971 05 "


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"sexe": 3}, "sexe invalide"),
        ({"departement": "20"}, "2A"),
        ({"departement": "96"}, "département inconnu"),
        ({"commune": "38185"}, "code commune"),
        ({"commune": "1234"}, "code commune"),
    ],
)
def test_nir_errors_are_french(kwargs, words):
    arguments = {"sexe": 1, "date_naissance": datetime.date(1990, 1, 1), "departement": "69", "commune": "123"}
    with pytest.raises(MsprError) as caught:
        nir(np.random.default_rng(0), **(arguments | kwargs))
    assert words in caught.value.format()


def test_ibans_are_all_valid():
    rng = np.random.default_rng(2024)
    for _ in range(N):
        value = iban_fr(rng)
        assert len(value) == 27 and value.startswith("FR") and is_valid_iban(value), value


def test_sirens_and_sirets_are_all_valid():
    rng = np.random.default_rng(2024)
    for i in range(N):
        company = siren(rng)
        assert is_valid_siren(company), company
        establishment = siret(rng, company if i % 100 else "356 000 000")
        assert len(establishment) == 14 and is_valid_siret(establishment), establishment
        assert establishment.startswith(company if i % 100 else "356000000")


def test_siret_of_an_invalid_siren_is_a_french_error():
    with pytest.raises(MsprError, match="SIREN invalide"):
        siret(np.random.default_rng(0), "732 829 321")


NAMES = [("Éloïse", "Le Gall"), ("Jean-Pierre", "N'Diaye"), ("Anaïs", "D'Ornano"), ("Œdipe", "Lætitia"),
         ("Zoé", "Müller-Straße"), ("Ngọc", "Nguyễn"), ("李", "王"), ("  ", "--"), ("Marie", "de La Tour d'Auvergne")]


def test_emails_are_all_valid():
    rng = np.random.default_rng(2024)
    for i in range(N):
        prenom, nom = NAMES[i % len(NAMES)]
        address = email(rng, prenom, nom)
        assert is_valid_email(address) and address.isascii(), (prenom, nom, address)


def test_email_folds_accents_and_uses_the_domains():
    rng = np.random.default_rng(0)
    addresses = {email(rng, "Zoé", "Müller-Straße", domains={"exemple.fr": 1}) for _ in range(50)}
    assert all(a.endswith("@exemple.fr") for a in addresses)
    assert "zoe.muller-strasse@exemple.fr" in addresses
    with pytest.raises(MsprError, match="domaines"):
        email(rng, "Jean", "Dupont", domains=["pas un domaine"])


def test_generators_are_deterministic():
    def draw(seed):
        rng = np.random.default_rng(seed)
        return (phone_number(rng, departement="33"), iban_fr(rng), siren(rng), email(rng, "Jean", "Dupont"),
                nir(rng, sexe=1, date_naissance=datetime.date(1970, 5, 1), departement="13", commune="13208"))

    assert draw(11) == draw(11) and draw(11) != draw(12)


def test_departements():
    assert normalise_departement(" 2a ") == "2A" and normalise_departement(1) == "01"
    for bad in ("20", "00", "96", "980", "ZZ", ""):
        with pytest.raises(MsprError):
            normalise_departement(bad)
    with pytest.raises(MsprError, match="Saint-Pierre"):
        phone_zone("975")
    with pytest.raises(MsprError, match="part de mobiles"):
        phone_number(np.random.default_rng(0), mobile_share=1.5)


def test_docstring_examples_run():
    result = doctest.testmod(mspr.case.identifiers)
    assert result.attempted > 0 and result.failed == 0
