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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "df11980eed96631099150f3cb9024de9", "grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Bloc A3 — Test de déploiement du modèle de prédiction
#
# **Océane Mobilités** a validé son modèle de prédiction : pour chaque abonné,
# il estime le risque suivant : abonnement non renouvelé à son échéance dans les
# six mois suivant la date de référence. Il est livré au format MLflow dans le
# dossier `modele/`. Avant la mise en production, la DSI vous demande un **test
# de déploiement** : servir le modèle comme une API REST sur votre poste, lui
# envoyer un échantillon de requêtes réelles
# (`donnees/echantillon_requetes.csv`, une requête par abonné), vérifier les
# réponses et mesurer les temps de réponse.
#
# **Compétence évaluée**
#
# - **A3C3** — Réaliser (ou superviser la réalisation) et analyser un test de
#   déploiement par simulation virtuelle sur l'échelle réelle de l'environnement
#   de l'entreprise, en utilisant les outils adaptés.
#
# **Livrables**
#
# 1. Le serveur de modèle démarré avec `mlflow models serve`, interrogé ligne à
#    ligne, **puis arrêté** (le jury vérifie qu'il ne tourne plus).
# 2. Les prédictions servies et les latences mesurées, enregistrées dans
#    `reponses.json` par la cellule prévue (ne la modifiez pas).
# 3. Une analyse du test (dernière cellule, évaluée par le jury).
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "118551bf272417f44d798a5b80148b27", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from mspr.answers import record

MODELE = Path("modele")
echantillon = pd.read_csv(Path("donnees") / "echantillon_requetes.csv")
print(f"{len(echantillon)} requêtes de test, {echantillon.shape[1]} colonnes")
mlmodel = (MODELE / "MLmodel").read_text(encoding="utf-8")
print(mlmodel[mlmodel.find("signature:"):])  # colonnes et types attendus par le modèle

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "7c70f86d460cd9aa11c5e3632bf2add9", "grade": false, "grade_id": "consigne_serveur", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Démarrer le serveur de modèle
#
# Démarrez `mlflow models serve` sur le dossier `modele` en sous-processus, avec
# l'environnement Python courant (`--env-manager local` : pas de téléchargement),
# sur `127.0.0.1` et un port libre, puis attendez qu'il réponde sur `/ping`.
# Gardez l'objet processus (`serveur`) et le port (`port`) : la suite en a besoin,
# et le serveur devra être arrêté **quoi qu'il arrive**.
#
# Indications : `mlflow` lance `uvicorn`, qui doit être trouvé dans le `PATH`
# (dossier `Path(sys.executable).parent`) ; pensez à `MLFLOW_DISABLE_TELEMETRY=true`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "6fa0a6558556048d4192ea3a44f1e40b", "grade": false, "grade_id": "serveur", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "f4cb22e9acb8e51ee90e9b86f87596df", "grade": false, "grade_id": "consigne_requetes", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Interroger le serveur et mesurer les latences
#
# Envoyez chaque ligne de l'échantillon **séparément** à `/invocations`
# (format `{"dataframe_split": ...}`, valeurs manquantes envoyées en `null`),
# dans l'ordre du fichier. Rangez les prédictions (entiers) dans `predictions`
# et les temps de réponse en millisecondes dans `latencies_ms`. Arrêtez le
# serveur à la fin, **même en cas d'erreur** (`try`/`finally`), puis calculez
# les latences médiane (p50) et au 95e centile (p95).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "1c6fa1235cce908e385ae905777903ff", "grade": false, "grade_id": "requetes", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
resultats

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "ee45115d4403675c42a13cc3ab7a8dea", "grade": false, "grade_id": "consigne_controle", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Contrôles
#
# Vérifiez que le serveur ne tourne plus (processus terminé, port fermé) et que
# les prédictions servies sont identiques à celles du modèle chargé directement
# avec `mlflow.pyfunc.load_model`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "dfdb5c761548a7adcfebc3de3a097661", "grade": false, "grade_id": "controles", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "59979ac65078b3d1638a640face7dfa3", "grade": false, "grade_id": "reponses", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A3C3.deployment_test", {
    "model_path": str(MODELE),
    "predictions": [int(p) for p in predictions],
    "latencies_ms": [float(t) for t in latencies_ms],
    "server_pid": int(serveur.pid),
    "port": int(port),
})

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "cf1b46ff9419935edaf353902c876524", "grade": false, "grade_id": "consigne_analyse", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Analyse du test (évaluée par le jury)
#
# En une dizaine de lignes : que montre ce test (conformité des réponses,
# latences, robustesse aux valeurs manquantes) ? Qu'est-ce qu'il ne montre pas
# par rapport à l'environnement réel de l'entreprise (volumétrie, concurrence,
# sécurité, supervision) ? Quels tests complémentaires et quels critères
# d'acceptation proposez-vous avant la mise en production ?

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "63431832c96f6d8990cef9621f9568a0", "grade": true, "grade_id": "A3C3-analyse_test_deploiement", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI
