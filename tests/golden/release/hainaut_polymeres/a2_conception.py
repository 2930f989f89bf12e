# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "77f3589b3aa7839141587d0f642c24a1", "grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Bloc A2 — Conception : données, modèle et validation
#
# Le cadrage est validé : **Hainaut Polymères Industries** veut un modèle qui
# estime, pour chaque machine, la probabilité de l'événement suivant : panne
# avec arrêt de production dans les 30 jours suivant la date de référence.
# Colonne cible : `panne_30j` de `donnees/machines.csv` (1 si l'événement a eu
# lieu, 0 sinon).
#
# Les données sont celles du bloc A1, dans `donnees/` :
#
# - `fournisseurs.csv` — Fournisseurs des équipements (constructeurs et
#   intégrateurs), avec leur interlocuteur pour le service après-vente.
# - `machines.csv` — Une machine (équipement de production) par ligne, avec ses
#   caractéristiques, son utilisation, sa maintenance et ses mesures de
#   supervision des 30 derniers jours.
# - `releves_capteurs.csv` — Relevés de supervision des 60 derniers jours : une
#   mesure agrégée par machine et par poste de travail échantillonné (environ
#   deux par semaine).
# - `interventions.csv` — Interventions de maintenance des deux dernières années
#   saisies dans la GMAO, avec le compte rendu rédigé par le technicien (38
#   techniciens de maintenance dans le groupe).
#
# **Compétences évaluées**
#
# - **A2C1** — Analyser le corpus de données disponibles afin de choisir les
#   données appropriées (contrôles de qualité, détection d'une fuite de la cible,
#   cartographie des données).
# - **A2C2** — Structurer les données dans le respect du RGPD : table de
#   modélisation préparée, suite d'attentes de qualité éprouvée.
# - **A2C4** — Évaluer l'adéquation des modèles d'apprentissage disponibles avec
#   le projet (cellule évaluée par le jury).
# - **A2C5** — Comparer les familles de modèles (référence naïve, linéaire, arbre,
#   forêt, boosting, réseau de neurones, segmentation), chacune tracée dans MLflow.
# - **A2C6** — Analyser les performances et la capacité prédictive du modèle
#   proposé : il sera évalué sur un jeu de test caché, tiré de la même population.
# - **A2C7** — Mettre en œuvre les modes d'entraînement : par lot, par mini-lots
#   et en ligne (`partial_fit`), avec la courbe d'apprentissage.
# - **A2C8** — Définir une phase de test et de validation du modèle : validation
#   croisée stratifiée, tracée dans MLflow, seuil de décision choisi selon les
#   coûts métier.
# - **A2C9** — Maquetter l'infrastructure cible (fichier YAML décrit dans la
#   section dédiée, schéma dessiné).
#
# **Livrables**
#
# 1. Les contrôles de qualité des données et la colonne qui fuit la cible, puis
#    la table de modélisation (ETL), la cartographie des données et la suite
#    d'attentes Great Expectations (dossier `livrables_a2/`, section 2 bis).
# 2. Un pipeline scikit-learn **complet** (préparation + modèle) qui accepte les
#    colonnes brutes de `machines.csv` sans la cible, validé par validation
#    croisée et enregistré dans MLflow (base `mlflow.db` de ce dossier).
# 3. Les réponses enregistrées dans `reponses.json` par les cellules prévues
#    (ne les modifiez pas).
# 4. La justification du choix du modèle (dernière cellule, évaluée par le jury).
#
# Contraintes : toutes les étapes aléatoires sont initialisées (`random_state`) ;
# pas de `lambda` dans le pipeline (le modèle doit pouvoir être rechargé dans un
# autre processus) ; l'environnement est hors ligne. La date de référence de
# l'extraction est le 03/03/2025.
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "6628b668b7b992b3519868faf75f4475", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from mspr.answers import record

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # épreuve hors ligne
warnings.filterwarnings("ignore", category=FutureWarning)

DONNEES = Path("donnees")
TABLE_PRINCIPALE = "machines"
CLE = "id_machine"
CIBLE = "panne_30j"
# colonnes à prédire : le modèle ne les reçoit jamais en entrée
CIBLES = ["panne_30j"]
DATE_REFERENCE = "2025-03-03"  # date de l'extraction (AAAA-MM-JJ)
tables = {nom: pd.read_csv(DONNEES / f"{nom}.csv") for nom in ["fournisseurs", "machines", "releves_capteurs", "interventions"]}
for nom, table in tables.items():
    print(f"{nom:20s} {table.shape[0]:6d} lignes × {table.shape[1]:2d} colonnes")
principale = tables[TABLE_PRINCIPALE]
print(f"Taux de la cible {CIBLE} : {principale[CIBLE].mean():.1%}")
principale.head()

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "7203430d8c01c522ccda288eb5d236af", "grade": false, "grade_id": "consigne_qualite", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Contrôles de qualité
#
# Vérifiez les données avant de les utiliser : identifiants uniques, valeurs
# manquantes, valeurs hors des plages plausibles, formats hétérogènes (nombres
# écrits avec une virgule décimale, dates `AAAA-MM-JJ` ou `JJ/MM/AAAA`…),
# clés étrangères sans correspondance. Vous pouvez utiliser Great Expectations
# (`gx.get_context(mode="ephemeral")`, import lent : quelques secondes) ou
# pandas. Rangez vos contrôles dans un DataFrame `controles` et décidez du
# traitement de chaque défaut : les défauts de format et de plage doivent être
# traités **dans le pipeline**, puisque le modèle recevra des données brutes.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "fc72e4818aa9e74a55b90a00540cc802", "grade": false, "grade_id": "qualite", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
controles

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "d5d4970d29b9c334c330e42a3a9752d8", "grade": false, "grade_id": "consigne_fuite", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Fuite de la cible
#
# Une des colonnes de `machines.csv` n'est connue **qu'après**
# l'événement à prédire : l'utiliser donnerait un modèle excellent sur le papier
# et inutile en production. Identifiez-la (démontrez-le) et rangez son nom dans
# `leaky_column`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "99ebe786cb37289ae50a2b357efa69dd", "grade": false, "grade_id": "fuite", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
print("Colonne qui fuit :", leaky_column)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "9fc62ae46c35517078d4d96b93d1f3c6", "grade": false, "grade_id": "reponse_fuite", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A2C1.leaky_column", leaky_column)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "9ea03c26ce22d24210b097de75b65196", "grade": false, "grade_id": "consigne_preparation", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2 bis. Préparation des données : ETL, cartographie et suite d'attentes
#
# Écrivez un traitement documenté (ETL) qui produit la **table de modélisation**
# `table_modelisation` (DataFrame), une ligne par machine :
#
# - doublons retirés (une seule ligne par valeur de `id_machine`, la clé de
#   `machines.csv`, gardée telle quelle : c'est un identifiant technique) ;
# - types et formats corrigés : nombres en nombres (virgule décimale relue),
#   dates écrites `AAAA-MM-JJ`, une seule écriture par modalité ; une valeur
#   hors de sa plage plausible devient manquante ;
# - les colonnes de `machines.csv` que vous gardez conservent leur
#   nom (variables explicatives et cible) ; ajoutez des agrégats par
#   machine calculés sur les tables liées (jointure sur la clé : nombre de
#   lignes, moyennes…) ;
# - **aucun identifiant direct** (nom, e-mail, téléphone, NIR, IBAN…) : retiré ou
#   pseudonymisé comme décidé au bloc A1 (minimisation).
#
# Décrivez ensuite chaque colonne des tables reçues dans `carte_donnees`
# (cartographie des données) : une liste de dictionnaires avec les clés `table`,
# `colonne`, `source`, `proprietaire`, `categorie` (`identifiant_direct`,
# `identifiant_indirect`, `donnee_sensible` ou `non_personnelle`) et
# `conservation` (durée de conservation).
#
# Enfin, écrivez dans `suite_qualite` la suite d'attentes Great Expectations de
# la table de modélisation : une liste d'attentes au format de GX,
# `{"type": "expect_column_values_to_be_unique", "kwargs": {"column": ...}}`.
# `mspr.quality.run_suite(table, suite_qualite)` l'exécute (contexte GX
# éphémère) et renvoie un tableau d'une ligne par attente. Le correcteur
# l'exécute sur une table de modélisation **propre** tenue à part (la clé, les
# variables explicatives et la cible de `machines.csv`, nombres en
# nombres, dates `AAAA-MM-JJ`) — elle doit passer — puis sur des copies
# corrompues, chacune portant un des défauts que vous avez trouvés : la suite
# doit échouer, sur la bonne colonne. Les attentes portant sur vos agrégats ne
# sont pas exécutées sur ces tables.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "2de0ce0df529c2bc4bc4132e5695cef9", "grade": false, "grade_id": "preparation", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
resultats_qualite

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "e5c039926f1702d4954a28c4ed807865", "grade": false, "grade_id": "reponse_preparation", "locked": true, "schema_version": 3, "solution": false, "task": false}
import json


def ecrire_preparation(table, carte, suite, dossier=Path("livrables_a2")):
    """Écrit la table de modélisation (CSV), la carte des données et la suite d'attentes (JSON) ; renvoie les chemins."""
    dossier.mkdir(exist_ok=True)
    table.to_csv(dossier / "table_modelisation.csv", index=False)
    (dossier / "carte_donnees.json").write_text(json.dumps(carte, ensure_ascii=False, indent=1), encoding="utf-8")
    (dossier / "suite_attentes.json").write_text(json.dumps(suite, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"table": str(dossier / "table_modelisation.csv"), "carte": str(dossier / "carte_donnees.json"),
            "suite": str(dossier / "suite_attentes.json")}


record("A2C2.preparation", ecrire_preparation(table_modelisation, carte_donnees, suite_qualite))

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "c3a4ee1a98146a1ec9422df0d659ca39", "grade": false, "grade_id": "consigne_pipeline", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Pipeline de préparation et modèle
#
# Construisez un `Pipeline` scikit-learn qui prend les colonnes **brutes** de
# `machines.csv` (sans la cible ; il doit ignorer les colonnes qu'il
# n'utilise pas, par exemple avec un `ColumnTransformer`) et renvoie une
# probabilité avec `predict_proba`. Les variables dérivées (durées depuis une
# date, nombres écrits avec une virgule…) sont calculées par des fonctions
# nommées (pas de `lambda`), par exemple avec `FunctionTransformer`.
# N'utilisez ni la colonne qui fuit ni les données d'identification. Préparez
# `X` (sans la cible) et `y`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "434697216128281b017e64bc2da2228c", "grade": false, "grade_id": "pipeline", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "873f912f1c515b3f655498b730544eb7", "grade": false, "grade_id": "consigne_validation", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Validation croisée et suivi dans MLflow
#
# Évaluez vos modèles candidats par validation croisée stratifiée (au moins 5
# plis, par exemple `StratifiedKFold(n_splits=5, shuffle=True, random_state=...)`,
# score ROC AUC ou un autre score usuel). Puis, dans une exécution MLflow (suivi
# dans la base SQLite `mlflow.db` de ce dossier, **URI absolue**, créée avant
# tout usage : `mspr.tracking.tracking_store(Path.cwd())`) : enregistrez les
# paramètres, **le score de chaque pli** (noms libres : une métrique journalisée à
# chaque pli avec `step=`, des métriques numérotées ou un run enfant par pli) et
# leur moyenne, puis le modèle retenu **entraîné sur toutes les données**, avec
# `mlflow.sklearn.log_model(modele, name="model", input_example=...,
# serialization_format="cloudpickle")`, inscrit au registre de modèles avec l'alias
# `champion` (`mlflow.register_model`, `MlflowClient.set_registered_model_alias`).
#
# Le correcteur recharge ce modèle : il vérifie les colonnes qu'il lit
# réellement (ni la fuite ni un identifiant), refait la validation croisée sur un
# clone de l'estimateur et la compare aux scores par pli que vous avez
# journalisés.
#
# Rangez l'URI de suivi dans `tracking_uri`, le résultat de `log_model` dans
# `model_info` et l'identifiant de l'exécution dans `run_id`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "5e704d494a38f9999551dd9c95733134", "grade": false, "grade_id": "validation", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
print(f"Exécution MLflow {run_id} ; modèle {model_info.model_uri}")

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "69c62ee51efd92d270b4aab6adce1bef", "grade": false, "grade_id": "reponse_modele", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A2C6.model", {
    "tracking_uri": tracking_uri,
    "model_uri": model_info.model_uri,
    "run_id": run_id,
})

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "8a931ef0a3af69a4f68555dce7230871", "grade": false, "grade_id": "consigne_familles", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Familles de modèles comparées
#
# Comparez, **chacun dans une exécution MLflow** de votre base de suivi, avec
# le même découpage en plis : une référence naïve (`DummyClassifier`), un
# modèle linéaire, un arbre de décision, une forêt aléatoire, un gradient
# boosting, un petit réseau de neurones (`MLPClassifier`) et une segmentation
# des machines (`KMeans` ou équivalent). Chaque exécution journalise
# son modèle entraîné (`mlflow.sklearn.log_model`). Toutes les étapes
# aléatoires sont initialisées (`random_state`) ; gardez des modèles petits et
# `n_jobs=1` (l'épreuve tourne sur deux cœurs partagés).
#
# Le correcteur recharge **tous** les modèles journalisés de votre base et lit
# la classe de chaque estimateur (pas le nom de l'exécution). Rangez dans
# `runs_familles` l'identifiant d'exécution de chaque famille (pour mémoire).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "6e1a85fd0607188aafd804420b8f2cec", "grade": false, "grade_id": "familles", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "30bc1d999e96a9de396a8ff55f383c81", "grade": false, "grade_id": "reponse_familles", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A2C5.model_families", {"tracking_uri": tracking_uri, "runs": runs_familles})

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "8c1e2dbae986dc296bd7803f47db7b00", "grade": false, "grade_id": "consigne_entrainement", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Procédures d'entraînement
#
# Comparez trois procédures sur les lignes **dans l'ordre du temps** (les plus
# anciennes d'abord ; gardez les plus récentes pour mesurer) : un
# entraînement **par lot** (`fit` sur toutes les lignes), **par mini-lots** et
# **en ligne** (une ligne à la fois), ces deux derniers avec `partial_fit`
# (par exemple `SGDClassifier`). Pour chacune, une exécution MLflow qui
# journalise son modèle et sa **courbe d'apprentissage** : une métrique
# journalisée à plusieurs étapes (`step=` : le nombre de lignes vues).
# Rangez les identifiants d'exécution dans `runs_entrainement`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "ce111b5d630d6241095b101d6ad66d6e", "grade": false, "grade_id": "entrainement", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "17719ca42062505e210633e85358f0ca", "grade": false, "grade_id": "reponse_entrainement", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A2C7.training_modes", {"tracking_uri": tracking_uri, "runs": runs_entrainement})

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "07adb9811922c58dc76bd8d29ab47b96", "grade": false, "grade_id": "consigne_seuil", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Phase de test et seuil de décision
#
# Pour le modèle retenu (celui de la section 4) : mesurez sur des prédictions
# hors pli (validation croisée stratifiée) le rappel, les taux de faux
# positifs et de faux négatifs, l'exactitude et le ROC AUC, avec un
# intervalle de confiance par bootstrap ; journalisez-les dans MLflow.
# Hainaut Polymères Industries chiffre le coût d'un cas manqué à **18000 €**
# et celui d'une fausse alerte à **900 €** :
# choisissez le **seuil de décision** (un machine est signalé si
# `predict_proba(...)[:, 1] >= seuil`) qui minimise le coût attendu, et
# rangez-le dans `seuil`. Le correcteur calcule le coût de votre seuil sur le
# jeu caché et le compare au meilleur coût atteignable avec votre modèle.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "b12eaccaca5e69322517b687e39b05d2", "grade": false, "grade_id": "seuil", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "55393a0ebc59c16cb6a7b6b6ac31505a", "grade": false, "grade_id": "reponse_seuil", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A2C8.decision_threshold", seuil)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "d8bbbea1c9d1fa744552b7ed82e9bde3", "grade": false, "grade_id": "consigne_infrastructure", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Maquette de l'infrastructure cible
#
# Décrivez l'infrastructure nécessaire au service du modèle dans un fichier
# YAML du dossier du bloc : `zones` (réseau ; `exposition` parmi `internet`,
# `dmz`, `interne`, `restreinte`), `services`, `stockages`
# (`donnees_personnelles: true/false`, `mesures` qui les protègent),
# `mesures` de sécurité (`type` parmi `chiffrement`, `controle_acces`,
# `pseudonymisation`, `journalisation`, `pare_feu`, `sauvegarde`,
# `authentification`, `autre`) et `liens` (`source`, `cible`, `protocole`,
# `chiffre`). `mspr.infra` la valide (`load_infrastructure`,
# `rule_violations`) et en dessine le schéma (`draw_infrastructure`).
# Rangez le chemin du fichier (relatif au dossier) dans `fichier_infra`.
# Le correcteur vérifie la validité de la description ; le jury juge la
# conception (section suivante).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "bd19ef92cc1b6ce20596e99817dc7316", "grade": false, "grade_id": "infrastructure", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "f0b80d730fe7b340be4460eb9f6f63bf", "grade": false, "grade_id": "reponse_infrastructure", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A2C9.infrastructure", fichier_infra)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "59673185b4c9878089da792ad03aa1e1", "grade": false, "grade_id": "consigne_conception_infra", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Conception de l'infrastructure (évaluée par le jury)
#
# En quelques lignes : pourquoi ces zones et ces flux ? Où sont les données à
# caractère personnel, qui y accède et comment sont-elles protégées ? Comment
# le modèle est-il réentraîné et déployé ?

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "5a999c8f2948c8e17cd980a32ac6ea1c", "grade": true, "grade_id": "A2C9-maquette_infrastructure", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "f9566ac86808e1d8af0206da769ae8ba", "grade": false, "grade_id": "consigne_choix", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. Choix du modèle (évalué par le jury)
#
# Justifiez en une dizaine de lignes : quels modèles avez-vous comparés et
# comment ? Pourquoi celui-ci, au regard de la performance, de la stabilité
# entre plis, de l'explicabilité attendue par Hainaut Polymères Industries et des
# contraintes de déploiement ? Quelles limites et quelle suite (seuil de
# décision, suivi) ?

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "50d6adb70bdbcecde6808771dbb11717", "grade": true, "grade_id": "A2C4-choix_modele", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "464fee8c34281ed1fd1955248fe32c0f", "grade": false, "grade_id": "avant_de_rendre", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Avant de rendre : vos réponses seront-elles lues ?
#
# Enregistrez le notebook, ouvrez un terminal dans JupyterLab (menu
# **Fichier › Nouveau › Terminal**) et lancez, depuis le dossier du bloc :
#
# ```
# python -m mspr valider
# ```
#
# La commande exécute une **copie** du notebook (votre dossier n'est pas
# modifié) et dit, pour chaque réponse attendue par le correcteur, si elle est
# enregistrée et lisible, puis liste les cellules en erreur. Corrigez avant
# de rendre : une réponse absente ou illisible vaut 0 à son critère.
