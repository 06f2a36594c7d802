"""Writes the XGBoost reference fixtures for test/ml/gbdt/xgboost-json.test.ts.

Run from the repository root with Debian's Python (xgboost 1.7.4, numpy):
    /usr/bin/python3 bench/python/xgboost_fixtures.py            # writes test/fixtures/xgboost/
    /usr/bin/python3 bench/python/xgboost_fixtures.py OUT_DIR    # somewhere else

Every model is trained with fixed seeds, single-threaded, so a rerun with the same versions writes the same files.
For each case NAME two files are written:
    NAME.model.txt    the model, byte for byte what `booster.save_model("NAME.json")` writes (XGBoost's JSON; a
                      categorical split's threshold is the bare token NaN, which standard JSON parsers reject)
    NAME.cases.txt    JSON: {"xgboost": version, "objective": str, "booster": str, "rows": n, "cols": p,
                       "outputs": k, "X": [[float | null]] (null = missing), "margin": [float], "prediction": [float]}
                      margin = predict(output_margin=True), prediction = predict(); both row-major n × k.
The extension is .txt, not .json, because the repository's linter formats every .json file and cannot parse NaN.

Besides held-out rows, the inputs hold rows that sit on the root thresholds of the first trees: the float32
threshold itself (goes right), a float64 value a quarter float32-ulp below it (rounds to the threshold in float32,
so XGBoost still goes right) and the next float32 below (goes left). A reader that compares in float64 fails them.
"""

import json
import os
import sys

import numpy as np
import xgboost as xgb

OUT_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join("test", "fixtures", "xgboost")


def friedman1(rng, n, p=10, noise=1.0):
    """scikit-learn's make_friedman1: y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + noise."""
    X = rng.uniform(size=(n, p))
    y = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4]
    return X, y + noise * rng.normal(size=n)


def with_missing(rng, X, share):
    X = X.copy()
    X[rng.random(X.shape) < share] = np.nan
    return X


def root_threshold_rows(booster, base_rows, tree_count):
    """Rows placed on, just under and one float32 step under each of the first trees' root split thresholds."""
    gbm = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]
    trees = (gbm["gbtree"] if gbm["name"] == "dart" else gbm)["model"]["trees"]
    rows = []
    for k, tree in enumerate(trees[:tree_count]):
        if tree["left_children"][0] == -1 or tree["split_type"][0] != 0:
            continue
        feature = tree["split_indices"][0]
        threshold = np.float32(tree["split_conditions"][0])
        below = np.nextafter(threshold, np.float32(-np.inf))
        quarter_ulp_below = float(threshold) - (float(threshold) - float(below)) / 4
        assert np.float32(quarter_ulp_below) == threshold and quarter_ulp_below < float(threshold)
        for value in (float(threshold), quarter_ulp_below, float(below)):
            row = base_rows[k % len(base_rows)].copy()
            row[feature] = value
            rows.append(row)
    return np.array(rows)


def to_json_rows(X):
    return [[None if np.isnan(v) else float(v) for v in row] for row in X]


def write_case(name, booster, X_test):
    # save_raw("json") is the text save_model writes to a .json path (save_model picks the format by extension).
    with open(os.path.join(OUT_DIR, f"{name}.model.txt"), "wb") as f:
        f.write(booster.save_raw("json"))
    config = json.loads(booster.save_config())["learner"]
    dtest = xgb.DMatrix(X_test, missing=np.nan, feature_types=booster.feature_types)
    margin = booster.predict(dtest, output_margin=True)
    prediction = booster.predict(dtest)
    outputs = 1 if margin.ndim == 1 else margin.shape[1]
    case = {
        "xgboost": xgb.__version__,
        "objective": config["objective"]["name"],
        "booster": config["gradient_booster"]["name"],
        "rows": int(X_test.shape[0]),
        "cols": int(X_test.shape[1]),
        "outputs": outputs,
        "X": to_json_rows(X_test),
        # float32 values, written as the shortest float64 repr of each (exact).
        "margin": [float(v) for v in margin.reshape(-1)],
        "prediction": [float(v) for v in prediction.reshape(-1)],
    }
    with open(os.path.join(OUT_DIR, f"{name}.cases.txt"), "w") as f:
        json.dump(case, f, separators=(",", ":"))
        f.write("\n")


def train(params, X, y, rounds, feature_types=None):
    dtrain = xgb.DMatrix(
        X, y, missing=np.nan, feature_types=feature_types, enable_categorical=feature_types is not None
    )
    return xgb.train({"nthread": 1, "seed": 7, **params}, dtrain, rounds)


def held_out(X, y, n_train, edge_tree_count, booster_fn):
    """Trains on the first n_train rows; the rest, plus the threshold rows, are the test inputs."""
    booster = booster_fn(X[:n_train], y[:n_train])
    X_test = X[n_train:]
    edges = root_threshold_rows(booster, X_test, edge_tree_count)
    return booster, np.vstack([X_test, edges]) if len(edges) else X_test


def regression(rng):
    X, y = friedman1(rng, 1100)
    X = with_missing(rng, X, 0.05)
    booster, X_test = held_out(
        X,
        y,
        1000,
        8,
        lambda X, y: train({"objective": "reg:squarederror", "max_depth": 4, "eta": 0.1}, X, y, 30),
    )
    write_case("regression", booster, X_test)


def pseudohuber(rng):
    X, y = friedman1(rng, 900, p=6)
    y[::25] += 40  # outliers, the reason for the loss
    X = with_missing(rng, X, 0.05)
    booster, X_test = held_out(
        X,
        y,
        800,
        4,
        lambda X, y: train(
            {"objective": "reg:pseudohubererror", "max_depth": 3, "eta": 0.3, "base_score": 14.0}, X, y, 20
        ),
    )
    write_case("pseudohuber", booster, X_test)


def binary(rng):
    n, p = 1100, 8
    X = rng.normal(size=(n, p))
    logit = 1.5 * X[:, 0] - X[:, 1] + 0.8 * X[:, 2] * X[:, 3] - 0.7
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    X = with_missing(rng, X, 0.05)
    booster, X_test = held_out(
        X,
        y,
        1000,
        6,
        # A base_score other than 0.5 exercises the logit of it in the margin.
        lambda X, y: train(
            {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "base_score": float(np.mean(y))}, X, y, 25
        ),
    )
    write_case("binary", booster, X_test)


def multiclass(rng):
    n, p = 1100, 6
    centres = np.array([[0, 0, 0, 0, 0, 0], [1.5, -1, 0.5, 0, 0, 0], [-1, 1.5, 0, 0.5, 0, 0]])
    y = rng.integers(0, 3, n)
    X = centres[y] + rng.normal(size=(n, p))
    X = with_missing(rng, X, 0.05)
    booster, X_test = held_out(
        X,
        y.astype(float),
        1000,
        6,
        lambda X, y: train({"objective": "multi:softprob", "num_class": 3, "max_depth": 3, "eta": 0.3}, X, y, 15),
    )
    write_case("multiclass", booster, X_test)


def poisson(rng):
    n, p = 1100, 5
    X = rng.uniform(-1, 1, size=(n, p))
    y = rng.poisson(np.exp(0.5 + X[:, 0] - 0.5 * X[:, 1] ** 2)).astype(float)
    X = with_missing(rng, X, 0.05)
    booster, X_test = held_out(
        X,
        y,
        1000,
        4,
        # base_score is on the response scale: the margin starts at log(mean count).
        lambda X, y: train(
            {"objective": "count:poisson", "max_depth": 3, "eta": 0.3, "base_score": float(np.mean(y))}, X, y, 20
        ),
    )
    write_case("poisson", booster, X_test)


def categorical(rng):
    """Feature 0 is a category code 0..7 (partition splits: max_cat_to_onehot=1), feature 1 numeric."""
    n = 1000
    codes = rng.integers(0, 8, n).astype(float)
    effect = np.array([3.0, -1.0, 2.0, 0.0, -2.5, 1.0, 4.0, -0.5])
    x1 = rng.normal(size=n)
    y = effect[codes.astype(int)] + x1 + 0.3 * rng.normal(size=n)
    X = np.column_stack([codes, x1])
    X[rng.random(n) < 0.05, 0] = np.nan
    booster = train(
        {"objective": "reg:squarederror", "tree_method": "hist", "max_cat_to_onehot": 1, "max_depth": 3, "eta": 0.3},
        X,
        y,
        12,
        feature_types=["c", "q"],
    )
    X_test = np.column_stack([np.arange(-1, 11, dtype=float).repeat(3), np.tile([-1.0, 0.2, 1.5], 12)])
    X_test = np.vstack([X_test, [[np.nan, 0.0], [2.7, 0.0], [5.0, np.nan]]])
    write_case("categorical", booster, X_test)


def dart(rng):
    X, y = friedman1(rng, 700, p=6)
    X = with_missing(rng, X, 0.05)
    booster, X_test = held_out(
        X,
        y,
        600,
        0,
        lambda X, y: train(
            {"booster": "dart", "objective": "reg:squarederror", "max_depth": 3, "eta": 0.3, "rate_drop": 0.3},
            X,
            y,
            12,
        ),
    )
    write_case("dart", booster, X_test)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for seed, make in enumerate((regression, pseudohuber, binary, multiclass, poisson, categorical, dart)):
        make(np.random.default_rng(1000 + seed))
    for name in sorted(os.listdir(OUT_DIR)):
        print(f"{name}\t{os.path.getsize(os.path.join(OUT_DIR, name))} bytes")


if __name__ == "__main__":
    main()
