"""French formats for what a juror reads: numbers with a decimal comma, dates, fractions."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

__all__ = ["fr_datetime", "fr_duration", "fr_extension", "fr_number", "fr_points"]

NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def fr_number(value: float | int | None, decimals: int = 2) -> str:
    """Format a number the French way: decimal comma, narrow no-break space for thousands.

    Parameters
    ----------
    value : float or int or None
    decimals : int, default=2
        Largest number of decimals; trailing zeros are dropped.

    Returns
    -------
    str
        e.g. ``3.5`` → ``"3,5"``, ``1234.25`` → ``"1 234,25"``, None → ``"–"``.
    """
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", NBSP).replace(".", ",")


def fr_points(score: float | None, max_score: float) -> str:
    """Format points as ``"3,5 / 4"`` (``"– / 4"`` when not scored).

    Parameters
    ----------
    score : float or None
    max_score : float

    Returns
    -------
    str
    """
    return f"{fr_number(score)} / {fr_number(max_score)}"


def fr_datetime(value: datetime) -> str:
    """Format a date and time as ``"01/12/2026 à 09:00"`` (in the value's own time zone).

    Parameters
    ----------
    value : datetime.datetime

    Returns
    -------
    str
        Followed by ``" (UTC+01:00)"`` when the value carries a time zone.
    """
    text = value.strftime("%d/%m/%Y à %H:%M")
    offset = value.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        text += f" (UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d})"
    return text


def fr_extension(extension: Fraction) -> str:
    """Describe a time accommodation in French.

    Parameters
    ----------
    extension : fractions.Fraction
        Fraction of the allotted time, in [0, 1/3].

    Returns
    -------
    str
        ``"aucune"``, ``"un tiers du temps"`` or e.g. ``"25 % du temps"``.
    """
    if extension == 0:
        return "aucune"
    if extension == Fraction(1, 3):
        return "un tiers du temps"
    return f"{fr_number(float(extension) * 100, 1)} % du temps"


_VOWELS = set("aeiouyàâäéèêëîïôöùûüÿæœAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÆŒ")


def fr_de(name: str) -> str:
    """The preposition « de » before a name, elided before a vowel.

    Parameters
    ----------
    name : str
        A person's name, as the roster spells it.

    Returns
    -------
    str
        ``"d’Élodie"`` or ``"de Camille"``. A name starting with « h » keeps « de »
        (h aspiré or not cannot be told from the spelling alone).

    Notes
    -----
    Rule: élision of « de » before a vowel sound (Grevisse, *Le Bon Usage*, § 44).
    """
    name = name.strip()
    return f"d’{name}" if name[:1] in _VOWELS else f"de {name}"


def fr_duration(seconds: float) -> str:
    """Format a duration the French way, to the second below ten minutes, else to the minute.

    Parameters
    ----------
    seconds : float
        Duration in seconds (negative counts as zero).

    Returns
    -------
    str
        e.g. ``42`` → ``"42 s"``, ``250`` → ``"4 min 10 s"``, ``3900`` → ``"1 h 05 min"``.
    """
    total = max(0, round(seconds))
    if total >= 600:
        total = round(total / 60) * 60
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"
