"""The ``mspr`` command line: a thin layer over the stage functions.

Each command forwards to one function of the Python API; user errors
(:class:`mspr.errors.MsprError`) are printed in French without a traceback and
exit with status 2.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def _interrupted_while_starting(signum, frame):
    """A Ctrl-C while the command's modules load (pydantic, click…: a few tenths of a second): said in French,
    not as Python's KeyboardInterrupt traceback from inside an import."""
    sys.stderr.write("\nInterrompu.\n")
    os._exit(1)


# only when this is the command (the handler is Python's own), and only for the imports below
_STARTING = signal.getsignal(signal.SIGINT) is signal.default_int_handler
if _STARTING:
    signal.signal(signal.SIGINT, _interrupted_while_starting)

import click  # noqa: E402

from mspr._click_fr import install as _french_click  # noqa: E402
from mspr.errors import MsprError  # noqa: E402
from mspr.paths import ASSIGNMENTS, DEFAULT_CASE, Workspace  # noqa: E402

if _STARTING:
    signal.signal(signal.SIGINT, signal.default_int_handler)

_french_click()

WORKSPACE = click.option("--workspace", "-w", type=click.Path(path_type=Path), default=Path("build/cohorte"),
                         show_default=True, help="Dossier de la cohorte (racine du cours nbgrader).")

#: ``-h``/``--help`` with a French text; put on every command (click's own text is in English).
HELP = click.help_option("-h", "--help", help="Afficher cette aide et quitter.")


@click.group()
@HELP
def cli() -> None:
    """Atelier MSPR : cas, labs, correction nbgrader et rapport du jury."""


@cli.group()
@HELP
def case() -> None:
    """Cas d'étude (entreprise fictive, données générées, vérité terrain)."""


@case.command("build")
@HELP
@click.argument("case_dir", type=click.Path(path_type=Path), metavar="DOSSIER_CAS")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Dossier de sortie, vide ou construction précédente du même cas (défaut : build/cases/<nom du cas>).")
@click.option("--seed", type=int, default=None, help="Graine aléatoire (défaut : celle du case.yaml).")
@click.option("--rows", type=int, default=None,
              help="Nombre de lignes de la table principale (défaut : celui du case.yaml).")
def case_build(case_dir: Path, out: Path | None, seed: int | None, rows: int | None) -> None:
    """Génère les données et la vérité terrain du cas DOSSIER_CAS."""
    from mspr.case import build_case

    out = out or Path("build/cases") / case_dir.resolve().name
    build = build_case(case_dir, out=out, seed=seed, rows=rows)
    click.echo(f"Cas généré dans {build.layout.root}")


@case.command("new")
@HELP
@click.argument("case_dir", type=click.Path(path_type=Path), metavar="DOSSIER_CAS")
@click.option("--id", "case_id", default=None, help="Identifiant du cas (défaut : nom du dossier).")
def case_new(case_dir: Path, case_id: str | None) -> None:
    """Écrit dans DOSSIER_CAS un case.yaml d'exemple commenté, à compléter."""
    from mspr.case.scaffold import new_case

    path = new_case(case_dir, case_id=case_id)
    click.echo(f"Cas à compléter : {path}\nVérifiez-le ensuite avec « mspr case check {case_dir} ».")


@case.command("check")
@HELP
@click.argument("case_dir", type=click.Path(path_type=Path), metavar="DOSSIER_CAS")
@click.option("--keep", type=click.Path(path_type=Path), default=None,
              help="Garder la cohorte d'essai dans ce dossier (défaut : dossier temporaire supprimé).")
def case_check(case_dir: Path, keep: Path | None) -> None:
    """Vérifie le cas DOSSIER_CAS de bout en bout avant une session (verdict par point)."""
    from mspr.casecheck import check_case

    result = check_case(case_dir, workdir=keep, echo=click.echo)
    for point in result.points:
        click.echo(f"  {'✔' if point.ok else '✘'} {point.label} : {point.detail}")
    if not result.ok:
        failed = sum(not p.ok for p in result.points)
        raise MsprError(f"le cas n'est pas prêt : {failed} point(s) en échec", path=case_dir,
                        hint="corrigez le case.yaml selon les points marqués ✘ (voir docs/guide-formateur.md)")
    click.echo(f"Cas prêt pour une session (vérifié en {result.seconds:.0f} s).")


@cli.command("release")
@HELP
@WORKSPACE
@click.option("--case", "case_dir", type=click.Path(path_type=Path), default=None,
              help=f"Cas à construire dans la cohorte s'il ne l'est pas encore (défaut : {DEFAULT_CASE.name}).")
def release_cmd(workspace: Path, case_dir: Path | None) -> None:
    """Génère la version étudiante des quatre assignments (nbgrader)."""
    from mspr.release import release

    for folder in release(Workspace(workspace), case_dir=case_dir):
        click.echo(f"Version étudiante : {folder}")


@cli.command("submit")
@HELP
@WORKSPACE
@click.argument("team_id", metavar="EQUIPE")
@click.argument("assignment_id", type=click.Choice(ASSIGNMENTS), metavar="EPREUVE")
@click.argument("folder", type=click.Path(path_type=Path), metavar="DOSSIER")
def submit_cmd(workspace: Path, team_id: str, assignment_id: str, folder: Path) -> None:
    """Enregistre le rendu DOSSIER de l'équipe EQUIPE (l'ancien rendu est archivé)."""
    from mspr.submissions import submit
    from mspr.validation import extra_notebooks

    click.echo(f"Rendu enregistré : {submit(Workspace(workspace), team_id, assignment_id, folder)}")
    for path in extra_notebooks(folder, assignment_id):
        click.echo(f"Attention : {path} ne sera pas corrigé (seul {assignment_id}.ipynb l'est).", err=True)


@cli.command("valider")
@HELP
@click.argument("folder", type=click.Path(path_type=Path), default=Path("."), metavar="DOSSIER")
@click.option("--assignment", "assignment_id", type=click.Choice(ASSIGNMENTS), default=None,
              help="Épreuve du notebook (défaut : celle dont le dossier contient le notebook).")
@click.option("--distribue", "released", type=click.Path(path_type=Path), default=None,
              help="Notebook distribué, pour vérifier qu'aucune cellule d'enregistrement n'a été perdue.")
@click.pass_context
def validate_cmd(ctx: click.Context, folder: Path, assignment_id: str | None, released: Path | None) -> None:
    """Exécute une copie du notebook du dossier DOSSIER et dit quelles réponses le correcteur lira.

    Rien n'est écrit dans DOSSIER. Code de sortie 1 si une réponse attendue
    manque ou est illisible.
    """
    from mspr.validation import validate

    result = validate(folder, assignment_id, released=released)
    for line in result.lines():
        click.echo(line)
    if not result.ok:
        ctx.exit(1)


@cli.command("autograde")
@HELP
@WORKSPACE
@click.option("--team", "teams", multiple=True, help="Équipe(s) à corriger (défaut : toutes).")
@click.option("--assignment", "assignments", multiple=True, type=click.Choice(ASSIGNMENTS),
              help="Assignment(s) à corriger (défaut : tous).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Nombre de rendus corrigés en même temps (avec --scheduler : les workers de la grappe).")
@click.option("--engine", type=click.Choice(["processes", "dask"]), default="processes", show_default=True,
              help="processes : processus locaux ; dask : grappe Dask distributed (locale par défaut).")
@click.option("--scheduler", default=None,
              help="Adresse d'un ordonnanceur Dask existant (tcp://…), avec --engine dask.")
@click.option("--restart", is_flag=True, default=False,
              help="Tout recorriger, même si une correction interrompue peut être reprise.")
def autograde_cmd(workspace: Path, teams: tuple[str, ...], assignments: tuple[str, ...], workers: int,
                  engine: str, scheduler: str | None, restart: bool) -> None:
    """Exécute les rendus avec nbgrader (bac à sable) et calcule les critères automatiques.

    Une correction interrompue (Ctrl-C, arrêt brutal) reprend là où elle
    s'était arrêtée : les rendus déjà corrigés et inchangés sont sautés.
    """
    from mspr.grading import autograde
    from mspr.grading.sandbox import probe

    if scheduler is not None and engine != "dask":
        raise MsprError("--scheduler s'emploie avec --engine dask", hint="ajoutez --engine dask, ou retirez "
                        "--scheduler pour corriger sur cette machine")
    if scheduler is not None and workers != 1:
        click.echo(f"Attention : --workers {workers} est ignoré avec --scheduler : la grappe corrige avec ses "
                   "propres workers (augmentez-les côté grappe, par exemple cluster.scale(n)).", err=True)
    ws = Workspace(workspace)
    submitted = [t for t in ws.teams() if any(ws.submitted(t, a).is_dir() for a in assignments or ASSIGNMENTS)]
    if not submitted:
        raise MsprError("aucun rendu à corriger dans cette cohorte", path=ws.step_dir("submitted"),
                        hint="vérifiez l'option -w, ou enregistrez d'abord les rendus avec « mspr submit »")
    missing = [t for t in teams if t not in submitted]
    if missing:
        raise MsprError(f"aucun rendu à corriger pour l'équipe : {', '.join(missing)}",
                        path=ws.step_dir("submitted"), hint=f"équipes ayant rendu : {', '.join(submitted)}")
    for note in probe().notes:
        click.echo(f"Attention : {note}.", err=True)

    with _TeamProgress() as progress:
        grades = autograde(ws, list(teams) or None, list(assignments) or None, progress=progress.update,
                           workers=workers, engine=engine, scheduler=scheduler, resume=not restart)
    for g in grades:
        click.echo(_summary_line(g))
        for line in g.incidents:
            click.echo(f"      ! {line}")


def _summary_line(grade) -> str:
    """One submission's line of the ``mspr autograde`` summary (French): its state, then its points.

    A cell that raised does not contradict the points: the answers recorded
    before it count (``20/20 — 1 cellule en erreur (…)``), so the line says so
    after the score instead of calling the submission an error.
    """
    from mspr.jury.fmt import fr_number

    points = f"{fr_number(sum(c.score for c in grade.checks))}/{fr_number(sum(c.max_score for c in grade.checks))}"
    failed = sum("en erreur à l'exécution" in line for line in grade.incidents)
    if not grade.executed:
        state, note = "NON EXÉCUTÉ", ""
    else:
        state = "exécuté"
        note = (f" — {fr_number(failed)} cellule{'s' * (failed > 1)} en erreur (réponses enregistrées avant "
                "comptées)") if failed else ""
    return f"  {grade.team_id:10s} {grade.assignment_id:16s} {state:12s} {points}{note}"


class _TeamProgress:
    """rich progress: one bar for the run, with the time left, and one per team (its submissions, what runs)."""

    DONE = ("corrigé", "échec du correcteur")

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[state]}"), _time_left_column(), transient=False)
        self.run = self.progress.add_task("Cohorte", total=0, state="", started_at=None)
        self.bars: dict[str, int] = {}
        self.states: dict[str, dict[str, str]] = {}

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def update(self, team_id: str, assignment_id: str, state: str) -> None:
        """Record that ``team_id``'s ``assignment_id`` is now in ``state`` (French)."""
        import time

        states = self.states.setdefault(team_id, {})
        states[assignment_id] = state
        if team_id not in self.bars:
            self.bars[team_id] = self.progress.add_task(f"Équipe {team_id}", total=0, state="")
        done = sum(s in (*self.DONE, "déjà corrigé") for s in states.values())
        running = [a for a, s in states.items() if s == "en cours"]
        label = ("en cours : " + ", ".join(running) if running else "terminé" if done == len(states)
                 else "en attente" if "en attente" in states.values() else "")
        self.progress.update(self.bars[team_id], total=len(states), completed=done, state=label)
        # the run: what this run grades (the submissions already graded are counted apart)
        every = [s for team in self.states.values() for s in team.values()]
        skipped = every.count("déjà corrigé")
        graded = sum(s in self.DONE for s in every)
        started_at = self.progress.tasks[self.run].fields["started_at"]
        if started_at is None and state == "en cours":
            started_at = time.monotonic()
        label = f"{every.count('en cours')} en cours" + (f", {skipped} déjà corrigé(s)" if skipped else "")
        self.progress.update(self.run, total=len(every) - skipped, completed=graded, state=label,
                             started_at=started_at)


def _time_left_column():
    """rich column: the run's time left, from the mean pace since the first submission started (a pool grades
    several at once: the pace of the run, not of one submission); blank for the teams' bars."""
    import time

    from rich.progress import ProgressColumn
    from rich.text import Text

    from mspr.jury.fmt import fr_duration

    class TimeLeft(ProgressColumn):
        def render(self, task):
            if "started_at" not in task.fields or not task.total:
                return Text("")
            started_at = task.fields["started_at"]
            if task.completed >= task.total:
                return Text("terminé")
            if started_at is None or not task.completed:
                return Text("reste : …")
            left = (time.monotonic() - started_at) / task.completed * (task.total - task.completed)
            return Text(f"reste ≈ {fr_duration(left)}", style="progress.remaining")

    return TimeLeft()


ROSTER = click.option("--roster", "roster_path", type=click.Path(path_type=Path), default=None,
                      help="Roster du jury (défaut : <cohorte>/jury/roster.yaml).")


@cli.command("report")
@HELP
@WORKSPACE
@ROSTER
@click.option("--no-pdf", is_flag=True, help="Ne pas produire les rapports PDF des candidats.")
def report_cmd(workspace: Path, roster_path: Path | None, no_pdf: bool) -> None:
    """Écrit le rapport du jury : cohorte, équipes, candidats (HTML, PDF, xlsx)."""
    from mspr.report import damaged_grade_files, report

    ws = Workspace(workspace)
    if not ws.teams() and roster_path is None and not ws.roster_path.is_file():
        raise MsprError("aucun rendu dans cette cohorte : pas de rapport à écrire", path=ws.step_dir("submitted"),
                        hint="vérifiez l'option -w, ou enregistrez et corrigez d'abord les rendus "
                        "(« mspr submit » puis « mspr autograde »)")
    damaged = damaged_grade_files(ws)
    if damaged:
        many = len(damaged) > 1
        click.echo(f"Attention : {len(damaged)} fichier{'s' * many} de note endommagé{'s' * many}, "
                   f"montré{'s' * many} « erreur du correcteur » dans le rapport :", err=True)
        for path, why in damaged:
            click.echo(f"  {path} : {why}", err=True)
        # only these submissions graded again (a finished run's « mspr autograde » grades the whole cohort)
        teams = sorted({Path(path).parts[-2] for path, _ in damaged})
        assignments = sorted({Path(path).stem for path, _ in damaged})
        options = " ".join([*(f"--team {t}" for t in teams), *(f"--assignment {a}" for a in assignments)])
        click.echo(f"  → corrigez-les à nouveau : mspr autograde -w {ws.root} {options}", err=True)
    click.echo(f"Rapport : {report(ws, roster_path, pdf=not no_pdf)}")


@cli.group()
@HELP
def jury() -> None:
    """Jury : grilles des jurés (xlsx), import des notes, décisions."""


@jury.command("export")
@HELP
@WORKSPACE
@ROSTER
@click.option("--team", "teams", multiple=True, help="Équipe(s) (défaut : toutes celles du roster).")
def jury_export_cmd(workspace: Path, roster_path: Path | None, teams: tuple[str, ...]) -> None:
    """Écrit une grille .xlsx par juré et par équipe (les notes déjà importées y sont reprises)."""
    from mspr.jury import export

    for path in export(Workspace(workspace), roster_path=roster_path, team_ids=list(teams) or None):
        click.echo(f"Grille : {path}")


@jury.command("import")
@HELP
@WORKSPACE
@ROSTER
@click.option("--allow-older", is_flag=True,
              help="Accepte une grille exportée avant celle déjà importée pour ce juré (refusée sinon).")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FICHIERS")
def jury_import_cmd(workspace: Path, roster_path: Path | None, allow_older: bool, files: tuple[Path, ...]) -> None:
    """Valide et enregistre les grilles remplies FICHIERS (chaque import est conservé)."""
    from mspr.jury import import_files, roster_of

    ws = Workspace(workspace)
    roster = roster_of(ws, roster_path)
    for res in import_files(ws, list(files), roster_path=roster_path, allow_older=allow_older):
        click.echo(f"Importé : équipe {res.team_id}, juré {res.juror_id}, {res.marks} niveau(x) "
                   f"(SHA-256 {res.sha256[:12]}…, copie : {res.kept})")
        if res.removed:
            shown = ", ".join(res.removed[:12]) + (" …" if len(res.removed) > 12 else "")
            click.echo(f"Attention : {len(res.removed)} niveau(x) enregistré(s) par un import précédent de ce juré "
                       f"sont vides dans ce fichier et ont été retirés : {shown}")
            click.echo(f"  → si ce n'est pas voulu, réimportez la grille remplie ; notes précédentes archivées : "
                       f"{res.archived}")
        for cid in res.missing:
            click.echo(f"Attention : aucune feuille pour {cid} ({roster.candidate(cid).name}) dans ce fichier : "
                       "ses niveaux déjà enregistrés sont conservés, aucun n'est ajouté.")
        _echo_disagreements(res.disagreements)


def _echo_disagreements(items) -> None:
    pending = [d for d in items if not d[3]]
    if not pending:
        click.echo("Aucun désaccord à trancher entre les jurés.")
        return
    click.echo(f"Désaccords à trancher ({len(pending)}) :")
    for candidate_id, code, levels, _ in pending:
        click.echo(f"  {candidate_id} {code} : " + ", ".join(f"{j} « {lv} »" for j, lv in levels.items()))
    click.echo("  → une fois d'accord : mspr jury decide CANDIDAT COMPETENCE NIVEAU --comment \"motif\"")


@jury.command("disagreements")
@HELP
@WORKSPACE
@ROSTER
def jury_disagreements_cmd(workspace: Path, roster_path: Path | None) -> None:
    """Liste les compétences sur lesquelles les deux jurés d'une équipe diffèrent."""
    from mspr.jury import roster_of
    from mspr.jury.records import disagreements

    ws = Workspace(workspace)
    roster = roster_of(ws, roster_path)
    _echo_disagreements([d for t in roster.teams for d in disagreements(ws, roster, t.id)])


@jury.command("decide")
@HELP
@WORKSPACE
@ROSTER
@click.argument("candidate_id", metavar="CANDIDAT")
@click.argument("competency", metavar="COMPETENCE")
@click.argument("level", metavar="NIVEAU")
@click.option("--comment", required=True, help="Motif de la décision (obligatoire).")
def jury_decide_cmd(workspace: Path, roster_path: Path | None, candidate_id: str, competency: str, level: str,
                    comment: str) -> None:
    """Enregistre le niveau NIVEAU retenu d'un commun accord pour CANDIDAT sur COMPETENCE."""
    from mspr.jury import decide

    decision = decide(Workspace(workspace), candidate_id, competency, level, comment, roster_path=roster_path)
    click.echo(f"Décision enregistrée : {candidate_id} {competency} « {decision['level']} »")


@cli.command("appeal")
@HELP
@WORKSPACE
@click.argument("team_id", metavar="EQUIPE")
def appeal_cmd(workspace: Path, team_id: str) -> None:
    """Scelle le dossier de recours de l'équipe EQUIPE (rendus, empreintes, notes, imports du jury)."""
    from mspr.jury.appeal import seal, seal_of

    bundle = seal(Workspace(workspace), team_id)
    click.echo(f"Dossier de recours : {bundle}")
    click.echo(f"Sceau (SHA-256 du manifeste) : {seal_of(bundle)}")
    click.echo("  → reportez-le au procès-verbal : « mspr verify » l'affiche, et un dossier refait et rescellé "
               "aurait un autre sceau")


@cli.command("verify")
@HELP
@click.argument("bundle", type=click.Path(path_type=Path), metavar="DOSSIER_RECOURS")
@click.option("--assignment", "assignments", multiple=True, type=click.Choice(ASSIGNMENTS),
              help="Épreuve(s) à réexécuter (défaut : toutes celles du dossier).")
@click.option("--no-regrade", is_flag=True, help="Vérifier les empreintes sans réexécuter la correction.")
@click.pass_context
def verify_cmd(ctx: click.Context, bundle: Path, assignments: tuple[str, ...], no_regrade: bool) -> None:
    """Vérifie le dossier de recours DOSSIER_RECOURS et réexécute la correction (code 1 si une différence)."""
    from mspr.jury.appeal import verify

    result = verify(bundle, assignments=list(assignments) or None, regrade=not no_regrade)
    if result.seal:
        click.echo(f"Sceau du dossier : {result.seal} (comparez-le à celui reporté au procès-verbal)")
    for note in result.notes:
        click.echo(f"Remarque : {note}")
    if result.regraded:
        click.echo("Réexécuté : " + ", ".join(result.regraded))
    if result.ok:
        click.echo("Aucune différence : le dossier est intact" + (" et la correction se reproduit."
                                                                  if result.regraded else "."))
        return
    click.echo(f"{len(result.differences)} différence(s) :")
    for diff in result.differences:
        click.echo(f"  {diff}")
    ctx.exit(1)


@cli.group()
@HELP
def hub() -> None:
    """JupyterHub de la cohorte : configuration depuis le roster, hub d'essai local."""


HUB_DIR = click.option("--hub", "hub_dir", type=click.Path(path_type=Path), default=Path("/srv/mspr-hub"),
                       show_default=True, help="Dossier du hub (base, dossiers d'équipe, échanges, journaux).")
TRAINERS = click.option("--formateur", "trainers", multiple=True, default=("formateur",), show_default=True,
                        help="Identifiant d'un formateur (répéter l'option pour plusieurs).")


@hub.command("config")
@HELP
@click.option("--roster", "roster_path", type=click.Path(path_type=Path), required=True, help="Roster de la cohorte.")
@HUB_DIR
@TRAINERS
@click.option("--port", type=int, default=8000, show_default=True, help="Port public (127.0.0.1).")
@click.option("--auth", "authenticator", type=click.Choice(["dummy", "pam"]), default="pam", show_default=True,
              help="pam : comptes du serveur ; dummy : essai, mot de passe commun.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("deploy/jupyterhub/jupyterhub_config.py"),
              show_default=True, help="Fichier de configuration écrit.")
def hub_config_cmd(roster_path: Path, hub_dir: Path, trainers: tuple[str, ...], port: int, authenticator: str,
                   out: Path) -> None:
    """Écrit le jupyterhub_config.py de la cohorte à partir du roster."""
    from mspr.hub.config import render_config
    from mspr.jury.roster import load_roster

    text = render_config(load_roster(roster_path), hub_dir, roster_path=roster_path, trainers=list(trainers),
                         port=port, authenticator=authenticator)
    if out.is_file() and out.read_text(encoding="utf-8") != text:
        from mspr.paths import utc_stamp

        kept = out.with_name(f"{out.name}.{utc_stamp()}.bak")
        out.replace(kept)
        click.echo(f"Ancienne configuration conservée : {kept}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    click.echo(f"Configuration JupyterHub : {out}")


@hub.command("helm")
@HELP
@click.option("--roster", "roster_path", type=click.Path(path_type=Path), required=True, help="Roster de la cohorte.")
@TRAINERS
@click.option("--image", default="registry.example.org/mspr-workbench", show_default=True,
              help="Image des serveurs (construite depuis environment.yml).")
@click.option("--tag", default="latest", show_default=True, help="Étiquette de l'image.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("build/kubernetes/values.yaml"),
              show_default=True, help="Fichier de valeurs écrit.")
def hub_helm_cmd(roster_path: Path, trainers: tuple[str, ...], image: str, tag: str, out: Path) -> None:
    """Écrit les valeurs Helm Zero-to-JupyterHub de la cohorte (voir docs/deploiement-kubernetes.md)."""
    import yaml

    from mspr.hub.helm import helm_values
    from mspr.jury.roster import load_roster

    values = helm_values(load_roster(roster_path), list(trainers), image=image, tag=tag)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(values, allow_unicode=True, sort_keys=False), encoding="utf-8")
    click.echo(f"Valeurs Helm : {out}")


@hub.command("up")
@HELP
@click.option("--roster", "roster_path", type=click.Path(path_type=Path), required=True, help="Roster de la cohorte.")
@HUB_DIR
@TRAINERS
@click.option("--port", type=int, default=8000, show_default=True, help="Port public (127.0.0.1).")
def hub_up_cmd(roster_path: Path, hub_dir: Path, trainers: tuple[str, ...], port: int) -> None:
    """Démarre un JupyterHub d'essai sur 127.0.0.1 (comptes locaux mspr-<id>, root requis)."""
    from mspr.hub.trial import up

    state = up(roster_path, hub_dir=hub_dir, trainers=list(trainers), port=port)
    click.echo(f"Hub d'essai démarré : {state.url} (processus {state.pid})")
    click.echo(f"Mot de passe commun de l'essai : dans {Path(state.hub_dir) / 'etat.json'} (lisible par root seul)")


@hub.command("down")
@HELP
@HUB_DIR
@click.option("--garder-comptes", "keep", is_flag=True, help="Ne pas supprimer les comptes locaux de l'essai.")
def hub_down_cmd(hub_dir: Path, keep: bool) -> None:
    """Arrête le hub d'essai, ses serveurs et noyaux, et supprime les comptes de l'essai."""
    from mspr.hub.trial import down

    killed = down(hub_dir, keep_accounts=keep)
    click.echo("Hub arrêté." + (f" Processus restants arrêtés de force : {len(killed)}." if killed else ""))


@hub.command("release")
@HELP
@WORKSPACE
@HUB_DIR
@click.argument("assignment_id", type=click.Choice(ASSIGNMENTS), metavar="EPREUVE")
def hub_release_cmd(workspace: Path, hub_dir: Path, assignment_id: str) -> None:
    """Dépose la version étudiante de l'épreuve EPREUVE dans l'échange de chaque équipe."""
    from mspr.hub.trial import release

    for folder in release(hub_dir, Workspace(workspace), assignment_id):
        click.echo(f"Diffusé : {folder}")


@hub.command("collect")
@HELP
@WORKSPACE
@HUB_DIR
@click.argument("assignment_id", type=click.Choice(ASSIGNMENTS), metavar="EPREUVE")
def hub_collect_cmd(workspace: Path, hub_dir: Path, assignment_id: str) -> None:
    """Ramasse les rendus de l'épreuve EPREUVE (les rendus en retard sont gardés et signalés)."""
    from mspr.hub.trial import collect

    for item in collect(hub_dir, Workspace(workspace), assignment_id):
        flag = " EN RETARD" if item.late else ""
        state = "corrigé" if item.graded else "conservé"
        click.echo(f"  {item.team_id:10s} {item.candidate_id:8s} {item.submitted_at}{flag} ({state})")


@cli.command("demo")
@HELP
@click.option("--out", type=click.Path(path_type=Path), default=Path("build/demo"), show_default=True,
              help="Dossier de la cohorte de démonstration.")
@click.option("--case", "case_dir", type=click.Path(path_type=Path), default=DEFAULT_CASE,
              help=f"Dossier du cas (défaut : cases/{DEFAULT_CASE.name}).")
@click.option("--seed", type=int, default=None, help="Graine aléatoire (défaut : celle du case.yaml).")
@click.option("--rows", type=int, default=None,
              help="Nombre de lignes de la table principale (défaut : celui du case.yaml).")
def demo_cmd(out: Path, case_dir: Path, seed: int | None, rows: int | None) -> None:
    """Tout le parcours sur un cas (par défaut le cas fourni) avec trois équipes simulées."""
    from rich.console import Console
    from rich.table import Table

    from mspr.demo import demo
    from mspr.jury.fmt import fr_number

    totals = demo(out, case_dir=case_dir, seed=seed, rows=rows, echo=click.echo)
    table = Table(title="Points automatiques par bloc")
    blocks = ["A1", "A2", "A3", "A4"]
    for col in ["Équipe", *blocks, "Total"]:
        table.add_column(col, justify="left" if col == "Équipe" else "right")
    for team, per_block in totals.items():
        cells = [f"{fr_number(per_block[b][0])}/{fr_number(per_block[b][1])}" if b in per_block else "-"
                 for b in blocks]
        total = sum(s for s, _ in per_block.values()), sum(m for _, m in per_block.values())
        table.add_row(team, *cells, f"{fr_number(total[0])}/{fr_number(total[1])}")
    Console().print(table)
    click.echo(f"Rapport : {Path(out) / 'report' / 'index.html'}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status instead of exiting.

    A user error (:class:`mspr.errors.MsprError`) is printed in French on
    standard error, without a traceback.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 on success (and for ``--help``); 2 on a user error
        (:class:`~mspr.errors.MsprError`) or a usage error (unknown option,
        missing or invalid argument: click's ``UsageError``); 1 on any other
        ``click.ClickException`` or on an interruption (Ctrl-C, click's
        ``Abort``); a command's own exit code otherwise (``mspr verify``
        exits 1 when it finds a difference).
    """
    import warnings

    # nbformat's English advice on a notebook whose cells have no id (written before nbformat 4.5, or by hand):
    # reading it adds them; nothing for a candidate or a trainer to do
    warnings.filterwarnings("ignore", message="Cell is missing an id field")
    try:
        status = cli.main(args=argv, prog_name="mspr", standalone_mode=False)
    except MsprError as exc:
        click.echo(f"Erreur : {exc.format()}", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        for sig in (signal.SIGINT, signal.SIGTERM):  # leaving: a second Ctrl-C must not break off the clean-up
            signal.signal(sig, signal.SIG_IGN)
        click.echo("Interrompu.", err=True)
        return 1
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
