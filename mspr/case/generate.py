"""Dataset generator and case build: tables, target, holdout, defects, ground truth.

:func:`generate_dataset` turns a :class:`~mspr.case.spec.CaseSpec` and a seed
into in-memory tables (pure, deterministic: one ``numpy.random.default_rng``
and one seeded ``Faker("fr_FR")``, no wall clock: every date is relative to
``data.reference_date``). :func:`build_case` writes them, the reference model,
the brief and the ground truth under ``OUT`` (layout in
``docs/architecture.md``).

Generation, in order:

1. adherents with personal data (French names, phones, addresses, birth
   dates, NIR with a valid INSEE key, IBAN with valid RIB and ISO 13616 keys)
   and contract attributes (formule, cotisation, bénéficiaires, canal);
2. complaints (``reclamations``): a Poisson count per adherent whose rate grows
   as satisfaction drops; ``nb_reclamations_12m`` counts those dated in the 360
   days before the reference date (older ones are dated more than 400 days
   before it, so any 12-month window definition gives the same count);
3. reimbursements of the last 360 days; ``montant_rembourse_12m`` is their sum;
4. the target from the spec's logistic model, and the leaky column;
5. the holdout: a stratified share of adherents held out entirely (with their
   reimbursements and complaints), drawn before any defect;
6. defects, injected into the released tables only, each recorded with the
   ids it touches.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from faker import Faker

from mspr.case.identifiers import BANK_CODES as _BANK_CODES
from mspr.case.identifiers import _iban_fr, nir_key, rib_key
from mspr.case.plan import schedule
from mspr.case.spec import ID_COLUMNS, TABLE_COLUMNS, CaseSpec, load_case_spec
from mspr.errors import MsprError

__all__ = ["CaseBuild", "GeneratedCase", "build_case", "generate_dataset", "nir_key", "render_brief", "rib_key"]

#: Days of the "last 12 months" window in which recent events are drawn: [ref − 360, ref − 1].
RECENT_DAYS = 360
#: Older complaints are dated at least this many days before the reference date.
OLD_GAP_DAYS = 400
#: Size of ``echantillon_requetes.csv`` (A3 deployment test).
SAMPLE_ROWS = 20
#: Personal data columns and their Presidio entity types (``reclamations.texte`` is added from the texts).
PII_COLUMNS: dict[str, dict[str, list[str]]] = {
    "adherents": {
        "prenom": ["PERSON"],
        "nom": ["PERSON"],
        "email": ["EMAIL_ADDRESS"],
        "telephone": ["PHONE_NUMBER"],
        "adresse": ["LOCATION"],
        "code_postal": ["LOCATION"],
        "ville": ["LOCATION"],
        "date_naissance": ["DATE_TIME"],
        "nir": ["FR_NIR"],
        "iban": ["IBAN_CODE"],
    },
    "remboursements": {},
    "reclamations": {},
}

# Communes of the mutual's region (code postal, commune) and their weights.
_COMMUNES = (
    ("69001", "Lyon", 3), ("69002", "Lyon", 3), ("69003", "Lyon", 5), ("69004", "Lyon", 3),
    ("69005", "Lyon", 3), ("69006", "Lyon", 4), ("69007", "Lyon", 5), ("69008", "Lyon", 5),
    ("69009", "Lyon", 4), ("69100", "Villeurbanne", 8), ("69200", "Vénissieux", 4),
    ("69500", "Bron", 3), ("69300", "Caluire-et-Cuire", 3), ("69800", "Saint-Priest", 3),
    ("69120", "Vaulx-en-Velin", 3), ("69130", "Écully", 1), ("69600", "Oullins", 2),
    ("69700", "Givors", 1), ("69400", "Villefranche-sur-Saône", 2), ("69160", "Tassin-la-Demi-Lune", 1),
    ("69330", "Meyzieu", 2), ("69150", "Décines-Charpieu", 2), ("69140", "Rillieux-la-Pape", 2),
    ("42000", "Saint-Étienne", 4), ("38000", "Grenoble", 4), ("38200", "Vienne", 1),
    ("01000", "Bourg-en-Bresse", 2), ("01500", "Ambérieu-en-Bugey", 1), ("74000", "Annecy", 2),
    ("73000", "Chambéry", 2), ("71000", "Mâcon", 1), ("26000", "Valence", 2),
    ("63000", "Clermont-Ferrand", 2), ("42300", "Roanne", 1),
)
_EMAIL_DOMAINS = (
    ("gmail.com", 30), ("orange.fr", 18), ("free.fr", 10), ("laposte.net", 8), ("hotmail.fr", 10),
    ("sfr.fr", 7), ("yahoo.fr", 7), ("outlook.fr", 6), ("wanadoo.fr", 4),
)

_COMPLAINT_BODIES: dict[str, tuple[str, ...]] = {
    "retard_remboursement": (
        "je n'ai toujours pas reçu le remboursement de ma consultation chez le spécialiste, "
        "cela fait plus de trois semaines.",
        "mes soins dentaires ne sont toujours pas remboursés alors que j'ai envoyé la facture "
        "il y a un mois.",
        "j'attends depuis des semaines le remboursement de mes lunettes, pouvez-vous accélérer "
        "le traitement ?",
    ),
    "erreur_remboursement": (
        "le montant remboursé pour mes lunettes est inférieur à ce que prévoit ma garantie.",
        "vous m'avez remboursé {montant} euros au lieu du montant prévu par ma formule, "
        "merci de corriger.",
        "ma séance de kinésithérapie a été remboursée deux fois, je préfère vous le signaler.",
    ),
    "hausse_cotisation": (
        "ma cotisation a encore augmenté cette année sans explication, je trouve cela inacceptable.",
        "je ne comprends pas la hausse de ma cotisation mensuelle, merci de me détailler le calcul.",
        "avec cette nouvelle augmentation je paie {montant} euros par mois, je vais comparer "
        "avec d'autres mutuelles.",
    ),
    "tiers_payant": (
        "ma carte de tiers payant a été refusée à la pharmacie, j'ai dû avancer les frais.",
        "l'opticien me dit que ma prise en charge n'est pas valide, pouvez-vous vérifier ?",
    ),
    "accueil": (
        "impossible de joindre un conseiller par téléphone, j'ai attendu plus de quarante minutes.",
        "personne ne répond à mes messages sur l'espace adhérent, c'est très décevant.",
        "le conseiller a été désagréable et n'a pas su répondre à ma question.",
    ),
    "information_contrat": (
        "je souhaite savoir si l'ostéopathie est couverte par ma formule.",
        "pouvez-vous m'envoyer l'attestation de mutuelle pour mon employeur ?",
        "je voudrais ajouter mon enfant à mon contrat, quelles sont les démarches ?",
    ),
    "teletransmission": (
        "la télétransmission avec l'assurance maladie ne fonctionne plus depuis mon changement "
        "de situation.",
        "mes remboursements de la sécurité sociale n'arrivent plus chez vous automatiquement.",
    ),
}


# --------------------------------------------------------------------------- output of the generator


@dataclass(frozen=True)
class GeneratedCase:
    """In-memory result of :func:`generate_dataset` (all cells are strings).

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        Released ``adherents``, ``remboursements``, ``reclamations`` (defects
        injected), ``plan_projet`` and ``echantillon_requetes``, CSV-ready.
    holdout_features : pandas.DataFrame
        Held-out adherents, columns of ``adherents`` minus the target, leaky
        column emptied.
    holdout_labels : pandas.DataFrame
        ``id_adherent`` and the target (``"0"``/``"1"``), same row order.
    holdout_probability : numpy.ndarray of shape (n_holdout,)
        True probability of the target for the held-out rows (for the oracle AUC).
    defects : list of dict
        ``{table, column, kind, ids}`` for each injected defect.
    pii : dict
        Table → column → sorted Presidio entity types.
    positive_rate : float
        Share of positives among the released adherents (each id once).
    """

    tables: dict[str, pd.DataFrame]
    holdout_features: pd.DataFrame
    holdout_labels: pd.DataFrame
    holdout_probability: np.ndarray
    defects: list[dict]
    pii: dict[str, dict[str, list[str]]]
    positive_rate: float


def _weights(mapping_or_list) -> np.ndarray:
    values = np.asarray(list(mapping_or_list), dtype=float)
    return values / values.sum()


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return "".join(c for c in kept.replace(" ", "-") if c.isalnum() or c == "-")


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _iso(reference: np.datetime64, offsets: np.ndarray) -> np.ndarray:
    """ISO dates of ``reference + offsets`` days."""
    return np.datetime_as_string(reference + offsets.astype("timedelta64[D]"), unit="D")


def _phone(digits: str, style: str) -> str:
    """Format a 10-digit French number: ``"espaces"``, ``"international"`` or ``"compact"``."""
    if style == "international":
        return "+33 " + digits[1] + " " + " ".join(digits[i : i + 2] for i in range(2, 10, 2))
    if style == "compact":
        return digits
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


# --------------------------------------------------------------------------- generation


def generate_dataset(spec: CaseSpec, *, seed: int, rows: int) -> GeneratedCase:
    """Generate the released tables, the holdout and the ground truth facts.

    Parameters
    ----------
    spec : CaseSpec
        The validated case.
    seed : int
        Seed of ``numpy.random.default_rng`` and ``Faker.seed_instance``.
    rows : int
        Number of adherents generated, before the holdout is set aside.

    Returns
    -------
    GeneratedCase
        Deterministic for a given ``(spec, seed, rows)``.
    """
    rng = np.random.default_rng(seed)
    faker = Faker("fr_FR")
    faker.seed_instance(seed)
    reference = np.datetime64(spec.data.reference_date.isoformat(), "D")

    people = _adherents(spec, rng, faker, rows, reference)
    complaints, texts_pii = _complaints(spec, rng, people, reference)
    refunds = _refunds(spec, rng, people, reference)
    people["montant_rembourse_12m"] = np.bincount(
        refunds["owner"], weights=refunds["rembourse_cents"], minlength=rows
    ).astype(np.int64)
    people["nb_reclamations_12m"] = np.bincount(
        complaints["owner"][complaints["recent"]], minlength=rows
    ).astype(np.int64)
    probability = _target_probability(spec, people)
    target = (rng.random(rows) < probability).astype(int)
    leak = spec.leaky_column
    filled = rng.random(rows) < np.where(target == 1, leak.taux_renseigne_positifs, leak.taux_renseigne_negatifs)
    leak_offsets = rng.integers(1, 366, size=rows)
    people["date_resiliation"] = np.where(filled, _iso(reference, leak_offsets), "")
    people["resiliation"] = target

    holdout = _stratified_holdout(rng, target, spec.data.holdout_fraction)
    adherents = _format_adherents(people)
    released = ~holdout
    tables = {
        "adherents": adherents[released].reset_index(drop=True),
        "remboursements": _format_refunds(refunds, adherents["id_adherent"], reference, released),
        "reclamations": _format_complaints(complaints, adherents["id_adherent"], reference, released),
    }
    pii = {table: dict(columns) for table, columns in PII_COLUMNS.items()}
    kept = released[complaints["owner"]]
    entities = sorted(set().union(*[texts_pii[i] for i in np.flatnonzero(kept)]))
    if entities:
        pii["reclamations"]["texte"] = entities

    defects = _inject_defects(spec, rng, tables)
    tables["echantillon_requetes"] = _sample(rng, tables["adherents"], defects, spec)
    tables["plan_projet"] = pd.DataFrame(
        {
            "id_tache": [t.id for t in spec.plan.tasks],
            "libelle": [t.libelle for t in spec.plan.tasks],
            "duree_jours": [str(t.duree_jours) for t in spec.plan.tasks],
            "predecesseurs": [";".join(t.predecesseurs) for t in spec.plan.tasks],
        }
    )
    target_column = spec.target.column
    held = adherents[holdout].reset_index(drop=True)
    features = held.drop(columns=[target_column])
    features[spec.leaky_column.column] = ""
    return GeneratedCase(
        tables=tables,
        holdout_features=features,
        holdout_labels=held[["id_adherent", target_column]],
        holdout_probability=probability[holdout],
        defects=defects,
        pii=pii,
        positive_rate=round(float(target[released].mean()), 4),
    )


def _adherents(spec: CaseSpec, rng: np.random.Generator, faker: Faker, n: int, reference: np.datetime64) -> dict:
    """Draw the clean adherents: identity, contact, contract, satisfaction (typed arrays)."""
    table = spec.data.tables.adherents
    female = rng.random(n) < 0.52
    first_names = [faker.first_name_female() if f else faker.first_name_male() for f in female]
    last_names = [faker.last_name() for _ in range(n)]
    streets = [faker.street_address() for _ in range(n)]

    age_days = np.floor(
        np.clip(rng.normal(47.0, 15.0, n), table.age_min, table.age_max - 0.01) * 365.25
    ).astype(np.int64)
    max_tenure = np.minimum(table.anciennete_max_annees * 365.25, age_days - 18 * 365.25)
    tenure_days = np.floor(np.clip(30 + rng.exponential(5 * 365.25, n), 30, np.maximum(30, max_tenure))).astype(
        np.int64
    )
    formula_names = list(table.formules)
    formula = rng.choice(len(formula_names), size=n, p=_weights(f.part for f in table.formules.values()))
    channels = list(table.canaux)
    channel = rng.choice(len(channels), size=n, p=_weights(table.canaux.values()))
    beneficiaries = 1 + rng.choice(len(table.beneficiaires), size=n, p=_weights(table.beneficiaires))
    base = np.array([table.formules[name].cotisation_base for name in formula_names])[formula]
    # Price: base of the formule, +30 % per extra beneficiary (log scale), +1.2 % per year of age over 45.
    log_price = np.log(base) + 0.30 * (beneficiaries - 1) + 0.012 * (age_days / 365.25 - 45) + rng.normal(0, 0.12, n)
    price_cents = np.round(np.exp(log_price) * 100).astype(np.int64)
    satisfaction = 1 + rng.choice(5, size=n, p=_weights(table.satisfaction))

    communes = rng.choice(len(_COMMUNES), size=n, p=_weights(c[2] for c in _COMMUNES))
    domains = rng.choice(len(_EMAIL_DOMAINS), size=n, p=_weights(d[1] for d in _EMAIL_DOMAINS))
    email_style = rng.choice(4, size=n, p=[0.5, 0.2, 0.2, 0.1])
    email_digits = rng.integers(1, 100, size=n)
    prefixes = rng.choice(np.array(["06", "07", "04"]), size=n, p=[0.55, 0.25, 0.20])
    phone_rest = rng.integers(0, 10**8, size=n)
    birth_dept = rng.choice([d for d in range(1, 96) if d != 20], size=n)
    birth_commune = rng.integers(1, 900, size=n)
    birth_order = rng.integers(1, 1000, size=n)
    bank = rng.choice(_BANK_CODES, size=n)
    branch = rng.integers(0, 100_000, size=n)
    account = rng.integers(0, 10**11, size=n)

    birth = reference - age_days.astype("timedelta64[D]")
    birth_iso = np.datetime_as_string(birth, unit="D")
    emails, phones, nirs, ibans = [], [], [], []
    used_emails: set[str] = set()
    for i in range(n):
        first, last = _ascii(first_names[i]), _ascii(last_names[i])
        local = (
            f"{first}.{last}",
            f"{first[0]}.{last}",
            f"{first}.{last}{email_digits[i]}",
            f"{first}{last}",
        )[email_style[i]]
        email = f"{local}@{_EMAIL_DOMAINS[domains[i]][0]}"
        while email in used_emails:
            local += str(int(rng.integers(0, 10)))
            email = f"{local}@{_EMAIL_DOMAINS[domains[i]][0]}"
        used_emails.add(email)
        emails.append(email)
        phones.append(f"{prefixes[i]}{phone_rest[i]:08d}")
        sex = "2" if female[i] else "1"
        year, month = birth_iso[i][2:4], birth_iso[i][5:7]
        body = f"{sex}{year}{month}{birth_dept[i]:02d}{birth_commune[i]:03d}{birth_order[i]:03d}"
        key = nir_key(body)
        nirs.append(f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {key:02d}")
        bban = f"{bank[i]:05d}{branch[i]:05d}{account[i]:011d}"
        bban += f"{rib_key(bban[:5], bban[5:10], bban[10:]):02d}"
        ibans.append(_iban_fr(bban))
    return {
        "female": female,
        "prenom": first_names,
        "nom": last_names,
        "email": emails,
        "telephone": phones,
        "adresse": streets,
        "code_postal": [_COMMUNES[c][0] for c in communes],
        "ville": [_COMMUNES[c][1] for c in communes],
        "age_days": age_days,
        "date_naissance": birth_iso,
        "nir": nirs,
        "iban": ibans,
        "tenure_days": tenure_days,
        "date_adhesion": _iso(reference, -tenure_days),
        "formule": np.array(formula_names)[formula],
        "formule_base": base,
        "formule_rate": np.array([table.formules[name].multiplicateur_remboursement for name in formula_names])[
            formula
        ],
        "cotisation_cents": price_cents,
        "nb_beneficiaires": beneficiaries,
        "canal_acquisition": np.array(channels)[channel],
        "satisfaction": satisfaction,
    }


def _window(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Uniform integer day offsets in [low, high] (element-wise, inclusive)."""
    return low + np.floor(rng.random(len(low)) * (high - low + 1)).astype(np.int64)


def _complaints(spec: CaseSpec, rng: np.random.Generator, people: dict, reference: np.datetime64):
    """Draw complaints: counts from satisfaction, dates, channel, motif, status and French text."""
    table = spec.data.tables.reclamations
    tenure = people["tenure_days"]
    n = len(tenure)
    rate = table.taux_annuel_base * np.exp(table.effet_satisfaction * (3 - people["satisfaction"]))
    recent_low = -np.minimum(tenure, RECENT_DAYS)
    recent_count = rng.poisson(rate * (-recent_low) / RECENT_DAYS)
    history = int(round(table.historique_mois * 30.44))
    old_low = -np.minimum(tenure, history)
    old_span = np.maximum(0, -OLD_GAP_DAYS - old_low + 1)
    old_count = rng.poisson(rate * old_span / 365.25)

    recent_owner = np.repeat(np.arange(n), recent_count)
    old_owner = np.repeat(np.arange(n), old_count)
    owner = np.concatenate([recent_owner, old_owner])
    offsets = np.concatenate(
        [
            _window(rng, recent_low[recent_owner], np.full(len(recent_owner), -1)),
            _window(rng, old_low[old_owner], np.full(len(old_owner), -OLD_GAP_DAYS)),
        ]
    )
    recent = np.concatenate([np.ones(len(recent_owner), bool), np.zeros(len(old_owner), bool)])
    order = np.lexsort((owner, offsets))
    owner, offsets, recent = owner[order], offsets[order], recent[order]
    m = len(owner)

    channels = np.array(list(table.canaux))[rng.choice(len(table.canaux), size=m, p=_weights(table.canaux.values()))]
    motifs = np.array(list(table.motifs))[rng.choice(len(table.motifs), size=m, p=_weights(table.motifs.values()))]
    statuses = np.array(list(table.statuts))[
        rng.choice(len(table.statuts), size=m, p=_weights(table.statuts.values()))
    ]
    with_pii = rng.random(m) < table.part_textes_donnees_personnelles
    variant = rng.integers(0, 5, size=m)
    body_pick = rng.random(m)
    amount = rng.integers(15, 180, size=m)
    phone_style = rng.choice(np.array(["espaces", "compact"]), size=m, p=[0.7, 0.3])
    texts, entities = [], []
    for j in range(m):
        i = owner[j]
        bodies = _COMPLAINT_BODIES[motifs[j]]
        body = bodies[int(body_pick[j] * len(bodies))].format(montant=amount[j])
        text, found = _complaint_text(
            body,
            pii=bool(with_pii[j]),
            variant=int(variant[j]),
            civilite="Madame" if people["female"][i] else "Monsieur",
            name=f"{people['prenom'][i]} {people['nom'][i]}",
            phone=_phone(people["telephone"][i], str(phone_style[j])),
            email=people["email"][i],
        )
        texts.append(text)
        entities.append(found)
    frame = {
        "owner": owner,
        "offset": offsets,
        "recent": recent,
        "canal": channels,
        "motif": motifs,
        "texte": np.array(texts, dtype=object),
        "statut": statuses,
    }
    return frame, entities


def _complaint_text(
    body: str, *, pii: bool, variant: int, civilite: str, name: str, phone: str, email: str
) -> tuple[str, frozenset[str]]:
    """Compose a complaint in French; return it with the Presidio entities it embeds."""
    sentence = body[0].upper() + body[1:]
    if not pii:
        return (f"Bonjour, {body} Merci de votre retour." if variant % 2 else sentence), frozenset()
    if variant == 0:
        return (
            f"Bonjour, je suis {name}. {sentence} Merci de me rappeler au {phone}.",
            frozenset({"PERSON", "PHONE_NUMBER"}),
        )
    if variant == 1:
        return f"Bonjour, {body} Cordialement, {name}", frozenset({"PERSON"})
    if variant == 2:
        return (
            f"Bonjour, {body} Vous pouvez me répondre à l'adresse {email}.",
            frozenset({"EMAIL_ADDRESS"}),
        )
    if variant == 3:
        return (
            f"{civilite} {name}, adhérent(e) : {body} Tél. : {phone} / {email}",
            frozenset({"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS"}),
        )
    return f"Bonjour, {body} Rappelez-moi au {phone} s'il vous plaît.", frozenset({"PHONE_NUMBER"})


def _refunds(spec: CaseSpec, rng: np.random.Generator, people: dict, reference: np.datetime64) -> dict:
    """Draw the reimbursed acts of the last 360 days (amounts in cents)."""
    table = spec.data.tables.remboursements
    tenure = people["tenure_days"]
    low = -np.minimum(tenure, RECENT_DAYS)
    age = people["age_days"] / 365.25
    expected = table.actes_par_beneficiaire_an * people["nb_beneficiaires"] * (0.5 + age / 50) * (-low) / RECENT_DAYS
    owner = np.repeat(np.arange(len(tenure)), rng.poisson(expected))
    offsets = _window(rng, low[owner], np.full(len(owner), -1))
    order = np.lexsort((owner, offsets))
    owner, offsets = owner[order], offsets[order]
    m = len(owner)
    acts = list(table.actes)
    kind = rng.choice(len(acts), size=m, p=_weights(a.part for a in table.actes.values()))
    mean = np.array([a.depense_moyenne for a in table.actes.values()])[kind]
    sigma = 0.6
    spent = np.maximum(100, np.round(np.exp(rng.normal(np.log(mean) - sigma**2 / 2, sigma)) * 100)).astype(np.int64)
    base_rate = np.array([a.taux_remboursement for a in table.actes.values()])[kind]
    rate = np.minimum(1.0, base_rate * people["formule_rate"][owner])
    refunded = np.round(spent * rate).astype(np.int64)
    return {"owner": owner, "offset": offsets, "type_acte": np.array(acts)[kind], "depense_cents": spent,
            "rembourse_cents": refunded}


def _target_probability(spec: CaseSpec, people: dict) -> np.ndarray:
    """True probability of the target: logistic model of the spec on the clean features."""
    features = {
        "nb_reclamations_12m": people["nb_reclamations_12m"],
        "satisfaction": people["satisfaction"],
        "anciennete_annees": people["tenure_days"] / 365.25,
        "age_annees": people["age_days"] / 365.25,
        "log_ratio_cotisation": np.log(people["cotisation_cents"] / 100 / people["formule_base"]),
        "nb_beneficiaires": people["nb_beneficiaires"],
        "montant_rembourse_12m_keur": people["montant_rembourse_12m"] / 100_000,
    }
    logit = np.full(len(people["tenure_days"]), spec.target.intercept, dtype=float)
    for name, coefficient in spec.target.coefficients.items():
        logit += coefficient * features[name]
    for variable, shifts in spec.target.effets.items():
        for modality, shift in shifts.items():
            logit += shift * (people[variable] == modality)
    return 1.0 / (1.0 + np.exp(-logit))


def _stratified_holdout(rng: np.random.Generator, target: np.ndarray, fraction: float) -> np.ndarray:
    """Boolean mask of the held-out rows: ``fraction`` of each class, at random."""
    mask = np.zeros(len(target), dtype=bool)
    for value in (0, 1):
        members = np.flatnonzero(target == value)
        chosen = rng.permutation(members)[: int(round(fraction * len(members)))]
        mask[chosen] = True
    return mask


# --------------------------------------------------------------------------- formatting (CSV-ready strings)


def _format_adherents(people: dict) -> pd.DataFrame:
    n = len(people["tenure_days"])
    frame = pd.DataFrame(
        {
            "id_adherent": [f"ADH{i + 1:05d}" for i in range(n)],
            "civilite": np.where(people["female"], "Mme", "M."),
            "prenom": people["prenom"],
            "nom": people["nom"],
            "email": people["email"],
            "telephone": [_phone(p, "espaces") for p in people["telephone"]],
            "adresse": people["adresse"],
            "code_postal": people["code_postal"],
            "ville": people["ville"],
            "date_naissance": people["date_naissance"],
            "nir": people["nir"],
            "iban": people["iban"],
            "date_adhesion": people["date_adhesion"],
            "formule": people["formule"],
            "cotisation_mensuelle": [_euros(c) for c in people["cotisation_cents"]],
            "nb_beneficiaires": people["nb_beneficiaires"].astype(str),
            "canal_acquisition": people["canal_acquisition"],
            "nb_reclamations_12m": people["nb_reclamations_12m"].astype(str),
            "montant_rembourse_12m": [_euros(c) for c in people["montant_rembourse_12m"]],
            "satisfaction": people["satisfaction"].astype(str),
            "date_resiliation": people["date_resiliation"],
            "resiliation": people["resiliation"].astype(str),
        },
        dtype=object,
    )
    return frame[list(TABLE_COLUMNS["adherents"])]


def _format_refunds(refunds: dict, ids: pd.Series, reference: np.datetime64, released: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id_remboursement": [f"RMB{j + 1:06d}" for j in range(len(refunds["owner"]))],
            "id_adherent": ids.to_numpy()[refunds["owner"]],
            "date_soins": _iso(reference, refunds["offset"]),
            "type_acte": refunds["type_acte"],
            "montant_depense": [_euros(c) for c in refunds["depense_cents"]],
            "montant_rembourse": [_euros(c) for c in refunds["rembourse_cents"]],
        },
        dtype=object,
    )
    return frame[released[refunds["owner"]]].reset_index(drop=True)


def _format_complaints(
    complaints: dict, ids: pd.Series, reference: np.datetime64, released: np.ndarray
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id_reclamation": [f"REC{j + 1:05d}" for j in range(len(complaints["owner"]))],
            "id_adherent": ids.to_numpy()[complaints["owner"]],
            "date_reclamation": _iso(reference, complaints["offset"]),
            "canal": complaints["canal"],
            "motif": complaints["motif"],
            "texte": complaints["texte"],
            "statut": complaints["statut"],
        },
        dtype=object,
    )
    return frame[released[complaints["owner"]]].reset_index(drop=True)


# --------------------------------------------------------------------------- defects


def _out_of_range(column: str, values: pd.Series, rng: np.random.Generator) -> list[str]:
    if column == "nb_beneficiaires":
        return ["99"] * len(values)
    if column == "satisfaction":
        return ["9"] * len(values)
    if column.startswith("date_"):
        years = rng.integers(1880, 1900, size=len(values))
        return [f"{y}-{v[5:7]}-{min(int(v[8:10]), 28):02d}" for y, v in zip(years, values)]
    return ["-" + v for v in values]  # amounts in EUR: made negative


def _reformat(column: str, values: pd.Series, rng: np.random.Generator) -> list[str]:
    if column == "telephone":
        styles = rng.choice(np.array(["international", "compact"]), size=len(values))
        return [_phone(v.replace(" ", ""), str(s)) for v, s in zip(values, styles)]
    return [f"{v[8:10]}/{v[5:7]}/{v[0:4]}" for v in values]  # AAAA-MM-JJ → JJ/MM/AAAA


def _eligible(kind: str, column: str, values: pd.Series) -> np.ndarray:
    """Rows whose value can carry the defect (non-empty; strictly positive for a negated amount)."""
    ok = values != ""
    if kind == "out_of_range" and column not in ("nb_beneficiaires", "satisfaction") and not column.startswith("date_"):
        ok &= ~values.isin(["0.00"])
    return ok.to_numpy()


def _inject_defects(spec: CaseSpec, rng: np.random.Generator, tables: dict[str, pd.DataFrame]):
    """Inject the spec's defects into the released tables (in place); duplicates last.

    Returns the ground-truth records ``{table, column, kind, ids}``, in the
    spec's order.
    """
    records: list[dict | None] = [None] * len(spec.defects)
    used: dict[tuple[str, str], set[int]] = {}
    order = [i for i, d in enumerate(spec.defects) if d.kind != "duplicate"]
    order += [i for i, d in enumerate(spec.defects) if d.kind == "duplicate"]
    for index in order:
        defect = spec.defects[index]
        frame = tables[defect.table]
        key = ID_COLUMNS[defect.table]
        count = max(1, int(round(defect.rate * len(frame))))
        if defect.kind == "duplicate":
            rows = np.sort(rng.choice(len(frame), size=min(count, len(frame)), replace=False))
            position = np.concatenate([np.arange(len(frame), dtype=float), rng.uniform(0, len(frame), len(rows))])
            source = np.concatenate([np.arange(len(frame)), rows])
            tables[defect.table] = frame.iloc[source[np.argsort(position, kind="stable")]].reset_index(drop=True)
            ids = frame[key].to_numpy()[rows]
        else:
            column = defect.column
            taken = used.setdefault((defect.table, column), set())
            eligible = _eligible(defect.kind, column, frame[column])
            candidates = np.array([i for i in np.flatnonzero(eligible) if i not in taken], dtype=np.int64)
            if len(candidates) == 0:
                continue
            rows = np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False))
            values = frame[column].iloc[rows]
            if defect.kind == "missing":
                new = [""] * len(rows)
            elif defect.kind == "out_of_range":
                new = _out_of_range(column, values, rng)
            else:
                new = _reformat(column, values, rng)
            frame.iloc[rows, frame.columns.get_loc(column)] = new
            taken.update(rows.tolist())
            ids = frame[key].to_numpy()[rows]
        records[index] = {
            "table": defect.table,
            "column": defect.target_column,
            "kind": defect.kind,
            "ids": sorted(str(i) for i in ids),
        }
    return [r for r in records if r is not None]


def _sample(rng: np.random.Generator, adherents: pd.DataFrame, defects: list[dict], spec: CaseSpec) -> pd.DataFrame:
    """``SAMPLE_ROWS`` defect-free released adherents, target dropped, leaky column emptied."""
    touched = {i for d in defects if d["table"] == "adherents" for i in d["ids"]}
    unique = adherents.drop_duplicates(subset="id_adherent").sort_values("id_adherent")
    candidates = unique[~unique["id_adherent"].isin(touched)]
    chosen = np.sort(rng.choice(len(candidates), size=min(SAMPLE_ROWS, len(candidates)), replace=False))
    sample = candidates.iloc[chosen].drop(columns=[spec.target.column]).reset_index(drop=True)
    sample[spec.leaky_column.column] = ""
    return sample


# --------------------------------------------------------------------------- brief


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_brief(spec: CaseSpec, tables: dict[str, pd.DataFrame]) -> str:
    """Render the French brief (``cahier_des_charges.md``).

    Parameters
    ----------
    spec : CaseSpec
        The case: company, brief, data dictionary and plan.
    tables : dict of str to pandas.DataFrame
        The released tables (only their row counts are shown).

    Returns
    -------
    str
        Markdown text: context, need, objectives, constraints, deliverables,
        data dictionary of each file, project plan. Reveals no ground truth.
    """
    company, brief = spec.company, spec.brief
    lines = [
        f"# {brief.titre}",
        "",
        f"**{company.nom}** — {company.secteur}, {company.ville} ({company.effectif} salariés)",
        "",
        "## Contexte",
        "",
        company.contexte.strip(),
        "",
        "## Besoin",
        "",
        brief.besoin.strip(),
        "",
        "## Objectifs",
        "",
        *[f"- {item}" for item in brief.objectifs],
        "",
    ]
    if brief.contraintes:
        lines += ["## Contraintes", "", *[f"- {item}" for item in brief.contraintes], ""]
    if brief.livrables:
        lines += ["## Livrables attendus", "", *[f"{i}. {item}" for i, item in enumerate(brief.livrables, 1)], ""]
    reference = spec.data.reference_date
    lines += [
        "## Données mises à disposition",
        "",
        f"Extraction du système d'information arrêtée au {reference.strftime('%d/%m/%Y')} "
        "(date de référence). Fichiers CSV encodés en UTF-8, séparateur virgule.",
        "",
    ]
    for name, table in spec.data.tables:
        lines += [
            f"### `{name}.csv` ({len(tables[name])} lignes)",
            "",
            table.description.strip(),
            "",
            "| Colonne | Description |",
            "|---|---|",
            *[f"| `{column}` | {_cell(table.columns[column])} |" for column in TABLE_COLUMNS[name]],
            "",
        ]
    lines += [
        "### `plan_projet.csv`",
        "",
        "Plan prévisionnel du projet. Les durées sont en jours ouvrés ; une tâche ne peut commencer "
        "qu'une fois tous ses prédécesseurs terminés.",
        "",
        "| Tâche | Libellé | Durée (jours) | Prédécesseurs |",
        "|---|---|---:|---|",
        *[
            f"| {t.id} | {_cell(t.libelle)} | {t.duree_jours} | {', '.join(t.predecesseurs) or '—'} |"
            for t in spec.plan.tasks
        ],
        "",
        "### `echantillon_requetes.csv`",
        "",
        f"{len(tables['echantillon_requetes'])} adhérents au format de `adherents.csv`, sans la colonne "
        f"cible `{spec.target.column}`, pour tester le modèle déployé.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- build

#: Sub-folders of ``OUT`` written by :func:`build_case`.
OUTPUT_FOLDERS = ("data", "model", "brief", "ground_truth")


@dataclass(frozen=True)
class CaseBuild:
    """Paths written by :func:`build_case` and the ground truth.

    Attributes
    ----------
    out : pathlib.Path
        The output folder.
    data_files : dict of str to pathlib.Path
        ``adherents``, ``remboursements``, ``reclamations``, ``plan_projet``,
        ``echantillon_requetes`` → ``OUT/data/<name>.csv``.
    model_dir : pathlib.Path
        ``OUT/model``, the MLflow model directory.
    brief : pathlib.Path
        ``OUT/brief/cahier_des_charges.md``.
    ground_truth_file, holdout_features, holdout_labels : pathlib.Path
        Files of ``OUT/ground_truth/``.
    ground_truth : dict
        Content of ``ground_truth.json``.
    """

    out: Path
    data_files: dict[str, Path]
    model_dir: Path
    brief: Path
    ground_truth_file: Path
    holdout_features: Path
    holdout_labels: Path
    ground_truth: dict = field(repr=False)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def build_case(
    case_dir: str | Path, *, out: str | Path, seed: int | None = None, rows: int | None = None
) -> CaseBuild:
    """Build a case: data files, reference model, brief and ground truth.

    Parameters
    ----------
    case_dir : str or pathlib.Path
        Folder holding ``case.yaml`` (e.g. ``cases/mutuelle_horizon``).
    out : str or pathlib.Path
        Output folder; ``data/``, ``model/``, ``brief/`` and
        ``ground_truth/`` are written there (replaced if present; other
        content is left alone).
    seed : int, optional
        Overrides ``data.seed`` of the spec.
    rows : int, optional
        Number of adherents before the holdout; overrides ``data.rows``.

    Returns
    -------
    CaseBuild
        Paths written and the ground truth.

    Raises
    ------
    MsprError
        If the spec is invalid, or ``seed``/``rows`` are out of range.

    Notes
    -----
    The same spec, seed and rows give byte-identical files in ``data/`` and
    ``ground_truth/``. Everything is written to a temporary folder next to
    ``out`` and moved into place at the end.
    """
    from sklearn.metrics import roc_auc_score

    from mspr.case import model as reference

    spec = load_case_spec(case_dir)
    seed = spec.data.seed if seed is None else seed
    rows = spec.data.rows if rows is None else rows
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise MsprError(f"graine invalide : {seed!r}", hint="indiquez un entier positif ou nul")
    if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or not 200 <= rows <= 200_000:
        raise MsprError(f"nombre de lignes invalide : {rows!r}", hint="indiquez un entier entre 200 et 200000")
    seed, rows = int(seed), int(rows)

    generated = generate_dataset(spec, seed=seed, rows=rows)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    try:
        for folder in ("data", "brief", "ground_truth"):  # model/ is created by MLflow
            (staging / folder).mkdir()
        for name, frame in generated.tables.items():
            _write_csv(frame, staging / "data" / f"{name}.csv")
        _write_csv(generated.holdout_features, staging / "ground_truth" / "holdout_features.csv")
        _write_csv(generated.holdout_labels, staging / "ground_truth" / "holdout_labels.csv")

        # The reference model learns from the files as a candidate reads them.
        target = spec.target.column
        released = pd.read_csv(staging / "data" / "adherents.csv")
        features, labels = reference.prepare_training_data(released, target)
        pipeline = reference.build_pipeline(spec.data.reference_date.isoformat(), random_state=seed)
        pipeline.fit(features, labels)
        holdout = pd.read_csv(staging / "ground_truth" / "holdout_features.csv")
        truth = generated.holdout_labels[target].astype(int).to_numpy()
        model_auc = round(float(roc_auc_score(truth, pipeline.predict_proba(holdout)[:, 1])), 4)
        oracle_auc = round(float(roc_auc_score(truth, generated.holdout_probability)), 4)
        example = pd.read_csv(staging / "data" / "echantillon_requetes.csv").head(5)
        reference.save_model(pipeline, staging / "model", example)

        plan = schedule(spec.plan.tasks)
        ground_truth = {
            "case_id": spec.id,
            "seed": seed,
            "rows": rows,
            "pii": generated.pii,
            "defects": generated.defects,
            "leaky_column": {"table": spec.leaky_column.table, "column": spec.leaky_column.column},
            "target": {"table": spec.target.table, "column": target, "positive_rate": generated.positive_rate},
            "reference_metric": {
                "name": "roc_auc",
                "oracle": oracle_auc,
                "reference_model": model_auc,
                "pass_threshold": round(model_auc - 0.03, 3),
            },
            "plan": plan.to_dict(),
        }
        (staging / "ground_truth" / "ground_truth.json").write_text(
            json.dumps(ground_truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        (staging / "brief" / "cahier_des_charges.md").write_text(
            render_brief(spec, generated.tables), encoding="utf-8"
        )
        _install(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return CaseBuild(
        out=out,
        data_files={name: out / "data" / f"{name}.csv" for name in generated.tables},
        model_dir=out / "model",
        brief=out / "brief" / "cahier_des_charges.md",
        ground_truth_file=out / "ground_truth" / "ground_truth.json",
        holdout_features=out / "ground_truth" / "holdout_features.csv",
        holdout_labels=out / "ground_truth" / "holdout_labels.csv",
        ground_truth=ground_truth,
    )


def _install(staging: Path, out: Path) -> None:
    """Move the staged folders into ``out`` (each by an atomic rename), replacing old ones."""
    if not out.exists():
        os.replace(staging, out)
        return
    for folder in OUTPUT_FOLDERS:
        target = out / folder
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{folder}-old-", dir=out))
            os.replace(target, retired / folder)
            os.replace(staging / folder, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging / folder, target)
