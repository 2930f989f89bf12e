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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "7d09b61ebfc328d139f4ec456e602ade", "grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Bloc A4 — Pilotage du projet d'IA : planification
#
# **Océane Mobilités** lance le projet cadré dans les blocs précédents :
# prédire, pour chaque abonné, le risque suivant : abonnement non renouvelé à
# son échéance dans les six mois suivant la date de référence. Le chef de projet
# vous transmet le plan prévisionnel (`donnees/plan_projet.csv`) : une tâche par
# ligne, avec sa durée en jours ouvrés et ses prédécesseurs.
#
# **Compétence évaluée**
#
# - **A4C1** — Identifier l'ensemble des étapes de réalisation du système
#   d'information pour organiser le projet en tâches et livrables, en répartissant
#   les activités en fonction des ressources humaines, techniques et financières.
#
# **Livrables**
#
# 1. Le réseau PERT du projet : dates au plus tôt, au plus tard et marges de
#    chaque tâche.
# 2. Le chemin critique et la durée totale du projet, enregistrés dans
#    `reponses.json` par les cellules prévues (ne les modifiez pas).
# 3. Un diagramme de Gantt.
# 4. Une note d'organisation du projet (dernière cellule, évaluée par le jury).
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "901bc784f6c74ca572f4b37fc3d1d7e9", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from pathlib import Path

import networkx as nx
import pandas as pd

from mspr.answers import record

DONNEES = Path("donnees")
plan = pd.read_csv(DONNEES / "plan_projet.csv", dtype={"id_tache": str}, keep_default_na=False)
print(f"{len(plan)} tâches")
plan

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "b238a29f275510e329f857560d48126d", "grade": false, "grade_id": "consigne_pert", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Réseau PERT
#
# Construisez le graphe des dépendances (la colonne `predecesseurs` liste les
# tâches préalables, séparées par `;`), vérifiez qu'il ne contient pas de cycle,
# puis calculez pour chaque tâche :
#
# - la date de début au plus tôt et la date de fin au plus tôt ;
# - la date de début au plus tard et la date de fin au plus tard ;
# - la marge totale.
#
# Les dates sont comptées en jours depuis le début du projet (jour 0).
# Rangez le résultat dans un DataFrame `pert` indexé par `id_tache`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "0dc410cd668da58f35191a8f0ae01c56", "grade": false, "grade_id": "pert", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
pert

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "601edcaec7e0959d66ffba59cc4c489f", "grade": false, "grade_id": "consigne_chemin", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Chemin critique et durée du projet
#
# Déterminez le chemin critique (la liste ordonnée des identifiants de tâches,
# du début à la fin du projet) dans la variable `critical_path`, et la durée
# totale du projet en jours (un entier) dans `project_duration`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "98dea05a067d6744b85d51ef58e0e2be", "grade": false, "grade_id": "chemin_critique", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
print("Chemin critique :", " → ".join(critical_path))
print(f"Durée du projet : {project_duration} jours")

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "80877dbab9a109e0c250055f0a40e52d", "grade": false, "grade_id": "reponses", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A4C1.critical_path", [str(t) for t in critical_path])
record("A4C1.project_duration", project_duration)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "b616f215d705ff6f96899bd066d5164f", "grade": false, "grade_id": "consigne_gantt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Diagramme de Gantt
#
# Tracez un diagramme de Gantt des dates au plus tôt, en distinguant les tâches
# critiques (matplotlib est installé dans l'environnement de l'épreuve).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "190390105cc0f82d6be2afef33dca92f", "grade": false, "grade_id": "gantt", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "aef3e7e10e79f549d3995d4e963278b9", "grade": false, "grade_id": "consigne_organisation", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Organisation du projet (évaluée par le jury)
#
# En une dizaine de lignes : comment organisez-vous ce projet ? Précisez les
# lots et livrables, les jalons de validation, la répartition des tâches entre
# les profils de l'équipe (chef de projet, data engineer, data scientist, DPO,
# métier…), les tâches sur lesquelles un retard décale la date de fin et ce que
# vous faites des marges.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "54f73d4058f94b541873033f236ad6df", "grade": true, "grade_id": "A4C1-organisation_projet", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI
