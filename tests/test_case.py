"""Case build (mspr.case): determinism, truth of the ground truth, learnable signal, spec errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mspr.case import CaseLayout, CaseSpec, GroundTruth, build_case, load_case_spec
from mspr.errors import MsprError

CASE_DIR = Path(__file__).resolve().parents[1] / "cases" / "mutuelle_horizon"
REFERENCE_DATE = pd.Timestamp("2024-12-31")  # donnees.date_reference of the bundled case
ROWS = 400
TABLES = ["adherents", "remboursements", "reclamations"]


def read(path: Path) -> pd.DataFrame:
    """Read a CSV as the raw strings it holds (empty cell → "")."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return build_case(CASE_DIR, out=tmp_path_factory.mktemp("a") / "case", seed=7, rows=ROWS)


@pytest.fixture(scope="module")
def layout(build) -> CaseLayout:
    return build.layout


@pytest.fixture(scope="module")
def tables(layout):
    frames = {name: read(layout.table(name)) for name in TABLES}
    frames["plan_projet"] = read(layout.plan)
    frames["echantillon_requetes"] = read(layout.sample)
    return frames


@pytest.fixture(scope="module")
def truth(layout) -> GroundTruth:
    return GroundTruth.load(layout.ground_truth)


def defects_of(truth, kind, column=None):
    found = [d for d in truth.defects if d.kind == kind and (column is None or d.column == column)]
    assert found, f"no {kind} defect on {column} in the ground truth"
    return found


# --------------------------------------------------------------------------- layout and determinism


def test_layout_of_the_case_build(layout):
    out = layout.root
    for name in TABLES:
        assert layout.table(name) == out / "data" / f"{name}.csv" and layout.table(name).is_file()
    assert layout.plan.is_file() and layout.sample.is_file()
    for name in ("ground_truth.json", "holdout_features.csv", "holdout_labels.csv"):
        assert (out / "ground_truth" / name).is_file()
    assert (out / "brief" / "cahier_des_charges.md").is_file()
    assert (out / "model" / "MLmodel").is_file()
    assert sorted(p.name for p in out.iterdir()) == sorted(CaseLayout.ENTRIES)
    manifest = json.loads(layout.manifest.read_text(encoding="utf-8"))
    assert (manifest["case_id"], manifest["seed"], manifest["rows"]) == ("mutuelle_horizon", 7, ROWS)
    assert layout.spec_copy.read_bytes() == (CASE_DIR / "case.yaml").read_bytes()


def test_ground_truth_is_typed_and_complete(truth, build):
    assert truth == build.ground_truth
    assert (truth.case_id, truth.seed, truth.rows) == ("mutuelle_horizon", 7, ROWS)
    assert (truth.main_table, truth.key) == ("adherents", "id_adherent")
    assert (truth.leaky_column.table, truth.leaky_column.column) == ("adherents", "date_resiliation")
    assert {d.kind for d in truth.defects} == {"duplicate", "missing", "out_of_range", "inconsistent_format"}
    for defect in truth.defects:
        assert defect.ids == sorted(defect.ids) and defect.ids
    assert truth.technical_ids["remboursements"] == ["id_remboursement", "id_adherent"]
    assert "date_resiliation" not in truth.features and "resiliation" not in truth.features
    assert {"nom", "email", "nir"}.isdisjoint(truth.features)
    assert truth.feature_types["date_naissance"] == "date" and truth.feature_types["formule"] == "categorielle"
    assert truth.gdpr_categories["remboursements"]["type_acte"] == "donnee_sensible"
    for columns in truth.pii.values():
        for found in columns.values():
            assert found == sorted(found)


def test_files_are_utf8_lf_without_index(layout):
    for path in [*(layout.table(n) for n in TABLES), layout.plan, layout.sample, layout.holdout_features,
                 layout.holdout_labels]:
        raw = path.read_bytes()
        raw.decode("utf-8")
        assert b"\r\n" not in raw
        assert not raw.startswith(b",") and not raw.startswith(b"Unnamed")


def test_same_seed_gives_identical_bytes_and_other_seed_differs(build, tmp_path):
    out = build.layout.root
    again = build_case(CASE_DIR, out=tmp_path / "again", seed=7, rows=ROWS).layout.root
    for folder in ("data", "ground_truth", "brief"):  # data/lots_production/ included
        first = sorted(str(p.relative_to(out / folder)) for p in (out / folder).rglob("*") if p.is_file())
        assert first == sorted(str(p.relative_to(again / folder)) for p in (again / folder).rglob("*") if p.is_file())
        for name in first:
            assert (out / folder / name).read_bytes() == (again / folder / name).read_bytes(), name

    other = build_case(CASE_DIR, out=tmp_path / "other", seed=8, rows=ROWS).layout
    for name in TABLES:
        assert build.layout.table(name).read_bytes() != other.table(name).read_bytes()


def test_rebuild_in_place_replaces_the_build(tmp_path):
    out = tmp_path / "case"
    first = build_case(CASE_DIR, out=out, seed=5, rows=300)
    before = first.layout.table("adherents").read_bytes()
    rebuilt = build_case(CASE_DIR, out=out, seed=4, rows=300)
    assert GroundTruth.load(rebuilt.layout.ground_truth).seed == 4
    assert rebuilt.layout.table("adherents").read_bytes() != before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_out_onto_a_folder_with_a_foreign_file_is_refused_and_nothing_deleted(tmp_path):
    out = tmp_path / "dossier"
    out.mkdir()
    (out / "notes.txt").write_text("à moi", encoding="utf-8")
    with pytest.raises(MsprError, match="notes.txt") as caught:
        build_case(CASE_DIR, out=out, rows=300)
    assert "rien n'a été supprimé" in str(caught.value)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "à moi"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    # A previous build with a file added by hand is refused as well.
    build_case(CASE_DIR, out=tmp_path / "b", rows=300)
    (tmp_path / "b" / "mes_notes.md").write_text("x", encoding="utf-8")
    with pytest.raises(MsprError, match="mes_notes.md"):
        build_case(CASE_DIR, out=tmp_path / "b", rows=300)
    assert (tmp_path / "b" / "mes_notes.md").exists()


def test_out_onto_a_file_or_another_case_is_refused(tmp_path):
    target = tmp_path / "fichier.txt"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(MsprError, match="fichier"):
        build_case(CASE_DIR, out=target, rows=300)
    assert target.read_text(encoding="utf-8") == "x"
    build_case(CASE_DIR, out=tmp_path / "c", rows=300)
    manifest = tmp_path / "c" / "build.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("mutuelle_horizon", "autre_cas"),
                        encoding="utf-8")
    with pytest.raises(MsprError, match="autre cas"):
        build_case(CASE_DIR, out=tmp_path / "c", rows=300)


# --------------------------------------------------------------------------- ground truth is true


def test_columns_are_the_contract(tables, build):
    adherents = [
        "id_adherent", "civilite", "prenom", "nom", "email", "telephone", "adresse", "code_postal", "ville",
        "date_naissance", "nir", "iban", "date_adhesion", "formule", "cotisation_mensuelle", "nb_beneficiaires",
        "canal_acquisition", "satisfaction", "nb_reclamations_12m", "montant_rembourse_12m", "date_resiliation",
        "resiliation",
    ]  # the order of the columns in case.yaml
    assert list(tables["adherents"].columns) == adherents
    assert list(tables["remboursements"].columns) == [
        "id_remboursement", "id_adherent", "date_soins", "type_acte", "montant_depense", "montant_rembourse",
    ]
    assert list(tables["reclamations"].columns) == [
        "id_reclamation", "id_adherent", "date_reclamation", "canal", "motif", "texte", "statut",
    ]
    assert list(tables["plan_projet"].columns) == ["id_tache", "libelle", "duree_jours", "predecesseurs",
                                                 "ressources"]
    assert list(tables["echantillon_requetes"].columns) == adherents[:-1]
    assert list(read(build.layout.holdout_features).columns) == adherents[:-1]
    assert list(read(build.layout.holdout_labels).columns) == ["id_adherent", "resiliation"]


def test_duplicates_are_exact_and_the_only_ones(tables, truth):
    adherents = tables["adherents"]
    (record,) = defects_of(truth, "duplicate")
    assert record.table == "adherents"
    counts = adherents["id_adherent"].value_counts()
    assert sorted(counts[counts > 1].index) == record.ids
    for adherent in record.ids:
        rows = adherents[adherents["id_adherent"] == adherent]
        assert len(rows.drop_duplicates()) == 1  # the copies are identical, column for column


def test_missing_values_are_really_missing(tables, truth):
    adherents = tables["adherents"].drop_duplicates()
    for record in defects_of(truth, "missing"):
        values = adherents.set_index("id_adherent").loc[record.ids, record.column]
        assert (values == "").all(), record.column
        others = adherents.loc[~adherents["id_adherent"].isin(record.ids), record.column]
        assert (others != "").all(), f"{record.column} is empty outside the recorded ids"


def test_out_of_range_values_are_really_out_of_range(tables, truth):
    adherents = tables["adherents"].drop_duplicates().set_index("id_adherent")
    price = defects_of(truth, "out_of_range", "cotisation_mensuelle")[0].ids
    assert (adherents.loc[price, "cotisation_mensuelle"].astype(float) < 0).all()
    beneficiaries = defects_of(truth, "out_of_range", "nb_beneficiaires")[0].ids
    assert (~adherents.loc[beneficiaries, "nb_beneficiaires"].astype(int).between(1, 15)).all()
    births = defects_of(truth, "out_of_range", "date_naissance")[0].ids
    assert all(int(value[:4]) < 1900 for value in adherents.loc[births, "date_naissance"])
    # ...and nowhere else.
    flagged = set(price) | set(beneficiaries) | set(births)
    clean = adherents.drop(index=list(flagged))
    assert (clean["cotisation_mensuelle"].replace("", np.nan).astype(float).dropna() > 0).all()
    assert clean["nb_beneficiaires"].astype(int).between(1, 10).all()


def test_inconsistent_formats_are_recorded(tables, truth):
    adherents = tables["adherents"].drop_duplicates().set_index("id_adherent")
    french_date = re.compile(r"^\d{2}/\d{2}/\d{4}$")
    iso_date = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    dates = set(defects_of(truth, "inconsistent_format", "date_adhesion")[0].ids)
    for adherent, value in adherents["date_adhesion"].items():
        assert (french_date if adherent in dates else iso_date).match(value), (adherent, value)
    phones = set(defects_of(truth, "inconsistent_format", "telephone")[0].ids)
    spaced = re.compile(r"^0\d( \d{2}){4}$")
    other_styles = re.compile(r"^(\+33 \d( \d{2}){4}|0\d{9})$")
    missing = set(defects_of(truth, "missing", "telephone")[0].ids)
    for adherent, value in adherents["telephone"].items():
        if adherent in missing:
            continue
        assert (other_styles if adherent in phones else spaced).match(value), (adherent, value)


def test_holdout_is_absent_from_released_data_and_clean(tables, build):
    labels = read(build.layout.holdout_labels)
    features = read(build.layout.holdout_features)
    held = set(labels["id_adherent"])
    assert list(features["id_adherent"]) == list(labels["id_adherent"])
    assert held and len(held) == len(labels)
    for name in ("adherents", "remboursements", "reclamations", "echantillon_requetes"):
        assert not held & set(tables[name]["id_adherent"]), name
    assert (features["date_resiliation"] == "").all()
    assert "resiliation" not in features
    assert set(labels["resiliation"]) == {"0", "1"}
    # No defect in the holdout: canonical formats, no gaps, plausible values.
    assert features["date_adhesion"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()
    assert features["telephone"].str.match(r"^0\d( \d{2}){4}$").all()
    assert (features["satisfaction"] != "").all()
    assert (features["cotisation_mensuelle"].astype(float) > 0).all()
    # Stratified: about the same positive share as the released data (20 % of the rows held out).
    released = tables["adherents"].drop_duplicates()
    assert abs(len(held) / (len(held) + len(released)) - 0.2) < 0.01
    assert abs((labels["resiliation"] == "1").mean() - (released["resiliation"] == "1").mean()) < 0.03
    # Drawn at random: held-out ids are spread over the whole id range.
    numbers = sorted(int(i[3:]) for i in held)
    assert 0.3 < np.mean(np.array(numbers) > ROWS / 2) < 0.7


def nir_is_valid(nir: str) -> bool:
    """INSEE rule, recomputed here: key = 97 - (first 13 digits mod 97); 2A → 19, 2B → 18."""
    digits = nir.replace(" ", "")
    if not re.fullmatch(r"[12]\d{2}(0[1-9]|1[0-2])(\d{2}|2A|2B)\d{6}\d{2}", digits):
        return False
    body = digits[:13].replace("2A", "19").replace("2B", "18")
    return 97 - int(body) % 97 == int(digits[13:])


def iban_is_valid(iban: str) -> bool:
    """ISO 13616, recomputed here: move the first 4 characters to the end, letters → 10..35, mod 97 == 1."""
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def test_check_digit_helpers_reject_corrupted_values():
    assert nir_is_valid("2 55 08 14 168 025 38")  # INSEE example
    assert not nir_is_valid("2 55 08 14 168 025 39")
    assert iban_is_valid("FR14 2004 1010 0505 0001 3M02 606")  # published example
    assert not iban_is_valid("FR14 2004 1010 0505 0001 3M02 607")


def test_nir_and_iban_are_valid_and_consistent(tables, truth, build):
    frames = [tables["adherents"], read(build.layout.holdout_features)]
    people = pd.concat(frames).drop_duplicates("id_adherent")
    births = set(defects_of(truth, "out_of_range", "date_naissance")[0].ids)
    for row in people.itertuples():
        assert nir_is_valid(row.nir), row.nir
        assert iban_is_valid(row.iban), row.iban
        assert row.iban.startswith("FR76") and len(row.iban) == 27
        digits = row.nir.replace(" ", "")
        assert digits[0] == ("2" if row.civilite == "Mme" else "1")
        if row.id_adherent not in births:
            assert digits[1:3] == row.date_naissance[2:4] and digits[3:5] == row.date_naissance[5:7]


def test_counts_and_amounts_match_the_detail_tables(tables, truth):
    adherents = tables["adherents"].drop_duplicates().set_index("id_adherent")
    complaints = tables["reclamations"]
    dated = pd.to_datetime(complaints["date_reclamation"])
    recent = complaints[(dated >= REFERENCE_DATE - pd.Timedelta(days=365)) & (dated < REFERENCE_DATE)]
    expected = recent["id_adherent"].value_counts().reindex(adherents.index, fill_value=0)
    assert (adherents["nb_reclamations_12m"].astype(int) == expected).all()
    assert len(complaints) > len(recent) > 0  # older complaints exist too

    refunds = tables["remboursements"]
    assert (pd.to_datetime(refunds["date_soins"]) > REFERENCE_DATE - pd.Timedelta(days=365)).all()
    cents = (refunds["montant_rembourse"].astype(float) * 100).round().astype(int)
    total = cents.groupby(refunds["id_adherent"]).sum().reindex(adherents.index, fill_value=0)
    assert ((adherents["montant_rembourse_12m"].astype(float) * 100).round().astype(int) == total).all()
    spent = refunds["montant_depense"].astype(float)
    assert (refunds["montant_rembourse"].astype(float) <= spent + 1e-9).all()


def test_pii_ground_truth_matches_the_data(tables, truth):
    pii = truth.pii
    assert pii["remboursements"] == {"type_acte": ["MEDICAL"]}  # health data (art. 9): declared by the case
    assert set(pii["adherents"]) <= set(tables["adherents"].columns)
    assert pii["adherents"]["nir"] == ["FR_NIR"] and pii["adherents"]["iban"] == ["IBAN_CODE"]
    assert "civilite" not in pii["adherents"] and "formule" not in pii["adherents"]
    texts = tables["reclamations"].set_index("id_reclamation")["texte"]
    adherents = tables["adherents"].drop_duplicates("id_adherent").set_index("id_adherent")
    owners = tables["reclamations"].set_index("id_reclamation")["id_adherent"]
    # Every span is where the ground truth says, and is the complaint's author's own datum.
    assert len(truth.pii_spans) > 0
    seen = set()
    for span in truth.pii_spans:
        assert span.table == "reclamations" and span.column == "texte"
        value = texts[span.id][span.start:span.end]
        author = adherents.loc[owners[span.id]]
        expected = {"PERSON": f"{author.prenom} {author.nom}", "EMAIL_ADDRESS": author.email,
                    "FR_NIR": author.nir, "IBAN_CODE": author.iban}.get(span.entity)
        if span.entity == "PHONE_NUMBER":
            assert re.fullmatch(r"0\d( \d{2}){4}", value), value
        elif span.entity != "PHONE_NUMBER" and owners[span.id] not in set(
                i for d in truth.defects for i in d.ids):
            assert value == expected, (span, value)
        seen.add(span.entity)
    assert seen == {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "FR_NIR", "IBAN_CODE"}
    assert pii["reclamations"] == {"texte": sorted(seen)}
    # Texts without a span carry no e-mail address (independent look).
    spanned = {s.id for s in truth.pii_spans}
    assert not texts[~texts.index.isin(spanned)].str.contains("@").any()
    share = len(spanned) / len(texts)
    assert 0.15 < share < 0.45


def test_every_generated_phone_is_valid_for_phonenumbers(tables, layout):
    import phonenumbers

    phones = pd.concat([tables["adherents"]["telephone"], read(layout.holdout_features)["telephone"]])
    phones = phones[phones != ""]
    assert len(phones) > ROWS * 0.9
    for value in phones:
        assert phonenumbers.is_valid_number(phonenumbers.parse(value, "FR")), value


def test_leaky_column_and_target(tables, truth):
    adherents = tables["adherents"].drop_duplicates()
    positive = adherents["resiliation"] == "1"
    filled = adherents["date_resiliation"] != ""
    assert filled[positive].mean() > 0.8 and filled[~positive].mean() < 0.05
    assert (adherents.loc[filled, "date_resiliation"] > "2024-12-31").all()  # known only afterwards
    assert (truth.target.table, truth.target.column) == ("adherents", "resiliation")
    assert truth.target.positive_rate == round(positive.mean(), 4)
    assert 0.15 < positive.mean() < 0.32


def test_sample_for_the_deployment_test(tables, truth):
    sample = tables["echantillon_requetes"]
    assert len(sample) == 20 and sample["id_adherent"].is_unique
    assert "resiliation" not in sample and (sample["date_resiliation"] == "").all()
    released = tables["adherents"].drop_duplicates("id_adherent").set_index("id_adherent")
    assert set(sample["id_adherent"]) <= set(released.index)
    defective = {i for d in truth.defects for i in d.ids}
    assert not defective & set(sample["id_adherent"])


def test_plan_file_and_ground_truth(tables, truth):
    plan = tables["plan_projet"]
    assert list(plan["id_tache"][:2]) == ["T01", "T02"] and plan.loc[0, "predecesseurs"] == ""
    assert plan.loc[plan["id_tache"] == "T04", "predecesseurs"].item() == "T02;T03"
    # Hand-computed in tests/test_plan.py::test_bundled_case_plan.
    assert truth.plan.critical_paths == [["T01", "T02", "T04", "T05", "T06", "T07", "T10", "T11", "T12"]]
    assert truth.plan.duration_days == 100
    t03 = next(t for t in truth.plan.tasks if t.id == "T03")
    # T03 (12 days) runs beside T02 (15 days) from day 10: 3 days of float.
    assert (t03.earliest_start, t03.latest_start, t03.total_float) == (10, 13, 3)


def test_brief_is_french_and_reveals_no_answer(layout, tables):
    text = layout.brief.read_text(encoding="utf-8")
    assert text.startswith("# ")
    count = f"{len(tables['adherents']):,}".replace(",", "\u202f")
    for expected in ("Mutuelle Horizon Santé", "## Contexte", "## Objectifs", "`nb_reclamations_12m`", "T12",
                     f"`adherents.csv` ({count} lignes)", "par la colonne `id_adherent`"):
        assert expected in text
    for secret in ("holdout", "ground_truth", "fuite", "leaky", "T01 → T02", "100 jours", "donnee_personnelle",
                   "identifiant_direct", "hors_plage"):
        assert secret not in text.replace("risques de fuite d'information", "")


# --------------------------------------------------------------------------- learnable signal and model


def clean_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Independent cleaning for a small baseline: parse both date formats, median-impute satisfaction."""
    iso = pd.to_datetime(frame["date_adhesion"], format="%Y-%m-%d", errors="coerce")
    french = pd.to_datetime(frame["date_adhesion"], format="%d/%m/%Y", errors="coerce")
    tenure = (REFERENCE_DATE - iso.fillna(french)).dt.days / 365.25
    satisfaction = pd.to_numeric(frame["satisfaction"], errors="coerce")
    return pd.DataFrame(
        {
            "reclamations": frame["nb_reclamations_12m"].astype(float),
            "satisfaction": satisfaction.fillna(satisfaction.median()),
            "anciennete": tenure,
        }
    )


def test_signal_is_learnable_by_a_simple_baseline(tmp_path):
    built = build_case(CASE_DIR, out=tmp_path / "case", seed=11, rows=1200)
    released = read(built.layout.table("adherents")).drop_duplicates()
    model = LogisticRegression().fit(clean_features(released), released["resiliation"].astype(int))
    holdout = read(built.layout.holdout_features)
    labels = read(built.layout.holdout_labels)["resiliation"].astype(int)
    auc = roc_auc_score(labels, model.predict_proba(clean_features(holdout))[:, 1])
    assert auc > 0.7
    assert auc <= built.ground_truth.reference_metric.oracle + 0.05


def test_reference_metric_is_the_saved_model_auc(build, truth):
    import mlflow.sklearn

    metric = truth.reference_metric
    assert metric.name == "roc_auc"
    model = mlflow.sklearn.load_model(str(build.layout.model_dir))
    holdout = pd.read_csv(build.layout.holdout_features)
    labels = pd.read_csv(build.layout.holdout_labels)["resiliation"]
    assert round(roc_auc_score(labels, model.predict_proba(holdout)[:, 1]), 4) == metric.reference_model
    # The A2C6 levels: full marks from reference − z(0.99)·√2·sd, sd the bootstrap spread of the holdout AUC,
    # recomputed here with scikit-learn's weighted AUC on independent resamples.
    scores = model.predict_proba(holdout)[:, 1]
    rng = np.random.default_rng(99)
    resampled = [roc_auc_score(labels, scores, sample_weight=np.bincount(rng.integers(0, len(labels), len(labels)),
                                                                         minlength=len(labels)))
                 for _ in range(400)]
    sd = float(np.std(resampled, ddof=1))
    assert metric.holdout_sd == pytest.approx(sd, rel=0.15)
    assert metric.pass_threshold == pytest.approx(metric.reference_model - 2.3263 * 2 ** 0.5 * metric.holdout_sd,
                                                  abs=0.0015)
    assert metric.zero_threshold == 0.5 < metric.pass_threshold
    assert 0.7 < metric.oracle < 0.95
    assert abs(metric.oracle - metric.reference_model) < 0.08  # 80 held-out rows: noisy


def test_model_serves_in_a_fresh_process_without_mspr(build):
    # mspr is made unimportable: the pickled pipeline must not need it (mlflow models serve in a
    # candidate's environment). The rows go through the pyfunc signature as pandas reads them.
    script = textwrap.dedent(
        f"""
        import importlib.abc, json, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name == "mspr" or name.startswith("mspr."):
                    raise ImportError("mspr bloqué pour ce test")
        sys.meta_path.insert(0, Block())
        import mlflow.pyfunc, pandas as pd
        model = mlflow.pyfunc.load_model({str(build.layout.model_dir)!r})
        # As the scoring server parses a request: numbers as the signature's doubles.
        doubles = [c.name for c in model.metadata.get_input_schema().inputs if c.type.name == "double"]
        sample = pd.read_csv({str(build.layout.sample)!r}, dtype={{c: float for c in doubles}})
        released = pd.read_csv({str(build.layout.table("adherents"))!r}).drop(columns=["resiliation"])
        released[doubles] = released[doubles].apply(pd.to_numeric, errors="coerce").astype(float)
        print(json.dumps([model.predict(sample).tolist(), int(len(model.predict(released)))]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
        env={"MLFLOW_DISABLE_TELEMETRY": "true", "PATH": str(Path(sys.executable).parent), "HOME": str(Path.home())},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    predictions, count = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(predictions) == 20 and set(predictions) <= {0, 1}
    assert count == len(pd.read_csv(build.layout.table("adherents")))


def test_served_model_answers_json_and_csv_alike(build):
    from mspr.casecheck import served_predictions

    as_json, as_csv, direct = served_predictions(build.layout.model_dir, build.layout.sample)
    assert len(direct) == 20 and set(direct) <= {0, 1}
    assert as_json == as_csv == direct


# --------------------------------------------------------------------------- spec errors


@pytest.fixture()
def bundled_yaml() -> str:
    return (CASE_DIR / "case.yaml").read_text(encoding="utf-8")


def write_case(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "cas"
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text(text, encoding="utf-8")
    return folder


def load_error(folder: Path) -> MsprError:
    with pytest.raises(MsprError) as caught:
        load_case_spec(folder)
    error = caught.value
    assert str(folder / "case.yaml") in str(error)  # names the file
    assert error.hint
    return error


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_bundled_case_is_valid():
    spec = load_case_spec(CASE_DIR)
    assert isinstance(spec, CaseSpec) and spec.id == "mutuelle_horizon"
    assert 2000 <= spec.donnees.lignes <= 3000 and spec.donnees.part_reservee == 0.2
    assert spec.generation_order() == ["adherents", "remboursements", "reclamations"]


def test_unknown_key_names_the_line_and_the_admitted_keys(tmp_path, bundled_yaml):
    needle = "        formule:\n          description"
    text = bundled_yaml.replace(needle, "        formule:\n          foo: 3\n          description", 1)
    assert text != bundled_yaml
    message = str(load_error(write_case(tmp_path, text)))
    assert "donnees.tables.adherents.colonnes.formule.foo" in message
    assert "clé inconnue 'foo'" in message and "retirez-la" in message and "modalites" in message
    assert f"ligne {line_of(text, 'foo: 3')}" in message


def test_wrong_type(tmp_path, bundled_yaml):
    text = bundled_yaml.replace("  lignes: 2500", "  lignes: beaucoup", 1)
    assert text != bundled_yaml
    message = str(load_error(write_case(tmp_path, text)))
    assert "donnees.lignes" in message and "type attendu : entier" in message and "'beaucoup'" in message
    assert f"ligne {line_of(text, 'lignes: beaucoup')}" in message


def test_yaml_syntax_error_gives_the_line(tmp_path, bundled_yaml):
    lines = bundled_yaml.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("  graine:"))
    lines[index] = "  graine: [2024"
    message = str(load_error(write_case(tmp_path, "\n".join(lines) + "\n")))
    assert "syntaxe YAML" in message
    line = int(re.search(r"ligne (\d+)", message).group(1))
    assert index + 1 <= line <= index + 2  # the parser stops on the broken line or the next one


@pytest.mark.parametrize("old, new, expected", [
    ("role: donnee_personnelle, generateur: nom, categorie_rgpd: identifiant_direct",
     "role: donnee_personnelle, generateur: nom", ["colonnes.nom", "categorie_rgpd"]),
    ("generateur: telephone,", "generateur: portable,", ["colonnes.telephone", "générateur inconnu « portable »"]),
    ("role: descriptive, generateur: civilite", "role: decorative, generateur: civilite",
     ["colonnes.civilite.role", "'decorative'"]),
    ("formule: {Premium: -0.6}", "formule: {Gold: -0.6}", ["cible.effets.formule.Gold", "Essentiel"]),
    ("{table: adherents, colonne: telephone, type: valeur_manquante, taux: 0.03}",
     "{table: adherents, colonne: formule, type: hors_plage, taux: 0.03}", ["defauts[3]", "hors_plage"]),
    ("agregat: {table: reclamations, fonction: nombre",
     "agregat: {table: adherents, fonction: nombre", ["agregat", "n'est pas une table fille de adherents"]),
    ("duree_jours: 10, predecesseurs: []}", "duree_jours: 10, predecesseurs: [T12]}", ["plan.taches", "T01"]),
])
def test_malformed_case_names_the_field_and_the_fix(tmp_path, bundled_yaml, old, new, expected):
    text = bundled_yaml.replace(old, new, 1)
    assert text != bundled_yaml, old
    message = str(load_error(write_case(tmp_path, text)))
    for part in expected:
        assert part in message, (part, message)
    assert re.search(r"ligne \d+ :", message), message


def test_a_plan_with_tied_critical_paths_is_accepted(tmp_path, bundled_yaml):
    # T03 12 → 15 days: T01→T03→T04 ties with T01→T02→T04 (10 + 15 = 25 days each).
    text = bundled_yaml.replace("duree_jours: 12, predecesseurs: [T01]}", "duree_jours: 15, predecesseurs: [T01]}")
    assert text != bundled_yaml
    from mspr.case.build import plan_truth

    plan = plan_truth(load_case_spec(write_case(tmp_path, text)))
    assert plan.duration_days == 100
    assert sorted(p[:3] for p in plan.critical_paths) == [["T01", "T02", "T04"], ["T01", "T03", "T04"]]
    assert {t.id: t.total_float for t in plan.tasks}["T03"] == 0


def test_build_case_reports_spec_errors_as_mspr_error(tmp_path):
    with pytest.raises(MsprError, match="introuvable"):
        build_case(tmp_path / "absent", out=tmp_path / "out")
    with pytest.raises(MsprError, match="lignes"):
        build_case(CASE_DIR, out=tmp_path / "out", rows=10)
    assert not (tmp_path / "out").exists()


def test_a_rebuild_refuses_a_file_added_inside_a_previous_build(tmp_path):
    out = tmp_path / "case"
    build_case(CASE_DIR, out=out, rows=300)
    mine = out / "data" / "perso.txt"
    mine.write_text("mes notes", encoding="utf-8")
    with pytest.raises(MsprError, match="data/perso.txt") as caught:
        build_case(CASE_DIR, out=out, rows=300)
    assert "rien n'a été supprimé" in str(caught.value)
    assert mine.read_text(encoding="utf-8") == "mes notes"
    mine.unlink()
    build_case(CASE_DIR, out=out, rows=300)  # the build's own files do not count as foreign


def test_a_key_written_twice_is_an_error_naming_both_lines(tmp_path, bundled_yaml):
    text = bundled_yaml.replace("    nb_reclamations_12m: 0.55\n",
                                "    nb_reclamations_12m: 0.55\n    nb_reclamations_12m: 0.5\n", 1)
    assert text != bundled_yaml
    message = str(load_error(write_case(tmp_path, text)))
    first = line_of(text, "nb_reclamations_12m: 0.55")
    assert f"ligne {first + 1}" in message and f"déjà ligne {first}" in message and "nb_reclamations_12m" in message


def test_an_unknown_effect_lists_the_explanatory_variables(tmp_path, bundled_yaml):
    text = bundled_yaml.replace("    nb_reclamations_12m: 0.55\n", "    nb_reclamation: 0.55\n", 1)
    message = str(load_error(write_case(tmp_path, text)))
    assert "cible.effets.nb_reclamation" in message and "choisissez parmi" in message
    assert "nb_reclamations_12m" in message and "satisfaction" in message


def test_bootstrap_auc_is_the_weighted_auc_of_each_resample():
    from mspr.case.thresholds import bootstrap_auc

    rng = np.random.default_rng(5)
    labels = (rng.random(120) < 0.3).astype(int)
    scores = np.round(rng.random(120) + 0.4 * labels, 1)  # many ties
    values = bootstrap_auc(labels, scores, seed=8, n_boot=5)
    draws = np.random.default_rng(8)
    expected = [roc_auc_score(labels, scores, sample_weight=np.bincount(draws.integers(0, 120, 120), minlength=120))
                for _ in range(5)]
    assert values == pytest.approx(expected)


def test_build_refuses_a_holdout_too_small_for_a_fair_model_grade(tmp_path):
    # 200 rows: a 40-row holdout with 8 positives; the pass level would fall to chance.
    with pytest.raises(MsprError, match="jeu caché trop petit") as error:
        build_case(CASE_DIR, out=tmp_path / "petit", rows=200, seed=2024)
    assert "augmentez donnees.lignes" in error.value.format()
    assert not (tmp_path / "petit").exists()
