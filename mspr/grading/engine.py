"""The cohort grading engine: parallel, resumable, one writer.

A grading run turns every submission into a :class:`Task`. Workers -- the
grading process itself, a local pool of processes (``concurrent.futures``),
or the workers of a Dask distributed cluster -- each run :func:`run_task`:
execute the submission in its sandbox, score it, and return an
:class:`Outcome` (the grade, the executed folder staged in the workspace,
the nbgrader scores). Workers write nothing final: **one writer**, the
process that started the run, commits each outcome with :func:`commit` --
the executed folder, the gradebook rows, then the grade file, written last
and atomically, which marks the submission as done.

Resuming: each run is recorded in ``WS/.engine/run.json`` (its id, whether it
finished). A run started while the previous one is unfinished (Ctrl-C, kill -9,
power cut) takes over its id and skips each submission whose grade file
already carries that run id and the checksum of the submission as it is now;
every other submission is graded again, and its previous result replaced (the
gradebook rows of a submission are replaced, never added twice; the grade
file is archived first). A finished run is never resumed: the next call grades
everything again.

Interruptions: Ctrl-C (or SIGTERM) in the grading process stops the workers;
each kills its nbgrader worker and the sandbox (kernel and everything it
started), and removes its scratch folder. Scratch folders left by a killed run
(``mspr-grade-<pid>-*`` of a dead pid) are removed at the start of the next.
After a kill -9 of the grading process, each pool worker (it watches the
grading process) cleans up the same way and leaves, and with the last of them
multiprocessing's fork server and resource tracker; Dask's workers leave with
the process that started their cluster.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mspr._proc import pid_alive
from mspr.errors import MsprError
from mspr.paths import ASSIGNMENTS, Workspace

#: Executors of :func:`run_cohort`.
ENGINES = ("processes", "dask")

#: Prefix of the scratch folders (followed by the grading process's pid).
SCRATCH_PREFIX = "mspr-grade-"
_SCRATCH_OWNER = re.compile(re.escape(SCRATCH_PREFIX) + r"(\d+)-")  # the pid after the prefix

#: Standard error of a run's pool or local Dask workers, in ``WS/.engine/`` (appended to by each run).
WORKERS_LOG = "workers.log"

#: Largest executed folder copied back into the workspace, bytes (files past it are left out, and said so).
MAX_COPY_BYTES = 200_000_000


@dataclass(frozen=True)
class Task:
    """One submission to grade.

    Attributes
    ----------
    root : str
        The workspace folder (a string: tasks travel to other processes).
    team_id, assignment_id : str
    """

    root: str
    team_id: str
    assignment_id: str


@dataclass(frozen=True)
class Outcome:
    """What a worker returns for one :class:`Task` (nothing of it is final until committed).

    Attributes
    ----------
    task : Task
    grade : SubmissionGrade
    staging : str or None
        Executed folder, staged inside the workspace; None when the
        notebook could not be executed.
    gradebook : dict or None
        nbgrader scores of the submission, ``{"notebooks": {notebook:
        {grade_id: {"auto_score": float | None, "needs_manual_grade":
        bool}}}}``; None when nbgrader did not grade it.
    """

    task: Task
    grade: object
    staging: str | None
    gradebook: dict | None


def _engine_dir(ws: Workspace) -> Path:
    return ws.root / ".engine"


def _staging_dir(ws: Workspace, task: Task) -> Path:
    return _engine_dir(ws) / "staging" / f"{task.team_id}--{task.assignment_id}--{os.getpid()}"


def _started_marker(task: Task) -> Path:
    """``WS/.engine/started/<team>--<assignment>``: written by the worker when it starts the task (progress)."""
    return Path(task.root) / ".engine" / "started" / f"{task.team_id}--{task.assignment_id}"


class _started:
    """Mark ``task`` as being graded for the length of the block (the grading process shows « en cours »)."""

    def __init__(self, task: Task):
        self.path = _started_marker(task)

    def __enter__(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(str(os.getpid()))
        except OSError:  # progress only: never a reason not to grade
            pass
        return self

    def __exit__(self, *exc):
        self.path.unlink(missing_ok=True)


# -- worker side ---------------------------------------------------------------------

_NOTEBOOK_SIGNS = [
    (re.compile(r"MemoryError|Cannot allocate memory|Errno 12\]"), "limite de mémoire atteinte ({mem} Mio par processus)"),
    (re.compile(r"Resource temporarily unavailable|Errno 11\]"), "limite du nombre de processus atteinte ({nproc})"),
    (re.compile(r"File too large|Errno 27\]"), "limite de taille de fichier atteinte ({fsize} octets)"),
    (re.compile(r"Network is unreachable|Errno 101\]|Temporary failure in name resolution|Name or service not known"
                r"|Errno -[23]\]|Connection refused"),
     "accès réseau bloqué : le bac à sable n'a que sa propre boucle locale"),
    (re.compile(r"Read-only file system|Errno 30\]"), "écriture refusée : l'environnement est en lecture seule"),
    (re.compile(r"PermissionError|Permission denied|Operation not permitted|Errno 13\]|Errno 1\]"),
     "accès refusé par le bac à sable (fichier ou processus hors de sa portée)"),
    (re.compile(r"CellTimeoutError|KeyboardInterrupt"), "cellule interrompue après {cell} s (délai par cellule)"),
    (re.compile(r"SystemExit"), "sys.exit appelé dans une cellule : IPython l'a intercepté, le notebook a continué"),
]


def tampering_incidents(submitted: Path, released: Path) -> list[str]:
    """Return French sentences on the protected cells a team changed, deleted or retyped.

    nbgrader restores locked and test cells from the gradebook and the kernel
    name from the source; this says so for the jury.

    Parameters
    ----------
    submitted : pathlib.Path
        The team's ``.ipynb``.
    released : pathlib.Path
        The student release of the same notebook.

    Returns
    -------
    list of str
        One sentence per protected cell (locked or graded, by ``grade_id``)
        whose source or type differs, or that is missing, and one if the
        kernel name differs; empty if either notebook is unreadable.
    """
    try:
        team = json.loads(submitted.read_text(encoding="utf-8"))
        ref = json.loads(released.read_text(encoding="utf-8"))
        cells = {c["metadata"]["nbgrader"]["grade_id"]: c for c in team.get("cells", [])
                 if isinstance(c, dict) and isinstance(c.get("metadata", {}).get("nbgrader"), dict)
                 and "grade_id" in c["metadata"]["nbgrader"]}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return []
    out = []

    def text(cell):
        source = cell.get("source", "")
        return ("".join(source) if isinstance(source, list) else str(source)).strip()

    for cell in ref.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if not grade_id or not (meta.get("locked") or meta.get("grade")):
            continue
        mine = cells.get(grade_id)
        if mine is None:
            out.append(f"cellule protégée « {grade_id} » supprimée par l'équipe : nbgrader la compte comme absente "
                       "(réponse non rédigée pour une cellule du jury)")
        elif mine.get("cell_type") != cell.get("cell_type"):
            out.append(f"type de la cellule protégée « {grade_id} » changé ({mine.get('cell_type')}) : "
                       "nbgrader l'a rétablie depuis la version de référence")
        elif meta.get("locked") and text(mine) != text(cell):
            out.append(f"cellule verrouillée « {grade_id} » modifiée par l'équipe : nbgrader l'a rétablie depuis "
                       "la version de référence")
    name = team.get("metadata", {}).get("kernelspec", {}).get("name")
    expected = ref.get("metadata", {}).get("kernelspec", {}).get("name")
    if name != expected:
        out.append(f"noyau déclaré « {name} » remplacé par celui de la version distribuée (« {expected} »)")
    return out


def notebook_incidents(notebook: Path, limits) -> list[str]:
    """Return French sentences on the limits and protections an executed notebook ran into.

    Parameters
    ----------
    notebook : pathlib.Path
        The executed ``.ipynb``.
    limits : mspr.grading.sandbox.Limits
        The limits it ran with (quoted in the sentences).

    Returns
    -------
    list of str
        First one sentence per cell that raised an error (its ``grade_id``,
        the exception, and that its answers may be missing), then one per
        kind of incident found in the cells' error outputs, in the order of
        :data:`_NOTEBOOK_SIGNS`; empty if the notebook is unreadable.
    """
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    errors, failed = [], []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            if isinstance(output, dict) and output.get("output_type") == "error":
                errors.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
                grade_id = (cell.get("metadata", {}).get("nbgrader", {}) or {}).get("grade_id") or "sans identifiant"
                failed.append(f"cellule « {grade_id} » en erreur à l'exécution ({output.get('ename', '')} : "
                              f"{str(output.get('evalue', ''))[:120]}) : les réponses qu'elle devait produire, et "
                              "celles des cellules qui en dépendent, peuvent manquer")
            elif isinstance(output, dict) and output.get("name") == "stderr":
                errors.append(str(output.get("text", ""))[-2000:])
    text = "\n".join(errors)
    values = {"mem": limits.memory_bytes // 2**20, "nproc": limits.nproc, "fsize": limits.fsize_bytes,
              "cell": limits.cell_s}
    return [*failed, *(sentence.format(**values) for pattern, sentence in _NOTEBOOK_SIGNS if pattern.search(text))]


def _execution_incidents(incidents: list[dict], limits) -> list[str]:
    out = []
    for incident in incidents:
        kind = incident.get("kind")
        if kind == "kernel_death":
            out.append(f"noyau arrêté avant la fin du notebook : {incident.get('reason')} ; les cellules "
                       "suivantes ne sont pas exécutées (0 à leurs tests), les réponses déjà enregistrées comptent")
        elif kind == "output_cut":
            out.append(f"sortie de la cellule {incident.get('cell')} tronquée : {incident.get('bytes')} octets "
                       f"au-delà de la limite de {limits.output_bytes} octets par cellule")
        elif kind == "leftovers":
            commands = sorted(set(incident.get("processes", {}).values()))
            out.append(f"{len(incident.get('processes', {}))} processus laissé(s) en marche à la fin du notebook, "
                       "arrêté(s) par le correcteur : " + " ; ".join(c[:120] for c in commands[:5]))
        elif kind == "cgroup":
            if incident.get("oom_kill"):
                out.append(f"mémoire du bac à sable dépassée : {incident['oom_kill']} processus tué(s) par le "
                           f"système (limite de {limits.sandbox_memory_bytes // 2**20} Mio pour l'ensemble des "
                           "processus)")
            if incident.get("pids_max"):
                out.append(f"limite de {limits.nproc} processus atteinte : {incident['pids_max']} création(s) de "
                           "processus refusée(s)")
        elif kind == "wall_time":
            out.append(f"durée maximale d'exécution dépassée ({incident.get('seconds')} s) : exécution arrêtée")
        elif kind == "notebook_link":
            out.append("le notebook s'était remplacé par un lien symbolique ou un fichier spécial ("
                       + ", ".join(incident.get("names", [])) + ") : supprimé avant l'écriture du notebook "
                       "exécuté (qui se serait faite à travers le lien, hors du dossier du rendu)")
        elif kind == "deep_tree":
            out.append(f"dossier exécuté : arborescence trop profonde (plus de {incident.get('depth')} niveaux) "
                       f"créée par le notebook : {incident.get('count')} dossier(s) supprimé(s) avec leur contenu "
                       "après l'exécution (" + ", ".join(incident.get("folders", [])) + ")")
    return out


def _copy_capped(src: Path, dst: Path, max_bytes: int) -> list[str]:
    """Copy the executed folder; return French incidents on what was left out.

    Links are copied as links, special files left out; files past ``max_bytes`` in total, folders nested more
    than :data:`mspr._trees.MAX_DEPTH` levels deep and entries past :data:`mspr._trees.MAX_ENTRIES` are not
    copied (iteratively: a tree thousands of levels deep does not stop the grader).
    """
    from mspr._trees import copy_tree

    copied = copy_tree(src, dst, max_bytes=max_bytes)
    out = []
    if copied.bytes_left_out:
        out.append(f"fichiers non conservés (plus de {max_bytes} octets en tout) : "
                   + ", ".join(copied.bytes_left_out[:10]))
    return out + copied.notes("dossier exécuté")


def remove_scratch(path: str | Path) -> bool:
    """Remove a scratch or staging folder, however deep the tree a notebook left in it.

    Parameters
    ----------
    path : str or pathlib.Path
        The folder; nothing happens if it is missing.

    Returns
    -------
    bool
        Whether it is gone (``shutil.rmtree``, then ``rm -rf --one-file-system``
        when that fails, e.g. ``RecursionError`` on a tree thousands of levels deep).
    """
    from mspr._trees import remove_tree

    return remove_tree(path)


def _gradebook_rows(db_url: str, assignment_id: str, team_id: str) -> dict | None:
    """The nbgrader scores of one submission, read with SQL (nbgrader's own tables; no ORM to import)."""
    path = db_url.removeprefix("sqlite:///")
    query = """SELECT nb.name, cell.name, g.auto_score, g.needs_manual_grade
               FROM grade g JOIN submitted_notebook sn ON g.notebook_id = sn.id
               JOIN notebook nb ON sn.notebook_id = nb.id
               JOIN submitted_assignment sa ON sn.assignment_id = sa.id
               JOIN assignment a ON sa.assignment_id = a.id
               JOIN base_cell cell ON g.cell_id = cell.id
               WHERE a.name = ? AND sa.student_id = ?"""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        found = db.execute("SELECT 1 FROM submitted_assignment sa JOIN assignment a ON sa.assignment_id = a.id "
                           "WHERE a.name = ? AND sa.student_id = ?", (assignment_id, team_id)).fetchone()
        if found is None:
            return None
        rows: dict = {"notebooks": {}}
        for notebook, cell, auto_score, needs_manual in db.execute(query, (assignment_id, team_id)):
            rows["notebooks"].setdefault(notebook, {})[cell] = {"auto_score": auto_score,
                                                                 "needs_manual_grade": bool(needs_manual)}
    return rows


def _copy_gradebook(src: Path, dst: Path) -> None:
    """Consistent copy of the gradebook (SQLite backup API: safe while the writer commits)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as source, sqlite3.connect(dst) as target:
        source.backup(target)


def run_task(task: Task, *, ground_truth=None, limits=None, run_id: str | None = None) -> Outcome:
    """Execute and score one submission (worker side; writes nothing final).

    The notebook runs through nbgrader against a private copy of the
    gradebook, its kernel in the sandbox (:mod:`mspr.grading.sandbox`); the
    checks score the answers in this process. Answers recorded before the
    kernel died still count. The executed folder is staged in the workspace
    for :func:`commit`; the scratch folder is removed, whatever happens.

    Parameters
    ----------
    task : Task
        The submission.
    ground_truth : mspr.case.GroundTruth, optional
        Read from the workspace if omitted.
    limits : mspr.grading.sandbox.Limits, optional
        Default ``Limits()``.
    run_id : str, optional
        Id of the grading run, recorded in the grade.

    Returns
    -------
    Outcome

    Raises
    ------
    MsprError
        If the case has not been built.
    """
    from mspr.grading import (CheckContext, SubmissionGrade, _clip_log, _not_graded, _read_answers,
                              jury_answers, load_ground_truth, run_checks, submission_checksum)
    from mspr.grading.execute import SandboxWatch, kill_session, run_autograde, scratch_course
    from mspr.grading.sandbox import Limits, describe, probe
    from mspr.notebooks import validate_notebook

    ws = Workspace(Path(task.root))
    team_id, assignment_id = task.team_id, task.assignment_id
    limits = limits or Limits()
    ground_truth = ground_truth or load_ground_truth(ws)
    checksum = submission_checksum(ws.submitted(team_id, assignment_id))
    isolation = [describe(limits), *probe().notes]
    problems = validate_notebook(ws.submitted(team_id, assignment_id) / f"{assignment_id}.ipynb")
    if problems:
        grade = SubmissionGrade(team_id, assignment_id, False,
                                _not_graded(assignment_id, "notebook non exécuté : " + problems[0]), {},
                                "\n".join(problems), incidents=["notebook refusé avant exécution : " + problems[0]],
                                isolation=isolation, submission_sha256=checksum, run_id=run_id)
        return Outcome(task, grade, None, None)
    tampering = tampering_incidents(ws.submitted(team_id, assignment_id) / f"{assignment_id}.ipynb",
                                    ws.release(assignment_id) / f"{assignment_id}.ipynb")
    from mspr.grading.execute import WorkerServer, preload_modules

    if WorkerServer.preload_modules is None:  # a Dask worker: the modules of this assignment's release
        WorkerServer.preload_modules = preload_modules(ws, [assignment_id])
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
    staging = None
    try:
        copy_notes: list[str] = []  # what of the submission was not copied (a tree too deep, too many files)
        root = scratch_course(ws, team_id, assignment_id, scratch, notes=copy_notes)
        gradebook = scratch / "grader" / "gradebook.db"
        _copy_gradebook(ws.gradebook_path, gradebook)
        with SandboxWatch(scratch) as watch:
            execution, pgid = run_autograde(root, f"sqlite:///{gradebook}", team_id, assignment_id,
                                            home=scratch / "home", watch=watch, limits=limits, scratch=scratch)
        incidents = tampering + copy_notes + _execution_incidents(execution.incidents, limits)
        try:
            notebook = execution.workdir / f"{assignment_id}.ipynb"
            if execution.workdir.is_dir():
                answers, note = _read_answers(execution.workdir)
                isolated = probe().bwrap is not None
                processes, leftovers = dict(watch.seen), dict(execution.leftovers)
                if isolated:  # the notebook records the pids of its own namespace
                    processes.update(watch.namespace_pids)
                    for incident in execution.incidents:
                        if incident.get("kind") == "leftovers":
                            leftovers.update({int(p): c for p, c in incident.get("namespace", {}).items()})
                ctx = CheckContext(answers, ground_truth, ws.case.ground_truth_dir, execution.workdir,
                                   reference_model=ws.case.model_dir, processes=processes,
                                   leftovers=leftovers, isolated=isolated, outputs=dict(watch.outputs))
                results = run_checks(assignment_id, ctx)
                jury = jury_answers(notebook) if notebook.is_file() else {}
                incidents += [i for i in notebook_incidents(notebook, limits) if i not in incidents]
                if not execution.ok:
                    note = (note + "\nnbgrader n'a pas terminé l'exécution.").strip()
            else:
                note = "nbgrader n'a pas pu exécuter le notebook."
                results = _not_graded(assignment_id, "notebook non exécuté (voir le journal d'exécution)")
                jury = {}
        finally:
            kill_session(pgid)
            watch.kill_leftovers()
        if execution.workdir.is_dir():
            staging = _staging_dir(ws, task)
            remove_scratch(staging)
            staging.parent.mkdir(parents=True, exist_ok=True)
            incidents += _copy_capped(execution.workdir, staging, MAX_COPY_BYTES)
        rows = _gradebook_rows(f"sqlite:///{gradebook}", assignment_id, team_id) if execution.ok else None
        grade = SubmissionGrade(team_id, assignment_id, execution.ok, results, jury,
                                _clip_log((note + "\n" + execution.log).strip()), incidents=incidents,
                                isolation=isolation, submission_sha256=checksum, run_id=run_id)
        return Outcome(task, grade, str(staging) if staging else None, rows)
    finally:
        remove_scratch(scratch)


# -- the writer ----------------------------------------------------------------------

def _manual_marks(gb, task: Task) -> dict:
    """What people entered in nbgrader's formgrader for the task's submission (empty if it has no rows yet).

    Returns ``(kind, notebook, cell)`` → fields: ``("grade", nb, cell)`` → ``manual_score`` and ``extra_credit``
    (either set), ``("comment", nb, cell)`` → ``manual_comment`` (not empty), ``("flag", nb, "")`` → ``flagged``.
    """
    from nbgrader.api import MissingEntry

    try:
        sub = gb.find_submission(task.assignment_id, task.team_id)
    except MissingEntry:
        return {}
    marks = {}
    for nb in sub.notebooks:
        for grade in nb.grades:
            if grade.manual_score is not None or grade.extra_credit is not None:
                marks["grade", nb.name, grade.name] = {"manual_score": grade.manual_score,
                                                       "extra_credit": grade.extra_credit}
        for comment in nb.comments:
            if comment.manual_comment:
                marks["comment", nb.name, comment.name] = {"manual_comment": comment.manual_comment}
        if nb.flagged:
            marks["flag", nb.name, ""] = {"flagged": True}
    return marks


def _archive_gradebook(ws: Workspace) -> Path:
    """Keep a copy of the cohort gradebook where :meth:`Workspace.archive` keeps a replaced file
    (``archive/grader/gradebook.<utc stamp>.db``), made with SQLite's backup API (consistent even while
    formgrader writes)."""
    from mspr.paths import utc_stamp

    kept = ws.archive_dir / ws.gradebook_path.relative_to(ws.root)
    target = kept.with_name(f"{kept.stem}.{utc_stamp()}{kept.suffix}")
    _copy_gradebook(ws.gradebook_path, target)
    return target


def _merge_gradebook(ws: Workspace, task: Task, rows: dict) -> Path | None:
    """Replace the submission's rows of the cohort gradebook with the worker's (never added twice).

    What people entered in nbgrader's formgrader for this submission (manual scores, extra credit, manual
    comments, flags) is kept on the new rows of the same notebook and cell; when the submission's rows hold any,
    the gradebook is first copied to the archive (:func:`_archive_gradebook`), so that a mark whose cell no longer
    exists is not lost either. Returns that copy, or None when there was nothing to keep.
    """
    from nbgrader.api import Gradebook, MissingEntry

    from mspr._nbgrader import quiet_gradebook_warnings
    quiet_gradebook_warnings()

    with Gradebook(ws.db_url) as gb:
        marks = _manual_marks(gb, task)
    kept = _archive_gradebook(ws) if marks else None
    with Gradebook(ws.db_url) as gb:
        gb.update_or_create_student(task.team_id)
        try:
            gb.remove_submission(task.assignment_id, task.team_id)
            gb.db.commit()
            gb.db.expire_all()
        except MissingEntry:
            pass
        sub = gb.add_submission(task.assignment_id, task.team_id)
        for nb in sub.notebooks:
            scores = rows["notebooks"].get(nb.name, {})
            for grade in nb.grades:
                if grade.name in scores:
                    grade.auto_score = scores[grade.name]["auto_score"]
                    grade.needs_manual_grade = scores[grade.name]["needs_manual_grade"]
                mark = marks.get(("grade", nb.name, grade.name))
                if mark:
                    grade.manual_score, grade.extra_credit = mark["manual_score"], mark["extra_credit"]
                    if grade.manual_score is not None:  # graded by a person, as formgrader records it
                        grade.needs_manual_grade = False
            for comment in nb.comments:
                mark = marks.get(("comment", nb.name, comment.name))
                if mark:
                    comment.manual_comment = mark["manual_comment"]
            if ("flag", nb.name, "") in marks:
                nb.flagged = True
        gb.db.commit()
    return kept


def commit(ws: Workspace, outcome: Outcome) -> None:
    """Record one outcome in the workspace (the writer's job; call from one process only).

    In this order: the previous executed folder is archived and the staged
    one moved in its place; the gradebook rows of the submission are
    replaced; the grade file is written last, atomically (its presence with
    the run id and checksum marks the submission as done).

    Parameters
    ----------
    ws : Workspace
    outcome : Outcome
    """
    from mspr.grading import write_grade

    task = outcome.task
    target = ws.autograded(task.team_id, task.assignment_id)
    ws.archive(target)
    if outcome.staging and Path(outcome.staging).is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(outcome.staging, target)
    if outcome.gradebook:
        _merge_gradebook(ws, task, outcome.gradebook)
    write_grade(ws, outcome.grade)


# -- the run -------------------------------------------------------------------------


def clean_stale_scratch(tmp: Path | None = None) -> list[Path]:
    """Remove the scratch folders left by grading processes that no longer run.

    Parameters
    ----------
    tmp : pathlib.Path, optional
        The temporary folder (default: ``tempfile.gettempdir()``).

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    removed = []
    for path in Path(tmp or tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        match = _SCRATCH_OWNER.match(path.name)
        if match and path.is_dir() and not pid_alive(int(match.group(1))):
            remove_scratch(path)
            removed.append(path)
    return removed


def _journal_path(ws: Workspace) -> Path:
    return _engine_dir(ws) / "run.json"


def _write_journal(ws: Workspace, data: dict) -> None:
    path = _journal_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def _start_run(ws: Workspace, resume: bool) -> tuple[str, bool]:
    """Return the run id, and whether it resumes an unfinished run."""
    try:
        journal = json.loads(_journal_path(ws).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        journal = None
    if resume and journal and not journal.get("finished") and journal.get("run_id"):
        return journal["run_id"], True
    run_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    _write_journal(ws, {"run_id": run_id, "started_at": datetime.now(timezone.utc).isoformat(), "finished": False})
    return run_id, False


def _already_done(ws: Workspace, task: Task, run_id: str):
    """The grade of ``task`` if this run already committed it for the submission as it is now."""
    from mspr.grading import SubmissionGrade, submission_checksum

    path = ws.grades(task.team_id, task.assignment_id)
    try:
        grade = SubmissionGrade.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError, RecursionError):  # a damaged file: graded again
        return None
    if grade.run_id != run_id or grade.grader_error:
        return None
    if grade.submission_sha256 != submission_checksum(ws.submitted(task.team_id, task.assignment_id)):
        return None
    return grade


def _init_pool_worker(shared: str | None = None, env: dict | None = None, sigint_ignored: bool = False,
                      grader: int | None = None) -> None:
    """Pool worker set-up: take the grading process's environment ``env`` (a worker forked by multiprocessing's
    fork server has that server's), die (cleanly) with the grading process ``grader`` (its pid), turn SIGTERM
    and SIGINT into one interruption (the next ones are ignored while it cleans up),
    and use the run's shared fork server (socket ``shared``)."""
    import ctypes

    from mspr.grading.execute import SHARED_VAR

    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    if shared:
        os.environ[SHARED_VAR] = shared

    def interrupted(signum, frame):
        # Once: a terminal's Ctrl-C reaches the worker (SIGINT, its process group) and then the grading process's
        # SIGTERM; a second interruption would break off the clean-up (sandbox killed, scratch folder removed).
        # The handler stays (a handler set to SIG_IGN while the other signal is pending raises OSError).
        if _WORKER_STATE["interrupted"]:
            return
        _WORKER_STATE["interrupted"] = True
        if not _WORKER_STATE["busy"]:
            os._exit(130)  # idle: nothing to clean up, and no traceback from multiprocessing
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    # a run whose SIGINT is ignored (a shell's background job) is not interrupted by it: nor are its workers
    signal.signal(signal.SIGINT, signal.SIG_IGN if sigint_ignored else interrupted)
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    if grader is not None:
        _watch_grader(grader)


def _watch_grader(pid: int) -> None:
    """Interrupt this pool worker (SIGTERM to itself: clean-up, then exit) when the grading process ``pid`` dies.

    The parent-death signal is not enough: a pool worker's parent is multiprocessing's fork server, which
    lives as long as any worker does. After a kill -9 of the grading process, its idle workers, the fork
    server, the resource tracker and the run's shared fork server would otherwise stay. Watched with a pidfd
    (Linux >= 5.3), else polled every second.
    """
    import select

    def watch():
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            fd = None  # already gone
        except (AttributeError, OSError):
            while pid_alive(pid):
                time.sleep(1.0)
            fd = None
        if fd is not None:
            select.select([fd], [], [])
            os.close(fd)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="mspr-grader-watch", daemon=True).start()


_WORKER_STATE = {"busy": False, "interrupted": False}  # a pool worker's: grading a task, interrupted


def _pool_task(task: Task, **kwargs) -> Outcome:
    """Pool entry point: once an interruption has cleaned up (sandbox killed, scratch removed), leave."""
    _WORKER_STATE["busy"] = True
    try:
        if _WORKER_STATE["interrupted"]:
            raise KeyboardInterrupt
        with _started(task):
            return run_task(task, **kwargs)
    except KeyboardInterrupt:
        os._exit(130)  # concurrent.futures would otherwise wait for the next task
    finally:
        _WORKER_STATE["busy"] = False


def _dask_task(task: Task, **kwargs) -> Outcome:
    """Dask entry point: :func:`run_task`, marked as started for the grading process's progress."""
    with _started(task):
        return run_task(task, **kwargs)


def _failure(task: Task, trace: str, run_id: str):
    from mspr.grading import SubmissionGrade

    return Outcome(task, SubmissionGrade(task.team_id, task.assignment_id, False, [], {}, "", grader_error=trace,
                                         run_id=None), None, None)


class _Local:
    """concurrent.futures executor: inline for one worker, else a pool of processes."""

    def __init__(self, workers: int, modules: list[str] | None = None, log: Path | None = None):
        self.workers = workers
        self.modules = modules
        self.log = log  # the workers' standard error
        self.pool = None
        self.shared = None

    def __enter__(self):
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from mspr.grading.execute import ONE_SHOT_VAR, start_shared

            if os.environ.get(ONE_SHOT_VAR, "").lower() not in ("1", "on", "oui"):
                self.shared = start_shared(self.modules)  # imports paid once, while the pool starts
            # forked from multiprocessing's fork server, which imports the grader once for every pool (and what
            # a pool worker's first task would import: 0.3 s of CPU per worker, before its first request)
            context = multiprocessing.get_context("forkserver")
            _start_fork_server(["mspr.grading.engine", "mspr.notebooks", "openpyxl"], self.log)
            self.pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_init_pool_worker,
                                            initargs=(self.shared[1] if self.shared else None, dict(os.environ),
                                                      signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
                                                      os.getpid()),
                                            mp_context=context)
        else:
            from mspr.grading.execute import WorkerServer

            WorkerServer.preload_modules = self.modules
        return self

    def map(self, tasks, **kwargs):
        """Yield ``(task, outcome or None, traceback or None)`` as each task finishes."""
        if self.pool is None:
            for task in tasks:
                yield from self._one(task, **kwargs)
            return
        from concurrent.futures import as_completed

        futures = {self.pool.submit(_pool_task, task, **kwargs): task for task in tasks}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result(), None
            except Exception:  # a grader failure in the worker
                yield futures[future], None, traceback.format_exc()

    def _one(self, task, **kwargs):
        try:
            outcome = run_task(task, **kwargs)
        except Exception:
            yield task, None, traceback.format_exc()
            return
        yield task, outcome, None

    def started(self, tasks):
        return [] if self.pool is None else list(tasks)

    def __exit__(self, exc_type, exc, tb):
        if self.pool is None:
            return
        try:
            self._stop_pool(exc_type)
        finally:
            if self.shared:
                from mspr.grading.execute import stop_shared

                stop_shared(*self.shared)

    def _stop_pool(self, exc_type):
        if exc_type is None:
            self.pool.shutdown(wait=True)
            return
        # Interrupted: stop every worker (each kills its sandbox and removes its scratch folder).
        processes = list((self.pool._processes or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                try:
                    os.kill(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in processes:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()  # its sandbox dies with it (parent-death signals)
                proc.join()


class _Dask:
    """Dask distributed executor: a ``LocalCluster`` of worker processes, or an existing scheduler."""

    def __init__(self, workers: int, address: str | None = None, log: Path | None = None):
        self.workers = workers
        self.address = address
        self.log = log  # the local workers' standard error
        self.client = self.cluster = self.config = None
        if address is not None:  # connected now: an unreachable scheduler stops the run before it starts
            self.client = _connect(address)

    def __enter__(self):
        from dask.distributed import Client, LocalCluster

        if self.address is None:
            # The workers ignore SIGINT: a terminal's Ctrl-C reaches the whole process group, and the grading
            # process closes the cluster itself (a worker would print asyncio's tracebacks). They are forked from
            # a fork server started with SIGINT ignored (for the few milliseconds of its start, not the seconds of
            # the cluster's, during which a Ctrl-C would be lost), and their preload ignores it too.
            # A Ctrl-C while the cluster starts waits until it has started (a cluster interrupted half-way prints
            # Dask's tracebacks when Python exits), then stops the run.
            import dask

            _start_fork_server(["distributed", "mspr.grading.engine"], self.log)
            self.config = dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
            try:
                with _uninterrupted():
                    self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                                dashboard_address=":0", silence_logs=40,
                                                preload=["mspr.grading._dask_preload"])
                    self.client = Client(self.cluster)
            except BaseException:
                self.__exit__(KeyboardInterrupt, None, None)
                raise
        return self

    def map(self, tasks, **kwargs):
        from dask.distributed import as_completed

        futures = {self.client.submit(_dask_task, task, pure=False, key=f"mspr-{task.team_id}-{task.assignment_id}-"
                                      f"{uuid.uuid4().hex[:6]}", **kwargs): task for task in tasks}
        for future in as_completed(list(futures)):
            task = futures[future]
            try:
                yield task, future.result(), None
            except Exception:
                yield task, None, traceback.format_exc()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:  # interrupted: the workers' connections close under the client (English logs)
            import logging

            logging.getLogger("distributed").setLevel(logging.CRITICAL)
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        if self.config is not None:
            self.config.__exit__(None, None, None)  # Dask's configuration as it was


def _start_fork_server(preload: list[str], log: Path | None = None) -> None:
    """Start multiprocessing's fork server, importing the modules ``preload``, with SIGINT ignored: a Ctrl-C
    while it imports them would print a traceback, and the processes it forks take the handler it started with.
    Its warnings (the resource tracker's English « leaked semaphore » after a kill -9) are silenced, and its
    standard error, which the workers it forks share (a worker forked while an interrupted run stops fails in
    English), goes to the file ``log`` (appended to) instead of the terminal."""
    import multiprocessing
    import sys
    from multiprocessing import forkserver

    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    if quiet not in sys.warnoptions:  # passed on to the fork server and the resource tracker (-W)
        sys.warnoptions.append(quiet)
    multiprocessing.get_context("forkserver").set_forkserver_preload(preload)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    saved = None
    if log is not None:  # the fork server inherits this process's standard error: the log's, while it starts
        log.parent.mkdir(parents=True, exist_ok=True)
        target = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        saved = os.dup(2)
        os.dup2(target, 2)
        os.close(target)
    try:
        forkserver.ensure_running()  # spawns it, without waiting for its preload
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)
        if main:
            signal.signal(signal.SIGINT, previous)


#: Seconds to wait for a Dask scheduler given with ``--scheduler``.
CONNECT_TIMEOUT_S = 15


def _connect(address: str):
    """A Dask client of the scheduler at ``address``, or a French :class:`MsprError` saying why not."""
    from dask.distributed import Client

    hint = ("vérifiez l'adresse (ex. tcp://ordonnanceur:8786) et que l'ordonnanceur tourne, "
            "ou lancez sans --scheduler pour un cluster local")
    if not _SCHEDULER_ADDRESS.fullmatch(address):
        raise MsprError(f"adresse d'ordonnanceur Dask mal formée : « {address} »", hint=hint)
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S)
    except Exception:  # refused, timed out, name unknown, handshake failed (distributed raises several kinds)
        raise MsprError(f"ordonnanceur Dask injoignable à l'adresse « {address} » : connexion refusée ou "
                        f"aucune réponse en {CONNECT_TIMEOUT_S} s", hint=hint) from None


#: A scheduler address: ``[protocol://]host:port`` (IPv6 hosts in brackets).
_SCHEDULER_ADDRESS = re.compile(r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}")


def run_cohort(ws: Workspace, team_ids: list[str] | None = None, assignment_ids: list[str] | None = None, *,
               progress=None, workers: int = 1, engine: str = "processes", limits=None, resume: bool = True,
               scheduler: str | None = None):
    """Grade a cohort's submissions in parallel; see :func:`mspr.grading.autograde`.

    Parameters
    ----------
    ws : Workspace
    team_ids, assignment_ids : list of str, optional
    progress : callable, optional
        ``progress(team_id, assignment_id, state)``, states in French.
    workers : int, default=1
    engine : {"processes", "dask"}, default="processes"
    limits : mspr.grading.sandbox.Limits, optional
    resume : bool, default=True
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://…``, e.g. a
        ``KubeCluster``'s), with ``engine="dask"``.

    Returns
    -------
    list of SubmissionGrade

    Raises
    ------
    MsprError
        No ground truth, unknown engine, or ``workers`` < 1.
    GradingError
        If the grader failed on at least one submission.
    """
    from mspr.grading import load_ground_truth

    if engine not in ENGINES:
        raise MsprError(f"moteur de correction inconnu : {engine!r}", hint=f"choisissez parmi : {', '.join(ENGINES)}")
    if workers < 1:
        raise MsprError(f"nombre de correcteurs invalide : {workers}", hint="donnez un entier ≥ 1 à --workers")
    ground_truth = load_ground_truth(ws)
    with _run_lock(ws), _interruptions():
        return _run_locked(ws, team_ids, assignment_ids, progress=progress, workers=workers, engine=engine,
                           limits=limits, resume=resume, scheduler=scheduler, ground_truth=ground_truth)


class _interruptions:
    """During a run, SIGTERM (a service manager, ``kill``) interrupts like Ctrl-C, and only the first interruption
    counts: a second Ctrl-C (a terminal user often presses it twice) would break off the clean-up (workers and
    sandboxes stopped, scratch folders removed), which takes a few seconds, at most the workers' 30 s. Once the
    run is stopping (``_RUN_STATE["stopping"]``), or for 5 s after an interruption, the next are ignored; past
    that, one counts again (Python drops an interruption raised in an at-fork hook of ``subprocess.Popen``)."""

    REPEAT_S = 5.0

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self):
        import threading

        self.previous, self.fired_at = {}, None
        _RUN_STATE["stopping"] = False
        if threading.current_thread() is threading.main_thread():
            def interrupted(signum, frame):
                # the handler stays: one set to SIG_IGN while the other signal is pending raises OSError
                now = time.monotonic()
                if _RUN_STATE["stopping"] or _RUN_STATE["pending"] or (
                        self.fired_at is not None and now - self.fired_at < self.REPEAT_S):
                    return
                self.fired_at = now
                if _RUN_STATE["now"]:  # raised by _uninterrupted once the commit is whole
                    _RUN_STATE["pending"] = True
                    return
                raise KeyboardInterrupt
            # a signal the caller ignores (a background job's SIGINT) stays ignored
            self.previous = {sig: signal.signal(sig, interrupted) for sig in self.SIGNALS
                             if signal.getsignal(sig) is not signal.SIG_IGN}
        return self

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


# the grading process: committing an outcome, interrupted meanwhile, stopping after an interruption
_RUN_STATE = {"now": False, "pending": False, "stopping": False}


class _uninterrupted:
    """Defer an interruption (Ctrl-C, SIGTERM, caught by :class:`_interruptions`) to the end of the block: an
    outcome is committed whole (grade file, gradebook rows with the formgrader marks, executed folder) or not
    at all."""

    def __enter__(self):
        _RUN_STATE.update(now=True, pending=False)
        return self

    def __exit__(self, exc_type, *exc):
        pending = _RUN_STATE["pending"]
        _RUN_STATE.update(now=False, pending=False)
        if pending and exc_type is None:
            raise KeyboardInterrupt


class _StartWatch:
    """Report « en cours » when a worker starts a task (its marker appears), polled in a thread; serialises the
    calls to ``report`` with the grading loop's."""

    def __init__(self, tasks: list[Task], report):
        import threading

        self.tasks, self.report = list(tasks), report
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.reported: set[Task] = set()
        self.thread = threading.Thread(target=self._poll, name="mspr-progress", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def _poll(self):
        while not self.stop.wait(0.5):
            for task in self.tasks:
                if task not in self.reported and _started_marker(task).exists():
                    with self.lock:
                        if task not in self.reported:
                            self.reported.add(task)
                            self.report(task.team_id, task.assignment_id, "en cours")

    def finished(self, task: Task, state: str) -> None:
        with self.lock:
            self.reported.add(task)
            self.report(task.team_id, task.assignment_id, state)

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def _descendant_pids() -> set[int]:
    from mspr._proc import descendants

    return set(descendants(os.getpid()))


def _tidy_after_interruption(run: set[int] | None = None, wait: float = 30.0) -> None:
    """After an interruption, once the workers have stopped: remove the scratch folders their processes left.

    A pool worker removes its own, but a Dask worker interrupted by the terminal's Ctrl-C dies without running
    its task's clean-up (the task runs in a thread), and a worker's children may outlive it for a moment.
    Waits up to ``wait`` seconds for the owners of scratch folders among ``run`` (this process's descendants
    when the run was interrupted; now, if None) to end, then removes the folders of dead owners."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        ours = (run or set()) | _descendant_pids()
        owners = {int(m.group(1)) for p in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*")
                  if (m := _SCRATCH_OWNER.match(p.name))}
        if not {pid for pid in owners & ours if pid_alive(pid)}:
            break
        time.sleep(0.2)
    clean_stale_scratch()


class _run_lock:
    """Exclusive lock on ``WS/.engine/lock`` for the length of a run (released by the kernel if killed)."""

    def __init__(self, ws: Workspace):
        self.path = _engine_dir(ws) / "lock"

    def __enter__(self):
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.close()
            raise MsprError("une autre correction est déjà en cours sur cette cohorte", path=self.path,
                            hint="attendez qu'elle se termine, ou arrêtez-la (Ctrl-C) : elle reprendra où elle "
                                 "en était") from None
        return self

    def __exit__(self, *exc):
        self.handle.close()


def _run_locked(ws, team_ids, assignment_ids, *, progress, workers, engine, limits, resume, scheduler,
                ground_truth):
    from mspr.grading import GradingError

    clean_stale_scratch()
    for left in ("staging", "started"):  # left by a killed run
        remove_scratch(_engine_dir(ws) / left)
    report = progress or (lambda team, assignment, state: None)
    tasks = [Task(str(ws.root), team, assignment) for team in (team_ids or ws.teams())
             for assignment in (assignment_ids or ASSIGNMENTS) if ws.submitted(team, assignment).is_dir()]
    log = _engine_dir(ws) / WORKERS_LOG
    dask = _Dask(workers, scheduler, log) if engine == "dask" else None  # a remote scheduler is reached first
    run_id, _ = _start_run(ws, resume)
    grades, todo = {}, []
    for task in tasks:
        done = _already_done(ws, task, run_id) if resume else None
        if done is not None:
            grades[task] = done
            report(task.team_id, task.assignment_id, "déjà corrigé")
        else:
            todo.append(task)
            report(task.team_id, task.assignment_id, "en attente")
    if dask is not None:
        executor = dask
    else:
        from mspr.grading.execute import preload_modules

        executor = _Local(workers, preload_modules(ws, sorted({t.assignment_id for t in todo})) if todo else None,
                          log)
    failures = []
    kwargs = {"ground_truth": ground_truth, "limits": limits, "run_id": run_id}
    run = None  # this process's descendants when interrupted: the owners of scratch folders to wait for
    try:
        with executor, _StartWatch(todo, report) as watch:
            try:
                if isinstance(executor, _Local) and executor.pool is None:
                    def announce(task):
                        report(task.team_id, task.assignment_id, "en cours")
                        return task
                    stream = executor.map((announce(t) for t in todo), **kwargs)
                else:  # « en cours » once a worker has started it (its marker), « en attente » until then
                    stream = executor.map(todo, **kwargs)
                for task, outcome, trace in stream:
                    if outcome is None:
                        outcome = _failure(task, trace, run_id)
                        failures.append(f"{task.team_id}/{task.assignment_id} : {trace.strip().splitlines()[-1]}")
                    with _uninterrupted():
                        commit(ws, outcome)
                    grades[task] = outcome.grade
                    watch.finished(task, "échec du correcteur" if trace else "corrigé")
            except KeyboardInterrupt:
                _RUN_STATE["stopping"] = True  # the clean-up must not be broken off by the next Ctrl-C
                run = _descendant_pids()  # before the workers stop (their children may outlive them briefly)
                raise
    except KeyboardInterrupt:
        _RUN_STATE["stopping"] = True
        if not (isinstance(executor, _Local) and executor.pool is None):  # inline: run_task has cleaned up
            _tidy_after_interruption(run)
        for left in ("staging", "started"):  # what the stopped workers had not handed over (redone next run)
            shutil.rmtree(_engine_dir(ws) / left, ignore_errors=True)
        raise
    _write_journal(ws, {"run_id": run_id, "finished": True,
                        "finished_at": datetime.now(timezone.utc).isoformat()})
    if failures:
        raise GradingError(f"le correcteur a échoué sur {len(failures)} rendu(s), les autres sont corrigés :\n  "
                           + "\n  ".join(failures),
                           path=ws.root / "grades",
                           hint="le détail est dans le champ grader_error du fichier de note ; signalez-le")
    return [grades[t] for t in tasks]
