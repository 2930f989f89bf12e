"""The main job: every stage on a case, with three simulated teams.

``demo(out, case_dir=...)`` builds the case into the cohort, releases the four
assignments, submits three simulated teams, grades them through the same path
as any team, and writes the report:

- ``ref``: the reference solutions (the source notebooks, executed for real);
- ``blank``: the untouched student release;
- ``partial``: the reference with the scripted faults of :data:`FAULTS`, at
  least one per assignment, each aimed at one auto criterion, so that its
  total lies strictly between the two others.

A fault alters, just before it is recorded, a variable that the recording
cell passes to :func:`mspr.answers.record`, so it applies to the lab rendered
for any case.
"""

from __future__ import annotations

import ast
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from mspr.errors import MsprError
from mspr.grading import autograde
from mspr.paths import ASSIGNMENTS, DEFAULT_CASE, Workspace
from mspr.release import build_cohort_case, release
from mspr.report import block_totals, build_rows, report
from mspr.submissions import submit

__all__ = ["FAULTS", "Fault", "TEAMS", "apply_faults", "demo", "submit_simulated_teams"]


@dataclass(frozen=True)
class Fault:
    """A scripted mistake: a variable is altered just before an answer is recorded.

    nbgrader restores locked cells (the recording cells) at grading time, so
    the fault is a new cell inserted before the recording cell, rebinding one
    of the variables its ``record(...)`` call reads.

    Attributes
    ----------
    assignment_id : str
        The assignment whose notebook is edited.
    answer : str
        The answer id whose ``record(answer, ...)`` cell is preceded.
    variable : str
        A variable read by that call, rebound by the inserted cell.
    transform : str
        Python source of a one-argument function applied to the variable,
        e.g. ``"lambda v: v + 1"``.
    targets : tuple of str
        The auto checks that must lose points.
    why : str
        The mistake it simulates, in French.
    """

    assignment_id: str
    answer: str
    variable: str
    transform: str
    targets: tuple[str, ...]
    why: str


#: The ``partial`` team's mistakes, each aimed at one criterion, at least one per assignment (the second
#: A3 one rewrites the load test's table, caught only by the grader's own re-measurement).
FAULTS = (
    Fault("a1_cadrage", "A1C6.livrables", "tables_pseudonymisees",
          "lambda v: {t: d.assign(**{c: tables[t][c].to_numpy() for c in TEXTE_LIBRE.get(t, []) if c in d}) "
          "for t, d in v.items()}",
          ("A1C6.pseudonymisation",), "oublie de masquer le texte libre des tables pseudonymisées"),
    Fault("a2_conception", "A2C1.leaky_column", "leaky_column", "lambda v: 'aucune'",
          ("A2C1.leaky_column",), "ne trouve pas la colonne qui fuit la cible"),
    # A2 data preparation (issue 8, items 1-2): one fault per criterion, each on its own artefact
    Fault("a2_conception", "A2C2.preparation", "carte_donnees",
          "lambda v: [{**e, 'categorie': 'non_personnelle'} for e in v]",
          ("A2C1.data_map",), "déclare non personnelles toutes les colonnes de la cartographie des données"),
    Fault("a2_conception", "A2C2.preparation", "table_modelisation",
          "lambda v: pd.concat([v, v.head(10)], ignore_index=True)",
          ("A2C2.modelling_table",), "laisse des doublons dans la table de modélisation"),
    Fault("a2_conception", "A2C2.preparation", "suite_qualite",
          "lambda v: [e for e in v if e['type'] != 'expect_column_values_to_be_unique']",
          ("A2C2.expectation_suite",), "oublie l'attente d'unicité de la clé dans la suite Great Expectations"),
    # A2C5-A2C9 (models, training, threshold, infrastructure): the store and the files are altered, since
    # the grader reads them, not the recorded values.
    Fault("a2_conception", "A2C5.model_families", "runs_familles",
          "lambda v: (mlflow.MlflowClient(tracking_uri).delete_run(v['gradient_boosting']), v)[1]",
          ("A2C5.model_families",), "supprime de sa base MLflow l'exécution du gradient boosting"),
    Fault("a2_conception", "A2C7.training_modes", "runs_entrainement",
          "lambda v: (mlflow.MlflowClient(tracking_uri).delete_run(v['en_ligne']), v)[1]",
          ("A2C7.training_modes",), "n'a pas d'entraînement en ligne (partial_fit ligne à ligne) dans sa base MLflow"),
    Fault("a2_conception", "A2C8.decision_threshold", "seuil", "lambda v: 0.5",
          ("A2C8.decision_threshold",), "garde le seuil par défaut de 0,5 sans tenir compte des coûts métier"),
    Fault("a2_conception", "A2C9.infrastructure", "fichier_infra",
          "lambda v: (Path('infrastructure_fautive.yaml').write_text(__import__('yaml').safe_dump("
          "{**(d := __import__('yaml').safe_load(Path(v).read_text(encoding='utf-8'))), "
          "'stockages': [{**s, 'mesures': []} for s in d['stockages']]}, allow_unicode=True), encoding='utf-8'), "
          "'infrastructure_fautive.yaml')[1]",
          ("A2C9.infrastructure",), "laisse les stockages de données personnelles sans mesure de sécurité"),
    Fault("a3_deploiement", "A3C3.deployment_test", "predictions", "lambda v: [1 - int(p) for p in v]",
          ("A3C3.served_predictions",), "rapporte des prédictions qui ne viennent pas du serveur"),
    Fault("a3_deploiement", "A3C3.load_test", "mesures",
          "lambda v: (t := requetes.assign(latence_ms=requetes['latence_ms'] / 100), "
          "t.to_csv(Path('test_charge') / 'requetes.csv', index=False), "
          "globals().update(decision_go=go_no_go(indicators(t), NIVEAUX)), indicators(t))[-1]",
          ("A3C3.load_test_measures",),
          "réécrit test_charge/requetes.csv avec des latences cent fois plus courtes que celles mesurées"),
    Fault("a4_pilotage", "A4C1.project_duration", "project_duration", "lambda v: v + 1",
          ("A4C1.project_duration",), "se trompe d'un jour sur la durée du projet"),
)

#: The simulated teams, in report order.
TEAMS = ("ref", "blank", "partial")

#: Submissions graded at once by the demo and ``mspr case check``: one per core, two at most.
GRADING_WORKERS = max(1, min(2, os.cpu_count() or 1))


def _records(source: str, fault: Fault) -> bool:
    """Whether the cell calls ``record(fault.answer, <expression reading fault.variable>)``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record" and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant) and node.args[0].value == fault.answer):
            return any(isinstance(n, ast.Name) and n.id == fault.variable for n in ast.walk(node.args[1]))
    return False


def apply_faults(notebook: Path, faults: list[Fault]) -> None:
    """Apply scripted faults to a notebook in place.

    Parameters
    ----------
    notebook : pathlib.Path
        The ``.ipynb`` file to edit (rewritten in nbformat 4).
    faults : list of Fault
        Each inserts one code cell before the cell recording its answer.

    Raises
    ------
    MsprError
        If the recording cell of a fault's answer, reading its variable, is
        not found exactly once.
    """
    nb = nbformat.read(notebook, as_version=4)
    for fault in faults:
        hits = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and _records(cell.source, fault)]
        if len(hits) != 1:
            raise MsprError(f"cellule d'enregistrement de « {fault.answer} » lisant « {fault.variable} » "
                            f"introuvable ou en double ({len(hits)} trouvée(s))", path=notebook,
                            hint="le lab doit enregistrer cette réponse par un seul appel record(...)")
        cell = nbformat.v4.new_code_cell(f"# Erreur scriptée : {fault.why}\n"
                                         f"{fault.variable} = ({fault.transform})({fault.variable})")
        nb.cells.insert(hits[0], cell)
    nbformat.write(nb, notebook)


def submit_simulated_teams(ws: Workspace, teams: tuple[str, ...] = TEAMS) -> None:
    """Submit the simulated teams for every assignment.

    ``ref`` submits ``source/<assignment_id>`` (the reference solutions),
    ``blank`` the untouched student release, and ``partial`` a copy of the
    source with the :data:`FAULTS` of that assignment applied. A previous
    submission of the same team and assignment is archived first (see
    :func:`mspr.submissions.submit`).

    Parameters
    ----------
    ws : Workspace
        A workspace whose four assignments have been released.
    teams : tuple of str, default=TEAMS
        Which of the simulated teams to submit.

    Raises
    ------
    MsprError
        If a fault no longer applies to the rendered lab, or a folder to
        submit lacks its notebook.
    """
    with tempfile.TemporaryDirectory(prefix="mspr-teams-") as tmp:
        for assignment_id in ASSIGNMENTS:
            if "ref" in teams:
                submit(ws, "ref", assignment_id, ws.source(assignment_id))
            if "blank" in teams:
                submit(ws, "blank", assignment_id, ws.release(assignment_id))
            if "partial" in teams:
                partial = Path(tmp) / "partial" / assignment_id
                shutil.copytree(ws.source(assignment_id), partial)
                apply_faults(partial / f"{assignment_id}.ipynb",
                             [f for f in FAULTS if f.assignment_id == assignment_id])
                submit(ws, "partial", assignment_id, partial)


def demo(out: Path, *, case_dir: Path = DEFAULT_CASE, seed: int | None = None,
         rows: int | None = None, echo=print) -> dict[str, dict[str, tuple[float, float]]]:
    """Run the whole pipeline on a case with the three simulated teams.

    Parameters
    ----------
    out : pathlib.Path
        Workspace folder (e.g. ``build/demo``). Rerunning keeps every replaced
        submission, grade and ground truth in ``out/archive/``.
    case_dir : pathlib.Path, default: the bundled ``cases/mutuelle_horizon``
        Folder holding the ``case.yaml`` to build.
    seed, rows : int, optional
        Override the case's seed and number of rows of its main table.
    echo : callable, default print
        Receives one French progress line per step.

    Returns
    -------
    dict
        ``team_id`` → block code → ``(auto score, auto max_score)``.

    Raises
    ------
    MsprError
        If the case spec is invalid, ``out`` holds another case's cohort, or
        a stage meets a user error.
    """
    ws = Workspace(Path(out))
    echo(f"1/5 Génération du cas {Path(case_dir).resolve().name} → {ws.case_dir}")
    build_cohort_case(ws, case_dir, seed=seed, rows=rows)
    echo(f"2/5 Version étudiante (nbgrader generate_assignment) → {ws.step_dir('release')}")
    release(ws)
    echo(f"3/5 Rendus simulés : {', '.join(TEAMS)}")
    submit_simulated_teams(ws)
    echo("4/5 Exécution et correction (nbgrader autograde, bac à sable, vérité terrain)")
    autograde(ws, list(TEAMS), workers=GRADING_WORKERS, progress=lambda t, a, state: echo(f"    {t:8s} {a:16s} {state}")
              if state in ("corrigé", "échec du correcteur", "déjà corrigé") else None)
    echo(f"5/5 Rapport du jury → {ws.report_dir}")
    report(ws)
    return block_totals(build_rows(ws))
