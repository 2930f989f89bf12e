"""The case specification (``cases/<id>/case.yaml``), validated by pydantic.

A case describes one fictional French company, the brief handed to the
candidates, and the knobs of the dataset generator (:mod:`mspr.case.generate`):
table sizes and distributions, the logistic model of the target, the leaky
column, the injected defects and the project plan. The generator knows how to
produce the three tables ``adherents``, ``remboursements`` and
``reclamations``; the spec parameterises them, it is not a general DSL.

Every validation problem is raised as :class:`mspr.errors.MsprError` with a
French message naming the file, the field path (``data.tables.adherents``) and
the fix.

The column names listed in :data:`TABLE_COLUMNS` are a contract: the labs and
the grader read them.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from mspr.errors import MsprError

__all__ = [
    "CaseSpec",
    "DEFECT_KINDS",
    "FORMAT_DEFECT_COLUMNS",
    "ID_COLUMNS",
    "OUT_OF_RANGE_COLUMNS",
    "TABLE_COLUMNS",
    "TARGET_FEATURES",
    "load_case_spec",
]

#: Columns of each generated table, in file order (binding names).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "adherents": (
        "id_adherent", "civilite", "prenom", "nom", "email", "telephone", "adresse",
        "code_postal", "ville", "date_naissance", "nir", "iban", "date_adhesion", "formule",
        "cotisation_mensuelle", "nb_beneficiaires", "canal_acquisition", "nb_reclamations_12m",
        "montant_rembourse_12m", "satisfaction", "date_resiliation", "resiliation",
    ),
    "remboursements": (
        "id_remboursement", "id_adherent", "date_soins", "type_acte", "montant_depense",
        "montant_rembourse",
    ),
    "reclamations": (
        "id_reclamation", "id_adherent", "date_reclamation", "canal", "motif", "texte", "statut",
    ),
}

#: Primary key of each table (the ids recorded in the ground truth for its defects).
ID_COLUMNS: dict[str, str] = {
    "adherents": "id_adherent",
    "remboursements": "id_remboursement",
    "reclamations": "id_reclamation",
}

#: Defect kinds, as recorded in ``ground_truth.json``.
DEFECT_KINDS = ("duplicate", "missing", "out_of_range", "inconsistent_format")

#: Columns the generator can push out of range, and how (French, for messages).
OUT_OF_RANGE_COLUMNS: dict[tuple[str, str], str] = {
    ("adherents", "cotisation_mensuelle"): "montant négatif",
    ("adherents", "nb_beneficiaires"): "valeur 99",
    ("adherents", "date_naissance"): "naissance en 1890",
    ("adherents", "satisfaction"): "note 9 sur une échelle de 1 à 5",
    ("adherents", "montant_rembourse_12m"): "montant négatif",
    ("remboursements", "montant_depense"): "montant négatif",
    ("remboursements", "montant_rembourse"): "montant négatif",
}

#: Columns the generator can write in a second format (ISO date → JJ/MM/AAAA, phone formats).
FORMAT_DEFECT_COLUMNS: dict[tuple[str, str], str] = {
    ("adherents", "date_naissance"): "date JJ/MM/AAAA au lieu de AAAA-MM-JJ",
    ("adherents", "date_adhesion"): "date JJ/MM/AAAA au lieu de AAAA-MM-JJ",
    ("adherents", "telephone"): "« +33 6 12 34 56 78 » ou « 0612345678 » au lieu de « 06 12 34 56 78 »",
    ("remboursements", "date_soins"): "date JJ/MM/AAAA au lieu de AAAA-MM-JJ",
    ("reclamations", "date_reclamation"): "date JJ/MM/AAAA au lieu de AAAA-MM-JJ",
}

#: Numeric features the target's logistic model may use (name → French unit).
TARGET_FEATURES: dict[str, str] = {
    "nb_reclamations_12m": "par réclamation sur 12 mois",
    "satisfaction": "par point de satisfaction (1 à 5)",
    "anciennete_annees": "par année d'ancienneté à la date de référence",
    "age_annees": "par année d'âge à la date de référence",
    "log_ratio_cotisation": "par unité de ln(cotisation mensuelle / cotisation de base de la formule)",
    "nb_beneficiaires": "par bénéficiaire couvert",
    "montant_rembourse_12m_keur": "par millier d'euros remboursés sur 12 mois",
}

#: Categorical variables whose modalities may shift the target's log-odds.
TARGET_CATEGORICALS = ("formule", "canal_acquisition")

#: Motifs of complaints the generator has French text templates for.
COMPLAINT_MOTIFS = (
    "retard_remboursement", "erreur_remboursement", "hausse_cotisation", "tiers_payant",
    "accueil", "information_contrat", "teletransmission",
)

_TARGET = ("adherents", "resiliation")
_LEAKY = ("adherents", "date_resiliation")

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Weight = Annotated[float, Field(gt=0.0)]
NonEmptyStr = Annotated[str, Field(min_length=1)]


def _fail(message: str, **ctx: object) -> PydanticCustomError:
    """Build a validation error whose French message pydantic keeps verbatim."""
    return PydanticCustomError("mspr", message, dict(ctx) or None)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- company and brief


class Company(_Model):
    """The fictional company: name, sector, city, staff and context paragraph.

    Shown at the top of the brief (``cahier_des_charges.md``, see
    :func:`mspr.case.generate.render_brief`).

    Attributes
    ----------
    nom : str
        Company name, e.g. ``"Mutuelle Horizon Santé"``. Non-empty.
    secteur : str
        Business sector, in French, e.g. ``"complémentaire santé"``. Non-empty.
    ville : str
        City of the head office. Non-empty.
    effectif : int
        Headcount (number of employees, « salariés »), at least 1.
    contexte : str
        French paragraph on the company's history and situation, shown under
        « Contexte » in the brief. Non-empty.
    """

    nom: NonEmptyStr
    secteur: NonEmptyStr
    ville: NonEmptyStr
    effectif: Annotated[int, Field(ge=1)]
    contexte: NonEmptyStr


class Brief(_Model):
    """The brief (cahier des charges) handed to candidates, in French.

    Each field becomes a section of ``cahier_des_charges.md`` (see
    :func:`mspr.case.generate.render_brief`).

    Attributes
    ----------
    titre : str
        Title of the brief, its first heading. Non-empty.
    besoin : str
        The business need, a French paragraph (section « Besoin »). Non-empty.
    objectifs : list of str
        Objectives, one bullet each (section « Objectifs »); at least one,
        none empty.
    contraintes : list of str, default=[]
        Constraints (GDPR, explainability, infrastructure…), one bullet
        each; the section « Contraintes » is left out when the list is empty.
    livrables : list of str, default=[]
        Expected deliverables, numbered; the section « Livrables attendus »
        is left out when the list is empty.
    """

    titre: NonEmptyStr
    besoin: NonEmptyStr
    objectifs: Annotated[list[NonEmptyStr], Field(min_length=1)]
    contraintes: list[NonEmptyStr] = []
    livrables: list[NonEmptyStr] = []


# --------------------------------------------------------------------------- tables


class _Table(_Model):
    """Common part of a table spec: description and data dictionary."""

    _name: typing.ClassVar[str] = ""
    description: NonEmptyStr
    columns: dict[str, NonEmptyStr]

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, value: dict[str, str]) -> dict[str, str]:
        expected = TABLE_COLUMNS[cls._name]
        for column in value:
            if column not in expected:
                raise _fail(
                    f"colonne inconnue '{column}' : retirez-la ou corrigez son nom "
                    f"(colonnes produites par le générateur : {', '.join(expected)})"
                )
        missing = [c for c in expected if c not in value]
        if missing:
            raise _fail(
                f"colonne(s) sans description : {', '.join(repr(c) for c in missing)} : "
                "ajoutez une description en français pour chacune"
            )
        return value


class Formule(_Model):
    """A contract level: share of adherents, base price and reimbursement level.

    Formules are keyed by name in :attr:`AdherentsTable.formules`; the name
    is the value written in the ``formule`` column of ``adherents.csv``.

    Attributes
    ----------
    part : float
        Relative weight (> 0) of this formule among adherents. Weights are
        normalised over all formules, so they need not sum to 1.
    cotisation_base : float
        Base monthly contribution in EUR (> 0): that of one beneficiary aged
        45. The generated ``cotisation_mensuelle`` (EUR per month) is
        ``cotisation_base · exp(0.30 · (nb_beneficiaires − 1) + 0.012 · (age − 45) + ε)``
        with ``ε ~ N(0, 0.12²)``; the target feature ``log_ratio_cotisation``
        is ``ln(cotisation_mensuelle / cotisation_base)``.
    multiplicateur_remboursement : float
        Factor in (0, 3] applied to each act's base reimbursement rate
        (:attr:`Acte.taux_remboursement`) for adherents of this formule; the
        resulting rate is capped at 1.
    """

    part: Weight
    cotisation_base: Annotated[float, Field(gt=0.0)]
    multiplicateur_remboursement: Annotated[float, Field(gt=0.0, le=3.0)]


class AdherentsTable(_Table):
    """Spec of ``adherents.csv``: one row per adhérent.

    Ages and tenures are measured at :attr:`DataSpec.reference_date`. Every
    weight below is relative: it is normalised over its list or mapping.

    Attributes
    ----------
    description : str
        French description of the table, shown in the brief's data
        dictionary. Non-empty.
    columns : dict of str to str
        Column name → French description, for exactly the columns of
        ``TABLE_COLUMNS["adherents"]`` (an unknown or undescribed column is
        a validation error).
    formules : dict of str to Formule
        Contract levels by name (the values of ``formule``); at least one.
    canaux : dict of str to float
        Acquisition channel (the values of ``canal_acquisition``) → relative
        weight (> 0); at least one.
    age_min : int
        Minimum age in years, in [16, 100]; must be below ``age_max``. Ages
        are drawn from N(47, 15²) years clipped to ``[age_min, age_max)``.
    age_max : int
        Maximum age in years (excluded), in [17, 110].
    anciennete_max_annees : int
        Maximum tenure (ancienneté) in years, in [1, 60]. Tenure is also
        capped at the age minus 18 years, and is at least 30 days.
    satisfaction : list of float
        Exactly five relative weights (> 0) of the satisfaction scores 1 to 5
        (1 = very dissatisfied, 5 = very satisfied).
    beneficiaires : list of float
        One to eight relative weights (> 0): the k-th weight (counting from
        1) is that of a contract covering k people, adherent included.
    """

    _name: typing.ClassVar[str] = "adherents"
    formules: dict[str, Formule]
    canaux: dict[str, Weight]
    age_min: Annotated[int, Field(ge=16, le=100)]
    age_max: Annotated[int, Field(ge=17, le=110)]
    anciennete_max_annees: Annotated[int, Field(ge=1, le=60)]
    satisfaction: Annotated[list[Weight], Field(min_length=5, max_length=5)]
    beneficiaires: Annotated[list[Weight], Field(min_length=1, max_length=8)]

    @field_validator("formules", "canaux")
    @classmethod
    def _non_empty(cls, value: dict) -> dict:
        if not value:
            raise _fail("au moins une modalité est requise")
        return value

    @model_validator(mode="after")
    def _ages(self) -> AdherentsTable:
        if self.age_min >= self.age_max:
            raise _fail("age_min doit être strictement inférieur à age_max")
        return self


class Acte(_Model):
    """A type of care: share of acts, mean expense (EUR) and base reimbursement rate.

    Types of care are keyed by name in :attr:`RemboursementsTable.actes`; the
    name is the value written in the ``type_acte`` column of
    ``remboursements.csv``.

    Attributes
    ----------
    part : float
        Relative weight (> 0) of this type among reimbursed acts, normalised
        over all types.
    depense_moyenne : float
        Mean expense of one act in EUR (> 0). Expenses are log-normal with
        this mean (σ = 0.6 on the log scale) and at least 1 EUR
        (``montant_depense``).
    taux_remboursement : float
        Base share of the expense reimbursed by the mutual, a fraction in
        [0, 1]. It is multiplied by the adherent's
        :attr:`Formule.multiplicateur_remboursement` and capped at 1 to give
        ``montant_rembourse``.
    """

    part: Weight
    depense_moyenne: Annotated[float, Field(gt=0.0)]
    taux_remboursement: Fraction


class RemboursementsTable(_Table):
    """Spec of ``remboursements.csv``: reimbursed acts of the last 12 months.

    Acts are dated in the 360 days before :attr:`DataSpec.reference_date`
    (and not before the adherent joined); their reimbursed amounts sum to
    ``adherents.montant_rembourse_12m``.

    Attributes
    ----------
    description : str
        French description of the table, shown in the brief's data
        dictionary. Non-empty.
    columns : dict of str to str
        Column name → French description, for exactly the columns of
        ``TABLE_COLUMNS["remboursements"]``.
    actes_par_beneficiaire_an : float
        Mean number of acts per beneficiary per year, in (0, 100]. An
        adherent's count over the window is Poisson with mean
        ``actes_par_beneficiaire_an · nb_beneficiaires · (0.5 + age / 50)``,
        prorated when the tenure is shorter than 360 days.
    actes : dict of str to Acte
        Types of care (the values of ``type_acte``) and their parameters; at
        least one.
    """

    _name: typing.ClassVar[str] = "remboursements"
    actes_par_beneficiaire_an: Annotated[float, Field(gt=0.0, le=100.0)]
    actes: dict[str, Acte]

    @field_validator("actes")
    @classmethod
    def _non_empty(cls, value: dict) -> dict:
        if not value:
            raise _fail("au moins un type d'acte est requis")
        return value


class ReclamationsTable(_Table):
    """Spec of ``reclamations.csv``: customer-service tickets with French free text.

    Each adherent's complaints are Poisson counts at an annual rate that
    grows as satisfaction drops: those of the last 360 days make up
    ``adherents.nb_reclamations_12m``, older ones are dated at least 400 days
    before :attr:`DataSpec.reference_date`. Every weight below is relative
    (normalised over its mapping).

    Attributes
    ----------
    description : str
        French description of the table, shown in the brief's data
        dictionary. Non-empty.
    columns : dict of str to str
        Column name → French description, for exactly the columns of
        ``TABLE_COLUMNS["reclamations"]``.
    taux_annuel_base : float
        Mean number of complaints per adherent per year at a satisfaction of
        3, in (0, 20].
    effet_satisfaction : float
        Sensitivity of the rate to satisfaction, in [0, 3]: the annual rate is
        ``taux_annuel_base · exp(effet_satisfaction · (3 − satisfaction))``.
    historique_mois : int
        Depth of the complaint history in months (of 30.44 days), in
        [12, 120]; no complaint predates the adherent's membership.
    part_textes_donnees_personnelles : float
        Fraction in [0, 1] of complaint texts (``texte``) that embed personal
        data of the adherent: name, phone number and/or email address.
    canaux : dict of str to float
        Reception channel (the values of ``canal``) → relative weight (> 0);
        at least one.
    motifs : dict of str to float
        Motif (the values of ``motif``) → relative weight (> 0); at least one,
        each among ``COMPLAINT_MOTIFS`` (the motifs the generator has French
        text templates for).
    statuts : dict of str to float
        Processing status (the values of ``statut``) → relative weight (> 0);
        at least one.
    """

    _name: typing.ClassVar[str] = "reclamations"
    taux_annuel_base: Annotated[float, Field(gt=0.0, le=20.0)]
    effet_satisfaction: Annotated[float, Field(ge=0.0, le=3.0)]
    historique_mois: Annotated[int, Field(ge=12, le=120)]
    part_textes_donnees_personnelles: Fraction
    canaux: dict[str, Weight]
    motifs: dict[str, Weight]
    statuts: dict[str, Weight]

    @field_validator("motifs")
    @classmethod
    def _known_motifs(cls, value: dict[str, float]) -> dict[str, float]:
        for motif in value:
            if motif not in COMPLAINT_MOTIFS:
                raise _fail(
                    f"motif inconnu '{motif}' : le générateur n'a pas de textes pour ce motif "
                    f"(motifs admis : {', '.join(COMPLAINT_MOTIFS)})"
                )
        if not value:
            raise _fail("au moins un motif est requis")
        return value

    @field_validator("canaux", "statuts")
    @classmethod
    def _non_empty(cls, value: dict) -> dict:
        if not value:
            raise _fail("au moins une modalité est requise")
        return value


class Tables(_Model):
    """The three tables the generator produces (all required).

    Attributes
    ----------
    adherents : AdherentsTable
        Spec of ``adherents.csv`` (one row per adherent, holds the target).
    remboursements : RemboursementsTable
        Spec of ``remboursements.csv`` (reimbursed acts).
    reclamations : ReclamationsTable
        Spec of ``reclamations.csv`` (complaints).
    """

    adherents: AdherentsTable
    remboursements: RemboursementsTable
    reclamations: ReclamationsTable


class DataSpec(_Model):
    """Dataset size, seed, reference date, holdout share and table specs.

    Attributes
    ----------
    seed : int
        Seed (≥ 0) of ``numpy.random.default_rng`` and of Faker; overridden
        by the ``seed`` argument of :func:`mspr.case.build_case`.
    rows : int
        Number of adherents generated before the holdout is set aside, in
        [200, 200 000]; overridden by the ``rows`` argument of
        :func:`mspr.case.build_case`.
    reference_date : datetime.date
        Date of the data extraction (``AAAA-MM-JJ`` in YAML). Ages, tenures
        and the 12-month windows are measured at this date; the target looks
        at the 12 months after it.
    holdout_fraction : float, default=0.2
        Fraction in [0.05, 0.5] of the adherents of each class (stratified on
        the target) held out for grading, together with their
        reimbursements and complaints.
    tables : Tables
        Specs of the three generated tables.
    """

    seed: Annotated[int, Field(ge=0)]
    rows: Annotated[int, Field(ge=200, le=200_000)]
    reference_date: dt.date
    holdout_fraction: Annotated[float, Field(ge=0.05, le=0.5)] = 0.2
    tables: Tables


# --------------------------------------------------------------------------- target, leak, defects


class TargetSpec(_Model):
    """The target and its logistic model.

    ``logit = intercept + Σ coefficients[f] · f + Σ effets[var][modalité]``, with
    the features of :data:`TARGET_FEATURES` computed on the clean data. The
    target is then drawn as a Bernoulli variable of probability
    ``1 / (1 + exp(−logit))``.

    Attributes
    ----------
    table : {"adherents"}
        Table holding the target (only ``adherents`` is supported).
    column : {"resiliation"}
        Target column: 1 if the adherent cancels the contract within the 12
        months after the reference date, 0 otherwise.
    intercept : float
        Intercept of the logit, in log-odds.
    coefficients : dict of str to float
        Feature → change of the log-odds per unit of the feature. Keys are
        among :data:`TARGET_FEATURES`, whose values give the unit (e.g. per
        thousand EUR reimbursed over 12 months for
        ``montant_rembourse_12m_keur``); an unlisted feature has no effect.
    effets : dict of str to dict of str to float, default={}
        Categorical variable (``formule`` or ``canal_acquisition``) →
        modality → shift of the log-odds for adherents with that modality;
        unlisted modalities shift by 0. Each modality must exist in
        :attr:`AdherentsTable.formules` or :attr:`AdherentsTable.canaux`
        (checked by :class:`CaseSpec`).
    """

    table: Literal["adherents"]
    column: Literal["resiliation"]
    intercept: float
    coefficients: dict[str, float]
    effets: dict[str, dict[str, float]] = {}

    @field_validator("coefficients")
    @classmethod
    def _known_features(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            if name not in TARGET_FEATURES:
                raise _fail(
                    f"variable inconnue '{name}' : retirez-la ou corrigez son nom "
                    f"(variables admises : {', '.join(TARGET_FEATURES)})"
                )
        return value

    @field_validator("effets")
    @classmethod
    def _known_categoricals(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for name in value:
            if name not in TARGET_CATEGORICALS:
                raise _fail(
                    f"variable catégorielle inconnue '{name}' : retirez-la ou corrigez son nom "
                    f"(variables admises : {', '.join(TARGET_CATEGORICALS)})"
                )
        return value


class LeakyColumnSpec(_Model):
    """The leaky column: a date filled mostly when the target is 1.

    In the released data the column holds a cancellation date (ISO,
    1 to 365 days after the reference date) or is empty; it is emptied in
    the holdout and in ``echantillon_requetes.csv``. Candidates must spot it
    (check ``A2C1.leaky_column``).

    Attributes
    ----------
    table : {"adherents"}
        Table holding the leaky column (only ``adherents`` is supported).
    column : {"date_resiliation"}
        The leaky column.
    taux_renseigne_positifs : float
        Probability in [0, 1] that the date is filled for an adherent whose
        target is 1.
    taux_renseigne_negatifs : float
        Probability in [0, 1] that the date is filled for an adherent whose
        target is 0.
    """

    table: Literal["adherents"]
    column: Literal["date_resiliation"]
    taux_renseigne_positifs: Fraction
    taux_renseigne_negatifs: Fraction


class DefectSpec(_Model):
    """One defect injected into the released data (never into the holdout).

    ``rate`` is the fraction of the released rows of ``table`` affected. For a
    ``duplicate``, ``column`` is the table's key (default) and ``rate`` the
    fraction of rows copied once more.

    Attributes
    ----------
    table : {"adherents", "remboursements", "reclamations"}
        Table whose released CSV receives the defect.
    column : str or None, default=None
        Column affected. For a ``duplicate``, omit it or give the table's key
        (:data:`ID_COLUMNS`). Otherwise it is required and must be a column
        of the table: for ``missing``, neither the key, ``id_adherent``, the
        target nor the leaky column; for ``out_of_range``, one of
        :data:`OUT_OF_RANGE_COLUMNS`; for ``inconsistent_format``, one of
        :data:`FORMAT_DEFECT_COLUMNS`.
    kind : {"duplicate", "missing", "out_of_range", "inconsistent_format"}
        ``duplicate``: whole rows copied once more, at random positions;
        ``missing``: the cell is emptied; ``out_of_range``: the value is made
        implausible (negative amount, 99 beneficiaries, birth before 1900,
        satisfaction 9); ``inconsistent_format``: the value is written in a
        second format (``JJ/MM/AAAA`` date, other phone layout).
    rate : float
        Fraction in (0, 0.3] of the table's released rows affected (at least
        one row). The non-duplicate defects of one column may total at most
        0.5 (checked by :class:`CaseSpec`).
    """

    table: Literal["adherents", "remboursements", "reclamations"]
    column: str | None = None
    kind: Literal["duplicate", "missing", "out_of_range", "inconsistent_format"]
    rate: Annotated[float, Field(gt=0.0, le=0.3)]

    @model_validator(mode="after")
    def _supported(self) -> DefectSpec:
        key = ID_COLUMNS[self.table]
        if self.kind == "duplicate":
            if self.column not in (None, key):
                raise _fail(f"un doublon porte sur la ligne entière : indiquez column: {key} ou omettez-la")
            return self
        if self.column is None:
            raise _fail(f"champ 'column' requis pour un défaut '{self.kind}' : indiquez la colonne visée")
        columns = TABLE_COLUMNS[self.table]
        if self.column not in columns:
            raise _fail(
                f"colonne inconnue '{self.column}' dans la table '{self.table}' : corrigez son nom "
                f"(colonnes : {', '.join(columns)})"
            )
        if self.kind == "missing":
            forbidden = {key, "id_adherent", _TARGET[1], _LEAKY[1]}
            if self.column in forbidden:
                raise _fail(
                    f"la colonne '{self.column}' (identifiant, cible ou colonne fuyante) "
                    "ne peut pas recevoir de valeurs manquantes : choisissez une autre colonne"
                )
        supported = {"out_of_range": OUT_OF_RANGE_COLUMNS, "inconsistent_format": FORMAT_DEFECT_COLUMNS}
        if self.kind in supported and (self.table, self.column) not in supported[self.kind]:
            allowed = [f"{t}.{c}" for t, c in supported[self.kind]]
            raise _fail(
                f"le générateur ne sait pas produire un défaut '{self.kind}' sur "
                f"{self.table}.{self.column} : choisissez parmi {', '.join(allowed)}"
            )
        return self

    @property
    def target_column(self) -> str:
        """The column recorded in the ground truth (the key for a duplicate)."""
        return self.column or ID_COLUMNS[self.table]


# --------------------------------------------------------------------------- plan


class Task(_Model):
    """One task of the project plan (duration in days).

    Written as one row of ``plan_projet.csv`` (columns ``id_tache``,
    ``libelle``, ``duree_jours``, ``predecesseurs``).

    Attributes
    ----------
    id : str
        Task identifier, e.g. ``"T01"``: letters, digits, ``_`` or ``-``;
        unique within the plan.
    libelle : str
        French label of the task. Non-empty.
    duree_jours : int
        Duration in working days (jours ouvrés), in [1, 1000].
    predecesseurs : list of str, default=[]
        Ids of the tasks that must finish before this one starts; empty for
        a starting task.
    """

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
    libelle: NonEmptyStr
    duree_jours: Annotated[int, Field(ge=1, le=1000)]
    predecesseurs: list[str] = []


class PlanSpec(_Model):
    """The AI project's plan; it must have exactly one critical path.

    Attributes
    ----------
    tasks : list of Task
        At least two tasks, in the order of ``plan_projet.csv``. Ids must be
        unique, predecessors must exist and the dependencies must be acyclic,
        with a single longest chain (:func:`mspr.case.plan.critical_path`
        with ``require_unique=True``, checked by :class:`CaseSpec`); that
        chain and its duration are the ground truth of the A4C1 checks.
    """

    tasks: Annotated[list[Task], Field(min_length=2)]


# --------------------------------------------------------------------------- the case


class CaseSpec(_Model):
    """A whole case, as read from ``cases/<id>/case.yaml``.

    Attributes
    ----------
    id : str
        Case identifier (``mutuelle_horizon``): lower-case letters, digits
        and ``_``; recorded as ``case_id`` in the ground truth.
    company : Company
        The fictional company.
    brief : Brief
        The brief handed to candidates.
    data : DataSpec
        Size, seed, reference date, holdout share and table specs.
    target : TargetSpec
        The target and its logistic model.
    leaky_column : LeakyColumnSpec
        The column that leaks the target.
    defects : list of DefectSpec, default=[]
        Defects injected into the released data, in order.
    plan : PlanSpec
        The project plan (unique critical path).
    """

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    company: Company
    brief: Brief
    data: DataSpec
    target: TargetSpec
    leaky_column: LeakyColumnSpec
    defects: list[DefectSpec] = []
    plan: PlanSpec

    @model_validator(mode="after")
    def _consistent(self) -> CaseSpec:
        from mspr.case.plan import critical_path

        adherents = self.data.tables.adherents
        known = {"formule": adherents.formules, "canal_acquisition": adherents.canaux}
        for variable, shifts in self.target.effets.items():
            for modality in shifts:
                if modality not in known[variable]:
                    raise _fail(
                        f"modalité inconnue '{modality}' : retirez-la ou corrigez son nom "
                        f"(modalités de {variable} : {', '.join(known[variable])})",
                        path=f"target.effets.{variable}.{modality}",
                    )
        share: dict[tuple[str, str], float] = {}
        for index, defect in enumerate(self.defects):
            key = (defect.table, defect.target_column)
            if defect.kind != "duplicate":
                share[key] = share.get(key, 0.0) + defect.rate
                if share[key] > 0.5:
                    raise _fail(
                        f"les défauts sur {defect.table}.{defect.target_column} touchent plus de 50 % "
                        "des lignes : réduisez leurs taux (rate)",
                        path=f"defects[{index + 1}].rate",
                    )
        try:
            critical_path(self.plan.tasks, require_unique=True)
        except MsprError as error:
            raise _fail(f"{error.message} : {error.hint}" if error.hint else error.message, path="plan.tasks")
        return self


# --------------------------------------------------------------------------- loading and errors

_TYPE_NAMES = {
    "int": "entier",
    "float": "nombre",
    "string": "texte",
    "bool": "booléen (true/false)",
    "date": "date au format AAAA-MM-JJ",
    "list": "liste",
    "dict": "dictionnaire (clé: valeur)",
    "model": "dictionnaire (clé: valeur)",
}


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
        If the file is missing or unreadable, is not valid YAML (the message
        gives the line), or does not satisfy the schema (the message lists each
        field path, what is wrong and how to fix it, in French).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "case.yaml"
    if not path.is_file():
        raise MsprError(
            "fichier de cas introuvable",
            path=path,
            hint="indiquez le dossier d'un cas contenant un fichier case.yaml (ex. cases/mutuelle_horizon)",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise MsprError(
            f"le fichier n'est pas encodé en UTF-8 (octet {error.start})",
            path=path,
            hint="réenregistrez le fichier en UTF-8",
        ) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"ligne {mark.line + 1}, colonne {mark.column + 1}" if mark is not None else "position inconnue"
        problem = getattr(error, "problem", None) or str(error)
        raise MsprError(
            f"erreur de syntaxe YAML {where} : {problem}",
            path=path,
            hint="vérifiez autour de cette ligne l'indentation (espaces, pas de tabulations), "
            "les deux-points après chaque clé et les guillemets ou crochets non refermés",
        ) from None
    if not isinstance(raw, dict):
        raise MsprError(
            "le fichier doit contenir un dictionnaire YAML (clé: valeur) au premier niveau",
            path=path,
            hint="partez du cas fourni cases/mutuelle_horizon/case.yaml",
        )
    try:
        return CaseSpec.model_validate(raw)
    except ValidationError as error:
        lines = [_describe(item) for item in error.errors()]
        count = len(lines)
        raise MsprError(
            f"spécification de cas invalide ({count} erreur{'s' if count > 1 else ''}) :\n"
            + "\n".join(f"  - {line}" for line in lines),
            path=path,
            hint="corrigez ces champs puis relancez (les éléments de liste sont numérotés à partir de 1)",
        ) from None


def _field_path(loc: tuple) -> str:
    """Render a pydantic location as ``data.tables.adherents`` / ``defects[2].rate``."""
    text = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(racine)"


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """Return the pydantic model describing the mapping found at ``loc``."""
    current: object = CaseSpec
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif origin is list:
            current = typing.get_args(current)[0]
        elif origin is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: object) -> object:
    """Strip ``Annotated`` and ``X | None`` from an annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _describe(error: dict) -> str:
    """Translate one pydantic error into ``<field path> : <problem> : <fix>`` in French."""
    loc = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    path = _field_path(loc)
    received = error.get("input")
    if kind == "mspr":
        return f"{ctx.get('path', path)} : {error['msg']}"
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = ", ".join(model.model_fields) if model is not None else "voir le cas fourni"
        return f"{path} : clé inconnue '{loc[-1]}' : retirez-la ou corrigez son nom (clés admises : {allowed})"
    if kind == "missing":
        if loc[:2] == ("data", "tables") and len(loc) == 3:
            return (
                f"{path} : table requise manquante : '{loc[-1]}' : ajoutez-la sous data.tables "
                f"(tables requises : {', '.join(TABLE_COLUMNS)})"
            )
        return f"{path} : champ requis manquant : ajoutez la clé '{loc[-1]}'"
    for prefix, name in _TYPE_NAMES.items():
        if kind.startswith(prefix + "_") and kind not in ("string_too_short", "string_pattern_mismatch"):
            return f"{path} : type attendu : {name} (reçu : {received!r}) : corrigez la valeur"
    if kind == "literal_error":
        return f"{path} : valeur {received!r} non admise : remplacez-la par {ctx.get('expected')}"
    bounds = {
        "greater_than": "strictement supérieure à {gt}",
        "greater_than_equal": "supérieure ou égale à {ge}",
        "less_than": "strictement inférieure à {lt}",
        "less_than_equal": "inférieure ou égale à {le}",
    }
    if kind in bounds:
        return f"{path} : valeur {received!r} hors limites : elle doit être {bounds[kind].format(**ctx)}"
    if kind in ("string_too_short", "too_short"):
        return f"{path} : valeur vide ou trop courte : complétez-la"
    if kind == "too_long":
        return f"{path} : trop d'éléments : {ctx.get('max_length')} au plus"
    if kind == "string_pattern_mismatch":
        return (
            f"{path} : valeur {received!r} mal formée : utilisez uniquement des lettres, chiffres, "
            "'_' ou '-' (motif attendu : {0})".format(ctx.get("pattern"))
        )
    if kind == "value_error":
        return f"{path} : {error['msg'].removeprefix('Value error, ')}"
    return f"{path} : {error['msg']}"
