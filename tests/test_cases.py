"""The bundled cases, the generic generator's options they use, the scaffold and the trainer guide.

Every case under ``cases/`` validates, builds byte for byte the same twice,
reaches a holdout ROC AUC clearly above chance, keeps its relations, and
records personal data in free text at the right offsets. Malformed cases give
a French message naming the line and the field.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from mspr.case import build_case, identifiers, load_case_spec
from mspr.case.scaffold import SCAFFOLD, new_case
from mspr.case.spec import (DEFECT_EFFECTS, DEFECT_KINDS, GDPR_CATEGORIES, GENERATORS, ROLES, TEXT_FIELDS,
                            TYPES)
from mspr.errors import MsprError

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted(p.name for p in (ROOT / "cases").iterdir() if (p / "case.yaml").is_file())
GUIDE = ROOT / "docs" / "guide-formateur.md"


def read(path: Path) -> pd.DataFrame:
    """A CSV as the raw strings it holds (empty cell → "")."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module", params=CASES)
def built(request, tmp_path_factory):
    """Each bundled case built once at its own size and seed."""
    out = tmp_path_factory.mktemp(request.param) / "build"
    return build_case(ROOT / "cases" / request.param, out=out)


def released(build, name: str) -> pd.DataFrame:
    return read(build.layout.table(name))


# --------------------------------------------------------------------------- bundled cases


def test_three_bundled_cases_three_schemas():
    assert {"mutuelle_horizon", "hainaut_polymeres", "oceane_mobilites"} <= set(CASES)
    schemas = {name: frozenset(load_case_spec(ROOT / "cases" / name).tables) for name in CASES}
    assert len(set(schemas.values())) == len(CASES)


@pytest.mark.parametrize("case", ["hainaut_polymeres", "oceane_mobilites"])  # the default case: labs' own test
def test_company_names_are_distinct_and_not_in_the_code(case):
    names = {load_case_spec(ROOT / "cases" / c).entreprise.nom for c in CASES}
    assert len(names) == len(CASES)
    name = load_case_spec(ROOT / "cases" / case).entreprise.nom
    for folder in ("labs", "mspr"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".yaml", ".yml", ".md", ".j2", ".txt", ".html"):
                assert name not in path.read_text(encoding="utf-8", errors="ignore"), path


def test_same_seed_gives_identical_data_and_ground_truth(built, tmp_path):
    again = build_case(ROOT / "cases" / built.spec.id, out=tmp_path / "again")
    for folder in ("data_dir", "ground_truth_dir"):
        first, second = getattr(built.layout, folder), getattr(again.layout, folder)
        assert tree_bytes(first) == tree_bytes(second), folder


def test_signal_and_positive_rate_are_in_the_trainer_bounds(built):
    truth = built.ground_truth
    metric = truth.reference_metric
    assert 0.72 <= metric.reference_model <= metric.oracle + 0.02, metric
    assert metric.oracle < 0.95, metric
    assert 0.10 <= truth.target.positive_rate <= 0.40


def test_every_foreign_key_exists_in_its_parent(built):
    spec = built.spec
    for name, table in spec.tables.items():
        frame = released(built, name)
        links = {c: col.reference for c, col in table.colonnes.items() if col.reference}
        if table.relation is not None:
            links[table.relation.cle] = table.relation.parent
        for column, parent in links.items():
            keys = set(released(built, parent)[spec.tables[parent].key])
            orphans = set(frame[column]) - keys
            assert not orphans, f"{name}.{column} → {parent}: {sorted(orphans)[:5]}"
        assert built.ground_truth.tables[name].foreign_keys == links


def _person(build, table: str, row: pd.Series, frames: dict) -> str | None:
    """The author's « prénom nom » of a text row: the row's own person, else its parent's."""
    spec = build.spec
    owner, values = spec.tables[table], row
    while True:
        first = [c for c, col in owner.colonnes.items() if col.generateur == "prenom"]
        last = [c for c, col in owner.colonnes.items() if col.generateur == "nom"]
        if first and last:
            return f"{values[first[0]]} {values[last[0]]}"
        if owner.relation is None:
            return None
        parent = owner.relation.parent
        if parent not in frames:
            frames[parent] = released(build, parent).drop_duplicates(spec.tables[parent].key).set_index(
                spec.tables[parent].key, drop=False)
        values = frames[parent].loc[values[owner.relation.cle]]
        owner = spec.tables[parent]


VALIDATORS = {"PHONE_NUMBER": identifiers.is_valid_phone, "EMAIL_ADDRESS": identifiers.is_valid_email,
              "IBAN_CODE": identifiers.is_valid_iban, "FR_NIR": identifiers.is_valid_nir}


def test_personal_data_spans_are_at_their_offsets(built):
    spans = built.ground_truth.pii_spans
    assert spans, "no personal data in free text"
    frames, parents = {}, {}
    for span in spans:
        table = built.spec.tables[span.table]
        if span.table not in frames:
            frames[span.table] = released(built, span.table).drop_duplicates(table.key).set_index(table.key,
                                                                                                  drop=False)
        row = frames[span.table].loc[span.id]
        value = row[span.column][span.start:span.end]
        assert value and value == value.strip(), span
        if span.entity in VALIDATORS:
            assert VALIDATORS[span.entity](value), (span, value)
        elif span.entity == "PERSON":
            author = _person(built, span.table, row, parents)
            assert value == author if author else re.fullmatch(r"[A-ZÀ-Ý][\w' -]+", value), (span, value)
    # every text with a span is recorded as personal data of its column
    for span in spans:
        assert span.entity in built.ground_truth.pii[span.table][span.column]


def test_generated_identifiers_pass_their_validators(built):
    checks = {"telephone": identifiers.is_valid_phone, "email": identifiers.is_valid_email,
              "iban": identifiers.is_valid_iban, "nir": identifiers.is_valid_nir,
              "siren": identifiers.is_valid_siren, "siret": identifiers.is_valid_siret}
    touched: dict[tuple[str, str], set[str]] = {}
    for defect in built.ground_truth.defects:
        touched.setdefault((defect.table, defect.column), set()).update(defect.ids)
    for name, table in built.spec.tables.items():
        frame = released(built, name)
        for column, spec in table.colonnes.items():
            if spec.generateur not in checks:
                continue
            clean = frame[~frame[table.key].isin(touched.get((name, column), set()))][column]
            assert len(clean) and all(checks[spec.generateur](v) for v in clean), f"{name}.{column}"


# --------------------------------------------------------------------------- the two new cases


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    return build_case(ROOT / "cases" / "hainaut_polymeres", out=tmp_path_factory.mktemp("plant") / "b", rows=400)


def test_transport_plan_has_two_critical_paths_with_hand_computed_floats():
    from mspr.case.build import plan_truth

    plan = plan_truth(load_case_spec(ROOT / "cases" / "oceane_mobilites"))
    # Forward pass: T01 0-8, T02 8-20, T03 8-18, T04 20-29, T05 29-43, T06 43-49, T07 29-37,
    # T08 37-49, T09 49-54, T10 29-36, T11 54-57, T12 57-59. T03 may slip until T04 starts (20),
    # T10 until T11 starts (54); both branches T05→T06 and T07→T08 last 20 days.
    assert plan.duration_days == 59
    floats = {t.id: t.total_float for t in plan.tasks}
    assert floats == {"T01": 0, "T02": 0, "T03": 2, "T04": 0, "T05": 0, "T06": 0, "T07": 0, "T08": 0,
                      "T09": 0, "T10": 18, "T11": 0, "T12": 0}
    starts = {t.id: (t.earliest_start, t.latest_start) for t in plan.tasks}
    assert starts["T03"] == (8, 10) and starts["T10"] == (29, 47) and starts["T08"] == (37, 37)
    assert sorted(plan.critical_paths) == [
        ["T01", "T02", "T04", "T05", "T06", "T09", "T11", "T12"],
        ["T01", "T02", "T04", "T07", "T08", "T09", "T11", "T12"],
    ]


def test_maximum_aggregate_is_the_max_of_the_window(plant):
    spec = plant.spec
    machines = released(plant, "machines").drop_duplicates("id_machine")
    readings = released(plant, "releves_capteurs")
    broken = {i for d in plant.ground_truth.defects if d.table == "releves_capteurs" for i in d.ids}
    damaged = set(readings.loc[readings.id_releve.isin(broken), "id_machine"])
    reference = pd.Timestamp(spec.donnees.date_reference)
    window = readings[pd.to_datetime(readings.date_releve) >= reference - pd.Timedelta(days=30)]
    expected = window.groupby("id_machine").vibration_mm_s.apply(lambda s: s.astype(float).max())
    checked = 0
    for _, row in machines[~machines.id_machine.isin(damaged)].iterrows():
        assert float(row.vibration_max_30j) == pytest.approx(expected.get(row.id_machine, 0.0)), row.id_machine
        checked += 1
    assert checked > 100


def test_siret_belongs_to_the_siren_of_its_row_and_contacts_write_from_the_company(plant):
    suppliers = released(plant, "fournisseurs")
    for _, row in suppliers.iterrows():
        assert row.siret.startswith(row.siren) and identifiers.is_valid_siret(row.siret)
        domain = row.contact_email.split("@")[1]
        folded = unicodedata.normalize("NFKD", row.raison_sociale.split()[0]).encode("ascii", "ignore").decode()
        assert domain.endswith(".fr") and domain.split("-")[0].split(".")[0] == re.sub(r"[^a-z0-9]", "",
                                                                                        folded.lower()), domain


def test_a_pool_of_technicians_signs_the_interventions(plant):
    interventions = released(plant, "interventions")
    people = interventions[["technicien_prenom", "technicien_nom"]].drop_duplicates()
    assert 10 < len(people) <= 38
    spans = [s for s in plant.ground_truth.pii_spans if s.table == "interventions" and s.entity == "PERSON"]
    assert spans  # the text names the technician of its own row (checked by the offsets test)


def test_templates_without_personal_data_are_the_bare_body(plant):
    spec = plant.spec.tables["interventions"].colonnes["compte_rendu"].modeles
    bodies = {b[0].upper() + b[1:] for texts in spec.corps.values() for b in texts}
    with_spans = {s.id for s in plant.ground_truth.pii_spans if s.table == "interventions"}
    frame = released(plant, "interventions")
    plain = frame[~frame.id_intervention.isin(with_spans)].compte_rendu
    assert set(plain) <= bodies


# --------------------------------------------------------------------------- malformed cases


def _broken(tmp_path: Path, case: str, old: str, new: str) -> tuple[Path, int]:
    text = (ROOT / "cases" / case / "case.yaml").read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / "case.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, line


@pytest.mark.parametrize("case, old, new, field, words", [
    ("oceane_mobilites", "role: horodatage\n          dates: {jours_avant_reference: [1, 30]",
     "role: horodateur\n          dates: {jours_avant_reference: [1, 30]",
     "donnees.tables.trajets.colonnes.date_trajet.role", "horodateur"),
    ("oceane_mobilites", "telephone: {description: Téléphone mobile ou fixe., type: texte, role: donnee_personnelle, "
     "generateur: telephone, categorie_rgpd: identifiant_direct}",
     "telephone: {description: Téléphone mobile ou fixe., type: texte, role: donnee_personnelle, "
     "generateur: telephone}",
     "donnees.tables.abonnes.colonnes.telephone", "categorie_rgpd"),
    ("oceane_mobilites", "formule: {annuel_tout_public: -0.5,", "formule: {annuel: -0.5,",
     "cible.effets.formule.annuel", "modalité inconnue"),
    ("oceane_mobilites", "agregat: {table: reclamations, fonction: nombre",
     "agregat: {table: abonnes, fonction: nombre",
     "donnees.tables.abonnes.colonnes.nb_reclamations_12m.agregat.table", "table fille"),
    ("hainaut_polymeres", "agregat: {table: interventions, fonction: nombre",
     "agregat: {table: fournisseurs, fonction: nombre",
     "donnees.tables.machines.colonnes.nb_interventions_12m.agregat.table", "table fille"),
    ("hainaut_polymeres", '- "{texte} Intervenant : {nom}."', '- "{texte} Intervenant : {matricule}."',
     "donnees.tables.interventions.colonnes.compte_rendu.modeles.gabarits[1]", "champ inconnu {matricule}"),
    ("hainaut_polymeres", '- "{texte} Intervenant : {nom}."', '- "{texte} Intervenant : le technicien."',
     "donnees.tables.interventions.colonnes.compte_rendu.modeles.gabarits[1]", "au moins une donnée personnelle"),
    ("hainaut_polymeres", "fonction: maximum, colonne: vibration_mm_s", "fonction: maximum",
     "donnees.tables.machines.colonnes.vibration_max_30j.agregat", "demande colonne"),
    ("hainaut_polymeres", "  personnes: 38\n      relation:", "  personnes: 38\n      lignes: 5\n      relation:",
     "donnees.tables.interventions.lignes", "tables sans relation"),
    ("hainaut_polymeres", "generateur: siren}", "generateur: siren, domaines: [exemple.fr]}",
     "donnees.tables.fournisseurs.colonnes.siren", "domaines"),
])
def test_malformed_case_names_the_line_and_the_field(tmp_path, case, old, new, field, words):
    path, line = _broken(tmp_path, case, old, new)
    with pytest.raises(MsprError) as caught:
        load_case_spec(path)
    message = caught.value.format()
    assert f"{field} :" in message and words in message, message
    found = int(re.search(r"ligne (\d+)", message).group(1))
    assert line <= found <= line + old.count("\n") + 1, (found, line, message)
    assert str(path) in message


def test_people_pool_needs_person_columns(tmp_path):
    path, _ = _broken(tmp_path, "hainaut_polymeres", "      lignes: 24\n", "      lignes: 24\n      personnes: 3\n")
    text = path.read_text(encoding="utf-8")
    for column in ("contact_prenom", "contact_nom", "contact_email", "contact_telephone", "commune"):
        text = re.sub(rf"\n        {column}: {{[^\n]*}}", "", text)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MsprError, match=r"donnees\.tables\.fournisseurs\.personnes : personnes s'applique"):
        load_case_spec(path)


# --------------------------------------------------------------------------- scaffold


def test_scaffold_validates_builds_and_illustrates_everything(tmp_path):
    path = new_case(tmp_path / "Formation-Continue")
    assert path == tmp_path / "Formation-Continue" / "case.yaml"
    spec = load_case_spec(path)
    assert spec.id == "formation_continue"
    columns = [c for t in spec.tables.values() for c in t.colonnes.values()]
    assert {c.type for c in columns} == set(TYPES)
    assert {c.role for c in columns} == set(ROLES)
    assert {c.categorie_rgpd for c in columns} - {None} == set(GDPR_CATEGORIES)
    assert {c.generateur for c in columns} - {None} == set(GENERATORS)
    assert {d.type for d in spec.defauts} == set(DEFECT_KINDS)
    assert {c.loi.nom for c in columns if c.loi} == {"normale", "lognormale", "uniforme", "poisson", "discrete",
                                                     "proportion"}
    assert {c.agregat.fonction for c in columns if c.agregat} == {"nombre", "somme", "moyenne", "maximum"}
    assert any(c.reference for c in columns) and any(t.relation for t in spec.tables.values())
    assert spec.cible.regression is not None and spec.cible.couts is not None
    build = build_case(path.parent, out=tmp_path / "out", rows=200)
    assert build.ground_truth.pii_spans and build.ground_truth.leaky_column is not None
    trainees = read(build.layout.table("stagiaires"))
    assert {e.split("@")[1] for e in trainees.email if e} <= {"orange.fr", "gmail.com", "free.fr"}  # domaines
    text = path.read_text(encoding="utf-8")
    assert text.count("\n#") + text.count("  # ") > 40  # commented throughout, in French
    assert "Campus Garonne Formation" not in (ROOT / "mspr" / "case" / "spec.py").read_text(encoding="utf-8")


def test_scaffold_explicit_id_and_refusals(tmp_path):
    assert load_case_spec(new_case(tmp_path / "a", case_id="mon_cas")).id == "mon_cas"
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("à garder", encoding="utf-8")
    with pytest.raises(MsprError, match="n'est pas vide"):
        new_case(full)
    assert sorted(p.name for p in full.iterdir()) == ["notes.txt"]
    assert (full / "notes.txt").read_text(encoding="utf-8") == "à garder"
    with pytest.raises(MsprError, match="fichier"):
        new_case(full / "notes.txt")
    with pytest.raises(MsprError, match="identifiant de cas invalide"):
        new_case(tmp_path / "b", case_id="Mon Cas")
    assert not (tmp_path / "b").exists()
    assert "__CASE_ID__" in SCAFFOLD


# --------------------------------------------------------------------------- trainer guide


def test_guide_mentions_every_role_category_generator_and_defect():
    guide = GUIDE.read_text(encoding="utf-8")
    entries = [*TYPES, *ROLES, *GDPR_CATEGORIES, *GENERATORS, *DEFECT_KINDS, *TEXT_FIELDS]
    entries += [kind for effects in DEFECT_EFFECTS.values() for kind in effects if kind != "*"]
    missing = [entry for entry in entries if f"`{entry}`" not in guide]
    assert not missing, f"absent du guide : {missing}"
    for name in CASES:
        assert f"cases/{name}" in guide
    for command in ("mspr case check", "mspr case new", "mspr demo --case", "mspr case build"):
        assert command in guide


# -- A3: service levels and production batches --------------------------------------------------

def test_production_batches_hold_what_their_ground_truth_says(built):
    import yaml
    from scipy.stats import ks_2samp

    truth, layout = built.ground_truth, built.layout
    stated = yaml.safe_load((ROOT / "cases" / truth.case_id / "case.yaml").read_text(encoding="utf-8"))
    assert truth.production.service_levels == {**truth.production.service_levels,
                                               **stated["production"]["niveaux_de_service"]}
    batches = {b.kind: b for b in truth.production.batches}
    assert sorted(batches) == ["conforme", "derive_concept", "derive_covariables", "schema_casse"]
    assert sorted(p.name for p in layout.batches_dir.iterdir()) == [f"lot_{i}.csv" for i in range(1, 5)]
    train = read(layout.table(truth.main_table))
    frames = {kind: read(layout.batches_dir / b.file) for kind, b in batches.items()}
    feature = batches["derive_covariables"].shifted_features[0]
    target = truth.target.column if hasattr(truth.target, "column") else built.spec.cible.colonne

    def numbers(frame, column):
        return pd.to_numeric(frame[column], errors="coerce").dropna()

    # independent check with scipy: the shifted feature moved in the drifted batch only
    assert ks_2samp(numbers(train, feature), numbers(frames["derive_covariables"], feature)).pvalue < 1e-6
    for kind in ("conforme", "derive_concept"):
        assert ks_2samp(numbers(train, feature), numbers(frames[kind], feature)).pvalue > 1e-3, kind
    # concept drift: same features, other labels where the feature is high
    high = numbers(frames["derive_concept"], feature).rank(method="first") > len(frames["derive_concept"]) / 2
    concept_rate = pd.to_numeric(frames["derive_concept"][target])[high.reindex(frames["derive_concept"].index,
                                                                                 fill_value=False)].mean()
    train_high = numbers(train, feature) > numbers(train, feature).median()
    train_rate = pd.to_numeric(train[target], errors="coerce")[train_high.reindex(train.index,
                                                                                   fill_value=False)].mean()
    assert abs(concept_rate - train_rate) > 0.1
    # broken schema: one feature missing, one numeric feature no longer numeric
    broken = batches["schema_casse"]
    assert broken.missing_columns and not set(broken.missing_columns) & set(frames["schema_casse"].columns)
    assert set(broken.missing_columns) <= set(truth.features)
    assert numbers(frames["schema_casse"], broken.wrong_type_columns[0]).empty
    for kind, frame in frames.items():
        assert len(frame) == batches[kind].rows == built.spec.production.lignes_par_lot
        # no row of the released data or the holdout
        assert not set(frame[truth.key]) & set(train[truth.key]), kind
