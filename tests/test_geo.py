"""French geography (mspr.case.geo): the committed commune table and its consistency."""

from __future__ import annotations

import datetime
import doctest

import numpy as np
import pytest

import mspr.case.geo
from mspr.case import geo
from mspr.case.identifiers import is_valid_nir, is_valid_phone, nir, phone_number
from mspr.errors import MsprError

DEPARTEMENTS = ["69", "42", "38", "01", "74", "75", "92", "93", "94", "44", "35", "29", "59", "62",
                "13", "06", "31", "33", "2A", "2B", "971"]


@pytest.fixture(scope="module")
def table():
    return geo.communes()


def test_table_covers_the_departements(table):
    assert list(dict.fromkeys(table["departement"])) == DEPARTEMENTS
    sizes = table.groupby("departement").size()
    assert sizes.between(15, 25).all(), sizes.to_dict()
    assert list(table.columns) == ["departement", "code_postal", "commune", "code_insee", "population"]
    assert table["code_insee"].is_unique
    assert (table["population"] > 0).all() and str(table["population"].dtype) == "int64"
    assert not table.isna().any().any()


def postcode_fits(departement: str, postcode: str) -> bool:
    """La Poste: a postcode starts with its département's number; Corsica keeps 20 (2A 200–201, 2B 202–206);
    overseas départements use their 3-digit code."""
    if departement == "2A":
        return "20000" <= postcode <= "20199"
    if departement == "2B":
        return "20200" <= postcode <= "20699"
    return postcode.startswith(departement)


def test_postcodes_match_their_departement(table):
    assert table["code_postal"].str.fullmatch(r"\d{5}").all()
    wrong = table[[not postcode_fits(d, p) for d, p in zip(table["departement"], table["code_postal"])]]
    assert wrong.empty, wrong.to_string()
    assert not postcode_fits("74", "01200")  # the check itself catches a real exception (Éloise, 74, 01200)


def test_insee_codes_match_their_departement(table):
    assert all(code.startswith(dep) and len(code) == 5 for dep, code in zip(table["departement"], table["code_insee"]))


def test_known_rows(table):
    # Checked against INSEE's COG and La Poste's postcodes: Lyon 3e, Villeurbanne, Paris 15e, Ajaccio,
    # Bastia, Les Abymes (Guadeloupe), Brest.
    rows = {tuple(r) for r in table[["code_postal", "commune", "code_insee"]].itertuples(index=False)}
    assert {("69003", "Lyon", "69383"), ("69100", "Villeurbanne", "69266"), ("75015", "Paris", "75115"),
            ("20000", "Ajaccio", "2A004"), ("20200", "Bastia", "2B033"), ("97139", "Les Abymes", "97101"),
            ("29200", "Brest", "29019")} <= rows
    assert (table["departement"] == "75").sum() == 20  # the 20 arrondissements


def test_every_commune_gives_a_valid_nir_and_phone(table):
    rng = np.random.default_rng(0)
    for dep, code in zip(table["departement"], table["code_insee"]):
        value = nir(rng, sexe=2, date_naissance=datetime.date(1988, 6, 1), departement=dep, commune=code)
        assert is_valid_nir(value) and value[5:10] == code
        number = phone_number(rng, departement=dep, mobile_share=0.0)
        assert is_valid_phone(number) and number.replace(" ", "").startswith(geo.phone_zone(dep))


def test_filters():
    assert set(geo.communes(["69", "1"])["departement"]) == {"69", "01"}
    assert set(geo.communes("2a")["departement"]) == {"2A"}
    assert set(geo.communes(region="Île-de-France")["departement"]) == {"75", "92", "93", "94"}
    assert set(geo.communes(region="ile de france")["departement"]) == {"75", "92", "93", "94"}
    assert set(geo.communes(region="provence alpes cote d'azur")["departement"]) == {"13", "06"}
    assert set(geo.communes(["44"], region="Pays de la Loire")["departement"]) == {"44"}
    first = geo.communes(["29"])
    first.loc[0, "commune"] = "modifiée"
    assert "modifiée" not in set(geo.communes(["29"])["commune"])  # a new frame each call


def test_regions_partition_the_departements():
    codes = [d for codes in geo.REGIONS.values() for d in codes]
    assert len(codes) == len(set(codes)) == 96 + 5
    assert {d for d in codes if not d.startswith("97")} == {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
    assert len(geo.REGIONS) == 18
    assert geo.region_of("35") == "Bretagne" and geo.region_of("971") == "Guadeloupe"


def test_phone_zones():
    # ARCEP: 01 Île-de-France, 02 Nord-Ouest, 03 Nord-Est, 04 Sud-Est, 05 Sud-Ouest; overseas prefixes.
    expected = {"75": "01", "92": "01", "93": "01", "94": "01", "44": "02", "35": "02", "29": "02",
                "59": "03", "62": "03", "69": "04", "42": "04", "38": "04", "01": "04", "74": "04",
                "13": "04", "06": "04", "2A": "04", "2B": "04", "31": "05", "33": "05", "971": "0590"}
    assert {d: geo.phone_zone(d) for d in expected} == expected
    assert all(geo.phone_zone(d) == "01" for d in geo.REGIONS["Île-de-France"])
    assert all(geo.phone_zone(d) == "02" for d in geo.REGIONS["Bretagne"] + geo.REGIONS["Normandie"])
    assert all(geo.phone_zone(d) == "03" for d in geo.REGIONS["Grand Est"] + geo.REGIONS["Hauts-de-France"])
    assert all(geo.phone_zone(d) == "05" for d in geo.REGIONS["Nouvelle-Aquitaine"])


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: geo.communes(["20"]), "2A"),
        (lambda: geo.communes(["99"]), "département inconnu"),
        (lambda: geo.communes(["22"]), "aucune commune pour le département 22"),
        (lambda: geo.communes(region="Nord"), "région inconnue"),
        (lambda: geo.communes(region="Normandie"), "aucune commune de la région Normandie"),
        (lambda: geo.communes(["69"], region="Bretagne"), "hors de la région Bretagne"),
        (lambda: geo.phone_zone("975"), "Saint-Pierre-et-Miquelon"),
        (lambda: geo.region_of("977"), "aucune région"),
    ],
)
def test_errors_are_french(call, words):
    with pytest.raises(MsprError) as caught:
        call()
    assert words in caught.value.format() and caught.value.hint


def test_docstring_examples_run():
    result = doctest.testmod(mspr.case.geo)
    assert result.attempted > 0 and result.failed == 0
