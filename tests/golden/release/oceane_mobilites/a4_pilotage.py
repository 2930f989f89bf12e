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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "93472a37ae096b212cd4bf4b2eae572c", "grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Bloc A4 — Pilotage du projet d'IA : planification
#
# **Océane Mobilités** lance le projet cadré dans les blocs précédents :
# prédire, pour chaque abonné, le risque suivant : abonnement non renouvelé à
# son échéance dans les six mois suivant la date de référence. Le chef de projet
# vous transmet le plan prévisionnel (`donnees/plan_projet.csv`) : une tâche par
# ligne, avec sa durée en jours ouvrés et ses prédécesseurs.
#
# **Compétences évaluées**
#
# - **A4C1** — Identifier l'ensemble des étapes de réalisation du système
#   d'information pour organiser le projet en tâches et livrables, en répartissant
#   les activités en fonction des ressources humaines, techniques et financières.
# - **A4C2** — Concevoir les cahiers des charges technique et fonctionnel.
# - **A4C3**, **A4C6** — Gérer un projet agile et conduire l'équipe projet.
# - **A4C5** — Piloter les prestataires extérieurs (tableau de bord des niveaux
#   de service).
# - **A4C7** à **A4C13** — Inclusion des personnes en situation de handicap,
#   communication, travail à distance.
#
# **Livrables**
#
# 1. Le tableau PERT du projet (`livrables/pert.csv`) : dates au plus tôt, au
#    plus tard et marge totale de chaque tâche, corrigées tâche par tâche.
# 2. Le chemin critique et la durée totale du projet, enregistrés dans
#    `reponses.json` par les cellules prévues (ne les modifiez pas).
# 3. Un diagramme de Gantt.
# 4. Une note d'organisation du projet (évaluée par le jury).
# 5. Le classeur de suivi des prestataires (`livrables/suivi_prestataires.xlsx`) :
#    pénalités calculées **par des formules**, synthèse et graphique.
# 6. Les notes de la dernière partie (cahier des charges, équipe, inclusion,
#    communication), évaluées par le jury.
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "faaa932d94ab298d2c41bdbad88ec08f", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from pathlib import Path

import networkx as nx
import pandas as pd

from mspr.answers import record

DONNEES = Path("donnees")
LIVRABLES = Path("livrables")
LIVRABLES.mkdir(exist_ok=True)
FICHIER_PERT = LIVRABLES / "pert.csv"
CLASSEUR_SLA = LIVRABLES / "suivi_prestataires.xlsx"
plan = pd.read_csv(DONNEES / "plan_projet.csv", dtype={"id_tache": str}, keep_default_na=False)
print(f"{len(plan)} tâches")
plan

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a3f459c77f778dfb7fd1b49ad898b1fd", "grade": false, "grade_id": "consigne_pert", "locked": true, "schema_version": 3, "solution": false, "task": false}
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
# Les dates sont comptées en jours depuis le début du projet (jour 0) : une
# tâche de 5 jours qui commence au jour 0 finit au jour 5.
#
# Rangez le résultat dans un DataFrame `pert` indexé par `id_tache`, puis
# **écrivez le tableau PERT dans le fichier `livrables/pert.csv`** (variable
# `FICHIER_PERT`) : une ligne par tâche, une colonne pour l'identifiant de la
# tâche et une pour chacune des cinq valeurs. L'ordre des lignes et des colonnes
# est libre ; les en-têtes peuvent être en français (`debut_au_plus_tot`,
# `fin_au_plus_tot`, `debut_au_plus_tard`, `fin_au_plus_tard`, `marge_totale`)
# ou en anglais (`ES`, `EF`, `LS`, `LF`, `float`) ; séparateur `,` ou `;`.
# Les dates peuvent être des numéros de jour ou des dates du calendrier de
# travail décrit dans le cahier des charges (jours ouvrés, hors jours fériés).
# C'est ce fichier qui est corrigé, tâche par tâche.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "0dc410cd668da58f35191a8f0ae01c56", "grade": false, "grade_id": "pert", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
pert

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "971f54693e855dea383e208448977019", "grade": false, "grade_id": "reponse_pert", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A4C1.pert_table", str(FICHIER_PERT))
print(f"Tableau PERT attendu dans {FICHIER_PERT} :", "présent" if FICHIER_PERT.is_file() else "ABSENT")

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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "c6fd47b32d9dd3563a9eec31ac053dcc", "grade": false, "grade_id": "consigne_prestataires", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Tableau de bord des prestataires (A4C5)
#
# Deux fichiers décrivent les prestataires extérieurs du projet :
#
# - `donnees/prestataires.csv` : une ligne par prestataire et par indicateur du
#   contrat (niveau de service `objectif`, `sens` : `minimum` si la valeur doit
#   rester au-dessus, `maximum` si elle doit rester en dessous ; redevance
#   mensuelle en euros ; plafond des pénalités en % de la redevance ; barème
#   `paliers` : des couples `seuil:pénalité en %` séparés par `;`) ;
# - `donnees/journal_prestataires.csv` : la valeur mensuelle de chaque indicateur.
#
# **Règles du contrat.** Pour un indicateur et un mois, la pénalité est le plus
# fort pourcentage des paliers franchis (valeur strictement sous le seuil pour
# un indicateur `minimum`, strictement au-dessus pour un `maximum`), 0 sinon.
# La pénalité du mois d'un prestataire est la somme de ses indicateurs, plafonnée,
# appliquée à la redevance mensuelle, arrondie au centime.
#
# Écrivez avec `openpyxl` le classeur `livrables/suivi_prestataires.xlsx`
# (variable `CLASSEUR_SLA`) :
#
# 1. une feuille des contrats et une feuille des indicateurs mensuels ;
# 2. une feuille des pénalités, une ligne par prestataire et par mois, avec les
#    colonnes `prestataire`, `mois` et le montant de la pénalité (`penalite_eur`,
#    ou en milliers d'euros si l'en-tête le dit : `pénalité (k€)`), **calculé par
#    des formules** du tableur (pas de valeurs recopiées depuis Python) ;
# 3. une synthèse par prestataire et par mois (tableau croisé dynamique ou
#    feuille « Synthèse » calculée par formules) ;
# 4. au moins un graphique.
#
# Le correcteur recalcule vos formules : un montant saisi en dur ne rapporte
# rien.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "9a9797a15aea33649757e2f4e17c579e", "grade": false, "grade_id": "classeur_sla", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "db39a2ea472cac3bbc6b033a54430f8f", "grade": false, "grade_id": "reponse_classeur", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A4C5.sla_workbook", str(CLASSEUR_SLA))
print(f"Classeur attendu dans {CLASSEUR_SLA} :", "présent" if CLASSEUR_SLA.is_file() else "ABSENT")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5cb17b51cb05088b7973212236ec7f04", "grade": false, "grade_id": "consigne_jury", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Notes pour le jury
#
# Chaque cellule ci-dessous est lue par le jury. Reprenez le plan proposé et
# remplissez-le pour ce projet ; restez concrets (qui, quoi, quand, quel outil).

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "6c3e319b10f269e2eeb665427f097cec", "grade": false, "grade_id": "consigne_specifications", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 6.1 Cahier des charges fonctionnel et technique (A4C2)
#
# Plan à reprendre : **Contexte et objectifs** · **Utilisateurs et besoins**
# (qui utilise le score, pour quelle décision) · **Exigences fonctionnelles**
# (numérotées, avec critère d'acceptation) · **Exigences techniques** (données,
# modèle, API, performances, sécurité, RGPD) · **Accessibilité** (RGAA, pour les
# écrans des utilisateurs) · **Contraintes et hors périmètre**.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "03e045e61b1980925b536037fd73baca", "grade": true, "grade_id": "A4C2-specifications", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "05220d2753b47868236cbde2e0f4d906", "grade": false, "grade_id": "consigne_agile", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 6.2 Méthode agile et équipe (A4C3, A4C6)
#
# Plan à reprendre : **Méthode** (cadre, durée des sprints, cérémonies) ·
# **Rôles** (product owner, facilitateur, équipe) · **Suivi** (vélocité,
# burndown, définition de « terminé ») · **Changement de priorité** (comment
# l'équipe l'absorbe) · **Suppléance** (qui remplace qui en urgence).

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "754a0b6a90f2f426c0677092f7f981fe", "grade": true, "grade_id": "A4C3-methode_agile", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "784a4ffd576171827789e4408435c02e", "grade": true, "grade_id": "A4C6-equipe_suppleance", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "3b8b86795931f92194f61f930667bfb9", "grade": false, "grade_id": "consigne_inclusion", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 6.3 Inclusion et handicap (A4C7)
#
# Plan à reprendre : pour **chacune des six familles de handicap** — moteur,
# visuel, auditif, psychique, mental ou cognitif, maladies invalidantes — un
# aménagement concret du poste, des outils et des réunions ; puis le rôle du
# **référent handicap** de l'entreprise et l'accueil d'un nouvel arrivant.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "5d366758a0719a8cf225e4a821182b74", "grade": true, "grade_id": "A4C7-inclusion", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "e8ab6d7b79c22c1a315b9e60a0c8b722", "grade": false, "grade_id": "consigne_communication", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 6.4 Communication et travail à distance (A4C8 à A4C13)
#
# Plan à reprendre : **Plan de communication** (public, message, canal,
# fréquence ; langues et cultures de l'équipe) · **Fil de discussion et
# synchronisation quotidienne** (outil, règles) · **Réunions à distance**
# (rituels, animation, participation de tous) · **Partage d'information**
# (où est la documentation, qui la tient à jour) · **Télétravail** (équilibre
# vie professionnelle et vie privée, motivation, droit à la déconnexion).

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "9a394020a8ea2627a04bc26a8fcb6a2a", "grade": true, "grade_id": "A4C8-communication", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "e30b903eb8f93100c010e2cff1c70d18", "grade": true, "grade_id": "A4C10-fil_discussion", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "585d938ef7fefe841d3012fd51bdf1bc", "grade": true, "grade_id": "A4C11-reunions_distance", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "347134ffd2d8b8fb56eb2bd1ef816546", "grade": true, "grade_id": "A4C12-partage_information", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "1e64e9a82e2a84fe52bcb1015489b4a2", "grade": true, "grade_id": "A4C13-teletravail", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI
