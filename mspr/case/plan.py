"""The project plan: dependency graph, schedule and critical paths (CPM), with networkx.

Tasks come from the case spec (:class:`mspr.case.spec.Task`) or from
``plan_projet.csv`` rows. :func:`schedule` applies the critical path method
(CPM, as taught with PERT networks):

- forward pass: the earliest start of a task is the latest earliest finish of
  its predecessors (0 for a starting task); its earliest finish adds its
  duration; the project lasts as long as the latest earliest finish;
- backward pass: the latest finish of a task is the smallest latest start of
  its successors (the project duration for a final task); its latest start
  subtracts its duration;
- the total float is ``latest_start - earliest_start``; the critical tasks
  have no float, and a critical path is a chain of critical tasks, each
  starting when the previous one finishes, from a starting task to a final
  task. A plan may have several critical paths (ties): all are listed.

Every date is a whole number of days counted from the project start (day 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import networkx as nx

from mspr.errors import MsprError

__all__ = ["MAX_CRITICAL_PATHS", "Schedule", "TaskSchedule", "critical_path", "plan_graph", "schedule"]

#: Most critical paths :func:`schedule` lists; beyond, the plan is refused
#: (a plan with that many ties cannot be graded path by path).
MAX_CRITICAL_PATHS = 1000


@dataclass(frozen=True)
class _Task:
    id: str
    duree_jours: int
    predecesseurs: tuple[str, ...]


def _normalise(task: object) -> _Task:
    """Accept a spec ``Task``, a mapping with ``id``/``id_tache``, or a CSV row."""
    if isinstance(task, Mapping):
        task_id = task.get("id", task.get("id_tache"))
        duration = task.get("duree_jours")
        predecessors = task.get("predecesseurs", ())
    else:
        task_id = getattr(task, "id", None)
        duration = getattr(task, "duree_jours", None)
        predecessors = getattr(task, "predecesseurs", ())
    if task_id is None or duration is None:
        raise MsprError(
            f"tâche mal décrite : {task!r}",
            hint="chaque tâche doit avoir un identifiant (id ou id_tache) et une durée (duree_jours)",
        )
    if predecessors is None or (isinstance(predecessors, float) and predecessors != predecessors):
        predecessors = ()  # empty CSV cell read as NaN
    if isinstance(predecessors, str):
        predecessors = [p for p in predecessors.split(";")]
    if int(duration) < 0:
        raise MsprError(
            f"tâche '{task_id}' : durée négative ({duration} jours)",
            hint="indiquez une durée positive ou nulle, en jours",
        )
    return _Task(str(task_id), int(duration), tuple(str(p).strip() for p in predecessors if str(p).strip()))


def plan_graph(tasks: Iterable[object]) -> nx.DiGraph:
    """Build the dependency graph of a plan.

    Parameters
    ----------
    tasks : iterable of Task or mapping
        Each task has an ``id`` (or ``id_tache``), ``duree_jours`` (int, days)
        and ``predecesseurs`` (list of ids, or a ``";"``-separated string).

    Returns
    -------
    networkx.DiGraph
        One node per task (attribute ``duree_jours``), one edge per
        predecessor → successor dependency.

    Raises
    ------
    MsprError
        If a task id is repeated, a predecessor is unknown, or the
        dependencies form a cycle (the message names the tasks).
    """
    normalised = [_normalise(task) for task in tasks]
    graph = nx.DiGraph()
    for task in normalised:
        if task.id in graph:
            raise MsprError(
                f"tâche '{task.id}' définie deux fois dans le plan",
                hint="donnez un identifiant unique à chaque tâche",
            )
        graph.add_node(task.id, duree_jours=task.duree_jours)
    for task in normalised:
        for predecessor in task.predecesseurs:
            if predecessor not in graph:
                raise MsprError(
                    f"tâche '{task.id}' : prédécesseur inconnu '{predecessor}'",
                    hint=f"corrigez l'identifiant (tâches existantes : {', '.join(graph.nodes)})",
                )
            if predecessor == task.id:
                raise MsprError(
                    f"tâche '{task.id}' : elle est son propre prédécesseur",
                    hint="retirez-la de ses prédécesseurs",
                )
            graph.add_edge(predecessor, task.id)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return graph
    chain = " → ".join([edge[0] for edge in cycle] + [cycle[0][0]])
    raise MsprError(
        f"dépendances circulaires entre les tâches : {chain} (tâche '{cycle[0][0]}')",
        hint="retirez l'un de ces prédécesseurs pour rompre le cycle",
    )


@dataclass(frozen=True)
class TaskSchedule:
    """The CPM dates of one task, in days from the project start (day 0).

    Attributes
    ----------
    id : str
        Task id.
    duration_days : int
        Duration of the task, days.
    earliest_start : int
        Earliest start (ES), days: the latest earliest finish of its
        predecessors, 0 for a starting task.
    earliest_finish : int
        Earliest finish (EF) = ``earliest_start + duration_days``, days.
    latest_start : int
        Latest start (LS) = ``latest_finish - duration_days``, days.
    latest_finish : int
        Latest finish (LF), days: the smallest latest start of its
        successors, the project duration for a final task.
    total_float : int
        Total float (marge totale) = ``latest_start - earliest_start``, days;
        0 for a critical task.
    """

    id: str
    duration_days: int
    earliest_start: int
    earliest_finish: int
    latest_start: int
    latest_finish: int
    total_float: int

    @property
    def critical(self) -> bool:
        """Whether the task is critical (no total float)."""
        return self.total_float == 0

    def to_dict(self) -> dict[str, int]:
        """Return the dates as a JSON-ready mapping (without the id).

        Returns
        -------
        dict of str to int
            ``duration_days``, ``earliest_start``, ``earliest_finish``,
            ``latest_start``, ``latest_finish``, ``total_float`` (days).
        """
        return {
            "duration_days": self.duration_days,
            "earliest_start": self.earliest_start,
            "earliest_finish": self.earliest_finish,
            "latest_start": self.latest_start,
            "latest_finish": self.latest_finish,
            "total_float": self.total_float,
        }


@dataclass(frozen=True)
class Schedule:
    """The schedule of a plan by the critical path method (see :func:`schedule`).

    Attributes
    ----------
    tasks : dict of str to TaskSchedule
        Dates of every task, keyed by id, in the plan's order.
    duration_days : int
        Project duration, days: the latest earliest finish.
    critical_tasks : tuple of str
        Ids of the tasks with no total float, sorted by earliest start then id.
    critical_paths : tuple of tuple of str
        Every critical path (chain of critical tasks from a starting task to
        a final task, each starting when the previous one finishes), in
        lexicographic order of their id sequences; at least one.
    """

    tasks: dict[str, TaskSchedule]
    duration_days: int
    critical_tasks: tuple[str, ...]
    critical_paths: tuple[tuple[str, ...], ...]

    @property
    def critical_path(self) -> list[str]:
        """The first critical path (lexicographically smallest), as :func:`critical_path` returns it."""
        return list(self.critical_paths[0])

    def to_dict(self) -> dict:
        """Return the schedule as the ``plan`` entry of ``ground_truth.json``.

        Returns
        -------
        dict
            ``critical_path`` (list of str, the first critical path, kept for
            readers of the earlier format), ``critical_paths`` (list of list
            of str), ``duration_days`` (int), ``critical_tasks`` (list of str)
            and ``tasks`` (id → :meth:`TaskSchedule.to_dict`).
        """
        return {
            "critical_path": self.critical_path,
            "critical_paths": [list(path) for path in self.critical_paths],
            "duration_days": self.duration_days,
            "critical_tasks": list(self.critical_tasks),
            "tasks": {task_id: task.to_dict() for task_id, task in self.tasks.items()},
        }


@dataclass(frozen=True)
class _Dates:
    """Forward and backward passes of the CPM (days)."""

    earliest_start: dict[str, int]
    latest_start: dict[str, int]
    duration: int

    def critical(self, node: str) -> bool:
        """No total float."""
        return self.earliest_start[node] == self.latest_start[node]

    def tight(self, graph: nx.DiGraph, before: str, after: str) -> bool:
        """``after`` starts as soon as ``before`` finishes, both critical."""
        finish = self.earliest_start[before] + graph.nodes[before]["duree_jours"]
        return (
            self.critical(before)
            and self.critical(after)
            and finish == self.earliest_start[after]
        )


def _dates(graph: nx.DiGraph) -> _Dates:
    """Earliest starts (forward pass) and latest starts (backward pass) of every task."""
    order = list(nx.lexicographical_topological_sort(graph))
    earliest: dict[str, int] = {}
    for node in order:
        earliest[node] = max(
            (earliest[p] + graph.nodes[p]["duree_jours"] for p in graph.predecessors(node)), default=0
        )
    duration = max((earliest[n] + graph.nodes[n]["duree_jours"] for n in order), default=0)
    latest: dict[str, int] = {}
    for node in reversed(order):
        finish = min((latest[s] for s in graph.successors(node)), default=duration)
        latest[node] = finish - graph.nodes[node]["duree_jours"]
    return _Dates(earliest, latest, duration)


def _critical_subgraph(graph: nx.DiGraph, dates: _Dates) -> tuple[list[str], dict[str, list[str]]]:
    """Starting critical tasks and, per critical task, its critical successors (sorted ids)."""
    starts = sorted(n for n in graph if graph.in_degree(n) == 0 and dates.critical(n))
    following = {
        node: sorted(s for s in graph.successors(node) if dates.tight(graph, node, s))
        for node in graph
        if dates.critical(node)
    }
    return starts, following


def _paths(graph: nx.DiGraph, dates: _Dates) -> Iterator[tuple[str, ...]]:
    """Critical paths in lexicographic order (depth first through sorted successors)."""
    starts, following = _critical_subgraph(graph, dates)

    def extend(path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        last = path[-1]
        if graph.out_degree(last) == 0:
            yield path
            return
        for successor in following[last]:
            yield from extend((*path, successor))

    for start in starts:
        yield from extend((start,))


def _count_paths(graph: nx.DiGraph, dates: _Dates) -> int:
    """Number of critical paths, without listing them (dynamic programming)."""
    starts, following = _critical_subgraph(graph, dates)
    count: dict[str, int] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        if node in following:
            ends_here = 1 if graph.out_degree(node) == 0 else 0
            count[node] = ends_here + sum(count[s] for s in following[node])
    return sum(count[s] for s in starts)


def schedule(tasks: Iterable[object], *, max_paths: int = MAX_CRITICAL_PATHS) -> Schedule:
    """Schedule a plan by the critical path method: dates, floats, every critical path.

    Parameters
    ----------
    tasks : iterable of Task or mapping
        Each task has an ``id`` (or ``id_tache``), ``duree_jours`` (int,
        days, ≥ 0) and ``predecesseurs`` (list of ids or a ``";"``-separated
        string; empty for a starting task).
    max_paths : int, default=MAX_CRITICAL_PATHS
        Most critical paths listed (1000); a plan with more is refused.

    Returns
    -------
    Schedule
        Per task its earliest and latest start and finish and its total
        float (days); the project duration; the critical tasks; every
        critical path. Ties (several chains of maximal duration) are
        reported, never refused.

    Raises
    ------
    MsprError
        If a task id is repeated, a predecessor is unknown, a duration is
        negative, the dependencies form a cycle, or the plan has more than
        ``max_paths`` critical paths.

    Notes
    -----
    Critical path method (CPM / PERT, see the module docstring): ES of a
    starting task = 0, ES = max EF of the predecessors, EF = ES + duration;
    LF of a final task = project duration, LF = min LS of the successors,
    LS = LF − duration; total float = LS − ES. Critical paths are the chains
    from a starting task to a final task in the subgraph of critical tasks
    linked by a dependency where the successor starts when the predecessor
    finishes (networkx graph).

    Examples
    --------
    >>> plan = schedule([
    ...     {"id": "A", "duree_jours": 3, "predecesseurs": []},
    ...     {"id": "B", "duree_jours": 2, "predecesseurs": ["A"]},
    ...     {"id": "C", "duree_jours": 2, "predecesseurs": ["A"]},
    ...     {"id": "D", "duree_jours": 1, "predecesseurs": ["B", "C"]},
    ... ])
    >>> plan.duration_days, plan.critical_paths
    (6, (('A', 'B', 'D'), ('A', 'C', 'D')))
    >>> plan.tasks["B"].total_float
    0
    """
    graph = plan_graph(tasks)
    dates = _dates(graph)
    count = _count_paths(graph, dates)
    if count > max_paths:
        raise MsprError(
            f"le plan a {count} chemins critiques de même durée ({dates.duration} jours), "
            f"plus que les {max_paths} que l'outil sait lister",
            hint="modifiez la durée de quelques tâches parallèles pour réduire le nombre d'égalités",
        )
    rows = {}
    for node in graph:  # insertion order: the plan's order
        duration = graph.nodes[node]["duree_jours"]
        start, late = dates.earliest_start[node], dates.latest_start[node]
        rows[node] = TaskSchedule(
            id=node,
            duration_days=duration,
            earliest_start=start,
            earliest_finish=start + duration,
            latest_start=late,
            latest_finish=late + duration,
            total_float=late - start,
        )
    critical = sorted((t for t in rows.values() if t.critical), key=lambda t: (t.earliest_start, t.id))
    return Schedule(
        tasks=rows,
        duration_days=dates.duration,
        critical_tasks=tuple(t.id for t in critical),
        critical_paths=tuple(_paths(graph, dates)),
    )


def critical_path(tasks: Iterable[object], *, require_unique: bool = False) -> tuple[list[str], int]:
    """Return one critical path of a plan (the first of :func:`schedule`'s) and the project duration.

    Kept for existing callers; new code should call :func:`schedule`, which
    lists every critical path and the float of every task.

    Parameters
    ----------
    tasks : iterable of Task or mapping
        Each task has an ``id`` (or ``id_tache``), ``duree_jours`` (int, days)
        and ``predecesseurs`` (list of ids or a ``";"``-separated string;
        empty for a starting task).
    require_unique : bool, default=False
        Ignored. Plans whose critical path is not unique used to be refused;
        they are accepted now (real plans have ties). Kept so that existing
        calls keep working.

    Returns
    -------
    path : list of str
        Task ids of a longest chain, in execution order: among equally long
        chains, the lexicographically smallest sequence of ids (the first of
        :attr:`Schedule.critical_paths`).
    duration : int
        Project duration in days: sum of the durations along ``path``.

    Raises
    ------
    MsprError
        If a predecessor is unknown, a task id is repeated, a duration is
        negative or the dependencies form a cycle.

    See Also
    --------
    schedule : every critical path, earliest and latest dates, floats.

    Examples
    --------
    >>> critical_path([
    ...     {"id": "A", "duree_jours": 3, "predecesseurs": []},
    ...     {"id": "B", "duree_jours": 2, "predecesseurs": ["A"]},
    ...     {"id": "C", "duree_jours": 4, "predecesseurs": ["A"]},
    ... ])
    (['A', 'C'], 7)
    """
    del require_unique  # ties are accepted (issue 5)
    graph = plan_graph(tasks)
    dates = _dates(graph)
    first = next(_paths(graph, dates))
    return list(first), dates.duration
