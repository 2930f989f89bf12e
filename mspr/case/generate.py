"""Dataset generator: any case model -> released tables, holdout and ground-truth facts.

:func:`generate_dataset` is generic over :class:`~mspr.case.spec.CaseSpec`
and pure: one ``numpy.random.default_rng(seed)`` and one seeded
``Faker("fr_FR")``, no wall clock (every date is an offset in days from
``donnees.date_reference``), so a spec and a seed give the same tables byte
for byte.

Generation, in order:

1. tables parents first (:meth:`CaseSpec.generation_order`): the main table
   has ``donnees.lignes`` rows, other top-level tables their ``lignes``, and a
   child table a Poisson number of rows per parent row
   (``relation.nombre``). Personal data are drawn per row and coherent with
   each other and with the case's geography (:mod:`mspr.case.identifiers`,
   :mod:`mspr.case.geo`); free texts record where they embed personal data;
2. aggregate columns of parents from their children (counts, sums, means, maxima
   over a window);
3. the binary target from the spec's effects (intercept solved to reach
   ``taux_positifs``), the optional regression target, and the leaking
   column;
4. the holdout: a stratified share of the main table held out entirely
   (with its children), before any defect;
5. defects, injected into the released tables only, each recorded with the
   ids it touches.
"""

from __future__ import annotations

import datetime as dt
import string
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from faker import Faker

from mspr.case import geo, identifiers
from mspr.case.spec import CaseSpec, Column, TableSpec
from mspr.case.truth import DefectTruth, Span

__all__ = ["GeneratedCase", "generate_dataset", "SAMPLE_ROWS"]

#: Rows of ``echantillon_requetes.csv`` (A3 deployment test).
SAMPLE_ROWS = 20
#: Days in a year, for ages and tenures.
YEAR_DAYS = 365.25
#: Départements of birth drawn for NIRs (metropolitan France, Corsica included).
_BIRTH_DEPARTEMENTS = tuple(f"{d:02d}" for d in range(1, 96) if d != 20) + ("2A", "2B")
#: Adult age bounds of a generated person without a birth-date column (years).
_DEFAULT_AGE = (18.0, 85.0)


@dataclass
class GeneratedCase:
    """The output of :func:`generate_dataset` (all values as CSV-ready strings).

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        Released tables, by name, columns in spec order, dtype object.
    sample : pandas.DataFrame
        ``SAMPLE_ROWS`` defect-free released rows of the main table, targets
        dropped, leaking column emptied.
    plan : pandas.DataFrame
        ``id_tache, libelle, duree_jours, predecesseurs`` (``;``-separated),
        plus ``ressources`` (``;``-separated) when the plan declares resources.
    holdout_features : pandas.DataFrame
        Held-out rows of the main table, targets dropped, leaking column emptied.
    holdout_labels : pandas.DataFrame
        Primary key and binary target of the held-out rows.
    holdout_probability : numpy.ndarray of shape (n_holdout,), dtype float
        True probability of the positive class of each held-out row.
    defects : list of DefectTruth
    pii : dict of str to dict of str to list of str
        Table -> personal column -> entity types.
    spans : list of Span
        Personal data inside released free text.
    positive_rate : float
        Share of positives among released rows.
    clean_main : pandas.DataFrame or None
        The released main table before any defect (one row per entity).
    """

    tables: dict[str, pd.DataFrame]
    sample: pd.DataFrame
    plan: pd.DataFrame
    holdout_features: pd.DataFrame
    holdout_labels: pd.DataFrame
    holdout_probability: np.ndarray
    defects: list[DefectTruth]
    pii: dict[str, dict[str, list[str]]]
    spans: list[Span]
    positive_rate: float
    clean_main: pd.DataFrame | None = None


@dataclass
class _Context:
    """What every drawing step shares: the case, the random streams and the communes."""

    spec: CaseSpec
    rng: np.random.Generator
    faker: Faker
    communes: pd.DataFrame


@dataclass
class _Table:
    """A table while it is generated: typed columns and the owner of each row."""

    spec: TableSpec
    n: int
    owner: np.ndarray | None = None  # parent row of each row (child tables)
    values: dict[str, np.ndarray] = field(default_factory=dict)  # numbers, day offsets or strings
    people: dict[str, np.ndarray] | None = None
    spans: dict[str, list[list[tuple[int, int, str]]]] = field(default_factory=dict)


# --------------------------------------------------------------------------- entry point


def generate_dataset(spec: CaseSpec, *, seed: int, rows: int) -> GeneratedCase:
    """Generate the released tables, the holdout and the ground-truth facts.

    Parameters
    ----------
    spec : CaseSpec
        The validated case.
    seed : int
        Seed of ``numpy.random.default_rng`` and ``Faker.seed_instance``.
    rows : int
        Rows of the main table before the holdout.

    Returns
    -------
    GeneratedCase
        Deterministic for a given ``(spec, seed, rows)``.
    """
    rng = np.random.default_rng(seed)
    faker = Faker("fr_FR")
    faker.seed_instance(seed)
    communes = geo.communes(spec.geographie.departements, region=spec.geographie.region)
    ctx = _Context(spec=spec, rng=rng, faker=faker, communes=communes)
    built: dict[str, _Table] = {}
    for name in spec.generation_order():
        table = spec.tables[name]
        parent = built[table.relation.parent] if table.relation else None
        n_rows = rows if name == spec.main_table else table.lignes
        built[name] = _generate_table(ctx, name, table, parent, built, n_rows)
    for name in reversed(spec.generation_order()):
        _aggregate(spec, name, built)
    main = built[spec.main_table]
    probability = _target(spec, main, rng)
    _leak(ctx, main)

    held = _stratified_holdout(rng, main.values[spec.cible.colonne].astype(int), spec.donnees.part_reservee)
    keep = {spec.main_table: ~held}
    for name in spec.generation_order():
        relation = spec.tables[name].relation
        if relation is not None:
            keep[name] = keep[relation.parent][built[name].owner] if relation.parent in keep else \
                np.ones(built[name].n, bool)
        keep.setdefault(name, np.ones(built[name].n, bool))

    formatted = {name: _format(spec, name, built[name], built) for name in spec.tables}
    tables = {name: formatted[name][keep[name]].reset_index(drop=True) for name in spec.tables}
    spans = _released_spans(spec, built, formatted, keep)
    pii = _pii(spec, spans)

    main_frame = formatted[spec.main_table]
    held_frame = main_frame[held].reset_index(drop=True)
    features = held_frame.drop(columns=spec.target_columns)
    if spec.leaky_column:
        features[spec.leaky_column] = ""
    labels = held_frame[[spec.main.key, spec.cible.colonne]]
    positive_rate = round(float(main.values[spec.cible.colonne][~held].astype(int).mean()), 4)

    clean_main = tables[spec.main_table].copy()
    defects = _inject_defects(spec, rng, tables)
    sample = _sample(spec, rng, tables[spec.main_table], defects)
    plan = pd.DataFrame(
        {
            "id_tache": [t.id for t in spec.plan.taches],
            "libelle": [t.libelle for t in spec.plan.taches],
            "duree_jours": [str(t.duree_jours) for t in spec.plan.taches],
            "predecesseurs": [";".join(t.predecesseurs) for t in spec.plan.taches],
        },
        dtype=object,
    )
    if spec.plan.ressources:  # A4 budget: who works on each task (";"-separated resource keys)
        plan["ressources"] = [";".join(t.ressources) for t in spec.plan.taches]
    return GeneratedCase(tables=tables, sample=sample, plan=plan, holdout_features=features,
                         holdout_labels=labels, holdout_probability=probability[held], defects=defects,
                         pii=pii, spans=spans, positive_rate=positive_rate, clean_main=clean_main)


# --------------------------------------------------------------------------- tables


def _generate_table(ctx: _Context, name: str, table: TableSpec, parent: _Table | None,
                    built: dict[str, _Table], n_rows: int | None) -> _Table:
    """Draw one table's rows (aggregates, target and leak come later)."""
    spec, rng = ctx.spec, ctx.rng
    owner = None
    if table.relation is not None:
        owner = _child_owners(spec, table, parent, rng)
        n_rows = len(owner)
    out = _Table(spec=table, n=int(n_rows), owner=owner)
    if any(c.generateur in _PERSON_FIELDS for c in table.colonnes.values()):
        if table.personnes is None:
            out.people = _people(ctx, out.n, table)
        else:  # a pool of people, each row signed by one of them
            pool = _people(ctx, table.personnes, table)
            who = rng.integers(0, table.personnes, size=out.n)
            out.people = {field_: values[who] for field_, values in pool.items()}
    for column_name, column in table.colonnes.items():
        if column.agregat is not None or column.role in ("cible", "fuite"):
            continue
        if table.relation is not None and column_name == table.relation.cle:
            continue  # formatted from the owner
        out.values[column_name] = _column(ctx, name, column_name, column, out, parent, built)
    _company_emails(ctx, out)
    return out


#: Legal forms left out of a company's e-mail domain.
_LEGAL_FORMS = {"sa", "sarl", "sas", "sasu", "eurl", "snc", "sci", "et", "fils", "cie"}


def _company_emails(ctx: _Context, table: _Table) -> None:
    """Rows that are companies (``raison_sociale``): contacts write from the company's domain."""
    columns = table.spec.colonnes
    company = next((c for c, col in columns.items() if col.generateur == "raison_sociale"), None)
    mail = next((c for c, col in columns.items() if col.generateur == "email" and col.domaines is None), None)
    if company is None or mail is None or table.spec.personnes is not None:
        return
    emails = []
    for first, last, name in zip(table.people["prenom"], table.people["nom"], table.values[company]):
        words = [w for w in _ascii(name).lower().replace(".", "").replace(",", " ").split() if w not in _LEGAL_FORMS]
        domain = "-".join("".join(ch for ch in w if ch.isalnum() or ch == "-") for w in words).strip("-")
        domain = domain or "entreprise"
        emails.append(identifiers.email(ctx.rng, first, last, domains=[f"{domain}.fr"]))
    table.people["email"] = table.values[mail] = np.array(emails, dtype=object)


def _child_owners(spec: CaseSpec, table: TableSpec, parent: _Table, rng: np.random.Generator) -> np.ndarray:
    """Parent row of each child row: Poisson counts driven by the parent's columns."""
    count = table.relation.nombre
    mean = np.full(parent.n, count.moyenne, dtype=float)
    if count.par is not None:
        mean *= np.maximum(_numeric_view(spec, parent, count.par), 0.0)
    for column, effect in count.effets.items():
        mean *= np.exp(effect * _zscore(_numeric_view(spec, parent, column)))
    exposure = _exposure(table, parent)
    return np.repeat(np.arange(parent.n), rng.poisson(mean * exposure))


def _exposure(table: TableSpec, parent: _Table) -> np.ndarray:
    """Share of a child table's date window during which each parent row existed."""
    for column in table.colonnes.values():
        window = column.dates
        if column.type == "date" and window is not None and window.jours_avant_reference and window.apres:
            if window.apres in parent.values:
                low, high = window.jours_avant_reference
                start = -parent.values[window.apres]  # days before the reference date
                return np.clip((np.minimum(start, high) - low + 1) / (high - low + 1), 0.02, 1.0)
    return np.ones(parent.n)


def _column(ctx: _Context, table_name: str, name: str, column: Column, table: _Table, parent: _Table | None,
            built: dict[str, _Table]) -> np.ndarray:
    """Draw one column: strings, numbers (float) or day offsets (int, negative = before the reference)."""
    n, rng, faker = table.n, ctx.rng, ctx.faker
    if column.reference is not None:
        return rng.integers(0, built[column.reference].n, size=n)  # row index, formatted later
    if column.generateur == "sequence":
        return np.arange(n)
    if column.generateur in _PERSON_FIELDS:
        return table.people[_PERSON_FIELDS[column.generateur]]
    if column.generateur == "raison_sociale":
        return np.array([faker.company() for _ in range(n)], dtype=object)
    if column.generateur == "siret":
        sirens = next((table.values[c] for c, other in table.spec.colonnes.items()
                       if other.generateur == "siren" and c in table.values), None)
        if sirens is not None:  # an establishment of the same row's company
            return np.array([identifiers.siret(rng, s) for s in sirens], dtype=object)
    if column.generateur in ("siren", "siret", "iban", "nir"):
        return _identifier_values(column.generateur, n, rng)
    if column.type == "categorielle":
        names = list(column.modalites)
        weights = np.array(list(column.modalites.values()), dtype=float)
        return np.array(names, dtype=object)[rng.choice(len(names), size=n, p=weights / weights.sum())]
    if column.type == "numerique":
        return _numeric(column, table, parent, rng)
    if column.type == "date":
        return _dates(column, table, parent, rng)
    if column.type == "texte" and column.modeles is not None:
        texts, spans = _texts(ctx, column, table, parent)
        table.spans[name] = spans
        return texts
    raise AssertionError(f"{table_name}.{name}: no generator")  # the spec validator prevents it


def _lookup(name: str, table: _Table, parent: _Table | None) -> np.ndarray:
    """Values of a column of the same row, or of the parent row."""
    if name in table.values:
        return table.values[name]
    return parent.values[name][table.owner]


def _numeric(column: Column, table: _Table, parent: _Table | None, rng: np.random.Generator) -> np.ndarray:
    law, n = column.loi, table.n
    factor = np.ones(n)
    for other, factors in law.multiplicateurs.items():
        values = _lookup(other, table, parent)
        factor *= np.array([factors.get(v, 1.0) for v in values])
    if law.nom == "normale":
        values = rng.normal(law.moyenne * factor, law.ecart_type * factor)
    elif law.nom == "lognormale":
        values = np.exp(rng.normal(np.log(law.moyenne * factor) - law.sigma_log**2 / 2, law.sigma_log))
    elif law.nom == "uniforme":
        values = rng.uniform(law.min, law.max, size=n) * factor
    elif law.nom == "poisson":
        values = rng.poisson(law.moyenne * factor).astype(float)
    elif law.nom == "discrete":
        levels = np.array(list(law.valeurs), dtype=float)
        weights = np.array(list(law.valeurs.values()), dtype=float)
        values = levels[rng.choice(len(levels), size=n, p=weights / weights.sum())]
    else:  # proportion of another column of the same row
        base = _lookup(law.de, table, parent)
        values = np.minimum(base, base * law.taux * factor)
    low = -np.inf if law.min is None else law.min
    high = np.inf if law.max is None else law.max
    return np.round(np.clip(values, low, high), law.decimales)


def _dates(column: Column, table: _Table, parent: _Table | None, rng: np.random.Generator) -> np.ndarray:
    """Day offsets from the reference date (negative: before it)."""
    window, n = column.dates, table.n
    if window.annees_avant_reference is not None:
        low, high = (v * YEAR_DAYS for v in window.annees_avant_reference)
        if column.generateur == "date_naissance":
            days = _ages_in_days(rng, n, *window.annees_avant_reference)
        else:
            days = np.floor(low + rng.random(n) * (high - low))
        offsets = -days.astype(np.int64)
    elif window.jours_avant_reference is not None:
        low, high = window.jours_avant_reference
        offsets = -(low + np.floor(rng.random(n) * (high - low + 1))).astype(np.int64)
    else:
        low, high = window.jours_apres_reference
        offsets = (low + np.floor(rng.random(n) * (high - low + 1))).astype(np.int64)
    if window.apres is not None:
        floor_ = _lookup(window.apres, table, parent).astype(np.int64)
        # Redraw uniformly between the floor and the window's latest day where the draw fell before it.
        latest = offsets.max(initial=-1) if window.jours_avant_reference is None else -window.jours_avant_reference[0]
        early = offsets < floor_
        span = np.maximum(latest - floor_[early], 0)
        offsets[early] = floor_[early] + np.floor(rng.random(int(early.sum())) * (span + 1)).astype(np.int64)
    return offsets


# --------------------------------------------------------------------------- people and identifiers

#: Generators answered from the per-row person record, and the field they read.
_PERSON_FIELDS = {
    "civilite": "civilite", "prenom": "prenom", "nom": "nom", "email": "email", "telephone": "telephone",
    "adresse": "adresse", "code_postal": "code_postal", "commune": "commune", "date_naissance": "naissance",
    "nir": "nir", "iban": "iban",
}


def _people(ctx: _Context, n: int, table: TableSpec) -> dict:
    """One coherent person per row: sex, names, contact, address, birth date, NIR, IBAN."""
    rng, faker, communes = ctx.rng, ctx.faker, ctx.communes
    female = rng.random(n) < 0.52
    first = np.array([faker.first_name_female() if f else faker.first_name_male() for f in female], dtype=object)
    last = np.array([faker.last_name() for _ in range(n)], dtype=object)
    street = np.array([faker.street_address() for _ in range(n)], dtype=object)
    weights = communes["population"].to_numpy(dtype=float)
    where = rng.choice(len(communes), size=n, p=weights / weights.sum())
    birth = next((c for c in table.colonnes.values() if c.generateur == "date_naissance"), None)
    ages = birth.dates.annees_avant_reference if birth is not None else _DEFAULT_AGE
    born = -_ages_in_days(rng, n, *ages)
    people = {
        "female": female,
        "civilite": np.where(female, "Mme", "M.").astype(object),
        "prenom": first,
        "nom": last,
        "adresse": street,
        "code_postal": communes["code_postal"].to_numpy(dtype=object)[where],
        "commune": communes["commune"].to_numpy(dtype=object)[where],
        "departement": communes["departement"].to_numpy(dtype=object)[where],
        "naissance": born,
    }
    used: set[str] = set()
    emails = []
    domains = next((c.domaines for c in table.colonnes.values() if c.generateur == "email"), None)
    for i in range(n):
        email = identifiers.email(rng, first[i], last[i], domains=domains)
        while email in used:
            local, _, domain = email.partition("@")
            email = f"{local}{int(rng.integers(0, 10))}@{domain}"
        used.add(email)
        emails.append(email)
    people["email"] = np.array(emails, dtype=object)
    people["telephone"] = np.array(
        [identifiers.phone_number(rng, departement=d) for d in people["departement"]], dtype=object)
    # Place of birth: any département of metropolitan France, any commune number (INSEE).
    birth_dept = rng.choice(np.array(_BIRTH_DEPARTEMENTS, dtype=object), size=n)
    birth_commune = rng.integers(1, 900, size=n)
    nirs = []
    for i in range(n):
        birth_date = ctx.spec.donnees.date_reference + dt.timedelta(days=int(born[i]))
        value = identifiers.nir(rng, sexe=2 if female[i] else 1, date_naissance=birth_date,
                                departement=str(birth_dept[i]), commune=f"{birth_commune[i]:03d}")
        nirs.append(identifiers.format_nir(value))
    people["nir"] = np.array(nirs, dtype=object)
    people["iban"] = np.array([identifiers.iban_fr(rng) for _ in range(n)], dtype=object)
    return people


def _ages_in_days(rng: np.random.Generator, n: int, youngest: float, oldest: float) -> np.ndarray:
    """Ages in whole days: a normal law (mean 47 years, sd 15) truncated to [youngest, oldest] years.

    Values outside the bounds are drawn again (not clipped, which would pile
    people up on the bounds); every age lies inside the plausible range in
    365.25-day years.
    """
    years = rng.normal(47.0, 15.0, n)
    for _ in range(50):
        outside = (years < youngest) | (years > oldest)
        if not outside.any():
            break
        years[outside] = rng.normal(47.0, 15.0, int(outside.sum()))
    years = np.clip(years, youngest, oldest)
    days = np.round(years * YEAR_DAYS)
    return np.clip(days, np.ceil(youngest * YEAR_DAYS), np.floor(oldest * YEAR_DAYS)).astype(np.int64)


def _identifier_values(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Identifiers not tied to a person: SIREN, SIRET, IBAN or NIR (random adult)."""
    if kind == "siren":
        return np.array([identifiers.siren(rng) for _ in range(n)], dtype=object)
    if kind == "siret":
        return np.array([identifiers.siret(rng, identifiers.siren(rng)) for _ in range(n)], dtype=object)
    if kind == "iban":
        return np.array([identifiers.iban_fr(rng) for _ in range(n)], dtype=object)
    raise AssertionError(kind)


# --------------------------------------------------------------------------- free text

#: Openings and closings that embed the author's personal data: (template pieces), the author's fields.
_WRAPPERS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("Bonjour, je suis ",), ("@name",), (". ",), ("@body",), (" Merci de me rappeler au ",), ("@phone",), (".",)),
    (("Bonjour, ",), ("@body_lower",), (" Cordialement, ",), ("@name",)),
    (("Bonjour, ",), ("@body_lower",), (" Vous pouvez me répondre à l'adresse ",), ("@email",), (".",)),
    (("@civ",), (" ",), ("@name",), (" : ",), ("@body_lower",), (" Tél. : ",), ("@phone",), (" / ",), ("@email",)),
    (("Bonjour, ",), ("@body_lower",), (" Rappelez-moi au ",), ("@phone",), (" s'il vous plaît.",)),
    (("@body",), (" Mon numéro de sécurité sociale est le ",), ("@nir",), (".",)),
    (("@body",), (" Pour le remboursement, mon IBAN : ",), ("@iban",), (". ",), ("@name",)),
)
_WRAPPER_ENTITIES = {"@name": "PERSON", "@phone": "PHONE_NUMBER", "@email": "EMAIL_ADDRESS",
                     "@nir": "FR_NIR", "@iban": "IBAN_CODE"}


#: Placeholders of a trainer's template (``modeles.gabarits``) -> the author's field.
_TEMPLATE_FIELDS = {"nom": "@name", "telephone": "@phone", "email": "@email", "nir": "@nir", "iban": "@iban",
                    "civilite": "@civ"}


def _wrapper(template: str) -> tuple[tuple[str], ...]:
    """A ``modeles.gabarits`` template as wrapper pieces (the body is capitalised after a sentence end)."""
    pieces: list[tuple[str]] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            pieces.append((literal,))
        if name == "texte":
            before = "".join(p[0] for p in pieces).rstrip(" ")
            pieces.append(("@body" if not before or before[-1] in ".!?:\n" else "@body_lower",))
        elif name is not None:
            pieces.append((_TEMPLATE_FIELDS[name],))
    return tuple(pieces)


def _texts(ctx: _Context, column: Column, table: _Table, parent: _Table | None):
    """Compose French free texts; return them with the spans of personal data in each."""
    models, n, rng = column.modeles, table.n, ctx.rng
    keys = _lookup(models.selon, table, parent) if models.selon else np.full(n, "*", dtype=object)
    pick = rng.random(n)
    amount = rng.integers(15, 180, size=n)
    with_pii = rng.random(n) < models.part_donnees_personnelles
    wrappers = _WRAPPERS if models.gabarits is None else tuple(_wrapper(t) for t in models.gabarits)
    variant = rng.integers(0, len(wrappers), size=n)
    author_table, author_rows = _authors(table, parent)
    if author_table is None and with_pii.any():
        author_rows = np.arange(n)
        author_table = _Table(spec=table.spec, n=n)
        author_table.people = _people(ctx, n, table.spec)
    texts, spans = [], []
    for i in range(n):
        bodies = models.corps.get(str(keys[i])) or models.corps["*"]
        body = bodies[int(pick[i] * len(bodies))].replace("{montant}", str(int(amount[i])))
        body = body[0].upper() + body[1:]
        if not with_pii[i]:
            if models.gabarits is not None:
                texts.append(body)
            else:
                texts.append(body if i % 2 else f"Bonjour, {body[0].lower() + body[1:]} Merci de votre retour.")
            spans.append([])
            continue
        people = author_table.people
        row = author_rows[i]
        fields = {
            "@name": f"{people['prenom'][row]} {people['nom'][row]}",
            "@phone": people["telephone"][row],
            "@email": people["email"][row],
            "@civ": "Madame" if people["female"][row] else "Monsieur",
            "@body": body,
            "@body_lower": body[0].lower() + body[1:],
            "@nir": people["nir"][row],
            "@iban": people["iban"][row],
        }
        template = wrappers[int(variant[i])]
        text, found = "", []
        for (piece,) in template:
            value = fields.get(piece, piece) if piece.startswith("@") else piece
            if piece in _WRAPPER_ENTITIES:
                found.append((len(text), len(text) + len(value), _WRAPPER_ENTITIES[piece]))
            text += value
        texts.append(text)
        spans.append(found)
    return np.array(texts, dtype=object), spans


def _authors(table: _Table, parent: _Table | None) -> tuple[_Table | None, np.ndarray | None]:
    """Whose personal data a text embeds: the row's own person, else the parent row's."""
    if table.people is not None:
        return table, np.arange(table.n)
    if parent is not None and parent.people is not None:
        return parent, table.owner
    return None, None


# --------------------------------------------------------------------------- aggregates, target, leak


def _aggregate(spec: CaseSpec, name: str, built: dict[str, _Table]) -> None:
    """Compute a table's aggregate columns from its (complete) child tables."""
    table = built[name]
    for column_name, column in table.spec.colonnes.items():
        agg = column.agregat
        if agg is None:
            continue
        child = built[agg.table]
        rows = np.ones(child.n, bool)
        if agg.fenetre_jours is not None:
            rows = child.values[agg.colonne_date] >= -agg.fenetre_jours
        owners = child.owner[rows]
        count = np.bincount(owners, minlength=table.n).astype(float)
        if agg.fonction == "nombre":
            values = count
        elif agg.fonction == "maximum":
            values = np.full(table.n, -np.inf)
            np.maximum.at(values, owners, child.values[agg.colonne][rows].astype(float))
            values[count == 0] = 0.0
        else:
            total = np.bincount(owners, weights=child.values[agg.colonne][rows], minlength=table.n)
            values = total if agg.fonction == "somme" else np.divide(total, count, out=np.zeros(table.n),
                                                                     where=count > 0)
        decimals = child.spec.colonnes[agg.colonne].loi.decimales if agg.colonne else 0
        table.values[column_name] = np.round(values, decimals)


def _numeric_view(spec: CaseSpec, table: _Table, name: str) -> np.ndarray:
    """A numeric or date column as numbers (dates: years before the reference date)."""
    values = table.values[name]
    if table.spec.colonnes[name].type == "date":
        return -values.astype(float) / YEAR_DAYS
    return values.astype(float)


def _zscore(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def _target(spec: CaseSpec, main: _Table, rng: np.random.Generator) -> np.ndarray:
    """Draw the binary target (and the regression target); return the true probabilities."""
    linear = np.zeros(main.n)
    for name, effect in spec.cible.effets.items():
        if isinstance(effect, dict):
            values = main.values[name]
            linear += np.array([effect.get(v, 0.0) for v in values])
        else:
            linear += effect * _zscore(_numeric_view(spec, main, name))
    low, high = -20.0, 20.0
    for _ in range(80):  # bisection: mean probability = taux_positifs
        middle = (low + high) / 2
        if (1 / (1 + np.exp(-(middle + linear)))).mean() < spec.cible.taux_positifs:
            low = middle
        else:
            high = middle
    probability = 1 / (1 + np.exp(-((low + high) / 2 + linear)))
    main.values[spec.cible.colonne] = (rng.random(main.n) < probability).astype(np.int64)
    regression = spec.cible.regression
    if regression is not None:
        signal = sum(e * _zscore(_numeric_view(spec, main, c)) for c, e in regression.effets.items())
        noise = rng.normal(0.0, 1.0, main.n)
        main.values[regression.colonne] = np.round(regression.moyenne + regression.ecart_type * (signal + noise), 2)
    return probability


def _leak(ctx: _Context, main: _Table) -> None:
    """Fill the leaking column mostly for positive rows."""
    spec, rng = ctx.spec, ctx.rng
    name = spec.leaky_column
    if name is None:
        return
    column = spec.main.colonnes[name]
    target = main.values[spec.cible.colonne]
    rates = np.where(target == 1, column.fuite.taux_positifs, column.fuite.taux_negatifs)
    filled = rng.random(main.n) < rates
    values = _column(ctx, spec.main_table, name, column, main, None, {})
    main.values[name] = values
    main.values[f"_{name}_filled"] = filled


def _stratified_holdout(rng: np.random.Generator, target: np.ndarray, fraction: float) -> np.ndarray:
    """Boolean mask of the held-out rows: ``fraction`` of each class, at random."""
    mask = np.zeros(len(target), dtype=bool)
    for value in (0, 1):
        members = np.flatnonzero(target == value)
        chosen = rng.permutation(members)[: int(round(fraction * len(members)))]
        mask[chosen] = True
    return mask


# --------------------------------------------------------------------------- formatting (CSV-ready strings)


def _iso(reference: np.datetime64, offsets: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(reference + offsets.astype("timedelta64[D]"), unit="D").astype(object)


def _number(values: np.ndarray, decimals: int) -> np.ndarray:
    if decimals == 0:
        return np.array([str(int(v)) for v in values], dtype=object)
    return np.array([f"{v:.{decimals}f}" for v in values], dtype=object)


def _format(spec: CaseSpec, name: str, table: _Table, built: dict[str, _Table]) -> pd.DataFrame:
    """The table as CSV-ready strings, columns in spec order (all rows, before the holdout)."""
    reference = np.datetime64(spec.donnees.date_reference.isoformat(), "D")
    columns: dict[str, np.ndarray] = {}
    for column_name, column in table.spec.colonnes.items():
        if table.spec.relation is not None and column_name == table.spec.relation.cle:
            parent = built[table.spec.relation.parent]
            key = parent.spec.colonnes[parent.spec.key]
            columns[column_name] = np.array([key.format.format(i + 1) for i in table.owner], dtype=object)
            continue
        values = table.values.get(column_name)
        if column.reference is not None:
            other = built[column.reference].spec
            fmt = other.colonnes[other.key].format
            columns[column_name] = np.array([fmt.format(int(i) + 1) for i in values], dtype=object)
        elif column.generateur == "sequence":
            columns[column_name] = np.array([column.format.format(i + 1) for i in range(table.n)], dtype=object)
        elif column.type == "date":
            columns[column_name] = _iso(reference, values)
        elif column.type == "numerique" or column.role == "cible":
            decimals = column.loi.decimales if column.loi is not None else (2 if column.type == "numerique"
                                                                            and column.role == "cible" else 0)
            if column.agregat is not None and column.agregat.colonne is not None:
                child = built[column.agregat.table].spec.colonnes[column.agregat.colonne]
                decimals = child.loi.decimales
            columns[column_name] = _number(values, decimals)
        else:
            columns[column_name] = np.asarray(values, dtype=object)
        if column.role == "fuite":
            columns[column_name] = np.where(table.values[f"_{column_name}_filled"], columns[column_name], "")
    return pd.DataFrame(columns, dtype=object)


def _released_spans(spec: CaseSpec, built: dict[str, _Table], formatted: dict[str, pd.DataFrame],
                    keep: dict[str, np.ndarray]) -> list[Span]:
    spans = []
    for name in spec.tables:
        table = built[name]
        keys = formatted[name][table.spec.key].to_numpy()
        for column_name, per_row in table.spans.items():
            for row in np.flatnonzero(keep[name]):
                for start, end, entity in per_row[row]:
                    spans.append(Span(table=name, column=column_name, id=str(keys[row]), start=start, end=end,
                                      entity=entity))
    return spans


def _pii(spec: CaseSpec, spans: list[Span]) -> dict[str, dict[str, list[str]]]:
    """Table -> personal column -> entity types (declared, or found in released free text)."""
    found: dict[tuple[str, str], set[str]] = {}
    for span in spans:
        found.setdefault((span.table, span.column), set()).add(span.entity)
    pii: dict[str, dict[str, list[str]]] = {}
    for name, table in spec.tables.items():
        pii[name] = {}
        for column_name, column in table.colonnes.items():
            if column.role != "donnee_personnelle":
                continue
            entities = set(found.get((name, column_name), set()))
            if column.modeles is None and column.entity:
                entities.add(column.entity)
            if entities:
                pii[name][column_name] = sorted(entities)
    return pii


# --------------------------------------------------------------------------- defects


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _broken(kind: str, column: Column, values: pd.Series, rng: np.random.Generator) -> list[str]:
    """New values carrying one defect (values are non-empty strings)."""
    if kind == "missing":
        return [""] * len(values)
    if kind == "out_of_range":
        if column.type == "date":
            years = rng.integers(1870, 1900, size=len(values))
            return [f"{y}-{v[5:7]}-{min(int(v[8:10]), 28):02d}" for y, v in zip(years, values)]
        low, high = column.plausible_range
        decimals = column.loi.decimales if column.loi is not None else 0
        if low >= 0:
            return [f"-{v}" if float(v) > 0 else _number(np.array([high * 10]), decimals)[0] for v in values]
        return list(_number(np.full(len(values), high * 10), decimals))
    # inconsistent format
    if column.type == "date":
        return [f"{v[8:10]}/{v[5:7]}/{v[0:4]}" for v in values]
    if column.generateur == "telephone":
        styles = rng.random(len(values)) < 0.5
        return [f"+33 {v[1:]}" if s else v.replace(" ", "") for v, s in zip(values, styles)]
    if column.type == "numerique":
        out = []
        for v in values:
            whole, _, decimals = v.partition(".")
            grouped = f"{int(whole):,}".replace(",", " ") if whole.lstrip("-").isdigit() else whole
            out.append(grouped + ("," + decimals if decimals else ""))
        return out
    return [_ascii(v).upper() for v in values]


def _eligible(kind: str, column: Column, values: pd.Series) -> np.ndarray:
    """Rows whose value can carry the defect (non-empty, and actually changed by it)."""
    ok = values != ""
    if kind == "inconsistent_format" and column.type == "numerique":
        ok &= values.str.contains(r"\.|\d{4}", regex=True)
    return ok.to_numpy()


def _inject_defects(spec: CaseSpec, rng: np.random.Generator, tables: dict[str, pd.DataFrame]) -> list[DefectTruth]:
    """Inject the spec's defects into the released tables (in place); duplicates last."""
    records: list[DefectTruth | None] = [None] * len(spec.defauts)
    used: dict[tuple[str, str], set[int]] = {}
    order = [i for i, d in enumerate(spec.defauts) if d.type != "doublon"]
    order += [i for i, d in enumerate(spec.defauts) if d.type == "doublon"]
    for index in order:
        defect = spec.defauts[index]
        frame = tables[defect.table]
        key = spec.tables[defect.table].key
        count = max(1, int(round(defect.taux * len(frame))))
        if defect.type == "doublon":
            rows = np.sort(rng.choice(len(frame), size=min(count, len(frame)), replace=False))
            position = np.concatenate([np.arange(len(frame), dtype=float), rng.uniform(0, len(frame), len(rows))])
            source = np.concatenate([np.arange(len(frame)), rows])
            tables[defect.table] = frame.iloc[source[np.argsort(position, kind="stable")]].reset_index(drop=True)
            ids = frame[key].to_numpy()[rows]
        else:
            column = spec.tables[defect.table].colonnes[defect.colonne]
            taken = used.setdefault((defect.table, defect.colonne), set())
            eligible = _eligible(defect.kind, column, frame[defect.colonne])
            candidates = np.array([i for i in np.flatnonzero(eligible) if i not in taken], dtype=np.int64)
            if len(candidates) == 0:
                continue
            rows = np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False))
            new = _broken(defect.kind, column, frame[defect.colonne].iloc[rows], rng)
            frame.iloc[rows, frame.columns.get_loc(defect.colonne)] = new
            taken.update(rows.tolist())
            ids = frame[key].to_numpy()[rows]
        records[index] = DefectTruth(table=defect.table, column=defect.colonne, kind=defect.kind,
                                     ids=sorted(str(i) for i in ids))
    return [r for r in records if r is not None]


def _sample(spec: CaseSpec, rng: np.random.Generator, main: pd.DataFrame, defects: list[DefectTruth]) -> pd.DataFrame:
    """``SAMPLE_ROWS`` defect-free released rows of the main table, targets dropped, leak emptied."""
    key = spec.main.key
    touched = {i for d in defects if d.table == spec.main_table for i in d.ids}
    unique = main.drop_duplicates(subset=key).sort_values(key)
    candidates = unique[~unique[key].isin(touched)]
    chosen = np.sort(rng.choice(len(candidates), size=min(SAMPLE_ROWS, len(candidates)), replace=False))
    sample = candidates.iloc[chosen].drop(columns=spec.target_columns).reset_index(drop=True)
    if spec.leaky_column:
        sample[spec.leaky_column] = ""
    return sample
