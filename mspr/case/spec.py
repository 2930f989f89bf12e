"""The case model (``cases/<id>/case.yaml``): a company, its brief, its data by roles.

A trainer describes any company of any sector:

- ``entreprise`` and ``cahier_des_charges``: who the client is and what it asks;
- ``geographie``: the départements (or the region) where its people live, so
  that communes, postcodes and phone prefixes agree with each other;
- ``donnees.tables``: the tables, each column with a **type** (identifiant,
  catégorielle, numérique, date, texte) and a **role** (identifiant technique,
  donnée personnelle with its Presidio entity and GDPR category, variable
  explicative, cible, colonne qui fuit, horodatage, descriptive), how it is
  generated, and the relation of each child table to its parent (foreign key,
  number of rows per parent);
- ``cible``: the binary target, its positive rate and how the explanatory
  variables drive it (effects per standard deviation or per modality), an
  optional regression target and the business costs of errors;
- ``defauts``: the defects injected in the released data, from
  :data:`DEFECT_KINDS`;
- ``plan``: the project plan (ties between critical paths are allowed), with
  optionally a start date, a working calendar and the resources' daily costs;
- ``prestataires``: optional external providers, their SLA levels and penalty
  scales, whose monthly indicators are generated;
- ``agile``: optional settings of the generated backlog and sprint log
  (every key has a default).

Keys are French; identifiers in the code are English. Every validation
problem becomes a French message naming the file, the line, the field and the
fix (:func:`mspr.specfile.load_yaml_model`). The generator
(:mod:`mspr.case.generate`) is generic over this model.
"""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from mspr.specfile import fail, load_yaml_model

__all__ = [
    "AgileSpec",
    "CaseSpec",
    "Column",
    "DEFECT_KINDS",
    "ENTITY_TYPES",
    "GENERATORS",
    "GDPR_CATEGORIES",
    "ROLES",
    "TEXT_FIELDS",
    "TYPES",
    "TableSpec",
    "load_case_spec",
]

#: Column types (French, as written in ``case.yaml``).
TYPES = ("identifiant", "categorielle", "numerique", "date", "texte")

#: Column roles and what they mean (shown in the trainer guide and ``mspr case new``).
ROLES: dict[str, str] = {
    "identifiant_technique": "clé interne sans signification (jamais une variable du modèle)",
    "donnee_personnelle": "donnée à caractère personnel (RGPD) : préciser entite et categorie_rgpd",
    "variable_explicative": "information disponible à la date de référence, utilisable par le modèle",
    "cible": "ce que le modèle doit prédire",
    "fuite": "information connue seulement après coup, qui trahit la cible",
    "horodatage": "date d'un événement d'une table fille",
    "descriptive": "information de contexte, ni personnelle ni utile au modèle",
}

#: GDPR categories of a personal datum (RGPD art. 4 and 9, CNIL vocabulary).
GDPR_CATEGORIES: dict[str, str] = {
    "identifiant_direct": "identifie directement la personne (nom, NIR, e-mail, téléphone, IBAN)",
    "identifiant_indirect": "identifie la personne par recoupement (commune, date de naissance)",
    "donnee_sensible": "catégorie particulière (art. 9 RGPD : santé, opinions, etc.)",
}

#: Presidio entity types a personal column may declare.
ENTITY_TYPES = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "LOCATION", "DATE_TIME", "IBAN_CODE",
                "FR_NIR", "FR_SIREN", "FR_SIRET", "ORGANIZATION", "NRP", "MEDICAL")

#: Value generators: name -> (column types it fits, default Presidio entity or None).
GENERATORS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "sequence": (("identifiant",), None),
    "civilite": (("categorielle",), None),
    "prenom": (("texte",), "PERSON"),
    "nom": (("texte",), "PERSON"),
    "email": (("texte",), "EMAIL_ADDRESS"),
    "telephone": (("texte",), "PHONE_NUMBER"),
    "adresse": (("texte",), "LOCATION"),
    "code_postal": (("texte", "categorielle"), "LOCATION"),
    "commune": (("texte", "categorielle"), "LOCATION"),
    "date_naissance": (("date",), "DATE_TIME"),
    "nir": (("identifiant", "texte"), "FR_NIR"),
    "iban": (("identifiant", "texte"), "IBAN_CODE"),
    "siren": (("identifiant", "texte"), "FR_SIREN"),
    "siret": (("identifiant", "texte"), "FR_SIRET"),
    "raison_sociale": (("texte",), "ORGANIZATION"),
}

#: Defect kinds (French key in ``case.yaml`` -> kind recorded in the ground truth).
DEFECT_KINDS: dict[str, str] = {
    "doublon": "duplicate",
    "valeur_manquante": "missing",
    "hors_plage": "out_of_range",
    "format_incoherent": "inconsistent_format",
}

#: What each defect does, by column type (French, for the guide and messages).
DEFECT_EFFECTS: dict[str, dict[str, str]] = {
    "doublon": {"*": "ligne recopiée à l'identique (même identifiant)"},
    "valeur_manquante": {"*": "cellule vidée"},
    "hors_plage": {"numerique": "valeur négative ou très au-dessus du maximum plausible",
                   "date": "date impossible (avant 1900 ou après la date de référence)"},
    "format_incoherent": {"date": "JJ/MM/AAAA au lieu de AAAA-MM-JJ",
                          "numerique": "virgule décimale et espace des milliers (« 1 234,50 »)",
                          "telephone": "« +33 6 12 34 56 78 » ou « 0612345678 » au lieu de « 06 12 34 56 78 »",
                          "categorielle": "modalité en majuscules sans accents"},
}

#: Personal data a free-text template (``modeles.gabarits``) may write: field -> (meaning, Presidio entity).
TEXT_FIELDS: dict[str, tuple[str, str | None]] = {
    "nom": ("prénom et nom de l'auteur", "PERSON"),
    "telephone": ("téléphone de l'auteur", "PHONE_NUMBER"),
    "email": ("adresse électronique de l'auteur", "EMAIL_ADDRESS"),
    "nir": ("numéro de sécurité sociale de l'auteur", "FR_NIR"),
    "iban": ("IBAN de l'auteur", "IBAN_CODE"),
    "civilite": ("« Madame » ou « Monsieur »", None),
}

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Weight = Annotated[float, Field(gt=0.0)]
NonEmptyStr = Annotated[str, Field(min_length=1)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- company and brief


class Vocabulary(_Model):
    """How the company names one row of its main table, for the labs' wording.

    Attributes
    ----------
    individu : str
        Singular, e.g. ``"adhérent"``, ``"machine"``, ``"voyageur"``.
    individus : str
        Plural, e.g. ``"adhérents"``.
    """

    individu: NonEmptyStr
    individus: NonEmptyStr


class Company(_Model):
    """The fictional company, shown at the top of the brief and of every lab.

    Attributes
    ----------
    nom : str
        Company name.
    secteur : str
        Business sector, in French.
    ville : str
        City of the head office.
    effectif : int
        Headcount, at least 1.
    contexte : str
        French paragraph on the company's history and situation.
    vocabulaire : Vocabulary
        The word for one row of the main table (singular and plural).
    """

    nom: NonEmptyStr
    secteur: NonEmptyStr
    ville: NonEmptyStr
    effectif: Annotated[int, Field(ge=1)]
    contexte: NonEmptyStr
    vocabulaire: Vocabulary


class Brief(_Model):
    """The brief (cahier des charges) handed to candidates, in French.

    Attributes
    ----------
    titre : str
        Title, the first heading of ``cahier_des_charges.md``.
    besoin : str
        The business need (section « Besoin »).
    objectifs : list of str
        Objectives, at least one.
    contraintes, livrables : list of str, default=[]
        Constraints and deliverables; a section is left out when empty.
    """

    titre: NonEmptyStr
    besoin: NonEmptyStr
    objectifs: Annotated[list[NonEmptyStr], Field(min_length=1)]
    contraintes: list[NonEmptyStr] = []
    livrables: list[NonEmptyStr] = []


class Geography(_Model):
    """Where the company's people live: communes, postcodes and phone zones follow.

    Attributes
    ----------
    departements : list of str, optional
        INSEE département codes (``"69"``, ``"2A"``, ``"971"``), known to
        :mod:`mspr.case.geo`.
    region : str, optional
        A region name of :data:`mspr.case.geo.REGIONS`; used when
        ``departements`` is not given.
    """

    departements: list[Annotated[str, Field(pattern=r"^(\d{2,3}|2A|2B)$")]] | None = None
    region: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _one(self) -> Geography:
        if not self.departements and not self.region:
            raise fail("indiquez departements (codes INSEE, ex. [\"69\", \"42\"]) ou region")
        return self


# --------------------------------------------------------------------------- columns


class Distribution(_Model):
    """How a numeric column is drawn.

    Attributes
    ----------
    nom : {"normale", "lognormale", "uniforme", "poisson", "discrete", "proportion"}
        ``normale`` (``moyenne``, ``ecart_type``), ``lognormale`` (``moyenne``
        of the value, ``sigma_log``), ``uniforme`` (``min``, ``max``),
        ``poisson`` (``moyenne``), ``discrete`` (``valeurs``: value ->
        weight), ``proportion`` (``de`` another numeric column of the same
        row times ``taux``).
    moyenne, ecart_type, sigma_log, taux : float, optional
        Parameters, in the column's unit.
    min, max : float, optional
        Values are clipped to this range (also the plausible range, see
        :attr:`Column.plage`).
    valeurs : dict of float to float, optional
        For ``discrete``.
    de : str, optional
        For ``proportion``: the column it is a share of.
    multiplicateurs : dict of str to dict of str to float, default={}
        Categorical column of the same row or of the parent row -> modality
        -> factor applied to the mean (or the rate).
    decimales : int, default=0
        Decimals kept (0: integers).
    """

    nom: Literal["normale", "lognormale", "uniforme", "poisson", "discrete", "proportion"]
    moyenne: float | None = None
    ecart_type: Annotated[float, Field(ge=0.0)] | None = None
    sigma_log: Annotated[float, Field(gt=0.0, le=3.0)] | None = None
    taux: Annotated[float, Field(gt=0.0)] | None = None
    min: float | None = None
    max: float | None = None
    valeurs: dict[float, Weight] | None = None
    de: Name | None = None
    multiplicateurs: dict[Name, dict[str, Annotated[float, Field(gt=0.0)]]] = {}
    decimales: Annotated[int, Field(ge=0, le=4)] = 0

    @model_validator(mode="after")
    def _parameters(self) -> Distribution:
        needed = {"normale": ("moyenne", "ecart_type"), "lognormale": ("moyenne", "sigma_log"),
                  "uniforme": ("min", "max"), "poisson": ("moyenne",), "discrete": ("valeurs",),
                  "proportion": ("de", "taux")}[self.nom]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise fail(f"la loi « {self.nom} » demande : {', '.join(missing)}")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise fail("min doit être strictement inférieur à max")
        if self.nom in ("lognormale", "poisson") and self.moyenne is not None and self.moyenne <= 0:
            raise fail(f"la moyenne d'une loi « {self.nom} » doit être strictement positive")
        return self


class DateWindow(_Model):
    """When the dates of a column fall, relative to the case's reference date.

    Exactly one of the three windows.

    Attributes
    ----------
    annees_avant_reference : tuple of (float, float), optional
        Years before the reference date (ages, tenures), e.g. ``[18, 88]``.
    jours_avant_reference : tuple of (int, int), optional
        Days before the reference date (events), e.g. ``[1, 360]``.
    jours_apres_reference : tuple of (int, int), optional
        Days after the reference date (only for a leaking column).
    apres : str, optional
        A date column of the same row or of the parent row: dates never fall
        before it (a complaint is not older than the contract).
    """

    annees_avant_reference: tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]] | None = None
    jours_avant_reference: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]] | None = None
    jours_apres_reference: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]] | None = None
    apres: Name | None = None

    @model_validator(mode="after")
    def _one(self) -> DateWindow:
        windows = [w for w in (self.annees_avant_reference, self.jours_avant_reference,
                               self.jours_apres_reference) if w is not None]
        if len(windows) != 1:
            raise fail("indiquez exactement une fenêtre : annees_avant_reference, "
                       "jours_avant_reference ou jours_apres_reference")
        low, high = windows[0]
        if low > high:
            raise fail("fenêtre de dates vide : la première borne doit être inférieure à la seconde")
        return self


class Aggregate(_Model):
    """A column of a parent table computed from the rows of a child table.

    Attributes
    ----------
    table : str
        The child table, whose ``relation.parent`` is this table.
    fonction : {"nombre", "somme", "moyenne", "maximum"}
        Count of child rows, sum, mean or maximum of ``colonne`` (a parent
        row without child rows in the window gets 0).
    colonne : str, optional
        Numeric column of the child table (for ``somme`` and ``moyenne``).
    fenetre_jours : int, optional
        Only child rows whose ``colonne_date`` lies in the ``fenetre_jours``
        days before the reference date count.
    colonne_date : str, optional
        Date column of the child table used by the window.
    """

    table: Name
    fonction: Literal["nombre", "somme", "moyenne", "maximum"]
    colonne: Name | None = None
    fenetre_jours: Annotated[int, Field(ge=1, le=36500)] | None = None
    colonne_date: Name | None = None

    @model_validator(mode="after")
    def _fields(self) -> Aggregate:
        if self.fonction != "nombre" and self.colonne is None:
            raise fail(f"la fonction « {self.fonction} » demande colonne (une colonne numérique de {self.table})")
        if (self.fenetre_jours is None) != (self.colonne_date is None):
            raise fail("fenetre_jours et colonne_date vont ensemble")
        return self


def _check_template(template: str) -> str:
    """A free-text template: ``{texte}`` once, at least one personal field, nothing else."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError:
        raise fail(f"gabarit « {template} » mal formé : accolades non appariées") from None
    unknown = [f for f in fields if f != "texte" and f not in TEXT_FIELDS]
    if unknown:
        raise fail(f"gabarit « {template} » : champ inconnu {{{unknown[0]}}} ; champs admis : "
                   "{texte}, " + ", ".join(f"{{{f}}}" for f in TEXT_FIELDS))
    personal = [f for f, (_, entity) in TEXT_FIELDS.items() if entity is not None]
    if fields.count("texte") != 1 or not set(fields) & set(personal):
        raise fail(f"gabarit « {template} » : mettez une fois {{texte}} et au moins une donnée "
                   "personnelle (" + ", ".join(f"{{{f}}}" for f in personal) + ")")
    return template


_Template = Annotated[str, Field(min_length=1), AfterValidator(_check_template)]


class Texts(_Model):
    """Free-text templates, possibly embedding personal data.

    Attributes
    ----------
    selon : str, optional
        Categorical column of the same row whose modality picks the bodies.
    corps : dict of str to list of str
        Modality (or ``"*"`` for all) -> French sentences. ``{montant}`` is
        replaced by an amount in euros.
    part_donnees_personnelles : float in [0, 1], default=0.0
        Share of texts into which the author's personal data (name, phone,
        e-mail, and NIR or IBAN when the author has one) are written; their
        exact positions are recorded in the ground truth.
    gabarits : list of str, optional
        How personal data are written into a text, e.g. ``"{texte} Intervenant :
        {nom}, tél. {telephone}."``: ``{texte}`` is the body, and at least one
        of :data:`TEXT_FIELDS` (the author's data) appears. Default: a
        customer's letter (greeting, body, signature or contact details,
        NIR or IBAN); with ``gabarits``, texts without personal data are the
        bare body.
    """

    selon: Name | None = None
    corps: dict[str, Annotated[list[NonEmptyStr], Field(min_length=1)]]
    part_donnees_personnelles: Fraction = 0.0
    gabarits: Annotated[list[_Template], Field(min_length=1)] | None = None


class Leak(_Model):
    """How a leaking column betrays the target.

    Attributes
    ----------
    taux_positifs, taux_negatifs : float in [0, 1]
        Share of positive (negative) rows where the column is filled.
    explication : str
        Why it is only known afterwards (shown in the trainer guide and the
        ground truth).
    """

    taux_positifs: Fraction
    taux_negatifs: Fraction
    explication: NonEmptyStr


class Column(_Model):
    """One column: its type, its role and how it is generated.

    Attributes
    ----------
    description : str
        The data dictionary entry shown in the brief.
    type : {"identifiant", "categorielle", "numerique", "date", "texte"}
    role : str
        A key of :data:`ROLES`.
    generateur : str, optional
        A key of :data:`GENERATORS` (names, e-mails, phones, NIR…).
    format : str, optional
        For ``sequence`` identifiers: a Python format with one integer, e.g.
        ``"ADH{:05d}"``.
    modalites : dict of str to float, optional
        Categorical modalities and their weights.
    loi : Distribution, optional
        For numeric columns that are not aggregates.
    dates : DateWindow, optional
        For date columns (except ``date_naissance``: ``annees_avant_reference`` only).
    agregat : Aggregate, optional
        For numeric columns computed from a child table.
    modeles : Texts, optional
        For free text.
    entite : str, optional
        Presidio entity type (default: the generator's).
    categorie_rgpd : str, optional
        A key of :data:`GDPR_CATEGORIES`; required for personal data.
    fuite : Leak, optional
        Required for the ``fuite`` role.
    plage : tuple of (float, float), optional
        Plausible range (numeric: the unit of the column; date: years before
        the reference date); default from ``loi`` or ``dates``.
    reference : str, optional
        For an identifier: another top-level table whose primary key it
        holds (many-to-one, e.g. the supplier of a machine), drawn uniformly.
    explicative : bool, default=False
        For personal data: also an explanatory variable of the main table
        (e.g. a birth date, from which an age is derived).
    domaines : list of str, optional
        For the ``email`` generator: the domains addresses are drawn from
        (e.g. the company's own, ``["exemple-industrie.fr"]``); default:
        French consumer mailboxes.
    """

    description: NonEmptyStr
    type: Literal["identifiant", "categorielle", "numerique", "date", "texte"]
    role: Literal["identifiant_technique", "donnee_personnelle", "variable_explicative", "cible", "fuite",
                  "horodatage", "descriptive"]
    generateur: str | None = None
    format: str | None = None
    modalites: dict[str, Weight] | None = None
    loi: Distribution | None = None
    dates: DateWindow | None = None
    agregat: Aggregate | None = None
    modeles: Texts | None = None
    entite: str | None = None
    categorie_rgpd: Literal["identifiant_direct", "identifiant_indirect", "donnee_sensible"] | None = None
    fuite: Leak | None = None
    plage: tuple[float, float] | None = None
    reference: Name | None = None
    explicative: bool = False
    domaines: Annotated[list[Annotated[str, Field(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")]],
                        Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _coherent(self) -> Column:
        if self.domaines is not None and self.generateur != "email":
            raise fail("domaines s'applique au générateur email")
        if self.generateur is not None:
            if self.generateur not in GENERATORS:
                raise fail(f"générateur inconnu « {self.generateur} » : choisissez parmi "
                           + ", ".join(GENERATORS))
            types, _ = GENERATORS[self.generateur]
            if self.type not in types:
                raise fail(f"le générateur « {self.generateur} » produit des colonnes de type "
                           f"{' ou '.join(types)}, pas « {self.type} »")
        if self.generateur == "sequence" and not self.format:
            raise fail("un identifiant « sequence » demande format, ex. \"CLI{:05d}\"")
        if self.format is not None:
            try:
                self.format.format(1)
            except (IndexError, KeyError, ValueError):
                raise fail(f"format « {self.format} » invalide : une seule place entière, ex. \"CLI{{:05d}}\"")
        sources = [self.reference, self.generateur, self.modalites, self.loi, self.dates, self.agregat, self.modeles]
        if self.role != "cible" and self.type != "identifiant" and not any(s is not None for s in sources):
            raise fail("indiquez comment générer la colonne : generateur, modalites, loi, dates, agregat ou modeles")
        if self.type == "identifiant" and self.generateur is None and self.role != "identifiant_technique":
            raise fail("un identifiant demande un generateur (sequence, nir, iban, siren, siret)")
        if self.reference is not None and (self.type != "identifiant" or self.generateur is not None):
            raise fail("reference (clé vers une autre table) s'applique à un identifiant sans generateur")
        if self.explicative and self.role != "donnee_personnelle":
            raise fail("explicative s'applique à une donnée personnelle (les variables explicatives ont déjà "
                       "le rôle variable_explicative)")
        expected = {"categorielle": ("modalites", "generateur"), "numerique": ("loi", "agregat"),
                    "date": ("dates", "generateur"), "texte": ("generateur", "modeles")}.get(self.type)
        if expected and self.role != "cible" and all(getattr(self, name) is None for name in expected):
            raise fail(f"une colonne « {self.type} » se génère avec {' ou '.join(expected)}")
        if self.role == "donnee_personnelle":
            if self.categorie_rgpd is None:
                raise fail("une donnée personnelle demande categorie_rgpd : "
                           + ", ".join(GDPR_CATEGORIES))
            if self.entity is None and self.modeles is None:
                raise fail("une donnée personnelle demande entite (type d'entité Presidio : "
                           + ", ".join(ENTITY_TYPES) + ")")
        if self.entite is not None and self.entite not in ENTITY_TYPES:
            raise fail(f"entité « {self.entite} » inconnue : choisissez parmi {', '.join(ENTITY_TYPES)}")
        if self.role == "fuite" and self.fuite is None:
            raise fail("une colonne qui fuit demande fuite: {taux_positifs, taux_negatifs, explication}")
        if self.fuite is not None and self.role != "fuite":
            raise fail("fuite ne s'applique qu'au rôle « fuite »")
        if self.dates is not None and self.dates.jours_apres_reference is not None and self.role != "fuite":
            raise fail("jours_apres_reference est réservé à une colonne qui fuit (connue après la date de référence)")
        if self.generateur == "date_naissance" and (self.dates is None or self.dates.annees_avant_reference is None):
            raise fail("date_naissance demande dates.annees_avant_reference (âges minimum et maximum)")
        return self

    @property
    def is_feature(self) -> bool:
        """Whether the column is an explanatory variable (role, or personal and ``explicative``)."""
        return self.role == "variable_explicative" or self.explicative

    @property
    def entity(self) -> str | None:
        """Presidio entity type of the column: declared, else the generator's default."""
        if self.entite is not None:
            return self.entite
        return GENERATORS[self.generateur][1] if self.generateur else None

    @property
    def plausible_range(self) -> tuple[float, float] | None:
        """Plausible range: ``plage``, else the distribution's or the date window's bounds.

        Returns
        -------
        tuple of (float, float) or None
            Numeric columns in their unit; date columns in years before the
            reference date (negative: after it).
        """
        if self.plage is not None:
            return self.plage
        if self.loi is not None and self.loi.min is not None and self.loi.max is not None:
            return (self.loi.min, self.loi.max)
        if self.loi is not None and self.loi.nom == "discrete":
            return (min(self.loi.valeurs), max(self.loi.valeurs))
        if self.dates is not None and self.dates.annees_avant_reference is not None:
            return self.dates.annees_avant_reference
        if self.dates is not None and self.dates.jours_avant_reference is not None:
            low, high = self.dates.jours_avant_reference
            return (low / 365.25, high / 365.25)
        return None


class Count(_Model):
    """How many child rows each parent row gets (Poisson).

    Attributes
    ----------
    moyenne : float
        Mean number of child rows per parent row, > 0.
    effets : dict of str to float, default={}
        Numeric or date column of the parent -> effect on the log of the
        mean per standard deviation (``0.5``: × 1.65 per standard deviation).
    par : str, optional
        Numeric column of the parent the mean is multiplied by (e.g. the
        number of people covered).
    """

    moyenne: Annotated[float, Field(gt=0.0, le=500.0)]
    effets: dict[Name, float] = {}
    par: Name | None = None


class Relation(_Model):
    """The link of a child table to its parent (one parent, many children).

    Attributes
    ----------
    parent : str
        The parent table.
    cle : str
        The foreign key: a column of this table, named like the parent's
        primary key, declared ``type: identifiant``.
    nombre : Count
        Child rows per parent row.
    """

    parent: Name
    cle: Name
    nombre: Count


class TableSpec(_Model):
    """One table: description, columns, and its relation to a parent.

    Attributes
    ----------
    description : str
        Shown in the brief.
    relation : Relation, optional
        Absent for the main table (the one holding the target) and other
        top-level tables generated with ``lignes`` rows.
    lignes : int, optional
        Row count of a top-level table other than the main one.
    personnes : int, optional
        Number of distinct people behind the rows' personal data (e.g. a team
        of 35 agents signing thousands of reports): each row gets one
        of them at random. Default: one person per row.
    colonnes : dict of str to Column
        Columns in file order; the first is the primary key.
    """

    description: NonEmptyStr
    relation: Relation | None = None
    lignes: Annotated[int, Field(ge=1, le=100_000)] | None = None
    personnes: Annotated[int, Field(ge=1, le=100_000)] | None = None
    colonnes: Annotated[dict[Name, Column], Field(min_length=2)]

    @property
    def key(self) -> str:
        """Primary key: the first column."""
        return next(iter(self.colonnes))

    def by_role(self, role: str) -> list[str]:
        """Names of the columns of one role, in file order.

        Parameters
        ----------
        role : str
            A key of :data:`ROLES`.

        Returns
        -------
        list of str
        """
        return [name for name, column in self.colonnes.items() if column.role == role]


class DataSpec(_Model):
    """Size, seed, reference date, holdout share and tables.

    Attributes
    ----------
    graine : int
        Default seed (``mspr case build --seed`` overrides it).
    lignes : int
        Rows of the main table before the holdout, 200 to 200,000.
    date_reference : datetime.date
        Date of the extraction: every date is relative to it.
    part_reservee : float, default=0.2
        Share of the main table held out (stratified) for grading.
    tables : dict of str to TableSpec
        The tables, each written to ``data/<name>.csv``.
    """

    graine: Annotated[int, Field(ge=0)]
    lignes: Annotated[int, Field(ge=200, le=200_000)]
    date_reference: dt.date
    part_reservee: Annotated[float, Field(ge=0.05, le=0.5)] = 0.2
    tables: Annotated[dict[Name, TableSpec], Field(min_length=1)]


class Costs(_Model):
    """Business costs of the decision, in EUR per individual.

    Attributes
    ----------
    faux_negatif : float
        Cost of a missed positive (EUR).
    faux_positif : float
        Cost of a false alarm (EUR).
    """

    faux_negatif: Annotated[float, Field(ge=0.0)]
    faux_positif: Annotated[float, Field(ge=0.0)]


class Regression(_Model):
    """An optional second, numeric target (regression).

    Attributes
    ----------
    colonne : str
        A numeric column of the main table with role ``cible``.
    moyenne, ecart_type : float
        Mean and standard deviation of the target, in its unit.
    effets : dict of str to float
        Explanatory column -> effect in standard deviations of the target per
        standard deviation of the column (numeric or date).
    """

    colonne: Name
    moyenne: float
    ecart_type: Annotated[float, Field(gt=0.0)]
    effets: dict[Name, float]


class TargetSpec(_Model):
    """The binary target of the main table and how it is driven.

    Attributes
    ----------
    table, colonne : str
        The main table and its target column (role ``cible``, values 0/1).
    libelle : str
        What a positive means, e.g. ``"résiliation dans les 12 mois"``.
    taux_positifs : float in (0, 0.5]
        Share of positives; the intercept is solved to reach it.
    effets : dict of str to (float or dict of str to float)
        Numeric or date explanatory column -> log-odds per standard deviation
        (dates: years before the reference date); categorical column ->
        modality -> log-odds shift.
    couts : Costs, optional
        Business costs of errors (used by the decision threshold of A2).
    regression : Regression, optional
        A second, numeric target.
    """

    table: Name
    colonne: Name
    libelle: NonEmptyStr
    taux_positifs: Annotated[float, Field(gt=0.01, le=0.5)]
    effets: Annotated[dict[Name, float | dict[str, float]], Field(min_length=1)]
    couts: Costs | None = None
    regression: Regression | None = None


class DefectSpec(_Model):
    """A defect injected into the released data (never into the holdout).

    Attributes
    ----------
    table : str
    colonne : str, optional
        Required except for ``doublon``.
    type : {"doublon", "valeur_manquante", "hors_plage", "format_incoherent"}
        See :data:`DEFECT_EFFECTS`.
    taux : float in (0, 0.3]
        Share of rows touched.
    """

    table: Name
    colonne: Name | None = None
    type: Literal["doublon", "valeur_manquante", "hors_plage", "format_incoherent"]
    taux: Annotated[float, Field(gt=0.0, le=0.3)]

    @property
    def kind(self) -> str:
        """English kind recorded in the ground truth (``duplicate``…)."""
        return DEFECT_KINDS[self.type]


class Task(_Model):
    """One task of the project plan.

    Attributes
    ----------
    id : str
    libelle : str
    duree_jours : int
        Duration in working days, 1 to 1000.
    predecesseurs : list of str, default=[]
    ressources : list of str, default=[]
        Keys of ``plan.ressources`` working on the task full time (A4 budget).
    """

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
    libelle: NonEmptyStr
    duree_jours: Annotated[int, Field(ge=1, le=1000)]
    predecesseurs: list[str] = []
    ressources: list[str] = []


class Resource(_Model):
    """A resource (a profile of the team) of the project plan.

    Attributes
    ----------
    libelle : str
        French name, e.g. ``Data scientist``.
    cout_journalier_eur : float
        Daily cost, EUR per working day (> 0, at most 10,000).
    """

    libelle: NonEmptyStr
    cout_journalier_eur: Annotated[float, Field(gt=0, le=10_000)]


class Calendar(_Model):
    """The working calendar of the plan: Monday to Friday, minus public holidays.

    Attributes
    ----------
    pays : str, default="FR"
        ISO 3166 country code for the public holidays (``holidays`` package).
    subdivision : str, optional
        Subdivision with its own holidays (``"57"``, ``"67"``, ``"68"``:
        Moselle and Alsace), as the ``holidays`` package names them.
    """

    pays: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "FR"
    subdivision: str | None = None


class PlanSpec(_Model):
    """The project plan; several critical paths of equal length are allowed.

    Attributes
    ----------
    taches : list of Task
        At least two tasks, forming a directed acyclic graph; each may name
        the ``ressources`` working on it full time (keys of ``ressources``).
    debut : datetime.date, optional
        Project start: day 0 is the first working day on or after it.
    calendrier : Calendar, default=Calendar()
        Working days (French public holidays by default).
    ressources : dict of str to Resource, default={}
        The team's profiles and their daily cost (EUR).
    """

    taches: Annotated[list[Task], Field(min_length=2)]
    debut: dt.date | None = None
    calendrier: Calendar = Calendar()
    ressources: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")], Resource] = {}

    @model_validator(mode="after")
    def _known_resources(self) -> PlanSpec:
        for index, task in enumerate(self.taches):
            unknown = [r for r in task.ressources if r not in self.ressources]
            if unknown:
                known = ", ".join(self.ressources) or "aucune : déclarez plan.ressources"
                raise fail(f"tâche '{task.id}' : ressource(s) inconnue(s) {', '.join(unknown)} "
                           f"(ressources déclarées : {known})", path=f"plan.taches[{index}].ressources")
        return self


class PenaltyTier(_Model):
    """One tier of an SLA penalty scale.

    Attributes
    ----------
    seuil : float
        Indicator value beyond which the tier applies: below it for an
        indicator to keep high (``sens: minimum``), above it for one to keep
        low (``sens: maximum``).
    penalite_pct : float
        Penalty, percent of the monthly fee (0 to 100).
    """

    seuil: float
    penalite_pct: Annotated[float, Field(ge=0, le=100)]


class SlaIndicator(_Model):
    """An SLA indicator of a provider's contract, and how its monthly values are drawn.

    Attributes
    ----------
    id : str
        Column-like name, e.g. ``disponibilite``.
    libelle : str
    unite : str
        E.g. ``%``, ``h``.
    sens : {"minimum", "maximum"}
        ``minimum``: the value must stay at or above ``objectif``
        (availability); ``maximum``: at or below (resolution time).
    objectif : float
        The SLA level of the contract.
    paliers : list of PenaltyTier
        The penalty scale; the applied tier is the one of largest
        ``penalite_pct`` among those whose threshold is crossed.
    moyenne, ecart_type : float
        Normal law of the generated monthly values.
    min, max : float, optional
        Bounds of the generated values (e.g. 100 for a percentage).
    decimales : int, default=2
        Rounding of the generated values.
    """

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    libelle: NonEmptyStr
    unite: str = ""
    sens: Literal["minimum", "maximum"]
    objectif: float
    paliers: Annotated[list[PenaltyTier], Field(min_length=1)]
    moyenne: float
    ecart_type: Annotated[float, Field(ge=0)]
    min: float | None = None
    max: float | None = None
    decimales: Annotated[int, Field(ge=0, le=4)] = 2

    @model_validator(mode="after")
    def _tiers_beyond_objective(self) -> SlaIndicator:
        sign = 1 if self.sens == "minimum" else -1
        if any(sign * (tier.seuil - self.objectif) > 0 for tier in self.paliers):
            raise fail(f"indicateur '{self.id}' : un palier de pénalité doit être au-delà de l'objectif "
                       f"({'au plus' if sign > 0 else 'au moins'} {self.objectif})")
        return self


class Provider(_Model):
    """An external provider (prestataire) and its contract.

    Attributes
    ----------
    id : str
        Short code, e.g. ``HEB``.
    nom : str
        Fictional company name.
    service : str
        What it provides, in French.
    debut_contrat, fin_contrat : datetime.date
        Contract dates.
    redevance_mensuelle_eur : float
        Monthly fee, EUR.
    plafond_penalites_pct : float, default=100
        Cap of the monthly penalties, percent of the fee.
    indicateurs : list of SlaIndicator
    """

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
    nom: NonEmptyStr
    service: NonEmptyStr
    debut_contrat: dt.date
    fin_contrat: dt.date
    redevance_mensuelle_eur: Annotated[float, Field(gt=0)]
    plafond_penalites_pct: Annotated[float, Field(gt=0, le=100)] = 100
    indicateurs: Annotated[list[SlaIndicator], Field(min_length=1)]


class ProvidersSpec(_Model):
    """The external providers and the months of their generated SLA log.

    Attributes
    ----------
    premier_mois : str
        First month of the log, ``YYYY-MM``.
    mois : int
        Number of months logged (1 to 36).
    liste : list of Provider
    """

    premier_mois: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    mois: Annotated[int, Field(ge=1, le=36)]
    liste: Annotated[list[Provider], Field(min_length=1)]


class AgileSpec(_Model):
    """The agile tracking of the project: a generated backlog and sprint log (A4C3, A4C6).

    Every key has a default, so a case without an ``agile`` section gets the
    default tracking (its other data unchanged: the log has its own random
    stream, see :func:`mspr.case.pilotage.agile_log`).

    Attributes
    ----------
    debut : datetime.date, optional
        First day of sprint 1 (the first working day on or after it); defaults
        to ``plan.debut``, else 6 January 2025.
    sprints : int, default=6
        Number of finished sprints in the export (2 to 26).
    duree_sprint_jours : int, default=10
        Working days per sprint (5 to 20).
    velocite_moyenne : float, default=20
        Mean story points finished per sprint (5 to 200).
    ajouts_pct : float, default=10
        Points added to the backlog during the project, percent of the
        initial backlog (scope change; 0 to 50).
    """

    debut: dt.date | None = None
    sprints: Annotated[int, Field(ge=2, le=26)] = 6
    duree_sprint_jours: Annotated[int, Field(ge=5, le=20)] = 10
    velocite_moyenne: Annotated[float, Field(ge=5, le=200)] = 20
    ajouts_pct: Annotated[float, Field(ge=0, le=50)] = 10
class ServiceLevels(_Model):
    """The production figures the deployed model must hold (référentiel A3C3: test criteria).

    Every key has a default, so a case written before these existed still
    loads; a case states its own in ``production.niveaux_de_service``.

    Attributes
    ----------
    debit_moyen_rps : float, default=5
        Mean request rate in production, requests per second, in (0, 200].
    debit_pointe_rps : float, default=20
        Peak request rate, requests per second; at least the mean, at most 200.
    tailles_lots : list of int, default=[1, 50]
        Rows per request the callers send (1 = one row per call), each in
        1..10,000, increasing.
    latence_p95_ms : float, default=300
        95th-percentile latency objective, milliseconds, in (0, 60,000].
    latence_p99_ms : float, default=800
        99th-percentile latency objective, milliseconds; at least the p95.
    budget_erreurs_pct : float, default=1
        Share of requests allowed to fail (HTTP 5xx or timeout), percent of
        requests, in [0, 100].
    """

    debit_moyen_rps: Annotated[float, Field(gt=0.0, le=200.0)] = 5.0
    debit_pointe_rps: Annotated[float, Field(gt=0.0, le=200.0)] = 20.0
    tailles_lots: Annotated[list[Annotated[int, Field(ge=1, le=10_000)]], Field(min_length=1, max_length=5)] = [1, 50]
    latence_p95_ms: Annotated[float, Field(gt=0.0, le=60_000.0)] = 300.0
    latence_p99_ms: Annotated[float, Field(gt=0.0, le=60_000.0)] = 800.0
    budget_erreurs_pct: Annotated[float, Field(ge=0.0, le=100.0)] = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> ServiceLevels:
        if self.debit_pointe_rps < self.debit_moyen_rps:
            raise ValueError(f"debit_pointe_rps ({self.debit_pointe_rps:g}) doit être au moins égal à "
                             f"debit_moyen_rps ({self.debit_moyen_rps:g})")
        if self.latence_p99_ms < self.latence_p95_ms:
            raise ValueError(f"latence_p99_ms ({self.latence_p99_ms:g}) doit être au moins égale à "
                             f"latence_p95_ms ({self.latence_p95_ms:g})")
        if list(self.tailles_lots) != sorted(set(self.tailles_lots)):
            raise ValueError("tailles_lots : tailles distinctes, par ordre croissant (ex. [1, 50])")
        return self


class ProductionSpec(_Model):
    """Production context of the deployed model (A3): service levels and production batches.

    Attributes
    ----------
    niveaux_de_service : ServiceLevels, default=ServiceLevels()
        The figures the deployment test checks.
    lignes_par_lot : int, default=300
        Rows of each production batch written by the case build (one like the
        training data, one with covariate drift, one with concept drift, one
        with a broken schema), 100 to 5,000.
    """

    niveaux_de_service: ServiceLevels = ServiceLevels()
    lignes_par_lot: Annotated[int, Field(ge=100, le=5_000)] = 300


class CaseSpec(_Model):
    """A whole case, as read from ``cases/<id>/case.yaml``.

    Attributes
    ----------
    id : str
        Lower-case letters, digits and ``_``.
    entreprise : Company
    cahier_des_charges : Brief
    geographie : Geography
    donnees : DataSpec
    cible : TargetSpec
    defauts : list of DefectSpec, default=[]
    plan : PlanSpec
    prestataires : ProvidersSpec, optional
        External providers, their SLA and the generated monthly log (A4C5).
    agile : AgileSpec, default=AgileSpec()
        The generated backlog and sprint log (A4C3).
    production : ProductionSpec, default=ProductionSpec()
        Service levels of the deployed model and size of the production
        batches (A3C3).
    """

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    entreprise: Company
    cahier_des_charges: Brief
    geographie: Geography
    donnees: DataSpec
    cible: TargetSpec
    defauts: list[DefectSpec] = []
    plan: PlanSpec
    prestataires: ProvidersSpec | None = None
    agile: AgileSpec = AgileSpec()
    production: ProductionSpec = ProductionSpec()

    # ----------------------------------------------------------------- derived views

    @property
    def tables(self) -> dict[str, TableSpec]:
        """The tables, by name (``donnees.tables``)."""
        return self.donnees.tables

    @property
    def main_table(self) -> str:
        """Name of the table holding the target."""
        return self.cible.table

    @property
    def main(self) -> TableSpec:
        """The main table's spec."""
        return self.tables[self.cible.table]

    @property
    def leaky_column(self) -> str | None:
        """The main table's leaking column, if any."""
        leaks = self.main.by_role("fuite")
        return leaks[0] if leaks else None

    @property
    def target_columns(self) -> list[str]:
        """The main table's target columns (binary first, then the regression one)."""
        extra = [self.cible.regression.colonne] if self.cible.regression else []
        return [self.cible.colonne, *extra]

    def children(self, table: str) -> list[str]:
        """Tables whose relation points to ``table``, in declaration order.

        Parameters
        ----------
        table : str
            A table name.

        Returns
        -------
        list of str
        """
        return [name for name, spec in self.tables.items()
                if spec.relation is not None and spec.relation.parent == table]

    def generation_order(self) -> list[str]:
        """Tables parents first (top-level tables in declaration order).

        Returns
        -------
        list of str
            Every table once; a child table after its parent.
        """
        order: list[str] = []
        pending = list(self.tables)
        while pending:
            for name in pending:
                relation = self.tables[name].relation
                if relation is None or relation.parent in order:
                    order.append(name)
                    pending.remove(name)
                    break
        return order

    # ----------------------------------------------------------------- cross-field checks

    @model_validator(mode="after")
    def _consistent(self) -> CaseSpec:
        tables = self.donnees.tables
        where = "donnees.tables"
        for name, table in tables.items():
            self._check_table(name, table)
        for name, table in tables.items():
            for column_name, column in table.colonnes.items():
                self._check_column_refs(name, column_name, column)
        self._check_target()
        for index, defect in enumerate(self.defauts, start=1):
            self._check_defect(index, defect)
        self._check_plan()
        self._check_cycles(where)
        return self

    def _check_table(self, name: str, table: TableSpec) -> None:
        path = f"donnees.tables.{name}"
        key = table.colonnes[table.key]
        if key.type != "identifiant" or key.role != "identifiant_technique":
            raise fail(f"la première colonne ({table.key}) est la clé primaire : "
                       "déclarez-la type: identifiant, role: identifiant_technique", path=f"{path}.colonnes.{table.key}")
        relation = table.relation
        if relation is not None:
            if relation.parent not in self.tables or relation.parent == name:
                raise fail(f"table parente inconnue « {relation.parent} » : choisissez parmi "
                           + ", ".join(n for n in self.tables if n != name), path=f"{path}.relation.parent")
            parent = self.tables[relation.parent]
            if relation.cle != parent.key:
                raise fail(f"la clé étrangère doit porter le nom de la clé primaire de {relation.parent} "
                           f"({parent.key})", path=f"{path}.relation.cle")
            fk = table.colonnes.get(relation.cle)
            if fk is None or fk.type != "identifiant":
                raise fail(f"déclarez la colonne {relation.cle} (type: identifiant) dans les colonnes de {name}",
                           path=f"{path}.relation.cle")
            for column in [*relation.nombre.effets, *([relation.nombre.par] if relation.nombre.par else [])]:
                if column not in parent.colonnes or parent.colonnes[column].type not in ("numerique", "date"):
                    raise fail(f"« {column} » n'est pas une colonne numérique ou date de {relation.parent}",
                               path=f"{path}.relation.nombre")
                if parent.colonnes[column].agregat is not None:
                    raise fail(f"« {column} » est calculée à partir des tables filles : elle ne peut pas "
                               "piloter leur nombre de lignes", path=f"{path}.relation.nombre")
            if table.lignes is not None:
                raise fail("lignes ne s'applique qu'aux tables sans relation (le nombre de lignes d'une table "
                           "fille vient de relation.nombre)", path=f"{path}.lignes")
        if table.personnes is not None and not any(
                c.generateur in ("civilite", "prenom", "nom", "email", "telephone", "adresse", "code_postal",
                                 "commune", "date_naissance", "nir", "iban") for c in table.colonnes.values()):
            raise fail("personnes s'applique à une table dont des colonnes décrivent une personne "
                       "(generateur prenom, nom, email, telephone…)", path=f"{path}.personnes")
        if relation is None and name != self.cible.table and table.lignes is None:
            raise fail("une table sans relation autre que la table principale demande lignes",
                       path=f"{path}.lignes")
        for column_name, column in table.colonnes.items():
            if column_name == table.key or (relation is not None and column_name == relation.cle):
                continue
            if column.reference is not None:
                other = self.tables.get(column.reference)
                if other is None or other.relation is not None or column.reference in (name, self.cible.table):
                    raise fail(f"reference : « {column.reference} » n'est pas une autre table de premier niveau "
                               "(sans relation, hors table principale)", path=f"{path}.colonnes.{column_name}.reference")
                if column_name != other.key:
                    raise fail(f"une clé vers {column.reference} porte le nom de sa clé primaire ({other.key})",
                               path=f"{path}.colonnes.{column_name}")
            elif column.type == "identifiant" and column.generateur is None:
                raise fail("un identifiant autre que la clé demande un generateur ou une reference",
                           path=f"{path}.colonnes.{column_name}")
        if name != self.cible.table:
            for role in ("cible", "fuite"):
                if table.by_role(role):
                    raise fail(f"le rôle « {role} » n'est admis que dans la table principale ({self.cible.table})",
                               path=f"{path}.colonnes.{table.by_role(role)[0]}.role")

    def _check_column_refs(self, table_name: str, name: str, column: Column) -> None:
        path = f"donnees.tables.{table_name}.colonnes.{name}"
        table = self.tables[table_name]
        parent = self.tables[table.relation.parent] if table.relation else None

        def known(ref: str, types: tuple[str, ...]) -> bool:
            for owner in (table, parent):
                if owner is not None and ref in owner.colonnes and owner.colonnes[ref].type in types:
                    return True
            return False

        if column.loi is not None:
            for ref, factors in column.loi.multiplicateurs.items():
                if not known(ref, ("categorielle",)):
                    raise fail(f"multiplicateurs : « {ref} » n'est pas une colonne catégorielle de {table_name}"
                               + (f" ou de {table.relation.parent}" if parent else ""), path=f"{path}.loi")
                owner = table if ref in table.colonnes else parent
                modalities = owner.colonnes[ref].modalites or {}
                unknown = [m for m in factors if m not in modalities]
                if unknown:
                    raise fail(f"modalité inconnue « {unknown[0]} » de {ref} (modalités : {', '.join(modalities)})",
                               path=f"{path}.loi.multiplicateurs")
            if column.loi.de is not None and not known(column.loi.de, ("numerique",)):
                raise fail(f"proportion : « {column.loi.de} » n'est pas une colonne numérique de {table_name}",
                           path=f"{path}.loi.de")
            if column.loi.de is not None and list(table.colonnes).index(column.loi.de) > list(table.colonnes).index(name):
                raise fail(f"proportion : déclarez {column.loi.de} avant {name}", path=f"{path}.loi.de")
        if column.dates is not None and column.dates.apres is not None and not known(column.dates.apres, ("date",)):
            raise fail(f"apres : « {column.dates.apres} » n'est pas une colonne date de {table_name}"
                       + (f" ou de {table.relation.parent}" if parent else ""), path=f"{path}.dates.apres")
        if column.agregat is not None:
            agg = column.agregat
            child = self.tables.get(agg.table)
            if child is None or child.relation is None or child.relation.parent != table_name:
                raise fail(f"agregat : « {agg.table} » n'est pas une table fille de {table_name}",
                           path=f"{path}.agregat.table")
            if agg.colonne is not None and (agg.colonne not in child.colonnes
                                            or child.colonnes[agg.colonne].type != "numerique"):
                raise fail(f"agregat : « {agg.colonne} » n'est pas une colonne numérique de {agg.table}",
                           path=f"{path}.agregat.colonne")
            if agg.colonne_date is not None and (agg.colonne_date not in child.colonnes
                                                 or child.colonnes[agg.colonne_date].type != "date"):
                raise fail(f"agregat : « {agg.colonne_date} » n'est pas une colonne date de {agg.table}",
                           path=f"{path}.agregat.colonne_date")
            if column.type != "numerique":
                raise fail("un agrégat est une colonne numérique", path=f"{path}.type")
        if column.modeles is not None:
            selon = column.modeles.selon
            if selon is not None:
                if selon not in table.colonnes or table.colonnes[selon].modalites is None:
                    raise fail(f"modeles.selon : « {selon} » n'est pas une colonne catégorielle de {table_name}",
                               path=f"{path}.modeles.selon")
                missing = [m for m in table.colonnes[selon].modalites if m not in column.modeles.corps]
                if missing and "*" not in column.modeles.corps:
                    raise fail(f"modeles.corps : aucun texte pour la modalité « {missing[0]} » de {selon} "
                               "(ajoutez-la ou une entrée \"*\")", path=f"{path}.modeles.corps")

    def _check_target(self) -> None:
        target = self.cible
        if target.table not in self.tables:
            raise fail(f"table inconnue « {target.table} » : choisissez parmi {', '.join(self.tables)}",
                       path="cible.table")
        main = self.tables[target.table]
        if main.relation is not None:
            raise fail("la table de la cible ne doit pas avoir de relation (c'est la table principale)",
                       path="cible.table")
        column = main.colonnes.get(target.colonne)
        if column is None or column.role != "cible" or column.type != "categorielle":
            raise fail(f"déclarez {target.colonne} dans {target.table} avec type: categorielle et role: cible",
                       path="cible.colonne")
        declared = set(main.by_role("cible"))
        if declared != set(self.target_columns):
            raise fail("les colonnes de rôle cible doivent être cible.colonne (et cible.regression.colonne) : "
                       f"trouvées {', '.join(sorted(declared))}", path="cible")
        if len(main.by_role("fuite")) > 1:
            raise fail("une seule colonne qui fuit par cas", path=f"donnees.tables.{target.table}")
        for name, effect in target.effets.items():
            if name not in main.colonnes or not main.colonnes[name].is_feature:
                features = [c for c, col in main.colonnes.items() if col.is_feature]
                raise fail(f"« {name} » n'est pas une variable explicative de {target.table} : "
                           f"choisissez parmi {', '.join(features)}", path=f"cible.effets.{name}")
            kind = main.colonnes[name].type
            if isinstance(effect, dict):
                modalities = main.colonnes[name].modalites or {}
                if kind != "categorielle":
                    raise fail(f"{name} est de type {kind} : donnez un seul coefficient (par écart-type)",
                               path=f"cible.effets.{name}")
                unknown = [m for m in effect if m not in modalities]
                if unknown:
                    raise fail(f"modalité inconnue « {unknown[0]} » (modalités de {name} : {', '.join(modalities)})",
                               path=f"cible.effets.{name}.{unknown[0]}")
            elif kind not in ("numerique", "date"):
                raise fail(f"{name} est catégorielle : donnez un décalage par modalité",
                           path=f"cible.effets.{name}")
        regression = target.regression
        if regression is not None:
            column = main.colonnes.get(regression.colonne)
            if column is None or column.type != "numerique" or column.role != "cible":
                raise fail(f"déclarez {regression.colonne} dans {target.table} avec type: numerique et role: cible",
                           path="cible.regression.colonne")
            for name in regression.effets:
                if name not in main.colonnes or main.colonnes[name].type not in ("numerique", "date") \
                        or not main.colonnes[name].is_feature:
                    raise fail(f"« {name} » n'est pas une variable explicative numérique ou date de {target.table}",
                               path=f"cible.regression.effets.{name}")

    def _check_defect(self, index: int, defect: DefectSpec) -> None:
        path = f"defauts[{index}]"
        if defect.table not in self.tables:
            raise fail(f"table inconnue « {defect.table} »", path=f"{path}.table")
        table = self.tables[defect.table]
        if defect.type == "doublon":
            if defect.colonne is not None:
                raise fail("un doublon concerne des lignes entières : retirez colonne", path=f"{path}.colonne")
            return
        if defect.colonne is None or defect.colonne not in table.colonnes:
            raise fail(f"indiquez une colonne de {defect.table}", path=f"{path}.colonne")
        column = table.colonnes[defect.colonne]
        if column.role in ("cible", "identifiant_technique") or defect.colonne == table.key:
            raise fail("la clé et la cible ne reçoivent pas de défaut", path=f"{path}.colonne")
        if defect.type == "hors_plage" and (column.type not in ("numerique", "date") or column.plausible_range is None):
            raise fail("hors_plage s'applique à une colonne numérique ou date de plage connue (loi.min/max, "
                       "plage ou dates)", path=f"{path}.type")
        if defect.type == "format_incoherent" and not (
                column.type in ("date", "numerique", "categorielle") or column.generateur == "telephone"):
            raise fail("format_incoherent s'applique à une date, un nombre, une catégorie ou un téléphone",
                       path=f"{path}.type")

    def _check_plan(self) -> None:
        from mspr.case.plan import plan_graph
        from mspr.errors import MsprError

        try:
            plan_graph(self.plan.taches)
        except MsprError as error:
            raise fail(f"{error.message} : {error.hint}" if error.hint else error.message, path="plan.taches")

    def _check_cycles(self, where: str) -> None:
        seen: list[str] = []
        for name in self.tables:
            chain, current = [name], self.tables[name].relation
            while current is not None:
                if current.parent in chain:
                    raise fail(f"relations circulaires : {' → '.join(chain + [current.parent])}", path=where)
                chain.append(current.parent)
                current = self.tables[current.parent].relation
            seen.append(name)


def load_case_spec(path: str | Path) -> CaseSpec:
    """Read and validate a case specification.

    Parameters
    ----------
    path : str or pathlib.Path
        The case folder (holding ``case.yaml``) or the YAML file itself.

    Returns
    -------
    CaseSpec
        The validated, immutable specification.

    Raises
    ------
    MsprError
        If the file is missing or unreadable, is not valid YAML, or does not
        satisfy the schema: the French message lists, per problem, the line,
        the field path, what is wrong and how to fix it.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "case.yaml"
    return load_yaml_model(path, CaseSpec, what="fichier de cas",
                           example="cases/mutuelle_horizon/case.yaml ou `mspr case new`")
