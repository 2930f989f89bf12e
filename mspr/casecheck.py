"""``mspr case check``: the gate a case passes before a session.

:func:`check_case` runs the whole pipeline on a case in a throw-away cohort
(build, release, the three simulated teams of :mod:`mspr.demo`, grading) and
returns a French verdict per point:

1. the spec is valid and the case builds;
2. every generated identifier passes its validator (phone numbering plan,
   NIR key, IBAN mod 97, SIREN/SIRET Luhn, e-mail), in the tables and in the
   personal data written inside free text;
3. the reachable metric (reference model and oracle) lies between the pass
   threshold and 1;
4. the served reference model answers the same predictions to JSON and to
   CSV (MLflow's scoring server);
5. the release holds no solution and no ground-truth bytes;
6. the reference solutions get full marks on every auto criterion;
7. the blank release scores 0 on every auto criterion, without a crash;
8. each scripted fault loses points on the criterion it targets, and only there.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mspr.case.identifiers import VALIDATORS
from mspr.case.layout import CaseLayout
from mspr.case.spec import CaseSpec, load_case_spec
from mspr.case.truth import GroundTruth
from mspr.paths import ASSIGNMENTS, Workspace

__all__ = ["CaseCheck", "Point", "check_case", "identifier_failures", "judge", "release_leaks", "served_predictions"]

#: Generators whose values have a validator, and the validator's entity key.
_VALIDATED = {"telephone": "PHONE_NUMBER", "nir": "FR_NIR", "iban": "IBAN_CODE", "siren": "FR_SIREN",
              "siret": "FR_SIRET", "email": "EMAIL_ADDRESS"}


@dataclass(frozen=True)
class Point:
    """One point of the verdict.

    Attributes
    ----------
    label : str
        What is checked (French).
    ok : bool
    detail : str
        What was measured (French).
    """

    label: str
    ok: bool
    detail: str


@dataclass
class CaseCheck:
    """The verdict on a case.

    Attributes
    ----------
    points : list of Point
    seconds : float
        Wall time of the whole check, seconds.
    """

    points: list[Point] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether every point passed."""
        return all(p.ok for p in self.points)


def _fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def identifier_failures(spec: CaseSpec, layout: CaseLayout, truth: GroundTruth) -> tuple[int, list[str]]:
    """Check every generated identifier with its validator.

    Parameters
    ----------
    spec : CaseSpec
    layout : CaseLayout
        A build of ``spec``.
    truth : GroundTruth
        Its ground truth (spans of personal data in free text).

    Returns
    -------
    checked : int
        Number of values checked.
    failures : list of str
        ``"table.colonne : valeur"`` for each invalid value (at most 10),
        defect rows excluded (a cell emptied or reformatted on purpose).
    """
    checked, failures = 0, []
    defected = {(d.table, d.column): set(d.ids) for d in truth.defects if d.column}
    frames: dict[str, pd.DataFrame] = {}
    for name, table in spec.tables.items():
        for column_name, column in table.colonnes.items():
            entity = _VALIDATED.get(column.generateur or "")
            if entity is None:
                continue
            frame = frames.setdefault(name, pd.read_csv(layout.table(name), dtype=str, keep_default_na=False))
            skip = defected.get((name, column_name), set())
            for key, value in zip(frame[table.key], frame[column_name]):
                if key in skip or value == "":
                    continue
                checked += 1
                if not VALIDATORS[entity](value):
                    failures.append(f"{name}.{column_name} : {value!r}")
    for span in truth.pii_spans:
        validator = VALIDATORS.get(span.entity)
        if validator is None:
            continue
        frame = frames.setdefault(span.table, pd.read_csv(layout.table(span.table), dtype=str,
                                                          keep_default_na=False))
        text = frame.loc[frame[spec.tables[span.table].key] == span.id, span.column].iloc[0]
        checked += 1
        if not validator(text[span.start:span.end]):
            failures.append(f"{span.table}.{span.column}[{span.id}] : {text[span.start:span.end]!r}")
    return checked, failures[:10]


def served_predictions(model_dir: Path, sample: Path) -> tuple[list, list, list]:
    """Post a sample to MLflow's scoring server of a model, as JSON and as CSV.

    Parameters
    ----------
    model_dir : pathlib.Path
        An MLflow model folder.
    sample : pathlib.Path
        A CSV of rows to predict.

    Returns
    -------
    json_predictions, csv_predictions, direct_predictions : list
        What the server answered to ``application/json``
        (``dataframe_split``) and to ``text/csv``, and the model's own
        ``predict`` on the same rows.

    Raises
    ------
    AssertionError
        If the server answers an HTTP error (its message is included).
    """
    import mlflow.pyfunc
    from fastapi.testclient import TestClient
    from mlflow.pyfunc import scoring_server

    import logging

    logging.getLogger("mlflow.models.utils").setLevel(logging.ERROR)  # "extra inputs ignored": expected here
    model = mlflow.pyfunc.load_model(str(model_dir))
    frame = pd.read_csv(sample)
    client = TestClient(scoring_server.init(model))
    payload = json.loads(frame.to_json(orient="split", index=False))
    as_json = client.post("/invocations", json={"dataframe_split": payload})
    as_csv = client.post("/invocations", content=sample.read_bytes(), headers={"Content-Type": "text/csv"})
    for answer, kind in ((as_json, "JSON"), (as_csv, "CSV")):
        assert answer.status_code == 200, f"{kind} : HTTP {answer.status_code} {answer.text[:300]}"
    from mspr.case.model import widen_integers

    rows = widen_integers(frame, model.metadata.get_input_schema())
    direct = [v.item() if hasattr(v, "item") else v for v in pd.Series(model.predict(rows)).tolist()]
    return as_json.json()["predictions"], as_csv.json()["predictions"], direct


def release_leaks(ws: Workspace, truth: GroundTruth) -> list[str]:
    """Look for solutions and ground truth in what candidates receive.

    Parameters
    ----------
    ws : Workspace
        A released cohort.
    truth : GroundTruth

    Returns
    -------
    list of str
        French descriptions of each leak found: solution delimiters or
        solution lines (of 25 characters or more, and written nowhere else in
        the source notebooks or the public files) of the source notebooks, a
        ground-truth file copied as is, a held-out row's key.
    """
    import nbformat

    leaks = []
    released = {p: p.read_bytes() for a in ASSIGNMENTS for p in ws.release(a).rglob("*") if p.is_file()}
    text = {p: b.decode("utf-8", "replace") for p, b in released.items()}
    solution_lines, public_lines = set(), set()
    for assignment in ASSIGNMENTS:
        for path in ws.source(assignment).rglob("*"):
            if path.is_file() and path.suffix != ".ipynb" and path.stat().st_size < 5_000_000:
                public_lines.update(line.strip() for line in path.read_text("utf-8", "replace").splitlines())
        for notebook in ws.source(assignment).glob("*.ipynb"):
            inside = False
            for cell in nbformat.read(notebook, as_version=4).cells:
                for line in cell.source.splitlines():
                    if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                        inside = True
                    elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                        inside = False
                    elif inside and len(line.strip().lstrip("#").strip()) >= 25:
                        solution_lines.add(line.strip())
                    else:
                        public_lines.add(line.strip())
    public = "\n".join(public_lines)
    # A line also written outside the solutions (or in the brief, even wrapped otherwise) is public.
    solution_lines = {line for line in solution_lines if line not in public}
    for path, content in text.items():
        name = path.relative_to(ws.root)
        if re.search(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS)", content):
            leaks.append(f"{name} : délimiteur de solution")
        hits = [line for line in solution_lines if line in content]
        if hits:
            leaks.append(f"{name} : ligne de solution « {hits[0][:60]} »")
    truth_files = [p.read_bytes() for p in ws.case.ground_truth_dir.iterdir() if p.is_file()]
    for path, content in released.items():
        if content in truth_files:
            leaks.append(f"{path.relative_to(ws.root)} : copie d'un fichier de vérité terrain")
    held = pd.read_csv(ws.case.holdout_labels, dtype=str)[truth.key]
    pattern = re.compile("|".join(re.escape(k) for k in held) + r"(?!\d)") if len(held) else None
    for path, content in text.items():
        if pattern is not None and (found := pattern.search(content)):
            leaks.append(f"{path.relative_to(ws.root)} : identifiant réservé {found.group(0)}")
    return leaks


def check_case(case_dir: str | Path, *, workdir: str | Path | None = None, echo=print) -> CaseCheck:
    """Run the whole pipeline on a case in a throw-away cohort and judge it.

    Parameters
    ----------
    case_dir : str or pathlib.Path
        Folder holding ``case.yaml``.
    workdir : str or pathlib.Path, optional
        Keep the trial cohort there (in ``<workdir>/cohorte``); default: a
        temporary folder, deleted at the end.
    echo : callable, default print
        Receives French progress lines.

    Returns
    -------
    CaseCheck
        One :class:`Point` per item of the module's list (see :func:`judge`).

    Raises
    ------
    MsprError
        If the spec is invalid (the message names the file, the line and the
        field), or ``workdir`` holds the cohort of another case.
    """
    from mspr.demo import GRADING_WORKERS, submit_simulated_teams
    from mspr.grading import GradingError, autograde
    from mspr.release import build_cohort_case, release

    started = time.monotonic()
    spec = load_case_spec(case_dir)
    tmp = tempfile.mkdtemp(prefix="mspr-case-check-") if workdir is None else None
    ws = Workspace(Path(tmp or workdir) / "cohorte")
    try:
        echo(f"1/4 Construction du cas {spec.id}")
        build_cohort_case(ws, case_dir)
        echo("2/4 Version étudiante (nbgrader)")
        release(ws)
        echo("3/4 Rendus simulés et correction (référence, vierge, fautive)")
        submit_simulated_teams(ws)
        try:
            autograde(ws, ["ref", "blank", "partial"], workers=GRADING_WORKERS,
                      progress=lambda t, a, state: echo(f"    {t:8s} {a:16s} {state}")
                      if state in ("corrigé", "échec du correcteur") else None)
        except GradingError:
            pass  # recorded in the grade files; judged below
        echo("4/4 Verdict")
        result = CaseCheck(points=judge(ws, spec))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def judge(ws: Workspace, spec: CaseSpec) -> list[Point]:
    """Judge a cohort in which the case was built, released and the simulated teams graded.

    Parameters
    ----------
    ws : Workspace
        The trial cohort (``mspr demo`` makes one too).
    spec : CaseSpec
        The case it was built from.

    Returns
    -------
    list of Point
        In the order of the module's list.
    """
    from mspr.demo import FAULTS
    from mspr.report import load_grades

    points = []
    truth = GroundTruth.load(ws.case.ground_truth)
    points.append(Point("cas construit", True,
                        f"{truth.rows} lignes dans {truth.main_table}, {len(truth.tables)} tables"))
    checked, failures = identifier_failures(spec, ws.case, truth)
    points.append(Point("identifiants générés valides", not failures,
                        f"{checked} valeurs vérifiées" + (f" ; invalides : {', '.join(failures)}" if failures else "")))
    metric = truth.reference_metric
    # On a finite holdout the reference model may beat the oracle by chance: both must clear the threshold.
    reachable = 0.5 < metric.pass_threshold <= min(metric.reference_model, metric.oracle) \
        and max(metric.reference_model, metric.oracle) < 1
    points.append(Point("performance atteignable", reachable,
                        f"ROC AUC : seuil {_fmt(metric.pass_threshold)}, modèle de référence "
                        f"{_fmt(metric.reference_model)}, oracle {_fmt(metric.oracle)} "
                        "(attendu : 0,5 < seuil ≤ référence et oracle < 1)"))
    try:
        as_json, as_csv, direct = served_predictions(ws.case.model_dir, ws.case.sample)
        points.append(Point("modèle servi : JSON et CSV", as_json == as_csv == direct,
                            f"{sum(a == b for a, b in zip(as_json, as_csv))}/{len(direct)} prédictions "
                            "identiques en JSON et en CSV" + ("" if as_json == direct else " ; différentes de predict()")))
    except AssertionError as error:
        points.append(Point("modèle servi : JSON et CSV", False, str(error)))
    leaks = release_leaks(ws, truth)
    points.append(Point("version étudiante sans solution ni vérité terrain", not leaks,
                        "aucune fuite trouvée" if not leaks else "; ".join(leaks[:5])))
    _judge_teams(points, load_grades(ws), FAULTS)
    return points


def _judge_teams(points: list[Point], grades: dict, faults) -> None:
    """Points 6 to 8, from the three simulated teams' grades."""
    def checks(team: str):
        for assignment in ASSIGNMENTS:
            grade = grades.get(team, {}).get(assignment)
            yield assignment, grade

    missing, errors = [], []
    for team in ("ref", "blank", "partial"):
        for assignment, grade in checks(team):
            if grade is None:
                missing.append(f"{team}/{assignment}")
            elif grade.grader_error:
                errors.append(f"{team}/{assignment}")
    if errors or missing:
        points.append(Point("toutes les copies corrigées", False,
                            "; ".join([*(f"erreur du correcteur : {e}" for e in errors),
                                       *(f"non corrigé : {m}" for m in missing)])))

    lost = [f"{c.check_id} {_fmt(c.score, 2)}/{c.max_score:g} ({c.evidence[:80]})"
            for _, g in checks("ref") if g for c in g.checks if c.score < c.max_score]
    total = sum(c.max_score for _, g in checks("ref") if g for c in g.checks)
    points.append(Point("solutions de référence : tous les points automatiques", not lost and total > 0,
                        f"{total:g} points sur {total:g}" if not lost else "perdus : " + " ; ".join(lost)))

    scored = [f"{c.check_id} {_fmt(c.score, 2)}" for _, g in checks("blank") if g for c in g.checks if c.score > 0]
    crashed = [a for a, g in checks("blank") if g and not g.executed]
    points.append(Point("version vierge : 0 point, sans plantage", not scored and not crashed,
                        "0 point, notebooks exécutés" if not scored and not crashed else
                        "; ".join([*(f"points : {s}" for s in scored), *(f"non exécuté : {a}" for a in crashed)])))

    problems, seen = [], []
    for assignment, grade in checks("partial"):
        if grade is None:
            continue
        targets = {t for f in faults if f.assignment_id == assignment for t in f.targets}
        for c in grade.checks:
            if c.check_id in targets and c.score >= c.max_score:
                problems.append(f"{c.check_id} n'a pas perdu de point")
            elif c.check_id in targets:
                seen.append(f"{c.check_id} {_fmt(c.score, 2)}/{c.max_score:g}")
            elif c.score < c.max_score:
                problems.append(f"{c.check_id} a perdu des points sans être visé")
    points.append(Point("équipe fautive : perd des points sur chaque critère visé, et seulement là", not problems,
                        "; ".join(seen) if not problems else "; ".join(problems)))
