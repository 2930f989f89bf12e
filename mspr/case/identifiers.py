"""French identifiers: generators and validators, one place for their rules.

Each kind of identifier found in a case's data has a generator, which draws a
valid value from a ``numpy.random.Generator`` (deterministic for a given
generator state), and a validator, which tells whether a text is a valid value
of that kind whatever its formatting (spaces, no-break spaces U+00A0 and
U+202F, dashes, dots). The generators produce values their validators accept;
the grader, :mod:`mspr.pii`'s recognizers and the case build all share these
validators through :data:`VALIDATORS`, keyed by Presidio entity type.

=================  ===============================  ==========================================
entity type        generator                        rule (source)
=================  ===============================  ==========================================
``PHONE_NUMBER``   :func:`phone_number`             numbering plan (ARCEP), checked with
                                                    ``phonenumbers`` (libphonenumber)
``FR_NIR``         :func:`nir`                      key = 97 − body mod 97, Corsica 2A → 19,
                                                    2B → 18 (INSEE)
``IBAN_CODE``      :func:`iban_fr`                  RIB key (Banque de France) and
                                                    mod 97 = 1 (ISO 13616)
``FR_SIREN``       :func:`siren`                    Luhn (INSEE, Sirene register)
``FR_SIRET``       :func:`siret`                    Luhn; La Poste: digit sum multiple of 5
``EMAIL_ADDRESS``  :func:`email`                    dot-atom ``local@domain`` (RFC 5322
                                                    subset)
=================  ===============================  ==========================================

Nothing here reads a file or the network; ``phonenumbers`` carries its
metadata in the package.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from mspr.errors import MsprError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = [
    "BANK_CODES",
    "EMAIL_DOMAINS",
    "LA_POSTE_SIREN",
    "VALIDATORS",
    "compact",
    "email",
    "format_nir",
    "iban_fr",
    "is_valid_email",
    "is_valid_iban",
    "is_valid_nir",
    "is_valid_phone",
    "is_valid_siren",
    "is_valid_siret",
    "luhn_check_digit",
    "luhn_is_valid",
    "nir",
    "nir_key",
    "normalise_departement",
    "phone_number",
    "phone_zone",
    "rib_key",
    "siren",
    "siret",
]

# --------------------------------------------------------------------------- formatting

#: Separators a person or a spreadsheet puts inside an identifier: white space
#: (including U+00A0 no-break space and U+202F narrow no-break space), dots,
#: hyphen-minus and the Unicode dashes (U+2010–U+2015, U+2212).
_SEPARATORS = re.compile(r"[\s\u00a0\u202f.\-\u2010-\u2015\u2212]")


def compact(text: str) -> str:
    """Remove the separators of a formatted identifier and upper-case it.

    Parameters
    ----------
    text : str
        An identifier as written, e.g. ``"06 12 34 56 78"``,
        ``"1 85 03 75 123 456 41"`` or ``"FR76 3000 4000 …"``.

    Returns
    -------
    str
        ``text`` without white space (any Unicode space, including U+00A0
        and U+202F), dots and dashes, upper-cased.

    Examples
    --------
    >>> compact("06\u202f12.34-56 78")
    '0612345678'
    """
    return _SEPARATORS.sub("", str(text)).upper()


# --------------------------------------------------------------------------- départements


#: Départements of metropolitan France (INSEE codes), Corsica as 2A/2B.
_METROPOLE = tuple(f"{n:02d}" for n in range(1, 96) if n != 20) + ("2A", "2B")
#: Overseas départements and collectivities with an INSEE code in 97x.
_OUTRE_MER = {
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
    "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
}


def normalise_departement(departement: str) -> str:
    """Return the INSEE code of a département, checked.

    Parameters
    ----------
    departement : str
        ``"69"``, ``"1"`` or ``"01"``, ``"2a"``/``"2A"``, ``"971"``… (an int
        is accepted too).

    Returns
    -------
    str
        Two characters for metropolitan France (``"01"``–``"95"``, ``"2A"``,
        ``"2B"``), three digits overseas (``"971"``–``"978"``).

    Raises
    ------
    MsprError
        If the code is not a French département (``"20"`` is refused: Corsica
        is ``2A`` or ``2B`` since 1976).

    Examples
    --------
    >>> normalise_departement("2a"), normalise_departement("1")
    ('2A', '01')
    """
    code = str(departement).strip().upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    if code in _METROPOLE or code in _OUTRE_MER:
        return code
    hint = "un code INSEE de département : 01 à 95, 2A ou 2B pour la Corse, 971 à 978 outre-mer"
    if code == "20":
        hint = "la Corse est divisée en deux départements : 2A (Corse-du-Sud) ou 2B (Haute-Corse)"
    raise MsprError(f"département inconnu : {departement!r}", hint=hint)


# --------------------------------------------------------------------------- phone numbers (ARCEP)

#: Geographic zone (first two digits of a national number, ARCEP numbering
#: plan) of each metropolitan département: 01 Île-de-France, 02 Nord-Ouest,
#: 03 Nord-Est, 04 Sud-Est (with Corsica), 05 Sud-Ouest.
_ZONE_DEPARTEMENTS = {
    "01": "75 77 78 91 92 93 94 95",
    "02": "14 18 22 27 28 29 35 36 37 41 44 45 49 50 53 56 61 72 76 85",
    "03": "02 08 10 21 25 39 51 52 54 55 57 58 59 60 62 67 68 70 71 80 88 89 90",
    "04": "01 03 04 05 06 07 11 13 15 26 30 34 38 42 43 48 63 66 69 73 74 83 84 2A 2B",
    "05": "09 12 16 17 19 23 24 31 32 33 40 46 47 64 65 79 81 82 86 87",
}
_ZONES = {d: zone for zone, codes in _ZONE_DEPARTEMENTS.items() for d in codes.split()}


#: Numbering plan of the overseas départements (ARCEP; libphonenumber models
#: them as regions of their own): libphonenumber region, geographic prefix,
#: then the first digits of the geographic and mobile blocks drawn (each
#: followed by random digits up to 10 digits).
_OVERSEAS_PHONES = {
    "971": ("GP", "0590", ("05909", "059082", "059084"), ("0690",)),
    "972": ("MQ", "0596", ("05963", "05965", "05966", "05967"), ("0696", "0697")),
    "973": ("GF", "0594", ("05942", "05943", "05949"), ("06940", "06942", "06949")),
    "974": ("RE", "0262", ("02622", "02624", "02625"), ("0692",)),
    "976": ("YT", "0269", ("02696",), ("06392", "06396", "06397")),
}
#: libphonenumber regions tried, in order, for a French national number.
_PHONE_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF")

#: Metropolitan mobile blocks (ARCEP: 06 and 07; libphonenumber's FR mobile
#: pattern leaves out 063 9, 069 0–4/6/7 and 070–072) with weights.
_MOBILE_BLOCKS = (
    ("060", 1), ("061", 1), ("062", 1), ("064", 1), ("065", 1), ("066", 1), ("067", 1), ("068", 1),
    ("073", 0.6), ("074", 0.6), ("075", 0.6), ("076", 0.6), ("077", 0.6), ("078", 0.6),
)
#: Second digit after the zone allowed for geographic numbers (ARCEP
#: allocations in libphonenumber's FR fixed-line pattern: no 026 2/0262
#: (La Réunion), no 040, no 059 (Antilles-Guyane)).
_GEOGRAPHIC_NEXT = {"01": "123456789", "02": "1234578", "03": "123456789", "04": "123456789", "05": "12345678"}


def phone_zone(departement: str) -> str:
    """Return the geographic prefix of the telephone numbers of a département.

    Parameters
    ----------
    departement : str
        INSEE code of the département (``"69"``, ``"2A"``, ``"971"``…).

    Returns
    -------
    str
        ``"01"`` Île-de-France, ``"02"`` Nord-Ouest, ``"03"`` Nord-Est,
        ``"04"`` Sud-Est, ``"05"`` Sud-Ouest (ARCEP numbering plan), or the
        four-digit prefix of an overseas département: ``"0590"`` Guadeloupe,
        ``"0596"`` Martinique, ``"0594"`` Guyane, ``"0262"`` La Réunion,
        ``"0269"`` Mayotte.

    Raises
    ------
    MsprError
        If the département is unknown or has no numbering plan here
        (Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin).

    Examples
    --------
    >>> phone_zone("69"), phone_zone("29"), phone_zone("971")
    ('04', '02', '0590')
    """
    code = normalise_departement(departement)
    if code in _ZONES:
        return _ZONES[code]
    if code in _OVERSEAS_PHONES:
        return _OVERSEAS_PHONES[code][1]
    raise MsprError(
        f"pas de plan de numérotation téléphonique pour le département {code} ({_OUTRE_MER[code]})",
        hint="choisissez un département de métropole ou 971, 972, 973, 974, 976",
    )


def _spaced(digits: str) -> str:
    """``"0612345678"`` → ``"06 12 34 56 78"`` (French national format)."""
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _random_digits(rng: np.random.Generator, count: int) -> str:
    return "".join(str(int(d)) for d in rng.integers(0, 10, size=count))


def phone_number(rng: np.random.Generator, *, departement: str | None = None, mobile_share: float = 0.6) -> str:
    """Draw a valid French telephone number, in national format.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness (the number depends only on its state).
    departement : str, optional
        INSEE code of the holder's département: geographic numbers then get
        its zone (:func:`phone_zone`) and, overseas, mobiles its mobile
        blocks (0690 Guadeloupe, 0696/0697 Martinique, 0694 Guyane, 0692
        La Réunion, 0639 Mayotte). Without it, geographic numbers get a zone
        at random among 01–05.
    mobile_share : float, default=0.6
        Probability (fraction in [0, 1]) of a mobile number.

    Returns
    -------
    str
        Ten digits in pairs, e.g. ``"06 12 34 56 78"`` or ``"04 72 10 30 30"``:
        mobiles 06/07, geographic numbers 01–05, drawn from blocks of the
        ARCEP numbering plan, and always accepted by :func:`is_valid_phone`.

    Raises
    ------
    MsprError
        If ``departement`` is unknown or ``mobile_share`` is outside [0, 1].

    Notes
    -----
    libphonenumber (``phonenumbers``) checks metropolitan numbers with the
    region ``"FR"`` and overseas numbers with their own region (GP, MQ, GF,
    RE, YT): a national number ``0590…`` is valid for ``"GP"``, not for
    ``"FR"``. The result is checked that way before it is returned.

    Examples
    --------
    >>> import numpy as np
    >>> number = phone_number(np.random.default_rng(0), departement="69")
    >>> is_valid_phone(number)
    True
    """
    if not 0 <= mobile_share <= 1:
        raise MsprError(
            f"part de mobiles invalide : {mobile_share!r}", hint="indiquez une proportion entre 0 et 1"
        )
    code = normalise_departement(departement) if departement is not None else None
    zone = phone_zone(code) if code is not None else None
    for _ in range(100):
        mobile = rng.random() < mobile_share
        if code in _OVERSEAS_PHONES:
            _, _, fixed_blocks, mobile_blocks = _OVERSEAS_PHONES[code]
            blocks = mobile_blocks if mobile else fixed_blocks
            prefix = blocks[int(rng.integers(0, len(blocks)))]
        elif mobile:
            weights = [w for _, w in _MOBILE_BLOCKS]
            index = int(rng.choice(len(_MOBILE_BLOCKS), p=[w / sum(weights) for w in weights]))
            prefix = _MOBILE_BLOCKS[index][0]
        else:
            chosen = zone if zone is not None else f"0{int(rng.integers(1, 6))}"
            allowed = _GEOGRAPHIC_NEXT[chosen]
            prefix = chosen + allowed[int(rng.integers(0, len(allowed)))]
        digits = prefix + _random_digits(rng, 10 - len(prefix))
        if _phone_region(digits) is not None:
            return _spaced(digits)
    raise RuntimeError(f"no valid phone number drawn for département {code}")  # pragma: no cover


def _phone_region(number: str) -> str | None:
    """The libphonenumber region in which ``number`` is valid, or None."""
    import phonenumbers

    for region in _PHONE_REGIONS:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(parsed):
            return region
        if number.startswith("+"):  # the region is in the number: no other to try
            return None
    return None


def is_valid_phone(text: str) -> bool:
    """Tell whether ``text`` is a valid telephone number, French by default.

    Parameters
    ----------
    text : str
        A number in national format (``"06 12 34 56 78"``, ``"0590 12 34 56"``)
        or international format (``"+33 6 12 34 56 78"``); spaces, no-break
        spaces, dots and dashes are ignored, as is ``"(0)"`` after the
        country code.

    Returns
    -------
    bool
        True if libphonenumber (``phonenumbers.is_valid_number``, ARCEP
        numbering plan) accepts the number parsed with the region ``"FR"``,
        or, for a national number of an overseas département, with that
        département's region (GP, MQ, GF, RE, YT, PM, BL, MF).

    Examples
    --------
    >>> is_valid_phone("06 12 34 56 78"), is_valid_phone("+33 6 12 34 56 78")
    (True, True)
    >>> is_valid_phone("07 01 23 45 67")  # 070 is not allocated
    False
    """
    if not isinstance(text, str):
        return False
    number = compact(text).replace("(0)", "")
    if not re.fullmatch(r"\+?[0-9]{6,15}", number):
        return False
    return _phone_region(number) is not None


# --------------------------------------------------------------------------- NIR (INSEE)

#: Corsica's département codes are replaced by these numbers before the NIR
#: key is computed (INSEE: « 2A » → 19, « 2B » → 18).
_CORSICA = {"2A": "19", "2B": "18"}
#: sex (1, 2; 3, 4, 7, 8 for provisional numbers), year, month (01–12, or
#: 20–99 for unknown or special months), département and commune (5 chars,
#: 2A/2B allowed), order (3 digits), key (2 digits).
_NIR_SHAPE = re.compile(r"^[1-478]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2[AB])\d{8}$")


def nir_key(body: str) -> int:
    """Compute the key of a NIR (numéro de sécurité sociale).

    INSEE rule: key = 97 − (the 13-digit body modulo 97). For people born in
    Corsica, the département « 2A » is read as 19 and « 2B » as 18.

    Parameters
    ----------
    body : str
        The first 13 characters of the NIR (separators allowed), e.g.
        ``"1 85 03 75 123 456"`` or ``"2 90 12 2A 004 017"``.

    Returns
    -------
    int
        The key, in [1, 97].

    Raises
    ------
    ValueError
        If ``body`` is not 13 digits (with ``2A``/``2B`` allowed in the
        département).

    Examples
    --------
    >>> nir_key("1850375123456")
    41
    """
    digits = compact(body)
    if digits[5:7] in _CORSICA:
        digits = digits[:5] + _CORSICA[digits[5:7]] + digits[7:]
    if len(digits) != 13 or not digits.isdigit():
        raise ValueError(f"corps de NIR invalide (13 chiffres attendus, 2A/2B permis) : {body!r}")
    return 97 - int(digits) % 97


def is_valid_nir(text: str) -> bool:
    """Tell whether ``text`` is a well-formed NIR with a correct key.

    Parameters
    ----------
    text : str
        15 characters once separators are removed: sex (1, 2, or 3, 4, 7, 8
        for provisional numbers), year, month, département and commune
        (``2A``/``2B`` allowed; ``97x`` + 2 digits overseas), order number,
        key.

    Returns
    -------
    bool
        True if the shape is right and the last two digits equal
        :func:`nir_key` of the first 13 characters (INSEE rule).

    Examples
    --------
    >>> is_valid_nir("1 85 03 75 123 456 41"), is_valid_nir("1 85 03 75 123 456 42")
    (True, False)
    """
    if not isinstance(text, str):
        return False
    digits = compact(text)
    if not _NIR_SHAPE.match(digits):
        return False
    return nir_key(digits[:13]) == int(digits[13:])


def _commune_part(departement: str, commune: str) -> str:
    """The commune digits of a NIR: 3 in metropolitan France, 2 overseas (INSEE)."""
    width = 5 - len(departement)
    code = str(commune).strip().upper()
    if len(code) == 5 and code.startswith(departement):  # full INSEE code, e.g. 69123, 2A004, 97105
        code = code[len(departement) :]
    elif code.isdigit() and len(code) < width:
        code = code.zfill(width)
    if len(code) != width or not code.isdigit():
        raise MsprError(
            f"code commune INSEE invalide pour le département {departement} : {commune!r}",
            hint=f"indiquez le code INSEE complet (5 caractères, commençant par {departement}) "
            f"ou ses {width} derniers chiffres",
        )
    return code


def nir(
    rng: np.random.Generator,
    *,
    sexe: int,
    date_naissance: datetime.date,
    departement: str,
    commune: str,
) -> str:
    """Draw a NIR (numéro d'inscription au répertoire, « numéro de sécurité sociale »).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness for the order number (001–999).
    sexe : int
        1 (man) or 2 (woman), INSEE coding.
    date_naissance : datetime.date
        Date of birth: the NIR holds its year (2 digits) and month.
    departement : str
        INSEE code of the département of birth (``"69"``, ``"2A"``,
        ``"971"``…).
    commune : str
        INSEE code of the commune of birth: the full code (``"69123"``,
        ``"2A004"``, ``"97105"``) or its last 3 digits (2 overseas). For
        Paris, Lyon and Marseille, use the arrondissement's code (``"75115"``,
        ``"69383"``, ``"13208"``), as INSEE does.

    Returns
    -------
    str
        15 characters, no separator: sex, year, month, département (2
        characters, or 3 digits overseas), commune (3 digits, or 2
        overseas), order (3 digits), key (2 digits, :func:`nir_key`).
        Format it for display with :func:`format_nir`.

    Raises
    ------
    MsprError
        If ``sexe`` is not 1 or 2, or the département or commune is invalid.

    Examples
    --------
    >>> import datetime, numpy as np
    >>> value = nir(np.random.default_rng(0), sexe=2, date_naissance=datetime.date(1990, 12, 3),
    ...             departement="2A", commune="2A004")
    >>> value[:10], is_valid_nir(value)
    ('290122A004', True)
    """
    if sexe not in (1, 2) or isinstance(sexe, bool):
        raise MsprError(f"sexe invalide pour un NIR : {sexe!r}", hint="indiquez 1 (homme) ou 2 (femme)")
    code = normalise_departement(departement)
    place = code + _commune_part(code, commune)
    order = int(rng.integers(1, 1000))
    body = f"{sexe}{date_naissance.year % 100:02d}{date_naissance.month:02d}{place}{order:03d}"
    return f"{body}{nir_key(body):02d}"


def format_nir(value: str) -> str:
    """Format a NIR as printed on the carte Vitale.

    Parameters
    ----------
    value : str
        A NIR, with or without separators.

    Returns
    -------
    str
        ``"1 85 03 75 123 456 41"``: sex, year, month, département, commune,
        order, key separated by spaces (département on 3 digits and commune
        on 2 overseas).

    Examples
    --------
    >>> format_nir("185037512345641")
    '1 85 03 75 123 456 41'
    """
    d = compact(value)
    dept = 3 if d[5:7] == "97" else 2
    parts = (d[0], d[1:3], d[3:5], d[5 : 5 + dept], d[5 + dept : 10], d[10:13], d[13:])
    return " ".join(parts)


# --------------------------------------------------------------------------- IBAN (ISO 13616) and RIB

#: Bank codes (code banque, Banque de France register) of French retail
#: banks, for realistic IBANs: BNP Paribas, Société Générale, LCL, Crédit
#: Mutuel, La Banque Postale, Caisses d'Épargne, Banques Populaires, CIC.
BANK_CODES = (30004, 30003, 30002, 10278, 20041, 11315, 13507, 16807, 17515, 18707, 30066, 10907)

#: Length of the IBAN of a few countries (ISO 13616 registry); others are
#: checked for a length between 15 and 34.
_IBAN_LENGTHS = {
    "FR": 27, "MC": 27, "DE": 22, "BE": 16, "CH": 21, "ES": 24, "GB": 22, "IT": 27,
    "LU": 20, "NL": 18, "PT": 25, "AT": 20, "IE": 22,
}
#: French territories whose IBANs follow the French BBAN (and its RIB key).
_FRENCH_BBAN = {"FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "TF"}


def rib_key(bank: str, branch: str, account: str) -> int:
    """Return the key of a French RIB (clé RIB).

    Parameters
    ----------
    bank, branch : str
        Code banque and code guichet, 5 digits each.
    account : str
        Numéro de compte, 11 characters; letters are read as digits the
        French way (A–I → 1–9, J–R → 1–9, S–Z → 2–9).

    Returns
    -------
    int
        ``97 - ((89 · bank + 15 · branch + 3 · account) mod 97)``, in [1, 97]
        (Banque de France rule). With it, a French IBAN's check digits are 76
        when the account is all digits.

    Examples
    --------
    >>> rib_key("30004", "00001", "00000000001")
    36
    """
    letters = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
    numeric = str(account).upper().translate(letters)
    return 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(numeric)) % 97


def _iban_remainder(iban: str) -> int:
    """ISO 13616 / ISO 7064 mod 97-10 of an IBAN (country and check digits moved to the end)."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97


def _iban_fr(bban: str) -> str:
    """Return the French IBAN of a BBAN, with ISO 13616 (mod 97-10) check digits."""
    check = 98 - _iban_remainder(f"FR00{bban}")
    return f"FR{check:02d}{bban}"


def iban_fr(rng: np.random.Generator) -> str:
    """Draw a French IBAN.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness: bank among :data:`BANK_CODES`, branch (5
        digits) and account (11 digits).

    Returns
    -------
    str
        27 characters, electronic format (no space): ``"FR"``, the ISO 13616
        check digits, then the BBAN: code banque (5), code guichet (5),
        numéro de compte (11), clé RIB (2, :func:`rib_key`).

    Examples
    --------
    >>> import numpy as np
    >>> value = iban_fr(np.random.default_rng(0))
    >>> len(value), value[:4], is_valid_iban(value)
    (27, 'FR76', True)
    """
    bank = f"{int(BANK_CODES[int(rng.integers(0, len(BANK_CODES)))]):05d}"
    branch = f"{int(rng.integers(0, 100_000)):05d}"
    account = f"{int(rng.integers(0, 10**11)):011d}"
    return _iban_fr(f"{bank}{branch}{account}{rib_key(bank, branch, account):02d}")


def is_valid_iban(text: str) -> bool:
    """Tell whether ``text`` is a valid IBAN.

    Parameters
    ----------
    text : str
        An IBAN, printed (``"FR76 3000 4000 …"``) or electronic; separators
        are ignored, letters may be lower-case.

    Returns
    -------
    bool
        True if: two letters, two check digits, an alphanumeric BBAN; the
        registry length for the countries known here (27 for France), 15 to
        34 characters otherwise; the ISO 13616 check (mod 97 = 1); and, for
        France and its territories, 23 BBAN characters whose last two are the
        RIB key.

    Examples
    --------
    >>> is_valid_iban("FR76 3000 6000 0112 3456 7890 189")
    True
    >>> is_valid_iban("FR76 3000 6000 0112 3456 7890 188")
    False
    """
    if not isinstance(text, str):
        return False
    iban = compact(text)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    country = iban[:2]
    if len(iban) != _IBAN_LENGTHS.get(country, len(iban)) or not 15 <= len(iban) <= 34:
        return False
    if _iban_remainder(iban) != 1:
        return False
    if country in _FRENCH_BBAN:
        bban = iban[4:]
        if len(bban) != 23 or not (bban[:10] + bban[21:]).isdigit():
            return False
        return rib_key(bban[:5], bban[5:10], bban[10:21]) == int(bban[21:])
    return True


# --------------------------------------------------------------------------- SIREN / SIRET (INSEE, Luhn)

#: La Poste's SIREN: its establishments' SIRETs do not all follow Luhn.
LA_POSTE_SIREN = "356000000"


def luhn_is_valid(digits: str) -> bool:
    """Luhn checksum (every second digit from the right doubled).

    Parameters
    ----------
    digits : str
        Digits only.

    Returns
    -------
    bool
        True if the Luhn sum is a multiple of 10; False for an empty string
        or one holding anything but digits.

    Examples
    --------
    >>> luhn_is_valid("732829320")
    True
    """
    if not isinstance(digits, str) or not digits or not digits.isascii() or not digits.isdigit():
        return False
    return _luhn_sum(digits) % 10 == 0


def _luhn_sum(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total


def luhn_check_digit(digits: str) -> str:
    """Return the digit that makes ``digits`` + it Luhn-valid.

    Parameters
    ----------
    digits : str
        Digits only (the number without its check digit).

    Returns
    -------
    str
        One digit.

    Examples
    --------
    >>> luhn_check_digit("73282932")
    '0'
    """
    return str((10 - _luhn_sum(digits + "0") % 10) % 10)


def siren(rng: np.random.Generator) -> str:
    """Draw a SIREN (company number of INSEE's Sirene register).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    str
        9 digits, no separator: 8 drawn (the first in 3–9, as for most
        companies registered since the 1970s) and a Luhn check digit; never
        La Poste's SIREN.

    Examples
    --------
    >>> import numpy as np
    >>> is_valid_siren(siren(np.random.default_rng(0)))
    True
    """
    while True:
        body = str(int(rng.integers(3, 10))) + _random_digits(rng, 7)
        value = body + luhn_check_digit(body)
        if value != LA_POSTE_SIREN:
            return value


def siret(rng: np.random.Generator, siren: str) -> str:
    """Draw the SIRET of an establishment of a company.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness for the establishment's rank.
    siren : str
        The company's SIREN (9 digits, separators allowed), valid for
        :func:`is_valid_siren`, or La Poste's ``356000000``.

    Returns
    -------
    str
        14 digits, no separator: the SIREN then the NIC (rank of the
        establishment, 4 digits in 0001–0299, and a check digit) such that
        the whole passes Luhn (INSEE). For La Poste, whose establishments
        outnumber the Luhn keys, the check digit makes the sum of the 14
        digits a multiple of 5 instead (the exception :func:`is_valid_siret`
        accepts).

    Raises
    ------
    MsprError
        If ``siren`` is not a valid SIREN.

    Examples
    --------
    >>> import numpy as np
    >>> siret(np.random.default_rng(0), "732829320")[:9]
    '732829320'
    >>> is_valid_siret(siret(np.random.default_rng(0), "356 000 000"))
    True
    """
    company = compact(siren)
    if company != LA_POSTE_SIREN and not is_valid_siren(company):
        raise MsprError(
            f"SIREN invalide : {siren!r}", hint="indiquez 9 chiffres valides pour la formule de Luhn"
        )
    body = company + f"{int(rng.integers(1, 300)):04d}"
    if company == LA_POSTE_SIREN:
        return body + str((5 - sum(int(c) for c in body) % 5) % 5)
    return body + luhn_check_digit(body)


def is_valid_siren(text: str) -> bool:
    """Tell whether ``text`` is a SIREN (9 digits, Luhn-valid).

    The SIREN, the company number of INSEE's Sirene register, has 8 digits
    followed by a Luhn check digit (:func:`luhn_is_valid`).

    Parameters
    ----------
    text : str
        The number; separators are ignored.

    Returns
    -------
    bool
        True if ``text`` is exactly 9 digits once compacted and passes Luhn.

    Examples
    --------
    >>> is_valid_siren("732 829 320"), is_valid_siren("732 829 321")
    (True, False)
    """
    if not isinstance(text, str):
        return False
    digits = compact(text)
    return len(digits) == 9 and luhn_is_valid(digits)


def is_valid_siret(text: str) -> bool:
    """Tell whether ``text`` is a SIRET (14 digits, Luhn-valid, or La Poste's rule).

    Exception: La Poste has more establishments than Luhn keys allow, so a
    SIRET starting with La Poste's SIREN ``356000000`` that fails Luhn is
    still valid when the sum of its digits is a multiple of 5 (INSEE).

    Parameters
    ----------
    text : str
        The number: SIREN (9 digits) then NIC (5 digits, the
        establishment's rank and key); separators are ignored.

    Returns
    -------
    bool
        True if ``text`` is exactly 14 digits once compacted and passes Luhn
        (Sirene rule), or satisfies La Poste's exception above.

    Examples
    --------
    >>> is_valid_siret("732 829 320 00074"), is_valid_siret("356 000 000 00048")
    (True, True)
    """
    if not isinstance(text, str):
        return False
    digits = compact(text)
    if len(digits) != 14 or not digits.isascii() or not digits.isdigit():
        return False
    if luhn_is_valid(digits):
        return True
    return digits.startswith(LA_POSTE_SIREN) and sum(int(c) for c in digits) % 5 == 0


# --------------------------------------------------------------------------- e-mail addresses

#: E-mail domains of French individuals, with weights (rough market shares).
EMAIL_DOMAINS: dict[str, float] = {
    "gmail.com": 30, "orange.fr": 18, "free.fr": 10, "laposte.net": 8, "hotmail.fr": 10,
    "sfr.fr": 7, "yahoo.fr": 7, "outlook.fr": 6, "wanadoo.fr": 4,
}

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,63}})$")


def _ascii_fold(text: str) -> str:
    """``"Éloïse-Marie d'Arc"`` → ``"eloise-marie-darc"``: no accent, lower case, letters, digits, ``-``."""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("œ", "oe").replace("Œ", "OE")
                                        .replace("æ", "ae").replace("Æ", "AE").replace("ß", "ss"))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    kept = "".join(c if c.isascii() and (c.isalnum() or c == "-") else ("-" if c.isspace() else "") for c in kept)
    return re.sub(r"-{2,}", "-", kept).strip("-")


def email(
    rng: np.random.Generator,
    prenom: str,
    nom: str,
    domains: Sequence[str] | Mapping[str, float] | None = None,
) -> str:
    """Draw a personal e-mail address built from a first and last name.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness: style, digits and domain.
    prenom, nom : str
        First and last name; accents and ligatures are folded to ASCII
        (``"Éloïse"`` → ``"eloise"``), spaces become ``-``, apostrophes and
        other signs are dropped.
    domains : sequence of str or mapping of str to float, optional
        Domains to draw from, uniformly (sequence) or with weights
        (mapping); defaults to :data:`EMAIL_DOMAINS`.

    Returns
    -------
    str
        ``prenom.nom@domain`` (half the time), ``p.nom@``, ``prenom.nom42@``
        or ``prenomnom@``; always accepted by :func:`is_valid_email`. The
        caller makes addresses unique if it needs to.

    Raises
    ------
    MsprError
        If ``domains`` is empty or holds an invalid domain.

    Examples
    --------
    >>> import numpy as np
    >>> email(np.random.default_rng(0), "Éloïse", "Le Gall", domains=["exemple.fr"])
    'eloise.le-gall@exemple.fr'
    """
    pool = dict(domains) if isinstance(domains, Mapping) else (
        EMAIL_DOMAINS if domains is None else dict.fromkeys(domains, 1.0)
    )
    bad = [d for d in pool if not _EMAIL.match(f"x@{d}")]
    if not pool or bad:
        raise MsprError(
            f"domaines de courriel invalides : {', '.join(map(repr, bad)) or '(aucun)'}",
            hint="indiquez des domaines comme « exemple.fr »",
        )
    names, weights = list(pool), [float(w) for w in pool.values()]
    domain = names[int(rng.choice(len(names), p=[w / sum(weights) for w in weights]))]
    first = _ascii_fold(prenom) or "contact"
    last = _ascii_fold(nom) or "client"
    style = int(rng.choice(4, p=[0.5, 0.2, 0.2, 0.1]))
    local = (
        f"{first}.{last}",
        f"{first[0]}.{last}",
        f"{first}.{last}{int(rng.integers(1, 100))}",
        f"{first}{last}",
    )[style]
    return f"{local[:64]}@{domain}".replace(".@", "@")


def is_valid_email(text: str) -> bool:
    """Tell whether ``text`` is a plausible e-mail address.

    Parameters
    ----------
    text : str
        The address; surrounding white space (no-break spaces included) is
        ignored, white space inside is not.

    Returns
    -------
    bool
        True for ``local@domain`` where the local part is a dot-atom (RFC
        5322 atoms separated by single dots, at most 64 characters) and the
        domain has at least two labels (letters, digits, inner hyphens; at
        most 63 characters each) and an alphabetic top-level label, at most
        254 characters in all. Quoted local parts, comments and IP-literal
        domains, legal but unused by people, are refused.

    Examples
    --------
    >>> is_valid_email("jean.dupont@exemple.fr"), is_valid_email("jean..dupont@exemple.fr")
    (True, False)
    """
    if not isinstance(text, str):
        return False
    address = text.strip()  # white space around it, no-break spaces included
    match = _EMAIL.match(address)
    return bool(match) and len(address) <= 254 and len(match["local"]) <= 64


# --------------------------------------------------------------------------- registry

#: Validator of each generated kind, keyed by Presidio entity type.
VALIDATORS: dict[str, Callable[[str], bool]] = {
    "PHONE_NUMBER": is_valid_phone,
    "FR_NIR": is_valid_nir,
    "IBAN_CODE": is_valid_iban,
    "FR_SIREN": is_valid_siren,
    "FR_SIRET": is_valid_siret,
    "EMAIL_ADDRESS": is_valid_email,
}
