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
# # Bloc A1 — Étude d'opportunité : cadrage et audit des données
#
# **Mutuelle Horizon Santé** souhaite anticiper les résiliations de ses adhérents.
# Le cahier des charges (`cahier_des_charges.md`) décrit la demande de la
# direction ; la DSI vous a transmis un extrait de trois tables dans `donnees/` :
#
# - `adherents.csv` — une ligne par adhérent : identité, contact, contrat ;
# - `remboursements.csv` — les actes remboursés des douze derniers mois ;
# - `reclamations.csv` — les réclamations adressées au service adhérents, en texte libre.
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
# 1. L'audit des données personnelles des trois tables avec Presidio
#    (`mspr.pii.audit_dataframe`) et votre décision, colonne par colonne,
#    enregistrée dans `reponses.json` par la cellule prévue (ne la modifiez pas).
# 2. Les mesures de protection que vous proposez (cellule évaluée par le jury).
# 3. La note de cadrage (dernière cellule, évaluée par le jury).
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from pathlib import Path

import pandas as pd

from mspr.answers import record
from mspr.pii import ENTITY_VOCABULARY, audit_dataframe, build_analyzer

DONNEES = Path("donnees")
# Toutes les colonnes sont lues comme du texte : un code postal ou un numéro
# lu comme un nombre perdrait ses zéros initiaux et échapperait à l'audit.
tables = {
    nom: pd.read_csv(DONNEES / f"{nom}.csv", dtype=str)
    for nom in ("adherents", "remboursements", "reclamations")
}
for nom, table in tables.items():
    print(f"{nom:15s} {table.shape[0]:6d} lignes × {table.shape[1]:2d} colonnes : {', '.join(table.columns)}")

# Analyseur Presidio configuré pour le français (spaCy fr_core_news_sm,
# reconnaisseurs français : NIR, SIREN, SIRET, téléphones français…).
analyseur = build_analyzer()
print("Types d'entités de référence :", ", ".join(ENTITY_VOCABULARY))

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_qualite", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Premier regard sur les données
#
# Décrivez rapidement chaque table : volumétrie, identifiants en double, valeurs
# manquantes par colonne. Ces constats nourrissent la note de cadrage.

# %% nbgrader={"grade": false, "grade_id": "qualite", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
identifiants = {"adherents": "id_adherent", "remboursements": "id_remboursement",
                "reclamations": "id_reclamation"}
for nom, table in tables.items():
    cle = identifiants[nom]
    manquants = table.isna().sum()
    manquants = manquants[manquants > 0]
    print(f"— {nom} : {len(table)} lignes, {table[cle].duplicated().sum()} identifiants en double, "
          f"{table.duplicated().sum()} lignes entièrement dupliquées")
    print("  valeurs manquantes :", ", ".join(f"{c} ({n})" for c, n in manquants.items()) or "aucune")
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_audit", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Audit automatique des données personnelles
#
# `audit_dataframe(table, analyzer=analyseur, sample=..., min_ratio=...)`
# analyse un échantillon de cellules non vides de chaque colonne texte et renvoie
# une ligne par (colonne, type d'entité) avec le taux de détection et un exemple.
# Lancez-le sur les trois tables (en moins d'une minute au total : travaillez sur
# des échantillons). Pour une colonne de texte libre, une seule occurrence de
# donnée personnelle suffit à la rendre sensible : adaptez `min_ratio`.

# %% nbgrader={"grade": false, "grade_id": "audit", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
audits = {
    "adherents": audit_dataframe(tables["adherents"], analyzer=analyseur, sample=60, min_ratio=0.3),
    "remboursements": audit_dataframe(tables["remboursements"], analyzer=analyseur, sample=60, min_ratio=0.3),
    # texte libre : on échantillonne plus large et on garde toute détection récurrente
    "reclamations": pd.concat([
        audit_dataframe(tables["reclamations"].drop(columns="texte"), analyzer=analyseur,
                        sample=60, min_ratio=0.3),
        audit_dataframe(tables["reclamations"], analyzer=analyseur, columns=["texte"],
                        sample=400, min_ratio=0.02),
    ], ignore_index=True),
}
audit = pd.concat(audits, names=["table", None]).reset_index(level=0)
### END SOLUTION
audit

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_decision", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Décision : quelles colonnes contiennent quelles données personnelles ?
#
# L'outil se trompe dans les deux sens : il rate des données personnelles
# (un prénom seul, un code postal) et en signale qui n'en sont pas (une date
# d'adhésion n'identifie personne, une ville peut être prise pour un nom).
# Décidez, colonne par colonne, avec les types d'entités :
# `PERSON`, `EMAIL_ADDRESS`, `PHONE_NUMBER`, `LOCATION`, `DATE_TIME`,
# `IBAN_CODE`, `FR_NIR`. Seule la **date de naissance** compte comme
# `DATE_TIME` (les autres dates ne caractérisent pas la personne).
#
# Rangez votre décision dans `pii_columns`, un dictionnaire
# `{table: {colonne: [types d'entités triés]}}` qui ne liste que les colonnes
# contenant des données personnelles (une table sans telles colonnes : `{}`).

# %% nbgrader={"grade": false, "grade_id": "decision", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
pii_columns = {
    "adherents": {
        # identité : un prénom ou un nom seul est mal reconnu par le petit modèle
        # spaCy, mais la colonne entière est une donnée d'identité
        "prenom": ["PERSON"],
        "nom": ["PERSON"],
        "email": ["EMAIL_ADDRESS"],
        "telephone": ["PHONE_NUMBER"],
        # localisation : adresse, code postal et ville localisent l'adhérent
        # (le code postal n'est reconnu par aucun outil, c'est un jugement)
        "adresse": ["LOCATION"],
        "code_postal": ["LOCATION"],
        "ville": ["LOCATION"],
        # seule la date de naissance caractérise la personne ; date_adhesion et
        # date_resiliation sont des dates de contrat
        "date_naissance": ["DATE_TIME"],
        "nir": ["FR_NIR"],
        "iban": ["IBAN_CODE"],
    },
    # identifiants techniques, dates et montants d'actes : pas d'entité de la
    # liste (mais des données de santé, voir les mesures ci-dessous)
    "remboursements": {},
    # le texte libre embarque ce que les adhérents y écrivent : nom, téléphone, courriel
    "reclamations": {"texte": ["EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER"]},
}

# Confrontation avec l'audit automatique (détections des types de la liste)
detections = audit[audit["entity_type"].isin(ENTITY_VOCABULARY)]
detecte = {(t, c, e) for t, c, e in detections[["table", "column", "entity_type"]].itertuples(index=False)}
retenu = {(t, c, e) for t, cols in pii_columns.items() for c, ents in cols.items() for e in ents}
print("Retenu mais non détecté par Presidio :", sorted(retenu - detecte))
print("Détecté par Presidio mais écarté    :", sorted(detecte - retenu))
### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "reponses", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A1C6.pii_columns", {
    table: {colonne: sorted(entites) for colonne, entites in colonnes.items()}
    for table, colonnes in pii_columns.items()
})

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_mesures", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Mesures de protection (évaluées par le jury)
#
# À partir de votre audit : quelles données le projet de prédiction des
# résiliations a-t-il réellement besoin d'utiliser ? Que faites-vous des autres
# (suppression, pseudonymisation, anonymisation) ? Quelles obligations RGPD
# s'appliquent (base légale, information des adhérents, données sensibles,
# analyse d'impact, durée de conservation) ?

# %% [markdown] nbgrader={"grade": true, "grade_id": "A1C6-mesures_rgpd", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Minimisation.** Le modèle n'a besoin d'aucune donnée d'identification directe :
# nom, prénom, courriel, téléphone, adresse, NIR et IBAN sont retirés du jeu
# d'apprentissage. L'identifiant adhérent est remplacé par un pseudonyme (hachage
# salé, clé conservée par la DSI) pour les jointures. La date de naissance devient
# un âge (ou une tranche d'âge), le code postal un département ou une zone.
#
# **Texte libre.** Les réclamations contiennent des noms, téléphones et courriels :
# elles sont anonymisées (Presidio Anonymizer sur les entités détectées, contrôle
# par échantillonnage manuel) avant tout usage, ou réduites au motif codé.
#
# **Données sensibles.** Les remboursements révèlent des actes de soins : ce sont
# des données de santé (article 9 du RGPD). On n'en garde que des agrégats
# (montant remboursé sur 12 mois), sans le détail des actes.
#
# **Cadre.** Base légale : intérêt légitime de la mutuelle (fidélisation), à
# documenter et mettre en balance ; information des adhérents et droit
# d'opposition ; inscription au registre des traitements ; analyse d'impact
# (AIPD) avec le DPO, car le traitement évalue des personnes à partir de données
# de santé ; accès restreint à l'équipe projet, durée de conservation limitée à
# la durée du projet pour les extractions, pas de décision automatique sans
# intervention humaine (un conseiller décide de l'action de rétention).
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_note", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Note de cadrage (évaluée par le jury)
#
# Rédigez une note de cadrage synthétique (une page au plus) : contexte et
# enjeux, besoin, objectifs mesurables, plus-value attendue, périmètre, risques
# (dont ceux liés aux données), et les décisions attendues de la direction.

# %% [markdown] nbgrader={"grade": true, "grade_id": "A1C2-note_de_cadrage", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Contexte et enjeux.** Mutuelle Horizon Santé voit partir chaque année une part
# significative de ses adhérents (voir le taux de résiliation de l'extrait), sur un
# marché concurrentiel où la résiliation est possible à tout moment après un an.
# Conquérir un adhérent coûte plus cher que le garder : l'enjeu est la stabilité du
# portefeuille et des cotisations.
#
# **Besoin.** Identifier, chaque mois, les adhérents qui risquent de résilier dans
# les mois à venir, pour que le service adhérents les contacte avant leur départ.
#
# **Objectifs.** (1) Un score de risque de résiliation par adhérent, avec une
# capacité de discrimination mesurée sur des données récentes non vues (ROC AUC
# nettement supérieure à 0,5, cible fixée avec la direction) ; (2) une liste
# mensuelle priorisée pour les conseillers ; (3) une baisse mesurée du taux de
# résiliation sur les adhérents contactés, par rapport à un groupe témoin.
#
# **Plus-value.** Actions de rétention ciblées au lieu de campagnes générales ;
# compréhension des facteurs de départ (réclamations, satisfaction, hausse de
# cotisation) utile au marketing et au service qualité.
#
# **Périmètre.** Adhérents individuels actifs ; données de contrat, de
# remboursement agrégées et de réclamations ; hors périmètre : contrats
# collectifs, décision automatisée.
#
# **Risques.** Qualité des données (doublons, valeurs manquantes, formats de date
# et de téléphone hétérogènes, valeurs aberrantes) ; fuite d'information (une
# colonne renseignée après la résiliation ne doit pas servir à la prédire) ; RGPD :
# données d'identification, NIR, IBAN, données de santé et texte libre contenant
# des coordonnées — minimisation et AIPD avant le démarrage ; risque d'usage : un
# score mal compris ou discriminant, d'où un contrôle humain et un suivi des biais.
#
# **Décisions attendues.** Validation du périmètre et de l'indicateur de succès,
# désignation d'un référent métier, saisine du DPO pour l'AIPD.
# ### END SOLUTION
