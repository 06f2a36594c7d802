// LSTM forecaster: Slipway's neural core (src/ml/nn) against PyTorch CPU on the same sales data, features, windows
// and training protocol, in one run. See bench/README.md ("lstm").
//
//   npm run build && node bench/lstm.mjs [--quick]
//
// Task: seeded daily sales (100–500 units, weekly pattern, noise); features sales, lag_1, rolling_mean_7,
// MinMax-scaled on the training days; 14-day windows predict the next day's sales; LSTM(32) + Dense(1), batch 32,
// Adam 1e-3, MSE, no early stopping; the last 30 days of each series are the test set (RMSE in units). Settings:
// (a) one series of 730 days, 50 epochs × 5 seeds; (b) 10× the data, 20 series × 365 days = 7,300 days, 50 epochs
// × 3 seeds (5 seeds would add ~2 minutes of PyTorch to a run meant to stay under ~5). `--quick`: (a) 10 epochs × 2
// seeds, (b) 2 epochs × 1.
// The same generator writes the CSV PyTorch reads, so both train on identical numbers. PyTorch runs with 2 threads
// (torch.set_num_threads), Slipway on 1. The script is a report: it exits 0 whether or not the targets are met,
// and 1 only when it cannot run.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchKit, median, PYTHON, ROOT, row } from "./common.mjs";

const { fail, run, ensureBuilt, ensurePython } = benchKit("lstm");
const THREADS = 2;
const LOOKBACK = 14;
const TEST_DAYS = 30;
const UNITS = 32;
const BATCH = 32;
const LEARNING_RATE = 1e-3;
const BASELINE_PY = join(ROOT, "bench", "python", "lstm_baseline.py");
const TARGETS = { timeRatio: 1.0, timeGoal: 0.5, rmseRatio: 1.05 };

const quick = process.argv.includes("--quick");
const SETTINGS = [
  {
    name: "730 days",
    label: "730 days, 1 series",
    series: 1,
    days: 730,
    dataSeed: 42,
    epochs: quick ? 10 : 50,
    seeds: quick ? [0, 1] : [0, 1, 2, 3, 4],
  },
  {
    name: "7300 days",
    label: "7,300 days, 20 series × 365",
    series: 20,
    days: 365,
    dataSeed: 43,
    epochs: quick ? 2 : 50,
    seeds: quick ? [0] : [0, 1, 2],
  },
];

ensureBuilt();
ensurePython(["torch", "numpy"], ["python3-torch"]);
const { SequenceRegressor } = await import(join(ROOT, "dist", "ml", "nn", "index.js"));
const { Rng } = await import(join(ROOT, "dist", "ml", "random.js"));

/** Weekly shape (× the series' weekly amplitude), Monday first: a weekend peak. */
const WEEKLY = [-0.9, -0.5, -0.3, 0, 0.35, 1, 0.7];

/**
 * One series of daily unit sales: a level, a mild trend, the weekly shape, a yearly swing and Gaussian noise,
 * each series with its own draws; rounded to whole units and clamped to 100–500.
 */
function salesSeries(days, rng) {
  const level = rng.uniform(240, 320);
  const trendPerDay = rng.uniform(-0.03, 0.05);
  const weeklyAmp = rng.uniform(50, 90);
  const yearlyAmp = rng.uniform(10, 40);
  const phase = rng.int(7);
  const noiseSd = rng.uniform(15, 25);
  const sales = new Float64Array(days);
  for (let t = 0; t < days; t++) {
    const v =
      level +
      trendPerDay * t +
      weeklyAmp * WEEKLY[(t + phase) % 7] +
      yearlyAmp * Math.sin((2 * Math.PI * t) / 365.25) +
      noiseSd * rng.normal();
    sales[t] = Math.min(500, Math.max(100, Math.round(v)));
  }
  return sales;
}

/** Rows of (sales, lag_1, rolling_mean_7) per day, as lstm_baseline.py computes them (NaN where undefined). */
function features(sales) {
  const d = sales.length;
  const f = new Float64Array(d * 3).fill(Number.NaN);
  const c = new Float64Array(d + 1);
  for (let t = 0; t < d; t++) c[t + 1] = c[t] + sales[t];
  for (let t = 0; t < d; t++) {
    f[3 * t] = sales[t];
    if (t >= 1) f[3 * t + 1] = sales[t - 1];
    if (t >= 6) f[3 * t + 2] = (c[t + 1] - c[t - 6]) / 7;
  }
  return f;
}

/** Scaled training windows and targets, test windows and actual test sales (the protocol in lstm_baseline.py). */
function buildWindows(seriesList) {
  const feats = seriesList.map(features);
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const f of feats) {
    const d = f.length / 3;
    for (let t = 6; t < d - TEST_DAYS; t++) {
      for (let k = 0; k < 3; k++) {
        lo[k] = Math.min(lo[k], f[3 * t + k]);
        hi[k] = Math.max(hi[k], f[3 * t + k]);
      }
    }
  }
  const span = hi.map((h, k) => h - lo[k]);
  const first = 6 + LOOKBACK;
  const per = seriesList[0].length - first;
  const nTest = TEST_DAYS * seriesList.length;
  const nTrain = (per - TEST_DAYS) * seriesList.length;
  const w = LOOKBACK * 3;
  const train = { X: new Float64Array(nTrain * w), y: new Float64Array(nTrain), n: nTrain };
  const test = { X: new Float64Array(nTest * w), actual: new Float64Array(nTest), n: nTest };
  let i = 0;
  let j = 0;
  for (const f of feats) {
    const d = f.length / 3;
    for (let target = first; target < d; target++) {
      const isTrain = target < d - TEST_DAYS;
      const X = isTrain ? train.X : test.X;
      const o = (isTrain ? i : j) * w;
      for (let s = 0; s < LOOKBACK; s++) {
        for (let k = 0; k < 3; k++) X[o + 3 * s + k] = (f[3 * (target - LOOKBACK + s) + k] - lo[k]) / span[k];
      }
      if (isTrain) train.y[i++] = (f[3 * target] - lo[0]) / span[0];
      else test.actual[j++] = f[3 * target];
    }
  }
  let checksum = 0;
  for (const v of train.X) checksum += v;
  for (const v of train.y) checksum += v;
  return { train, test, salesLo: lo[0], salesSpan: span[0], checksum };
}

function slipwayRun(data, epochs, seed) {
  const model = SequenceRegressor.create({ inputSize: 3, layers: [UNITS], outputSize: 1, seed });
  const started = performance.now();
  model.fit(data.train.X, data.train.y, {
    epochs,
    batchSize: BATCH,
    learningRate: LEARNING_RATE,
    optimizer: "adam",
    loss: "mse",
  });
  const secPerEpoch = (performance.now() - started) / 1000 / epochs;
  const scaled = model.predict(data.test.X, data.test.n);
  let se = 0;
  for (let i = 0; i < data.test.n; i++) se += (scaled[i] * data.salesSpan + data.salesLo - data.test.actual[i]) ** 2;
  return { seed, secPerEpoch, rmse: Math.sqrt(se / data.test.n) };
}

const dir = mkdtempSync(join(tmpdir(), "slipway-bench-lstm-"));
try {
  const request = { threads: THREADS, settings: [] };
  const ours = {};
  for (const s of SETTINGS) {
    const rng = new Rng(s.dataSeed);
    const seriesList = Array.from({ length: s.series }, () => salesSeries(s.days, rng));
    const csv = ["series,day,sales"];
    seriesList.forEach((sales, id) => {
      sales.forEach((v, t) => {
        csv.push(`${id},${t},${v}`);
      });
    });
    const path = join(dir, `${s.name.replace(/\W+/g, "-")}.csv`);
    writeFileSync(path, `${csv.join("\n")}\n`);
    request.settings.push({
      name: s.name,
      csv: path,
      lookback: LOOKBACK,
      testDays: TEST_DAYS,
      units: UNITS,
      batchSize: BATCH,
      learningRate: LEARNING_RATE,
      epochs: s.epochs,
      seeds: s.seeds,
    });
    const data = buildWindows(seriesList);
    const runs = s.seeds.map((seed) => {
      const r = slipwayRun(data, s.epochs, seed);
      console.error(
        `lstm: Slipway ${s.name} seed ${seed}: ${r.secPerEpoch.toFixed(3)} s/epoch, RMSE ${r.rmse.toFixed(2)}`,
      );
      return r;
    });
    ours[s.name] = { data, runs };
  }
  console.error("lstm: PyTorch");
  const python = run([...PYTHON, BASELINE_PY], { input: JSON.stringify(request) });
  if (!python.ok) fail(`${BASELINE_PY} failed (exit ${python.status}):\n${python.stderr.slice(-4000)}`);
  process.stderr.write(python.stderr);
  report(ours, JSON.parse(python.stdout));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function report(ours, baseline) {
  const versions = Object.entries(baseline.versions ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const lines = [
    "# LSTM forecaster: Slipway (src/ml/nn) vs PyTorch CPU",
    "",
    `LSTM(${UNITS}) + Dense(1) on 14-day windows of (sales, lag_1, rolling_mean_7), MinMax-scaled on train; batch ${BATCH}, Adam ${LEARNING_RATE}, MSE; test = last ${TEST_DAYS} days of each series, RMSE in units. Slipway float64 on 1 thread; PyTorch float32 on ${baseline.threads} threads. Node ${process.version}; ${versions}${quick ? "; --quick" : ""}.`,
    "",
    row([
      "setting",
      "train / test windows",
      "epochs × seeds",
      "Slipway s/epoch",
      "PyTorch s/epoch",
      "time ratio",
      "Slipway median RMSE",
      "PyTorch median RMSE",
      "RMSE ratio",
    ]),
    row(Array(9).fill("---")),
  ];
  const verdicts = [];
  const details = [];
  for (const s of SETTINGS) {
    const mine = ours[s.name];
    const theirs = baseline.results?.[s.name];
    const sTime = median(mine.runs.map((r) => r.secPerEpoch));
    const sRmse = median(mine.runs.map((r) => r.rmse));
    if (!theirs) {
      lines.push(row([s.label, "PyTorch result missing"]));
      continue;
    }
    const tTime = median(theirs.runs.map((r) => r.secPerEpoch));
    const tRmse = median(theirs.runs.map((r) => r.rmse));
    lines.push(
      row([
        s.label,
        `${mine.data.train.n} / ${mine.data.test.n}`,
        `${s.epochs} × ${s.seeds.length}`,
        sTime.toFixed(3),
        tTime.toFixed(3),
        (sTime / tTime).toFixed(2),
        sRmse.toFixed(2),
        tRmse.toFixed(2),
        (sRmse / tRmse).toFixed(3),
      ]),
    );
    const same = theirs.trainWindows === mine.data.train.n && theirs.testWindows === mine.data.test.n;
    const checksumGap = Math.abs(theirs.checksum - mine.data.checksum) / Math.abs(mine.data.checksum);
    details.push(
      `- ${s.label}: RMSE per seed, Slipway ${mine.runs.map((r) => r.rmse.toFixed(2)).join(", ")}; PyTorch ${theirs.runs.map((r) => r.rmse.toFixed(2)).join(", ")}. Windows ${same ? "identical" : "DIFFER"} on both sides (training checksum relative gap ${checksumGap.toExponential(1)}).`,
    );
    const check = (ok, text) => verdicts.push(`- ${ok ? "MET" : "MISSED"}: ${s.label}: ${text}`);
    check(
      sTime <= TARGETS.timeRatio * tTime,
      `time per epoch ${sTime.toFixed(3)} s ≤ 1.0 × PyTorch's ${tTime.toFixed(3)} s (ratio ${(sTime / tTime).toFixed(2)}; goal 0.5: ${sTime <= TARGETS.timeGoal * tTime ? "met" : "not met"})`,
    );
    check(
      sRmse <= TARGETS.rmseRatio * tRmse,
      `median test RMSE ${sRmse.toFixed(2)} within 5% of PyTorch's ${tRmse.toFixed(2)} (ratio ${(sRmse / tRmse).toFixed(3)}; lower is better)`,
    );
  }
  lines.push("", ...details, "", "## Targets", "", ...verdicts, "");
  process.stdout.write(`${lines.join("\n")}\n`);
}
