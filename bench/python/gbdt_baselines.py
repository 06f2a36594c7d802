"""Python baselines for bench/gbdt: XGBoost (hist) and scikit-learn's HistGradientBoosting on the same data.

The script generates no data. The Node side writes each dataset as raw little-endian float64 files (row-major X,
NaN = missing; y as 0/1 for "binary") and sends one JSON document on stdin:
    {"nthread": 2, "seed": 0, "latencyCalls": 2000, "sklearnValidation": "last",
     "datasets": [{"name": str, "task": "regression" | "binary", "cols": int,
                   "trainRows": int, "testRows": int,
                   "X_train": path, "y_train": path, "X_test": path, "y_test": path}]}
All keys but "datasets" are optional (defaults as shown). It writes one JSON document on stdout:
    {"versions": {...}, "nthread": int,
     "results": {name: {"task", "trainRows", "testRows", "cols", "validationRows",
                        "xgboost": method, "sklearn": method}}}
where method is
    {"trainSec": float, "roundsTrained": int, "roundsUsed": int,
     "test": {"rmse": float} | {"logloss": float, "auc": float},
     "predictRowsPerSec": float, "singleRowUs": float, "singleRowUsP90": float, "params": {...}}
or {"error": str} when that method failed (the others still run). Progress goes to stderr.
Run it as `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/python/gbdt_baselines.py`, so the
machine's OpenBLAS overrides do not reach numpy.

Protocol, the same for both libraries:
- Early stopping uses the LAST 10% of the training rows (ceil(0.1 n), in file order) as the evaluation set; the
  models train on the first 90%. The test set is only used for the reported metrics and timings.
- XGBoost: xgb.train with tree_method hist, max_depth 6, eta 0.1, up to 1000 rounds, early_stopping_rounds 50 on
  rmse / logloss, nthread from the request; other parameters at their defaults (max_bin 256, lambda 1,
  min_child_weight 1). trainSec includes building the two DMatrix objects. roundsTrained counts every tree grown
  (best + 50 when it stopped early), roundsUsed = best_iteration + 1; predictions use iteration_range (0, roundsUsed).
- scikit-learn: HistGradientBoostingRegressor / Classifier with max_depth 6, learning_rate 0.1, max_iter 1000,
  early_stopping=True, validation_fraction 0.1, n_iter_no_change 50, scoring "loss", and max_leaf_nodes=None so
  that, as with XGBoost, only the depth bounds a tree (the default 31-leaf cap would make sklearn's trees smaller);
  other parameters at their defaults (min_samples_leaf 20, l2_regularization 0, max_bins 255).
  scikit-learn 1.2 has no way to pass a validation set: with sklearnValidation "last" (the default) the script
  swaps the module-level train_test_split that fit() calls for an ordered split returning the same last ceil(0.1 n)
  rows, so both libraries stop on the same rows; "random" keeps scikit-learn's own stratified random 10%.
  Remaining differences: scikit-learn stops when none of the last 50 scores beats the score 51 iterations back
  (XGBoost: none beats the best so far) and keeps all n_iter_ iterations, including the non-improving tail, so
  roundsTrained = roundsUsed = n_iter_. trainSec is one fit() call (binning included).
- predictRowsPerSec: the whole test set in one call (XGBoost inplace_predict, sklearn predict / predict_proba),
  the median of 21 calls (one call is a few milliseconds: a single pause would decide a median of 3). singleRowUs: median (and 90th percentile) wall time in microseconds of latencyCalls calls
  on one (1, cols) row each, cycling through the test rows after 100 warm-up calls; XGBoost inplace_predict, sklearn
  predict (regression) or predict_proba (binary, so both return probabilities).
"""

import contextlib
import json
import math
import statistics
import sys
import time

import numpy as np
import sklearn
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.ensemble._hist_gradient_boosting import gradient_boosting as hgb_module
from sklearn.metrics import log_loss, roc_auc_score
from threadpoolctl import threadpool_limits

MAX_ROUNDS = 1000
PATIENCE = 50
VALIDATION_FRACTION = 0.1
WARMUP_CALLS = 100


def log(message):
    print(message, file=sys.stderr, flush=True)


def read_f64(path, rows, cols=None):
    """A raw little-endian float64 file as a (rows, cols) matrix or a (rows,) vector, its size checked."""
    data = np.fromfile(path, dtype="<f8")
    expected = rows * (cols or 1)
    if data.size != expected:
        raise ValueError(f"{path}: expected {expected} float64 values, found {data.size}")
    return data.reshape(rows, cols) if cols else data


def validation_rows(n):
    """The size scikit-learn's train_test_split gives a float test_size: ceil(fraction * n)."""
    return int(math.ceil(VALIDATION_FRACTION * n))


def ordered_split(*arrays, test_size, **_ignored):
    """train_test_split's signature and output order, but the test part is the last ceil(test_size * n) rows."""
    n = len(arrays[0])
    n_test = int(math.ceil(test_size * n))
    out = []
    for a in arrays:
        out.extend([a[: n - n_test], a[n - n_test :]])
    return out


@contextlib.contextmanager
def sklearn_validation_on_last_rows():
    original = hgb_module.train_test_split
    hgb_module.train_test_split = ordered_split
    try:
        yield
    finally:
        hgb_module.train_test_split = original


def test_metrics(task, y_test, predicted):
    if task == "regression":
        return {"rmse": float(np.sqrt(np.mean((predicted - y_test) ** 2)))}
    p = np.clip(predicted, 1e-15, 1 - 1e-15)
    return {"logloss": float(log_loss(y_test, p, labels=[0, 1])), "auc": float(roc_auc_score(y_test, p))}


BATCH_CALLS = 21


def batch_rate(predict, X):
    """Rows per second of predicting all of X at once: the median of BATCH_CALLS calls; also returns the predictions."""
    seconds = []
    for _ in range(BATCH_CALLS):
        start = time.perf_counter()
        predicted = predict(X)
        seconds.append(time.perf_counter() - start)
    return X.shape[0] / statistics.median(seconds), predicted


def single_row_latency(predict, X, calls):
    """Median and 90th percentile, in microseconds, of `calls` one-row predictions (after warm-up calls)."""
    rows = [X[i : i + 1] for i in range(min(X.shape[0], calls))]
    for i in range(WARMUP_CALLS):
        predict(rows[i % len(rows)])
    us = np.empty(calls)
    for i in range(calls):
        row = rows[i % len(rows)]
        start = time.perf_counter_ns()
        predict(row)
        us[i] = (time.perf_counter_ns() - start) / 1000
    return float(np.median(us)), float(np.percentile(us, 90))


def run_xgboost(task, X_fit, y_fit, X_val, y_val, X_test, y_test, nthread, seed, latency_calls):
    params = {
        "objective": "reg:squarederror" if task == "regression" else "binary:logistic",
        "eval_metric": "rmse" if task == "regression" else "logloss",
        "tree_method": "hist",
        "max_depth": 6,
        "eta": 0.1,
        "nthread": nthread,
        "seed": seed,
    }
    start = time.perf_counter()
    dfit = xgb.DMatrix(X_fit, y_fit, missing=np.nan, nthread=nthread)
    dval = xgb.DMatrix(X_val, y_val, missing=np.nan, nthread=nthread)
    booster = xgb.train(
        params,
        dfit,
        num_boost_round=MAX_ROUNDS,
        evals=[(dval, "validation")],
        early_stopping_rounds=PATIENCE,
        verbose_eval=False,
    )
    train_sec = time.perf_counter() - start
    used = booster.best_iteration + 1

    def predict(X):
        return booster.inplace_predict(X, iteration_range=(0, used), missing=np.nan)

    rate, predicted = batch_rate(predict, X_test)
    median_us, p90_us = single_row_latency(predict, X_test, latency_calls)
    return {
        "trainSec": train_sec,
        "roundsTrained": booster.num_boosted_rounds(),
        "roundsUsed": used,
        "test": test_metrics(task, y_test, predicted),
        "predictRowsPerSec": rate,
        "singleRowUs": median_us,
        "singleRowUsP90": p90_us,
        "params": {**params, "num_boost_round": MAX_ROUNDS, "early_stopping_rounds": PATIENCE},
    }


def run_sklearn(task, X_train, y_train, X_test, y_test, nthread, seed, latency_calls, validation):
    """Fits on all training rows; fit() itself holds out the validation 10% (see the module docstring)."""
    params = {
        "max_depth": 6,
        "learning_rate": 0.1,
        "max_iter": MAX_ROUNDS,
        "max_leaf_nodes": None,
        "early_stopping": True,
        "validation_fraction": VALIDATION_FRACTION,
        "n_iter_no_change": PATIENCE,
        "scoring": "loss",
        "random_state": seed,
    }
    model = (HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier)(**params)
    split = sklearn_validation_on_last_rows() if validation == "last" else contextlib.nullcontext()
    with threadpool_limits(limits=nthread, user_api="openmp"):
        start = time.perf_counter()
        with split:
            model.fit(X_train, y_train)
        train_sec = time.perf_counter() - start

        if task == "regression":
            predict = model.predict
        else:

            def predict(X):
                return model.predict_proba(X)[:, 1]

        rate, predicted = batch_rate(predict, X_test)
        median_us, p90_us = single_row_latency(predict, X_test, latency_calls)
    return {
        "trainSec": train_sec,
        "roundsTrained": int(model.n_iter_),
        "roundsUsed": int(model.n_iter_),
        "test": test_metrics(task, y_test, predicted),
        "predictRowsPerSec": rate,
        "singleRowUs": median_us,
        "singleRowUsP90": p90_us,
        "params": {**params, "validation": validation},
    }


def run_dataset(spec, nthread, seed, latency_calls, validation):
    task = spec["task"]
    if task not in ("regression", "binary"):
        raise ValueError(f"dataset {spec['name']}: task must be regression or binary, got {task!r}")
    cols = int(spec["cols"])
    n_train, n_test = int(spec["trainRows"]), int(spec["testRows"])
    X_train = read_f64(spec["X_train"], n_train, cols)
    y_train = read_f64(spec["y_train"], n_train)
    X_test = read_f64(spec["X_test"], n_test, cols)
    y_test = read_f64(spec["y_test"], n_test)
    if task == "binary":
        y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    n_val = validation_rows(n_train)
    out = {"task": task, "trainRows": n_train, "testRows": n_test, "cols": cols, "validationRows": n_val}
    runs = {
        "xgboost": lambda: run_xgboost(
            task,
            X_train[: n_train - n_val],
            y_train[: n_train - n_val],
            X_train[n_train - n_val :],
            y_train[n_train - n_val :],
            X_test,
            y_test,
            nthread,
            seed,
            latency_calls,
        ),
        "sklearn": lambda: run_sklearn(task, X_train, y_train, X_test, y_test, nthread, seed, latency_calls, validation),
    }
    for method, run in runs.items():
        log(f"{spec['name']}: {method} …")
        try:
            out[method] = run()
        except Exception as exc:  # noqa: BLE001 - reported per method in the benchmark's table
            out[method] = {"error": f"{type(exc).__name__}: {exc}"}
        log(f"{spec['name']}: {method} {json.dumps(out[method])}")
    return out


def main():
    request = json.load(sys.stdin)
    nthread = int(request.get("nthread", 2))
    seed = int(request.get("seed", 0))
    latency_calls = int(request.get("latencyCalls", 2000))
    validation = request.get("sklearnValidation", "last")
    if validation not in ("last", "random"):
        raise ValueError(f"sklearnValidation must be last or random, got {validation!r}")
    results = {}
    for spec in request["datasets"]:
        results[spec["name"]] = run_dataset(spec, nthread, seed, latency_calls, validation)
    json.dump(
        {
            "versions": {
                "python": sys.version.split()[0],
                "numpy": np.__version__,
                "xgboost": xgb.__version__,
                "sklearn": sklearn.__version__,
            },
            "nthread": nthread,
            "results": results,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
