"""The reference model (the A3 model), built from the case's roles.

The pipeline takes the raw main table as read by ``pandas.read_csv`` (any
extra column, e.g. the empty leaking column or the identifiers, is dropped by
its ``ColumnTransformer``) and cleans what the released data need: numbers
written with a decimal comma, mixed date formats (``AAAA-MM-JJ`` and
``JJ/MM/AAAA``), values outside the plausible range (set to missing, then
imputed). Dates become years before the case's reference date.

:func:`derive_features` is a module-level function (not a lambda), and this
module is pickled by value, so the fitted pipeline loads in a fresh process
even where :mod:`mspr` is not importable. MLflow is imported lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

__all__ = [
    "FeatureSpec",
    "build_pipeline",
    "derive_features",
    "derived_feature_names",
    "model_signature",
    "parse_dates",
    "parse_numbers",
    "prepare_training_data",
    "save_model",
    "typed_example",
    "widen_integers",
]

YEAR_DAYS = 365.25


@dataclass(frozen=True)
class FeatureSpec:
    """Which raw columns the reference model reads, and how.

    Attributes
    ----------
    numeric : tuple of str
        Numeric columns, in their unit.
    dates : tuple of str
        Date columns, turned into years before ``reference_date``.
    categorical : tuple of str
        One-hot encoded columns.
    ranges : dict of str to tuple of (float, float)
        Plausible range of each numeric or date feature (dates: years before
        the reference date); values outside become missing.
    reference_date : str
        ISO date of the extraction.
    """

    numeric: tuple[str, ...]
    dates: tuple[str, ...]
    categorical: tuple[str, ...]
    ranges: dict[str, tuple[float, float]]
    reference_date: str

    @classmethod
    def from_truth(cls, truth) -> FeatureSpec:
        """Build it from a :class:`mspr.case.truth.GroundTruth`.

        Parameters
        ----------
        truth : GroundTruth

        Returns
        -------
        FeatureSpec
        """
        kinds = truth.feature_types
        return cls(
            numeric=tuple(c for c in truth.features if kinds[c] == "numerique"),
            dates=tuple(c for c in truth.features if kinds[c] == "date"),
            categorical=tuple(c for c in truth.features if kinds[c] == "categorielle"),
            ranges={c: tuple(r) for c, r in truth.plausible_ranges.items()},
            reference_date=truth.reference_date,
        )

    @property
    def raw_columns(self) -> list[str]:
        """Every raw column read, numeric and dates first."""
        return [*self.numeric, *self.dates, *self.categorical]


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse dates written ``AAAA-MM-JJ`` or ``JJ/MM/AAAA``.

    Parameters
    ----------
    values : pandas.Series
        Strings (missing values allowed).

    Returns
    -------
    pandas.Series of datetime64[ns]
        ``NaT`` where the value is missing or in neither format.
    """
    text = pd.Series(values).astype("string").str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    return iso.fillna(pd.to_datetime(text, format="%d/%m/%Y", errors="coerce"))


def parse_numbers(values: pd.Series) -> pd.Series:
    """Parse numbers written with a decimal point or a French decimal comma.

    Parameters
    ----------
    values : pandas.Series
        Numbers or strings such as ``"1 234,50"`` (spaces, NBSP or narrow
        NBSP as thousands separators).

    Returns
    -------
    pandas.Series of float64
        ``NaN`` where the value is missing or not a number.
    """
    series = pd.Series(values)
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    text = series.astype("string").str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".")
    return pd.to_numeric(text, errors="coerce").astype(float)


def derive_features(frame: pd.DataFrame, numeric: list[str], dates: list[str], ranges: dict,
                    reference_date: str) -> pd.DataFrame:
    """Numeric features of the reference model from raw columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        Holds the columns ``numeric`` (numbers or strings) and ``dates``.
    numeric, dates : list of str
        Column names.
    ranges : dict of str to tuple of (float, float)
        Plausible ranges; values outside become ``NaN``.
    reference_date : str
        ISO date; dates become years before it (365.25-day years).

    Returns
    -------
    pandas.DataFrame of float64
        Columns ``numeric`` then ``dates``.
    """
    reference = pd.Timestamp(reference_date)
    out = pd.DataFrame(index=frame.index)
    for column in numeric:
        out[column] = parse_numbers(frame[column])
    for column in dates:
        out[column] = (reference - parse_dates(frame[column])).dt.days / YEAR_DAYS
    for column, (low, high) in ranges.items():
        if column in out:
            out[column] = out[column].where(out[column].between(low, high))
    return out.astype(float)


def derived_feature_names(transformer: object, input_features: object) -> np.ndarray:
    """Output names of the :func:`derive_features` step (``get_feature_names_out``).

    Parameters
    ----------
    transformer : sklearn.preprocessing.FunctionTransformer
        The transformer; its ``kw_args`` hold ``numeric`` and ``dates``.
    input_features : array-like of str or None
        Unused.

    Returns
    -------
    numpy.ndarray of shape (n_features,), dtype object
    """
    return np.asarray([*transformer.kw_args["numeric"], *transformer.kw_args["dates"]], dtype=object)


def build_pipeline(features: FeatureSpec, *, random_state: int = 0) -> Pipeline:
    """Return the unfitted reference pipeline.

    Parameters
    ----------
    features : FeatureSpec
        The raw columns read.
    random_state : int, default=0
        Seed of the classifier.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``ColumnTransformer`` (numeric branch: :func:`derive_features`, median
        imputation, standardisation; categorical branch: one-hot; other
        columns dropped) then ``LogisticRegression``.
    """
    derive = FunctionTransformer(
        derive_features,
        kw_args={"numeric": list(features.numeric), "dates": list(features.dates),
                 "ranges": {k: list(v) for k, v in features.ranges.items()},
                 "reference_date": features.reference_date},
        feature_names_out=derived_feature_names,
    )
    numeric = Pipeline([("derive", derive), ("impute", SimpleImputer(strategy="median")),
                        ("scale", StandardScaler())])
    branches = [("numeric", numeric, [*features.numeric, *features.dates])]
    if features.categorical:
        categorical = Pipeline([
            ("impute", SimpleImputer(strategy="constant", fill_value="inconnu")),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ])
        branches.append(("categorical", categorical, list(features.categorical)))
    columns = ColumnTransformer(branches, remainder="drop")
    classifier = LogisticRegression(max_iter=2000, random_state=random_state)
    return Pipeline([("features", columns), ("classifier", classifier)])


def prepare_training_data(table: pd.DataFrame, *, key: str, target: str,
                          drop: list[str] = ()) -> tuple[pd.DataFrame, pd.Series]:
    """Clean the released main table for training: drop duplicates and unlabelled rows.

    Parameters
    ----------
    table : pandas.DataFrame
        The main table as read by ``pandas.read_csv``.
    key : str
        Primary key (one row kept per key).
    target : str
        Binary target column (0/1).
    drop : list of str, default=()
        Other target columns to remove from the features.

    Returns
    -------
    X : pandas.DataFrame
        All columns but the targets.
    y : pandas.Series of int
        The target.
    """
    frame = table.drop_duplicates(subset=key)
    frame = frame[frame[target].notna()]
    return frame.drop(columns=[target, *drop]), frame[target].astype(int)


def model_signature(features: FeatureSpec) -> object:
    """MLflow signature of the reference model, with concrete column types.

    Parameters
    ----------
    features : FeatureSpec

    Returns
    -------
    mlflow.models.ModelSignature
        Inputs: numeric features as ``double`` (whole numbers included: a
        column with a missing value is read as floats), dates and categories
        as ``string``; output: 0/1 labels (``long``). Concrete types let the
        served model read ``text/csv`` requests as well as JSON (the scoring
        server parses both with the schema's types). A direct
        ``pyfunc.predict`` on a DataFrame with ``int64`` columns needs them
        cast to float first (MLflow does not widen ``int64``).
    """
    from mlflow.models import ModelSignature
    from mlflow.types import DataType
    from mlflow.types.schema import ColSpec, Schema, TensorSpec

    inputs = [ColSpec(DataType.double, column, required=False) for column in features.numeric]
    inputs += [ColSpec(DataType.string, column, required=False) for column in [*features.dates,
                                                                                *features.categorical]]
    return ModelSignature(Schema(inputs), Schema([TensorSpec(np.dtype("int64"), (-1,))]))


def typed_example(frame: pd.DataFrame, features: FeatureSpec) -> pd.DataFrame:
    """Cast raw rows to the signature's types (numbers as float, the rest as str).

    Parameters
    ----------
    frame : pandas.DataFrame
        Raw rows holding :attr:`FeatureSpec.raw_columns`.
    features : FeatureSpec

    Returns
    -------
    pandas.DataFrame
        Only the raw feature columns, typed.
    """
    out = pd.DataFrame(index=frame.index)
    for column in features.numeric:
        out[column] = parse_numbers(frame[column])
    for column in [*features.dates, *features.categorical]:
        out[column] = frame[column].astype(object).where(frame[column].notna(), None).astype(object)
        out[column] = out[column].map(lambda v: None if v is None else str(v)).astype(object)
    return out.reset_index(drop=True)


def widen_integers(features, schema):
    """Cast whole-number columns to float where the model's signature declares ``double``.

    ``pandas.read_csv`` reads a complete integer column as ``int64``, which
    MLflow refuses to widen to ``double`` (it does when it parses a request
    itself, as the scoring server does): the same rows must get the same
    predictions either way.

    Parameters
    ----------
    features : pandas.DataFrame
        The rows to predict, as read from CSV.
    schema : mlflow.types.Schema or None
        The model's input schema.

    Returns
    -------
    pandas.DataFrame
        A copy, integer columns declared ``double`` cast to ``float64``.
    """
    from mlflow.types import DataType

    features = features.copy()
    if schema is None or not schema.has_input_names():
        return features
    for spec in schema.inputs:
        if spec.name in features and getattr(spec, "type", None) == DataType.double \
                and features[spec.name].dtype.kind in "iu":
            features[spec.name] = features[spec.name].astype("float64")
    return features


def save_model(pipeline: Pipeline, path: str | Path, example: pd.DataFrame, features: FeatureSpec) -> None:
    """Save a fitted pipeline as an MLflow model directory (sklearn flavour).

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The fitted reference pipeline.
    path : str or pathlib.Path
        Target directory; must not exist.
    example : pandas.DataFrame
        A few raw rows of the main table (no target), for the input example.
    features : FeatureSpec
        The raw columns read (for the signature).

    Notes
    -----
    Serialised with cloudpickle; this module is registered "by value" while
    saving, so :func:`derive_features` travels inside the pickle. The model
    directory is not byte-reproducible (MLflow stamps a UUID and a time).
    """
    import logging
    import sys

    import cloudpickle
    import mlflow.sklearn
    import sklearn

    requirements = [
        f"mlflow=={mlflow.__version__}",
        f"scikit-learn=={sklearn.__version__}",
        f"pandas=={pd.__version__}",
        f"numpy=={np.__version__}",
        f"cloudpickle=={cloudpickle.__version__}",
    ]
    module = sys.modules[__name__]
    logger = logging.getLogger("mlflow.sklearn")
    level = logger.level
    logger.setLevel(logging.ERROR)  # silence the generic "pickle is unsafe" warning
    cloudpickle.register_pickle_by_value(module)
    try:
        mlflow.sklearn.save_model(
            pipeline,
            str(path),
            serialization_format="cloudpickle",
            signature=model_signature(features),
            input_example=typed_example(example, features),
            pip_requirements=requirements,
        )
    finally:
        cloudpickle.unregister_pickle_by_value(module)
        logger.setLevel(level)
