"""The ground truth of a case build: one typed contract, written once, read by every grader.

:func:`mspr.case.build_case` writes ``ground_truth/ground_truth.json`` from a
:class:`GroundTruth`; graders read it with :meth:`GroundTruth.load`. Nobody
reads the JSON as a string-keyed dict.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from mspr.errors import MsprError

__all__ = ["AgileTruth", "BatchTruth", "ColumnRef", "DefectTruth", "GroundTruth", "IndicatorMonthTruth", "MetricTruth",
           "PlanTruth", "ProductionTruth", "ProviderMonthTruth", "QualityTruth", "QualityVariantTruth", "Span", "SprintTruth", "TableTruth", "TargetTruth",
           "TaskTruth"]


class _Truth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnRef(_Truth):
    """A column of a table.

    Attributes
    ----------
    table, column : str
    """

    table: str
    column: str


class TableTruth(_Truth):
    """One released table.

    Attributes
    ----------
    file : str
        Path relative to the case build, e.g. ``data/clients.csv``.
    key : str
        Primary key column.
    columns : list of str
        Columns in file order.
    rows : int
        Rows released (defects included).
    parent : str or None
        Parent table (one-to-many), if any.
    foreign_keys : dict of str to str
        Column -> table whose primary key it holds.
    """

    file: str
    key: str
    columns: list[str]
    rows: int
    parent: str | None = None
    foreign_keys: dict[str, str] = {}


class Span(_Truth):
    """A personal datum written inside a free-text cell.

    Attributes
    ----------
    table, column : str
    id : str
        Primary key of the row.
    start, end : int
        Character offsets in the cell (Python string indices, end exclusive).
    entity : str
        Presidio entity type.
    """

    table: str
    column: str
    id: str
    start: int
    end: int
    entity: str


class DefectTruth(_Truth):
    """One injected defect.

    Attributes
    ----------
    table : str
    column : str or None
        ``None`` for duplicates.
    kind : {"duplicate", "missing", "out_of_range", "inconsistent_format"}
    ids : list of str
        Primary keys of the rows touched, sorted.
    """

    table: str
    column: str | None
    kind: str
    ids: list[str]


class TargetTruth(_Truth):
    """The target.

    Attributes
    ----------
    table, column : str
    positive_rate : float in [0, 1]
        Share of positives among the released rows.
    label : str
        What a positive means (French).
    regression_column : str or None
        The optional numeric target.
    costs : dict of str to float or None
        ``{"faux_negatif": EUR, "faux_positif": EUR}`` when the case declares them.
    """

    table: str
    column: str
    positive_rate: float
    label: str
    regression_column: str | None = None
    costs: dict[str, float] | None = None


class MetricTruth(_Truth):
    """The reachable performance on the holdout.

    Attributes
    ----------
    name : str
        ``"roc_auc"``.
    oracle : float
        Metric of the true probabilities (the best reachable).
    reference_model : float
        Metric of the reference model trained on the released data.
    pass_threshold : float
        Level a team's model must reach for full marks
        (:func:`mspr.case.thresholds.auc_thresholds`).
    zero_threshold : float, default=0.5
        Level at or below which a team's model gets no point (chance level).
    holdout_sd : float or None
        Bootstrap standard deviation of the reference model's holdout metric.
    """

    name: str
    oracle: float
    reference_model: float
    pass_threshold: float
    zero_threshold: float = 0.5
    holdout_sd: float | None = None


class TaskTruth(_Truth):
    """One task's schedule (days from the project start, day 0).

    Attributes
    ----------
    id : str
    duration_days, earliest_start, earliest_finish, latest_start, latest_finish, total_float : int
        Days.
    start_date, finish_date, latest_start_date, latest_finish_date : datetime.date or None
        On the working calendar, when the plan has a start date: first and
        last working day of the task at the earliest, then at the latest
        (:mod:`mspr.case.pilotage`).
    cost_eur : float or None
        Duration × the daily costs of its resources, EUR (None without
        resources).
    """

    id: str
    duration_days: int
    earliest_start: int
    earliest_finish: int
    latest_start: int
    latest_finish: int
    total_float: int
    start_date: dt.date | None = None
    finish_date: dt.date | None = None
    latest_start_date: dt.date | None = None
    latest_finish_date: dt.date | None = None
    cost_eur: float | None = None


class PlanTruth(_Truth):
    """The plan's schedule (PERT, critical path method).

    Attributes
    ----------
    duration_days : int
    tasks : list of TaskTruth
        In the plan's order.
    critical_tasks : list of str
        Tasks of zero total float.
    critical_paths : list of list of str
        Every critical path, start to end (ties allowed).
    start_date, end_date : datetime.date or None
        Day 0 and the last working day of the project on the calendar.
    holidays : dict of datetime.date to str
        Public holidays between them (French names).
    cost_by_resource : dict of str to float
        EUR, every resource of the plan.
    resource_labels : dict of str to str
        Resource key → its French name (a budget may use either).
    total_cost_eur : float or None
        Sum of the tasks' costs, EUR (None without resources).
    """

    duration_days: int
    tasks: list[TaskTruth]
    critical_tasks: list[str]
    critical_paths: list[list[str]]
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    holidays: dict[dt.date, str] = {}
    cost_by_resource: dict[str, float] = {}
    resource_labels: dict[str, str] = {}
    total_cost_eur: float | None = None

    @property
    def critical_path(self) -> list[str]:
        """The first critical path."""
        return self.critical_paths[0]


class IndicatorMonthTruth(_Truth):
    """One SLA indicator of one provider in one month.

    Attributes
    ----------
    value : float
        In the indicator's unit (as in ``journal_prestataires.csv``).
    attained : bool
        The SLA level is met.
    penalty_pct : float
        Penalty of the crossed tier, percent of the monthly fee.
    """

    value: float
    attained: bool
    penalty_pct: float


class ProviderMonthTruth(_Truth):
    """One provider's SLA attainment and penalty in one month (:mod:`mspr.case.pilotage`).

    Attributes
    ----------
    provider : str
        Provider id.
    name : str
        Provider name (a workbook may use either).
    month : str
        ``YYYY-MM``.
    indicators : dict of str to IndicatorMonthTruth
    penalty_pct : float
        Sum of the indicators' penalties, capped (percent of the fee).
    penalty_eur : float
        EUR, rounded to the cent.
    """

    provider: str
    name: str = ""
    month: str
    indicators: dict[str, IndicatorMonthTruth]
    penalty_pct: float
    penalty_eur: float


class SprintTruth(_Truth):
    """One sprint of the agile log (:func:`mspr.case.pilotage.agile_series`).

    Attributes
    ----------
    sprint : str
        Its name in ``sprints.csv`` (``Sprint 1``…).
    number : int
        1-based rank.
    start, end : datetime.date
        First and last working day.
    velocity_points : float
        Story points finished within the sprint.
    remaining_points : float
        Burndown value after the sprint: points created by its last day and
        not finished by then.
    """

    sprint: str
    number: int
    start: dt.date
    end: dt.date
    velocity_points: float
    remaining_points: float


class AgileTruth(_Truth):
    """Velocity and burndown of the generated sprint log (A4C3).

    Attributes
    ----------
    initial_points : float
        Points of the backlog before the first sprint.
    sprints : list of SprintTruth
        In order.
    mean_velocity : float
        Mean of the sprints' velocities, points per sprint.
    """

    initial_points: float
    sprints: list[SprintTruth]
    mean_velocity: float
class BatchTruth(_Truth):
    """One production batch written by the case build (A3C3, :mod:`mspr.case.production`).

    Attributes
    ----------
    file : str
        File name in ``data/lots_production/`` (``lot_<i>.csv``).
    kind : {"conforme", "derive_covariables", "derive_concept", "schema_casse"}
        Like the training data, covariate drift, concept drift, or broken
        schema.
    rows : int
        Number of rows.
    shifted_features : list of str, default=[]
        Feature whose distribution was moved on purpose (covariate drift;
        features correlated with it move too).
    missing_columns : list of str, default=[]
        Feature columns removed (broken schema).
    wrong_type_columns : list of str, default=[]
        Numeric features written as text (broken schema).
    """

    file: str
    kind: Literal["conforme", "derive_covariables", "derive_concept", "schema_casse"]
    rows: int
    shifted_features: list[str] = []
    missing_columns: list[str] = []
    wrong_type_columns: list[str] = []

    @property
    def drifted(self) -> bool:
        """Whether the feature distribution moved (covariate drift)."""
        return self.kind == "derive_covariables"

    @property
    def broken(self) -> bool:
        """Whether the batch breaks the model's input schema."""
        return self.kind == "schema_casse"


class ProductionTruth(_Truth):
    """The production context of the deployed model (A3C3).

    Attributes
    ----------
    service_levels : dict of str to float or list of int
        ``production.niveaux_de_service`` of the case (French keys: rates in
        requests per second, latencies in milliseconds, error budget in
        percent of requests, batch sizes in rows).
    batches : list of BatchTruth
        The production batches, in file name order.
    """

    service_levels: dict[str, float | list[int]]
    batches: list[BatchTruth]


class QualityVariantTruth(_Truth):
    """One held-back corrupted copy of the clean modelling table (A2C2, :func:`mspr.quality.corrupted_variants`).

    Attributes
    ----------
    kind : {"duplicate", "missing", "out_of_range", "inconsistent_format"}
        The defect kind it carries (a kind the case injects).
    column : str
        The column the defect is in (the key for duplicates): a suite must
        fail on it.
    file : str
        Path relative to the case build (``ground_truth/qualite/<kind>.csv``).
    """

    kind: str
    column: str
    file: str


class QualityTruth(_Truth):
    """What the A2C2 graders compare a team's data preparation and expectation suite with.

    Attributes
    ----------
    clean_main : str
        The released main table before any defect, one row per entity
        (``ground_truth/table_principale_propre.csv``), all columns, as
        released strings.
    clean_table : str
        The clean modelling table (``ground_truth/qualite/propre.csv``):
        the key, the features and the target columns of the clean main
        table; numbers as numbers, dates ``AAAA-MM-JJ``.
    columns : list of str
        Its columns.
    variants : list of QualityVariantTruth
        One per defect kind the case injects.
    """

    clean_main: str
    clean_table: str
    columns: list[str]
    variants: list[QualityVariantTruth]


class GroundTruth(_Truth):
    """Everything the graders know that the candidates must find.

    Attributes
    ----------
    case_id : str
    seed, rows : int
        Seed and rows of the main table before the holdout.
    reference_date : str
        ISO date of the extraction.
    main_table : str
        The table holding the target.
    tables : dict of str to TableTruth
        Released tables.
    features : list of str
        Explanatory columns of the main table (numeric, date or categorical).
    feature_types : dict of str to str
        Feature -> column type (``numerique``, ``date``, ``categorielle``).
    plausible_ranges : dict of str to tuple of (float, float)
        Feature -> plausible range (numeric: its unit; date: years before
        the reference date).
    technical_ids : dict of str to list of str
        Table -> identifier columns that are not personal data.
    pii : dict of str to dict of str to list of str
        Table -> personal column -> Presidio entity types found in it.
    gdpr_categories : dict of str to dict of str to str
        Table -> personal column -> GDPR category.
    pii_spans : list of Span
        Personal data inside free text.
    defects : list of DefectTruth
    leaky_column : ColumnRef or None
    leak_explanation : str or None
    target : TargetTruth
    reference_metric : MetricTruth
    plan : PlanTruth
    providers : list of ProviderMonthTruth
        Per provider and month, SLA attainment and penalties (empty when
        the case has no providers).
    agile : AgileTruth or None
        Velocity and burndown per sprint (None in a truth written before
        the agile log existed).
    production : ProductionTruth or None
        Service levels and production batches (None for a build made before
        they existed).
    quality : QualityTruth or None
        Clean main table, clean modelling table and its corrupted variants
        (None for a build made before they existed).
    """

    case_id: str
    seed: int
    rows: int
    reference_date: str
    main_table: str
    tables: dict[str, TableTruth]
    features: list[str]
    feature_types: dict[str, str]
    plausible_ranges: dict[str, tuple[float, float]]
    technical_ids: dict[str, list[str]]
    pii: dict[str, dict[str, list[str]]]
    gdpr_categories: dict[str, dict[str, str]]
    pii_spans: list[Span]
    defects: list[DefectTruth]
    leaky_column: ColumnRef | None
    leak_explanation: str | None = None
    target: TargetTruth
    reference_metric: MetricTruth
    plan: PlanTruth
    providers: list[ProviderMonthTruth] = []
    agile: AgileTruth | None = None
    production: ProductionTruth | None = None
    quality: QualityTruth | None = None

    @property
    def key(self) -> str:
        """Primary key of the main table."""
        return self.tables[self.main_table].key

    def write(self, path: Path) -> None:
        """Write the ground truth as indented, key-sorted UTF-8 JSON.

        Parameters
        ----------
        path : pathlib.Path
            Usually ``CaseLayout.ground_truth``.
        """
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        """Read a ground truth written by :meth:`write`.

        Parameters
        ----------
        path : str or pathlib.Path
            The ``ground_truth.json`` file.

        Returns
        -------
        GroundTruth

        Raises
        ------
        MsprError
            If the file is missing, damaged, or from an older version of the
            workbench (rebuild the case).
        """
        path = Path(path)
        try:
            return cls.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            raise MsprError("vérité terrain introuvable", path=path,
                            hint="construisez le cas (`mspr case build` ou `mspr release`)") from None
        except (OSError, ValidationError, ValueError) as error:
            raise MsprError(f"vérité terrain illisible ou d'une ancienne version ({str(error)[:200]})",
                            path=path, hint="reconstruisez le cas avec `mspr case build`") from None
