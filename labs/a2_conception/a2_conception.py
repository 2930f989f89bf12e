# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Bloc A2 — Conception : données, modèle et validation
#
# Le cadrage est validé : **Mutuelle Horizon Santé** veut un modèle qui estime,
# pour chaque adhérent, la probabilité qu'il résilie son contrat (colonne cible
# `resiliation` de `donnees/adherents.csv` : 1 si l'adhérent a résilié).
#
# **Compétences évaluées**
#
# - **A2C1** — Analyser le corpus de données disponibles afin de choisir les
#   données appropriées (contrôles de qualité, détection d'une fuite de la cible).
# - **A2C4** — Évaluer l'adéquation des modèles d'apprentissage disponibles avec
#   le projet (cellule évaluée par le jury).
# - **A2C6** — Analyser les performances et la capacité prédictive du modèle
#   proposé : il sera évalué sur un jeu de test caché, tiré de la même population.
# - **A2C8** — Définir une phase de test et de validation du modèle : validation
#   croisée stratifiée, tracée dans MLflow.
#
# **Livrables**
#
# 1. Les contrôles de qualité des données et la colonne qui fuit la cible.
# 2. Un pipeline scikit-learn **complet** (préparation + modèle) qui accepte les
#    colonnes brutes de `adherents.csv` sans la cible, validé par validation
#    croisée et enregistré dans MLflow (base `mlflow.db` de ce dossier).
# 3. Les réponses enregistrées dans `reponses.json` par les cellules prévues
#    (ne les modifiez pas).
# 4. La justification du choix du modèle (dernière cellule, évaluée par le jury).
#
# Contraintes : toutes les étapes aléatoires sont initialisées (`random_state`) ;
# pas de `lambda` dans le pipeline (le modèle doit pouvoir être rechargé dans un
# autre processus) ; l'environnement est hors ligne.
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from mspr.answers import record

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # épreuve hors ligne
warnings.filterwarnings("ignore", category=FutureWarning)

CIBLE = "resiliation"
adherents = pd.read_csv(Path("donnees") / "adherents.csv")
print(f"{adherents.shape[0]} lignes × {adherents.shape[1]} colonnes")
print(f"Taux de résiliation : {adherents[CIBLE].mean():.1%}")
adherents.head()

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_qualite", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Contrôles de qualité
#
# Vérifiez les données avant de les utiliser : identifiants uniques, valeurs
# manquantes, valeurs hors des plages plausibles, formats hétérogènes. Vous
# pouvez utiliser Great Expectations (`gx.get_context(mode="ephemeral")`, import
# lent : quelques secondes) ou pandas. Décidez du traitement de chaque défaut :
# les défauts de format et de plage doivent être traités **dans le pipeline**,
# puisque le modèle recevra des données brutes.

# %% nbgrader={"grade": false, "grade_id": "qualite", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
import great_expectations as gx
import great_expectations.expectations as gxe

from great_expectations.data_context.types.base import ProgressBarsConfig

contexte = gx.get_context(mode="ephemeral")
contexte.variables.progress_bars = ProgressBarsConfig(globally=False)
lot = (
    contexte.data_sources.add_pandas("adherents")
    .add_dataframe_asset("adherents")
    .add_batch_definition_whole_dataframe("tout")
)
suite = gx.ExpectationSuite(name="adherents_qualite")
for attente in [
    gxe.ExpectColumnValuesToBeUnique(column="id_adherent"),
    gxe.ExpectColumnValuesToNotBeNull(column="date_naissance"),
    gxe.ExpectColumnValuesToMatchRegex(column="date_naissance", regex=r"^\d{4}-\d{2}-\d{2}$"),
    gxe.ExpectColumnValuesToMatchRegex(column="date_adhesion", regex=r"^\d{4}-\d{2}-\d{2}$"),
    # naissance plausible (1900–2009) ; une plage sur des dates texte passe par une expression régulière
    gxe.ExpectColumnValuesToMatchRegex(column="date_naissance", regex=r"^(19\d\d|200\d)-"),
    gxe.ExpectColumnValuesToBeBetween(column="cotisation_mensuelle", min_value=0, strict_min=True),
    gxe.ExpectColumnValuesToBeBetween(column="nb_beneficiaires", min_value=1, max_value=15),
    gxe.ExpectColumnValuesToBeBetween(column="satisfaction", min_value=1, max_value=5),
    gxe.ExpectColumnValuesToNotBeNull(column="satisfaction"),
    gxe.ExpectColumnValuesToBeBetween(column="montant_rembourse_12m", min_value=0),
    gxe.ExpectColumnValuesToNotBeNull(column="cotisation_mensuelle"),
    gxe.ExpectColumnValuesToBeInSet(column=CIBLE, value_set=[0, 1]),
]:
    suite.add_expectation(attente)
resultat = lot.get_batch(batch_parameters={"dataframe": adherents}).validate(suite)
controles = pd.DataFrame([
    {
        "controle": r.expectation_config.type,
        "colonne": r.expectation_config.kwargs.get("column"),
        "reussi": r.success,
        "lignes_en_defaut": r.result.get("unexpected_count"),
        "exemples": r.result.get("partial_unexpected_list", [])[:3],
    }
    for r in resultat.results
])
print(f"Doublons exacts : {adherents.duplicated().sum()} lignes")
### END SOLUTION
controles

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_fuite", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Fuite de la cible
#
# Une des colonnes de `adherents.csv` n'est connue **qu'après** la résiliation :
# l'utiliser donnerait un modèle excellent sur le papier et inutile en
# production. Identifiez-la (démontrez-le) et rangez son nom dans `leaky_column`.

# %% nbgrader={"grade": false, "grade_id": "fuite", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
from sklearn.metrics import roc_auc_score

# Pouvoir prédictif du seul fait qu'une colonne soit renseignée : une colonne
# remplie (presque) uniquement pour les résiliés trahit la cible.
renseigne = {
    colonne: roc_auc_score(adherents[CIBLE], adherents[colonne].notna())
    for colonne in adherents.columns.drop(CIBLE)
    if adherents[colonne].isna().any()
}
print(pd.Series(renseigne, name="AUC de « colonne renseignée »").sort_values(ascending=False).round(3))
leaky_column = max(renseigne, key=renseigne.get)
print(pd.crosstab(adherents[leaky_column].notna(), adherents[CIBLE],
                  rownames=[f"{leaky_column} renseignée"], colnames=[CIBLE]))
### END SOLUTION
print("Colonne qui fuit :", leaky_column)

# %% nbgrader={"grade": false, "grade_id": "reponse_fuite", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A2C1.leaky_column", leaky_column)

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_pipeline", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Pipeline de préparation et modèle
#
# Construisez un `Pipeline` scikit-learn qui prend les colonnes **brutes** de
# `adherents.csv` (sans la cible ; il doit ignorer les colonnes qu'il n'utilise
# pas, par exemple avec un `ColumnTransformer`) et renvoie une probabilité de
# résiliation avec `predict_proba`. Les variables dérivées (âge, ancienneté…)
# sont calculées par des fonctions nommées (pas de `lambda`), par exemple avec
# `FunctionTransformer`. N'utilisez ni la colonne qui fuit ni les données
# d'identification. Préparez `X` (sans la cible) et `y`.

# %% nbgrader={"grade": false, "grade_id": "pipeline", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

# Date à laquelle âges et anciennetés sont mesurés : la date de référence de
# l'extraction (cahier des charges). C'est une constante du modèle, pas la date
# du jour : il doit répondre pareil quel que soit le jour où on l'interroge.
DATE_REFERENCE = "2024-12-31"
COLONNES_BRUTES = ["date_naissance", "date_adhesion", "cotisation_mensuelle", "nb_beneficiaires",
                   "nb_reclamations_12m", "montant_rembourse_12m", "satisfaction"]
CATEGORIELLES = ["formule", "canal_acquisition"]
VARIABLES = ["age_annees", "anciennete_annees", "log_cotisation", "nb_beneficiaires",
             "nb_reclamations_12m", "montant_rembourse_12m", "satisfaction"]
PLAGES = {"age_annees": (16, 110), "anciennete_annees": (0, 80), "nb_beneficiaires": (1, 15),
          "nb_reclamations_12m": (0, 100), "montant_rembourse_12m": (0, 1e6), "satisfaction": (1, 5)}


def lire_dates(valeurs):
    """Dates écrites AAAA-MM-JJ ou JJ/MM/AAAA ; invalides ou manquantes → NaT."""
    texte = pd.Series(valeurs).astype("string").str.strip()
    iso = pd.to_datetime(texte, format="%Y-%m-%d", errors="coerce")
    return iso.fillna(pd.to_datetime(texte, format="%d/%m/%Y", errors="coerce"))


def variables_derivees(brut, date_reference):
    """Variables numériques du modèle ; valeurs hors plage plausible → NaN."""
    reference = pd.Timestamp(date_reference)
    nombres = {c: pd.to_numeric(brut[c], errors="coerce").astype(float) for c in COLONNES_BRUTES[2:]}
    cotisation = nombres["cotisation_mensuelle"]
    sortie = pd.DataFrame({
        "age_annees": (reference - lire_dates(brut["date_naissance"])).dt.days / 365.25,
        "anciennete_annees": (reference - lire_dates(brut["date_adhesion"])).dt.days / 365.25,
        "log_cotisation": np.log(cotisation.where(cotisation > 0)),
        "nb_beneficiaires": nombres["nb_beneficiaires"],
        "nb_reclamations_12m": nombres["nb_reclamations_12m"],
        "montant_rembourse_12m": nombres["montant_rembourse_12m"],
        "satisfaction": nombres["satisfaction"],
    }, index=brut.index).astype(float)
    for colonne, (bas, haut) in PLAGES.items():
        sortie[colonne] = sortie[colonne].where(sortie[colonne].between(bas, haut))
    return sortie[VARIABLES]


def noms_variables(transformateur, entrees):
    """Noms des colonnes produites par variables_derivees (get_feature_names_out)."""
    return np.asarray(VARIABLES, dtype=object)


def preparation(numerique):
    """ColumnTransformer : variables dérivées + catégorielles ; le reste est ignoré."""
    derivees = FunctionTransformer(variables_derivees, kw_args={"date_reference": DATE_REFERENCE},
                                   feature_names_out=noms_variables)
    return ColumnTransformer(
        [
            ("numeriques", make_pipeline(derivees, *numerique), COLONNES_BRUTES),
            ("categorielles", OneHotEncoder(handle_unknown="ignore"), CATEGORIELLES),
        ],
        remainder="drop",
    )


candidats = {
    "regression_logistique": Pipeline([
        ("preparation", preparation([SimpleImputer(strategy="median"), StandardScaler()])),
        ("modele", LogisticRegression(C=0.3, max_iter=1000)),
    ]),
    # n_jobs=1 : un seul cœur, pour ne pas se disputer le processeur avec les autres équipes
    "foret_aleatoire": Pipeline([
        ("preparation", preparation([SimpleImputer(strategy="median")])),
        ("modele", RandomForestClassifier(n_estimators=300, min_samples_leaf=10, max_features=0.5,
                                          random_state=0, n_jobs=1)),
    ]),
}

# Données d'apprentissage : une ligne par adhérent ; on ne garde que les
# colonnes utiles (minimisation : pas de données d'identification dans les
# artefacts MLflow). Le pipeline accepte quand même la table brute complète.
donnees = adherents.drop_duplicates(subset="id_adherent")
X = donnees[COLONNES_BRUTES + CATEGORIELLES]
y = donnees[CIBLE].astype(int)
print(f"Date de référence : {DATE_REFERENCE} ; {len(X)} adhérents ({len(adherents) - len(X)} doublons retirés)")
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_validation", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Validation croisée et suivi dans MLflow
#
# Évaluez vos modèles candidats par validation croisée stratifiée à 5 plis
# (`StratifiedKFold(n_splits=5, shuffle=True, random_state=...)`, score
# `roc_auc`). Puis, dans une exécution MLflow (suivi dans la base SQLite
# `mlflow.db` de ce dossier, **URI absolue** : `"sqlite:///" + str(Path.cwd() / "mlflow.db")`) :
# enregistrez les paramètres (dont `cv_n_splits`), les métriques `cv_roc_auc_mean` et
# `cv_roc_auc_std` du modèle retenu, puis le modèle retenu **entraîné sur toutes les
# données**, avec `mlflow.sklearn.log_model(modele, name="model", input_example=...,
# serialization_format="cloudpickle")`.
#
# Rangez l'URI de suivi dans `tracking_uri`, le résultat de `log_model` dans
# `model_info` et l'identifiant de l'exécution dans `run_id`.

# %% nbgrader={"grade": false, "grade_id": "validation", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
import mlflow
import mlflow.sklearn
from sklearn.model_selection import StratifiedKFold, cross_validate

CV_N_SPLITS, CV_SEED = 5, 42
plis = StratifiedKFold(n_splits=CV_N_SPLITS, shuffle=True, random_state=CV_SEED)
scores = {nom: cross_validate(modele, X, y, cv=plis, scoring="roc_auc")["test_score"]
          for nom, modele in candidats.items()}
comparaison = pd.DataFrame({nom: {"roc_auc_moyenne": s.mean(), "roc_auc_ecart_type": s.std()}
                            for nom, s in scores.items()}).T.round(4)
print(comparaison)
retenu = comparaison["roc_auc_moyenne"].idxmax()
modele = candidats[retenu]
print("Modèle retenu :", retenu)

tracking_uri = "sqlite:///" + str(Path.cwd() / "mlflow.db")
mlflow.set_tracking_uri(tracking_uri)
mlflow.set_experiment("a2_conception")
with mlflow.start_run(run_name=retenu) as execution:
    mlflow.log_params({
        "modele": retenu,
        "cv_n_splits": CV_N_SPLITS,
        "cv_random_state": CV_SEED,
        "cv_scoring": "roc_auc",
        "date_reference": DATE_REFERENCE,
        "variables": ",".join(VARIABLES + CATEGORIELLES),
        "n_apprentissage": len(X),
        **{f"{retenu}__{k}": v for k, v in modele.named_steps["modele"].get_params().items()
           if isinstance(v, (int, float, str)) and not isinstance(v, bool)},
    })
    mlflow.log_metrics({
        "cv_roc_auc_mean": float(scores[retenu].mean()),
        "cv_roc_auc_std": float(scores[retenu].std()),
        **{f"cv_roc_auc_{nom}": float(s.mean()) for nom, s in scores.items()},
    })
    modele.fit(X, y)
    model_info = mlflow.sklearn.log_model(modele, name="model", input_example=X.head(5),
                                          serialization_format="cloudpickle")
run_id = execution.info.run_id

# Contrôle : le modèle rechargé depuis MLflow prédit sur la table brute complète.
recharge = mlflow.sklearn.load_model(model_info.model_uri)
assert np.allclose(recharge.predict_proba(adherents.drop(columns=CIBLE).head(50))[:, 1],
                   modele.predict_proba(adherents.drop(columns=CIBLE).head(50))[:, 1])
### END SOLUTION
print(f"Exécution MLflow {run_id} ; modèle {model_info.model_uri}")

# %% nbgrader={"grade": false, "grade_id": "reponse_modele", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A2C6.model", {
    "tracking_uri": tracking_uri,
    "model_uri": model_info.model_uri,
    "run_id": run_id,
})

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_choix", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Choix du modèle (évalué par le jury)
#
# Justifiez en une dizaine de lignes : quels modèles avez-vous comparés et
# comment ? Pourquoi celui-ci, au regard de la performance, de la stabilité
# entre plis, de l'explicabilité attendue par la mutuelle et des contraintes de
# déploiement ? Quelles limites et quelle suite (seuil de décision, suivi) ?

# %% [markdown] nbgrader={"grade": true, "grade_id": "A2C4-choix_modele", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Comparaison.** Deux familles, même préparation (âge et ancienneté calculés à
# une date de référence fixe, logarithme de la cotisation, valeurs hors plage
# mises à manquant, formule et canal en indicatrices) : une régression
# logistique (imputation médiane, standardisation) et une forêt aléatoire
# (imputation médiane ; capte les non-linéarités et les interactions).
# Même validation croisée stratifiée à 5 plis, graine fixée, score ROC AUC :
# on classe des adhérents par risque, l'AUC mesure exactement cette capacité,
# indépendamment du seuil et du déséquilibre des classes.
#
# **Choix.** La régression logistique obtient la meilleure AUC moyenne (≈ 0,81
# contre ≈ 0,79 pour la forêt, voir le tableau), à stabilité entre plis
# comparable : le risque de résiliation varie ici de façon essentiellement
# additive et monotone avec les variables, et sur 2 000 adhérents les arbres
# ajoutent de la variance sans capter de structure supplémentaire. Elle a aussi
# les qualités demandées par le cahier des charges : coefficients lisibles par
# les conseillers (effet d'une réclamation, d'un point de satisfaction, d'une
# année d'ancienneté), explication possible à l'adhérent, modèle léger à servir
# et à réentraîner. La colonne `date_resiliation`, connue après coup, est
# exclue ; aucune donnée d'identification n'entre dans le modèle.
#
# **Limites et suite.** L'AUC de validation croisée estime la performance sur
# des adhérents de la même période ; il faut la confirmer sur une période
# ultérieure. Le seuil d'action se fixe avec le service adhérents selon sa
# capacité d'appel (par ex. les 10 % les plus à risque) et le coût d'une
# résiliation évitée ; on suivra la calibration, la dérive des variables et
# l'équité du score entre tranches d'âge.
# ### END SOLUTION
