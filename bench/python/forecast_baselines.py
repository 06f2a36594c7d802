"""Python baselines for bench/quality-forecast.mjs: scikit-learn's GP and statsmodels' ETS on rolling origins.

Reads one JSON document on stdin:
    {"level": 0.95, "seed": 42,
     "series": [{"name": str, "values": [float], "season": int, "origins": [int], "horizon": int}]}
and writes one on stdout:
    {"versions": {...}, "timingsSec": {"gp": float, "ets": float},
     "results": {name: {"gp": [fold], "ets": [fold]}}}
where a fold is {"origin": int, "mean": [float], "lower": [float], "upper": [float], "note": str}
or {"origin": int, "error": str}. Each fold is fitted on values[:origin] only and forecasts values[origin:origin+horizon].
Warnings go to stderr; stdout carries only the JSON.

Baselines (as the issue specifies them):
- GP: GaussianProcessRegressor on the step index t = 0..n-1 after removing an OLS linear trend, kernel
  C*RBF + C*ExpSineSquared(periodicity = season, fixed) + White, normalize_y, 2 optimiser restarts. The
  predictive standard deviation includes the White noise, so mean +- z*std is a prediction interval.
- ETS: statsmodels ETSModel with a damped additive trend; ETS(A,Ad,A) and, for positive data, ETS(M,Ad,M), the one
  with the lower AIC kept. Intervals from get_prediction(...).summary_frame(alpha = 1 - level): exact for the
  additive model, simulated (seeded) for the multiplicative one.
"""

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
import sklearn
import statsmodels
from scipy.stats import norm
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, ExpSineSquared, WhiteKernel
from statsmodels.tsa.exponential_smoothing.ets import ETSModel


def gp_fold(y_train, season, horizon, level, seed):
    """Fits the GP on the detrended training values and forecasts the next `horizon` steps."""
    n = len(y_train)
    t = np.arange(n, dtype=float)
    slope, intercept = np.polyfit(t, y_train, 1)
    resid = y_train - (intercept + slope * t)
    kernel = (
        ConstantKernel(1.0) * RBF(length_scale=float(max(season, 2)))
        + ConstantKernel(1.0)
        * ExpSineSquared(length_scale=1.0, periodicity=float(season), periodicity_bounds="fixed")
        + WhiteKernel(noise_level=0.1)
    )
    gp = GaussianProcessRegressor(kernel=kernel, normalize_y=True, n_restarts_optimizer=2, random_state=seed)
    gp.fit(t.reshape(-1, 1), resid)
    t_new = np.arange(n, n + horizon, dtype=float)
    mean, std = gp.predict(t_new.reshape(-1, 1), return_std=True)
    mean = mean + intercept + slope * t_new
    z = norm.ppf(0.5 + level / 2)
    return {
        "mean": mean.tolist(),
        "lower": (mean - z * std).tolist(),
        "upper": (mean + z * std).tolist(),
        "note": str(gp.kernel_),
    }


def ets_fold(y_train, season, horizon, level, seed):
    """Fits ETS(A,Ad,A) and, for positive data, ETS(M,Ad,M); keeps the lower AIC and forecasts from it."""
    configs = [("add", "add")]
    if np.all(y_train > 0):
        configs.append(("mul", "mul"))
    best = None
    failures = []
    for error, seasonal in configs:
        try:
            # A pandas Series (RangeIndex): summary_frame needs an index to label the forecast rows.
            model = ETSModel(
                pd.Series(y_train),
                error=error,
                trend="add",
                damped_trend=True,
                seasonal=seasonal,
                seasonal_periods=season,
            )
            fit = model.fit(disp=False, maxiter=2000)
        except Exception as exc:  # noqa: BLE001 - a failed configuration is reported, the other may still fit
            failures.append(f"{error}/{seasonal}: {exc}")
            continue
        if np.isfinite(fit.aic) and (best is None or fit.aic < best[1].aic):
            best = ((error, seasonal), fit)
    if best is None:
        raise RuntimeError("no ETS configuration fitted: " + "; ".join(failures))
    (error, seasonal), fit = best
    n = len(y_train)
    pred = fit.get_prediction(start=n, end=n + horizon - 1, random_state=seed)
    frame = pred.summary_frame(alpha=1 - level)
    return {
        "mean": frame["mean"].to_numpy(dtype=float).tolist(),
        "lower": frame["pi_lower"].to_numpy(dtype=float).tolist(),
        "upper": frame["pi_upper"].to_numpy(dtype=float).tolist(),
        "note": f"ETS({error[0].upper()},Ad,{seasonal[0].upper()}) aic={fit.aic:.1f}",
    }


def run_method(fold_fn, series, level, seed):
    """One method over every fold of every series; a failing fold is recorded, not fatal."""
    out = {}
    for s in series:
        values = np.asarray(s["values"], dtype=float)
        folds = []
        for origin in s["origins"]:
            try:
                fold = fold_fn(values[:origin], s["season"], s["horizon"], level, seed)
                fold["origin"] = origin
            except Exception as exc:  # noqa: BLE001 - reported per fold in the benchmark's table
                fold = {"origin": origin, "error": f"{type(exc).__name__}: {exc}"}
            folds.append(fold)
        out[s["name"]] = folds
    return out


def main():
    request = json.load(sys.stdin)
    level = float(request.get("level", 0.95))
    seed = int(request.get("seed", 42))
    series = request["series"]
    results = {s["name"]: {} for s in series}
    timings = {}
    # Convergence and bound warnings are expected on short folds; they go to stderr, counted by the caller.
    warnings.simplefilter("default")
    for method, fold_fn in (("gp", gp_fold), ("ets", ets_fold)):
        start = time.perf_counter()
        by_series = run_method(fold_fn, series, level, seed)
        timings[method] = time.perf_counter() - start
        for name, folds in by_series.items():
            results[name][method] = folds
    json.dump(
        {
            "versions": {
                "python": sys.version.split()[0],
                "numpy": np.__version__,
                "sklearn": sklearn.__version__,
                "statsmodels": statsmodels.__version__,
            },
            "timingsSec": timings,
            "results": results,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
