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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "7e40b7831423831b16f070348b4b6f22", "grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
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
# 3. Un diagramme de Gantt (`livrables/gantt.png`), chemin critique en évidence,
#    et le budget par ressource (`livrables/budget.csv`).
# 4. Une note d'organisation du projet (évaluée par le jury).
# 5. Le classeur de suivi des prestataires (`livrables/suivi_prestataires.xlsx`) :
#    pénalités calculées **par des formules**, synthèse et graphique.
# 6. Le suivi agile : vélocité de chaque sprint et burndown
#    (`livrables/velocite.csv`, `livrables/burndown.png`).
# 7. Les notes de la dernière partie (cahier des charges, équipe, inclusion,
#    communication), évaluées par le jury.
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "410a9ba4916d131e4c5e8c7f4e91ed16", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from pathlib import Path

import networkx as nx
import pandas as pd

from mspr.answers import record

DONNEES = Path("donnees")
LIVRABLES = Path("livrables")
LIVRABLES.mkdir(exist_ok=True)
FICHIER_PERT = LIVRABLES / "pert.csv"
CLASSEUR_SLA = LIVRABLES / "suivi_prestataires.xlsx"
FICHIER_GANTT = LIVRABLES / "gantt.png"
FICHIER_BUDGET = LIVRABLES / "budget.csv"
FICHIER_VELOCITE = LIVRABLES / "velocite.csv"
FICHIER_BURNDOWN = LIVRABLES / "burndown.png"
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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a98d90295700e7ad4c08f14c3fda8464", "grade": false, "grade_id": "consigne_gantt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Diagramme de Gantt et budget
#
# Tracez un diagramme de Gantt des dates au plus tôt, en distinguant les tâches
# critiques (matplotlib est installé dans l'environnement de l'épreuve), et
# **enregistrez-le en image** dans `livrables/gantt.png` (variable
# `FICHIER_GANTT` ; PNG, JPEG ou SVG). Le jury vérifie que le chemin critique y
# est mis en évidence.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "190390105cc0f82d6be2afef33dca92f", "grade": false, "grade_id": "gantt", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "8276704ecf91ab9d6ed7978d472b545c", "grade": false, "grade_id": "reponse_gantt", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A4C4.gantt", str(FICHIER_GANTT))
print(f"Gantt attendu dans {FICHIER_GANTT} :", "présent" if FICHIER_GANTT.is_file() else "ABSENT")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "bd77851c69cb5885f2cafab90edef366", "grade": false, "grade_id": "consigne_budget", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Budget
#
# `donnees/ressources_projet.csv` donne le coût journalier de chaque profil ;
# la colonne `ressources` du plan dit qui travaille **à temps plein** sur
# chaque tâche (durées en jours ouvrés). Calculez le coût de chaque ressource
# (somme, sur ses tâches, de la durée × son coût journalier) et le coût total
# du projet, puis écrivez `livrables/budget.csv` (variable `FICHIER_BUDGET`) :
# une ligne par ressource (identifiant ou libellé) et une ligne `Total`, avec
# une colonne de coût dont l'en-tête dit l'unité (`cout_eur`, ou `coût (k€)`
# en milliers d'euros).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "d65d02fa1d7ebb0a8e084bd34eba6099", "grade": false, "grade_id": "budget", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
budget

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "9b2d08219cba4ab71b0d04f4f6e79966", "grade": false, "grade_id": "reponse_budget", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A4C1.budget", str(FICHIER_BUDGET))
print(f"Budget attendu dans {FICHIER_BUDGET} :", "présent" if FICHIER_BUDGET.is_file() else "ABSENT")

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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "e08d7bba34a7bcb1a270a6cb9bf42495", "grade": false, "grade_id": "consigne_suivi_agile", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Suivi agile : vélocité et burndown (A4C3)
#
# L'équipe travaille en sprints. Deux exports de son tableau de suivi sont
# fournis :
#
# - `donnees/sprints.csv` : chaque sprint, avec son premier et son dernier jour
#   ouvré ;
# - `donnees/backlog.csv` : une ligne par élément du backlog (récit ou bogue),
#   avec ses points d'effort (`points`, vide pour un élément non estimé : il
#   compte 0), son `statut` (`Terminé`, `En cours`, `À faire`), sa date de
#   création `cree_le` et, s'il est terminé, sa date de fin `termine_le`.
#
# **Règles.** La **vélocité** d'un sprint est la somme des points des éléments
# `Terminé` dont la date de fin tombe dans le sprint (bornes comprises). Le
# **reste à faire** en fin de sprint (la courbe du burndown) est la somme des
# points des éléments créés au plus tard le dernier jour du sprint et non
# terminés à cette date (les ajouts en cours de projet la font remonter).
#
# Écrivez `livrables/velocite.csv` (variable `FICHIER_VELOCITE`) : une ligne
# par sprint, une colonne `sprint`, une colonne de vélocité (`velocite`) et une
# colonne de reste à faire (`reste_a_faire`) ; en-têtes en français ou en
# anglais (`velocity`, `remaining`), ordre libre. Tracez le burndown et
# enregistrez-le en image dans `livrables/burndown.png` (`FICHIER_BURNDOWN`).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "748fc707fe70ebfd7bc061b8b9356671", "grade": false, "grade_id": "suivi_agile", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
suivi

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "64d452a5b6d52d960a33d65d7b4e88e8", "grade": false, "grade_id": "reponse_suivi_agile", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A4C3.velocity", str(FICHIER_VELOCITE))
record("A4C3.burndown", {"serie": str(FICHIER_VELOCITE), "graphique": str(FICHIER_BURNDOWN)})
print(f"Vélocités attendues dans {FICHIER_VELOCITE} :", "présent" if FICHIER_VELOCITE.is_file() else "ABSENT")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5e1ebe9320fe24797cd6d7e58372a69a", "grade": false, "grade_id": "consigne_indicateurs", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Tableau de bord du projet (A4C4, évalué par le jury)
#
# Plan à reprendre : **Indicateurs quantitatifs** (avancement contre le PERT,
# consommation du budget, vélocité, reste à faire) · **Indicateurs qualitatifs**
# (qualité des livrables, satisfaction du métier) · **Outil** de planification
# et de suivi des tâches · **Réunions de suivi** (point quotidien, revue,
# comité) · **Seuils d'alerte** et action correctrice prévue.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "4ab7cc826c93a36531a259e52200a272", "grade": true, "grade_id": "A4C4-tableau_de_bord", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "10ea88e8c0d823d8a7edc0b3f9681386", "grade": false, "grade_id": "consigne_jury", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Notes pour le jury
#
# Chaque cellule ci-dessous est lue par le jury. Reprenez le plan proposé et
# remplissez-le pour ce projet ; restez concrets (qui, quoi, quand, quel outil).

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "9c4643b6f9e2fd0cc377ca695d4896e6", "grade": false, "grade_id": "consigne_specifications", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 7.1 Cahier des charges fonctionnel et technique (A4C2)
#
# Plan à reprendre : **Contexte et objectifs** · **Utilisateurs et besoins**
# (qui utilise le score, pour quelle décision) · **Exigences fonctionnelles**
# (numérotées, avec critère d'acceptation) · **Exigences techniques** (données,
# modèle, API, performances, sécurité, RGPD) · **Accessibilité** (RGAA, pour les
# écrans des utilisateurs) · **Contraintes et hors périmètre**.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "03e045e61b1980925b536037fd73baca", "grade": true, "grade_id": "A4C2-specifications", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "0989ee95cfde36c203c03e9ade1193d3", "grade": false, "grade_id": "consigne_agile", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 7.2 Méthode agile et équipe (A4C3, A4C6)
#
# Plan à reprendre : **Méthode** (cadre, durée des sprints, cérémonies) ·
# **Rôles** (product owner, facilitateur, équipe) · **Suivi** (vélocité,
# burndown, définition de « terminé ») · **Changement de priorité** (comment
# l'équipe l'absorbe) · **Suppléance** (qui remplace qui en urgence).

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "754a0b6a90f2f426c0677092f7f981fe", "grade": true, "grade_id": "A4C3-methode_agile", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "784a4ffd576171827789e4408435c02e", "grade": true, "grade_id": "A4C6-equipe_suppleance", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5aac428c684cc02951e5f2a191f53eda", "grade": false, "grade_id": "consigne_inclusion", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 7.3 Inclusion et handicap (A4C7)
#
# Plan à reprendre : pour **chacune des six familles de handicap** — moteur,
# visuel, auditif, psychique, mental ou cognitif, maladies invalidantes — un
# aménagement concret du poste, des outils et des réunions ; puis le rôle du
# **référent handicap** de l'entreprise et l'accueil d'un nouvel arrivant.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "5d366758a0719a8cf225e4a821182b74", "grade": true, "grade_id": "A4C7-inclusion", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5b568e5c50a568256d3114aeedaf5538", "grade": false, "grade_id": "consigne_communication", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### 7.4 Communication et travail à distance (A4C8 à A4C13)
#
# Plan à reprendre : **Plan de communication** (public, message, canal,
# fréquence ; langues et cultures de l'équipe) · **Fil de discussion et
# synchronisation quotidienne** (outil, règles) · **Réunions à distance**
# (rituels, animation, participation de tous) · **Partage d'information**
# (où est la documentation, qui la tient à jour) · **Télétravail** (équilibre
# vie professionnelle et vie privée, motivation, droit à la déconnexion) ;
# pour chaque outil et chaque rituel, l'**aménagement** prévu pour les
# collègues en situation de handicap (six familles : moteur, visuel, auditif,
# psychique, mental ou cognitif, maladies invalidantes) ; enfin au moins
# **quatre solutions** pour favoriser les échanges interculturels et prévenir
# les malentendus (A4C9).

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "9a394020a8ea2627a04bc26a8fcb6a2a", "grade": true, "grade_id": "A4C8-communication", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "ffcb3966873fabc49027b02a951ebb90", "grade": true, "grade_id": "A4C9-solutions_interculturelles", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "e30b903eb8f93100c010e2cff1c70d18", "grade": true, "grade_id": "A4C10-fil_discussion", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "585d938ef7fefe841d3012fd51bdf1bc", "grade": true, "grade_id": "A4C11-reunions_distance", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "347134ffd2d8b8fb56eb2bd1ef816546", "grade": true, "grade_id": "A4C12-partage_information", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "1e64e9a82e2a84fe52bcb1015489b4a2", "grade": true, "grade_id": "A4C13-teletravail", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
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
