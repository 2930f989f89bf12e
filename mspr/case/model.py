"""The reference model (the A3 model): train on the released adherents, save with MLflow.

The pipeline takes a raw DataFrame with the columns of ``adherents.csv`` minus
the target (any other column, e.g. the empty leaky column, is ignored) and
cleans what the released data need: mixed date formats (``AAAA-MM-JJ`` and
``JJ/MM/AAAA``), out-of-range values (set to missing, then imputed).

The derived features are computed by :func:`derive_features`, a module-level
function (not a lambda) so that the fitted pipeline pickles and loads in a
fresh process. MLflow is imported lazily: it is slow to import.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

__all__ = [
    "CATEGORICAL_COLUMNS",
    "DERIVED_FEATURES",
    "NUMERIC_INPUT_COLUMNS",
    "build_pipeline",
    "derive_features",
    "derived_feature_names",
    "model_signature",
    "parse_dates",
    "prepare_training_data",
    "save_model",
]

#: Raw columns of ``adherents.csv`` the numeric branch reads.
NUMERIC_INPUT_COLUMNS = [
    "date_naissance",
    "date_adhesion",
    "cotisation_mensuelle",
    "nb_beneficiaires",
    "nb_reclamations_12m",
    "montant_rembourse_12m",
    "satisfaction",
]
#: Raw categorical columns, one-hot encoded.
CATEGORICAL_COLUMNS = ["formule", "canal_acquisition"]
#: Numeric features produced by :func:`derive_features`.
DERIVED_FEATURES = [
    "age_annees",
    "anciennete_annees",
    "log_cotisation",
    "nb_beneficiaires",
    "nb_reclamations_12m",
    "montant_rembourse_12m",
    "satisfaction",
]
# Plausible ranges; anything outside is treated as missing.
_VALID = {
    "age_annees": (16.0, 110.0),
    "anciennete_annees": (0.0, 80.0),
    "nb_beneficiaires": (1.0, 15.0),
    "nb_reclamations_12m": (0.0, 100.0),
    "montant_rembourse_12m": (0.0, 1e6),
    "satisfaction": (1.0, 5.0),
}


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse dates written ``AAAA-MM-JJ`` or ``JJ/MM/AAAA`` (missing or invalid → ``NaT``).

    Parameters
    ----------
    values : pandas.Series
        Dates as strings, or datetimes (converted to ISO strings first; a time
        part is ignored).

    Returns
    -------
    pandas.Series of datetime64[ns]
        Same index as ``values``.
    """
    text = pd.Series(values, copy=False).astype("string").str.strip().str[:10]  # drops a time part
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    french = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(french)


def derive_features(frame: pd.DataFrame, reference_date: str) -> pd.DataFrame:
    """Compute the numeric features of the reference model from raw columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        Must contain :data:`NUMERIC_INPUT_COLUMNS`; ``cotisation_mensuelle``
        and ``montant_rembourse_12m`` in EUR, dates as ``AAAA-MM-JJ`` or
        ``JJ/MM/AAAA`` strings.
    reference_date : str
        ISO date at which ages and tenures are measured (the case's
        ``data.reference_date``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DERIVED_FEATURES` (float): age and ancienneté in years
        (365.25-day years), log of the monthly cotisation, and the raw counts,
        amount and satisfaction; out-of-range values are ``NaN``.
    """
    reference = pd.Timestamp(reference_date)
    numbers = {c: pd.to_numeric(frame[c], errors="coerce").astype(float) for c in NUMERIC_INPUT_COLUMNS[2:]}
    price = numbers["cotisation_mensuelle"]
    derived = pd.DataFrame(
        {
            "age_annees": (reference - parse_dates(frame["date_naissance"])).dt.days / 365.25,
            "anciennete_annees": (reference - parse_dates(frame["date_adhesion"])).dt.days / 365.25,
            "log_cotisation": np.log(price.where(price > 0)),
            "nb_beneficiaires": numbers["nb_beneficiaires"],
            "nb_reclamations_12m": numbers["nb_reclamations_12m"],
            "montant_rembourse_12m": numbers["montant_rembourse_12m"],
            "satisfaction": numbers["satisfaction"],
        },
        index=frame.index,
    ).astype(float)
    for column, (low, high) in _VALID.items():
        derived[column] = derived[column].where(derived[column].between(low, high))
    return derived[DERIVED_FEATURES]


def derived_feature_names(transformer: object, input_features: object) -> np.ndarray:
    """Feature names out of the :func:`derive_features` step (for ``get_feature_names_out``).

    Passed as ``feature_names_out`` to the ``FunctionTransformer`` built by
    :func:`build_pipeline`, which calls it with itself and its input names.
    The derived names depend on neither.

    Parameters
    ----------
    transformer : sklearn.preprocessing.FunctionTransformer
        The transformer asking for its output names (unused).
    input_features : array-like of str or None
        Names of the transformer's input columns, i.e.
        :data:`NUMERIC_INPUT_COLUMNS` (unused).

    Returns
    -------
    numpy.ndarray of shape (len(DERIVED_FEATURES),), dtype object
        :data:`DERIVED_FEATURES`, in the column order of
        :func:`derive_features`'s output.
    """
    return np.asarray(DERIVED_FEATURES, dtype=object)


def build_pipeline(reference_date: str, *, random_state: int = 0) -> Pipeline:
    """Return the unfitted reference pipeline.

    Parameters
    ----------
    reference_date : str
        ISO date used to compute ages and tenures.
    random_state : int, default=0
        Seed of the classifier.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``ColumnTransformer`` (numeric branch: :func:`derive_features`, median
        imputation, standardisation; categorical branch: one-hot of
        :data:`CATEGORICAL_COLUMNS`; other columns dropped) then
        ``LogisticRegression``.
    """
    numeric = Pipeline(
        [
            (
                "derive",
                FunctionTransformer(
                    derive_features,
                    kw_args={"reference_date": reference_date},
                    feature_names_out=derived_feature_names,
                ),
            ),
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]
    )
    categorical = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value="inconnu")),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    columns = ColumnTransformer(
        [("numeric", numeric, NUMERIC_INPUT_COLUMNS), ("categorical", categorical, CATEGORICAL_COLUMNS)],
        remainder="drop",
    )
    classifier = LogisticRegression(max_iter=2000, random_state=random_state)
    return Pipeline([("features", columns), ("classifier", classifier)])


def prepare_training_data(adherents: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    """Clean the released adherents for training: drop exact duplicates and unlabelled rows.

    Parameters
    ----------
    adherents : pandas.DataFrame
        ``adherents.csv`` as read by ``pandas.read_csv``.
    target : str
        Target column (0/1).

    Returns
    -------
    X : pandas.DataFrame
        All columns but the target.
    y : pandas.Series of int
        The target.
    """
    frame = adherents.drop_duplicates()
    frame = frame.drop_duplicates(subset="id_adherent") if "id_adherent" in frame else frame
    frame = frame[frame[target].notna()]
    return frame.drop(columns=[target]), frame[target].astype(int)


def model_signature() -> object:
    """Return the MLflow signature of the reference model.

    Returns
    -------
    mlflow.models.ModelSignature
        Inputs: the raw columns the model reads. Dates and numbers are typed
        ``any`` so that what ``pandas.read_csv`` yields is accepted either way
        (``int64`` for a complete integer column, ``float64`` once a value is
        missing, JSON ``null``); MLflow would otherwise refuse ``int64`` for a
        ``double`` and ``NaN`` for a ``long``. Output: 0/1 labels (``int64``).
    """
    from mlflow.models import ModelSignature
    from mlflow.types import DataType
    from mlflow.types.schema import AnyType, ColSpec, Schema, TensorSpec

    inputs = [ColSpec(AnyType(), column) for column in NUMERIC_INPUT_COLUMNS]
    inputs += [ColSpec(DataType.string, column) for column in CATEGORICAL_COLUMNS]
    return ModelSignature(Schema(inputs), Schema([TensorSpec(np.dtype("int64"), (-1,))]))


def save_model(pipeline: Pipeline, path: str | Path, example: pd.DataFrame) -> None:
    """Save a fitted pipeline as an MLflow model directory (sklearn flavour).

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The fitted reference pipeline.
    path : str or pathlib.Path
        Target directory; must not exist.
    example : pandas.DataFrame
        A few raw rows of ``adherents.csv`` (no target), for the input example.

    Notes
    -----
    Serialised with cloudpickle. This module is registered "by value" while
    saving, so :func:`derive_features` travels inside the pickle: ``mlflow
    models serve --env-manager local`` and ``mlflow.pyfunc.load_model`` work
    even where :mod:`mspr` is not importable (a candidate's environment, a
    scrubbed ``PYTHONPATH``). Requirements are pinned explicitly (no inference
    subprocess). The model directory is not byte-reproducible (MLflow stamps
    a UUID and a creation time).
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
            signature=model_signature(),
            input_example=example[NUMERIC_INPUT_COLUMNS + CATEGORICAL_COLUMNS].reset_index(drop=True),
            pip_requirements=requirements,
        )
    finally:
        cloudpickle.unregister_pickle_by_value(module)
        logger.setLevel(level)
