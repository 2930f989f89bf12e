"""A1C6 graded on its artefacts: pseudonymised tables and register, with scripted faulty teams.

The reference artefacts are made here from the ground truth (an independent
implementation of the pseudonymisation, not the lab's): direct identifiers
dropped, indirect ones generalised, the truth spans of free text masked, keys
replaced by an HMAC. Each faulty team changes one thing and must lose points
on A1C6 with the reason in the evidence.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mspr.case import build_case
from mspr.grading.checks import a1_cadrage as a1
from mspr.grading.checks._core import CheckContext, run_checks

ROOT = Path(__file__).resolve().parents[1]
KEY = b"cle-de-test"


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return build_case(ROOT / "cases" / "mutuelle_horizon", out=tmp_path_factory.mktemp("a1") / "b", rows=400)


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _hash(value: str) -> str:
    return hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()[:16] if value else value


def reference_tables(case) -> dict[str, pd.DataFrame]:
    truth = case.ground_truth
    out = {}
    for table, tt in truth.tables.items():
        df = _read(case.layout.table(table))
        for column in [tt.key, *tt.foreign_keys]:
            df[column] = df[column].map(_hash)
        spans = [s for s in truth.pii_spans if s.table == table]
        for column in {s.column for s in spans}:
            texts = dict(zip(_read(case.layout.table(table))[tt.key], df[column]))
            for s in sorted(spans, key=lambda s: -s.start):
                if s.column == column:
                    text = texts[s.id]
                    texts[s.id] = text[: s.start] + f"<{s.entity}>" + text[s.end :]
            df[column] = [texts[k] for k in _read(case.layout.table(table))[tt.key]]
        for column, category in truth.gdpr_categories.get(table, {}).items():
            if any(s.column == column for s in spans):
                continue
            if category == "identifiant_direct":
                df = df.drop(columns=column)
            elif category == "identifiant_indirect":
                if "DATE_TIME" in truth.pii[table][column]:
                    df[column] = df[column].str.extract(r"(\d{4})", expand=False).fillna("")
                elif df[column].str.fullmatch(r"\d{5}|").all():
                    df[column] = df[column].str[:2]
                else:
                    df = df.drop(columns=column)
        out[table] = df
    return out


REGISTER = {"traitements": [{
    "finalite": "Prédire la résiliation des adhérents",
    "base_legale": "Intérêt légitime (art. 6.1.f) ; santé : art. 9.2.h",
    "categories_donnees": ["nom et prénom", "courriel", "téléphone", "adresse postale", "date de naissance",
                           "numéro de sécurité sociale (NIR)", "IBAN", "données de santé"],
    "categories_personnes": ["adhérents"],
    "destinataires": ["équipe projet"],
    "duree_conservation": "12 mois",
    "mesures_securite": ["pseudonymisation HMAC"],
}]}


def submit(case, tmp_path, tables=None, register=REGISTER, classification=None) -> CheckContext:
    folder = tmp_path / "livrables_a1"
    answers = {"A1C6.pii_columns": classification if classification is not None else case.ground_truth.pii}
    if tables is not None:
        folder.mkdir()
        for name, df in tables.items():
            df.to_csv(folder / f"{name}.csv", index=False)
        answers["A1C6.livrables"] = "livrables_a1"
    if register is not None and tables is not None:
        (folder / "registre_traitements.yaml").write_text(yaml.safe_dump(register, allow_unicode=True), "utf-8")
    (tmp_path / "reponses.json").write_text(json.dumps(answers), encoding="utf-8")
    return CheckContext(answers=answers, ground_truth=case.ground_truth,
                        ground_truth_dir=case.layout.ground_truth_dir, workdir=tmp_path)


def scores(ctx) -> dict[str, tuple[float, str]]:
    return {r.check_id: (r.score, r.evidence) for r in run_checks("a1_cadrage", ctx)}


def test_reference_artefacts_get_every_point(case, tmp_path):
    got = scores(submit(case, tmp_path, reference_tables(case)))
    assert got["A1C6.pii_columns"][0] == 1
    assert got["A1C6.pseudonymisation"][0] == 2, got["A1C6.pseudonymisation"][1]
    assert got["A1C6.registre"][0] == 1, got["A1C6.registre"][1]


def test_the_raw_tables_score_low_on_pseudonymisation(case, tmp_path):
    raw = {t: _read(case.layout.table(t)) for t in case.ground_truth.tables}
    score, evidence = scores(submit(case, tmp_path, raw))["A1C6.pseudonymisation"]
    # every personal value left; only the joins (0.25) survive
    assert score == pytest.approx(2 * 0.25, abs=0.01)
    assert "adherents.nir" in evidence


def test_nir_left_in_the_pseudonymised_table(case, tmp_path):
    tables = reference_tables(case)
    tables["adherents"]["nir"] = _read(case.layout.table("adherents"))["nir"]
    score, evidence = scores(submit(case, tmp_path, tables))["A1C6.pseudonymisation"]
    assert score < 2 and "adherents.nir" in evidence
    # the NIR weighs 4 times a name: more lost than for the first names left instead
    tables = reference_tables(case)
    tables["adherents"]["prenom"] = _read(case.layout.table("adherents"))["prenom"]
    (tmp_path / "x").mkdir()
    first_names, _ = scores(submit(case, tmp_path / "x", tables))["A1C6.pseudonymisation"]
    assert score < first_names < 2


def test_free_text_forgotten(case, tmp_path):
    tables = reference_tables(case)
    tables["reclamations"]["texte"] = _read(case.layout.table("reclamations"))["texte"]
    score, evidence = scores(submit(case, tmp_path, tables))["A1C6.pseudonymisation"]
    assert "reclamations.texte" in evidence and "texte libre" in evidence
    # Column weights (mutuelle_horizon): prenom, nom, email, telephone, adresse 1 each; code_postal, ville,
    # date_naissance 0.25 each; nir 4; iban 2; the complaints' text 4 (it holds NIRs): 15.75 in all.
    # Every span left: removal = 1 − 4 / 15.75; score = 2 × (0.75 × removal + 0.25 × 1).
    assert score == pytest.approx(2 * (0.75 * (1 - 4 / 15.75) + 0.25), abs=0.01)


def test_classification_typed_without_the_audit_artefacts(case, tmp_path):
    got = scores(submit(case, tmp_path, tables=None))
    assert got["A1C6.pii_columns"][0] == 1
    assert got["A1C6.pseudonymisation"][0] == 0 and got["A1C6.registre"][0] == 0
    assert "aucune réponse" in got["A1C6.pseudonymisation"][1]
    assert sum(s for s, _ in got.values()) <= 1


def test_declared_folder_without_files(case, tmp_path):
    ctx = submit(case, tmp_path, tables=None)
    ctx.answers["A1C6.livrables"] = "livrables_a1"
    got = scores(ctx)
    assert got["A1C6.pseudonymisation"][0] == 0 and "absent" in got["A1C6.pseudonymisation"][1]


def test_broken_joins_and_emptied_tables_cost_points(case, tmp_path):
    tables = reference_tables(case)
    tables["remboursements"]["id_adherent"] = tables["remboursements"]["id_adherent"].str.upper()
    score, evidence = scores(submit(case, tmp_path, tables))["A1C6.pseudonymisation"]
    assert score == pytest.approx(2 * (0.75 + 0.25 * 0.5), abs=0.01)  # one of the two relations broken
    assert "remboursements.id_adherent" in evidence
    tables = reference_tables(case)
    tables["reclamations"] = tables["reclamations"].iloc[:0]
    (tmp_path / "y").mkdir()
    score, _ = scores(submit(case, tmp_path / "y", tables))["A1C6.pseudonymisation"]
    assert score == 0


def test_register_missing_a_category_or_a_legal_basis(case, tmp_path):
    register = {"traitements": [dict(REGISTER["traitements"][0])]}
    register["traitements"][0]["categories_donnees"] = ["nom", "courriel"]
    score, evidence = scores(submit(case, tmp_path, reference_tables(case), register))["A1C6.registre"]
    assert 0 < score < 1 and "FR_NIR" in evidence
    register["traitements"][0] = dict(REGISTER["traitements"][0], base_legale="à voir")
    (tmp_path / "z").mkdir()
    score, evidence = scores(submit(case, tmp_path / "z", reference_tables(case), register))["A1C6.registre"]
    assert score == 0 and "base légale" in evidence


def test_register_in_json_with_entity_codes(case, tmp_path):
    ctx = submit(case, tmp_path, reference_tables(case), register=None)
    entry = dict(REGISTER["traitements"][0],
                 categories_donnees=sorted({e for c in case.ground_truth.pii.values() for v in c.values() for e in v}))
    (tmp_path / "livrables_a1" / "registre_traitements.json").write_text(json.dumps([entry]), encoding="utf-8")
    assert scores(ctx)["A1C6.registre"][0] == 1


def test_paths_outside_the_submission_are_refused(case, tmp_path):
    ctx = submit(case, tmp_path, reference_tables(case))
    ctx.answers["A1C6.livrables"] = "../.."
    assert scores(ctx)["A1C6.pseudonymisation"][0] == 0


def test_artefacts_linked_from_outside_the_submission_are_ignored(case, tmp_path):
    """The grader reads the artefacts as root, outside the sandbox: a link out of the team's folder (another
    team's register, a table kept elsewhere, the ground truth) must not be read as the team's work."""
    team = tmp_path / "equipe"
    team.mkdir()
    ctx = submit(case, team, reference_tables(case))
    folder = team / "livrables_a1"
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    for name in ("adherents.csv", "registre_traitements.yaml"):  # complete and right, but not in the folder
        (folder / name).rename(elsewhere / name)
        (folder / name).symlink_to(elsewhere / name)
    got = scores(ctx)
    assert got["A1C6.pii_columns"][0] == 1  # typed, not read from a file
    score, evidence = got["A1C6.pseudonymisation"]
    assert score == 0 and "adherents.csv : lien symbolique hors du dossier du rendu, fichier ignoré" in evidence
    assert "tables absentes" not in evidence
    score, evidence = got["A1C6.registre"]
    assert score == 0 and "registre_traitements.yaml : lien symbolique hors du dossier du rendu" in evidence
    # a link to the ground truth, or to a system file, is ignored the same way
    (folder / "registre_traitements.yaml").unlink()
    (folder / "registre_traitements.yaml").symlink_to(case.layout.ground_truth_dir / "ground_truth.json")
    assert "lien symbolique hors du dossier du rendu" in scores(ctx)["A1C6.registre"][1]
    (folder / "adherents.csv").unlink()
    (folder / "adherents.csv").symlink_to("/etc/passwd")
    assert "adherents.csv : lien symbolique" in scores(ctx)["A1C6.pseudonymisation"][1]
    # links that stay inside the team's folder are the team's files: they count
    for name in ("adherents.csv", "registre_traitements.yaml"):
        (folder / name).unlink()
        (team / "originaux").mkdir(exist_ok=True)
        (elsewhere / name).rename(team / "originaux" / name)
        (folder / name).symlink_to(team / "originaux" / name)
    got = scores(ctx)
    assert got["A1C6.pseudonymisation"][0] == 2 and got["A1C6.registre"][0] == 1, got
