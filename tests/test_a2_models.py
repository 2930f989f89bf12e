"""A2C5, A2C7, A2C8 (decision threshold) and A2C9: model families, training modes, costs, infrastructure.

The store-based checks are run on a small MLflow store written here, whose
models are reloaded by the sandboxed worker; expectations are stated from what
was logged (which estimator, seeded or not, which curve), not from the
grader's output. The threshold's tolerance is checked by simulation on
calibrated scores, where the optimal threshold is known (Bayes:
c_fp / (c_fp + c_fn)).
"""

import os
import re
import warnings
from pathlib import Path
from types import SimpleNamespace

import mlflow
import mlflow.sklearn
import numpy as np
import pytest
import yaml
from sklearn.cluster import KMeans
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier

from mspr.errors import MsprError
from mspr.grading.checks import CheckContext
from mspr.grading.checks.a2_conception import (StoreAnswer, infrastructure, model_families, threshold_costs,
                                               threshold_score, training_modes)
from mspr.infra import RULES, draw_infrastructure, load_infrastructure, rule_violations
from mspr.paths import REPO_ROOT

# -- decision threshold ----------------------------------------------------------------------------


def test_threshold_costs_count_missed_positives_and_false_alarms():
    scores, labels = [0.1, 0.4, 0.6, 0.9], [0, 1, 0, 1]
    # flag ≥ 0.5: 0.6 (a false alarm) and 0.9; 0.4 is a missed positive
    assert threshold_costs(scores, labels, [0.5], 100.0, 10.0)[0, 0] == pytest.approx((100 + 10) / 4)
    # flag no one: both positives missed; flag everyone: both negatives are false alarms
    assert threshold_costs(scores, labels, [np.inf, 0.0], 100.0, 10.0)[0].tolist() == [50.0, 5.0]


def _case_costs_and_holdouts():
    out = []
    for case in ("mutuelle_horizon", "hainaut_polymeres", "oceane_mobilites"):
        spec = yaml.safe_load((REPO_ROOT / "cases" / case / "case.yaml").read_text(encoding="utf-8"))
        costs = spec["cible"]["couts"]
        rows = int(spec["donnees"]["lignes"] * spec["donnees"].get("part_reservee", 0.2))
        out.append(pytest.param(costs["faux_negatif"], costs["faux_positif"], rows, spec["cible"]["taux_positifs"],
                                id=case))
    return out


@pytest.mark.parametrize("c_fn, c_fp, rows, rate", _case_costs_and_holdouts())
def test_the_optimal_threshold_loses_points_at_most_1_percent_of_the_time(c_fn, c_fp, rows, rate):
    """Calibrated scores: the Bayes threshold minimises the expected cost; the holdout's noise must not cost it."""
    rng = np.random.default_rng(7)
    trials, lost, default_lost = 200, 0, 0
    for trial in range(trials):
        logit = rng.normal(np.log(rate / (1 - rate)) - 0.5, 1.2, rows)
        p = 1 / (1 + np.exp(-logit))
        labels = (rng.random(rows) < p).astype(int)
        lost += threshold_score(p, labels, c_fp / (c_fp + c_fn), c_fn, c_fp)[0] < 1.0
        if trial < 20:
            default_lost += threshold_score(p, labels, 0.5, c_fn, c_fp)[0] < 1.0
    assert lost / trials <= 0.01
    assert default_lost == 20  # the costs-blind default threshold is caught


# -- infrastructure -----------------------------------------------------------------------------------

INFRA = {
    "zones": [{"id": "internet", "libelle": "Internet", "exposition": "internet"},
              {"id": "dmz", "libelle": "DMZ", "exposition": "dmz"},
              {"id": "interne", "libelle": "Interne", "exposition": "interne"}],
    "services": [{"id": "api", "libelle": "API de score", "zone": "dmz"}],
    "stockages": [{"id": "base", "libelle": "Base", "zone": "interne", "donnees_personnelles": True,
                   "mesures": ["chiffrement"]},
                  {"id": "registre", "libelle": "Registre", "zone": "interne", "donnees_personnelles": False}],
    "mesures": [{"id": "chiffrement", "libelle": "Chiffrement au repos", "type": "chiffrement"}],
    "liens": [{"source": "api", "cible": "base", "protocole": "TLS", "chiffre": True},
              {"source": "api", "cible": "registre", "protocole": "HTTP", "chiffre": False}],
}


def write(path, data):
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def broken(**changes):
    data = yaml.safe_load(yaml.safe_dump(INFRA))
    for key, edit in changes.items():
        edit(data[key])
    return data


@pytest.mark.parametrize("rule, data", [
    ("identifiants", broken(services=lambda s: s.append({"id": "base", "libelle": "x", "zone": "dmz"}))),
    ("zones", broken(services=lambda s: s[0].update(zone="cloud"))),
    ("liens", broken(liens=lambda links: links.append({"source": "api", "cible": "nulle_part", "protocole": "x",
                                                       "chiffre": True}))),
    ("donnees_personnelles", broken(stockages=lambda s: s[0].update(mesures=[]))),
    ("donnees_personnelles", broken(stockages=lambda s: s[0].update(mesures=["inconnue"]))),
    ("donnees_personnelles", broken(stockages=lambda s: s[0].update(zone="internet"))),
    ("flux_chiffres", broken(liens=lambda links: links[0].update(chiffre=False))),
])
def test_each_design_rule_is_checked(tmp_path, rule, data):
    assert not any(rule_violations(load_infrastructure(write(tmp_path / "ok.yaml", INFRA))).values())
    violations = rule_violations(load_infrastructure(write(tmp_path / "infra.yaml", data)))
    assert violations[rule] and not any(v for k, v in violations.items() if k != rule)


def test_a_malformed_description_names_the_file_and_the_field(tmp_path):
    data = broken(zones=lambda z: z[0].update(exposition="publique"))
    with pytest.raises(MsprError) as err:
        load_infrastructure(write(tmp_path / "infra.yaml", data))
    message = err.value.format()
    assert "infra.yaml" in message and "exposition" in message


def test_the_diagram_is_drawn_offline(tmp_path):
    path = draw_infrastructure(load_infrastructure(write(tmp_path / "infra.yaml", INFRA)), tmp_path / "infra.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def context(workdir):
    """A context whose released main table is ``workdir/table.csv`` (when a check reads it)."""
    truth = SimpleNamespace(main_table="t", key="id", tables={"t": SimpleNamespace(file="table.csv")})
    return CheckContext(answers={}, ground_truth=truth, ground_truth_dir=workdir / "verite", workdir=workdir)


def test_the_infrastructure_check_scores_the_rules_held(tmp_path):
    write(tmp_path / "infra.yaml", INFRA)
    assert infrastructure(context(tmp_path), "infra.yaml")[0] == 1.0
    write(tmp_path / "faute.yaml", broken(stockages=lambda s: s[0].update(mesures=[])))
    fraction, evidence = infrastructure(context(tmp_path), "faute.yaml")
    assert fraction == pytest.approx((len(RULES) - 1) / len(RULES))
    assert "« base » contient des données personnelles sans mesure" in evidence
    write(tmp_path / "rien.yaml", broken(stockages=lambda s: s[0].update(donnees_personnelles=False)))
    assert "aucun stockage déclaré avec des données personnelles" in infrastructure(context(tmp_path), "rien.yaml")[1]
    write(tmp_path / "faux.yaml", {"zones": []})
    assert infrastructure(context(tmp_path), "faux.yaml")[0] == 0.0


# -- the team's store: families and training modes ---------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store with a dummy, an unseeded tree, a seeded KMeans, one SGD trained by partial_fit with its curve,
    one SGD trained by partial_fit without a curve, an MLP fitted for many epochs with a per-epoch curve, and
    a forest whose run was deleted; the released table has 300 rows."""
    from sklearn.ensemble import RandomForestClassifier

    workdir = tmp_path_factory.mktemp("store")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    (workdir / "table.csv").write_text("id\n" + "\n".join(str(i) for i in range(300)) + "\n", encoding="utf-8")
    old = Path.cwd()
    os.chdir(workdir)
    try:
        from mspr.tracking import tracking_store

        uri = tracking_store(workdir)
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment("equipe")

        def log(name, model, curve=0):
            with mlflow.start_run(run_name=name) as run:
                for step in range(curve):
                    mlflow.log_metric("auc_validation", 0.5 + step / 100, step=(step + 1) * 30)
                mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle",
                                         pip_requirements=["scikit-learn"])  # no slow inference
            return run.info.run_id

        log("arbre_sans_nom_evocateur", DummyClassifier().fit(X, y))
        log("gradient_boosting", DecisionTreeClassifier(max_depth=2).fit(X, y))  # the name lies: a tree, unseeded
        log("segments", KMeans(n_clusters=3, n_init=2, random_state=0).fit(X))
        sgd = SGDClassifier(loss="log_loss", random_state=0)
        for start in range(0, 300, 30):
            sgd.partial_fit(X[start:start + 30], y[start:start + 30], classes=[0, 1])
        log("mini_lots", sgd, curve=10)
        log("sans_courbe", SGDClassifier(random_state=0).partial_fit(X, y, classes=[0, 1]), curve=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning
            log("mlp", MLPClassifier(hidden_layer_sizes=(4,), max_iter=40, random_state=0).fit(X, y), curve=8)
        deleted = log("foret", RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y))
        mlflow.MlflowClient(uri).delete_run(deleted)
    finally:
        mlflow.set_tracking_uri(None)
        os.chdir(old)
    return workdir, uri


@pytest.fixture(scope="module")
def store_context(store):
    """One context for the store's checks: its cache holds the models' inspection (one sandboxed worker run)."""
    return context(store[0])


def test_families_are_read_from_the_estimators_not_the_run_names(store, store_context):
    fraction, evidence = model_families(store_context, StoreAnswer(tracking_uri=store[1]))
    # dummy, linear (the SGDs), neural network and clustering; the tree is unseeded, the forest's run is deleted
    assert fraction == pytest.approx(4 / 7)
    assert "référence naïve (Dummy) : DummyClassifier (run « arbre_sans_nom_evocateur »)" in evidence
    assert "segmentation (clustering) : KMeans" in evidence
    assert "arbre de décision (DecisionTreeClassifier (run « gradient_boosting ») sans graine" in evidence
    assert "forêt aléatoire" in evidence.split("manquantes :")[1]


def test_training_modes_need_partial_fit_and_a_learning_curve(store, store_context):
    fraction, evidence = training_modes(store_context, StoreAnswer(tracking_uri=store[1]))
    assert fraction == pytest.approx(2 / 3)  # batch + one incremental run with its curve
    assert "run « mini_lots » (SGDClassifier) : 300 lignes vues, courbe « auc_validation » en 10 points" in evidence
    assert "run « sans_courbe » (SGDClassifier) : sans courbe d'apprentissage" in evidence
    # fitted for up to 40 epochs over the 300 rows: several passes, not a stream
    assert re.search(r"run « mlp » \(MLPClassifier\) : \d+ lignes vues pour 300 lignes, plusieurs passes", evidence)


def test_a_store_outside_the_team_folder_is_refused(store, tmp_path):
    from mspr.grading.checks import AnswerError

    _, uri = store
    with pytest.raises(AnswerError, match="dossier de l'équipe"):
        model_families(context(tmp_path), StoreAnswer(tracking_uri=uri))
