# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Bloc A4 — Pilotage du projet d'IA : planification
#
# **Mutuelle Horizon Santé** lance le projet de prédiction des résiliations
# cadré dans les blocs précédents. Le chef de projet vous transmet le plan
# prévisionnel (`donnees/plan_projet.csv`) : une tâche par ligne, avec sa durée
# en jours ouvrés et ses prédécesseurs.
#
# **Compétence évaluée**
#
# - **A4C1** — Identifier l'ensemble des étapes de réalisation du système
#   d'information pour organiser le projet en tâches et livrables, en répartissant
#   les activités en fonction des ressources humaines, techniques et financières.
#
# **Livrables**
#
# 1. Le réseau PERT du projet : dates au plus tôt, au plus tard et marges de
#    chaque tâche.
# 2. Le chemin critique et la durée totale du projet, enregistrés dans
#    `reponses.json` par les cellules prévues (ne les modifiez pas).
# 3. Un diagramme de Gantt.
# 4. Une note d'organisation du projet (dernière cellule, évaluée par le jury).
#
# Exécutez les cellules dans l'ordre. Les cellules grisées sont en lecture seule.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from pathlib import Path

import networkx as nx
import pandas as pd

from mspr.answers import record

DONNEES = Path("donnees")
plan = pd.read_csv(DONNEES / "plan_projet.csv", dtype={"id_tache": str}, keep_default_na=False)
print(f"{len(plan)} tâches")
plan

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_pert", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Réseau PERT
#
# Construisez le graphe des dépendances (la colonne `predecesseurs` liste les
# tâches préalables, séparées par `;`), vérifiez qu'il ne contient pas de cycle,
# puis calculez pour chaque tâche :
#
# - la date de début au plus tôt et la date de fin au plus tôt ;
# - la date de début au plus tard et la date de fin au plus tard ;
# - la marge totale.
#
# Les dates sont comptées en jours depuis le début du projet (jour 0).
# Rangez le résultat dans un DataFrame `pert` indexé par `id_tache`.

# %% nbgrader={"grade": false, "grade_id": "pert", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
graphe = nx.DiGraph()
for tache in plan.itertuples():
    graphe.add_node(tache.id_tache, duree=int(tache.duree_jours), libelle=tache.libelle)
for tache in plan.itertuples():
    for predecesseur in str(tache.predecesseurs).split(";"):
        predecesseur = predecesseur.strip()
        if predecesseur:
            if predecesseur not in graphe:
                raise ValueError(f"{tache.id_tache} : prédécesseur inconnu {predecesseur!r}")
            graphe.add_edge(predecesseur, tache.id_tache)
assert nx.is_directed_acyclic_graph(graphe), "le plan contient un cycle de dépendances"

ordre = list(nx.topological_sort(graphe))
debut_tot, fin_tot = {}, {}
for tache in ordre:
    debut_tot[tache] = max((fin_tot[p] for p in graphe.predecessors(tache)), default=0)
    fin_tot[tache] = debut_tot[tache] + graphe.nodes[tache]["duree"]
fin_projet = max(fin_tot.values())

debut_tard, fin_tard = {}, {}
for tache in reversed(ordre):
    fin_tard[tache] = min((debut_tard[s] for s in graphe.successors(tache)), default=fin_projet)
    debut_tard[tache] = fin_tard[tache] - graphe.nodes[tache]["duree"]

pert = pd.DataFrame(
    {
        "libelle": {t: graphe.nodes[t]["libelle"] for t in ordre},
        "duree": {t: graphe.nodes[t]["duree"] for t in ordre},
        "debut_tot": debut_tot,
        "fin_tot": fin_tot,
        "debut_tard": debut_tard,
        "fin_tard": fin_tard,
    }
).loc[ordre]
pert["marge"] = pert["debut_tard"] - pert["debut_tot"]
pert.index.name = "id_tache"
### END SOLUTION
pert

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_chemin", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Chemin critique et durée du projet
#
# Déterminez le chemin critique (la liste ordonnée des identifiants de tâches,
# du début à la fin du projet) dans la variable `critical_path`, et la durée
# totale du projet en jours (un entier) dans `project_duration`.

# %% nbgrader={"grade": false, "grade_id": "chemin_critique", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# Plus long chemin du graphe, chaque arc pesant la durée de la tâche d'où il
# part ; un nœud « fin » reçoit les tâches sans successeur.
reseau = nx.DiGraph()
for amont, aval in graphe.edges:
    reseau.add_edge(amont, aval, weight=graphe.nodes[amont]["duree"])
for tache in graphe.nodes:
    if graphe.out_degree(tache) == 0:
        reseau.add_edge(tache, "fin", weight=graphe.nodes[tache]["duree"])
critical_path = [t for t in nx.dag_longest_path(reseau, weight="weight") if t != "fin"]
assert all(pert.loc[t, "marge"] == 0 for t in critical_path)
project_duration = int(nx.dag_longest_path_length(reseau, weight="weight"))
### END SOLUTION
print("Chemin critique :", " → ".join(critical_path))
print(f"Durée du projet : {project_duration} jours")

# %% nbgrader={"grade": false, "grade_id": "reponses", "locked": true, "schema_version": 3, "solution": false, "task": false}
record("A4C1.critical_path", [str(t) for t in critical_path])
record("A4C1.project_duration", project_duration)

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_gantt", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Diagramme de Gantt
#
# Tracez un diagramme de Gantt des dates au plus tôt, en distinguant les tâches
# critiques (matplotlib est installé dans l'environnement de l'épreuve).

# %% nbgrader={"grade": false, "grade_id": "gantt", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib n'est pas disponible : Gantt non tracé.")

if plt is not None:
    critiques = set(critical_path)
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(pert) + 1))
    for rang, (tache, ligne) in enumerate(pert.iterrows()):
        couleur = "tab:red" if tache in critiques else "tab:blue"
        ax.barh(rang, ligne["duree"], left=ligne["debut_tot"], color=couleur)
        if ligne["marge"] > 0:
            ax.barh(rang, ligne["marge"], left=ligne["fin_tot"], color="lightgray", hatch="//")
    ax.set_yticks(range(len(pert)), [f"{t} — {l}" for t, l in zip(pert.index, pert["libelle"])])
    ax.invert_yaxis()
    ax.set_xlabel("jours depuis le début du projet")
    ax.set_title(f"Gantt au plus tôt (rouge : chemin critique, gris : marge) — {project_duration} j")
    fig.tight_layout()
    plt.show()
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "consigne_organisation", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Organisation du projet (évaluée par le jury)
#
# En une dizaine de lignes : comment organisez-vous ce projet ? Précisez les
# lots et livrables, les jalons de validation, la répartition des tâches entre
# les profils de l'équipe (chef de projet, data engineer, data scientist, DPO,
# métier…), les tâches sur lesquelles un retard décale la date de fin et ce que
# vous faites des marges.

# %% [markdown] nbgrader={"grade": true, "grade_id": "A4C1-organisation_projet", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Découpage.** Trois lots, chacun clos par un livrable validé en comité de
# pilotage : (1) cadrage et conformité — note de cadrage, registre RGPD et
# analyse d'impact validés par le DPO ; (2) données et modèle — jeu de données
# documenté, modèle tracé dans MLflow avec son rapport de validation ;
# (3) industrialisation — API déployée, tests de charge, documentation et plan
# de conduite du changement pour les conseillers.
#
# **Chemin critique.** Les tâches du chemin critique fixent la date de fin : tout
# retard sur l'une d'elles décale la livraison d'autant. Elles sont confiées aux
# personnes les plus disponibles, suivies chaque semaine, et leurs dépendances
# externes (accès aux données, avis du DPO, environnement de production) sont
# demandées dès le démarrage.
#
# **Ressources.** Le chef de projet pilote le planning et les comités ; le data
# engineer porte la collecte et les pipelines ; le data scientist la modélisation
# et la validation ; le DPO valide chaque jalon touchant aux données
# personnelles ; un référent métier (service adhérents) valide les besoins et la
# recette. Les tâches à marge servent à lisser la charge : on les décale dans
# leur marge plutôt que de faire travailler une même personne sur deux tâches
# critiques en parallèle.
#
# **Suivi.** Jalons de fin de lot, tableau de bord hebdomadaire (avancement réel
# contre PERT, consommation des marges, risques) et réserve de quelques jours
# avant la mise en production pour absorber les aléas.
# ### END SOLUTION
