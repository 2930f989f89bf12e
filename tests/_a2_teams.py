"""Two A2 solutions written independently of the reference pipeline (tests only).

Own parsing, own model families, own metric and run names, own folds: the
A2 grader must give them every point. Pickled by value when logged, so the
grader's worker loads them without importing this module.
"""

import re

import numpy as np
import pandas as pd

NUMBER = re.compile(r"[\s\u00a0\u202f]")


def to_float(frame):
    """Numbers with a decimal comma or spaces -> float; anything else -> NaN."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        text = frame[column].astype(str).map(lambda v: NUMBER.sub("", v).replace(",", "."))
        out[column] = pd.to_numeric(text, errors="coerce")
    return out.to_numpy(dtype=float)


def to_age_days(frame, today="2030-01-01"):
    """Dates (ISO or French order) -> days before a fixed day."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        text = frame[column].astype("string")
        dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").fillna(
            pd.to_datetime(text, format="%d/%m/%Y", errors="coerce"))
        out[column] = (pd.Timestamp(today) - dates).dt.days
    return out.to_numpy(dtype=float)


def lower_text(frame):
    """Categories lower-cased, accents kept; missing -> 'na'."""
    return frame.apply(lambda s: s.astype("string").str.strip().str.lower().fillna("na")).astype(object)


def names_out(transformer, names):
    return np.asarray(names, dtype=object)


def forest_team(numeric, dates, categorical):
    """Team A: a random forest on its own features."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder

    prep = ColumnTransformer([
        ("nombres", make_pipeline(FunctionTransformer(to_float, feature_names_out=names_out),
                                  SimpleImputer(strategy="mean")), list(numeric)),
        ("dates", make_pipeline(FunctionTransformer(to_age_days, feature_names_out=names_out),
                                SimpleImputer(strategy="mean")), list(dates)),
        ("modalites", make_pipeline(FunctionTransformer(lower_text, feature_names_out=names_out),
                                    OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)),
         list(categorical)),
    ])
    return make_pipeline(prep, RandomForestClassifier(n_estimators=60, min_samples_leaf=15, random_state=11,
                                                      n_jobs=1))


def boosting_team(numeric, dates, categorical):
    """Team B: gradient boosting with one-hot categories."""
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    prep = make_column_transformer(
        (FunctionTransformer(to_float, feature_names_out=names_out), list(numeric)),
        (FunctionTransformer(to_age_days, feature_names_out=names_out), list(dates)),
        (make_pipeline(FunctionTransformer(lower_text, feature_names_out=names_out),
                       OneHotEncoder(handle_unknown="ignore", sparse_output=False)), list(categorical)),
    )
    return make_pipeline(prep, HistGradientBoostingClassifier(max_iter=80, learning_rate=0.05, max_depth=3,
                                                              random_state=3))
