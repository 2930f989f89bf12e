"""Target infrastructure mock-up (A2C9): a declarative YAML description, its rules, its diagram.

A team describes the infrastructure its model needs in a small YAML file
(``infrastructure.yaml``): network zones, services, data stores, security
measures and the links between services and stores. :func:`load_infrastructure`
parses it into :class:`Infrastructure` (pydantic, French errors),
:func:`rule_violations` lists what breaks the design rules (every node in a
zone, personal data behind a security measure, links between existing
nodes…), and :func:`draw_infrastructure` turns it into a diagram, offline
(networkx + matplotlib's Agg backend). Example::

    zones:
      - {id: dmz, libelle: Zone exposée, exposition: dmz}
      - {id: interne, libelle: Réseau interne, exposition: interne}
    services:
      - {id: api, libelle: API de score, zone: dmz}
    stockages:
      - {id: base, libelle: Base adhérents, zone: interne, donnees_personnelles: true,
         mesures: [chiffrement]}
    mesures:
      - {id: chiffrement, libelle: Chiffrement au repos (AES-256), type: chiffrement}
    liens:
      - {source: api, cible: base, protocole: postgresql, chiffre: true}

Source of the rules: référentiel A2C9 (mock up the infrastructure of the
solution), GDPR art. 32 and the CNIL's guide on the security of personal data
(encryption, access control, logging, network partitioning).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["EXPOSURES", "MEASURE_TYPES", "RULES", "Infrastructure", "draw_infrastructure", "load_infrastructure",
           "rule_violations"]

#: Exposure of a network zone, from the most to the least exposed.
EXPOSURES = ("internet", "dmz", "interne", "restreinte")

#: Kinds of security measure (CNIL guide on the security of personal data).
MEASURE_TYPES = ("chiffrement", "controle_acces", "pseudonymisation", "journalisation", "pare_feu", "sauvegarde",
                 "authentification", "autre")

#: The design rules, by key, in French (what :func:`rule_violations` checks).
RULES = {
    "identifiants": "identifiants uniques (zones, services, stockages, mesures)",
    "zones": "chaque service et chaque stockage est placé dans une zone déclarée",
    "liens": "chaque lien relie deux nœuds déclarés (service ou stockage)",
    "donnees_personnelles": "chaque stockage de données personnelles est protégé par une mesure déclarée "
                            "et n'est pas dans une zone exposée à internet",
    "flux_chiffres": "chaque lien vers un stockage de données personnelles est chiffré",
}

Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,60}$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Zone(_Model):
    """A network zone.

    Attributes
    ----------
    id : str
    libelle : str
    exposition : {"internet", "dmz", "interne", "restreinte"}
    """

    id: Ident
    libelle: Label
    exposition: Literal[EXPOSURES]


class Service(_Model):
    """A running service (API, notebook server, MLflow, scheduler…).

    Attributes
    ----------
    id : str
    libelle : str
    zone : str
        Id of the zone it runs in.
    """

    id: Ident
    libelle: Label
    zone: Ident


class Store(_Model):
    """A data store (database, object storage, model registry…).

    Attributes
    ----------
    id : str
    libelle : str
    zone : str
    donnees_personnelles : bool
        Whether it holds données à caractère personnel.
    mesures : list of str
        Ids of the security measures protecting it.
    """

    id: Ident
    libelle: Label
    zone: Ident
    donnees_personnelles: bool
    mesures: list[Ident] = Field(default_factory=list)


class Measure(_Model):
    """A security measure.

    Attributes
    ----------
    id : str
    libelle : str
    type : str
        One of :data:`MEASURE_TYPES`.
    """

    id: Ident
    libelle: Label
    type: Literal[MEASURE_TYPES]


class Link(_Model):
    """A flow between two nodes.

    Attributes
    ----------
    source, cible : str
        Ids of a service or store.
    protocole : str
    chiffre : bool
        Whether the flow is encrypted (TLS…).
    """

    source: Ident
    cible: Ident
    protocole: Label
    chiffre: bool


class Infrastructure(_Model):
    """The whole description (the YAML file's root).

    Attributes
    ----------
    zones, services, stockages, mesures, liens : list
        At least one zone, one service and one store.
    """

    zones: Annotated[list[Zone], Field(min_length=1, max_length=50)]
    services: Annotated[list[Service], Field(min_length=1, max_length=200)]
    stockages: Annotated[list[Store], Field(min_length=1, max_length=200)]
    mesures: Annotated[list[Measure], Field(max_length=200)] = Field(default_factory=list)
    liens: Annotated[list[Link], Field(max_length=500)] = Field(default_factory=list)


def load_infrastructure(path: str | Path) -> Infrastructure:
    """Read and validate an infrastructure description.

    Parameters
    ----------
    path : str or pathlib.Path
        A YAML file shaped as in the module's example.

    Returns
    -------
    Infrastructure

    Raises
    ------
    mspr.errors.MsprError
        French message naming the file, the line and the field, if the
        YAML is malformed or does not match the schema.
    """
    from mspr.specfile import load_yaml_model

    return load_yaml_model(path, Infrastructure, what="description de l'infrastructure",
                           example="zones:, services:, stockages:, mesures:, liens: (voir la consigne)")


def rule_violations(infra: Infrastructure) -> dict[str, list[str]]:
    """Check the design rules of :data:`RULES`.

    Parameters
    ----------
    infra : Infrastructure

    Returns
    -------
    dict of str to list of str
        Rule key -> French description of each violation (empty list: the
        rule holds), for every key of :data:`RULES`.
    """
    out: dict[str, list[str]] = {key: [] for key in RULES}
    seen: dict[str, str] = {}
    for kind, items in (("zone", infra.zones), ("service", infra.services), ("stockage", infra.stockages),
                        ("mesure", infra.mesures)):
        for item in items:
            if item.id in seen:
                out["identifiants"].append(f"« {item.id} » déclaré deux fois ({seen[item.id]}, {kind})")
            seen.setdefault(item.id, kind)
    zones = {z.id: z for z in infra.zones}
    measures = {m.id for m in infra.mesures}
    nodes = {n.id for n in (*infra.services, *infra.stockages)}
    for node in (*infra.services, *infra.stockages):
        if node.zone not in zones:
            out["zones"].append(f"« {node.id} » est dans la zone « {node.zone} », non déclarée")
    for link in infra.liens:
        for end in (link.source, link.cible):
            if end not in nodes:
                out["liens"].append(f"le lien {link.source} → {link.cible} cite « {end} », ni service ni stockage")
    personal = {s.id: s for s in infra.stockages if s.donnees_personnelles}
    for store in personal.values():
        known = [m for m in store.mesures if m in measures]
        if not known:
            out["donnees_personnelles"].append(f"le stockage « {store.id} » contient des données personnelles "
                                               "sans mesure de sécurité déclarée")
        zone = zones.get(store.zone)
        if zone is not None and zone.exposition == "internet":
            out["donnees_personnelles"].append(f"le stockage « {store.id} » (données personnelles) est dans une "
                                               "zone exposée à internet")
    for link in infra.liens:
        if (link.source in personal or link.cible in personal) and not link.chiffre:
            out["flux_chiffres"].append(f"le lien {link.source} → {link.cible} touche des données personnelles "
                                        "sans être chiffré")
    return out


def draw_infrastructure(infra: Infrastructure, path: str | Path, *, title: str = "") -> Path:
    """Draw the description as a diagram: one column per zone, from the most exposed.

    Services are boxes, stores are circles (red edge: personal data), links
    are arrows (dashed: not encrypted); each store's measures are written
    under it. Deterministic layout, no network access.

    Parameters
    ----------
    infra : Infrastructure
    path : str or pathlib.Path
        Output image (``.png`` or ``.svg``).
    title : str, optional
        Figure title.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    graph = nx.DiGraph()
    order = sorted(infra.zones, key=lambda z: EXPOSURES.index(z.exposition))
    column = {z.id: i for i, z in enumerate(order)}
    measures = {m.id: m.libelle for m in infra.mesures}
    rows: dict[str, int] = {}
    positions = {}
    for node in (*infra.services, *infra.stockages):
        col = column.get(node.zone, len(order))
        rows[node.zone] = rows.get(node.zone, 0) + 1
        positions[node.id] = (col * 3.0, -rows[node.zone] * 1.6)
        graph.add_node(node.id)
    for link in infra.liens:
        if link.source in positions and link.cible in positions:
            graph.add_edge(link.source, link.cible, chiffre=link.chiffre, protocole=link.protocole)
    height = max([*rows.values(), 1])
    fig, ax = plt.subplots(figsize=(3.2 * max(len(order), 1) + 1, 1.6 * height + 2))
    for zone in order:
        x = column[zone.id] * 3.0
        ax.add_patch(plt.Rectangle((x - 1.4, -1.6 * height - 0.9), 2.8, 1.6 * height + 1.5, fill=True,
                                   alpha=0.12, color=f"C{column[zone.id]}"))
        ax.text(x, 0.35, f"{zone.libelle}\n({zone.exposition})", ha="center", va="bottom", fontsize=9)
    services = [s.id for s in infra.services]
    stores = [s.id for s in infra.stockages]
    nx.draw_networkx_nodes(graph, positions, nodelist=services, node_shape="s", node_color="white",
                           edgecolors="black", node_size=1800, ax=ax)
    nx.draw_networkx_nodes(graph, positions, nodelist=stores, node_shape="o", node_color="white",
                           edgecolors=["red" if s.donnees_personnelles else "black" for s in infra.stockages],
                           linewidths=2, node_size=1800, ax=ax)
    labels = {n.id: n.libelle[:18] for n in (*infra.services, *infra.stockages)}
    nx.draw_networkx_labels(graph, positions, labels=labels, font_size=7, ax=ax)
    for encrypted in (True, False):
        edges = [(u, v) for u, v, d in graph.edges(data=True) if d["chiffre"] is encrypted]
        nx.draw_networkx_edges(graph, positions, edgelist=edges, style="solid" if encrypted else "dashed",
                               arrows=True, node_size=1800, ax=ax)
    nx.draw_networkx_edge_labels(graph, positions, font_size=6, ax=ax,
                                 edge_labels={(u, v): d["protocole"] for u, v, d in graph.edges(data=True)})
    for store in infra.stockages:
        text = ", ".join(measures.get(m, m) for m in store.mesures)
        if text:
            x, y = positions[store.id]
            ax.text(x, y - 0.55, text[:60], ha="center", va="top", fontsize=6, style="italic")
    ax.set_title(title or "Infrastructure cible")
    ax.set_axis_off()
    path = Path(path)
    fig.savefig(path, bbox_inches="tight", dpi=110, metadata={"Software": None} if path.suffix == ".png" else None)
    plt.close(fig)
    return path
