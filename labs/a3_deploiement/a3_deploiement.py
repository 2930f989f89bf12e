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
# # Bloc A3 — Test de déploiement du modèle de prédiction des résiliations
#
# Le modèle de prédiction des résiliations de **Mutuelle Horizon Santé** a été
# validé ; il est livré au format MLflow dans le dossier `modele/`. Avant la mise
# en production, la DSI vous demande un **test de déploiement** : servir le modèle
# comme une API REST sur votre poste, lui envoyer un échantillon de requêtes
# réelles (`donnees/echantillon_requetes.csv`, une requête par adhérent), vérifier
# les réponses et mesurer les temps de réponse.
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

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_serveur", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% nbgrader={"grade": false, "grade_id": "serveur", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def port_libre() -> int:
    """Demande au système un port TCP libre sur 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def arreter(processus: subprocess.Popen) -> None:
    """Arrête le serveur et tous ses sous-processus (uvicorn), proprement puis de force."""
    if processus.poll() is not None:
        return
    try:
        os.killpg(processus.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        processus.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(processus.pid, signal.SIGKILL)
        processus.wait(timeout=15)


def attendre_ping(processus: subprocess.Popen, url: str, delai_s: float = 60) -> float:
    """Attend que le serveur réponde 200 sur /ping ; renvoie la durée d'attente (s)."""
    debut = time.perf_counter()
    while time.perf_counter() - debut < delai_s:
        if processus.poll() is not None:
            raise RuntimeError(f"le serveur s'est arrêté (code {processus.returncode}) :\n"
                               + journal.read_text(encoding="utf-8")[-2000:])
        try:
            with urllib.request.urlopen(url + "/ping", timeout=2) as reponse:
                if reponse.status == 200:
                    return time.perf_counter() - debut
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"pas de réponse sur {url}/ping après {delai_s} s")


bin_python = Path(sys.executable).parent
env = dict(os.environ)
env["PATH"] = os.pathsep.join([str(bin_python), env.get("PATH", "")])
env["MLFLOW_DISABLE_TELEMETRY"] = "true"
port = port_libre()
url = f"http://127.0.0.1:{port}"
journal = Path("journal_serveur.log")
commande = [str(bin_python / "mlflow"), "models", "serve", "-m", str(MODELE),
            "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)]
print(" ".join(commande))
with journal.open("w", encoding="utf-8") as sortie:
    # nouvelle session : le serveur et ses workers uvicorn forment un groupe
    # de processus que l'on peut arrêter d'un coup
    serveur = subprocess.Popen(commande, env=env, stdout=sortie, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
try:
    attente_s = attendre_ping(serveur, url)
except BaseException:
    arreter(serveur)
    raise
print(f"Serveur prêt en {attente_s:.1f} s (pid {serveur.pid}, port {port})")
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_requetes", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Interroger le serveur et mesurer les latences
#
# Envoyez chaque ligne de l'échantillon **séparément** à `/invocations`
# (format `{"dataframe_split": ...}`, valeurs manquantes envoyées en `null`),
# dans l'ordre du fichier. Rangez les prédictions (entiers) dans `predictions`
# et les temps de réponse en millisecondes dans `latencies_ms`. Arrêtez le
# serveur à la fin, **même en cas d'erreur** (`try`/`finally`), puis calculez
# les latences médiane (p50) et au 95e centile (p95).

# %% nbgrader={"grade": false, "grade_id": "requetes", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def corps_requete(ligne: pd.DataFrame) -> bytes:
    """Une ligne au format dataframe_split ; to_json écrit les NaN en null."""
    split = json.loads(ligne.to_json(orient="split", index=False, date_format="iso"))
    return json.dumps({"dataframe_split": split}).encode("utf-8")


predictions, latencies_ms = [], []
try:
    for i in range(len(echantillon)):
        requete = urllib.request.Request(
            url + "/invocations", data=corps_requete(echantillon.iloc[[i]]),
            headers={"Content-Type": "application/json"}, method="POST")
        debut = time.perf_counter()
        try:
            with urllib.request.urlopen(requete, timeout=30) as reponse:
                contenu = json.load(reponse)
        except urllib.error.HTTPError as erreur:
            raise RuntimeError(f"ligne {i} refusée : {erreur.read().decode()[:500]}") from erreur
        latencies_ms.append((time.perf_counter() - debut) * 1000)
        predictions.append(int(contenu["predictions"][0]))
finally:
    arreter(serveur)
print(f"Serveur arrêté (code de sortie {serveur.returncode})")

p50, p95 = np.percentile(latencies_ms, [50, 95])
resultats = echantillon[["id_adherent"]].assign(prediction=predictions, latence_ms=np.round(latencies_ms, 1))
print(f"{len(predictions)} requêtes, latence p50 = {p50:.1f} ms, p95 = {p95:.1f} ms, "
      f"max = {max(latencies_ms):.1f} ms ; résiliation prédite pour {sum(predictions)} adhérent(s)")
### END SOLUTION
resultats

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_controle", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Contrôles
#
# Vérifiez que le serveur ne tourne plus (processus terminé, port fermé) et que
# les prédictions servies sont identiques à celles du modèle chargé directement
# avec `mlflow.pyfunc.load_model`.

# %% nbgrader={"grade": false, "grade_id": "controles", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
import mlflow.models
import mlflow.pyfunc

with socket.socket() as sock:
    sock.settimeout(0.5)
    port_ouvert = sock.connect_ex(("127.0.0.1", port)) == 0
print(f"Processus terminé : {serveur.poll() is not None} ; port {port} encore ouvert : {port_ouvert}")

# Relire l'échantillon avec les types de la signature du modèle : MLflow refuse
# de convertir un entier lu par pandas en « double » attendu (et un texte fait de
# chiffres serait lu comme un nombre). Le serveur, lui, type le JSON d'après la
# signature.
schema = mlflow.models.Model.load(MODELE).get_input_schema()
types_pandas = {"string": str, "double": "float64", "float": "float64"}
types_signature = {c.name: types_pandas[c.type.name] for c in (schema.inputs if schema else [])
                   if c.type.name in types_pandas}
echantillon_type = pd.read_csv(Path("donnees") / "echantillon_requetes.csv", dtype=types_signature)
attendues = mlflow.pyfunc.load_model(str(MODELE)).predict(echantillon_type)
ecarts = int(np.sum(np.asarray(attendues).astype(int) != np.asarray(predictions)))
print(f"Prédictions servies différentes du modèle local : {ecarts} / {len(predictions)}")
### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "reponses", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A3C3.deployment_test", {
    "model_path": str(MODELE),
    "predictions": [int(p) for p in predictions],
    "latencies_ms": [float(t) for t in latencies_ms],
    "server_pid": int(serveur.pid),
    "port": int(port),
})

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_analyse", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Analyse du test (évaluée par le jury)
#
# En une dizaine de lignes : que montre ce test (conformité des réponses,
# latences, robustesse aux valeurs manquantes) ? Qu'est-ce qu'il ne montre pas
# par rapport à l'environnement réel de la mutuelle (volumétrie, concurrence,
# sécurité, supervision) ? Quels tests complémentaires et quels critères
# d'acceptation proposez-vous avant la mise en production ?

# %% [markdown] nbgrader={"grade": true, "grade_id": "A3C3-analyse_test_deploiement", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Ce que le test montre.** Le modèle livré démarre avec `mlflow models serve`
# dans l'environnement courant en une dizaine de secondes, répond à chaque ligne
# de l'échantillon, y compris celles qui ont des valeurs manquantes envoyées en
# `null`, et ses réponses sont identiques à celles du modèle chargé directement :
# la sérialisation et la signature d'entrée tiennent. Les latences unitaires sont
# de l'ordre de la dizaine de millisecondes (p50 et p95 ci-dessus), compatibles
# avec un appel en ligne depuis l'outil des conseillers. Le serveur est arrêté
# proprement à la fin, port libéré.
#
# **Ce qu'il ne montre pas.** Vingt requêtes séquentielles sur un poste isolé :
# ni la charge réelle (pics de campagne de renouvellement, traitements par lots
# nocturnes sur les 100 000 adhérents), ni la concurrence, ni le réseau, ni
# l'authentification, ni le chiffrement, ni la journalisation sans données
# personnelles (la requête contient nom, NIR, IBAN : il faut les filtrer en amont
# et n'envoyer au modèle que les variables utiles, minimisation RGPD).
#
# **Suite proposée.** Test de charge (par ex. 50 requêtes/s pendant 10 min) sur
# une infrastructure identique à la production, conteneurisée, avec critères
# d'acceptation chiffrés : p95 < 100 ms, 0 % d'erreur, prédictions identiques au
# modèle de référence sur un jeu de non-régression ; tests des cas limites
# (colonnes manquantes, types erronés, valeurs hors bornes) ; supervision (temps
# de réponse, taux d'erreur, dérive des variables et du taux de résiliation
# prédit) et procédure de retour arrière vers la version précédente du modèle.
# ### END SOLUTION
