"""Python baselines for bench/quality-tabular: XGBoost, scikit-learn's HistGradientBoosting and a linear model, each
fitted on every cross-validation fold's training rows and predicting its held-out rows.

The script computes no folds and no scores. The Node side sends one JSON document on stdin:
    {"seed": 42, "nthread": 1,
     "datasets": [{"name": str, "task": "regression" | "binary" | "multiclass",
                   "classes": [str, ...],            # classification only; y holds indices into it
                   "columns": [{"name": str, "kind": "numeric" | "categorical",
                                "values": [number | str | null, ...]}],
                   "y": [number, ...], "folds": [int, ...]}]}
"folds" gives each row's fold (0 … k − 1). It writes one JSON document on stdout:
    {"versions": {...}, "timingsSec": {"xgboost": s, "hgb": s, "linear": s},
     "results": {name: {"xgboost": [fold, ...], "hgb": [...], "linear": [...]}}}
where fold k is {"fold": k, "seconds": float, "predictions": [...]} with one entry per held-out row (rows whose
fold is k, in row order): a number for regression, a list of class probabilities (in "classes" order) otherwise;
or {"fold": k, "error": str} when that fit failed (the other folds and methods still run). Progress and warnings
go to stderr. "nthread" caps XGBoost's n_jobs and scikit-learn's OpenMP threads (threadpoolctl); one thread by
default, since the results do not depend on it and the fits are so small that on a busy machine two-thread OpenMP
barriers wait far longer than the work takes. Run it as
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/python/tabular_baselines.py`, so the machine's
OpenBLAS overrides do not reach numpy. With `--export-digits PATH` it instead writes scikit-learn's bundled digits
(load_digits: 1797 8 × 8 images, pixels 0 … 16) as a CSV with the columns pixel_0_0 … pixel_7_7 and digit.

The methods, as each library is normally used out of the box:
- XGBoost: XGBRegressor / XGBClassifier with tree_method "hist" and its defaults (n_estimators 100, learning rate
  0.3, max_depth 6, lambda 1, min_child_weight 1, max_bin 256), no early stopping: scikit-learn's default below
  does not early-stop under 10,000 rows either, so both boosters run a fixed 100 rounds. Text columns are pandas
  categoricals with enable_categorical=True (XGBoost's native categorical splits; one-hot style below
  max_cat_to_onehot = 4 categories); a category the training rows lack, and a missing value, are NaN.
- HistGradientBoostingRegressor / Classifier with every default (max_iter 100, learning rate 0.1, 31 leaves,
  min_samples_leaf 20, early_stopping "auto", which is off below 10,000 rows); text columns as ordinal codes
  (categories sorted, from the training rows) declared in categorical_features, so the splits are native
  categorical ones; unseen and missing categories are NaN. Numeric NaN is learnt as its own direction by both
  boosters.
- Linear: numeric columns mean-imputed with a missing indicator (SimpleImputer add_indicator, only for columns
  with missing training values), text columns one-hot (unseen categories all zeros, a missing value its own
  category), then everything standardised; RidgeCV over alphas 10^-3 … 10^3 (13 values, efficient leave-one-out)
  for regression, LogisticRegression (lbfgs, C = 1, multinomial for several classes, max_iter 5000) for classes.
"""

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

RIDGE_ALPHAS = np.logspace(-3, 3, 13)
XGB_ROUNDS = 100
MISSING_CATEGORY = "<missing>"


def log(message):
    print(message, file=sys.stderr, flush=True)


def show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings on one stderr line each, so the Node side can count them."""
    log(f"Warning ({category.__name__}): {str(message).splitlines()[0]}")


warnings.showwarning = show_warning


class Dataset:
    """One data set's columns as numpy/pandas values, and the rows of each fold."""

    def __init__(self, spec):
        self.name = spec["name"]
        self.task = spec["task"]
        if self.task not in ("regression", "binary", "multiclass"):
            raise ValueError(f"{self.name}: task must be regression, binary or multiclass, got {self.task!r}")
        self.classes = spec.get("classes") or []
        self.columns = spec["columns"]
        self.y = np.asarray(spec["y"], dtype=float if self.task == "regression" else np.int64)
        self.folds = np.asarray(spec["folds"], dtype=np.int64)
        n = len(self.y)
        for c in self.columns:
            if len(c["values"]) != n:
                raise ValueError(f"{self.name}: column {c['name']} has {len(c['values'])} values, y has {n}")
            if c["kind"] not in ("numeric", "categorical"):
                raise ValueError(f"{self.name}: column {c['name']} kind must be numeric or categorical")
        self.numeric = {
            c["name"]: np.array([np.nan if v is None else float(v) for v in c["values"]])
            for c in self.columns
            if c["kind"] == "numeric"
        }
        self.text = {
            c["name"]: np.array([None if v is None else str(v) for v in c["values"]], dtype=object)
            for c in self.columns
            if c["kind"] == "categorical"
        }

    def fold_rows(self, k):
        return np.flatnonzero(self.folds != k), np.flatnonzero(self.folds == k)

    def categories(self, name, rows):
        """The sorted categories of a text column on the training rows."""
        return sorted({v for v in self.text[name][rows] if v is not None})

    def codes(self, train, rows):
        """Trees' input: numbers as they are, text as codes of the training rows' categories (else NaN)."""
        out = np.empty((len(rows), len(self.columns)))
        categorical = np.zeros(len(self.columns), dtype=bool)
        for j, c in enumerate(self.columns):
            name = c["name"]
            if c["kind"] == "numeric":
                out[:, j] = self.numeric[name][rows]
                continue
            categorical[j] = True
            index = {v: i for i, v in enumerate(self.categories(name, train))}
            out[:, j] = [index.get(v, np.nan) if v is not None else np.nan for v in self.text[name][rows]]
        return out, categorical

    def frame(self, train, rows):
        """XGBoost's input: a DataFrame with text columns as pandas categoricals of the training categories."""
        data = {}
        for c in self.columns:
            name = c["name"]
            if c["kind"] == "numeric":
                data[name] = self.numeric[name][rows]
            else:
                data[name] = pd.Categorical(self.text[name][rows], categories=self.categories(name, train))
        return pd.DataFrame(data)

    def linear_frame(self, rows):
        """The linear model's input: numbers with NaN, text with missing as its own category."""
        data = {}
        for c in self.columns:
            name = c["name"]
            if c["kind"] == "numeric":
                data[name] = self.numeric[name][rows]
            else:
                data[name] = [MISSING_CATEGORY if v is None else v for v in self.text[name][rows]]
        return pd.DataFrame(data)


def predictions(task, model, X):
    if task == "regression":
        return [float(v) for v in model.predict(X)]
    return model.predict_proba(X).tolist()


def run_xgboost(d, train, test, seed, nthread):
    common = {
        "n_estimators": XGB_ROUNDS,
        "tree_method": "hist",
        "enable_categorical": True,
        "random_state": seed,
        "n_jobs": nthread,
    }
    model = xgb.XGBRegressor(**common) if d.task == "regression" else xgb.XGBClassifier(**common)
    model.fit(d.frame(train, train), d.y[train])
    return predictions(d.task, model, d.frame(train, test))


def run_hgb(d, train, test, seed, nthread):
    X_train, categorical = d.codes(train, train)
    X_test, _ = d.codes(train, test)
    mask = categorical if categorical.any() else None
    cls = HistGradientBoostingRegressor if d.task == "regression" else HistGradientBoostingClassifier
    model = cls(categorical_features=mask, random_state=seed)
    with threadpool_limits(limits=nthread, user_api="openmp"):
        model.fit(X_train, d.y[train])
        return predictions(d.task, model, X_test)


def run_linear(d, train, test, _seed, _nthread):
    numeric = [c["name"] for c in d.columns if c["kind"] == "numeric"]
    text = [c["name"] for c in d.columns if c["kind"] == "categorical"]
    parts = []
    if numeric:
        parts.append(("numeric", SimpleImputer(strategy="mean", add_indicator=True), numeric))
    if text:
        parts.append(("text", OneHotEncoder(handle_unknown="ignore", sparse_output=False), text))
    encode = ColumnTransformer(parts)
    if d.task == "regression":
        estimator = RidgeCV(alphas=RIDGE_ALPHAS)
    else:
        estimator = LogisticRegression(C=1.0, max_iter=5000)
    model = make_pipeline(encode, StandardScaler(), estimator)
    model.fit(d.linear_frame(train), d.y[train])
    return predictions(d.task, model, d.linear_frame(test))


METHODS = {"xgboost": run_xgboost, "hgb": run_hgb, "linear": run_linear}


def export_digits(path):
    from sklearn.datasets import load_digits

    digits = load_digits()
    frame = pd.DataFrame(digits.data.astype(np.int64), columns=digits.feature_names)
    frame["digit"] = digits.target
    frame.to_csv(path, index=False)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--export-digits":
        export_digits(sys.argv[2])
        return
    request = json.load(sys.stdin)
    seed = int(request.get("seed", 42))
    nthread = int(request.get("nthread", 1))
    timings = {m: 0.0 for m in METHODS}
    results = {}
    for spec in request["datasets"]:
        d = Dataset(spec)
        fold_ids = sorted(set(d.folds.tolist()))
        out = {m: [] for m in METHODS}
        for method, fit in METHODS.items():
            started = time.perf_counter()
            for k in fold_ids:
                train, test = d.fold_rows(k)
                start = time.perf_counter()
                try:
                    predicted = fit(d, train, test, seed, nthread)
                    seconds = time.perf_counter() - start
                    out[method].append({"fold": k, "seconds": seconds, "predictions": predicted})
                except Exception as exc:  # noqa: BLE001 - reported per fold in the benchmark's tables
                    seconds = time.perf_counter() - start
                    out[method].append({"fold": k, "seconds": seconds, "error": f"{type(exc).__name__}: {exc}"})
                    log(f"{d.name}: {method} fold {k + 1} failed: {exc}")
                timings[method] += seconds
            log(f"{d.name}: {method} {time.perf_counter() - started:.1f} s")
        results[d.name] = out
    json.dump(
        {
            "versions": {
                "python": sys.version.split()[0],
                "numpy": np.__version__,
                "pandas": pd.__version__,
                "xgboost": xgb.__version__,
                "sklearn": sklearn.__version__,
            },
            "timingsSec": timings,
            "results": results,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
