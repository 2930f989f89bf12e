"""The appeal record: a sealed bundle per team, and its re-execution.

:func:`seal` writes ``appeal/<team>.zip`` holding everything a grading rests
on: the submission files, the environment lock, the case spec and its seed,
the MLflow run ids the team recorded, the grader version, every score with its
evidence (the grade files), and every jury import with the marks and
decisions. ``MANIFEST.json`` lists the SHA-256 of every other file and
``SEAL`` holds the SHA-256 of the manifest.

:func:`verify` checks the seal and every file hash (naming each file that
differs), then re-executes the grading from the bundle alone in a throw-away
workspace (case rebuilt from its spec and seed, release, submission,
autograde) and compares every score with the recorded one.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from mspr import __version__
from mspr.errors import MsprError
from mspr.paths import ASSIGNMENTS, REPO_ROOT, Workspace

__all__ = ["Verification", "seal", "seal_of", "verify", "BUNDLE_FORMAT"]

#: Version of the bundle layout.
BUNDLE_FORMAT = "1"
MANIFEST, SEAL = "MANIFEST.json", "SEAL"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def grader_version() -> dict:
    """Describe the grader that produced the scores.

    Returns
    -------
    dict
        ``mspr`` (package version), ``git_commit`` (or None outside a git
        checkout), ``git_dirty`` (bool or None) and ``python``.
    """
    commit = dirty = None
    try:
        commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=10, check=True).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return {"mspr": __version__, "git_commit": commit, "git_dirty": dirty, "python": platform.python_version()}


def _run_ids(value) -> list[str]:
    """Every ``run_id`` found in a recorded answer (nested dicts and lists)."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "run_id" and isinstance(v, str):
                found.append(v)
            else:
                found.extend(_run_ids(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(_run_ids(v))
    return found


def seal(ws: Workspace, team_id: str) -> Path:
    """Write the sealed appeal bundle of a team.

    Parameters
    ----------
    ws : Workspace
        The cohort workspace; its case must have been built.
    team_id : str
        A team with at least one submission.

    Returns
    -------
    pathlib.Path
        ``ws.appeal_bundle(team_id)`` (a previous bundle is archived first).

    Raises
    ------
    MsprError
        If the team submitted nothing, if a submission is not graded or was
        submitted again after its grade (the sealed score would not be that
        submission's), or if the case has not been built.
    """
    from mspr.grading import load_ground_truth
    from mspr.jury.grid import SUBMITTED, submission_state
    from mspr.report import _read_grade

    assignments = [a for a in ASSIGNMENTS if ws.submitted(team_id, a).is_dir()]
    if not assignments:
        raise MsprError(f"aucun rendu pour l'équipe {team_id} : pas de dossier de recours",
                        path=ws.step_dir("submitted"), hint="vérifiez l'identifiant de l'équipe et l'option -w")
    ungraded = [a for a in assignments if submission_state(
        ws, team_id, a, _read_grade(ws.grades(team_id, a), team_id, a, ws) if ws.grades(team_id, a).is_file() else None)
        == SUBMITTED]
    if ungraded:
        raise MsprError(f"rendu non corrigé pour l'équipe {team_id} : {', '.join(ungraded)} (pas encore corrigé, ou "
                        "rendu de nouveau après sa correction) ; le dossier scellerait une note qui n'est pas celle "
                        "de ce rendu", path=ws.submitted(team_id, ungraded[0]),
                        hint=f"corrigez d'abord : mspr autograde -w {ws.root} --team {team_id}, puis "
                        f"mspr appeal -w {ws.root} {team_id}")
    truth = load_ground_truth(ws)
    files: dict[str, bytes] = {}
    for a in assignments:
        folder = ws.submitted(team_id, a)
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            files[f"submitted/{a}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
        grade = ws.grades(team_id, a)
        if grade.is_file():
            files[f"grades/{a}.json"] = grade.read_bytes()
    spec = ws.case.spec_copy  # the case.yaml the cohort's case was built from
    if spec.is_file():
        files["case/case.yaml"] = spec.read_bytes()
    lock = REPO_ROOT / "requirements.lock"
    if lock.is_file():
        files["environment/requirements.lock"] = lock.read_bytes()
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions() if d.metadata["Name"])
    files["environment/installed.txt"] = ("\n".join(installed) + "\n").encode()
    jury = ws.jury_dir
    for sub in (jury / "imports" / team_id, ):
        if sub.is_dir():
            for path in sorted(p for p in sub.rglob("*") if p.is_file()):
                files[f"jury/imports/{path.relative_to(sub).as_posix()}"] = path.read_bytes()
    for path in sorted((jury / "marks" / team_id).glob("*.json")) if (jury / "marks" / team_id).is_dir() else []:
        files[f"jury/marks/{path.name}"] = path.read_bytes()
    if ws.jury_decisions(team_id).is_file():
        files["jury/decisions.json"] = ws.jury_decisions(team_id).read_bytes()
    if ws.jury_import_log.is_file():
        lines = [ln for ln in ws.jury_import_log.read_text(encoding="utf-8").splitlines()
                 if ln.strip() and json.loads(ln).get("team_id") == team_id]
        files["jury/imports.jsonl"] = ("\n".join(lines) + "\n").encode() if lines else b""
    run_ids = []
    for a in assignments:
        answers = ws.autograded(team_id, a) / "reponses.json"
        if answers.is_file():
            try:
                run_ids.extend(_run_ids(json.loads(answers.read_text(encoding="utf-8"))))
            except ValueError:
                pass
    manifest = {
        "format": BUNDLE_FORMAT, "team_id": team_id, "sealed_at": datetime.now(timezone.utc).isoformat(),
        "assignments": assignments, "grader": grader_version(),
        "case": {"case_id": truth.case_id, "seed": truth.seed, "rows": truth.rows,
                 "spec_included": spec.is_file()},
        "mlflow_run_ids": sorted(set(run_ids)),
        "files": {name: _sha256(data) for name, data in sorted(files.items())},
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
    out = ws.appeal_bundle(team_id)
    ws.archive(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, manifest_bytes)
        zf.writestr(SEAL, _sha256(manifest_bytes) + "\n")
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
    return out


def seal_of(bundle: str | Path) -> str:
    """Return the seal written in a bundle (the SHA-256 of its manifest).

    The seal proves nothing on its own (whoever rewrites a bundle can seal it
    again): it is meant to be written in the jury's procès-verbal when the
    bundle is sealed, and compared with what :func:`verify` shows.

    Parameters
    ----------
    bundle : str or pathlib.Path
        A zip written by :func:`seal`.

    Returns
    -------
    str
        64 hex digits, or ``""`` when the bundle has no readable ``SEAL``.
    """
    try:
        with zipfile.ZipFile(bundle) as zf:
            return zf.read(SEAL).decode().strip()
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return ""


@dataclass
class Verification:
    """The outcome of :func:`verify`.

    Attributes
    ----------
    bundle : pathlib.Path
    differences : list of str
        French, one per difference (a file whose hash differs, a missing or
        extra file, a broken seal, a score that differs on re-execution).
        Empty when the bundle is intact and the grading reproduces.
    notes : list of str
        French remarks that are not differences (evidence wording that
        changed, e.g. measured latencies; another grader version).
    regraded : list of str
        The assignments re-executed.
    seal : str
        The bundle's seal (:func:`seal_of`), to compare with the one written
        in the procès-verbal when it was sealed.
    """

    bundle: Path
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    regraded: list[str] = field(default_factory=list)
    seal: str = ""

    @property
    def ok(self) -> bool:
        """True when no difference was found."""
        return not self.differences


def _integrity(zf: zipfile.ZipFile, result: Verification) -> dict:
    names = set(zf.namelist())
    if MANIFEST not in names or SEAL not in names:
        raise MsprError("ce fichier n'est pas un dossier de recours (MANIFEST.json ou SEAL absent)",
                        path=result.bundle, hint="utilisez un fichier produit par « mspr appeal »")
    manifest_bytes = zf.read(MANIFEST)
    manifest = json.loads(manifest_bytes)
    if zf.read(SEAL).decode().strip() != _sha256(manifest_bytes):
        result.differences.append("sceau rompu : MANIFEST.json a été modifié après le scellement")
    for name, digest in manifest["files"].items():
        if name not in names:
            result.differences.append(f"fichier manquant : {name}")
        elif _sha256(zf.read(name)) != digest:
            result.differences.append(f"fichier modifié : {name} (SHA-256 scellé {digest[:12]}…, "
                                      f"obtenu {_sha256(zf.read(name))[:12]}…)")
    for name in sorted(names - set(manifest["files"]) - {MANIFEST, SEAL}):
        if not name.endswith("/"):
            result.differences.append(f"fichier ajouté après le scellement : {name}")
    return manifest


def verify(bundle: str | Path, *, assignments: list[str] | None = None, regrade: bool = True) -> Verification:
    """Check a sealed bundle and re-execute its grading.

    Parameters
    ----------
    bundle : str or pathlib.Path
        A zip written by :func:`seal`.
    assignments : list of str, optional
        Re-execute only these assignments (default: every one in the bundle).
    regrade : bool, default=True
        Re-execute the grading. It is skipped when the integrity check already
        found differences (a tampered bundle proves nothing).

    Returns
    -------
    Verification

    Raises
    ------
    MsprError
        If the file is not a bundle, or the bundle lacks the case spec.
    """
    from mspr.case import build_case
    from mspr.grading import grade_submission, load_ground_truth
    from mspr.release import release
    from mspr.report import _grade_or_damage
    from mspr.submissions import submit

    bundle = Path(bundle)
    result = Verification(bundle)
    try:
        zf = zipfile.ZipFile(bundle)
    except (OSError, zipfile.BadZipFile) as exc:
        raise MsprError(f"dossier de recours illisible ({exc})", path=bundle,
                        hint="utilisez un fichier produit par « mspr appeal »") from exc
    with zf, tempfile.TemporaryDirectory(prefix="mspr-verify-") as tmp:
        manifest = _integrity(zf, result)
        result.seal = zf.read(SEAL).decode(errors="replace").strip()
        current = grader_version()
        sealed = manifest["grader"]
        if (current["mspr"], current["git_commit"]) != (sealed["mspr"], sealed["git_commit"]):
            result.notes.append(f"correcteur scellé : mspr {sealed['mspr']} ({sealed['git_commit']}) ; "
                                f"correcteur de cette vérification : mspr {current['mspr']} "
                                f"({current['git_commit']})")
        if not regrade or result.differences:
            if result.differences and regrade:
                result.notes.append("réexécution non faite : le dossier n'est pas intact")
            return result
        if not manifest["case"]["spec_included"]:
            raise MsprError("le dossier ne contient pas la spécification du cas : réexécution impossible",
                            path=bundle)
        tmp = Path(tmp)
        zf.extractall(tmp / "bundle")
        team_id = manifest["team_id"]
        ws = Workspace(tmp / "ws")
        case = manifest["case"]
        build_case(tmp / "bundle" / "case", out=ws.case_dir, seed=case["seed"], rows=case["rows"])
        release(ws)
        truth = load_ground_truth(ws)
        for a in assignments or manifest["assignments"]:
            if a not in manifest["assignments"]:
                raise MsprError(f"l'épreuve {a} n'est pas dans le dossier de recours",
                                hint="épreuves du dossier : " + ", ".join(manifest["assignments"]))
            submit(ws, team_id, a, tmp / "bundle" / "submitted" / a)
            new = grade_submission(ws, team_id, a, truth)
            result.regraded.append(a)
            recorded = tmp / "bundle" / "grades" / f"{a}.json"
            if not recorded.is_file():
                result.notes.append(f"{a} : aucune note scellée, rien à comparer")
                continue
            old, why = _grade_or_damage(recorded, team_id, a)
            if old is None:  # sealed damaged: not JSON, or valid JSON that is not this submission's grade
                result.differences.append(f"{a} : note scellée endommagée (grades/{a}.json : {why}), "
                                          "comparaison impossible")
                continue
            _compare(a, old, new, result)
    return result


def _compare(assignment_id: str, old, new, result: Verification) -> None:
    from mspr.jury.fmt import fr_number

    if old.grader_error:
        result.notes.append(f"{assignment_id} : la note scellée était une erreur du correcteur")
    if old.executed != new.executed:
        before, after = ("exécuté" if g.executed else "non exécuté" for g in (old, new))
        result.differences.append(f"{assignment_id} : notebook {before} au scellement, {after} à la réexécution")
    before = {c.check_id: c for c in old.checks}
    after = {c.check_id: c for c in new.checks}
    for check_id in sorted(set(before) | set(after)):
        b, a = before.get(check_id), after.get(check_id)
        if b is None or a is None:
            missing = "absent du dossier" if b is None else "non réévalué"
            result.differences.append(f"{check_id} : critère {missing}")
        elif b.score != a.score:
            result.differences.append(f"{check_id} : {fr_number(b.score)} / {fr_number(b.max_score)} au scellement, "
                                      f"{fr_number(a.score)} / {fr_number(a.max_score)} à la réexécution")
        elif b.evidence != a.evidence:
            result.notes.append(f"{check_id} : même score, preuve reformulée à la réexécution")
    if old.jury_answers != new.jury_answers:
        result.differences.append(f"{assignment_id} : réponses écrites différentes à la réexécution")
