"""PyTorch baseline for bench/lstm: the same sales data, features, windows, model and training protocol.

The Node side generates the sales and writes them as CSV (header `series,day,sales`, one row per series and day,
days 0 .. D-1 in order), then sends one JSON document on stdin:
    {"threads": 2,
     "settings": [{"name": str, "csv": path, "lookback": 14, "testDays": 30, "units": 32, "batchSize": 32,
                   "learningRate": 0.001, "epochs": int, "seeds": [int]}]}
and reads one JSON document from stdout:
    {"versions": {"torch": str, "numpy": str, "python": str}, "threads": int,
     "results": {name: {"trainWindows": int, "testWindows": int, "checksum": float,
                        "runs": [{"seed": int, "secPerEpoch": float, "rmse": float}]}}}
Progress goes to stderr. Run it as `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3
bench/python/lstm_baseline.py`.

Protocol (bench/lstm.mjs builds the same thing in TypeScript; `checksum`, the sum of every scaled training input
and target, lets it check both sides built identical windows):
- Features per series and day t: sales_t, lag_1 = sales_{t-1}, rolling_mean_7 = mean(sales_{t-6} .. sales_t);
  defined from t = 6.
- The window for target day d is the 14 feature rows d-14 .. d-1; the target is sales_d (one step ahead). Test
  targets are each series' last testDays days, training targets every earlier day with a full window (d >= 20).
- MinMax scaling per feature, fitted on the feature rows before each series' test period (t = 6 .. D-testDays-1,
  all series pooled); the target is scaled with the sales column's min and max and predictions are mapped back,
  so the RMSE is in units sold, over all test targets.
- Model: nn.LSTM(3, units, batch_first=True) -> last step's hidden state -> nn.Linear(units, 1), torch's default
  initialisation under torch.manual_seed(seed), float32 (torch's default dtype). MSELoss, Adam(lr) with torch's
  defaults, minibatches of batchSize from a fresh torch.randperm each epoch (last partial batch kept), `epochs`
  epochs, no early stopping. This indexes tensors directly instead of a DataLoader, the faster loop of the two,
  and flushes denormals to zero (torch.set_flush_denormal), which makes some seeds 2-3x faster and changes
  nothing else measured here.
- secPerEpoch: wall time of the whole training loop (all epochs, from the first randperm to the last step) divided
  by epochs; data preparation and model construction are excluded.
"""

import json
import platform
import sys
import time

import numpy as np
import torch


def log(message):
    print(message, file=sys.stderr, flush=True)


def read_sales(path):
    """{series: sales array by day} from the CSV."""
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    out = {}
    for sid in np.unique(data[:, 0]).astype(int):
        rows = data[data[:, 0] == sid]
        order = np.argsort(rows[:, 1])
        out[sid] = rows[order, 2].astype(np.float64)
    return out


def features(sales):
    """(D, 3) float64: sales, lag_1, rolling_mean_7 (NaN where undefined)."""
    d = len(sales)
    f = np.full((d, 3), np.nan)
    f[:, 0] = sales
    f[1:, 1] = sales[:-1]
    c = np.concatenate([[0.0], np.cumsum(sales)])
    f[6:, 2] = (c[7:] - c[:-7]) / 7.0
    return f


def build(series, lookback, test_days):
    feats = {sid: features(s) for sid, s in series.items()}
    train_rows = np.concatenate([f[6 : len(f) - test_days] for f in feats.values()])
    lo = train_rows.min(axis=0)
    hi = train_rows.max(axis=0)
    span = hi - lo
    Xtr, ytr, Xte, yte = [], [], [], []
    first = 6 + lookback
    for sid, f in feats.items():
        d = len(f)
        scaled = (f - lo) / span
        for target in range(first, d):
            window = scaled[target - lookback : target]
            y = scaled[target, 0]
            if target < d - test_days:
                Xtr.append(window)
                ytr.append(y)
            else:
                Xte.append(window)
                yte.append(f[target, 0])
    return (np.array(Xtr), np.array(ytr), np.array(Xte), np.array(yte), lo[0], span[0])


class Net(torch.nn.Module):
    def __init__(self, units):
        super().__init__()
        self.lstm = torch.nn.LSTM(3, units, batch_first=True)
        self.head = torch.nn.Linear(units, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])


def run(setting, Xtr, ytr, Xte, yte_actual, sales_lo, sales_span, seed):
    torch.manual_seed(seed)
    model = Net(setting["units"])
    optimizer = torch.optim.Adam(model.parameters(), lr=setting["learningRate"])
    loss_fn = torch.nn.MSELoss()
    X = torch.tensor(Xtr, dtype=torch.float32)
    y = torch.tensor(ytr, dtype=torch.float32).reshape(-1, 1)
    n = X.shape[0]
    batch = setting["batchSize"]
    epochs = setting["epochs"]
    model.train()
    started = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        for start in range(0, n, batch):
            idx = perm[start : start + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
    elapsed = time.perf_counter() - started
    model.eval()
    with torch.no_grad():
        scaled = model(torch.tensor(Xte, dtype=torch.float32)).double().numpy().reshape(-1)
    predicted = scaled * sales_span + sales_lo
    rmse = float(np.sqrt(np.mean((predicted - yte_actual) ** 2)))
    return {"seed": seed, "secPerEpoch": elapsed / epochs, "rmse": rmse}


def main():
    request = json.load(sys.stdin)
    threads = int(request.get("threads", 2))
    torch.set_num_threads(threads)
    # Flush float32 denormals to zero: without it, tiny values late in training slowed some seeds 2-3x here.
    torch.set_flush_denormal(True)
    results = {}
    for setting in request["settings"]:
        series = read_sales(setting["csv"])
        Xtr, ytr, Xte, yte, lo, span = build(series, setting["lookback"], setting["testDays"])
        out = {
            "trainWindows": int(len(ytr)),
            "testWindows": int(len(yte)),
            "checksum": float(Xtr.sum() + ytr.sum()),
            "runs": [],
        }
        for seed in setting["seeds"]:
            r = run(setting, Xtr, ytr, Xte, yte, lo, span, seed)
            log(f"lstm: PyTorch {setting['name']} seed {seed}: {r['secPerEpoch']:.3f} s/epoch, RMSE {r['rmse']:.2f}")
            out["runs"].append(r)
        results[setting["name"]] = out
    json.dump(
        {
            "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version()},
            "threads": torch.get_num_threads(),
            "results": results,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
