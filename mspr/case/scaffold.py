"""``mspr case new DIR``: a commented French scaffold of ``case.yaml``.

:func:`new_case` writes a small but complete case (a vocational-training
organisation predicting drop-outs) in which every column type, role, GDPR
category, generator, distribution, date window, aggregate function, defect
kind and relation of :mod:`mspr.case.spec` appears once, each explained by a
French comment. The scaffold validates and builds as written; the trainer
then replaces the company, the tables and the texts with their own.
"""

from __future__ import annotations

import re
from pathlib import Path

from mspr.errors import MsprError

__all__ = ["SCAFFOLD", "new_case"]

#: The scaffold's text; ``__CASE_ID__`` is replaced by the case identifier.
SCAFFOLD = """\
# =============================================================================================
# Cas MSPR : squelette écrit par `mspr case new`. Remplacez l'entreprise, les tables et les
# textes par les vôtres, puis vérifiez le cas de bout en bout avec `mspr case check DIR`.
# Guide complet : docs/guide-formateur.md ; exemples complets : les cas fournis dans cases/.
# Les clés sont en français ; une erreur de saisie est signalée avec la ligne et le champ.
# =============================================================================================

# Identifiant du cas : minuscules, chiffres et « _ » (nom du dossier de construction).
id: __CASE_ID__

# --- L'entreprise fictive, affichée en tête du cahier des charges et de chaque carnet ---------
entreprise:
  nom: Campus Garonne Formation
  secteur: formation professionnelle continue (organisme certifié Qualiopi)
  ville: Toulouse
  effectif: 85
  # Comment l'entreprise nomme une ligne de la table principale (singulier, pluriel).
  vocabulaire: {individu: stagiaire, individus: stagiaires}
  contexte: |
    Campus Garonne Formation forme chaque année environ 3 000 adultes en reconversion aux
    métiers du numérique et de la comptabilité, en présentiel et à distance. Un stagiaire
    sur cinq abandonne avant la certification, ce qui pèse sur les financements obtenus.

# --- Le cahier des charges remis aux candidats ------------------------------------------------
cahier_des_charges:
  titre: "Cahier des charges : prévenir les abandons en cours de formation"
  besoin: |
    La direction pédagogique veut repérer chaque semaine les stagiaires exposés à un abandon
    pour que leur référent les appelle. Elle fournit une extraction des inscriptions, de
    l'activité sur la plateforme en ligne et des messages échangés avec les référents.
  objectifs:
    - Auditer les données (qualité, données personnelles, fuite d'information).
    - Construire et suivre dans MLflow un modèle de prédiction de l'abandon.
    - Déployer le modèle et mesurer ses temps de réponse.
    - Planifier le projet (chemin critique).
  # contraintes et livrables sont facultatifs (section omise si la liste est vide).
  contraintes:
    - La situation de handicap est une donnée de santé (article 9 du RGPD) ; une AIPD est requise.
  livrables:
    - Rapport d'audit, modèle enregistré, service déployé, planning.

# --- Géographie : communes, codes postaux et indicatifs téléphoniques en découlent ------------
# Soit des départements (codes INSEE), soit une région (region: Occitanie).
geographie:
  departements: ["31"]

# --- Les données --------------------------------------------------------------------------------
donnees:
  graine: 31          # graine par défaut (mspr case build --seed la remplace)
  lignes: 400         # lignes de la table principale avant le jeu réservé (200 à 200 000)
  date_reference: 2025-01-31   # date de l'extraction : toutes les dates s'y rapportent
  part_reservee: 0.2  # part de la table principale mise de côté (stratifiée) pour la notation
  tables:
    # Une table de premier niveau autre que la table principale : elle a un nombre de lignes
    # fixe (lignes) et d'autres tables y renvoient par une colonne « reference ».
    financeurs:
      description: Organismes qui financent les parcours (OPCO, employeurs, région).
      lignes: 12
      colonnes:
        # La première colonne est la clé primaire : type identifiant, rôle identifiant_technique,
        # générateur sequence avec un format Python à une place entière.
        id_financeur: {description: Identifiant du financeur., type: identifiant, role: identifiant_technique, generateur: sequence, format: "FIN{:03d}"}
        # raison_sociale : nom d'entreprise ; siren (9 chiffres, clé de Luhn) ; siret (14 chiffres,
        # construit sur le SIREN de la même ligne). Le rôle « descriptive » : ni personnel ni utile
        # au modèle.
        raison_sociale: {description: Raison sociale., type: texte, role: descriptive, generateur: raison_sociale}
        siren: {description: Numéro SIREN., type: identifiant, role: descriptive, generateur: siren}
        siret: {description: Numéro SIRET de l'établissement payeur., type: identifiant, role: descriptive, generateur: siret}
        # Données personnelles d'un interlocuteur : role donnee_personnelle + categorie_rgpd.
        # L'entité Presidio est celle du générateur (PERSON, EMAIL_ADDRESS…) sauf si « entite » la
        # précise. Sur une ligne qui a une raison_sociale, l'adresse électronique est prise sur le
        # domaine de l'entreprise.
        contact_nom: {description: Nom du gestionnaire du dossier., type: texte, role: donnee_personnelle, generateur: nom, categorie_rgpd: identifiant_direct}
        contact_email: {description: Courriel du gestionnaire., type: texte, role: donnee_personnelle, generateur: email, categorie_rgpd: identifiant_direct}

    # La table principale : celle qui porte la cible (cible.table). Son nombre de lignes vient
    # de donnees.lignes.
    stagiaires:
      description: Un stagiaire inscrit par ligne, avec son parcours et son activité récente.
      colonnes:
        id_stagiaire: {description: Identifiant du stagiaire., type: identifiant, role: identifiant_technique, generateur: sequence, format: "STG{:05d}"}
        # Clé vers une table de premier niveau (plusieurs stagiaires pour un financeur) : type
        # identifiant, même nom que la clé primaire visée, « reference » = la table visée.
        id_financeur: {description: Financeur du parcours., type: identifiant, role: identifiant_technique, reference: financeurs}
        # Les générateurs de personnes (civilite, prenom, nom, email, telephone, adresse,
        # code_postal, commune, date_naissance, nir, iban) décrivent UNE personne cohérente par
        # ligne : sexe, prénom, NIR, commune et indicatif concordent.
        civilite: {description: Civilité., type: categorielle, role: descriptive, generateur: civilite}
        prenom: {description: Prénom., type: texte, role: donnee_personnelle, generateur: prenom, categorie_rgpd: identifiant_direct}
        nom: {description: Nom., type: texte, role: donnee_personnelle, generateur: nom, categorie_rgpd: identifiant_direct}
        # domaines : pour le générateur email, les domaines tirés (par défaut : messageries grand public).
        email: {description: Courriel., type: texte, role: donnee_personnelle, generateur: email, categorie_rgpd: identifiant_direct, domaines: [orange.fr, gmail.com, free.fr]}
        telephone: {description: Téléphone., type: texte, role: donnee_personnelle, generateur: telephone, categorie_rgpd: identifiant_direct}
        adresse: {description: Adresse postale., type: texte, role: donnee_personnelle, generateur: adresse, categorie_rgpd: identifiant_direct}
        # identifiant_indirect : identifie par recoupement (code postal, commune, date de naissance).
        code_postal: {description: Code postal., type: texte, role: donnee_personnelle, generateur: code_postal, categorie_rgpd: identifiant_indirect}
        commune: {description: Commune de résidence., type: categorielle, role: donnee_personnelle, generateur: commune, categorie_rgpd: identifiant_indirect}
        # explicative: true : donnée personnelle que le modèle peut aussi utiliser (l'âge).
        date_naissance:
          description: Date de naissance.
          type: date
          role: donnee_personnelle
          categorie_rgpd: identifiant_indirect
          explicative: true
          generateur: date_naissance
          dates: {annees_avant_reference: [18, 64]}   # âges minimum et maximum
        nir: {description: Numéro de sécurité sociale (dossier de rémunération)., type: texte, role: donnee_personnelle, generateur: nir, categorie_rgpd: identifiant_direct}
        iban: {description: IBAN pour la rémunération de stage., type: texte, role: donnee_personnelle, generateur: iban, categorie_rgpd: identifiant_direct}
        # donnee_sensible : catégorie particulière de l'article 9 (santé…) ; entite précise le
        # type Presidio quand le générateur n'en donne pas (ici des modalités).
        situation_handicap:
          description: Reconnaissance de la qualité de travailleur handicapé (RQTH).
          type: categorielle
          role: donnee_personnelle
          entite: MEDICAL
          categorie_rgpd: donnee_sensible
          modalites: {non: 0.9, oui: 0.1}
        # Variables explicatives catégorielles : modalités et poids (normalisés).
        modalite:
          description: Modalité de formation.
          type: categorielle
          role: variable_explicative
          modalites: {presentiel: 0.5, distanciel: 0.3, hybride: 0.2}
        # Dates : annees_avant_reference [min, max] (anciennetés, âges) ou
        # jours_avant_reference [min, max] (événements récents).
        date_entree:
          description: Date d'entrée en formation.
          type: date
          role: variable_explicative
          dates: {jours_avant_reference: [30, 300]}
        # Lois numériques : normale (moyenne, ecart_type), lognormale (moyenne, sigma_log),
        # uniforme (min, max), poisson (moyenne), discrete (valeurs: {valeur: poids}),
        # proportion (de: autre colonne, taux). min/max bornent les valeurs et donnent la plage
        # plausible ; multiplicateurs : colonne catégorielle → modalité → facteur de la moyenne.
        duree_heures:
          description: Durée du parcours, en heures.
          type: numerique
          role: variable_explicative
          loi: {nom: normale, moyenne: 600, ecart_type: 120, min: 70, max: 1600, multiplicateurs: {modalite: {presentiel: 1.0, distanciel: 0.8, hybride: 0.9}}}
        reste_a_charge:
          description: Reste à charge du stagiaire, en euros.
          type: numerique
          role: variable_explicative
          loi: {nom: lognormale, moyenne: 400, sigma_log: 0.8, min: 0, max: 15000, decimales: 2}
        distance_km:
          description: Distance entre le domicile et le centre, en kilomètres.
          type: numerique
          role: variable_explicative
          loi: {nom: uniforme, min: 1, max: 80, decimales: 1}
        nb_absences:
          description: Demi-journées d'absence non justifiées.
          type: numerique
          role: variable_explicative
          loi: {nom: poisson, moyenne: 2.5, min: 0, max: 120}
        niveau_entree:
          description: Niveau de diplôme à l'entrée (3 = CAP, 4 = bac, 5 = bac + 2…).
          type: numerique
          role: variable_explicative
          loi: {nom: discrete, valeurs: {3: 0.2, 4: 0.4, 5: 0.25, 6: 0.15}}
        heures_realisees:
          description: Heures de formation déjà réalisées.
          type: numerique
          role: variable_explicative
          loi: {nom: proportion, de: duree_heures, taux: 0.45, min: 0, max: 1600}
        # Agrégats : calculés depuis une table fille (nombre, somme, moyenne, maximum), sur une
        # fenêtre glissante facultative (fenetre_jours + colonne_date). 0 quand la fenêtre est vide.
        nb_connexions_30j:
          description: Connexions à la plateforme sur les 30 derniers jours.
          type: numerique
          role: variable_explicative
          agregat: {table: connexions, fonction: nombre, fenetre_jours: 30, colonne_date: date_connexion}
          plage: [0, 500]
        minutes_en_ligne_30j:
          description: Temps passé sur la plateforme sur les 30 derniers jours, en minutes.
          type: numerique
          role: variable_explicative
          agregat: {table: connexions, fonction: somme, colonne: duree_min, fenetre_jours: 30, colonne_date: date_connexion}
          plage: [0, 50000]
        score_moyen_quiz:
          description: Score moyen aux quiz (sur 20).
          type: numerique
          role: variable_explicative
          agregat: {table: connexions, fonction: moyenne, colonne: score_quiz}
          plage: [0, 20]
        plus_longue_session:
          description: Plus longue session en ligne, en minutes.
          type: numerique
          role: variable_explicative
          agregat: {table: connexions, fonction: maximum, colonne: duree_min}
          plage: [0, 600]
        # fuite : connue seulement après la date de référence ; remplie surtout pour les positifs.
        # jours_apres_reference est réservé à ce rôle.
        date_abandon:
          description: Date d'abandon déclarée.
          type: date
          role: fuite
          dates: {jours_apres_reference: [1, 120]}
          fuite:
            taux_positifs: 0.9
            taux_negatifs: 0.02
            explication: la date d'abandon n'est connue qu'une fois l'abandon constaté, après la date de référence.
        # cible : type categorielle (0/1) pour la cible binaire ; une cible de régression
        # facultative est numérique (voir cible.regression).
        abandon:
          description: 1 si le stagiaire a abandonné dans les 4 mois suivant la date de référence.
          type: categorielle
          role: cible
        note_finale:
          description: Note finale à l'examen (sur 20).
          type: numerique
          role: cible

    # Une table fille : relation vers sa table parente (clé étrangère du même nom que la clé
    # primaire du parent) et nombre de lignes par parent (loi de Poisson de moyenne « moyenne »,
    # modulée par des colonnes numériques ou dates du parent, par écart-type).
    connexions:
      description: Connexions à la plateforme de formation en ligne (120 derniers jours).
      relation:
        parent: stagiaires
        cle: id_stagiaire
        nombre: {moyenne: 14, effets: {nb_absences: -0.3}}
      colonnes:
        id_connexion: {description: Identifiant de la connexion., type: identifiant, role: identifiant_technique, generateur: sequence, format: "CNX{:06d}"}
        id_stagiaire: {description: Stagiaire connecté., type: identifiant, role: identifiant_technique}
        # horodatage : date d'un événement d'une table fille ; « apres » : jamais avant une date
        # de la même ligne ou de la ligne parente.
        date_connexion:
          description: Date de la connexion.
          type: date
          role: horodatage
          dates: {jours_avant_reference: [1, 120], apres: date_entree}
        duree_min:
          description: Durée de la session, en minutes.
          type: numerique
          role: variable_explicative
          loi: {nom: lognormale, moyenne: 45, sigma_log: 0.6, min: 1, max: 600, multiplicateurs: {modalite: {presentiel: 0.6, distanciel: 1.4, hybride: 1.0}}}
        score_quiz:
          description: Score au quiz de fin de session (sur 20).
          type: numerique
          role: variable_explicative
          loi: {nom: normale, moyenne: 12.5, ecart_type: 3, min: 0, max: 20, decimales: 1}

    # Une table fille de messages en texte libre, rédigés par une équipe de 6 référents
    # (personnes: un petit nombre de personnes distinctes signe toutes les lignes).
    messages:
      description: Messages des référents pédagogiques aux stagiaires.
      personnes: 6
      relation:
        parent: stagiaires
        cle: id_stagiaire
        nombre: {moyenne: 1.5, effets: {nb_absences: 0.4}}
      colonnes:
        id_message: {description: Identifiant du message., type: identifiant, role: identifiant_technique, generateur: sequence, format: "MSG{:05d}"}
        id_stagiaire: {description: Stagiaire destinataire., type: identifiant, role: identifiant_technique}
        date_message: {description: Date d'envoi., type: date, role: horodatage, dates: {jours_avant_reference: [1, 200], apres: date_entree}}
        objet:
          description: Objet du message.
          type: categorielle
          role: descriptive
          modalites: {absence: 0.5, retard_travaux: 0.3, encouragement: 0.2}
        referent_nom: {description: Nom du référent., type: texte, role: donnee_personnelle, generateur: nom, categorie_rgpd: identifiant_direct}
        referent_telephone: {description: Téléphone du référent., type: texte, role: donnee_personnelle, generateur: telephone, categorie_rgpd: identifiant_direct}
        # Texte libre : corps par modalité de « selon » (ou "*" pour toutes) ; {montant} = un
        # montant en euros. part_donnees_personnelles : part des textes qui embarquent les données
        # de l'auteur (positions exactes dans la vérité terrain) ; gabarits : comment elles sont
        # écrites ({texte} = le corps ; {nom}, {telephone}, {email}, {nir}, {iban}, {civilite}).
        contenu:
          description: Texte du message.
          type: texte
          role: donnee_personnelle
          categorie_rgpd: identifiant_direct
          modeles:
            selon: objet
            part_donnees_personnelles: 0.4
            gabarits:
              - "{texte} Votre référent, {nom}."
              - "{texte} Appelez-moi au {telephone}."
            corps:
              absence:
                - nous avons constaté plusieurs absences non justifiées cette semaine.
                - vous n'étiez pas présent(e) à la classe virtuelle de lundi, tout va bien ?
              retard_travaux:
                - votre dossier professionnel n'a pas été déposé à la date prévue.
              encouragement:
                - vos résultats progressent, continuez ainsi.

# --- La cible et ce qui la fait varier ------------------------------------------------------------
cible:
  table: stagiaires
  colonne: abandon
  libelle: abandon de la formation dans les 4 mois suivant la date de référence
  taux_positifs: 0.2     # l'ordonnée à l'origine est calculée pour atteindre ce taux
  # Effets en log-odds : par écart-type (numériques ; dates en années avant la référence) ou
  # par modalité (catégorielles, modalités non citées : 0).
  effets:
    nb_absences: 0.8
    nb_connexions_30j: -0.7
    score_moyen_quiz: -0.5
    reste_a_charge: 0.4
    distance_km: 0.3
    date_naissance: -0.2
    modalite: {distanciel: 0.5, presentiel: -0.3}
  # Coûts métier d'une erreur, en euros (seuil de décision de l'épreuve A2).
  couts: {faux_negatif: 2500, faux_positif: 60}
  # Cible de régression facultative : moyenne, écart-type et effets en écarts-types.
  regression:
    colonne: note_finale
    moyenne: 12
    ecart_type: 3
    effets: {score_moyen_quiz: 0.6, nb_absences: -0.3}

# --- Défauts injectés dans les données diffusées (jamais dans le jeu réservé) ---------------------
# doublon (lignes recopiées), valeur_manquante (cellule vidée), hors_plage (valeur impossible),
# format_incoherent (date JJ/MM/AAAA, « 1 234,50 », téléphone « +33 … », modalité en
# MAJUSCULES) ; taux : part des lignes touchées (au plus 0,3).
defauts:
  - {table: stagiaires, type: doublon, taux: 0.02}
  - {table: stagiaires, colonne: nb_absences, type: valeur_manquante, taux: 0.05}
  - {table: stagiaires, colonne: reste_a_charge, type: hors_plage, taux: 0.01}
  - {table: stagiaires, colonne: date_entree, type: format_incoherent, taux: 0.1}
  - {table: stagiaires, colonne: telephone, type: format_incoherent, taux: 0.1}
  - {table: stagiaires, colonne: modalite, type: format_incoherent, taux: 0.05}

# --- Le plan du projet (jours ouvrés) : plusieurs chemins critiques sont admis --------------------
plan:
  # Facultatif : date de début, calendrier de travail (jours fériés français) et ressources
  # avec leur coût journalier ; chaque tâche nomme ses ressources (A4 : dates et budget).
  debut: 2025-03-03
  calendrier: {pays: FR}
  ressources:
    chef_projet: {libelle: Chef de projet, cout_journalier_eur: 650}
    data_scientist: {libelle: Data scientist, cout_journalier_eur: 600}
    dpo: {libelle: Délégué à la protection des données (DPO), cout_journalier_eur: 700}
  taches:
    - {id: P1, libelle: Cadrage, ressources: [chef_projet], duree_jours: 5, predecesseurs: []}
    - {id: P2, libelle: Audit RGPD et AIPD, ressources: [dpo], duree_jours: 8, predecesseurs: [P1]}
    - {id: P3, libelle: Préparation des données, ressources: [data_scientist], duree_jours: 6, predecesseurs: [P1]}
    - {id: P4, libelle: Modélisation, ressources: [data_scientist], duree_jours: 10, predecesseurs: [P2, P3]}
    - {id: P5, libelle: Déploiement et formation des référents, ressources: [chef_projet, data_scientist], duree_jours: 4, predecesseurs: [P4]}

# --- Les prestataires extérieurs (A4C5 : niveaux de service et pénalités) ----------------------
# Un journal mensuel des indicateurs est généré ; les candidats calculent les pénalités dans un
# classeur dont le correcteur évalue les formules. Paliers : pénalité (% de la redevance) quand
# la valeur franchit le seuil (sens minimum : en dessous ; maximum : au-dessus), plafonnée.
prestataires:
  premier_mois: 2025-03
  mois: 6
  liste:
    - id: LMS
      nom: Plateforme Formation en Ligne
      service: hébergement de la plateforme de formation à distance
      debut_contrat: 2024-09-01
      fin_contrat: 2027-08-31
      redevance_mensuelle_eur: 4200
      plafond_penalites_pct: 20
      indicateurs:
        - {id: disponibilite, libelle: Disponibilité mensuelle de la plateforme, unite: "%", sens: minimum, objectif: 99.5,
           paliers: [{seuil: 99.5, penalite_pct: 5}, {seuil: 99.0, penalite_pct: 10}],
           moyenne: 99.5, ecart_type: 0.4, max: 100, decimales: 2}
        - {id: delai_support, libelle: Délai moyen de réponse du support, unite: h, sens: maximum, objectif: 8,
           paliers: [{seuil: 8, penalite_pct: 3}, {seuil: 24, penalite_pct: 8}],
           moyenne: 7.5, ecart_type: 3.0, min: 0.5, decimales: 1}

# --- Le suivi agile (A4C3 : vélocité et burndown) ------------------------------------------------
# Un export du tableau de l'équipe (backlog.csv, sprints.csv) est généré à partir des tâches du plan ;
# toutes les clés ont une valeur par défaut (section facultative).
agile:
  sprints: 6                 # sprints terminés dans l'export (2 à 26)
  duree_sprint_jours: 10     # jours ouvrés par sprint (5 à 20)
  velocite_moyenne: 20       # points d'effort terminés par sprint, en moyenne
  ajouts_pct: 10             # points ajoutés au backlog en cours de projet (% du backlog initial)
"""

_ID = re.compile(r"^[a-z0-9_]+$")


def _default_id(dest: Path) -> str:
    """A case id from a folder name: lower case, accents dropped, other signs as ``_``."""
    import unicodedata

    name = unicodedata.normalize("NFKD", dest.resolve().name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", name)).strip("_") or "nouveau_cas"


def new_case(dest: str | Path, *, case_id: str | None = None) -> Path:
    """Write a commented French scaffold ``case.yaml`` into a new or empty folder.

    Parameters
    ----------
    dest : str or pathlib.Path
        The case folder; created if missing. It must be empty: nothing in it
        is ever replaced or deleted.
    case_id : str, optional
        The case's ``id`` (lower-case letters, digits and ``_``); default:
        the folder's name, folded to that alphabet.

    Returns
    -------
    pathlib.Path
        The ``case.yaml`` written; it validates with
        :func:`mspr.case.load_case_spec` and builds with
        :func:`mspr.case.build_case` as is.

    Raises
    ------
    MsprError
        If ``dest`` is a file or a non-empty folder, or ``case_id`` is not a
        valid identifier.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from mspr.case import load_case_spec
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "formation_continue"
    >>> load_case_spec(new_case(folder)).id
    'formation_continue'
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise MsprError("la destination est un fichier, pas un dossier", path=dest,
                        hint="indiquez un dossier vide ou inexistant pour le nouveau cas")
    if dest.is_dir() and any(dest.iterdir()):
        raise MsprError("le dossier n'est pas vide", path=dest,
                        hint="indiquez un dossier vide ou inexistant (rien n'a été modifié ni supprimé)")
    case_id = _default_id(dest) if case_id is None else case_id
    if not _ID.match(case_id):
        raise MsprError(f"identifiant de cas invalide : « {case_id} »",
                        hint="utilisez des minuscules, des chiffres et « _ » (ex. formation_continue)")
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / "case.yaml"
    path.write_text(SCAFFOLD.replace("__CASE_ID__", case_id), encoding="utf-8")
    return path
