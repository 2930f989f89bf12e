"""Case build: generated tables, reference model, brief and ground truth, written to ``OUT``.

:func:`build_case` is the stage's entry point. It refuses to write into a
folder that holds anything but a previous build of the same case (nothing a
user put there is ever deleted), stages everything next to ``OUT`` and moves
it into place at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mspr.case.generate import GeneratedCase, generate_dataset
from mspr.case.layout import CaseLayout
from mspr.case.pilotage import (agile_log, agile_series, holidays_between, indicator_penalty, month_penalty, provider_table, resource_table,
                                sla_log, total_cost, working_days)
from mspr.case.plan import schedule
from mspr.case.production import production_batches
from mspr.case.spec import CaseSpec, load_case_spec
from mspr.case.thresholds import auc_thresholds
from mspr.case.truth import (AgileTruth, ColumnRef, GroundTruth, IndicatorMonthTruth, MetricTruth, PlanTruth,
                             ProductionTruth, ProviderMonthTruth, QualityTruth, QualityVariantTruth, SprintTruth,
                             TableTruth, TargetTruth, TaskTruth)
from mspr.errors import MsprError

__all__ = ["CaseBuild", "agile_truth", "build_case", "plan_truth", "providers_truth", "quality_truth", "render_brief"]


@dataclass(frozen=True)
class CaseBuild:
    """What :func:`build_case` wrote.

    Attributes
    ----------
    layout : CaseLayout
        Paths of the build.
    ground_truth : GroundTruth
        The ground truth written to ``layout.ground_truth``.
    spec : CaseSpec
        The spec it was built from.
    """

    layout: CaseLayout
    ground_truth: GroundTruth
    spec: CaseSpec


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_out_folder(out: Path, case_id: str) -> None:
    """Refuse an output folder that is not empty and not a previous build of the same case.

    Parameters
    ----------
    out : pathlib.Path
        The requested ``--out``.
    case_id : str
        The case being built.

    Raises
    ------
    MsprError
        If ``out`` is a file, or holds anything the previous build did not
        write (at any depth: ``build.json`` lists every file it wrote), or is
        the build of another case. Nothing is deleted.
    """
    if out.exists() and not out.is_dir():
        raise MsprError("la destination est un fichier, pas un dossier", path=out,
                        hint="indiquez avec --out un dossier vide ou celui d'une construction précédente du même cas")
    if not out.is_dir() or not any(out.iterdir()):
        return
    layout = CaseLayout(out)
    foreign = sorted(p.name for p in out.iterdir() if p.name not in CaseLayout.ENTRIES)
    try:  # a build lists every file it wrote: anything else, at any depth, is the user's
        written = set(json.loads(layout.manifest.read_text(encoding="utf-8"))["files"])
        foreign += sorted(str(p.relative_to(out)) for p in out.rglob("*")
                          if p.is_file() and p.parent != out and str(p.relative_to(out)) not in written)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if foreign:
        raise MsprError(
            f"le dossier contient des fichiers qui ne viennent pas d'une construction de cas : {', '.join(foreign[:5])}",
            path=out, hint="choisissez un dossier vide avec --out (rien n'a été supprimé)")
    try:
        previous = json.loads(layout.manifest.read_text(encoding="utf-8"))["case_id"]
    except (OSError, ValueError, KeyError, TypeError):
        raise MsprError("le dossier n'est pas vide et ne contient pas de construction reconnue (build.json absent "
                        "ou illisible)", path=out, hint="choisissez un dossier vide avec --out (rien n'a été supprimé)")
    if previous != case_id:
        raise MsprError(f"le dossier contient la construction d'un autre cas ({previous})", path=out,
                        hint=f"choisissez un autre dossier pour le cas {case_id} (rien n'a été supprimé)")


def build_case(case_dir: str | Path, *, out: str | Path, seed: int | None = None,
               rows: int | None = None) -> CaseBuild:
    """Build a case: data files, reference model, brief and ground truth.

    Parameters
    ----------
    case_dir : str or pathlib.Path
        Folder holding ``case.yaml`` (e.g. ``cases/mutuelle_horizon``).
    out : str or pathlib.Path
        Output folder: empty, absent, or a previous build of the same case
        (which is replaced).
    seed : int, optional
        Overrides ``donnees.graine``.
    rows : int, optional
        Rows of the main table before the holdout (200 to 200,000); overrides
        ``donnees.lignes``.

    Returns
    -------
    CaseBuild

    Raises
    ------
    MsprError
        If the spec is invalid, ``seed``/``rows`` are out of range, or
        ``out`` is a file or holds anything else than a build of this case.

    Notes
    -----
    The same spec, seed and rows give byte-identical files in ``data/``,
    ``brief/`` and ``ground_truth/``.
    """
    case_dir = Path(case_dir)
    spec = load_case_spec(case_dir)
    seed = spec.donnees.graine if seed is None else seed
    rows = spec.donnees.lignes if rows is None else rows
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise MsprError(f"graine invalide : {seed!r}", hint="indiquez un entier positif ou nul")
    if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or not 200 <= rows <= 200_000:
        raise MsprError(f"nombre de lignes invalide : {rows!r}", hint="indiquez un entier entre 200 et 200000")
    seed, rows = int(seed), int(rows)
    out = Path(out)
    check_out_folder(out, spec.id)
    spec_file = case_dir / "case.yaml" if case_dir.is_dir() else case_dir

    generated = generate_dataset(spec, seed=seed, rows=rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    layout = CaseLayout(staging)
    try:
        for folder in (layout.data_dir, layout.brief.parent, layout.ground_truth_dir):
            folder.mkdir(parents=True)
        for name, frame in generated.tables.items():
            _write_csv(frame, layout.table(name))
        _write_csv(generated.sample, layout.sample)
        _write_csv(generated.plan, layout.plan)
        log = sla_log(spec.prestataires, seed=seed)
        _write_csv(resource_table(spec.plan.ressources), layout.data_dir / "ressources_projet.csv")
        _write_csv(provider_table(spec.prestataires), layout.data_dir / "prestataires.csv")
        _write_csv(log, layout.data_dir / "journal_prestataires.csv")
        backlog, sprints = agile_log(spec, seed=seed)
        _write_csv(backlog, layout.data_dir / "backlog.csv")
        _write_csv(sprints, layout.data_dir / "sprints.csv")
        _write_csv(generated.holdout_features, layout.holdout_features)
        _write_csv(generated.holdout_labels, layout.holdout_labels)
        metric = _reference_model(spec, generated, layout, seed, spec_file)
        truth = _ground_truth(spec, generated, seed=seed, rows=rows, metric=metric)
        batches, batch_truth = production_batches(spec, seed=seed, rows=rows)
        layout.batches_dir.mkdir()
        for name, frame in batches.items():
            _write_csv(frame, layout.batches_dir / name)
        production = ProductionTruth(service_levels=spec.production.niveaux_de_service.model_dump(),
                                     batches=batch_truth)
        truth = truth.model_copy(update={"providers": providers_truth(spec, log),
                                         "agile": agile_truth(backlog, sprints), "production": production,
                                         "quality": quality_truth(spec, generated, layout, seed=seed)})
        truth.write(layout.ground_truth)
        layout.brief.write_text(render_brief(spec, generated), encoding="utf-8")
        shutil.copyfile(spec_file, layout.spec_copy)
        files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
        layout.manifest.write_text(json.dumps(
            {"case_id": spec.id, "seed": seed, "rows": rows, "spec_sha256": _checksum(spec_file), "files": files},
            indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _install(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return CaseBuild(layout=CaseLayout(out), ground_truth=truth, spec=spec)


def quality_truth(spec: CaseSpec, generated: GeneratedCase, layout: CaseLayout, *, seed: int) -> QualityTruth:
    """Write the clean main table, the clean modelling table and its corrupted variants (A2C2).

    The clean modelling table keeps the key, the features and the target
    columns of the main table before any defect. One variant is written per
    defect kind the case injects (:func:`mspr.quality.corrupted_variants`),
    on a column the case injects that kind into when there is one: the
    out-of-range variant on a numeric feature with a plausible range, the
    format variant on a date, the missing variant on a feature that is
    complete in the clean table and that no defect of the case empties or
    moves out of range (a careful ETL keeps it complete).

    Parameters
    ----------
    spec : CaseSpec
    generated : GeneratedCase
        Its ``clean_main`` is the main table before any defect.
    layout : CaseLayout
        The staging build (files go to its ground-truth folder).
    seed : int
        The case seed (the variants draw from their own stream).

    Returns
    -------
    QualityTruth
    """
    from mspr.quality import corrupted_variants

    main = spec.main_table
    key = spec.main.key
    _write_csv(generated.clean_main, layout.clean_main)
    columns = [key, *_features(spec), *spec.target_columns]
    layout.quality_dir.mkdir(parents=True, exist_ok=True)
    clean_path = layout.quality_dir / "propre.csv"
    _write_csv(generated.clean_main[columns], clean_path)
    clean = pd.read_csv(clean_path)
    injected = {(d.kind, d.colonne) for d in spec.defauts if d.table == main}
    kinds = {d.kind for d in spec.defauts}

    def first_injected(names: list[str], kind: str) -> list[str]:
        return sorted(names, key=lambda c: (kind, c) not in injected)

    numeric = [c for c in _features(spec, "numerique") if c in _ranges(spec)]
    ranges = {c: _ranges(spec)[c] for c in first_injected(numeric, "out_of_range")}
    dates = first_injected(_features(spec, "date"), "inconsistent_format")
    emptied = {c for kind, c in injected if kind in ("missing", "out_of_range")}
    required = [c for c in _features(spec) if c not in emptied and clean[c].notna().all()]
    variants = []
    for variant in corrupted_variants(clean, key=key, ranges=ranges, date_columns=dates, required=required,
                                      seed=seed + 8):
        if variant.kind not in kinds:
            continue
        path = layout.quality_dir / f"{variant.kind}.csv"
        _write_csv(variant.frame, path)
        variants.append(QualityVariantTruth(kind=variant.kind, column=variant.column,
                                            file=str(path.relative_to(layout.root))))
    return QualityTruth(clean_main=str(layout.clean_main.relative_to(layout.root)),
                        clean_table=str(clean_path.relative_to(layout.root)), columns=columns, variants=variants)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _reference_model(spec: CaseSpec, generated: GeneratedCase, layout: CaseLayout, seed: int,
                     spec_path: Path | None = None) -> MetricTruth:
    """Train the reference model on the released main table, as a candidate reads it; save it.

    The A2C6 levels come from the holdout's sampling error (:mod:`mspr.case.thresholds`).
    """
    from sklearn.metrics import roc_auc_score

    from mspr.case import model as reference

    features = reference.FeatureSpec(
        numeric=tuple(_features(spec, "numerique")), dates=tuple(_features(spec, "date")),
        categorical=tuple(_features(spec, "categorielle")), ranges=_ranges(spec),
        reference_date=spec.donnees.date_reference.isoformat())
    released = pd.read_csv(layout.table(spec.main_table))
    extra = spec.target_columns[1:]
    X, y = reference.prepare_training_data(released, key=spec.main.key, target=spec.cible.colonne, drop=extra)
    pipeline = reference.build_pipeline(features, random_state=seed)
    pipeline.fit(X, y)
    holdout = pd.read_csv(layout.holdout_features)
    truth = generated.holdout_labels[spec.cible.colonne].astype(int).to_numpy()
    scores = pipeline.predict_proba(holdout)[:, 1]
    model_auc = round(float(roc_auc_score(truth, scores)), 4)
    oracle_auc = round(float(roc_auc_score(truth, generated.holdout_probability)), 4)
    try:
        levels = auc_thresholds(truth, scores, seed=seed)
    except MsprError as error:
        raise MsprError(f"{error.message} (graine {seed}, {len(released)} lignes publiées)",
                        path=spec_path, hint=error.hint) from None
    reference.save_model(pipeline, layout.model_dir, pd.read_csv(layout.sample).head(5), features)
    return MetricTruth(name="roc_auc", oracle=oracle_auc, reference_model=model_auc,
                       pass_threshold=levels.pass_threshold, zero_threshold=levels.zero_threshold,
                       holdout_sd=levels.holdout_sd)


def _features(spec: CaseSpec, kind: str | None = None) -> list[str]:
    """Explanatory columns of the main table, of one type or all (file order)."""
    return [name for name, c in spec.main.colonnes.items()
            if c.is_feature and (kind is None or c.type == kind)]


def _ranges(spec: CaseSpec) -> dict[str, tuple[float, float]]:
    out = {}
    for name in _features(spec):
        bounds = spec.main.colonnes[name].plausible_range
        if bounds is not None and spec.main.colonnes[name].type != "categorielle":
            out[name] = (float(bounds[0]), float(bounds[1]))
    return out


def plan_truth(spec: CaseSpec) -> PlanTruth:
    """Schedule the case's plan (critical path method, ties allowed).

    Parameters
    ----------
    spec : CaseSpec

    Returns
    -------
    PlanTruth
        Every task's dates and float, the duration, the critical tasks and
        every critical path.
    """
    plan = spec.plan
    result = schedule(plan.taches)
    days = (working_days(plan.debut, max(result.duration_days, 1), country=plan.calendrier.pays,
                         subdivision=plan.calendrier.subdivision) if plan.debut else None)
    by_task, by_resource = total_cost(plan.taches, plan.ressources)
    tasks = []
    for t in plan.taches:
        cpm = result.tasks[t.id].to_dict()
        if days:
            cpm |= {"start_date": days[cpm["earliest_start"]], "finish_date": days[cpm["earliest_finish"] - 1],
                    "latest_start_date": days[cpm["latest_start"]],
                    "latest_finish_date": days[cpm["latest_finish"] - 1]}
        tasks.append(TaskTruth(id=t.id, **cpm, cost_eur=by_task[t.id] if plan.ressources else None))
    extra = {}
    if days:
        extra = {"start_date": days[0], "end_date": days[-1],
                 "holidays": holidays_between(days[0], days[-1], country=plan.calendrier.pays,
                                              subdivision=plan.calendrier.subdivision)}
    if plan.ressources:
        extra |= {"cost_by_resource": by_resource, "total_cost_eur": round(sum(by_task.values()), 2),
                  "resource_labels": {key: r.libelle for key, r in plan.ressources.items()}}
    return PlanTruth(duration_days=result.duration_days, tasks=tasks, critical_tasks=list(result.critical_tasks),
                     critical_paths=[list(p) for p in result.critical_paths], **extra)


def providers_truth(spec: CaseSpec, log: pd.DataFrame) -> list[ProviderMonthTruth]:
    """Per provider and month, SLA attainment and penalty (rules of :mod:`mspr.case.pilotage`).

    Parameters
    ----------
    spec : CaseSpec
    log : pandas.DataFrame
        The generated log, :data:`mspr.case.pilotage.LOG_COLUMNS`.

    Returns
    -------
    list of ProviderMonthTruth
        In log order (month, then provider); empty without providers.
    """
    if spec.prestataires is None:
        return []
    values: dict[tuple[str, str], dict[str, float]] = {}
    for row in log.itertuples():
        values.setdefault((row.prestataire, row.mois), {})[row.indicateur] = float(row.valeur)
    providers = {p.id: p for p in spec.prestataires.liste}
    out = []
    for (provider_id, month), measured in values.items():
        provider = providers[provider_id]
        indicators = {}
        for ind in provider.indicateurs:
            attained, pct = indicator_penalty(ind, measured[ind.id])
            indicators[ind.id] = IndicatorMonthTruth(value=measured[ind.id], attained=attained, penalty_pct=pct)
        pct, eur = month_penalty(provider, measured)
        out.append(ProviderMonthTruth(provider=provider_id, name=provider.nom, month=month, indicators=indicators,
                                      penalty_pct=pct, penalty_eur=eur))
    return out


def agile_truth(backlog: pd.DataFrame, sprints: pd.DataFrame) -> AgileTruth:
    """Velocity and burndown per sprint, recomputed from the released board export.

    Parameters
    ----------
    backlog, sprints : pandas.DataFrame
        The generated ``backlog.csv`` and ``sprints.csv``
        (:func:`mspr.case.pilotage.agile_log`).

    Returns
    -------
    AgileTruth
        Rules of :func:`mspr.case.pilotage.agile_series`.
    """
    initial, series = agile_series(backlog, sprints)
    rows = [SprintTruth(number=k, **row) for k, row in enumerate(series, start=1)]
    mean = round(sum(r.velocity_points for r in rows) / len(rows), 4) if rows else 0.0
    return AgileTruth(initial_points=initial, sprints=rows, mean_velocity=mean)


def _ground_truth(spec: CaseSpec, generated: GeneratedCase, *, seed: int, rows: int,
                  metric: MetricTruth) -> GroundTruth:
    tables = {}
    for name, table in spec.tables.items():
        keys = {c: (table.relation.parent if table.relation and c == table.relation.cle else col.reference)
                for c, col in table.colonnes.items()
                if (table.relation and c == table.relation.cle) or col.reference}
        tables[name] = TableTruth(file=f"data/{name}.csv", key=table.key, columns=list(table.colonnes),
                                  rows=len(generated.tables[name]),
                                  parent=table.relation.parent if table.relation else None, foreign_keys=keys)
    features = _features(spec)
    leak = spec.leaky_column
    costs = spec.cible.couts.model_dump() if spec.cible.couts else None
    return GroundTruth(
        case_id=spec.id, seed=seed, rows=rows, reference_date=spec.donnees.date_reference.isoformat(),
        main_table=spec.main_table, tables=tables, features=features,
        feature_types={c: spec.main.colonnes[c].type for c in features},
        plausible_ranges=_ranges(spec),
        technical_ids={n: [c for c, col in t.colonnes.items()
                           if col.type == "identifiant" and col.role != "donnee_personnelle"]
                       for n, t in spec.tables.items()},
        pii=generated.pii,
        gdpr_categories={n: {c: col.categorie_rgpd for c, col in t.colonnes.items()
                             if col.role == "donnee_personnelle" and c in generated.pii.get(n, {})}
                         for n, t in spec.tables.items()},
        pii_spans=generated.spans,
        defects=generated.defects,
        leaky_column=ColumnRef(table=spec.main_table, column=leak) if leak else None,
        leak_explanation=spec.main.colonnes[leak].fuite.explication if leak else None,
        target=TargetTruth(table=spec.main_table, column=spec.cible.colonne, positive_rate=generated.positive_rate,
                           label=spec.cible.libelle,
                           regression_column=spec.cible.regression.colonne if spec.cible.regression else None,
                           costs=costs),
        reference_metric=metric,
        plan=plan_truth(spec),
    )


def _brief_a4(spec: CaseSpec) -> list[str]:
    """The brief's lines on the plan's calendar, resources and providers (none when the case has none)."""
    lines = []
    plan = spec.plan
    if plan.debut:
        where = {"FR": "France"}.get(plan.calendrier.pays, plan.calendrier.pays) + (
            f", subdivision {plan.calendrier.subdivision}" if plan.calendrier.subdivision else "")
        lines += [f"Début du projet : le {plan.debut.strftime('%d/%m/%Y')} (jour 0 : premier jour ouvré à partir "
                  f"de cette date). Jours ouvrés : du lundi au vendredi, hors jours fériés ({where}).", ""]
    if plan.ressources:
        lines += ["### `ressources_projet.csv`", "",
                  "Profils de l'équipe et leur coût journalier (euros) ; la colonne `ressources` du plan dit qui "
                  "travaille à temps plein sur chaque tâche.", ""]
    if spec.prestataires:
        lines += ["### `prestataires.csv` et `journal_prestataires.csv`", "",
                  f"Contrats des {len(spec.prestataires.liste)} prestataires extérieurs (niveaux de service, "
                  "barèmes de pénalités en pourcentage de la redevance mensuelle) et relevé mensuel de leurs "
                  f"indicateurs sur {spec.prestataires.mois} mois.", ""]
    agile = spec.agile
    lines += ["### `backlog.csv` et `sprints.csv`", "",
              f"Export du tableau de l'équipe (outil de gestion des tâches) après {agile.sprints} sprints de "
              f"{agile.duree_sprint_jours} jours ouvrés : une ligne par élément du backlog (récit ou bogue, points "
              "d'effort — vides pour un élément non estimé —, statut, sprint, dates de création et de fin), et "
              "les dates de chaque sprint.", ""]
    return lines


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _int_fr(value: int) -> str:
    """An integer with French thousands separators (narrow no-break space)."""
    return f"{value:,}".replace(",", "\u202f")


def render_brief(spec: CaseSpec, generated: GeneratedCase) -> str:
    """Render the French brief (``cahier_des_charges.md``).

    Parameters
    ----------
    spec : CaseSpec
        Company, brief, data dictionary and plan.
    generated : GeneratedCase
        The released tables (only their row counts are shown).

    Returns
    -------
    str
        Markdown: context, need, objectives, constraints, deliverables, data
        dictionary of each file, project plan. Reveals no ground truth (no
        role, no defect).
    """
    company, brief = spec.entreprise, spec.cahier_des_charges
    lines = [
        f"# {brief.titre}", "",
        f"**{company.nom}** — {company.secteur}, {company.ville} ({_int_fr(company.effectif)} salariés)", "",
        "## Contexte", "", company.contexte.strip(), "",
        "## Besoin", "", brief.besoin.strip(), "",
        "## Objectifs", "", *[f"- {item}" for item in brief.objectifs], "",
    ]
    if brief.contraintes:
        lines += ["## Contraintes", "", *[f"- {item}" for item in brief.contraintes], ""]
    if brief.livrables:
        lines += ["## Livrables attendus", "", *[f"{i}. {item}" for i, item in enumerate(brief.livrables, 1)], ""]
    reference = spec.donnees.date_reference
    lines += [
        "## Données mises à disposition", "",
        f"Extraction du système d'information arrêtée au {reference.strftime('%d/%m/%Y')} "
        "(date de référence). Fichiers CSV encodés en UTF-8, séparateur virgule.", "",
    ]
    for name, table in spec.tables.items():
        link = ""
        if table.relation is not None:
            link = (f" Chaque ligne se rattache à une ligne de `{table.relation.parent}.csv` par la colonne "
                    f"`{table.relation.cle}`.")
        lines += [
            f"### `{name}.csv` ({_int_fr(len(generated.tables[name]))} lignes)", "",
            table.description.strip() + link, "",
            "| Colonne | Description |", "|---|---|",
            *[f"| `{column}` | {_cell(c.description)} |" for column, c in table.colonnes.items()], "",
        ]
    lines += [
        "### `plan_projet.csv`", "",
        "Plan prévisionnel du projet. Les durées sont en jours ouvrés ; une tâche ne peut commencer "
        "qu'une fois tous ses prédécesseurs terminés.", "",
        "| Tâche | Libellé | Durée (jours) | Prédécesseurs |", "|---|---|---:|---|",
        *[f"| {t.id} | {_cell(t.libelle)} | {t.duree_jours} | {', '.join(t.predecesseurs) or '—'} |"
          for t in spec.plan.taches], "",
        *_brief_a4(spec),
        "### `echantillon_requetes.csv`", "",
        f"{len(generated.sample)} {spec.entreprise.vocabulaire.individus} au format de `{spec.main_table}.csv`, "
        f"sans la colonne cible `{spec.cible.colonne}`, pour tester le modèle déployé.", "",
    ]
    return "\n".join(lines)


def _install(staging: Path, out: Path) -> None:
    """Move the staged build into ``out`` (each entry by an atomic rename), replacing the old build."""
    if not out.exists():
        os.replace(staging, out)
        return
    for entry in CaseLayout.ENTRIES:
        target = out / entry
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{entry}-old-", dir=out.parent))
            os.replace(target, retired / entry)
            os.replace(staging / entry, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging / entry, target)
