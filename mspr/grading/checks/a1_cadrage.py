"""A1 — opportunity study (``a1_cadrage``): the GDPR data audit, graded on its artefacts.

Three checks share A1C6's 4 points:

- ``A1C6.pii_columns`` (1 point): the column classification the team
  recorded, against the ground truth;
- ``A1C6.pseudonymisation`` (2 points): the pseudonymised tables the team
  wrote, scanned for every personal datum of the ground truth still there
  (columns and free-text spans), weighted by GDPR category, and for joins
  that still work;
- ``A1C6.registre`` (1 point): the register of processing activities
  (registre des traitements, RGPD art. 30) the team wrote, which must cover
  every personal category of the case with a legal basis and a retention
  period.

A classification typed without the artefacts earns at most 1 point of 4.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, TypeAdapter

from mspr.grading.checks._core import AnswerError, CheckContext, Text, check, untrusted_file

#: ``A1C6.pii_columns``: table -> column -> entity types.
PII_ANSWER = TypeAdapter(dict[Text, dict[Text, Annotated[list[Text], Field(max_length=50)]]])

#: ``A1C6.livrables``: folder of the audit's artefacts, relative to the notebook's folder.
LIVRABLES_ANSWER = TypeAdapter(Text)

#: Weight of one personal datum left in a pseudonymised table, by entity type
#: (RGPD art. 9 and CNIL: the NIR and health data are the most protected;
#: bank details next). Entity types not listed weigh 1.
ENTITY_WEIGHTS = {"FR_NIR": 4.0, "MEDICAL": 4.0, "IBAN_CODE": 2.0}

#: Factor of each GDPR category: an indirect identifier (a town, a postcode,
#: a birth date) left as it was costs a quarter of a direct one.
CATEGORY_FACTORS = {"identifiant_direct": 1.0, "identifiant_indirect": 0.25}

#: Entity types compared without their separators (spaces, dots, dashes).
_COMPACTED = ("FR_NIR", "IBAN_CODE", "PHONE_NUMBER", "FR_SIREN", "FR_SIRET")


@check("A1C6.pii_columns", assignment="a1_cadrage", max_score=1, schema=PII_ANSWER,
       label="Audit RGPD : catégories de données personnelles par colonne (Presidio)",
       scoring="mean, over the columns that the answer or the ground truth flags, of the Jaccard index "
               "between the named and the true personal-data categories (Presidio entity types)")
def pii_columns(ctx: CheckContext, answer: dict[str, dict[str, list[str]]]) -> tuple[float, str]:
    """Mean Jaccard index between found and true entity sets, per column.

    The mean runs over the columns where the answer or the ground truth names
    at least one entity type, so an empty answer scores 0 and a column flagged
    wrongly costs as much as a column missed.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.pii``.
    answer : dict of str to dict of str to list of str
        ``{table: {column: [entity type, ...]}}`` of Presidio entity types
        (``PERSON``, ``FR_NIR``…).

    Returns
    -------
    fraction : float
        Mean Jaccard index over the columns named by the answer or the
        truth, in [0, 1].
    evidence : str
        French sentence: exact columns, expected personal columns, columns
        missed or incomplete, columns flagged wrongly.
    """
    truth = {(t, c): set(v) for t, cols in ctx.ground_truth.pii.items() for c, v in cols.items() if v}
    found = {(t, c): set(v) for t, cols in answer.items() for c, v in cols.items() if v}
    keys = sorted(set(truth) | set(found))
    if not keys:
        return 0.0, "aucune colonne signalée"
    scores = {k: len(truth.get(k, set()) & found.get(k, set())) / len(truth.get(k, set()) | found.get(k, set()))
              for k in keys}
    missed = [f"{t}.{c}" for (t, c) in keys if (t, c) in truth and not truth[(t, c)] <= found.get((t, c), set())]
    wrong = [f"{t}.{c}" for (t, c) in keys if (t, c) not in truth]
    evidence = (f"{sum(v == 1 for v in scores.values())}/{len(keys)} colonnes exactes ; "
                f"{len(truth)} colonnes personnelles attendues")
    if missed:
        evidence += f" ; manquées ou incomplètes : {', '.join(missed)}"
    if wrong:
        evidence += f" ; signalées à tort : {', '.join(wrong)}"
    return sum(scores.values()) / len(keys), evidence


# -- the pseudonymised tables ------------------------------------------------------------

def _team_file(ctx: CheckContext, folder: Path, name: str) -> Path | None:
    """``folder/name`` with its links resolved, or None when it leads out of the team's folder.

    The folder itself was checked with :meth:`CheckContext.inside`; each file
    in it must be too: a symbolic link to the ground truth, to another team's
    artefact or to a system file would otherwise be read by the grader (root,
    outside the sandbox) as the team's work.
    """
    try:
        return ctx.inside(str(folder / name))
    except AnswerError:
        return None


#: French note for the files ignored because they lead out of the team's folder.
OUTSIDE = "lien symbolique hors du dossier du rendu, fichier ignoré"


def _read_table(path: Path):
    """A CSV as text, empty cells as ``""``."""
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python")


def _compact(value: str) -> str:
    from mspr.case.identifiers import compact

    return compact(value)


def _weight(entities: list[str], category: str | None) -> float:
    """Weight of one value of a column (or span) of these entity types and GDPR category."""
    base = max((ENTITY_WEIGHTS.get(e, 1.0) for e in entities), default=1.0)
    return base * CATEGORY_FACTORS.get(category or "identifiant_direct", 1.0)


def _column_leaks(original, produced, truth, table: str) -> tuple[dict[str, list[float]], list[str]]:
    """Per personal column of ``table`` (not free text): [share of its values left, its weight]."""
    cells = {str(v).strip() for column in produced.columns for v in produced[column]} - {""}
    compact_cells = {_compact(v) for v in cells}
    free_text = {s.column for s in truth.pii_spans if s.table == table}
    out, notes = {}, []
    for column, entities in truth.pii.get(table, {}).items():
        category = truth.gdpr_categories.get(table, {}).get(column)
        if column in free_text or category not in CATEGORY_FACTORS or column not in original:
            continue
        weight = _weight(entities, category)
        values = [str(v).strip() for v in original[column] if str(v).strip()]
        if category == "identifiant_indirect":  # generalised values are fine: compare in the same column
            same = set(produced[column]) if column in produced else set()
            left = sum(v in same for v in values)
        else:
            compacted = any(e in _COMPACTED for e in entities)
            left = sum(v in cells or (compacted and _compact(v) in compact_cells) for v in values)
        out[f"{table}.{column}"] = [left / len(values) if values else 0.0, weight]
        if left:
            notes.append(f"{table}.{column} ({left}/{len(values)})")
    return out, notes


def _span_leaks(original, produced, truth, table: str) -> tuple[dict[str, list[float]], list[str]]:
    """Per free-text column of ``table``: [weighted share of the truth's spans left, its weight].

    The column weighs as its heaviest entity type (a text that may hold a NIR weighs as a NIR column).
    """
    key = truth.tables[table].key
    out, notes = {}, []
    spans = [s for s in truth.pii_spans if s.table == table]
    for column in sorted({s.column for s in spans}):
        texts = dict(zip(original[key], original[column])) if key in original and column in original else {}
        target = produced[column] if column in produced else produced.astype(str).agg(" ".join, axis=1)
        haystack = "\n".join(str(v) for v in target)
        left = total = 0.0
        count = 0
        for span in (s for s in spans if s.column == column):
            value = str(texts.get(span.id, ""))[span.start : span.end]
            weight = _weight([span.entity], "identifiant_direct")
            total += weight
            if value and value in haystack:
                left += weight
                count += 1
        field = max((_weight([s.entity], "identifiant_direct") for s in spans if s.column == column), default=1.0)
        out[f"{table}.{column} (texte libre)"] = [left / total if total else 0.0, field]
        if count:
            notes.append(f"{table}.{column} : {count} donnée(s) du texte libre")
    return out, notes


def _joins(produced: dict, truth) -> tuple[float, list[str]]:
    """Share of child rows whose foreign key still finds its parent, averaged over the relations."""
    shares, notes = [], []
    for table, tt in truth.tables.items():
        for column, parent in tt.foreign_keys.items():
            child, mother = produced.get(table), produced.get(parent)
            parent_key = truth.tables[parent].key
            if child is None or mother is None or column not in child or parent_key not in mother:
                shares.append(0.0)
                notes.append(f"{table}.{column} → {parent} : colonne ou table absente")
                continue
            values = [v for v in child[column] if v]
            share = sum(v in set(mother[parent_key]) for v in values) / len(values) if values else 0.0
            shares.append(share)
            if share < 1:
                notes.append(f"{table}.{column} → {parent} : {share:.0%} des lignes retrouvent leur parent")
    return (sum(shares) / len(shares) if shares else 1.0), notes


@check("A1C6.pseudonymisation", assignment="a1_cadrage", max_score=2, schema=LIVRABLES_ANSWER,
       answer="A1C6.livrables",
       label="Audit RGPD : tables pseudonymisées produites (données personnelles retirées, jointures intactes)",
       scoring="reads <folder>/<table>.csv for every table; removal = 1 − weighted mean, over the personal "
               "columns and free-text columns of the ground truth, of the share of their values still present "
               "(direct identifiers anywhere in the table, free-text spans in their column, indirect identifiers "
               "unchanged in their column; a column weighs 4 for a NIR or health data, 2 for an IBAN, 1 otherwise, "
               "×0.25 for an indirect identifier); joins = share of child rows whose foreign key "
               "finds its parent; score = (0.75 removal + 0.25 joins) × share of rows kept (capped at 1)")
@untrusted_file
def pseudonymisation(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Scan the team's pseudonymised tables against the ground truth.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the released tables are read from the
        case build (``ctx.ground_truth_dir.parent``), the truth is
        ``ctx.ground_truth.pii``, ``gdpr_categories`` and ``pii_spans``.
    answer : str
        Folder of the artefacts, relative to the notebook's folder
        (``livrables_a1``); one ``<table>.csv`` per released table, comma
        or semicolon separated, UTF-8.

    Returns
    -------
    fraction : float
        ``(0.75 × removal + 0.25 × joins) × kept``, in [0, 1]: removal is 1
        minus the weighted mean, over the personal columns (free-text ones
        included), of the share of their values left (column weights
        :data:`ENTITY_WEIGHTS` × :data:`CATEGORY_FACTORS`), joins the mean
        share of child rows whose foreign key finds its parent's key, kept
        the smallest share of rows kept over the tables (a table emptied
        hides nothing).
    evidence : str
        French sentence naming the columns where personal data are left,
        the broken joins, the missing tables and those ignored because their
        file is a link out of the team's folder (counted as missing).

    Raises
    ------
    AnswerError
        If the folder is missing or outside the submission.
    """
    folder = ctx.inside(answer)
    if not folder.is_dir():
        raise AnswerError(f"dossier des livrables « {answer} » absent : les tables pseudonymisées n'ont pas été écrites")
    truth = ctx.ground_truth
    root = ctx.ground_truth_dir.parent
    produced, leaks, missing, kept, outside = {}, {}, [], [], []
    for table, tt in truth.tables.items():
        original = _read_table(root / tt.file)
        path = _team_file(ctx, folder, f"{table}.csv")
        if path is None:  # counted as missing: nothing of it is the team's work that the grader may read
            outside.append(f"{table}.csv")
        if path is None or not path.is_file():
            missing.append(f"{table}.csv")
            kept.append(0.0)
            continue
        mine = _read_table(path)
        produced[table] = mine
        distinct = original[tt.key].nunique() if tt.key in original else len(original)
        kept.append(min(1.0, len(mine) / max(1, distinct)))
        for found, _ in (_column_leaks(original, mine, truth, table), _span_leaks(original, mine, truth, table)):
            leaks.update(found)
    left = sum(share * weight for share, weight in leaks.values())
    total = sum(weight for _, weight in leaks.values())
    # a missing table leaves all its personal data unverified: counted as left
    for table in (m[:-4] for m in missing):
        for column, entities in truth.pii.get(table, {}).items():
            category = truth.gdpr_categories.get(table, {}).get(column)
            if category in CATEGORY_FACTORS:
                weight = _weight(entities, category)
                left, total = left + weight, total + weight
    removal = 1 - left / total if total else 1.0
    joins, join_notes = _joins(produced, truth)
    share = min(kept) if kept else 0.0
    fraction = (0.75 * removal + 0.25 * joins) * share
    evidence = (f"données personnelles retirées : {removal:.0%} (pondéré RGPD) ; jointures : {joins:.0%} ; "
                f"lignes conservées : {share:.0%}")
    # the heaviest leaks first (a NIR before a first name)
    notes = [f"{label} : {share_:.0%} des valeurs" for label, (share_, _)
             in sorted(leaks.items(), key=lambda item: -item[1][0] * item[1][1]) if share_ > 0]
    if notes:
        evidence += f" ; encore présentes : {', '.join(notes[:8])}"
    absent = [m for m in missing if m not in outside]
    if absent:
        evidence += f" ; tables absentes : {', '.join(absent)}"
    if outside:
        evidence += f" ; {', '.join(outside)} : {OUTSIDE} (compté comme table absente)"
    if join_notes:
        evidence += f" ; {', '.join(join_notes[:4])}"
    return fraction, evidence.replace("%", " %")


# -- the register of processing activities -----------------------------------------------

#: Words that name each entity type in a register (lower case, accents kept).
CATEGORY_WORDS = {
    "PERSON": ("person", "nom", "prénom", "prenom", "identité", "identite", "état civil", "etat civil"),
    "EMAIL_ADDRESS": ("email", "e-mail", "courriel", "adresse électronique", "adresse electronique", "mail"),
    "PHONE_NUMBER": ("phone", "téléphone", "telephone"),
    "LOCATION": ("location", "adresse", "commune", "ville", "code postal", "localisation", "domicile"),
    "DATE_TIME": ("date_time", "date de naissance", "naissance", "âge", "age"),
    "FR_NIR": ("nir", "sécurité sociale", "securite sociale", "numéro d'inscription"),
    "IBAN_CODE": ("iban", "rib", "bancaire"),
    "FR_SIREN": ("siren",),
    "FR_SIRET": ("siret",),
    "ORGANIZATION": ("organization", "raison sociale", "organisation", "entreprise"),
    "MEDICAL": ("medical", "médical", "santé", "sante", "soin"),
    "NRP": ("nrp", "nationalité", "nationalite", "origine"),
}

#: Legal bases of RGPD art. 6.1 (words that name them).
LEGAL_BASES = ("consentement", "contrat", "contractuel", "obligation légale", "obligation legale",
               "intérêts vitaux", "interets vitaux", "intérêt vital", "mission d'intérêt public",
               "mission d'interet public", "intérêt public", "interet public", "intérêt légitime",
               "interet legitime", "intérêts légitimes", "6.1", "6-1", "art. 6", "article 6")

#: Fields every entry of the register must fill (RGPD art. 30.1), French key -> accepted keys.
REGISTER_FIELDS = {
    "finalite": ("finalite", "finalité", "finalites", "finalités", "purpose"),
    "base_legale": ("base_legale", "base légale", "base_juridique", "legal_basis"),
    "categories_donnees": ("categories_donnees", "catégories_données", "categories_de_donnees", "donnees", "data"),
    "categories_personnes": ("categories_personnes", "catégories_personnes", "personnes_concernees",
                             "personnes_concernées", "personnes", "data_subjects"),
    "destinataires": ("destinataires", "recipients"),
    "duree_conservation": ("duree_conservation", "durée_conservation", "duree_de_conservation", "conservation",
                           "retention"),
    "mesures_securite": ("mesures_securite", "mesures_sécurité", "mesures_de_securite", "securite", "sécurité",
                         "security"),
}


def _as_text(value) -> str:
    """Any YAML/JSON value as lower-case text."""
    if isinstance(value, dict):
        return " ".join(f"{k} {_as_text(v)}" for k, v in value.items()).lower()
    if isinstance(value, list | tuple):
        return " ".join(_as_text(v) for v in value).lower()
    return "" if value is None else str(value).lower()


def _field(entry: dict, name: str):
    norm = {str(k).strip().lower().replace(" ", "_"): v for k, v in entry.items()}
    for key in REGISTER_FIELDS[name]:
        value = norm.get(key.replace(" ", "_"))
        if value not in (None, "", [], {}):
            return value
    return None


def _named_categories(value) -> set[str]:
    """Entity types named in a ``categories_donnees`` field (codes or French words)."""
    words = value if isinstance(value, list) else [value]
    found = set()
    for word in words:
        text = _as_text(word)
        upper = str(word).strip().upper() if not isinstance(word, dict | list) else ""
        if upper in CATEGORY_WORDS:
            found.add(upper)
            continue
        for entity, names in CATEGORY_WORDS.items():
            if any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text) for n in names):
                found.add(entity)
    return found


def read_register(path: Path) -> list[dict]:
    """Read a register of processing activities (YAML or JSON).

    Parameters
    ----------
    path : pathlib.Path
        ``registre_traitements.yaml``, ``.yml`` or ``.json``: either a list
        of entries or a mapping with a ``traitements`` list; each entry a
        mapping with the keys of :data:`REGISTER_FIELDS`.

    Returns
    -------
    list of dict
        The entries.

    Raises
    ------
    AnswerError
        If the file is not a list of mappings.
    """
    import yaml

    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if isinstance(data, dict):
        data = data.get("traitements", data.get("registre"))
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise AnswerError(f"{path.name} : attendu une liste « traitements » d'entrées (finalité, base légale…)")
    return data


@check("A1C6.registre", assignment="a1_cadrage", max_score=1, schema=LIVRABLES_ANSWER,
       answer="A1C6.livrables",
       label="Registre des traitements : chaque catégorie de données personnelles, avec base légale et durée "
             "de conservation",
       scoring="reads <folder>/registre_traitements.yaml (or .yml, .json); coverage = share of the case's personal "
               "entity types named by an entry that has an art. 6 legal basis and a retention period; "
               "completeness = mean share of the 7 art. 30 fields filled per entry; score = coverage × completeness")
@untrusted_file
def registre(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Check the register covers every personal category with a legal basis and a retention period.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the case's personal categories are the
        entity types of ``ctx.ground_truth.pii``.
    answer : str
        Folder of the artefacts, relative to the notebook's folder.

    Returns
    -------
    fraction : float
        Coverage × completeness, in [0, 1] (see ``scoring``).
    evidence : str
        French sentence: categories covered and missing, entries without a
        legal basis, a retention period or another art. 30 field.

    Raises
    ------
    AnswerError
        If the folder or the register file is missing, or unreadable, or the
        register is a link out of the team's folder (ignored).
    """
    folder = ctx.inside(answer)
    names = [f"registre_traitements.{ext}" for ext in ("yaml", "yml", "json")]
    outside = [n for n in names if os.path.lexists(folder / n) and _team_file(ctx, folder, n) is None]
    path = next((p for n in names if n not in outside and (p := _team_file(ctx, folder, n)) and p.is_file()), None)
    if path is None and outside:
        raise AnswerError(f"{answer}/{outside[0]} : {OUTSIDE} (registre des traitements absent du rendu)")
    if path is None:
        raise AnswerError(f"registre des traitements absent ({answer}/registre_traitements.yaml)")
    entries = read_register(path)
    expected = {e for cols in ctx.ground_truth.pii.values() for ents in cols.values() for e in ents}
    covered, incomplete, fills = set(), [], []
    for number, entry in enumerate(entries, start=1):
        filled = {name: _field(entry, name) for name in REGISTER_FIELDS}
        fills.append(sum(v is not None for v in filled.values()) / len(REGISTER_FIELDS))
        basis = _as_text(filled["base_legale"])
        retention = _as_text(filled["duree_conservation"])
        legal = any(b in basis for b in LEGAL_BASES)
        kept = bool(re.search(r"\d|durée|duree|an\b|ans\b|mois|jour", retention))
        if legal and kept and filled["categories_donnees"] is not None:
            covered |= _named_categories(filled["categories_donnees"])
        else:
            incomplete.append(f"n° {number} ({'base légale' if not legal else 'durée de conservation'} manquante)")
    coverage = len(expected & covered) / len(expected) if expected else 1.0
    completeness = sum(fills) / len(fills) if fills else 0.0
    evidence = (f"{len(entries)} traitement(s) ; catégories couvertes : {len(expected & covered)}/{len(expected)} ; "
                f"champs de l'article 30 renseignés : {completeness:.0%}")
    if expected - covered:
        evidence += f" ; catégories absentes : {', '.join(sorted(expected - covered))}"
    if incomplete:
        evidence += f" ; entrées incomplètes : {', '.join(incomplete[:5])}"
    return coverage * completeness, evidence.replace("%", " %")
