"""A2 — design (``a2_conception``): the leaking column, the model's inputs, its holdout AUC, the cross-validation,
the model families and training modes of the team's store, the decision threshold, the infrastructure mock-up.

Every model criterion is graded from evidence the grader gathers itself, not
from values the team typed: the logged model is reloaded in a sandboxed
worker (:meth:`CheckContext.audit_model`) that reads which raw columns its
pipeline passes on and permutes each suspect column, scores the holdout, and
re-runs a stratified cross-validation of a clone on the released training
table; the team's MLflow store is read for the fold scores it logged,
whatever their names. Each criterion stands on its own evidence: a model
that cannot score the holdout keeps the cross-validation points it earned.
A2C5 and A2C7 reload every logged model of the store's active runs
(:func:`store_models`) for its estimator's class, seeds and rows seen; A2C8
prices the team's threshold on the holdout with the case's costs; A2C9 reads
the team's YAML description with :mod:`mspr.infra`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, TypeAdapter

from mspr.grading.checks._core import AnswerError, CheckContext, Text, check, parse, untrusted_file


class ModelAnswer(BaseModel):
    """``A2C6.model``: where the team's model lives in its MLflow store.

    Attributes
    ----------
    tracking_uri : str
        ``sqlite:////abs/path/mlflow.db`` inside the team's folder.
    model_uri : str
        ``models:/m-<id>`` (what ``log_model`` returns), logged by ``run_id``.
    run_id : str
        The MLflow run holding the cross-validation metrics.
    """

    model_config = ConfigDict(extra="ignore")
    tracking_uri: Text
    model_uri: Text
    run_id: Text



@check("A2C1.leaky_column", assignment="a2_conception", max_score=1, schema=TypeAdapter(Text),
       label="Choix des données : colonne qui fuit la cible identifiée",
       scoring="the column that leaks the target is named (exact, case-insensitive, `table.` prefix allowed)")
def leaky_column(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Exact match (case-insensitive, ``table.`` prefix allowed).

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.leaky_column``.
    answer : str
        The name of the leaking column, alone or prefixed by its table.

    Returns
    -------
    fraction : float
        1.0 if it names the ground truth's leaking column, else 0.0 (also
        when the case has none).
    evidence : str
        French sentence quoting the answer and whether it is correct.
    """
    answer = answer.strip().lower()
    truth = ctx.ground_truth.leaky_column
    ok = truth is not None and answer in {truth.column.lower(), f"{truth.table}.{truth.column}".lower()}
    return float(ok), f"réponse « {answer} » : {'correcte' if ok else 'incorrecte'}"


def _local_path(uri: str) -> Path:
    """Filesystem path of a ``file://`` URI or plain path."""
    return Path(uri.removeprefix("file://")).resolve()


def _fr(value: float, decimals: int = 3) -> str:
    """A metric as the jury reads it: fixed decimals, decimal comma (``0.8594`` → ``"0,859"``)."""
    return f"{value:.{decimals}f}".replace(".", ",")


def _model_answer(ctx: CheckContext) -> ModelAnswer:
    """Parse ``A2C6.model`` and check the model is the team's own, logged by its run.

    The tracking store must be an absolute sqlite file inside the team's
    folder; the model must be a ``models:/m-…`` logged model of that store
    whose source run is ``run_id``, with its artifacts inside the team's folder.
    """
    if "model_answer" in ctx.cache:
        return ctx.cache["model_answer"]
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    answer = parse(ModelAnswer, ctx.answers["A2C6.model"], "A2C6.model")
    uri = answer.tracking_uri
    if not uri.startswith("sqlite:///"):
        raise AnswerError("tracking_uri : une base sqlite (sqlite:////chemin/absolu/mlflow.db) est attendue")
    db = Path(uri.removeprefix("sqlite:///"))
    if not db.is_absolute():
        raise AnswerError("tracking_uri doit être absolue (sqlite:////chemin/absolu/mlflow.db)")
    if not db.resolve().is_relative_to(ctx.workdir.resolve()) or not db.is_file():
        raise AnswerError("le suivi MLflow doit être une base existante dans le dossier de l'équipe")
    client = MlflowClient(tracking_uri=uri)
    try:
        # Only logged-model URIs: a runs:/ URI is resolved by MLflow through a
        # logged model whose location it would not let us check first.
        if answer.model_uri.startswith("models:/m-"):
            logged = client.get_logged_model(answer.model_uri.removeprefix("models:/"))
            if logged.source_run_id != answer.run_id:
                raise AnswerError(f"le modèle {answer.model_uri} n'a pas été journalisé par le run {answer.run_id}")
            artifacts = logged.artifact_location
        else:
            raise AnswerError("model_uri : l'URI renvoyée par mlflow.sklearn.log_model (models:/m-…) est attendue")
    except MlflowException as exc:
        raise AnswerError(f"modèle ou run introuvable dans le suivi MLflow de l'équipe : {exc.message[:200]}") from None
    if not _local_path(artifacts).is_relative_to(ctx.workdir.resolve()):
        raise AnswerError("les artefacts du modèle doivent être dans le dossier de l'équipe")
    ctx.cache["model_answer"] = answer
    return answer



#: Folds of the recomputed cross-validation (the lab's consigne).
CV_N_SPLITS = 5

#: Seeds of the recomputed cross-validation: one repetition each (partition noise).
CV_SEEDS = (0, 1, 2)

#: Smallest tolerance between the logged and the recomputed cross-validated mean.
CV_TOL_MIN = 0.02

#: Largest change of a score when a column is permuted that still counts as "not read".
PERMUTATION_EPS = 1e-9

#: French names of the recomputed fold scores.
SCORE_NAMES = {"roc_auc": "ROC AUC", "average_precision": "précision moyenne", "accuracy": "exactitude",
               "balanced_accuracy": "exactitude équilibrée", "f1": "F1", "precision": "précision",
               "recall": "rappel"}


def suspect_columns(truth) -> dict[str, str]:
    """Columns of the main table a model must not read, with why (French).

    Parameters
    ----------
    truth : GroundTruth

    Returns
    -------
    dict of str to str
        Column -> ``"fuite de la cible"``, ``"identifiant direct"`` (GDPR
        category ``identifiant_direct``, A1C6) or ``"identifiant technique"``
        (the key and the other technical identifiers); the leaking
        column first. Source: référentiel A2C1 (choose the appropriate data).
    """
    main = truth.main_table
    columns = set(truth.tables[main].columns)
    out = {}
    if truth.leaky_column is not None and truth.leaky_column.column in columns:
        out[truth.leaky_column.column] = "fuite de la cible"
    for column, category in truth.gdpr_categories.get(main, {}).items():
        if category == "identifiant_direct" and column in columns and column not in truth.features:
            out.setdefault(column, "identifiant direct")
    for column in [truth.key, *truth.technical_ids.get(main, [])]:
        if column in columns and column not in truth.features:
            out.setdefault(column, "identifiant technique")
    return out


def model_audit(ctx: CheckContext) -> dict:
    """Evidence about the team's logged model (cached per submission).

    Parameters
    ----------
    ctx : CheckContext
        ``ctx.answers["A2C6.model"]`` names the model; the released main
        table is read from the case build (``ctx.ground_truth_dir``'s parent).

    Returns
    -------
    dict
        As :func:`mspr.grading._model_worker.audit`.

    Raises
    ------
    AnswerError
        If the answer or the store is invalid (:func:`_model_answer`) or the
        worker fails as a whole.
    """
    if "audit" not in ctx.cache:
        answer = _model_answer(ctx)
        truth = ctx.ground_truth
        train = ctx.ground_truth_dir.parent / truth.tables[truth.main_table].file
        ctx.cache["audit"] = ctx.audit_model(model_uri=answer.model_uri, tracking_uri=answer.tracking_uri,
                                             train=train, suspects=list(suspect_columns(truth)),
                                             n_splits=CV_N_SPLITS, seeds=list(CV_SEEDS))
    return ctx.cache["audit"]


@check("A2C1.model_inputs", assignment="a2_conception", max_score=1, schema=ModelAnswer,
       label="Choix des données : le modèle ne lit ni la fuite ni un identifiant", answer="A2C6.model",
       scoring="the team's logged model reads neither the leaking column nor a direct or technical identifier: "
               "its pipeline's ColumnTransformer does not pass them on and permuting each of them (holdout and "
               "training rows) leaves its scores unchanged")
def model_inputs(ctx: CheckContext, answer: ModelAnswer) -> tuple[float, str]:
    """Full marks unless the reloaded model reads a suspect column.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : ModelAnswer
        The parsed ``A2C6.model``.

    Returns
    -------
    fraction : float
        0.0 if a column of :func:`suspect_columns` is passed on by the
        model's leading ``ColumnTransformer`` or changes its scores when
        permuted, or if there is no evidence (model unreadable; no
        ``ColumnTransformer`` and the model unfitted or scoring the holdout
        with one constant value); else 1.0.
    evidence : str
        French sentence naming each column read and why it must not be.

    Raises
    ------
    AnswerError
        As :func:`model_audit`.
    """
    audit = model_audit(ctx)
    suspects = suspect_columns(ctx.ground_truth)
    if audit["load_error"]:
        return 0.0, f"modèle illisible, entrées non vérifiables : {audit['load_error']}"
    selected, changed = audit["selected"], audit["changed"]
    if selected is None and not audit["fitted"]:
        return 0.0, "modèle non entraîné et sans ColumnTransformer : entrées non vérifiables"
    if selected is None and (audit["holdout"] is None or len(set(audit["holdout"])) <= 1):
        # Without a ColumnTransformer the only evidence is permutation, and it shows
        # nothing on a model whose scores never change.
        return 0.0, ("sans ColumnTransformer et sans prédictions variables sur le jeu caché, "
                     "les entrées du modèle ne sont pas vérifiables")
    read = []
    for column, why in suspects.items():
        how = []
        if selected is not None and column in selected:
            how.append("transmise par le ColumnTransformer")
        if changed.get(column, 0.0) > PERMUTATION_EPS:
            how.append(f"la permuter change les scores (jusqu'à {changed[column]:.3g})")
        if how:
            read.append(f"« {column} » ({why} : {', '.join(how)})")
    if read:
        return 0.0, "le modèle utilise " + " ; ".join(read)
    checked = ", ".join(f"« {c} »" for c in suspects) or "aucune"
    how = "colonnes du ColumnTransformer et permutation" if selected is not None else "permutation"
    return 1.0, f"aucune colonne interdite lue ({how}) ; vérifiées : {checked}"


# --------------------------------------------------------------------------- A2C1/A2C2: data preparation (issue 8, items 1-2)

#: Folder of the lab's data-preparation artefacts (the lab's consigne; the answer names the files).
PREPARATION_FOLDER = "livrables_a2"

#: Fields every row of the data map must fill (French keys, as in the lab's consigne).
DATA_MAP_FIELDS = ("source", "proprietaire", "categorie", "conservation")

#: Category a data map gives to a column holding no personal data.
NOT_PERSONAL = "non_personnelle"

#: Share of a column's values found among a direct identifier's values above which the column holds it.
IDENTIFIER_SHARE = 0.05

#: Expectation types refused in a team's suite (they run queries, not checks on values).
FORBIDDEN_EXPECTATIONS = ("unexpected_rows_expectation",)


class PreparationAnswer(BaseModel):
    """``A2C2.preparation``: the data-preparation artefacts, relative to the notebook's folder.

    Attributes
    ----------
    table : str
        The modelling table written by the team's ETL (CSV, one row per entity).
    carte : str
        The data map (JSON, YAML or CSV): one row per column of the released
        tables with ``table``, ``colonne``, ``source``, ``proprietaire``,
        ``categorie`` and ``conservation``.
    suite : str
        The expectation suite (JSON): a list of ``{"type", "kwargs"}``, or
        a GX suite with an ``expectations`` list.
    """

    model_config = ConfigDict(extra="ignore")
    table: Text
    carte: Text
    suite: Text


def _ascii_lower(text: object) -> str:
    """Lower case without accents nor surrounding spaces (``" Catégorie"`` → ``"categorie"``)."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", str(text).strip().lower())
    return "".join(c for c in folded if not unicodedata.combining(c))


def _team_file(ctx: CheckContext, relative: str, what: str) -> Path:
    path = ctx.inside(relative)
    if not path.is_file():
        raise AnswerError(f"{what} « {relative} » absent du rendu : la cellule d'écriture n'a pas été exécutée ?")
    return path


def _read_team_csv(path: Path) -> pd.DataFrame:
    """A team's CSV, comma or semicolon separated, every value as text (empty → missing)."""
    return pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False).replace("", pd.NA)


def _same_number(mine: pd.Series, truth: pd.Series) -> pd.Series:
    """Row-wise: the team's value reads as the clean number (decimal point or comma, spaces ignored)."""
    import numpy as np

    def read(values: pd.Series) -> pd.Series:
        text = values.astype("string").str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".")
        return pd.to_numeric(text, errors="coerce")

    a, b = read(mine).to_numpy(dtype=float), read(truth).to_numpy(dtype=float)
    return pd.Series(np.isclose(a, b, rtol=1e-6, atol=1e-6) & np.isfinite(a), index=mine.index)


def _same_date(mine: pd.Series, truth: pd.Series) -> pd.Series:
    """Row-wise: the team's value is the clean date, written ``AAAA-MM-JJ`` (a time part is allowed)."""
    parsed = pd.to_datetime(mine.astype("string").str.strip().str[:10], format="%Y-%m-%d", errors="coerce")
    return pd.Series(parsed.to_numpy() == pd.to_datetime(truth, format="%Y-%m-%d", errors="coerce").to_numpy(),
                     index=mine.index)


def _same_category(mine: pd.Series, truth: pd.Series, touched: pd.Series) -> pd.Series:
    """Row-wise: the team writes the modality as it writes it on the untouched rows of the same clean modality."""
    usual = mine[~touched].groupby(truth[~touched]).agg(lambda v: v.value_counts().index[0] if v.notna().any() else None)
    return pd.Series(mine.to_numpy() == truth.map(usual).to_numpy(), index=mine.index)


def _direct_identifiers(ctx: CheckContext, mine: pd.DataFrame) -> list[str]:
    """French notes naming the team's columns holding a direct identifier of any released table."""
    truth = ctx.ground_truth
    root = ctx.ground_truth_dir.parent
    notes = []
    for table, columns in truth.gdpr_categories.items():
        direct = [c for c, category in columns.items() if category == "identifiant_direct"]
        if not direct:
            continue
        released = pd.read_csv(root / truth.tables[table].file, dtype=str, keep_default_na=False)
        for column in direct:
            values = {v.strip().lower() for v in released[column] if v.strip()}
            if not values:
                continue
            for name in mine.columns:
                text = mine[name].dropna().astype(str).str.strip().str.lower()
                if len(text) and text.isin(values).mean() > IDENTIFIER_SHARE:
                    notes.append(f"« {name} » contient {table}.{column}")
    return notes


def _read_data_map(path: Path) -> pd.DataFrame:
    """The team's data map as a table, keys lower-cased without accents."""
    import json

    import yaml

    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = _read_team_csv(path)
    else:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), [])
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise AnswerError("carte des données : une liste d'entrées (une par colonne) est attendue")
        frame = pd.DataFrame(data)
    frame.columns = [_ascii_lower(c) for c in frame.columns]
    return frame


@check("A2C1.data_map", assignment="a2_conception", max_score=1, schema=PreparationAnswer,
       answer="A2C2.preparation",
       label="Cartographie des données : source, propriétaire, catégorie de données personnelles, conservation",
       scoring="reads the data map file (JSON, YAML or CSV, one row per column); half: share of released tables "
               "with a source, an owner and a retention period; half: share of the ground truth's personal "
               "columns given their GDPR category (identifiant_direct, identifiant_indirect, donnee_sensible; "
               "case, accents, spaces and a .csv suffix ignored)")
@untrusted_file
def data_map(ctx: CheckContext, answer: PreparationAnswer) -> tuple[float, str]:
    """Grade the data map against the released tables and the ground truth's personal columns.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.tables``
        and ``gdpr_categories``.
    answer : PreparationAnswer
        ``answer.carte``: rows with ``table``, ``colonne``, ``source``,
        ``proprietaire``, ``categorie``, ``conservation`` (keys compared
        without case nor accents; a category may be the key or written with
        spaces).

    Returns
    -------
    fraction : float
        ``0.5 × tables documented + 0.5 × personal columns rightly
        categorised`` in [0, 1].
    evidence : str
        French sentence naming the tables left undocumented and the personal
        columns miscategorised.

    Raises
    ------
    AnswerError
        If the file is missing, unreadable or lacks the ``table`` or
        ``categorie`` field.
    """
    truth = ctx.ground_truth
    frame = _read_data_map(_team_file(ctx, answer.carte, "carte des données"))
    for field in ("table", "categorie"):
        if field not in frame.columns:
            raise AnswerError(f"carte des données : champ « {field} » absent (champs attendus : table, colonne, "
                              + ", ".join(DATA_MAP_FIELDS) + ")")
    frame = frame.astype("string")
    frame["table"] = frame["table"].map(lambda v: _ascii_lower(v).removesuffix(".csv") if pd.notna(v) else v)
    documented, undocumented = 0, []
    for table in truth.tables:
        rows = frame[frame["table"] == _ascii_lower(table)]
        ok = len(rows) and all(f in rows and rows[f].fillna("").str.strip().ne("").any()
                               for f in ("source", "proprietaire", "conservation"))
        documented += bool(ok)
        if not ok:
            undocumented.append(table)
    personal = [(t, c, cat) for t, cols in truth.gdpr_categories.items() for c, cat in cols.items()]
    column = frame["colonne"].map(lambda v: _ascii_lower(v) if pd.notna(v) else v) if "colonne" in frame else None
    right, wrong = 0, []
    for table, name, category in personal:
        rows = frame[(frame["table"] == _ascii_lower(table)) & (column == _ascii_lower(name))] \
            if column is not None else frame.iloc[0:0]
        given = {_ascii_lower(v).replace(" ", "_").replace("-", "_") for v in rows["categorie"].dropna()}
        if category in given:
            right += 1
        else:
            wrong.append(f"{table}.{name} ({category} attendu, {', '.join(sorted(given)) or 'absent'})")
    tables_part = documented / max(1, len(truth.tables))
    personal_part = right / len(personal) if personal else 1.0
    evidence = [f"tables documentées (source, propriétaire, conservation) : {documented} sur {len(truth.tables)}"
                + (f" (manquent : {', '.join(undocumented)})" if undocumented else ""),
                f"colonnes personnelles bien catégorisées : {right} sur {len(personal)}"
                + (f" ; erreurs : {', '.join(wrong[:4])}" if wrong else "")]
    return 0.5 * tables_part + 0.5 * personal_part, " ; ".join(evidence)


@check("A2C2.modelling_table", assignment="a2_conception", max_score=2, schema=PreparationAnswer,
       answer="A2C2.preparation",
       label="Préparation des données : table de modélisation (doublons, formats, clés, identifiants)",
       scoring="reads the modelling table the team's ETL wrote and compares it with the main table before any "
               "defect (ground truth): mean of three parts: no duplicated key (1 or 0); keys = the "
               "released entities (share found, none invented); values of the injected format defects read as "
               "the clean value (numbers, AAAA-MM-JJ dates, the team's own spelling of a modality); no column "
               "holding a direct identifier of any table (its values, whatever the column's name) — any such "
               "column scores the whole criterion 0")
@untrusted_file
def modelling_table(ctx: CheckContext, answer: PreparationAnswer) -> tuple[float, str]:
    """Grade the team's modelling table against the clean main table of the ground truth.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.quality``
        (clean main table) and ``defects`` (ids of the injected defects).
    answer : PreparationAnswer
        ``answer.table``: CSV written by the team, one row per entity of the
        main table, keyed by the main table's key column (as released).

    Returns
    -------
    fraction : float
        Mean of: duplicates removed (1 or 0), key integrity (share of the
        released entities present, 0 if a key is invented), format defects
        fixed (share of the injected cells of the table's columns read as
        their clean value; 1 when none is kept); 0 in all when a column
        holds a direct identifier (:data:`IDENTIFIER_SHARE`).
    evidence : str
        French sentence with each part and what is wrong.

    Raises
    ------
    AnswerError
        If the file is missing, outside the submission, unreadable, or has
        no key column, or the case build predates the data-quality truth.
    """
    truth = ctx.ground_truth
    if truth.quality is None:
        raise AnswerError("construction du cas antérieure à la table propre de référence : reconstruisez le cas")
    mine = _read_team_csv(_team_file(ctx, answer.table, "table de modélisation"))
    key = truth.key
    if key not in mine.columns:
        raise AnswerError(f"la table de modélisation n'a pas de colonne « {key} » (clé de la table principale)")
    clean = pd.read_csv(ctx.ground_truth_dir.parent / truth.quality.clean_main, dtype=str, keep_default_na=False)
    identifiers = _direct_identifiers(ctx, mine)
    keys = mine[key].astype("string").str.strip()
    duplicated = int(keys.duplicated().sum())
    expected = set(clean[key])
    found = set(keys.dropna())
    invented = sorted(found - expected)
    integrity = 0.0 if invented else len(found & expected) / max(1, len(expected))
    unique = mine.assign(**{key: keys}).dropna(subset=[key]).drop_duplicates(subset=key).set_index(key)
    clean = clean.set_index(key)
    fixed, total, notes = 0, 0, []
    for defect in truth.defects:
        if defect.table != truth.main_table or defect.kind != "inconsistent_format" or defect.column not in mine:
            continue
        if defect.column in truth.gdpr_categories.get(truth.main_table, {}):
            continue  # a personal column is judged by removal, not by its format
        rows = [i for i in defect.ids if i in unique.index and i in clean.index]
        if not rows:
            continue
        kind = truth.feature_types.get(defect.column)
        mine_col = unique[defect.column].reindex(clean.index)
        if kind == "numerique":
            same = _same_number(mine_col.loc[rows], clean.loc[rows, defect.column])
        elif kind == "date":
            same = _same_date(mine_col.loc[rows], clean.loc[rows, defect.column])
        else:
            touched = pd.Series(clean.index.isin(defect.ids), index=clean.index)
            same = _same_category(mine_col, clean[defect.column], touched).loc[rows]
        fixed, total = fixed + int(same.sum()), total + len(rows)
        if not same.all():
            notes.append(f"{defect.column} : {len(rows) - int(same.sum())} valeur(s) sur {len(rows)} non corrigée(s)")
    formats = fixed / total if total else 1.0
    parts = [float(duplicated == 0), integrity, formats]
    evidence = [f"{len(mine)} lignes, {len(found & expected)} {truth.main_table} sur {len(expected)}",
                f"doublons de clé : {duplicated}" if duplicated else "aucun doublon de clé",
                f"clés inconnues : {', '.join(invented[:3])}" if invented else "aucune clé inventée",
                (f"formats corrigés : {fixed} sur {total}" if total else "aucune colonne à format défectueux gardée")]
    evidence += notes
    if identifiers:
        return 0.0, "identifiant direct dans la table de modélisation : " + ", ".join(identifiers) + " ; " + \
            " ; ".join(evidence)
    evidence.append("aucun identifiant direct")
    return sum(parts) / len(parts), " ; ".join(evidence)


def _read_suite(path: Path) -> list[dict]:
    """The team's expectations as ``{"type", "kwargs"}`` dicts (GX 1.x or 0.x serialisation)."""
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("expectations")
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise AnswerError("suite d'attentes : une liste d'attentes {\"type\", \"kwargs\"} est attendue "
                          "(ou une suite GX enregistrée avec sa liste « expectations »)")
    out = []
    for item in data:
        kind = str(item.get("type") or item.get("expectation_type") or "")
        kwargs = item.get("kwargs") or {}
        if not kind.startswith("expect_") or kind in FORBIDDEN_EXPECTATIONS or not isinstance(kwargs, dict):
            raise AnswerError(f"suite d'attentes : attente {kind or item!r} refusée (type expect_… de Great "
                              "Expectations et ses paramètres « kwargs » attendus)")
        out.append({"type": kind, "kwargs": {k: v for k, v in kwargs.items() if k not in ("batch_id", "meta")}})
    return out


def _columns_of(expectation: dict) -> set[str]:
    kwargs = expectation["kwargs"]
    names = {kwargs[k] for k in ("column", "column_A", "column_B") if isinstance(kwargs.get(k), str)}
    for k in ("column_list", "column_set"):
        if isinstance(kwargs.get(k), list):
            names |= {str(c) for c in kwargs[k]}
    return names


@check("A2C2.expectation_suite", assignment="a2_conception", max_score=2, schema=PreparationAnswer,
       answer="A2C2.preparation",
       label="Qualité des données : suite Great Expectations éprouvée sur des données corrompues",
       scoring="runs the team's suite (JSON data, GX ephemeral context) on the clean modelling table held back "
               "by the case build (it must pass) and on one corrupted copy per defect kind the case injects "
               "(it must fail on the defect's column); score = (kinds caught − expectations failing on the clean "
               "table) / kinds, clipped to [0, 1]; expectations on columns the clean table lacks (the team's "
               "aggregates) are not run")
@untrusted_file
def expectation_suite(ctx: CheckContext, answer: PreparationAnswer) -> tuple[float, str]:
    """Score the team's expectation suite on the held-back clean table and corrupted variants.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the truth is ``ctx.ground_truth.quality``.
    answer : PreparationAnswer
        ``answer.suite``: JSON file of expectations.

    Returns
    -------
    fraction : float
        :attr:`mspr.quality.SuiteScore.fraction`.
    evidence : str
        French sentence: the kinds caught and missed, the expectations
        failing on the clean table, the expectations not run.

    Raises
    ------
    AnswerError
        If the file is missing or malformed, an expectation is unknown to GX
        or has invalid parameters, or the case build predates the corrupted
        variants.
    """
    from mspr.quality import Variant, score_suite

    truth = ctx.ground_truth
    if truth.quality is None:
        raise AnswerError("construction du cas antérieure aux variantes corrompues : reconstruisez le cas")
    expectations = _read_suite(_team_file(ctx, answer.suite, "suite d'attentes"))
    root = ctx.ground_truth_dir.parent
    clean = pd.read_csv(root / truth.quality.clean_table)
    kept = [e for e in expectations if _columns_of(e) <= set(clean.columns)]
    skipped = sorted({c for e in expectations for c in _columns_of(e) - set(clean.columns)})
    variants = [Variant(v.kind, v.column, pd.read_csv(root / v.file)) for v in truth.quality.variants]
    try:
        score = score_suite(kept, clean, variants)
    except (ValueError, TypeError) as exc:
        raise AnswerError(f"suite d'attentes refusée par Great Expectations : {str(exc)[:200]}") from None
    kinds = {"duplicate": "doublons", "missing": "valeurs manquantes", "out_of_range": "hors plage",
             "inconsistent_format": "format incohérent"}

    def named(items: list[str]) -> str:
        return ", ".join(f"{kinds.get(k, k)} ({c})" for k, _, c in (i.partition(":") for i in items)) or "aucun"

    evidence = [f"{len(kept)} attentes évaluées", f"défauts détectés : {named(score.caught)}",
                f"non détectés : {named(score.missed)}"]
    if score.clean_failures:
        evidence.append("échecs sur la table propre (pénalisés) : " + ", ".join(score.clean_failures[:4]))
    if skipped:
        evidence.append("attentes non évaluées (colonnes absentes de la table de référence) : " + ", ".join(skipped[:5]))
    return score.fraction, " ; ".join(evidence)


def holdout_auc(ctx: CheckContext) -> float:
    """ROC AUC of the team's model on the hidden holdout (cached per submission).

    The model named by the answer ``A2C6.model`` is loaded with the sklearn
    flavour in a throw-away subprocess (:func:`model_audit`) and scores
    ``holdout_features.csv``; its positive-class scores are compared with
    the target column of ``holdout_labels.csv``.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context. ``ctx.answers["A2C6.model"]`` is a dict
        with ``tracking_uri`` (``sqlite:////<absolute path>`` inside
        ``ctx.workdir``), ``model_uri`` and ``run_id`` (str). The result is
        stored in ``ctx.cache["holdout_auc"]``.

    Returns
    -------
    float
        ROC AUC in [0, 1] (0.5: no better than chance, also for a constant model).

    Raises
    ------
    AnswerError
        If the answer is malformed, its tracking store is not an absolute
        sqlite path inside the team's folder, the model cannot be loaded, is
        not fitted or fails to predict, or it returns a number of
        predictions different from the number of holdout rows.
    """
    if "holdout_auc" not in ctx.cache:
        from sklearn.metrics import roc_auc_score

        audit = model_audit(ctx)
        if audit["load_error"]:
            raise AnswerError(f"AUC non mesurée, modèle inutilisable : {audit['load_error']}")
        if not audit["fitted"]:
            raise AnswerError(f"AUC non mesurée, le modèle journalisé n'est pas entraîné ({audit['fit_error']})")
        if audit["holdout"] is None:
            raise AnswerError(f"AUC non mesurée, le modèle ne prédit pas le jeu caché : {audit['holdout_error']}")
        scores = audit["holdout"]
        target = ctx.ground_truth.target.column
        labels = pd.read_csv(ctx.ground_truth_dir / "holdout_labels.csv")[target]
        if len(scores) != len(labels) or any(s != s for s in scores):
            raise AnswerError(f"{len(scores)} prédictions (dont valeurs manquantes ?) pour {len(labels)} lignes")
        ctx.cache["constant"] = len(set(scores)) == 1
        ctx.cache["same_as_reference"] = False
        if ctx.reference_model is not None:
            # Not a verdict (a team may rebuild the same pipeline), a flag for the jury.
            reference = ctx.predict(model_uri=str(ctx.reference_model),
                                    features=ctx.ground_truth_dir / "holdout_features.csv",
                                    flavor="sklearn", method="proba")
            ctx.cache["same_as_reference"] = max(abs(a - b) for a, b in zip(scores, reference)) < 1e-9
        ctx.cache["holdout_auc"] = float(roc_auc_score(labels, scores))
    return ctx.cache["holdout_auc"]


@check("A2C6.holdout_auc", assignment="a2_conception", max_score=4, schema=ModelAnswer,
       label="Performance du modèle sur le jeu de test caché (ROC AUC)", answer="A2C6.model",
       scoring="ROC AUC of the team's MLflow model on the hidden holdout, linear from chance (0.5, and any "
               "constant model: 0 points) to the pass threshold (full points), set from the holdout's sampling "
               "error (reference AUC − 2.33 × √2 × its bootstrap sd): a model of the reference's quality loses "
               "points by chance at most 1 % of the time")
def holdout_auc_check(ctx: CheckContext, answer: ModelAnswer) -> tuple[float, str]:
    """Linear from the chance level (0) to the case's pass threshold (full marks).

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : ModelAnswer
        The parsed ``A2C6.model`` (read again by :func:`holdout_auc`).

    Returns
    -------
    fraction : float
        ``(auc − zero) / (pass − zero)`` clipped to [0, 1], where ``pass``
        and ``zero`` are the ground truth's ``reference_metric``
        ``pass_threshold`` and ``zero_threshold``
        (:func:`mspr.case.thresholds.auc_thresholds`); 0 for a constant model.
    evidence : str
        French sentence giving the holdout AUC, the two levels, the
        reference model's and the oracle's AUC.

    Raises
    ------
    AnswerError
        As :func:`holdout_auc`.
    """
    auc = holdout_auc(ctx)
    ref = ctx.ground_truth.reference_metric
    if ctx.cache.get("constant"):
        return 0.0, "prédictions constantes : le modèle ne classe pas (ROC AUC 0,5)"
    fraction = min(1.0, max(0.0, (auc - ref.zero_threshold) / (ref.pass_threshold - ref.zero_threshold)))
    evidence = (f"ROC AUC sur le jeu caché = {_fr(auc)} (0 point sous {_fr(ref.zero_threshold)}, tous les points "
                f"dès {_fr(ref.pass_threshold)} ; modèle de référence {_fr(ref.reference_model)}, "
                f"oracle {_fr(ref.oracle)})")
    champion = _champion(answer)
    if champion:
        evidence += f" ; {champion}"
    if ctx.cache.get("same_as_reference"):
        evidence += (" ; ATTENTION : prédictions identiques à celles du modèle livré avec l'assignment A3, "
                     "à vérifier à l'oral")
    return fraction, evidence


def _champion(answer: ModelAnswer) -> str:
    """French note on the registry of the team's store: is the graded model the ``champion`` alias?"""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=answer.tracking_uri)
    try:
        for registered in client.search_registered_models(max_results=50):
            version = (registered.aliases or {}).get("champion")
            if version is None:
                continue
            source = client.get_model_version(registered.name, version).source
            same = "le modèle noté" if source == answer.model_uri else f"un autre modèle ({source})"
            return f"alias champion du registre : {registered.name} v{version}, {same}"
    except MlflowException:
        return ""
    return "aucun modèle « champion » au registre MLflow"


def _logged_series(answer: ModelAnswer) -> tuple[list[tuple[str, list[float]]], dict[str, float]]:
    """Fold-score candidates and scalar metrics of the team's run, its parent and their children.

    A candidate series is a metric logged at several steps, a family of
    metrics whose names differ only by a number (``auc_fold_1``,
    ``auc_fold_2``…), or one metric shared by several child runs.
    """
    import math
    import re

    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=answer.tracking_uri)
    try:
        run = client.get_run(answer.run_id)
    except MlflowException as exc:
        raise AnswerError(f"run MLflow {answer.run_id!r} introuvable : {exc.message[:200]}") from None
    runs = [run]
    parent = run.data.tags.get("mlflow.parentRunId")
    if parent:
        try:
            runs.append(client.get_run(parent))
        except MlflowException:
            pass
    for owner in list(runs):
        runs += client.search_runs([run.info.experiment_id], max_results=200,
                                   filter_string=f"tags.mlflow.parentRunId = '{owner.info.run_id}'")
    series, scalars, seen = [], {}, set()
    for r in runs:
        if r.info.run_id in seen:
            continue
        seen.add(r.info.run_id)
        families: dict[str, list[tuple[int, float]]] = {}
        for key, value in r.data.metrics.items():
            if not math.isfinite(value):
                continue
            scalars[f"{r.info.run_name}/{key}" if r is not run else key] = value
            history = client.get_metric_history(r.info.run_id, key)
            if len(history) >= 2:
                values = [m.value for m in sorted(history, key=lambda m: (m.step, m.timestamp))]
                series.append((f"{key} (par étape)", values))
            numbers = re.findall(r"\d+", key)
            if numbers:
                families.setdefault(re.sub(r"\d+", "#", key), []).append((int(numbers[-1]), value))
        for pattern, members in families.items():
            if len(members) >= 2:
                series.append((pattern, [v for _, v in sorted(members)]))
    children = [r for r in runs[1:] if r.data.tags.get("mlflow.parentRunId")]
    shared: dict[str, list[float]] = {}
    for r in children:
        for key, value in r.data.metrics.items():
            shared.setdefault(key, []).append(value)
    series += [(f"{key} (runs enfants)", values) for key, values in shared.items() if len(values) >= 2]
    return series, scalars


def _recomputed(audit: dict) -> dict[str, tuple[float, float]]:
    """Score -> (mean over seeds and folds, tolerance) of the recomputed cross-validation."""
    import numpy as np

    out = {}
    for name in SCORE_NAMES:
        per_seed = [[f[name] for f in rep["folds"]] for rep in audit["cv"]]
        values = np.asarray(per_seed, dtype=float)
        if not np.isfinite(values).all():
            continue
        means = values.mean(axis=1)
        tol = max(CV_TOL_MIN, 3 * float(means.std(ddof=1)) if len(means) > 1 else 0.0,
                  2 * float(values.std(axis=1, ddof=1).mean()) / np.sqrt(values.shape[1]))
        out[name] = (float(means.mean()), tol)
    return out


@check("A2C8.cross_validation", assignment="a2_conception", max_score=2, schema=ModelAnswer,
       label="Procédure de test : validation croisée tracée dans MLflow et vérifiée", answer="A2C6.model",
       scoring="the fold scores logged in the team's MLflow run (any names: one metric at several steps, numbered "
               "metrics, or child runs) match a stratified cross-validation the grader re-runs on a clone of the "
               "logged estimator (5 folds × 3 seeds, any usual score): full points with ≥ 5 folds, half with "
               "fewer or when it cannot be re-run; none for a single value, a training-set score or numbers "
               "that do not match")
def cross_validation(ctx: CheckContext, answer: ModelAnswer) -> tuple[float, str]:
    """Compare the fold scores the team logged with a cross-validation re-run by the grader.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : ModelAnswer
        The parsed ``A2C6.model``.

    Returns
    -------
    fraction : float
        1.0 if a logged series of ≥ 5 fold scores has a mean within the
        tolerance of the recomputed mean of one usual score (ROC AUC,
        accuracy, F1…; tolerance ``max(0.02, 3 × sd between seeds,
        2 × fold sd / √k)``); 0.5 with fewer folds, or when the clone cannot
        be re-run but ≥ 5 fold scores are logged; else 0.0.
    evidence : str
        French sentence: the series found, its mean, the recomputed mean,
        or why no cross-validation is credited.

    Raises
    ------
    AnswerError
        If the answer or the store is invalid, or the run is not found.
    """
    answer = _model_answer(ctx)
    series, scalars = _logged_series(answer)
    try:
        audit = model_audit(ctx)
    except AnswerError as exc:
        audit = {"cv": None, "cv_error": str(exc), "load_error": str(exc), "train_scores": None}
    usable = [(name, values) for name, values in series if len(values) >= 2]
    if not usable:
        reason = ("aucun score par pli journalisé (ni métrique à plusieurs étapes, ni métriques numérotées, "
                  "ni runs enfants) : la validation croisée n'est pas démontrée")
        return 0.0, reason + _resubstitution(audit, scalars) + _claimed(scalars)
    if audit.get("cv") is None:
        best = max(usable, key=lambda s: len(s[1]))
        if len(best[1]) >= CV_N_SPLITS and len(set(best[1])) > 1:
            return 0.5, (f"{len(best[1])} scores par pli journalisés ({best[0]}, moyenne {_fr(sum(best[1]) / len(best[1]))}) "
                         f"mais la validation croisée n'a pas pu être refaite : {audit.get('cv_error') or audit.get('load_error')}")
        return 0.0, f"validation croisée non refaite ({audit.get('cv_error') or audit.get('load_error')}) et moins de {CV_N_SPLITS} plis journalisés"
    recomputed = _recomputed(audit)
    matches = []
    for name, values in usable:
        mean = sum(values) / len(values)
        for score, (expected, tol) in recomputed.items():
            if abs(mean - expected) <= tol:
                matches.append((len(values) >= CV_N_SPLITS, abs(mean - expected) / tol, name, values, score))
    if matches:
        full, _, name, values, score = min(matches, key=lambda m: (not m[0], m[1]))
        expected, tol = recomputed[score]
        mean = sum(values) / len(values)
        text = (f"{len(values)} plis journalisés ({name}), {SCORE_NAMES[score]} moyenne {_fr(mean)} ; "
                f"validation croisée refaite par le correcteur ({CV_N_SPLITS} plis × {len(CV_SEEDS)} graines) "
                f"{_fr(expected)} ± {_fr(tol)}")
        return (1.0, text) if full else (0.5, text + f" ; moins de {CV_N_SPLITS} plis")
    name, values = max(usable, key=lambda s: len(s[1]))
    auc, tol = recomputed.get("roc_auc", (float("nan"), 0.0))
    return 0.0, (f"les scores journalisés ({name}, moyenne {_fr(sum(values) / len(values))}) ne correspondent pas "
                 f"à la validation croisée refaite par le correcteur (ROC AUC {_fr(auc)} ± {_fr(tol)}, ni aucun "
                 f"autre score usuel)" + _resubstitution(audit, scalars))


def _resubstitution(audit: dict, scalars: dict[str, float]) -> str:
    """French clause naming logged metrics that equal a score on the training rows, or ''."""
    train = audit.get("train_scores") or {}
    hits = [f"« {key} » = {SCORE_NAMES[name]} sur les données d'apprentissage ({_fr(value)})"
            for key, value in scalars.items() for name, score in train.items()
            if score == score and abs(value - score) < 1e-6]
    return " ; " + ", ".join(hits) + " : ce n'est pas une validation" if hits else ""


def _claimed(scalars: dict[str, float]) -> str:
    """French clause quoting logged metrics named like a cross-validation, or ''."""
    claimed = [f"« {k} » = {_fr(v)}" for k, v in scalars.items() if "cv" in k.lower() or "cross" in k.lower()]
    return " ; valeur isolée : " + ", ".join(claimed[:3]) if claimed else ""


# -- A2C5, A2C7, A2C8 (threshold), A2C9: the team's whole MLflow store and its infrastructure file ---------

class StoreAnswer(BaseModel):
    """``A2C5.model_families`` / ``A2C7.training_modes``: the team's MLflow store.

    Attributes
    ----------
    tracking_uri : str
        ``sqlite:////abs/path/mlflow.db`` inside the team's folder. Every
        active run of every experiment of that store is read; any other key
        (e.g. the team's own run ids by name) is ignored.
    """

    model_config = ConfigDict(extra="ignore")
    tracking_uri: Text


#: A2C5 families, in the order the evidence names them (keys of ``_model_worker.FAMILIES``).
FAMILY_NAMES = {"baseline": "référence naïve (Dummy)", "lineaire": "modèle linéaire", "arbre": "arbre de décision",
                "foret": "forêt aléatoire", "boosting": "gradient boosting", "reseau_neurones": "réseau de neurones",
                "segmentation": "segmentation (clustering)"}

#: Families whose fit is random: every ``random_state`` of their model must be set.
RANDOM_FAMILIES = frozenset({"arbre", "foret", "boosting", "reseau_neurones", "segmentation"})

#: Points of a learning curve: a metric logged at this many distinct steps at least.
CURVE_MIN_STEPS = 5

#: Bootstrap resamples of the holdout for the threshold's tolerance, and their seed.
COST_BOOTSTRAP, COST_SEED = 1000, 0

#: Largest number of candidate thresholds (distinct scores beyond it: their quantiles).
COST_GRID = 200

#: Margin on the bootstrap's 99th percentile of the holdout-best threshold's optimism (a team's threshold is
#: itself estimated on its training rows).
COST_Z = 3.0


def _store_client(ctx: CheckContext, uri: str):
    """An MlflowClient on the team's own sqlite store (absolute, inside its folder), or AnswerError."""
    from mlflow.tracking import MlflowClient

    if not uri.startswith("sqlite:///"):
        raise AnswerError("tracking_uri : une base sqlite (sqlite:////chemin/absolu/mlflow.db) est attendue")
    db = Path(uri.removeprefix("sqlite:///"))
    if not db.is_absolute() or not db.resolve().is_relative_to(ctx.workdir.resolve()) or not db.is_file():
        raise AnswerError("le suivi MLflow doit être une base existante (URI absolue) dans le dossier de l'équipe")
    return MlflowClient(tracking_uri=uri)


def store_models(ctx: CheckContext, uri: str) -> list[dict]:
    """Every logged model of the active runs of the team's store, inspected (cached per submission).

    Parameters
    ----------
    ctx : CheckContext
    uri : str
        The team's tracking URI (checked by :func:`_store_client`).

    Returns
    -------
    list of dict
        As :meth:`CheckContext.inspect_models`, each with ``run_name`` and
        ``curves`` (metric -> number of distinct steps, for the metrics of
        its run logged at :data:`CURVE_MIN_STEPS` steps or more) added.
        Models whose artifacts lie outside the team's folder are left out.

    Raises
    ------
    AnswerError
        If the store is not the team's or cannot be read.
    """
    key = ("store_models", uri)
    if key in ctx.cache:
        return ctx.cache[key]
    from mlflow.exceptions import MlflowException

    client = _store_client(ctx, uri)
    try:
        experiments = [e.experiment_id for e in client.search_experiments(max_results=100)]
        runs = {r.info.run_id: r for r in client.search_runs(experiments, max_results=500)} if experiments else {}
        logged = client.search_logged_models(experiment_ids=experiments, max_results=500) if experiments else []
        models = [m for m in logged if m.source_run_id in runs
                  and _local_path(m.artifact_location).is_relative_to(ctx.workdir.resolve())]
        curves = {}
        for run_id in {m.source_run_id for m in models}:
            curves[run_id] = {}
            for metric in runs[run_id].data.metrics:
                steps = {h.step for h in client.get_metric_history(run_id, metric)}
                if len(steps) >= CURVE_MIN_STEPS:
                    curves[run_id][metric] = len(steps)
    except MlflowException as exc:
        raise AnswerError(f"suivi MLflow illisible : {exc.message[:200]}") from None
    inspected = ctx.inspect_models(tracking_uri=uri, models=[{"model_uri": f"models:/{m.model_id}",
                                                             "run_id": m.source_run_id} for m in models])
    for row in inspected:
        row["run_name"] = runs[row["run_id"]].info.run_name
        row["curves"] = curves.get(row["run_id"], {})
    ctx.cache[key] = inspected
    return inspected


def _unseeded(row: dict) -> list[str]:
    """Names of the ``random_state`` parameters left unset in an inspected model."""
    return [k for k, v in row["random_states"].items() if v == "None"]


@check("A2C5.model_families", assignment="a2_conception", max_score=3, schema=StoreAnswer,
       label="Modèles comparés : une exécution MLflow par famille (référence naïve, linéaire, arbre, forêt, "
             "boosting, réseau de neurones, segmentation)",
       scoring="every logged model of the active runs of the team's MLflow store is reloaded in the sandbox and "
               "its final estimator's class (not the run's name) gives its family; one seventh of the points per "
               "family among dummy baseline, linear model, decision tree, random forest, gradient boosting, "
               "MLPClassifier and clustering, with a fitted model whose random_state parameters are all set for "
               "the random families")
def model_families(ctx: CheckContext, answer: StoreAnswer) -> tuple[float, str]:
    """Share of the seven model families found, fitted and seeded, in the team's store.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : StoreAnswer
        The parsed ``A2C5.model_families`` (only its ``tracking_uri`` is used).

    Returns
    -------
    fraction : float
        Families found / 7 (:data:`FAMILY_NAMES`). A family counts if one of
        its models is fitted and, for :data:`RANDOM_FAMILIES`, has no
        ``random_state`` left to ``None``.
    evidence : str
        French list of the families found (with the estimator class and
        run name) and of the missing, unfitted or unseeded ones.

    Raises
    ------
    AnswerError
        If the store is not the team's or cannot be read.
    """
    rows = store_models(ctx, answer.tracking_uri)
    found, flawed = {}, {}
    for row in rows:
        family = row["family"]
        if family is None or family in found:
            continue
        name = f"{row['estimator'].rsplit('.', 1)[-1]} (run « {row['run_name']} »)"
        if not row["fitted"]:
            flawed.setdefault(family, f"{name} non entraîné")
        elif family in RANDOM_FAMILIES and _unseeded(row):
            flawed.setdefault(family, f"{name} sans graine ({', '.join(_unseeded(row))} = None)")
        else:
            found[family] = name
    parts = [f"{FAMILY_NAMES[f]} : {found[f]}" for f in FAMILY_NAMES if f in found]
    missing = [f"{FAMILY_NAMES[f]} ({flawed[f]})" if f in flawed else FAMILY_NAMES[f]
               for f in FAMILY_NAMES if f not in found]
    unreadable = sum(1 for r in rows if r["error"])
    evidence = f"{len(rows)} modèles journalisés lus"
    if unreadable:
        evidence += f" (dont {unreadable} illisibles)"
    evidence += " ; familles trouvées : " + ("; ".join(parts) if parts else "aucune")
    if missing:
        evidence += " ; manquantes : " + ", ".join(missing)
    return len(found) / len(FAMILY_NAMES), evidence


#: Largest rows seen by an incremental model, as a multiple of the training rows: one pass over the stream.
ONE_PASS = 1.5


@check("A2C7.training_modes", assignment="a2_conception", max_score=3, schema=StoreAnswer,
       label="Procédures d'entraînement : par lot, par mini-lots et en ligne (partial_fit), courbe "
             "d'apprentissage journalisée",
       scoring="from the team's MLflow store: one point for a fitted classifier trained in one batch, one point "
               "per run (up to two: mini-batch and online) whose logged model's final estimator has partial_fit, "
               "was fitted on one pass over the rows (rows it counts as seen ≤ 1.5 × the training rows), and whose "
               "run logs a learning curve (a metric at ≥ 5 distinct steps)")
def training_modes(ctx: CheckContext, answer: StoreAnswer) -> tuple[float, str]:
    """Batch and incremental training, read from the logged models and their runs' metric histories.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the training rows are those of the
        released main table (``ctx.ground_truth_dir``'s parent).
    answer : StoreAnswer
        The parsed ``A2C7.training_modes`` (only its ``tracking_uri`` is used).

    Returns
    -------
    fraction : float
        (batch + min(2, incremental runs)) / 3. ``batch``: a fitted
        classifier that is not an incremental one. Incremental run: a fitted
        model whose final estimator has ``partial_fit`` and counts the rows it
        has seen (SGD, MLP, naive Bayes), at most :data:`ONE_PASS` × the
        training rows (a stream read once, not ``fit``'s epochs), and a metric
        of its run logged at ≥ :data:`CURVE_MIN_STEPS` distinct steps.
    evidence : str
        French list of the runs credited (estimator, rows seen, points of
        the learning curve) and of those refused, with why.

    Raises
    ------
    AnswerError
        If the store is not the team's or cannot be read.
    """
    truth = ctx.ground_truth
    rows_train = len(pd.read_csv(ctx.ground_truth_dir.parent / truth.tables[truth.main_table].file,
                                 usecols=[truth.key]))
    rows = [r for r in store_models(ctx, answer.tracking_uri) if r["fitted"] and r["family"] != "segmentation"]
    incremental, batch, refused = {}, [], []
    for row in rows:
        estimator = row["estimator"].rsplit(".", 1)[-1]
        name = f"run « {row['run_name']} » ({estimator})"
        seen = row["samples_seen"]
        if not row["partial_fit"]:
            batch.append(name)
            continue
        if seen is None:
            refused.append(f"{name} : nombre de lignes vues inconnu")
        elif seen > ONE_PASS * rows_train:
            refused.append(f"{name} : {seen:.0f} lignes vues pour {rows_train} lignes, plusieurs passes (fit)")
        elif not row["curves"]:
            refused.append(f"{name} : sans courbe d'apprentissage (aucune métrique à {CURVE_MIN_STEPS} étapes "
                           "ou plus)")
        else:
            metric, steps = max(row["curves"].items(), key=lambda kv: kv[1])
            incremental.setdefault(row["run_id"], f"{name} : {seen:.0f} lignes vues, courbe « {metric} » "
                                                  f"en {steps} points")
            continue
        batch.append(name)  # a partial_fit-capable model trained otherwise is still a batch fit
    points = min(1, len(batch)) + min(2, len(incremental))
    parts = ["par lot : " + (batch[0] if batch else "aucun modèle entraîné en une fois"),
             "incrémental (partial_fit, une passe) : " + ("; ".join(list(incremental.values())[:2])
                                                          if incremental else "aucun run")]
    if len(incremental) == 1:
        parts.append("un seul entraînement incrémental (mini-lots et en ligne attendus)")
    parts += [f"non retenu : {text}" for text in refused[:3]]
    return points / 3, " ; ".join(parts)


def _costs(truth) -> tuple[float, float]:
    """(cost of a missed positive, cost of a false alarm) in EUR; 1 and 1 when the case declares none."""
    costs = truth.target.costs
    if not costs:
        return 1.0, 1.0
    return float(costs["faux_negatif"]), float(costs["faux_positif"])


def threshold_costs(scores, labels, thresholds, c_fn: float, c_fp: float, weights=None):
    """Mean cost per individual of flagging ``score ≥ threshold``, for each threshold (and each weighting).

    Parameters
    ----------
    scores : array-like of shape (n_samples,), float
        The model's positive-class scores.
    labels : array-like of shape (n_samples,), {0, 1}
    thresholds : array-like of shape (n_thresholds,), float
    c_fn, c_fp : float
        Cost of a missed positive and of a false alarm, EUR.
    weights : ndarray of shape (n_resamples, n_samples), optional
        Bootstrap counts of each row (default: one row of ones).

    Returns
    -------
    ndarray of shape (n_resamples, n_thresholds)
        Mean cost in EUR per individual.
    """
    import numpy as np

    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    thresholds = np.asarray(thresholds, dtype=float)
    if weights is None:
        weights = np.ones((1, len(scores)))
    # Sorted by score, a threshold flags the rows from its insertion point on: cumulative sums of the
    # positives' and negatives' weights give every threshold's errors at once.
    order = np.argsort(scores, kind="stable")
    cut = np.searchsorted(scores[order], thresholds, side="left")                 # rows below each threshold
    w = np.asarray(weights, dtype=float)[:, order]
    positive = labels[order] == 1
    zero = np.zeros((w.shape[0], 1))
    missed = np.hstack([zero, np.cumsum(w * positive, axis=1)])[:, cut]           # positives below
    negatives = np.hstack([zero, np.cumsum(w * ~positive, axis=1)])
    alarms = negatives[:, -1:] - negatives[:, cut]                                 # negatives at or above
    return (c_fn * missed + c_fp * alarms) / w.sum(axis=1, keepdims=True)


def threshold_score(scores, labels, threshold: float, c_fn: float, c_fp: float):
    """Score a decision threshold by its expected cost against the best threshold of the same scores.

    Parameters
    ----------
    scores : array-like of shape (n_samples,), float
        The model's positive-class scores on the holdout.
    labels : array-like of shape (n_samples,), {0, 1}
        The holdout's labels.
    threshold : float
        Flag a row when its score ≥ ``threshold``.
    c_fn, c_fp : float
        Cost of a missed positive and of a false alarm, EUR.

    Returns
    -------
    fraction : float in [0, 1]
        1 if the excess cost over the best threshold is at most ``tol``;
        then linear down to 0 at the cost of the better trivial policy
        (flag everyone or no one).
    cost : float
        Mean cost per individual of ``threshold``, EUR.
    best_cost, best_threshold : float
        The lowest mean cost over every threshold and the threshold reaching
        it (``inf``: flag no one).
    trivial : float
        Mean cost of the better trivial policy, EUR.
    tol : float
        ``COST_Z`` × the 99th percentile, over :data:`COST_BOOTSTRAP`
        bootstrap resamples of the rows (seeded), of the excess cost of the
        holdout's best threshold over each resample's best: the optimism of
        a best threshold chosen on noisy rows, so that the truly optimal
        threshold is not refused by chance (checked by simulation in
        ``tests/test_a2_models.py``).
    """
    import numpy as np

    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    grid = np.unique(scores)
    if len(grid) > COST_GRID:  # large holdouts: quantiles of the scores (a coarser grid only favours the team)
        grid = np.unique(np.quantile(scores, np.linspace(0.0, 1.0, COST_GRID + 1), method="inverted_cdf"))
    grid = np.append(grid, np.inf)
    costs = threshold_costs(scores, labels, grid, c_fn, c_fp)[0]
    best = int(np.argmin(costs))
    cost = float(threshold_costs(scores, labels, [threshold], c_fn, c_fp)[0, 0])
    trivial = min(float(costs[0]), float(costs[-1]))  # flag everyone (lowest score) or no one (+inf)
    # The holdout's best threshold is chosen on the holdout itself, so its cost is optimistic: the tolerance is
    # the bootstrap distribution of that optimism (how much the best threshold of the resampled world, grid[best],
    # costs more than the best threshold of each resample), its 99th percentile.
    rng = np.random.default_rng(COST_SEED)
    optimism, n = [], len(scores)
    for _ in range(COST_BOOTSTRAP // 100):
        draws = rng.integers(0, n, size=(100, n)) + n * np.arange(100)[:, None]      # rows drawn, per resample
        weights = np.bincount(draws.ravel(), minlength=100 * n).reshape(100, n)
        resampled = threshold_costs(scores, labels, grid, c_fn, c_fp, weights=weights)  # (100, thresholds)
        optimism.append(resampled[:, best] - resampled.min(axis=1))
    tol = COST_Z * float(np.quantile(np.concatenate(optimism), 0.99))
    excess = cost - float(costs[best])
    room = trivial - float(costs[best])
    if excess <= tol:
        fraction = 1.0
    elif room > tol:
        fraction = max(0.0, 1.0 - (excess - tol) / (room - tol))
    else:
        fraction = 0.0
    return fraction, cost, float(costs[best]), float(grid[best]), trivial, tol


@check("A2C8.decision_threshold", assignment="a2_conception", max_score=2, schema=TypeAdapter(float),
       label="Procédure de test : seuil de décision choisi selon les coûts métier",
       scoring="expected cost per individual on the hidden holdout of the team's model (A2C6.model) flagging "
               "score ≥ the recorded threshold, with the case's costs of a missed positive and of a false alarm: "
               "full points within the bootstrap's 99th percentile of the optimism of the holdout's best threshold "
               "for that model, "
               "linear down to 0 at the cost of the better trivial policy (flag everyone or no one)")
def decision_threshold(ctx: CheckContext, answer: float) -> tuple[float, str]:
    """Expected cost of the chosen threshold against the best reachable with the same model.

    Parameters
    ----------
    ctx : CheckContext
        The submission's context; the model is ``ctx.answers["A2C6.model"]``
        (scored on the holdout by :func:`model_audit`), the costs are the
        ground truth's ``target.costs``.
    answer : float
        The decision threshold, on the scale of the model's positive-class
        score (``predict_proba[:, 1]``).

    Returns
    -------
    fraction : float
        1 if the excess cost over the holdout's best threshold is within
        ``COST_Z`` × the bootstrap sd of that excess (paired resamples of the
        holdout, :data:`COST_BOOTSTRAP`, seeded); then linear down to 0 at
        the cost of the better trivial policy.
    evidence : str
        French sentence: threshold, its cost, the best cost and its
        threshold, the trivial policy's cost, the tolerance (EUR per individual).

    Raises
    ------
    AnswerError
        If the threshold is not finite, or the model cannot score the holdout.
    """
    import math

    import numpy as np

    if not math.isfinite(answer):
        raise AnswerError("le seuil doit être un nombre fini")
    audit = model_audit(ctx)
    if audit["load_error"] or audit["holdout"] is None:
        raise AnswerError("seuil non évaluable : le modèle noté (A2C6.model) ne score pas le jeu caché "
                          f"({audit['load_error'] or audit['holdout_error'] or audit['fit_error']})")
    scores = np.asarray(audit["holdout"], dtype=float)
    labels = pd.read_csv(ctx.ground_truth_dir / "holdout_labels.csv")[ctx.ground_truth.target.column].to_numpy()
    if len(scores) != len(labels) or not np.isfinite(scores).all():
        raise AnswerError(f"{len(scores)} scores (dont valeurs manquantes ?) pour {len(labels)} lignes")
    c_fn, c_fp = _costs(ctx.ground_truth)
    fraction, team, best_cost, best_threshold, trivial, tol = threshold_score(scores, labels, answer, c_fn, c_fp)
    shown = "aucun" if not math.isfinite(best_threshold) else _fr(best_threshold)
    return fraction, (f"seuil {_fr(answer)} : coût attendu {_fr(team, 2)} € par individu sur le jeu caché "
                      f"(cas manqué {_fr(c_fn, 0)} €, fausse alerte {_fr(c_fp, 0)} €) ; "
                      f"meilleur seuil pour ce modèle {shown} → {_fr(best_cost, 2)} € ; "
                      f"politique triviale {_fr(trivial, 2)} € ; tolérance (bruit du jeu caché) {_fr(tol, 2)} €")


@check("A2C9.infrastructure", assignment="a2_conception", max_score=2, schema=TypeAdapter(Text),
       label="Maquette de l'infrastructure : description YAML valide (zones, services, stockages, mesures, liens)",
       scoring="the team's YAML description is read from its folder and validated by mspr.infra's pydantic schema "
               "(0 if invalid), then one fifth of the points per design rule held: unique ids, every service and "
               "store in a declared zone, links between declared nodes, every personal-data store protected by a "
               "declared measure and not exposed to the internet (and at least one declared), encrypted flows to "
               "personal data")
@untrusted_file
def infrastructure(ctx: CheckContext, answer: str) -> tuple[float, str]:
    """Validity of the team's infrastructure description (its design goes to the jury).

    Parameters
    ----------
    ctx : CheckContext
        The submission's context.
    answer : str
        Path of the YAML file, relative to the team's folder.

    Returns
    -------
    fraction : float
        0 if the file is missing or does not match :class:`mspr.infra.Infrastructure`;
        else the share of :data:`mspr.infra.RULES` with no violation.
    evidence : str
        French summary (counts of zones, services, stores, measures, links)
        and each violation.

    Raises
    ------
    AnswerError
        If the path leaves the team's folder or the file is unreadable.
    """
    from mspr.errors import MsprError
    from mspr.infra import RULES, load_infrastructure, rule_violations

    path = ctx.inside(answer)
    if not path.is_file():
        raise AnswerError(f"{answer} : fichier introuvable dans le dossier de l'équipe")
    try:
        infra = load_infrastructure(path)
    except MsprError as exc:
        return 0.0, f"description invalide : {exc.message[:400]}"
    violations = rule_violations(infra)
    if not any(s.donnees_personnelles for s in infra.stockages):
        violations["donnees_personnelles"].append("aucun stockage déclaré avec des données personnelles, "
                                                  "alors que les données du cas en contiennent")
    held = [key for key, found in violations.items() if not found]
    summary = (f"{len(infra.zones)} zones, {len(infra.services)} services, {len(infra.stockages)} stockages, "
               f"{len(infra.mesures)} mesures, {len(infra.liens)} liens")
    broken = [v for key in RULES for v in violations[key]]
    if not broken:
        return 1.0, summary + " ; toutes les règles sont respectées"
    return len(held) / len(RULES), summary + " ; " + " ; ".join(broken[:6])
