"""The RNCP référentiel d'évaluation as validated data.

The référentiel of the certification "Expert en intelligence artificielle"
(blocks A1 to A4) is transcribed by hand from the RNCP référentiel seed (a
text extraction of the PDF table: compétences | modalités d'évaluation |
critères d'évaluation) into ``mspr/referentiel/referentiel.yaml``. This module
loads that file into frozen pydantic models and checks its structure, so that
every other stage (cases, labs, grading, the jury report) can refer to a
competency (``"A4C1"``) or a criterion (``"A4C1.5"``) and trust that it exists.

Examples
--------
>>> from mspr.referentiel import Referentiel
>>> ref = Referentiel.load()
>>> ref.competency("A1C6").criteria[0].id
'A1C6.1'
>>> ref.block_of("A4C1.5").code
'A4'
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mspr.specfile import load_yaml_model

__all__ = ["Activity", "Block", "Competency", "Criterion", "DEFAULT_PATH", "Referentiel"]

#: The packaged référentiel, transcribed from the RNCP référentiel seed.
DEFAULT_PATH = Path(__file__).with_name("referentiel.yaml")

COMPETENCY_CODE = r"^A[1-4]C\d+$"
CRITERION_ID = r"^A[1-4]C\d+\.\d+$"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Criterion(_Frozen):
    """One evaluation criterion: one bullet or standalone line of the seed's criteria column.

    Parameters
    ----------
    id : str
        ``"<competency code>.<n>"``, numbered from 1 in the seed's order, e.g. ``"A1C1.2"``.
    competency : str
        Code of the competency the criterion belongs to, e.g. ``"A1C1"``. Filled
        from the enclosing competency when the YAML omits it.
    group : str or None, default=None
        The seed's heading line the bullet falls under (e.g. ``"Qualité de la
        note de cadrage"``), or None for a standalone criterion.
    text : str
        The criterion, in French, as in the RNCP référentiel seed.
    """

    id: str = Field(pattern=CRITERION_ID)
    competency: str = Field(pattern=COMPETENCY_CODE)
    group: str | None = None
    text: str = Field(min_length=1)


class Competency(_Frozen):
    """One competency of the référentiel (e.g. ``A1C6``) with its MSPR modality and criteria.

    Parameters
    ----------
    code : str
        ``A<block>C<n>``, e.g. ``"A4C13"``.
    title : str
        The competency as worded in the RNCP référentiel seed.
    modality : str
        The seed's "Epreuve 2" text: what the candidate must do or produce in
        the MSPR. Lines starting with ``-`` or ``.`` are the seed's bullets.
    criteria : tuple of Criterion
        At least one; ids ``<code>.1``, ``<code>.2``… in the seed's order.
    note : str or None, default=None
        A remark of the seed that is not a criterion, e.g. that a criterion is
        waived for candidates with a disability who ask for it.
    """

    code: str = Field(pattern=COMPETENCY_CODE)
    title: str = Field(min_length=1)
    modality: str = Field(min_length=1)
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_competency(cls, data: Any) -> Any:
        """Give each criterion read from YAML its competency code."""
        if isinstance(data, dict) and isinstance(data.get("criteria"), list):
            code = data.get("code")
            data = {
                **data,
                "criteria": [
                    {"competency": code, **c} if isinstance(c, dict) else c for c in data["criteria"]
                ],
            }
        return data

    @model_validator(mode="after")
    def _check_ids(self) -> Competency:
        for n, criterion in enumerate(self.criteria, start=1):
            expected = f"{self.code}.{n}"
            if criterion.id != expected:
                raise ValueError(
                    f"le critère n°{n} de {self.code} a l'id {criterion.id!r}, attendu {expected!r} "
                    "(ids consécutifs à partir de 1)"
                )
            if criterion.competency != self.code:
                raise ValueError(
                    f"le critère {criterion.id} déclare la compétence {criterion.competency!r}, "
                    f"attendu {self.code!r}"
                )
        return self


class Activity(_Frozen):
    """An activity (``A1T1``) or sub-situation (``A2T1S1``) grouping competencies.

    Parameters
    ----------
    code : str
        The most specific code of the seed, e.g. ``"A1T1"`` or ``"A2T1S1"``.
    title : str
        The activity or sub-situation title, as in the RNCP référentiel seed.
    competencies : tuple of Competency
        At least one.
    parent_title : str or None, default=None
        For a sub-situation, the title of its parent activity (``A2T1``).
    description : str or None, default=None
        Extra lines of the seed's activity column (e.g. the steps listed under ``A1T3``).
    """

    code: str = Field(pattern=r"^A[1-4]T\d+(S\d+)?$")
    title: str = Field(min_length=1)
    competencies: tuple[Competency, ...] = Field(min_length=1)
    parent_title: str | None = None
    description: str | None = None


class Block(_Frozen):
    """A block of competencies (``A1`` to ``A4``); one MSPR per block.

    Parameters
    ----------
    code : str
        ``"A1"`` to ``"A4"``.
    title : str
        The block title, as in the RNCP référentiel seed.
    activities : tuple of Activity
        At least one.
    """

    code: str = Field(pattern=r"^A[1-4]$")
    title: str = Field(min_length=1)
    activities: tuple[Activity, ...] = Field(min_length=1)

    @property
    def competencies(self) -> tuple[Competency, ...]:
        """All competencies of the block, in the seed's order."""
        return tuple(c for a in self.activities for c in a.competencies)

    @model_validator(mode="after")
    def _check_prefixes(self) -> Block:
        for activity in self.activities:
            if not activity.code.startswith(f"{self.code}T"):
                raise ValueError(f"l'activité {activity.code} n'appartient pas au bloc {self.code}")
        for competency in self.competencies:
            if not competency.code.startswith(f"{self.code}C"):
                raise ValueError(f"la compétence {competency.code} n'appartient pas au bloc {self.code}")
        return self


class Referentiel(_Frozen):
    """The whole référentiel: blocks → activities → competencies → criteria.

    Transcribed from the RNCP référentiel seed into ``referentiel.yaml``; use
    :meth:`load` rather than the constructor.

    Parameters
    ----------
    title : str
        The certification's title.
    blocks : tuple of Block
        The blocks, in order (``A1`` … ``A4``).
    """

    title: str = Field(min_length=1)
    blocks: tuple[Block, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_unique(self) -> Referentiel:
        for kind, codes in (
            ("bloc", [b.code for b in self.blocks]),
            ("activité", [a.code for b in self.blocks for a in b.activities]),
            ("compétence", [c.code for b in self.blocks for c in b.competencies]),
        ):
            duplicates = sorted({c for c in codes if codes.count(c) > 1})
            if duplicates:
                raise ValueError(f"code de {kind} en double : {', '.join(duplicates)}")
        return self

    @classmethod
    def load(cls, path: str | Path | None = None) -> Referentiel:
        """Read and validate a référentiel YAML file.

        Parameters
        ----------
        path : str or pathlib.Path, optional
            The YAML file. Default: the packaged ``referentiel.yaml`` (transcribed
            from the RNCP référentiel seed), read once and cached.

        Returns
        -------
        Referentiel

        Raises
        ------
        mspr.errors.MsprError
            If the file is missing, is not valid YAML, or does not match the
            schema; the French message names the file and the faulty field.
        """
        if path is None:
            return _load_default()
        return _load(Path(path))

    @property
    def competencies(self) -> dict[str, Competency]:
        """Competencies by code (``"A1C1"`` → :class:`Competency`), in the seed's order."""
        return {c.code: c for b in self.blocks for c in b.competencies}

    def codes(self) -> list[str]:
        """Return the competency codes in order, e.g. ``["A1C1", …, "A4C13"]``.

        Returns
        -------
        list of str
            Every competency code (``A<block>C<n>``), blocks A1 to A4, in the
            order of the RNCP référentiel seed.
        """
        return list(self.competencies)

    def competency(self, code: str) -> Competency:
        """Return the competency with this code.

        Parameters
        ----------
        code : str
            A competency code such as ``"A4C5"``.

        Returns
        -------
        Competency
            The competency, with its modality and criteria.

        Raises
        ------
        KeyError
            If the référentiel has no such competency.
        """
        competencies = self.competencies
        if code not in competencies:
            codes = list(competencies)
            raise KeyError(
                f"compétence inconnue dans le référentiel : {code!r} "
                f"(codes valides : {codes[0]} … {codes[-1]}, voir Referentiel.codes())"
            )
        return competencies[code]

    def criteria(self) -> list[Criterion]:
        """Return every criterion of the référentiel, in order (``A1C1.1`` first).

        Returns
        -------
        list of Criterion
            The criteria of every competency, competency by competency in the
            order of :meth:`codes`, each competency's criteria in the seed's
            order (ids ``<code>.1``, ``<code>.2``…).
        """
        return [cr for c in self.competencies.values() for cr in c.criteria]

    def block_of(self, code: str) -> Block:
        """Return the block a competency or criterion belongs to.

        Parameters
        ----------
        code : str
            A competency code (``"A4C5"``) or a criterion id (``"A4C5.2"``).

        Returns
        -------
        Block
            The block (``A1`` to ``A4``) holding the competency.

        Raises
        ------
        KeyError
            If the competency or the criterion does not exist.
        """
        competency = self.competency(code.split(".", 1)[0])
        if "." in code and code not in {cr.id for cr in competency.criteria}:
            raise KeyError(
                f"critère inconnu dans le référentiel : {code!r} "
                f"({competency.code} a les critères {competency.code}.1 à {competency.code}.{len(competency.criteria)})"
            )
        return next(b for b in self.blocks if competency.code.startswith(f"{b.code}C"))


@functools.lru_cache(maxsize=1)
def _load_default() -> Referentiel:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> Referentiel:
    """Read a référentiel with the shared YAML loader (French errors with file, line and field)."""
    return load_yaml_model(path, Referentiel, what="référentiel",
                           example="mspr/referentiel/referentiel.yaml (voir son en-tête)")
