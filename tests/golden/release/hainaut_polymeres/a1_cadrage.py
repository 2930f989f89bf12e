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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "55fe0ee8a15915121a8a34cb3e4bc0a0", "grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Bloc A1 — Étude d'opportunité : cadrage et audit des données
#
# **Hainaut Polymères Industries** — plasturgie (injection et extrusion de
# pièces techniques) — veut estimer, pour chaque machine, le risque suivant :
# panne avec arrêt de production dans les 30 jours suivant la date de référence.
# Le cahier des charges (`cahier_des_charges.md`) décrit la demande de la
# direction ; la DSI vous a transmis un extrait de 4 tables dans `donnees/` :
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
# 2. Les tables pseudonymisées (une par table, texte libre masqué, jointures
#    intactes) et le registre des traitements, écrits dans `livrables_a1/` par la
#    cellule prévue : le correcteur relit ces fichiers, pas votre déclaration.
# 3. Les mesures de protection que vous proposez (cellule évaluée par le jury).
# 4. La note de cadrage (dernière cellule, évaluée par le jury).
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "79609379035190532f8539a9de9348ef", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from pathlib import Path

import pandas as pd

from mspr.answers import record
from mspr.pii import audit_dataframe, build_analyzer

DONNEES = Path("donnees")
TABLES = ["fournisseurs", "machines", "releves_capteurs", "interventions"]
# Toutes les colonnes sont lues comme du texte : un code postal ou un numéro
# lu comme un nombre perdrait ses zéros initiaux et échapperait à l'audit.
tables = {
    nom: pd.read_csv(DONNEES / f"{nom}.csv", dtype=str)
    for nom in TABLES
}
for nom, table in tables.items():
    print(f"{nom:15s} {table.shape[0]:6d} lignes × {table.shape[1]:2d} colonnes : {', '.join(table.columns)}")

# Analyseur Presidio configuré pour le français (spaCy fr_core_news_md,
# reconnaisseurs français : NIR, SIREN, SIRET, IBAN, téléphones, dates, adresses).
# Les formats des identifiants techniques (dictionnaire des données) ne sont
# jamais pris pour un nom ou un lieu.
IDENTIFIANTS_TECHNIQUES = [
    "(?<![\\w-])FRN\\d{3,}(?![\\w-])",
    "(?<![\\w-])INT\\d{6,}(?![\\w-])",
    "(?<![\\w-])MAC\\d{4,}(?![\\w-])",
    "(?<![\\w-])REL\\d{7,}(?![\\w-])",
]
analyseur = build_analyzer(IDENTIFIANTS_TECHNIQUES)
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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "dd74891a3e155e202193737ed53d0616", "grade": false, "grade_id": "consigne_pseudonymisation", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Pseudonymisation des tables et registre des traitements
#
# Produisez, pour chaque table, sa version pseudonymisée dans le dictionnaire
# `tables_pseudonymisees` (`{table: DataFrame}`, toutes les lignes gardées) :
#
# - les identifiants directs (nom, NIR, e-mail, téléphone, IBAN…) ne doivent plus
#   y figurer, sous aucune forme ;
# - les identifiants indirects sont généralisés (code postal → département,
#   date de naissance → année…) ;
# - le texte libre est masqué (Presidio Anonymizer sur les entités détectées) ;
# - les clés sont remplacées par un pseudonyme obtenu par hachage à clé secrète
#   (HMAC) : la même valeur donne le même pseudonyme dans toutes les tables, les
#   jointures restent possibles.
#
# Décrivez ensuite le traitement dans `registre` (registre des traitements,
# article 30 du RGPD) : une liste `traitements` dont chaque entrée donne
# `finalite`, `base_legale`, `categories_donnees` (types d'entités de
# `TYPES_ENTITES` ou leurs noms en français), `categories_personnes`,
# `destinataires`, `duree_conservation` et `mesures_securite`.
#
# Le correcteur relit les fichiers écrits : il y cherche chaque donnée
# personnelle du jeu (un NIR ou une donnée de santé oubliés coûtent plus cher
# qu'une commune), vérifie les jointures et la couverture du registre.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "53cc64290b95b643f1e44042abc8791b", "grade": false, "grade_id": "pseudonymisation", "locked": false, "schema_version": 3, "solution": true, "task": false}
# VOTRE CODE ICI
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "4062c29dfc15b66d44457f505dc83642", "grade": false, "grade_id": "livrables", "locked": true, "schema_version": 3, "solution": false, "task": false}
import yaml


def ecrire_livrables(tables_produites, registre_produit, dossier=Path("livrables_a1")):
    """Écrit une table CSV par table et le registre en YAML ; renvoie le dossier."""
    dossier.mkdir(exist_ok=True)
    for nom, table in tables_produites.items():
        table.to_csv(dossier / f"{nom}.csv", index=False)
    (dossier / "registre_traitements.yaml").write_text(
        yaml.safe_dump(registre_produit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(dossier)


record("A1C6.livrables", ecrire_livrables(tables_pseudonymisees, registre))

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "d9a2534d6dda081a4d5da6111a519ae8", "grade": false, "grade_id": "consigne_mesures", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Mesures de protection (évaluées par le jury)
#
# À partir de votre audit : quelles données le projet (panne avec arrêt de
# production dans les 30 jours suivant la date de référence) a-t-il réellement
# besoin d'utiliser ? Que faites-vous des autres (suppression, pseudonymisation,
# anonymisation) ? Quelles obligations RGPD s'appliquent (base légale,
# information des personnes concernées, données sensibles, analyse d'impact,
# durée de conservation) ?

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "89c0476a0c89ed2c8b1b0806f2433a97", "grade": true, "grade_id": "A1C6-mesures_rgpd", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "6f234c518b9045d3a99348a88c29378e", "grade": false, "grade_id": "consigne_note", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Note de cadrage (évaluée par le jury)
#
# Rédigez une note de cadrage synthétique (une page au plus) : contexte et
# enjeux, besoin, objectifs mesurables, plus-value attendue, périmètre, risques
# (dont ceux liés aux données), et les décisions attendues de la direction.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "e07e0ff734667540611c679f6e87fab7", "grade": true, "grade_id": "A1C2-note_de_cadrage", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "1b3fedee780d2d6e18c4a3c016bece15", "grade": false, "grade_id": "consigne_besoin", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Recueil du besoin (évalué par le jury)
#
# Restituez le besoin de la direction métier tel que vous l'avez recueilli :
# demandeur et utilisateurs, problème posé, situation actuelle, contexte de
# l'entreprise en matière de données et d'IA, enjeux (métier, financiers,
# humains, d'image), questions restées ouvertes. Gabarit :
#
# | Rubrique | Contenu |
# |---|---|
# | Demandeur / utilisateurs | … |
# | Problème et situation actuelle | … |
# | Données et maturité IA de l'entreprise | … |
# | Enjeux | … |
# | Questions ouvertes | … |

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "f9e40ae2a5e225624727feffd59ba699", "grade": true, "grade_id": "A1C1-recueil_besoin", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "efef85fad803b7ace61c3849af741f71", "grade": false, "grade_id": "consigne_risques", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Matrice des risques (évaluée par le jury)
#
# Cotez chaque risque du projet : probabilité (1 à 4) × impact (1 à 4) =
# criticité, avec une mesure de réduction et un responsable. Incluez les risques
# métier, techniques, humains et **les risques liés à la sécurité des données**
# (fuite, réidentification, accès non autorisé, conservation excessive).
#
# | Risque | Catégorie | Probabilité (1-4) | Impact (1-4) | Criticité | Mesure | Responsable |
# |---|---|---|---|---|---|---|

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "37f5d81bf58bded5bed21a86e51c0ff6", "grade": true, "grade_id": "A1C3-matrice_risques", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "c73293feab9c1acbc01f6ad1ab8e5499", "grade": false, "grade_id": "consigne_veille", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. Veille technologique et réglementaire (évaluée par le jury)
#
# Note de veille sur une période donnée (sources en français et en anglais) :
# évolutions techniques utiles au projet, et obligations réglementaires, dont
# **celles du règlement européen sur l'IA (AI Act) pour l'usage visé** (niveau
# de risque, obligations qui en découlent, calendrier), le RGPD et les
# recommandations de la CNIL. Gabarit : période, sources, faits marquants,
# impact sur le projet, recommandations aux décideurs.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "11a8c284d673a39049109cd000515aca", "grade": true, "grade_id": "A1C4-veille", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a9887d6804a5c3eeb04a2be44e491532", "grade": false, "grade_id": "consigne_solutions", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 10. Comparaison des familles de solutions (évaluée par le jury)
#
# Comparez au moins trois familles de solutions (règles métier, régression
# logistique, arbres et forêts aléatoires, boosting, réseaux de neurones,
# clustering…) : données nécessaires, performance attendue, explicabilité, coût,
# maintenance ; concluez par la solution retenue et sa justification.
#
# | Famille | Données nécessaires | Performance attendue | Explicabilité | Coût / maintenance | Adéquation |
# |---|---|---|---|---|---|

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "6e1f7b98ef93e558fb9484f3089b8093", "grade": true, "grade_id": "A1C5-solutions", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# VOTRE RÉPONSE ICI

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "c56043786bd2a5c2a53fc8fb93c0b4a8", "grade": false, "grade_id": "consigne_faisabilite", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 11. Note de faisabilité (évaluée par le jury)
#
# Pour les décideurs : contexte, besoin, objectifs, plus-value, risques,
# propositions et préconisations, **moyens et coûts prévisionnels**
# (jours-personnes, infrastructure, licences), **environnement technique
# nécessaire** (stockage, calcul, outils, hébergement des données), sécurité des
# données, décision attendue.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "5606f0242b5556aaad3d2c2d0e74eb0d", "grade": true, "grade_id": "A1C7-note_faisabilite", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
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
