"""A4 — project management (``a4_pilotage``): PERT schedule and critical path."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field, StrictFloat, StrictInt, TypeAdapter

from mspr.grading.checks._core import CheckContext, Text, check

#: ``A4C1.critical_path``: task ids in order.
PATH_ANSWER = TypeAdapter(Annotated[list[Text], Field(max_length=1000)])

#: ``A4C1.project_duration``: days (a JSON number, not a string or a boolean).
DURATION_ANSWER = TypeAdapter(Union[StrictInt, StrictFloat])


@check("A4C1.critical_path", assignment="a4_pilotage", max_score=2, schema=PATH_ANSWER,
       label="Chemin critique du plan projet (PERT)",
       scoring="any of the plan's critical paths, exact: full points; otherwise half the best Jaccard index "
               "of the task sets")
def critical_path(ctx: CheckContext, answer: list[str]) -> tuple[float, str]:
    """Full marks for any exact critical path; else the best Jaccard index of the task sets, halved.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is
        ``ctx.ground_truth.plan.critical_paths`` (every critical path,
        critical path method, see :func:`mspr.case.plan.schedule`).
    answer : list of str
        Task ids of the critical path, in execution order.

    Returns
    -------
    fraction : float
        1.0 if the answer is one of the critical paths; otherwise half the
        largest Jaccard index between the answered task set and a critical
        path's, in [0, 0.5] (0.0 for an empty answer).
    evidence : str
        French sentence quoting the answered and the expected paths.
    """
    paths = ctx.ground_truth.plan.critical_paths
    expected = " ou ".join(" → ".join(p) for p in paths[:3]) + (" …" if len(paths) > 3 else "")
    if answer in paths:
        other = f" (un des {len(paths)} chemins critiques)" if len(paths) > 1 else ""
        return 1.0, f"chemin critique exact{other} : {' → '.join(answer)}"
    overlap = max(len(set(answer) & set(p)) / len(set(answer) | set(p)) for p in paths) if answer else 0.0
    return overlap / 2, f"réponse {' → '.join(answer) or '(vide)'} ; attendu {expected}"


@check("A4C1.project_duration", assignment="a4_pilotage", max_score=1, schema=DURATION_ANSWER,
       label="Durée totale du projet (jours)", scoring="exact duration in days")
def project_duration(ctx: CheckContext, answer: int | float) -> tuple[float, str]:
    """Exact number of days.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.plan.duration_days``.
    answer : int or float
        The project duration in days.

    Returns
    -------
    fraction : float
        1.0 if the answer equals the true duration, else 0.0.
    evidence : str
        French sentence quoting the answered and the expected durations.
    """
    truth = ctx.ground_truth.plan.duration_days
    return float(answer == truth), f"réponse {answer} j ; attendu {truth} j"
