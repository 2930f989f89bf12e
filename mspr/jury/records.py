"""The jury's records: each juror's marks, the agreed decisions, and what they decide.

Marks and decisions are JSON files of the workspace (:class:`mspr.paths.Workspace`:
``jury/marks/<team>/<juror>.json``, ``jury/decisions/<team>.json``), written
only by an import (:func:`mspr.jury.workbook.import_workbook`) or by
:func:`record_decision`, never by a report; a file that gets replaced is moved
to the archive first. :func:`candidate_result` combines them with the roster:
per competency the effective level (exempt, agreed, in disagreement, pending)
and per block whether the decision rule holds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone

from mspr.errors import MsprError
from mspr.jury.roster import Candidate, Roster, parse_level
from mspr.paths import Workspace
from mspr.referentiel import Referentiel

__all__ = ["BlockResult", "CandidateResult", "CompetencyResult", "candidate_result", "disagreements",
           "load_decisions", "load_marks", "record_decision", "EXEMPT", "PENDING", "DISAGREEMENT",
           "VALIDATED", "NOT_VALIDATED", "BLOCK_PENDING"]

#: Effective level of a competency the candidate is exempted from.
EXEMPT = "dispensé"
#: Effective level while a juror has not marked the competency.
PENDING = "en attente"
#: Effective level while the two jurors disagree and no decision is recorded.
DISAGREEMENT = "désaccord des jurés"

#: Block states.
VALIDATED, NOT_VALIDATED, BLOCK_PENDING = "validé", "non validé", "en attente"


def _read(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _write(ws: Workspace, path, data: dict):
    """Write a record, the previous one archived first; return where it was archived (or None)."""
    archived = ws.archive(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return archived


def load_marks(ws: Workspace, team_id: str, juror_ids) -> dict[str, dict]:
    """Read the current marks of a team's jurors.

    Parameters
    ----------
    ws : Workspace
    team_id : str
    juror_ids : iterable of str
        The team's jurors.

    Returns
    -------
    dict
        ``juror_id`` → marks document (``candidates`` → candidate id →
        ``{"competencies": {code: {"level", "comment"}}, "criteria": {id:
        {"level", "comment"}}}``), ``{}`` for a juror with no import yet.
    """
    return {j: _read(ws.jury_marks(team_id, j)) for j in juror_ids}


def load_decisions(ws: Workspace, team_id: str) -> dict[str, dict[str, dict]]:
    """Read the decisions recorded for a team.

    Parameters
    ----------
    ws : Workspace
    team_id : str

    Returns
    -------
    dict
        ``candidate_id`` → competency code → ``{"level", "comment",
        "decided_at"}``.
    """
    return _read(ws.jury_decisions(team_id)).get("decisions", {})


def record_decision(ws: Workspace, roster: Roster, candidate_id: str, competency: str, level: str,
                    comment: str, referentiel: Referentiel | None = None) -> dict:
    """Record the level the two jurors agreed on for one candidate and competency.

    The previous decisions file of the team is archived first.

    Parameters
    ----------
    ws : Workspace
    roster : Roster
    candidate_id : str
    competency : str
        A competency code, e.g. ``"A1C6"``.
    level : str
        A level of ``roster.scale``.
    comment : str
        The jury's reason, in French; required.
    referentiel : Referentiel, optional

    Returns
    -------
    dict
        The recorded decision (``level``, ``comment``, ``decided_at``).

    Raises
    ------
    MsprError
        Unknown candidate or competency, an exempt competency, a level off the
        scale, or an empty comment.
    """
    referentiel = referentiel or Referentiel.load()
    candidate = roster.candidate(candidate_id)
    if competency not in referentiel.competencies:
        raise MsprError(f"compétence inconnue : {competency!r}", hint="codes du référentiel : A1C1 … A4C13")
    if competency in candidate.exemptions:
        raise MsprError(f"{candidate.name} est dispensé(e) de {competency} : pas de décision à enregistrer")
    levels = {parse_level(lv): lv for lv in roster.scale.levels}
    if parse_level(level) not in levels:
        raise MsprError(f"niveau « {level} » hors échelle",
                        hint="niveaux admis : " + " / ".join(roster.scale.levels))
    if not comment.strip():
        raise MsprError("commentaire obligatoire pour une décision du jury",
                        hint="indiquez en une phrase le motif de la décision (--comment « motif »)")
    team = roster.team_of(candidate_id)
    path = ws.jury_decisions(team.id)
    data = _read(path) or {"team_id": team.id, "decisions": {}}
    decision = {"level": levels[parse_level(level)], "comment": comment.strip(),
                "decided_at": datetime.now(timezone.utc).isoformat()}
    data["decisions"].setdefault(candidate_id, {})[competency] = decision
    _write(ws, path, data)
    return decision


@dataclass(frozen=True)
class CompetencyResult:
    """Where one candidate stands on one competency.

    Attributes
    ----------
    code : str
    exempt : bool
    marks : dict of str to dict
        ``juror_id`` → ``{"level", "comment"}`` (absent when not marked).
    criteria : dict of str to dict
        criterion key → ``juror_id`` → ``{"level", "comment"}``.
    decision : dict or None
        The recorded decision, if any.
    level : str
        The effective level: a level of the scale, :data:`EXEMPT`,
        :data:`PENDING` or :data:`DISAGREEMENT`.
    source : str
        French: where the level comes from.
    """

    code: str
    exempt: bool
    marks: dict[str, dict]
    criteria: dict[str, dict[str, dict]]
    decision: dict | None
    level: str
    source: str

    @property
    def disagreement(self) -> bool:
        """Whether the jurors gave different levels (whatever was decided since)."""
        levels = {m["level"] for m in self.marks.values() if m.get("level")}
        return len(levels) > 1


@dataclass(frozen=True)
class BlockResult:
    """Whether a candidate's block is validated.

    Attributes
    ----------
    code : str
        ``"A1"`` … ``"A4"``.
    status : str
        :data:`VALIDATED`, :data:`NOT_VALIDATED` or :data:`BLOCK_PENDING`.
    acquired, required, assessed : int
        Competencies acquired, acquired ones the rule requires, and non-exempt
        competencies of the block.
    """

    code: str
    status: str
    acquired: int
    required: int
    assessed: int


@dataclass(frozen=True)
class CandidateResult:
    """A candidate's competencies and blocks.

    Attributes
    ----------
    candidate : Candidate
    team_id : str
    deadline : datetime.datetime
        End of the preparation time, accommodation included.
    oral_minutes : float
        Oral time, minutes, accommodation included.
    competencies : dict of str to CompetencyResult
    blocks : dict of str to BlockResult
    """

    candidate: Candidate
    team_id: str
    deadline: datetime
    oral_minutes: float
    competencies: dict[str, CompetencyResult]
    blocks: dict[str, BlockResult]


def candidate_result(roster: Roster, candidate_id: str, marks: dict[str, dict], decisions: dict[str, dict],
                     referentiel: Referentiel | None = None) -> CandidateResult:
    """Combine the jurors' marks and the decisions into a candidate's result.

    Parameters
    ----------
    roster : Roster
    candidate_id : str
    marks : dict
        :func:`load_marks` of the candidate's team.
    decisions : dict
        :func:`load_decisions` of the candidate's team.
    referentiel : Referentiel, optional

    Returns
    -------
    CandidateResult
        A competency's level is, in order: :data:`EXEMPT` for an exemption;
        the recorded decision; the jurors' common level when both marked it
        alike; :data:`DISAGREEMENT` when they differ; :data:`PENDING`
        otherwise. A block is validated when at least
        ``ceil(rule.min_acquired × assessed)`` of its non-exempt competencies
        are acquired, not validated when that can no longer happen, pending
        otherwise.
    """
    referentiel = referentiel or Referentiel.load()
    candidate = roster.candidate(candidate_id)
    team = roster.team_of(candidate_id)
    mine = {j: m.get("candidates", {}).get(candidate_id, {}) for j, m in marks.items()}
    decided = decisions.get(candidate_id, {})
    acquired = roster.scale.acquired_level
    comps = {}
    for code in referentiel.competencies:
        by_juror = {j: m["competencies"][code] for j, m in mine.items()
                    if m.get("competencies", {}).get(code, {}).get("level")}
        criteria: dict[str, dict[str, dict]] = {}
        for j, m in mine.items():
            for key, mark in m.get("criteria", {}).items():
                if key.split(".")[0] == code or code in mark.get("competencies", ()):
                    criteria.setdefault(key, {})[j] = mark
        if code in candidate.exemptions:
            level, source = EXEMPT, "dispense (situation de handicap, à la demande du candidat)"
        elif code in decided:
            level, source = decided[code]["level"], "décision du jury"
        elif len(by_juror) == len(team.jurors) and len({m["level"] for m in by_juror.values()}) == 1:
            level, source = next(iter(by_juror.values()))["level"], "accord des deux jurés"
        elif len({m["level"] for m in by_juror.values()}) > 1:
            level, source = DISAGREEMENT, "les jurés doivent s'accorder (mspr jury decide)"
        else:
            level, source = PENDING, _who_marked(len(by_juror), len(team.jurors))
        comps[code] = CompetencyResult(code, code in candidate.exemptions, by_juror, criteria,
                                       decided.get(code), level, source)
    blocks = {}
    for block in referentiel.blocks:
        assessed = [comps[c.code] for c in block.competencies if not comps[c.code].exempt]
        n_ok = sum(r.level == acquired for r in assessed)
        n_open = sum(r.level in (PENDING, DISAGREEMENT) for r in assessed)
        required = math.ceil(roster.rule.min_acquired * len(assessed) - 1e-9)
        status = VALIDATED if n_ok >= required else (NOT_VALIDATED if n_ok + n_open < required else BLOCK_PENDING)
        blocks[block.code] = BlockResult(block.code, status, n_ok, required, len(assessed))
    return CandidateResult(candidate, team.id, roster.deadline(candidate), roster.oral_minutes(candidate),
                           comps, blocks)


def disagreements(ws: Workspace, roster: Roster, team_id: str,
                  referentiel: Referentiel | None = None) -> list[tuple[str, str, dict[str, str], dict | None]]:
    """List the competencies on which a team's two jurors gave different levels.

    Parameters
    ----------
    ws : Workspace
    roster : Roster
    team_id : str
    referentiel : Referentiel, optional

    Returns
    -------
    list of tuple
        ``(candidate_id, competency, {juror_id: level}, decision or None)``, in
        roster and référentiel order; the decision is the one recorded since, if any.
    """
    team = roster.team(team_id)
    marks = load_marks(ws, team_id, team.jurors)
    decisions = load_decisions(ws, team_id)
    out = []
    for cid in team.candidates:
        result = candidate_result(roster, cid, marks, decisions, referentiel)
        for code, comp in result.competencies.items():
            if comp.disagreement and not comp.exempt:
                out.append((cid, code, {j: m["level"] for j, m in comp.marks.items()}, comp.decision))
    return out


def _who_marked(marked: int, jurors: int) -> str:
    """French phrase for how many of a team's jurors have marked a competency (« 1 juré sur 2 a noté »)."""
    if marked == 0:
        return f"aucun des {jurors} jurés n'a encore noté" if jurors > 1 else "le juré n'a pas encore noté"
    return f"{marked} juré{'s' if marked > 1 else ''} sur {jurors} {'ont' if marked > 1 else 'a'} noté"
