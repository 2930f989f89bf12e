"""A4 facts beyond the critical path: working calendar, costs, providers' SLA log and penalties.

Rules, all in the case's units:

- **calendar**: working days are Monday to Friday minus the public holidays
  of the case's country (``holidays`` package, French holidays by default,
  with the Alsace-Moselle ones for subdivisions ``57``, ``67``, ``68``). Day
  ``d`` of the plan (CPM day numbers, :mod:`mspr.case.plan`) is the ``d``-th
  working day counted from the first working day on or after the start date
  (day 0). A task of earliest start ``ES`` and earliest finish ``EF`` runs
  from the date of day ``ES`` to the date of day ``EF - 1`` (its last day).
- **costs**: each resource named by a task works on it full time, so the
  task costs its duration (days) × the sum of its resources' daily costs
  (EUR); a resource costs the sum over its tasks.
- **SLA**: each provider has indicators with an objective and a penalty
  scale in percent of the monthly fee. A month attains an indicator when its
  value is at or above the objective (``sens: minimum``) or at or below it
  (``maximum``). The indicator's penalty is the largest ``penalite_pct`` of
  the tiers whose threshold is crossed (value strictly below ``seuil`` for
  ``minimum``, strictly above for ``maximum``), 0 if none. The month's
  penalty is the sum over indicators, capped at ``plafond_penalites_pct``,
  times the fee, rounded to the cent (EUR).
- **agile tracking** (:func:`agile_log`, :func:`agile_series`): sprint ``k``
  covers ``duree_sprint_jours`` consecutive working days. A sprint's
  **velocity** is the sum of the story points of the items whose status is
  ``Terminé`` and whose ``termine_le`` date falls within the sprint (items
  without an estimate count 0). The **burndown** value after sprint ``k`` is
  the sum of the points of the items created on or before the sprint's last
  day and not finished by then (scope added during the project raises it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["BACKLOG_COLUMNS", "DONE", "LOG_COLUMNS", "SPRINT_COLUMNS", "agile_log", "agile_series", "PROVIDER_COLUMNS", "RESOURCE_COLUMNS", "holidays_between", "indicator_penalty", "months",
           "month_penalty", "provider_table", "resource_table", "sla_log", "total_cost", "working_days"]

#: Columns of ``journal_prestataires.csv`` (one row per provider, month and indicator).
LOG_COLUMNS = ["prestataire", "mois", "indicateur", "valeur"]

#: Columns of ``prestataires.csv`` (one row per provider and indicator: the contract).
PROVIDER_COLUMNS = ["prestataire", "nom", "service", "debut_contrat", "fin_contrat", "redevance_mensuelle_eur",
                    "plafond_penalites_pct", "indicateur", "libelle", "unite", "sens", "objectif", "paliers"]

#: Columns of ``backlog.csv`` (the board export: one row per backlog item).
BACKLOG_COLUMNS = ["cle", "titre", "epopee", "type", "points", "priorite", "statut", "sprint", "cree_le", "termine_le"]

#: Columns of ``sprints.csv`` (one row per sprint: name, first and last working day).
SPRINT_COLUMNS = ["sprint", "debut", "fin"]

#: Status of a finished item in the board export.
DONE = "Terminé"

#: Columns of ``ressources_projet.csv``.
RESOURCE_COLUMNS = ["ressource", "libelle", "cout_journalier_eur"]


def holidays_between(first: dt.date, last: dt.date, *, country: str = "FR",
                     subdivision: str | None = None) -> dict[dt.date, str]:
    """Public holidays of a country between two dates, with their French names.

    Parameters
    ----------
    first, last : datetime.date
        Inclusive bounds.
    country : str, default="FR"
        ISO 3166 code.
    subdivision : str, optional
        E.g. ``"57"`` (Moselle) for its two extra holidays.

    Returns
    -------
    dict of datetime.date to str
        Holiday date → name (French when the ``holidays`` package has it),
        sorted by date.
    """
    import holidays

    years = range(first.year, last.year + 1)
    try:
        calendar = holidays.country_holidays(country, subdiv=subdivision, years=years, language="fr")
    except (NotImplementedError, KeyError):
        calendar = holidays.country_holidays(country, subdiv=subdivision, years=years)
    return {day: str(name) for day, name in sorted(calendar.items()) if first <= day <= last}


def working_days(start: dt.date, count: int, *, country: str = "FR",
                 subdivision: str | None = None) -> list[dt.date]:
    """The first ``count`` working days on or after ``start``.

    Parameters
    ----------
    start : datetime.date
        Project start (day 0 is the first working day on or after it).
    count : int
        Number of working days wanted (≥ 0).
    country, subdivision : str
        As in :func:`holidays_between`.

    Returns
    -------
    list of datetime.date
        ``result[d]`` is the date of plan day ``d``.

    Examples
    --------
    >>> [d.isoformat() for d in working_days(dt.date(2027, 4, 30), 3)]
    ['2027-04-30', '2027-05-03', '2027-05-04']
    """
    # A year of working days has ~250 days: a window of count * 1.6 + 30 calendar days is enough.
    horizon = start + dt.timedelta(days=int(count * 1.6) + 30)
    closed = holidays_between(start, horizon, country=country, subdivision=subdivision)
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def resource_table(resources: dict) -> pd.DataFrame:
    """The released table of the plan's resources.

    Parameters
    ----------
    resources : dict of str to mspr.case.spec.Resource

    Returns
    -------
    pandas.DataFrame
        :data:`RESOURCE_COLUMNS`, one row per resource, costs in EUR per day.
    """
    return pd.DataFrame([{"ressource": key, "libelle": r.libelle, "cout_journalier_eur": f"{r.cout_journalier_eur:g}"}
                         for key, r in resources.items()], columns=RESOURCE_COLUMNS, dtype=object)


def _tiers(indicator) -> str:
    """Penalty scale as released: ``seuil:pct`` pairs separated by ``;``."""
    return ";".join(f"{t.seuil:g}:{t.penalite_pct:g}" for t in indicator.paliers)


def provider_table(providers) -> pd.DataFrame:
    """The released table of the providers' contracts (one row per provider and indicator).

    Parameters
    ----------
    providers : mspr.case.spec.ProvidersSpec or None

    Returns
    -------
    pandas.DataFrame
        :data:`PROVIDER_COLUMNS`; ``paliers`` lists ``seuil:penalite_pct``
        pairs separated by ``;`` (percent of the monthly fee). Empty when the
        case has no providers.
    """
    rows = []
    for p in providers.liste if providers else []:
        for ind in p.indicateurs:
            rows.append({"prestataire": p.id, "nom": p.nom, "service": p.service,
                         "debut_contrat": p.debut_contrat.isoformat(), "fin_contrat": p.fin_contrat.isoformat(),
                         "redevance_mensuelle_eur": f"{p.redevance_mensuelle_eur:g}",
                         "plafond_penalites_pct": f"{p.plafond_penalites_pct:g}", "indicateur": ind.id,
                         "libelle": ind.libelle, "unite": ind.unite, "sens": ind.sens,
                         "objectif": f"{ind.objectif:g}", "paliers": _tiers(ind)})
    return pd.DataFrame(rows, columns=PROVIDER_COLUMNS, dtype=object)


def months(first: str, count: int) -> list[str]:
    """Consecutive months.

    Parameters
    ----------
    first : str
        First month, ``YYYY-MM``.
    count : int
        Number of months.

    Returns
    -------
    list of str
        ``count`` months ``YYYY-MM`` from ``first``.
    """
    year, month = map(int, first.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def sla_log(providers, *, seed: int) -> pd.DataFrame:
    """Generate the monthly SLA log (the provider's monthly report, as an export).

    Parameters
    ----------
    providers : mspr.case.spec.ProvidersSpec or None
    seed : int
        The build's seed; the log has its own random stream
        (``numpy.random.default_rng([seed, 4])``), so adding providers to a
        case changes none of its other data.

    Returns
    -------
    pandas.DataFrame
        :data:`LOG_COLUMNS`: provider id, month ``YYYY-MM``, indicator id,
        value drawn from the indicator's normal law, clipped to its bounds
        and rounded to its decimals (text, decimal point). Empty without
        providers.
    """
    rows = []
    if providers:
        rng = np.random.default_rng([seed, 4])
        for month in months(providers.premier_mois, providers.mois):
            for p in providers.liste:
                for ind in p.indicateurs:
                    value = float(rng.normal(ind.moyenne, ind.ecart_type))
                    value = min(ind.max, value) if ind.max is not None else value
                    value = max(ind.min, value) if ind.min is not None else value
                    value = round(value, ind.decimales)
                    rows.append({"prestataire": p.id, "mois": month, "indicateur": ind.id,
                                 "valeur": f"{value:.{ind.decimales}f}"})
    return pd.DataFrame(rows, columns=LOG_COLUMNS, dtype=object)


def indicator_penalty(indicator, value: float) -> tuple[bool, float]:
    """Attainment and penalty of one indicator in one month.

    Parameters
    ----------
    indicator : mspr.case.spec.SlaIndicator
    value : float
        The month's value, in the indicator's unit.

    Returns
    -------
    attained : bool
        At or above the objective (``minimum``), at or below (``maximum``).
    penalty_pct : float
        Largest ``penalite_pct`` of the crossed tiers (percent of the fee), 0
        if none is crossed.
    """
    if indicator.sens == "minimum":
        attained = value >= indicator.objectif
        crossed = [t.penalite_pct for t in indicator.paliers if value < t.seuil]
    else:
        attained = value <= indicator.objectif
        crossed = [t.penalite_pct for t in indicator.paliers if value > t.seuil]
    return attained, max(crossed, default=0.0)


def month_penalty(provider, values: dict[str, float]) -> tuple[float, float]:
    """A provider's penalty for one month.

    Parameters
    ----------
    provider : mspr.case.spec.Provider
    values : dict of str to float
        Indicator id → the month's value.

    Returns
    -------
    penalty_pct : float
        Sum of the indicators' penalties, capped at the contract's
        ``plafond_penalites_pct`` (percent of the fee).
    penalty_eur : float
        ``penalty_pct`` × the monthly fee / 100, EUR, rounded to the cent.
    """
    total = sum(indicator_penalty(ind, values[ind.id])[1] for ind in provider.indicateurs)
    pct = min(total, provider.plafond_penalites_pct)
    return pct, round(provider.redevance_mensuelle_eur * pct / 100, 2)


def total_cost(tasks: Iterable, resources: dict) -> tuple[dict[str, float], dict[str, float]]:
    """Cost of each task and of each resource (EUR).

    Parameters
    ----------
    tasks : iterable of mspr.case.spec.Task
    resources : dict of str to mspr.case.spec.Resource

    Returns
    -------
    by_task : dict of str to float
        Task id → duration (days) × sum of its resources' daily costs, EUR.
    by_resource : dict of str to float
        Resource → sum over its tasks of duration × daily cost, EUR (every
        declared resource, 0 when it has no task).
    """
    by_task, by_resource = {}, dict.fromkeys(resources, 0.0)
    for task in tasks:
        by_task[task.id] = 0.0
        for name in task.ressources:
            cost = task.duree_jours * resources[name].cout_journalier_eur
            by_task[task.id] += cost
            by_resource[name] += cost
    return {k: round(v, 2) for k, v in by_task.items()}, {k: round(v, 2) for k, v in by_resource.items()}


#: Story points drawn for a story (Fibonacci-like scale) and their probabilities.
_POINTS = (1, 2, 3, 5, 8, 13)
_POINT_PROBABILITIES = (0.1, 0.2, 0.25, 0.25, 0.15, 0.05)


def agile_log(spec, *, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate the backlog and the sprint log of the project, as a board export.

    Parameters
    ----------
    spec : mspr.case.spec.CaseSpec
        Reads ``spec.agile`` (sprints, their length, mean velocity, scope
        added), ``spec.plan`` (tasks: the epics and their titles; calendar;
        start date when ``agile.debut`` is not set).
    seed : int
        The build's seed; the log has its own random stream
        (``numpy.random.default_rng([seed, 5])``), so it changes none of the
        case's other data.

    Returns
    -------
    backlog : pandas.DataFrame
        :data:`BACKLOG_COLUMNS`, text cells, one row per item sorted by key:
        stories of the initial backlog (one epic per plan task, in the
        plan's order, as many stories as its duration warrants), stories
        added during the sprints (scope change) and bugs without estimate;
        ``statut`` is ``Terminé``, ``En cours`` or ``À faire``; ``sprint``
        the sprint that finished the item (the current one for the item in
        progress, empty otherwise); dates ``YYYY-MM-DD``.
    sprints : pandas.DataFrame
        :data:`SPRINT_COLUMNS`: ``Sprint 1``… with their first and last
        working day (``YYYY-MM-DD``).

    Notes
    -----
    The team pulls items in priority order while the points finished in
    the sprint plus half of the next item stay within its capacity (normal
    law around ``velocite_moyenne``, standard deviation 15 %); the first
    item that does not fit stays in progress.
    Stories added during a sprint go to the top of the backlog at the next
    sprint; a bug is fixed within two working days in its sprint.
    """
    import bisect

    agile, plan = spec.agile, spec.plan
    rng = np.random.default_rng([seed, 5])
    start = agile.debut or plan.debut or dt.date(2025, 1, 6)
    length, count = agile.duree_sprint_jours, agile.sprints
    days = working_days(start, length * count, country=plan.calendrier.pays, subdivision=plan.calendrier.subdivision)
    sprints = [(f"Sprint {k + 1}", days[k * length:(k + 1) * length]) for k in range(count)]

    tasks = list(plan.taches)
    bounds = np.cumsum([t.duree_jours for t in tasks]).tolist()
    mean_points = float(np.dot(_POINTS, _POINT_PROBABILITIES))
    n_initial = max(len(tasks), int(round(agile.velocite_moyenne * count * 1.2 / mean_points)))
    owners = [tasks[min(len(tasks) - 1, bisect.bisect_right(bounds, (j + 0.5) / n_initial * bounds[-1]))]
              for j in range(n_initial)]
    items = []
    for j, task in enumerate(owners):
        rank, total = owners[:j + 1].count(task), owners.count(task)
        items.append({"epopee": task.id, "type": "Récit", "points": int(rng.choice(_POINTS, p=_POINT_PROBABILITIES)),
                      "titre": f"{task.libelle} ({rank}/{total})",
                      "cree_le": start - dt.timedelta(days=int(rng.integers(3, 30)))})
    initial_points = sum(item["points"] for item in items)
    added, budget = [], initial_points * agile.ajouts_pct / 100
    while sum(item["points"] for item in added) < budget and count > 1:
        task = tasks[int(rng.integers(len(tasks)))]
        added.append({"epopee": task.id, "type": "Récit", "points": int(rng.choice(_POINTS, p=_POINT_PROBABILITIES)),
                      "titre": f"Évolution demandée : {task.libelle.lower()}",
                      "cree_le": days[int(rng.integers(length, length * count))]})
    bugs = []
    for k, (_, sprint_days) in enumerate(sprints):
        for _ in range(int(rng.integers(0, 3))):
            day = int(rng.integers(0, length - 2))
            task = tasks[int(rng.integers(len(tasks)))]
            bugs.append({"epopee": task.id, "type": "Bogue", "points": None, "titre": f"Anomalie : {task.libelle.lower()}",
                         "cree_le": sprint_days[day], "termine_le": sprint_days[day + int(rng.integers(0, 3))],
                         "sprint": f"Sprint {k + 1}", "statut": DONE})
    for rank, item in enumerate(items + added + bugs, start=1):
        item["cle"] = f"PRJ-{rank:03d}"

    queue = list(items)
    waiting = sorted(added, key=lambda item: item["cree_le"])
    for name, sprint_days in sprints:
        arrived = [item for item in waiting if item["cree_le"] < sprint_days[0]]
        waiting = [item for item in waiting if item["cree_le"] >= sprint_days[0]]
        queue = arrived + queue
        capacity = max(1.0, float(rng.normal(agile.velocite_moyenne, 0.15 * agile.velocite_moyenne)))
        finished = 0
        while queue and (finished + queue[0]["points"] / 2 <= capacity or finished == 0):
            item = queue.pop(0)
            finished += item["points"]
            index = min(length - 1, int(finished / max(capacity, finished) * (length - 1)))
            item |= {"statut": DONE, "sprint": name, "termine_le": sprint_days[index]}
        if queue:
            queue[0] |= {"statut": "En cours", "sprint": name}
    rows = []
    for item in sorted(items + added + bugs, key=lambda i: i["cle"]):
        rows.append({"cle": item["cle"], "titre": item["titre"], "epopee": item["epopee"], "type": item["type"],
                     "points": "" if item["points"] is None else str(item["points"]),
                     "priorite": "Haute" if item["type"] == "Bogue" else "Moyenne",
                     "statut": item.get("statut", "À faire"), "sprint": item.get("sprint", ""),
                     "cree_le": item["cree_le"].isoformat(),
                     "termine_le": item["termine_le"].isoformat() if "termine_le" in item else ""})
    backlog = pd.DataFrame(rows, columns=BACKLOG_COLUMNS, dtype=object)
    table = pd.DataFrame([{"sprint": name, "debut": d[0].isoformat(), "fin": d[-1].isoformat()} for name, d in sprints],
                         columns=SPRINT_COLUMNS, dtype=object)
    return backlog, table


def agile_series(backlog: pd.DataFrame, sprints: pd.DataFrame) -> tuple[float, list[dict]]:
    """Velocity and burndown of every sprint, recomputed from the board export.

    Parameters
    ----------
    backlog : pandas.DataFrame
        Columns ``points`` (story points; empty: not estimated, 0),
        ``statut``, ``cree_le`` and ``termine_le`` (``YYYY-MM-DD``), as in
        ``backlog.csv`` (:data:`BACKLOG_COLUMNS`).
    sprints : pandas.DataFrame
        Columns ``sprint``, ``debut``, ``fin`` (``YYYY-MM-DD``), as in
        ``sprints.csv``.

    Returns
    -------
    initial_points : float
        Points of the items created before the first sprint's first day.
    series : list of dict
        Per sprint, in order: ``sprint`` (name), ``start``, ``end``
        (datetime.date), ``velocity_points`` (points finished within the
        sprint) and ``remaining_points`` (points created by its last day and
        not finished by then), story points.
    """
    points = pd.to_numeric(backlog["points"], errors="coerce").fillna(0.0)
    created = pd.to_datetime(backlog["cree_le"], errors="coerce").dt.date
    finished = pd.to_datetime(backlog["termine_le"], errors="coerce").dt.date
    done = backlog["statut"] == DONE
    first = dt.date.fromisoformat(str(sprints["debut"].iloc[0]))
    initial = float(points[created < first].sum())
    series = []
    for row in sprints.itertuples():
        start, end = dt.date.fromisoformat(str(row.debut)), dt.date.fromisoformat(str(row.fin))
        in_sprint = done & finished.map(lambda d, s=start, e=end: d == d and d is not None and s <= d <= e)
        by_end = done & finished.map(lambda d, e=end: d == d and d is not None and d <= e)
        series.append({"sprint": row.sprint, "start": start, "end": end,
                       "velocity_points": float(points[in_sprint].sum()),
                       "remaining_points": float(points[(created <= end) & ~by_end].sum())})
    return initial, series
