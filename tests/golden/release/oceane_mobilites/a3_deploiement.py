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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a8d6d3f136c28aa4255b5689fac63a60", "grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
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
# **Compétences évaluées**
#
# - **A3C3** — Réaliser (ou superviser la réalisation) et analyser un test de
#   déploiement par simulation virtuelle sur l'échelle réelle de l'environnement
#   de l'entreprise, en utilisant les outils adaptés (parties 1 à 5, 7).
# - **A3C1, A3C2** — Maintenabilité et documentation (partie 8, jury).
# - **A3C4** — Expertise technique : une difficulté technique et une difficulté
#   d'organisation analysées (partie 8, jury).
# - **A3C5, A3C6** — Accompagnement du changement (partie 8, jury).
#
# **Niveaux de service attendus en production** (`NIVEAUX` ci-dessous) :
# 8 requêtes/s en moyenne,
# 25 en pointe ; lots de
# 1 ou 100 ligne(s) par requête ; latence
# p95 ≤ 800 ms et p99 ≤
# 2 000 ms ; au plus
# 1 % de requêtes en erreur.
#
# **Livrables**
#
# 1. Le serveur de modèle démarré avec `mlflow models serve`, interrogé, **puis
#    arrêté** (le correcteur vérifie qu'il ne tourne plus, et lit son journal
#    d'accès : seules comptent les requêtes que le serveur a réellement servies).
# 2. Un test de charge avec Locust au débit moyen puis de pointe, ses mesures
#    et une décision go / no-go au regard des niveaux de service.
# 3. La supervision des quatre lots de production (`donnees/lots_production/`) :
#    lequel est conforme, lequel dérive (données ou concept), lequel est cassé.
# 4. Les réponses enregistrées dans `reponses.json` par les cellules prévues
#    (ne les modifiez pas), puis les analyses évaluées par le jury.
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "46c60997533428fb3310958ce40ba883", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import socket
from pathlib import Path

import numpy as np
import pandas as pd

from mspr.answers import record

NIVEAUX = {
    "debit_moyen_rps": 8.0,
    "debit_pointe_rps": 25.0,
    "tailles_lots": [1, 100],
    "latence_p95_ms": 800.0,
    "latence_p99_ms": 2000.0,
    "budget_erreurs_pct": 1.0,
}
MODELE = Path("modele")
echantillon = pd.read_csv(Path("donnees") / "echantillon_requetes.csv")
print(f"{len(echantillon)} requêtes de test, {echantillon.shape[1]} colonnes")
mlmodel = (MODELE / "MLmodel").read_text(encoding="utf-8")
print(mlmodel[mlmodel.find("signature:"):])  # colonnes et types attendus par le modèle

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "63a683c61958efadcc04675f23861478", "grade": false, "grade_id": "consigne_serveur", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Démarrer le serveur de modèle
#
# Démarrez `mlflow models serve` sur le dossier `modele`, avec l'environnement
# Python courant (`--env-manager local` : pas de téléchargement), sur
# `127.0.0.1` et un port libre, puis attendez qu'il réponde sur `/ping`.
# Gardez l'objet serveur (`serveur`, avec son `pid`) et le port (`port`) : la
# suite en a besoin, et le serveur devra être arrêté **quoi qu'il arrive**.
#
# La classe `ModelServer` du module `mspr.serving` fait tout cela : port libre
# (`free_port()`), attente de `/ping`, arrêt garanti (bloc `with`, méthode
# `stop()`, y compris si le noyau est interrompu), requêtes JSON (`invoke`,
# `predict`). Si vous lancez le serveur vous-même, envoyez sa sortie dans un
# **fichier** du dossier : c'est son journal d'accès, écrit par le serveur
# lui-même, qui prouve au correcteur qu'il a répondu à vos requêtes.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "6fa0a6558556048d4192ea3a44f1e40b", "grade": false, "grade_id": "serveur", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "d8a0e9e0d82bff3c69595495bedd8bf7", "grade": false, "grade_id": "consigne_requetes", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Interroger le serveur et mesurer les latences
#
# Envoyez chaque ligne de l'échantillon **séparément** à `/invocations`
# (format JSON `{"dataframe_split": ...}`, valeurs manquantes envoyées en
# `null` ; le format CSV est refusé par le serveur pour ce modèle), dans
# l'ordre du fichier. Rangez les prédictions (entiers) dans `predictions` et
# les temps de réponse en millisecondes dans `latencies_ms`. Arrêtez le
# serveur à la fin, **même en cas d'erreur** (`try`/`finally`), puis calculez
# les latences médiane (p50) et au 95e centile (p95).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "1c6fa1235cce908e385ae905777903ff", "grade": false, "grade_id": "requetes", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
resultats

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "1a4ddd03504c9f92b41af856bfd27b0a", "grade": false, "grade_id": "consigne_charge", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Test de charge (Locust)
#
# **Plan de test.** Objet : le modèle servi, sur ce poste (une seule instance,
# un processus). Scénario : des appels d'une ligne, d'abord au débit moyen
# (8 requêtes/s), puis au débit de pointe
# (25 requêtes/s), quelques secondes chacun.
# Indicateurs : nombre de requêtes, débit servi (requêtes/s), latences p50,
# p95 et p99 (ms), taux d'erreur (%). Critères d'acceptation : ceux de
# `NIVEAUX`. Décision : **go** si tous sont tenus, sinon **no-go** et
# ajustements (partie 7).
#
# Lancez le test avec `mspr.loadtest.run_load_test` (Locust en mode headless,
# une ligne par requête écrite dans `test_charge/requetes.csv` : c'est ce
# fichier que relit le correcteur), puis calculez les indicateurs sur toutes
# les requêtes (`indicators`), la décision (`go_no_go`) et le tableau par
# phase (`summarize`), et tracez les courbes (`plot_results`). Rangez les
# indicateurs dans le dictionnaire `mesures` (clés de `indicators`) et la
# décision dans `decision_go` (booléen).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "36df0f0ff404d7ed75fb2f1b5eca26f5", "grade": false, "grade_id": "charge", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
summarize(requetes, NIVEAUX)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "3bf75ca293e5f2dc99fd1e0ab6b67f4e", "grade": false, "grade_id": "reponses_charge", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A3C3.load_test", {
    "requests": int(mesures["requetes"]),
    "throughput_rps": float(mesures["debit_rps"]),
    "p95_ms": float(mesures["p95_ms"]),
    "p99_ms": float(mesures["p99_ms"]),
    "error_rate_pct": float(mesures["taux_erreur_pct"]),
    "go": bool(decision_go),
})

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "b840b7b7257fcc41d5d7bb1a067f7c9e", "grade": false, "grade_id": "consigne_lots", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Lots de production et supervision
#
# Le dossier `donnees/lots_production/` contient quatre lots reçus après la mise
# en service (avec la cible, connue après coup). L'un ressemble aux données
# d'entraînement (`donnees/donnees_entrainement.csv`), un autre présente une
# **dérive des données** (la distribution des variables a changé), un autre une
# **dérive de concept** (les variables sont stables, mais leur lien avec la
# cible a changé), et le dernier a un **schéma cassé** (colonne manquante ou de
# mauvais type).
#
# Pour chaque lot : envoyez-le au serveur (par paquets de
# 100 lignes au plus) ; un lot refusé est une
# **erreur**, pas un lot à noter. Sinon, mesurez la dérive de chaque variable
# explicative par rapport aux données d'entraînement — **PSI** et test de
# **Kolmogorov–Smirnov** (`mspr.monitoring.drift_table` : seuils PSI > 0,2 et
# p < 0,001) — et comparez l'exactitude des prédictions servies et le taux de
# cas positifs prédits à ceux des données d'entraînement. Rangez dans
# `verdicts` un dictionnaire `{"lot_1.csv": {"statut": ..., "variables":
# [...]}, ...}` avec pour statut `"conforme"`, `"derive_donnees"`,
# `"derive_concept"` ou `"erreur"`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "98bb199ed31ae38652f9dbde666ffd5a", "grade": false, "grade_id": "lots", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
supervision

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "4cb7c64b67a66f3d17a164d52c56afc5", "grade": false, "grade_id": "reponses_lots", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A3C3.monitoring", {"batches": verdicts})

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "7a7056bb71517baef52d32c2bf267626", "grade": false, "grade_id": "consigne_arret", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Arrêter le serveur

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "7ea515ddfe11ee694d60f25f542c69e2", "grade": false, "grade_id": "arret", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "4a94fc168d01f30e89984e263a1a1a86", "grade": false, "grade_id": "consigne_controle", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Contrôles
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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "83cd58271ff6d7467b2bda16bda341be", "grade": false, "grade_id": "consigne_analyse", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Analyse du test (évaluée par le jury)
#
# En une dizaine de lignes : que montre ce test (conformité des réponses,
# latences, robustesse aux valeurs manquantes) ? Qu'est-ce qu'il ne montre pas
# par rapport à l'environnement réel de l'entreprise (volumétrie, concurrence,
# sécurité, supervision) ? Quels tests complémentaires et quels critères
# d'acceptation proposez-vous avant la mise en production ?

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "63431832c96f6d8990cef9621f9568a0", "grade": true, "grade_id": "A3C3-analyse_test_deploiement", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "54919dc36d8fc7747a825d8b79267f97", "grade": false, "grade_id": "consigne_maintenabilite", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Maintenabilité, expertise et accompagnement du changement (évalués par le jury)
#
# ### 8.1 Maintenabilité (A3C1)
#
# Plan à reprendre : **Fiche du modèle** (model card : usage prévu et exclu,
# données, performances, limites, équité, contact) · **Indicateurs de qualité
# suivis** (latence, erreurs, dérive, performance, avec seuils) · **Réentraînement**
# (déclencheurs, données, validation, qui décide) · **Retour arrière**
# (version précédente, délai, qui décide) · **Faisabilité** (outils, charge).

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "5dc412c40f921ce37218ac68e7e170ba", "grade": true, "grade_id": "A3C1-maintenabilite", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "116504342a16e1718b1f70ef2d392a08", "grade": false, "grade_id": "consigne_documentation", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 8.2 Documentation (A3C2)
#
# Plan à reprendre : **Documents** (information pour les utilisateurs,
# documentation technique, fiche du modèle, journal des versions) · **Qui
# écrit, qui relit, qui valide** · **Quand on les met à jour** (à chaque
# version, à chaque incident) · **Où ils vivent** (versionnés avec le code) ·
# **Comment on vérifie** qu'ils sont à jour.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "589b4478a755ba7fd8fff00350c73aca", "grade": true, "grade_id": "A3C2-documentation", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "d84e391d940a121bd3436e0e8dccf0fb", "grade": false, "grade_id": "consigne_difficultes", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 8.3 Expertise : deux difficultés (A3C4)
#
# Pour **une difficulté technique** et **une difficulté d'organisation** vécues
# ou prévisibles dans ce déploiement : **Périmètre** · **Causes** · **Impacts**
# (sur le service, les équipes, le planning ; sécurité DIC et RGPD le cas
# échéant) · **Plan d'action** (actions, responsables, échéances, compétences à
# développer).

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "8fe16c71231f2c898da5e2ec536febe5", "grade": true, "grade_id": "A3C4-difficultes", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "602a61056e81156f5c223624e443bd17", "grade": false, "grade_id": "consigne_changement", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 8.4 Accompagnement du changement (A3C5, A3C6)
#
# Plan à reprendre : **Processus existants touchés** (qui travaille
# autrement, comment on en mesure l'impact : indicateurs avant/après) ·
# **Parties prenantes et leurs craintes** · **Actions** (communication,
# formation, pilote, ambassadeurs) · **Bon usage de l'IA** (ce que le score ne
# dit pas, garde humaine, signalement des erreurs) · **Calendrier**.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "25abc993ba3d38a6013dc7529d0114d6", "grade": true, "grade_id": "A3C5-strategie_changement", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "9b9fa67b5c43e7cf5564272b8fe9dc7e", "grade": true, "grade_id": "A3C6-bon_usage", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
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
