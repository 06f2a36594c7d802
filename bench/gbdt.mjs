// Gradient-boosted trees: Slipway's histogram GBDT against XGBoost (hist) and scikit-learn's HistGradientBoosting,
// on the same data and protocol, in one run. See bench/README.md ("gbdt").
//
//   npm run build && node bench/gbdt.mjs [--quick]
//
// (a) Friedman #1, 200,000 × 10 training rows (+ 50,000 test), noise 1; (b) a 20,000 × 50 binary problem (+ 5,000
// test). All methods: depth 6, learning rate 0.1, up to 1,000 rounds, early stopping after 50 rounds without
// improvement on the same last 10% of the training rows, 2 threads. `--quick` divides the row counts by 10.
// The script is a report: it exits 0 whether or not the targets are met, and 1 only when it cannot run.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchKit, median, PYTHON, ROOT, row } from "./common.mjs";

const { fail, run, ensureBuilt, ensurePython } = benchKit("gbdt");
const SEED = 42;
const THREADS = 2;
const LATENCY_CALLS = 2000;
/** Timed batch predictions per method (as the baselines' BATCH_CALLS): one takes milliseconds. */
const BATCH_CALLS = 21;
const BASELINES_PY = join(ROOT, "bench", "python", "gbdt_baselines.py");
const TARGETS = { metricRatio: 1.01, trainRatio: 1.5, singleRowUs: 20 };

const quick = process.argv.includes("--quick");
const scale = quick ? 10 : 1;

ensureBuilt();
ensurePython(["xgboost", "sklearn", "threadpoolctl"], ["python3-xgboost", "python3-sklearn"]);
const { trainGbdt } = await import(join(ROOT, "dist", "ml", "gbdt", "index.js"));
const { Rng } = await import(join(ROOT, "dist", "ml", "random.js"));
const { rmse, logLoss, rocAuc } = await import(join(ROOT, "dist", "ml", "metrics.js"));

/** Friedman #1 (Friedman 1991): y = 10 sin(π x₁x₂) + 20 (x₃ − ½)² + 10 x₄ + 5 x₅ + ε, x ~ U[0, 1]¹⁰, ε ~ N(0, 1). */
function friedman1(rows, rng) {
  const cols = 10;
  const X = new Float64Array(rows * cols);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) X[o + j] = rng.next();
    y[i] =
      10 * Math.sin(Math.PI * X[o] * X[o + 1]) +
      20 * (X[o + 2] - 0.5) ** 2 +
      10 * X[o + 3] +
      5 * X[o + 4] +
      rng.normal();
  }
  return { X, y, cols };
}

/**
 * A binary problem with 50 features: 10 informative ones enter a logit with interactions and a threshold effect,
 * 40 are noise; 5% of the labels are flipped.
 */
function binary(rows, rng) {
  const cols = 50;
  const X = new Float64Array(rows * cols);
  const y = new Float64Array(rows);
  const w = Float64Array.from({ length: 10 }, (_, j) => (j % 2 ? -1 : 1) * (0.4 + 0.1 * j));
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) X[o + j] = rng.normal();
    let z = 0;
    for (let j = 0; j < 10; j++) z += w[j] * X[o + j];
    z += 0.8 * X[o] * X[o + 1] + 1.2 * (X[o + 2] > 0.5 ? 1 : 0) - 0.6 * X[o + 3] ** 2;
    let label = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    if (rng.next() < 0.05) label = 1 - label;
    y[i] = label;
  }
  return { X, y, cols };
}

function splitRows(data, trainRows) {
  const { X, y, cols } = data;
  return {
    cols,
    train: { X: { rows: trainRows, cols, data: X.subarray(0, trainRows * cols) }, y: y.subarray(0, trainRows) },
    test: {
      X: { rows: y.length - trainRows, cols, data: X.subarray(trainRows * cols) },
      y: y.subarray(trainRows),
    },
  };
}

const DATASETS = [
  {
    name: "friedman1",
    task: "regression",
    cols: 10,
    trainRows: 200_000 / scale,
    testRows: 50_000 / scale,
    make: friedman1,
  },
  { name: "binary50", task: "binary", cols: 50, trainRows: 20_000 / scale, testRows: 5_000 / scale, make: binary },
];

function testMetric(task, yTrue, predicted) {
  if (task === "regression") return { rmse: rmse(yTrue, predicted) };
  const labels = Int32Array.from(yTrue);
  const probabilities = new Float64Array(predicted.length * 2);
  for (let i = 0; i < predicted.length; i++) {
    probabilities[2 * i] = 1 - predicted[i];
    probabilities[2 * i + 1] = predicted[i];
  }
  return { logloss: logLoss(labels, probabilities), auc: rocAuc(labels, predicted) };
}

/** Slipway's side of one dataset: train, score, batch and single-row prediction speed. */
function slipway(d, split) {
  const started = performance.now();
  const model = trainGbdt(
    split.train.X,
    split.train.y,
    {
      objective: d.task === "regression" ? "squared_error" : "logistic",
      learningRate: 0.1,
      maxDepth: 6,
      maxRounds: 1000,
      earlyStoppingRounds: 50,
      validationFraction: 0.1,
      seed: SEED,
    },
    { threads: THREADS },
  );
  const trainSec = (performance.now() - started) / 1000;
  const predicted = model.predict(split.test.X);
  const batch = [];
  const out = new Float64Array(split.test.X.rows);
  for (let k = 0; k < BATCH_CALLS; k++) {
    const t = performance.now();
    model.predict(split.test.X, out);
    batch.push((performance.now() - t) / 1000);
  }
  const one = new Float64Array(1);
  const times = [];
  const cols = split.cols;
  for (let k = 0; k < LATENCY_CALLS + 100; k++) {
    const i = k % split.test.X.rows;
    const x = split.test.X.data.subarray(i * cols, (i + 1) * cols);
    const t = performance.now();
    model.predictRowRaw(x, one);
    if (k >= 100) times.push((performance.now() - t) * 1000);
  }
  return {
    trainSec,
    roundsUsed: model.rounds,
    test: testMetric(d.task, split.test.y, predicted),
    predictRowsPerSec: split.test.X.rows / median(batch),
    singleRowUs: median(times),
  };
}

const dir = mkdtempSync(join(tmpdir(), "slipway-bench-gbdt-"));
try {
  const rng = new Rng(SEED);
  const request = { nthread: THREADS, seed: SEED, latencyCalls: LATENCY_CALLS, datasets: [] };
  const results = {};
  for (const d of DATASETS) {
    const data = d.make(d.trainRows + d.testRows, rng);
    const split = splitRows(data, d.trainRows);
    const files = {};
    for (const [key, values] of [
      ["X_train", split.train.X.data],
      ["y_train", split.train.y],
      ["X_test", split.test.X.data],
      ["y_test", split.test.y],
    ]) {
      files[key] = join(dir, `${d.name}.${key}.f64`);
      writeFileSync(files[key], Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    }
    request.datasets.push({
      name: d.name,
      task: d.task,
      cols: data.cols,
      trainRows: d.trainRows,
      testRows: d.testRows,
      ...files,
    });
    console.error(`gbdt: Slipway on ${d.name}`);
    results[d.name] = { slipway: slipway(d, split) };
  }
  console.error("gbdt: XGBoost and scikit-learn");
  const python = run([...PYTHON, BASELINES_PY], { input: JSON.stringify(request) });
  if (!python.ok) fail(`${BASELINES_PY} failed (exit ${python.status}):\n${python.stderr.slice(-4000)}`);
  const baselines = JSON.parse(python.stdout);
  report(results, baselines);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function report(results, baselines) {
  const lines = [
    "# Gradient-boosted trees: Slipway vs XGBoost hist and scikit-learn HistGradientBoosting",
    "",
    `Depth 6, learning rate 0.1, ≤ 1,000 rounds, early stopping after 50 on the last 10% of the training rows, ${THREADS} threads${quick ? "; --quick (rows ÷ 10)" : ""}. Node ${process.version}; ${Object.entries(
      baselines.versions ?? {},
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    "",
  ];
  const verdicts = [];
  for (const d of DATASETS) {
    const r = { ...results[d.name], ...(baselines.results?.[d.name] ?? {}) };
    const metricName = d.task === "regression" ? "rmse" : "logloss";
    lines.push(
      `## ${d.name} (${d.task}, ${d.trainRows.toLocaleString("en")} × ${d.cols} train, ${d.testRows.toLocaleString("en")} test)`,
      "",
    );
    lines.push(
      row([
        "method",
        "train s",
        "rounds",
        d.task === "regression" ? "test RMSE" : "test logloss",
        ...(d.task === "binary" ? ["AUC"] : []),
        "batch rows/s",
        "single row µs",
        "train ÷ XGBoost",
        "metric ÷ XGBoost",
      ]),
    );
    lines.push(row(Array(d.task === "binary" ? 9 : 8).fill("---")));
    const xgb = r.xgboost;
    for (const [key, label] of [
      ["slipway", "Slipway"],
      ["xgboost", "XGBoost hist"],
      ["sklearn", "sklearn HistGB"],
    ]) {
      const m = r[key];
      if (!m || m.error) {
        lines.push(row([label, `error: ${m?.error ?? "missing"}`]));
        continue;
      }
      lines.push(
        row([
          label,
          m.trainSec.toFixed(2),
          m.roundsUsed,
          m.test[metricName].toPrecision(5),
          ...(d.task === "binary" ? [m.test.auc.toFixed(4)] : []),
          Math.round(m.predictRowsPerSec).toLocaleString("en"),
          m.singleRowUs.toFixed(1),
          xgb && !xgb.error ? (m.trainSec / xgb.trainSec).toFixed(2) : "—",
          xgb && !xgb.error ? (m.test[metricName] / xgb.test[metricName]).toFixed(4) : "—",
        ]),
      );
    }
    lines.push("");
    const s = r.slipway;
    if (xgb && !xgb.error) {
      const check = (ok, text) => verdicts.push(`- ${ok ? "MET" : "MISSED"}: ${d.name} ${text}`);
      check(
        s.test[metricName] <= TARGETS.metricRatio * xgb.test[metricName],
        `test ${metricName} ${s.test[metricName].toPrecision(5)} ≤ 1.01 × XGBoost's ${xgb.test[metricName].toPrecision(5)}`,
      );
      check(
        s.trainSec <= TARGETS.trainRatio * xgb.trainSec,
        `train time ${s.trainSec.toFixed(2)} s ≤ 1.5 × XGBoost's ${xgb.trainSec.toFixed(2)} s (ratio ${(s.trainSec / xgb.trainSec).toFixed(2)}; goal 1.0)`,
      );
      check(
        s.predictRowsPerSec >= xgb.predictRowsPerSec,
        `batch predict ${Math.round(s.predictRowsPerSec).toLocaleString("en")} rows/s ≥ XGBoost's ${Math.round(xgb.predictRowsPerSec).toLocaleString("en")}`,
      );
      check(
        s.singleRowUs <= TARGETS.singleRowUs,
        `single-row predict ${s.singleRowUs.toFixed(1)} µs ≤ 20 µs (in-process)`,
      );
    }
  }
  lines.push("## Targets", "", ...verdicts, "");
  process.stdout.write(`${lines.join("\n")}\n`);
}
