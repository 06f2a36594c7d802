"""FastAPI + uvicorn baseline for bench/serve.mjs: the equivalent scikit-learn model behind one predict route.

    /usr/bin/python3 bench/python/serve_baseline.py DATA.csv TARGET linear|gbdt PORT WORKERS

Trains scikit-learn's Ridge (linear) or HistGradientBoostingRegressor (gbdt: depth 6, learning rate 0.1, as
Slipway's defaults) on DATA.csv, then serves POST /predict with Slipway's body ({"instances": [{...}]}) and answer
shape, under uvicorn with uvloop and httptools and WORKERS processes. Prints "ready" on stdout once listening.
"""
import csv
import os
import pickle
import sys
import tempfile


def train(path, target, family):
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import Ridge

    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    features = [c for c in rows[0].keys() if c != target]
    X = np.array([[float(r[c]) for c in features] for r in rows])
    y = np.array([float(r[target]) for r in rows])
    model = (
        Ridge(alpha=1.0)
        if family == "linear"
        else HistGradientBoostingRegressor(max_depth=6, learning_rate=0.1, random_state=42)
    )
    model.fit(X, y)
    return {"features": features, "model": model}


APP_SOURCE = '''
import os, pickle
import numpy as np
from fastapi import FastAPI, HTTPException, Request

with open(os.environ["SERVE_BASELINE_MODEL"], "rb") as f:
    bundle = pickle.load(f)
features, model = bundle["features"], bundle["model"]
app = FastAPI()

@app.post("/predict")
async def predict(request: Request):
    body = await request.json()
    instances = body.get("instances")
    if not isinstance(instances, list) or not instances:
        raise HTTPException(status_code=400, detail="instances must be a non-empty list")
    try:
        X = np.array([[float(r[c]) for c in features] for r in instances])
    except (KeyError, TypeError, ValueError) as e:
        raise HTTPException(status_code=400, detail=str(e))
    values = model.predict(X)
    return {"model": "bench", "version": 1, "predictions": [{"value": float(v)} for v in values]}
'''


def main():
    path, target, family, port, workers = sys.argv[1:6]
    bundle = train(path, target, family)
    folder = tempfile.mkdtemp(prefix="serve-baseline-")
    model_path = os.path.join(folder, "model.pkl")
    with open(model_path, "wb") as f:
        pickle.dump(bundle, f)
    with open(os.path.join(folder, "baseline_app.py"), "w") as f:
        f.write(APP_SOURCE)
    os.environ["SERVE_BASELINE_MODEL"] = model_path
    sys.path.insert(0, folder)
    import uvicorn

    print("ready", flush=True)
    uvicorn.run(
        "baseline_app:app",
        host="127.0.0.1",
        port=int(port),
        workers=int(workers),
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
