"""The cohort roster: candidates, teams, jurors, time accommodations and exemptions.

A roster is a YAML file written by the certification's staff
(``<workspace>/jury/roster.yaml`` by default). :func:`load_roster` validates
it with pydantic and the rules of the référentiel (teams of at most four, a
time accommodation of at most one third of the allotted time, exemptions only
where the référentiel provides them, two jurors per team); every problem is
reported in French with the file, the line and the fix.

Examples
--------
The file looks like this (keys in French, as the staff write it)::

    session:
      debut: 2026-12-01T09:00:00+01:00
      duree_heures: 30
      soutenance_minutes: 30
    jures:
      - {id: jmartin, nom: Jeanne Martin, email: jeanne.martin@example.org}
      - {id: pdurand, nom: Paul Durand, email: paul.durand@example.org}
    candidats:
      - {id: c01, nom: Alice Leroy, email: alice.leroy@example.org, majoration: 1/3, dispenses: [A4C8]}
    equipes:
      - {id: ref, candidats: [c01], jures: [jmartin, pdurand]}
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mspr.errors import MsprError
from mspr.referentiel import Referentiel
from mspr.specfile import yaml_problem_fr

__all__ = ["Candidate", "DecisionRule", "Juror", "LevelScale", "Roster", "Session", "Team", "load_roster",
           "parse_level", "exemptable_competencies", "MAX_TEAM_SIZE", "MAX_EXTENSION"]

#: Largest team ("Préparation de la MSPR par équipe de 4 max").
MAX_TEAM_SIZE = 4

#: Largest time accommodation, as a fraction of the allotted time ("sans dépasser le tiers").
MAX_EXTENSION = Fraction(1, 3)

#: Jurors per team ("Soutenance orale par équipe devant un jury de deux professionnels").
JURORS_PER_TEAM = 2

ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$"  # at most 31 characters: an xlsx sheet name


def exemptable_competencies(referentiel: Referentiel | None = None) -> list[str]:
    """Return the competencies the référentiel lets a candidate with a disability be exempted from.

    Parameters
    ----------
    referentiel : Referentiel, optional
        Defaults to the packaged référentiel.

    Returns
    -------
    list of str
        Codes of the competencies whose note waives their assessment for
        candidates with a disability who ask for it (``["A4C8", "A4C11"]``
        in the packaged référentiel).
    """
    referentiel = referentiel or Referentiel.load()
    return [c.code for c in referentiel.competencies.values()
            if c.note and "handicap" in c.note and "pas pris en compte" in c.note]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Juror(_Model):
    """A juror (a professional of the jury).

    Parameters
    ----------
    id : str
        Short identifier, e.g. ``"jmartin"`` (letters, digits, ``_.-``).
    name : str
        Full name (YAML key ``nom``).
    email : str
        E-mail address.
    """

    id: str = Field(pattern=ID)
    name: str = Field(alias="nom", min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Candidate(_Model):
    """A candidate of the cohort.

    Parameters
    ----------
    id : str
        Short identifier, e.g. ``"c01"``.
    name : str
        Full name (YAML key ``nom``).
    email : str
        E-mail address.
    extension : fraction.Fraction, default=0
        Time accommodation as a fraction of the allotted time, in
        ``[0, 1/3]`` (YAML key ``majoration``: ``1/3``, ``"25 %"`` or ``0.25``).
    exemptions : tuple of str, default=()
        Competencies not assessed for this candidate (YAML key ``dispenses``),
        only among :func:`exemptable_competencies`.
    """

    id: str = Field(pattern=ID)
    name: str = Field(alias="nom", min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    extension: Fraction = Field(alias="majoration", default=Fraction(0))
    exemptions: tuple[str, ...] = Field(alias="dispenses", default=())

    @field_validator("extension", mode="before")
    @classmethod
    def _parse_extension(cls, value: Any) -> Fraction:
        if value is None:
            return Fraction(0)
        try:
            if isinstance(value, str):
                text = value.strip().replace(",", ".").replace("\u202f", " ")
                if text.endswith("%"):
                    fraction = Fraction(text[:-1].strip()) / 100
                else:
                    fraction = Fraction(text)
            else:
                fraction = Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"majoration illisible : {value!r} (écrire 1/3, « 25 % » ou 0,25)") from None
        if fraction < 0:
            raise ValueError("majoration négative")
        # 0.333 or 33 % count as one third; anything clearly above is refused
        if fraction > MAX_EXTENSION and float(fraction) > 0.3334:
            raise ValueError(f"majoration de {_percent(fraction)} du temps imparti : le référentiel la limite au "
                             "tiers du temps normalement prévu (écrire au plus 1/3)")
        return min(fraction, MAX_EXTENSION)

    @field_validator("exemptions", mode="after")
    @classmethod
    def _check_exemptions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        allowed = exemptable_competencies()
        for code in value:
            if code not in allowed:
                raise ValueError(f"dispense de {code} impossible : le référentiel ne prévoit de dispense "
                                 f"(candidats en situation de handicap qui le demandent) que pour "
                                 f"{', '.join(allowed)}")
        if len(set(value)) != len(value):
            raise ValueError("compétence dispensée en double")
        return value


class Team(_Model):
    """A team: up to four candidates, graded by two jurors.

    Parameters
    ----------
    id : str
        The team id, as used by ``mspr submit`` (nbgrader ``student_id``).
    candidates : tuple of str
        Candidate ids (YAML key ``candidats``), 1 to :data:`MAX_TEAM_SIZE`.
    jurors : tuple of str
        Juror ids (YAML key ``jures``), exactly :data:`JURORS_PER_TEAM`, distinct.
    """

    id: str = Field(pattern=ID)
    candidates: tuple[str, ...] = Field(alias="candidats", min_length=1)
    jurors: tuple[str, ...] = Field(alias="jures")

    @field_validator("candidates", mode="after")
    @classmethod
    def _check_size(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) > MAX_TEAM_SIZE:
            raise ValueError(f"équipe de {len(value)} candidats : le référentiel prévoit des équipes de "
                             f"{MAX_TEAM_SIZE} au plus (scindez l'équipe)")
        if len(set(value)) != len(value):
            raise ValueError("candidat cité deux fois dans l'équipe")
        return value

    @field_validator("jurors", mode="after")
    @classmethod
    def _check_jurors(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) != JURORS_PER_TEAM or len(set(value)) != len(value):
            raise ValueError(f"{len(set(value))} juré(s) distinct(s) : la soutenance se fait devant un jury de "
                             f"{JURORS_PER_TEAM} professionnels (indiquez deux jurés différents)")
        return value


class Session(_Model):
    """When the MSPR takes place.

    Parameters
    ----------
    start : datetime.datetime
        Start of the preparation (YAML key ``debut``, ISO 8601 with time zone).
    hours : float, default=30
        Allotted preparation time, hours (YAML key ``duree_heures``); a time
        accommodation is a fraction of it.
    end : datetime.datetime or None, default=None
        Normal deadline (YAML key ``fin``); default ``start + hours`` (the
        preparation in one stretch).
    oral_minutes : float, default=30
        Allotted time of the team's oral defence, minutes (YAML key
        ``soutenance_minutes``).
    """

    start: datetime = Field(alias="debut")
    hours: float = Field(alias="duree_heures", default=30, gt=0)
    end: datetime | None = Field(alias="fin", default=None)
    oral_minutes: float = Field(alias="soutenance_minutes", default=30, gt=0)


class LevelScale(_Model):
    """The level scale of the jury criteria.

    Parameters
    ----------
    levels : tuple of str
        From lowest to highest (YAML key ``niveaux``); default
        ``("non acquis", "en cours d'acquisition", "acquis")``.
    descriptors : dict of str to str
        What each level means (YAML key ``descripteurs``).
    acquired : str
        The level that counts as acquired (YAML key ``acquis``); default the
        highest.
    """

    levels: tuple[str, ...] = Field(alias="niveaux", default=("non acquis", "en cours d'acquisition", "acquis"),
                                    min_length=2)
    descriptors: dict[str, str] = Field(alias="descripteurs", default_factory=lambda: {
        "non acquis": "Les attendus du critère ne sont pas observés.",
        "en cours d'acquisition": "Les attendus sont partiellement observés ou avec une aide.",
        "acquis": "Les attendus sont observés en autonomie sur le cas.",
    })
    acquired: str | None = Field(alias="acquis", default=None)

    @property
    def acquired_level(self) -> str:
        """The level that counts as acquired."""
        return self.acquired or self.levels[-1]


class DecisionRule(_Model):
    """When a block is validated.

    Parameters
    ----------
    min_acquired : float, default=1.0
        Fraction in ``[0, 1]`` of the block's non-exempt competencies that must
        be acquired (YAML key ``part_acquise_min``); the default is the
        certification's rule: every competency acquired.
    """

    min_acquired: float = Field(alias="part_acquise_min", default=1.0, gt=0, le=1)


class Roster(_Model):
    """The whole roster of a cohort.

    Parameters
    ----------
    session : Session
    jurors : tuple of Juror
        YAML key ``jures``.
    candidates : tuple of Candidate
        YAML key ``candidats``.
    teams : tuple of Team
        YAML key ``equipes``.
    scale : LevelScale
        YAML key ``echelle``; default: non acquis / en cours d'acquisition / acquis.
    rule : DecisionRule
        YAML key ``regle_validation``.
    """

    session: Session
    jurors: tuple[Juror, ...] = Field(alias="jures", min_length=2)
    candidates: tuple[Candidate, ...] = Field(alias="candidats", min_length=1)
    teams: tuple[Team, ...] = Field(alias="equipes", min_length=1)
    scale: LevelScale = Field(alias="echelle", default_factory=LevelScale)
    rule: DecisionRule = Field(alias="regle_validation", default_factory=DecisionRule)

    def candidate(self, candidate_id: str) -> Candidate:
        """Return a candidate by id.

        Parameters
        ----------
        candidate_id : str

        Returns
        -------
        Candidate

        Raises
        ------
        MsprError
            If the roster has no such candidate.
        """
        for c in self.candidates:
            if c.id == candidate_id:
                return c
        raise MsprError(f"candidat inconnu : {candidate_id!r}",
                        hint=f"candidats du roster : {', '.join(c.id for c in self.candidates)}")

    def team(self, team_id: str) -> Team:
        """Return a team by id.

        Parameters
        ----------
        team_id : str

        Returns
        -------
        Team

        Raises
        ------
        MsprError
            If the roster has no such team.
        """
        for t in self.teams:
            if t.id == team_id:
                return t
        raise MsprError(f"équipe inconnue : {team_id!r}",
                        hint=f"équipes du roster : {', '.join(t.id for t in self.teams)}")

    def juror(self, juror_id: str) -> Juror:
        """Return a juror by id.

        Parameters
        ----------
        juror_id : str

        Returns
        -------
        Juror

        Raises
        ------
        MsprError
            If the roster has no such juror.
        """
        for j in self.jurors:
            if j.id == juror_id:
                return j
        raise MsprError(f"juré inconnu : {juror_id!r}",
                        hint=f"jurés du roster : {', '.join(j.id for j in self.jurors)}")

    def team_of(self, candidate_id: str) -> Team:
        """Return the team of a candidate.

        Parameters
        ----------
        candidate_id : str

        Returns
        -------
        Team
        """
        return next(t for t in self.teams if candidate_id in t.candidates)

    def deadline(self, candidate: Candidate) -> datetime:
        """Return the end of the candidate's preparation time, accommodation included.

        Parameters
        ----------
        candidate : Candidate

        Returns
        -------
        datetime.datetime
            The normal deadline (``session.end``, default ``session.start +
            session.hours``) plus ``session.hours × candidate.extension``.
        """
        end = self.session.end or self.session.start + timedelta(hours=self.session.hours)
        return end + timedelta(hours=self.session.hours * float(candidate.extension))

    def oral_minutes(self, candidate: Candidate) -> float:
        """Return the candidate's oral time, accommodation included.

        Parameters
        ----------
        candidate : Candidate

        Returns
        -------
        float
            Minutes: ``session.oral_minutes × (1 + candidate.extension)``.
        """
        return self.session.oral_minutes * float(1 + candidate.extension)


def _percent(fraction: Fraction) -> str:
    return f"{float(fraction) * 100:.1f}".replace(".", ",").replace(",0", "") + " %"


# -- loading with French errors -------------------------------------------------

_FRENCH = {
    "extra_forbidden": "clé inconnue",
    "missing": "champ obligatoire manquant",
    "string_pattern_mismatch": "format invalide (lettres, chiffres, « _ . - » ; ou adresse e-mail)",
    "too_short": "liste vide",
    "string_too_short": "texte vide",
    "string_type": "texte attendu",
    "tuple_type": "liste attendue",
    "model_type": "dictionnaire (clé: valeur) attendu",
    "dict_type": "dictionnaire (clé: valeur) attendu",
    "datetime_from_date_parsing": "date et heure attendues (ex. 2026-12-01T09:00:00+01:00)",
    "datetime_parsing": "date et heure attendues (ex. 2026-12-01T09:00:00+01:00)",
    "datetime_type": "date et heure attendues (ex. 2026-12-01T09:00:00+01:00)",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "greater_than": "doit être positif",
    "less_than_equal": "doit être au plus 1",
}


def _too_short(error: dict) -> str:
    """French message for a list shorter than its minimum (``liste vide`` only when it is empty)."""
    ctx = error.get("ctx") or {}
    actual, minimum = ctx.get("actual_length"), ctx.get("min_length")
    if not actual or minimum is None:
        return "liste vide"
    return f"{actual} élément{'s' if actual > 1 else ''} ; il en faut au moins {minimum}"


def _line(node: yaml.Node | None, loc: tuple) -> int | None:
    """Line (1-based) of the YAML node at ``loc``, or of its deepest existing parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if found is None:
                break
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _where(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(racine)"


def load_roster(path: str | Path, referentiel: Referentiel | None = None) -> Roster:
    """Read and validate a roster YAML file.

    Parameters
    ----------
    path : str or pathlib.Path
        The roster file.
    referentiel : Referentiel, optional
        Defaults to the packaged référentiel (for the exemptions).

    Returns
    -------
    Roster

    Raises
    ------
    MsprError
        If the file is missing or invalid: a team of five, a candidate in two
        teams or in none, an unknown candidate or juror, an extension beyond
        one third, an exemption the référentiel does not provide, a duplicated
        id. The French message lists every problem with its line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MsprError(f"roster illisible ({exc.strerror})", path=path,
                        hint="créez le roster du jury (format et exemple : docs/jury.md, § 1)") from exc
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1})" if mark else ""
        raise MsprError(f"YAML invalide{where} : {yaml_problem_fr(exc)}", path=path,
                        hint="corrigez la syntaxe YAML (indentation, deux-points, tirets)") from exc
    try:
        roster = Roster.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"])
            message = (str(error["ctx"]["error"]) if error["type"] == "value_error"
                       else _too_short(error) if error["type"] == "too_short"
                       else _FRENCH.get(error["type"], error["msg"]))
            line = _line(root, loc)
            problems.append(f"ligne {line} ({_where(loc)}) : {message}" if line else f"{_where(loc)} : {message}")
        raise MsprError("roster invalide\n  " + "\n  ".join(problems), path=path,
                        hint="corrigez ces lignes ; format et exemple : docs/jury.md, § 1") from exc
    problems = _cross_check(roster, root)
    if problems:
        raise MsprError("roster invalide\n  " + "\n  ".join(problems), path=path,
                        hint="chaque candidat est dans une seule équipe ; "
                        "chaque juré et candidat cité est déclaré")
    return roster


def _cross_check(roster: Roster, root: yaml.Node) -> list[str]:
    problems = []
    for key, items in (("jures", roster.jurors), ("candidats", roster.candidates), ("equipes", roster.teams)):
        seen = set()
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(f"ligne {_line(root, (key, i, 'id'))} : identifiant {item.id!r} en double dans "
                                f"« {key} »")
            seen.add(item.id)
    candidates = {c.id for c in roster.candidates}
    jurors = {j.id for j in roster.jurors}
    member_of: dict[str, str] = {}
    for i, team in enumerate(roster.teams):
        for k, cid in enumerate(team.candidates):
            line = _line(root, ("equipes", i, "candidats", k))
            if cid not in candidates:
                problems.append(f"ligne {line} : l'équipe {team.id} cite le candidat inconnu {cid!r} "
                                "(déclarez-le dans « candidats »)")
            elif cid in member_of:
                problems.append(f"ligne {line} : le candidat {cid} est dans deux équipes ({member_of[cid]} et "
                                f"{team.id}) ; un candidat appartient à une seule équipe")
            else:
                member_of[cid] = team.id
        for k, jid in enumerate(team.jurors):
            if jid not in jurors:
                problems.append(f"ligne {_line(root, ('equipes', i, 'jures', k))} : l'équipe {team.id} cite le juré "
                                f"inconnu {jid!r} (jurés déclarés : {', '.join(sorted(jurors))})")
    for i, c in enumerate(roster.candidates):
        if c.id not in member_of:
            problems.append(f"ligne {_line(root, ('candidats', i))} : le candidat {c.id} n'est dans aucune équipe")
    scale = roster.scale
    if any("," in lv or '"' in lv for lv in scale.levels) or len(",".join(scale.levels)) > 250:
        problems.append(f"ligne {_line(root, ('echelle', 'niveaux'))} : niveaux sans virgule ni guillemet, "
                        "250 caractères au total au plus (liste déroulante du tableur)")
    if scale.acquired and scale.acquired not in scale.levels:
        problems.append(f"ligne {_line(root, ('echelle', 'acquis'))} : le niveau « {scale.acquired} » n'est pas "
                        "dans « niveaux »")
    return problems


def parse_level(value: str) -> str:
    """Normalise a level typed by a juror (spaces, case, typographic apostrophe).

    Parameters
    ----------
    value : str

    Returns
    -------
    str
        Lower-case, single spaces, ``’`` → ``'``.
    """
    return re.sub(r"\s+", " ", str(value).replace("\u2019", "'")).strip().lower()
