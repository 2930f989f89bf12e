"""French geography for generated cases: regions, départements, communes and their postcodes.

A case declares its geography as a département or a region; the generator
draws communes from :func:`communes` (weighted by population), so that
postcodes, communes, INSEE codes (for the NIR, :func:`mspr.case.identifiers.nir`)
and telephone prefixes (:func:`phone_zone`) agree with each other.

``mspr/case/data/communes.csv`` is a hand-curated extract, committed: for each
of 21 départements across the regions (69, 42, 38, 01, 74; 75, 92, 93, 94;
44, 35, 29; 59, 62; 13, 06, 31, 33; 2A, 2B; 971), its 15 to 24 most populous
communes (Paris, Lyon and Marseille by arrondissement). Sources: INSEE's Code
officiel géographique 2024 (commune and département codes), La Poste's base
officielle des codes postaux (the lowest postcode of each commune), INSEE's
population census 2021 (``population``). Columns:

- ``departement`` : str, INSEE code of the département (``"01"``, ``"2A"``, ``"971"``);
- ``code_postal`` : str, 5 digits;
- ``commune`` : str, the commune's name with its article (``"Les Abymes"``);
  ``"Paris"``, ``"Lyon"`` or ``"Marseille"`` for an arrondissement;
- ``code_insee`` : str, INSEE code of the commune (of the arrondissement in
  Paris, Lyon and Marseille, as in a NIR);
- ``population`` : int, inhabitants in 2021 (a weight for drawing communes).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from mspr.case import identifiers
from mspr.errors import MsprError

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["COMMUNES_FILE", "REGIONS", "communes", "phone_zone", "region_of"]

#: The committed commune table (see the module docstring).
COMMUNES_FILE = Path(__file__).resolve().parent / "data" / "communes.csv"

#: The 18 French regions (INSEE, since 2016) → their départements (INSEE codes).
REGIONS: dict[str, list[str]] = {
    "Auvergne-Rhône-Alpes": ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"],
    "Bourgogne-Franche-Comté": ["21", "25", "39", "58", "70", "71", "89", "90"],
    "Bretagne": ["22", "29", "35", "56"],
    "Centre-Val de Loire": ["18", "28", "36", "37", "41", "45"],
    "Corse": ["2A", "2B"],
    "Grand Est": ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"],
    "Hauts-de-France": ["02", "59", "60", "62", "80"],
    "Île-de-France": ["75", "77", "78", "91", "92", "93", "94", "95"],
    "Normandie": ["14", "27", "50", "61", "76"],
    "Nouvelle-Aquitaine": ["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"],
    "Occitanie": ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"],
    "Pays de la Loire": ["44", "49", "53", "72", "85"],
    "Provence-Alpes-Côte d'Azur": ["04", "05", "06", "13", "83", "84"],
    "Guadeloupe": ["971"],
    "Martinique": ["972"],
    "Guyane": ["973"],
    "La Réunion": ["974"],
    "Mayotte": ["976"],
}

_COLUMNS = ["departement", "code_postal", "commune", "code_insee", "population"]


def _key(name: str) -> str:
    """Region name without accents, case, spaces, hyphens or apostrophes."""
    folded = unicodedata.normalize("NFKD", str(name))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return re.sub(r"[\s\-'’]", "", folded)


_REGION_KEYS = {_key(name): name for name in REGIONS}


def _region_name(region: str) -> str:
    """The official name of a region given loosely (``"ile-de-france"`` → ``"Île-de-France"``)."""
    try:
        return _REGION_KEYS[_key(region)]
    except KeyError:
        raise MsprError(
            f"région inconnue : {region!r}",
            hint=f"indiquez l'une des régions : {', '.join(REGIONS)}",
        ) from None


def region_of(departement: str) -> str:
    """Return the region of a département.

    Parameters
    ----------
    departement : str
        INSEE code of the département (``"69"``, ``"2A"``, ``"971"``).

    Returns
    -------
    str
        The region's official name (a key of :data:`REGIONS`).

    Raises
    ------
    MsprError
        If the département is unknown or in no region (Saint-Pierre-et-Miquelon,
        Saint-Barthélemy, Saint-Martin).

    Examples
    --------
    >>> region_of("29"), region_of("2B")
    ('Bretagne', 'Corse')
    """
    code = identifiers.normalise_departement(departement)
    for name, codes in REGIONS.items():
        if code in codes:
            return name
    raise MsprError(
        f"le département {code} n'appartient à aucune région",
        hint="choisissez un département de métropole ou 971, 972, 973, 974, 976",
    )


def phone_zone(departement: str) -> str:
    """Return the geographic prefix of the telephone numbers of a département.

    Same as :func:`mspr.case.identifiers.phone_zone` (ARCEP numbering plan).

    Parameters
    ----------
    departement : str
        INSEE code of the département.

    Returns
    -------
    str
        ``"01"`` to ``"05"`` in metropolitan France (Île-de-France,
        Nord-Ouest, Nord-Est, Sud-Est, Sud-Ouest), ``"0590"``, ``"0596"``,
        ``"0594"``, ``"0262"`` or ``"0269"`` overseas.

    Raises
    ------
    MsprError
        If the département is unknown or has no numbering plan here.

    Examples
    --------
    >>> phone_zone("75"), phone_zone("33"), phone_zone("971")
    ('01', '05', '0590')
    """
    return identifiers.phone_zone(departement)


@functools.cache
def _table() -> pandas.DataFrame:
    import pandas as pd

    table = pd.read_csv(COMMUNES_FILE, dtype={c: str for c in _COLUMNS[:4]}, keep_default_na=False)
    table["population"] = table["population"].astype("int64")
    return table[_COLUMNS]


def communes(departements: list[str] | str | None = None, region: str | None = None) -> pandas.DataFrame:
    """Return communes of the committed table, for some départements or a region.

    Parameters
    ----------
    departements : list of str or str, optional
        INSEE codes of départements (``["69", "01"]``; ``"1"`` and ``"2a"``
        are read as ``"01"`` and ``"2A"``); a single code is accepted.
    region : str, optional
        A region's name, as in :data:`REGIONS`; case, accents, spaces and
        hyphens do not matter (``"ile de france"``). With ``departements``
        too, each of them must belong to the region.

    Returns
    -------
    pandas.DataFrame
        Columns ``departement``, ``code_postal``, ``commune``, ``code_insee``
        (str) and ``population`` (int64, inhabitants in 2021), in the order
        of the file (by département, then postcode); a new frame each call.
        Every commune of the table when neither argument is given.

    Raises
    ------
    MsprError
        If a département or the region is unknown, a département is not in
        the region, or the table has no commune for one of the départements
        (or for any département of the region).

    Examples
    --------
    >>> table = communes(["2A"])
    >>> table.loc[table["commune"] == "Ajaccio", ["code_postal", "code_insee"]].values.tolist()
    [['20000', '2A004']]
    >>> sorted(communes(region="Bretagne")["departement"].unique())
    ['29', '35']
    """
    table = _table()
    available = list(dict.fromkeys(table["departement"]))
    wanted: list[str] | None = None
    if isinstance(departements, str):
        departements = [departements]
    if departements is not None:
        wanted = [identifiers.normalise_departement(d) for d in departements]
        missing = [d for d in wanted if d not in available]
        if missing:
            raise MsprError(
                f"aucune commune pour le département {', '.join(missing)} dans {COMMUNES_FILE.name}",
                path=COMMUNES_FILE,
                hint=f"choisissez parmi {', '.join(available)}, ou ajoutez ses communes au fichier",
            )
    if region is not None:
        name = _region_name(region)
        if wanted is None:
            wanted = [d for d in REGIONS[name] if d in available]
            if not wanted:
                raise MsprError(
                    f"aucune commune de la région {name} dans {COMMUNES_FILE.name}",
                    path=COMMUNES_FILE,
                    hint="choisissez une région parmi : "
                    + ", ".join(r for r in REGIONS if set(REGIONS[r]) & set(available)),
                )
        else:
            outside = [d for d in wanted if d not in REGIONS[name]]
            if outside:
                raise MsprError(
                    f"département {', '.join(outside)} hors de la région {name}",
                    hint=f"départements de la région : {', '.join(REGIONS[name])}",
                )
    selected = table if wanted is None else table[table["departement"].isin(wanted)]
    return selected.reset_index(drop=True).copy()
