"""The project plan: dependency graph and critical path (CPM), with networkx.

Tasks come from the case spec (:class:`mspr.case.spec.Task`) or from
``plan_projet.csv`` rows. The critical path is the longest chain of dependent
tasks, weighted by their durations (critical path method: the earliest finish
of a task is its duration plus the latest earliest-finish of its predecessors;
the project lasts as long as the latest earliest finish).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from mspr.errors import MsprError

__all__ = ["critical_path", "plan_graph"]


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


def critical_path(tasks: Iterable[object], *, require_unique: bool = False) -> tuple[list[str], int]:
    """Return the critical path of a plan and the project duration.

    Parameters
    ----------
    tasks : iterable of Task or mapping
        Each task has an ``id`` (or ``id_tache``), ``duree_jours`` (int, days)
        and ``predecesseurs`` (list of ids or a ``";"``-separated string;
        empty for a starting task).
    require_unique : bool, default=False
        Raise if several chains of tasks share the maximal duration (a plan
        used for grading must have exactly one answer).

    Returns
    -------
    path : list of str
        Task ids of the longest chain, in execution order. Among equally long
        chains (when ``require_unique`` is false), the one through the
        lexicographically smallest predecessors.
    duration : int
        Project duration in days: sum of the durations along ``path``.

    Raises
    ------
    MsprError
        If a predecessor is unknown, a task id is repeated, the dependencies
        form a cycle, or (``require_unique``) the critical path is not unique.

    Notes
    -----
    Critical path method, forward pass: ``finish(t) = duree(t) + max(finish(p)
    for p in predecessors(t))``; the longest chains are then read backwards
    through the predecessors that reach that maximum (several → a tie).

    Examples
    --------
    >>> critical_path([
    ...     {"id": "A", "duree_jours": 3, "predecesseurs": []},
    ...     {"id": "B", "duree_jours": 2, "predecesseurs": ["A"]},
    ...     {"id": "C", "duree_jours": 4, "predecesseurs": ["A"]},
    ... ])
    (['A', 'C'], 7)
    """
    graph = plan_graph(tasks)
    finish: dict[str, int] = {}
    leaders: dict[str, list[str]] = {}
    for node in nx.lexicographical_topological_sort(graph):
        predecessors = sorted(graph.predecessors(node))
        start = max((finish[p] for p in predecessors), default=0)
        leaders[node] = [p for p in predecessors if finish[p] == start]
        finish[node] = start + graph.nodes[node]["duree_jours"]
    duration = max(finish.values())
    ends = sorted(node for node, value in finish.items() if value == duration)
    chains = [chain for end in ends for chain in _chains(end, leaders, limit=3)][:3]
    if require_unique and len(chains) > 1:
        listed = " ; ".join(" → ".join(chain) for chain in chains[:2])
        raise MsprError(
            f"le plan a plusieurs chemins critiques de même durée ({duration} jours) : {listed}",
            hint="modifiez la durée d'une tâche pour qu'un seul chemin soit le plus long",
        )
    return chains[0], duration


def _chains(node: str, leaders: dict[str, list[str]], *, limit: int) -> list[list[str]]:
    """Up to ``limit`` longest chains ending at ``node``, lexicographic order of predecessors."""
    if not leaders[node]:
        return [[node]]
    found: list[list[str]] = []
    for predecessor in leaders[node]:
        for chain in _chains(predecessor, leaders, limit=limit - len(found)):
            found.append([*chain, node])
        if len(found) >= limit:
            break
    return found[:limit]
