// Tabular quality on real data sets: Slipway's default (`--family auto`, no tuning flags) against XGBoost,
// scikit-learn's HistGradientBoosting and a linear model, on the same 5 cross-validation folds, in one run. See
// bench/README.md ("quality-tabular").
//
//   npm run build && node bench/quality-tabular.mjs [--sets mtcars,iris] [--no-families]
//
// Seven data sets come from R's datasets package (Debian's r-base-core), exported with Rscript; digits is
// scikit-learn's bundled copy. The baselines run in bench/python/tabular_baselines.py under Debian's
// /usr/bin/python3. `--no-families` skips the diagnostic rows (Slipway's gbdt and linear families forced by name).
// The script is a report: it exits 0 whether or not the targets are met, and 1 only when it cannot run.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchKit, PYTHON, ROOT, row } from "./common.mjs";

const { fail, run, ensureBuilt, aptInstall, ensurePython } = benchKit("quality-tabular");
const SEED = 42;
const FOLDS = 5;
/** Threads of each Python baseline: the fits are tiny, and one thread is immune to a busy second core. */
const THREADS = 1;
const LEVEL = 0.95;
/** What `slipway train` does without --test or --horizon: a seeded 20% of the rows score the candidates. */
const DEFAULT_PLAN = { kind: "split", share: 0.2 };
const TARGETS = { rmseRatio: 1.02, accuracyPoints: 1, loglossRatio: 1.05 };
const BASELINES_PY = join(ROOT, "bench", "python", "tabular_baselines.py");

/**
 * The data sets, their task and target (every other column is a feature). `r` is the R expression exported as the
 * CSV, with R's own column names; `note` says what was chosen and why, for the report.
 * @typedef {"regression" | "binary" | "multiclass"} Task
 * @typedef {{ name: string, task: Task, target: string, r?: string, source: string, note: string }} SetSpec
 * @type {SetSpec[]}
 */
const SETS = [
  {
    name: "mtcars",
    task: "regression",
    target: "mpg",
    r: "mtcars",
    source: "R datasets",
    note: "fuel economy from the 10 other measurements (car names dropped); 32 rows",
  },
  {
    name: "airquality",
    task: "regression",
    target: "Ozone",
    r: "airquality[!is.na(airquality$Ozone), ]",
    source: "R datasets",
    note: "rows without Ozone dropped; Solar.R's 5 missing values kept missing",
  },
  {
    name: "iris",
    task: "multiclass",
    target: "Species",
    r: "iris",
    source: "R datasets",
    note: "3 species from 4 measurements",
  },
  {
    name: "quakes",
    task: "regression",
    target: "mag",
    r: "quakes",
    source: "R datasets",
    note: "Richter magnitude from lat, long, depth and the number of stations reporting",
  },
  {
    name: "ToothGrowth",
    task: "regression",
    target: "len",
    r: "ToothGrowth",
    source: "R datasets",
    note: "tooth length from dose and supp (text: OJ, VC)",
  },
  {
    name: "esoph",
    task: "regression",
    target: "caseShare",
    r: "with(esoph, data.frame(agegp, alcgp, tobgp, caseShare = ncases / (ncases + ncontrols)))",
    source: "R datasets",
    note:
      "share of cases ncases / (ncases + ncontrols) per age × alcohol × tobacco group, what ?esoph's binomial " +
      "GLM models; the three ordered factors as text, the counts dropped (they define the target)",
  },
  {
    name: "infert",
    task: "binary",
    target: "case",
    r: 'infert[, c("education", "age", "parity", "induced", "spontaneous", "case")]',
    source: "R datasets",
    note: "case (1) or control (0) from education (text), age, parity, induced, spontaneous; the matched-set ids stratum and pooled.stratum dropped",
  },
  {
    name: "digits",
    task: "multiclass",
    target: "digit",
    source: "scikit-learn load_digits",
    note: "handwritten digits 0–9 from 64 pixel intensities (0–16)",
  },
];

/** The methods Slipway's target is measured against (the Python side's keys). */
const BASELINES = ["xgboost", "hgb", "linear"];
/** Report labels; the parenthesised rows are diagnostics (a family forced by name), never baselines. */
const LABELS = {
  slipway: "Slipway auto",
  xgboost: "XGBoost hist",
  hgb: "sklearn HistGB",
  linear: "sklearn linear",
  slipwayGbdt: "(Slipway --family gbdt)",
  slipwayLinear: "(Slipway --family linear)",
};

// ---------------------------------------------------------------------------------------------------------------
// Data: export, parse, folds.

/** Writes each R set as `<dir>/<name>.csv` (R's write.csv, missing values as empty cells). */
function exportR(/** @type {SetSpec[]} */ sets, /** @type {string} */ dir) {
  const code = sets
    .map(
      (s) =>
        `write.csv(${s.r}, file.path(${JSON.stringify(dir)}, ${JSON.stringify(`${s.name}.csv`)}), row.names = FALSE, na = "")`,
    )
    .join("\n");
  const result = run(["Rscript", "--vanilla", "-e", code], { capture: true });
  if (!result.ok) fail(`Rscript could not export the data sets:\n${result.stderr}`);
}

/**
 * Fold of each row: a seeded permutation dealt round-robin; for classes, each class's rows in permuted order are
 * dealt in turn (stratified), so every fold holds every class in about its overall share.
 * @param {number} n
 * @param {Int32Array | null} classOf
 * @param {any} Rng
 */
function assignFolds(n, classOf, Rng) {
  const perm = new Rng(SEED).permutation(n);
  const order = classOf ? Array.from(perm).sort((a, b) => classOf[a] - classOf[b]) : Array.from(perm);
  const folds = new Int32Array(n);
  order.forEach((row, i) => {
    folds[row] = i % FOLDS;
  });
  return folds;
}

// ---------------------------------------------------------------------------------------------------------------
// Slipway.

/**
 * One fold as `slipway train FOLD.csv --target T` sees it: the training rows' schema inferred, rows validated, the
 * task inferred, every other column a feature, seed 42, no params, the default 20% split plan; then the held-out
 * rows, read with that schema, predicted by the registered (refitted) model.
 * @param {any} lib the dist modules
 * @param {{ header: string[], records: any[] }} csv
 * @param {SetSpec} set
 * @param {Int32Array} folds
 * @param {number} k
 * @param {string} family "auto", or a family forced by name
 */
function slipwayFold(lib, csv, set, folds, k, family) {
  const trainRecords = csv.records.filter((_, i) => folds[i] !== k);
  const testRecords = csv.records.filter((_, i) => folds[i] === k);
  const started = performance.now();
  try {
    const schema = lib.data.inferSchema(csv.header, trainRecords, { target: set.target });
    const train = lib.data.validateRecords(schema, csv.header, trainRecords);
    const test = lib.data.validateRecords(schema, csv.header, testRecords);
    const rejected = train.rejected.length + test.rejected.length;
    if (rejected > 0) throw new Error(`${rejected} rows rejected: ${[...train.rejected, ...test.rejected][0].error}`);
    const task = lib.models.inferTask(train.frame, set.target);
    const features = schema.columns.filter((c) => c.name !== set.target);
    const spec = { task, target: set.target, features, params: {}, seed: SEED };
    const result = lib.models.trainModel(train.frame, spec, family, DEFAULT_PLAN);
    const records = lib.models.frameRecords(test.frame).map((r) => {
      const { [set.target]: _target, ...inputs } = r;
      return inputs;
    });
    const predicted = result.model.predict(records, LEVEL);
    const seconds = (performance.now() - started) / 1000;
    /** @type {Record<string, unknown>} */
    const described = result.model.describe();
    const metric = lib.models.primaryMetric(task);
    return {
      fold: k,
      seconds,
      task,
      family: result.family,
      rounds: result.family === "gbdt" ? described.rounds : undefined,
      inner: Object.fromEntries(result.candidates.map((c) => [c.family, c.metrics[metric] ?? Number.NaN])),
      predictions: predicted.map((p) =>
        set.task === "regression" ? p.value : set.classes.map((c) => p.probabilities[c] ?? 0),
      ),
    };
  } catch (error) {
    const code = /** @type {{ code?: string }} */ (error).code;
    return { fold: k, seconds: (performance.now() - started) / 1000, error: `${code ?? ""} ${error}`.trim() };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scores.

/**
 * Per-fold and mean scores of one method: RMSE for regression; accuracy (argmax, first on a tie) and log loss
 * (probabilities clipped to [1e-15, 1 − 1e-15]) for classes. A failed fold makes the means NaN.
 */
function score(lib, set, /** @type {any[]} */ folds) {
  const perFold = [];
  for (let k = 0; k < FOLDS; k++) {
    const f = folds.find((x) => x.fold === k);
    const rows = set.foldRows[k];
    if (!f || f.error || f.predictions.length !== rows.length) {
      perFold.push({ rmse: Number.NaN, accuracy: Number.NaN, logloss: Number.NaN });
      continue;
    }
    if (set.task === "regression") {
      const actual = Float64Array.from(rows, (i) => set.y[i]);
      perFold.push({ rmse: lib.metrics.rmse(actual, Float64Array.from(f.predictions)) });
      continue;
    }
    const K = set.classes.length;
    const labels = Int32Array.from(rows, (i) => set.y[i]);
    const proba = new Float64Array(rows.length * K);
    const predicted = new Int32Array(rows.length);
    f.predictions.forEach((/** @type {number[]} */ p, i) => {
      let best = 0;
      for (let c = 0; c < K; c++) {
        proba[i * K + c] = p[c];
        if (p[c] > p[best]) best = c;
      }
      predicted[i] = best;
    });
    perFold.push({ accuracy: lib.metrics.accuracy(labels, predicted), logloss: lib.metrics.logLoss(labels, proba) });
  }
  const mean = (/** @type {string} */ key) => perFold.reduce((s, f) => s + f[key], 0) / FOLDS;
  return set.task === "regression"
    ? { perFold, rmse: mean("rmse") }
    : { perFold, accuracy: mean("accuracy"), logloss: mean("logloss") };
}

/** The best baseline by each metric, and whether Slipway meets the target against them. */
function verdict(set, scores) {
  const finite = BASELINES.filter((m) => Number.isFinite(scores[m][set.task === "regression" ? "rmse" : "logloss"]));
  if (finite.length === 0) return { met: false, text: "no baseline completed" };
  const s = scores.slipway;
  if (set.task === "regression") {
    const best = finite.reduce((b, m) => (scores[m].rmse < scores[b].rmse ? m : b));
    const ratio = s.rmse / scores[best].rmse;
    return {
      met: ratio <= TARGETS.rmseRatio,
      best: { rmse: best },
      ratio,
      text: `RMSE ${fmt(s.rmse)} = ${fixed(ratio, 3)} × ${LABELS[best]}'s ${fmt(scores[best].rmse)} (target ≤ ${TARGETS.rmseRatio})`,
    };
  }
  const bestAcc = finite.reduce((b, m) => (scores[m].accuracy > scores[b].accuracy ? m : b));
  const bestLoss = finite.reduce((b, m) => (scores[m].logloss < scores[b].logloss ? m : b));
  const points = 100 * (s.accuracy - scores[bestAcc].accuracy);
  const ratio = s.logloss / scores[bestLoss].logloss;
  const accOk = points >= -TARGETS.accuracyPoints - 1e-9;
  const lossOk = ratio <= TARGETS.loglossRatio;
  return {
    met: accOk && lossOk,
    best: { accuracy: bestAcc, logloss: bestLoss },
    ratio,
    points,
    text:
      `accuracy ${pct(s.accuracy)}, ${signed(points)} points vs ${LABELS[bestAcc]}'s ${pct(scores[bestAcc].accuracy)} ` +
      `(target ≥ −${TARGETS.accuracyPoints}) ${accOk ? "ok" : "MISSED"}; log loss ${fmt(s.logloss)} = ` +
      `${fixed(ratio, 3)} × ${LABELS[bestLoss]}'s ${fmt(scores[bestLoss].logloss)} (target ≤ ${TARGETS.loglossRatio}) ` +
      `${lossOk ? "ok" : "MISSED"}`,
  };
}

const fmt = (/** @type {number} */ x) => (Number.isFinite(x) ? x.toPrecision(4) : "n/a");
const fixed = (/** @type {number} */ x, /** @type {number} */ d) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const pct = (/** @type {number} */ x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a");
const signed = (/** @type {number} */ x) =>
  Number.isFinite(x) ? `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)}` : "n/a";
const cell = (/** @type {string} */ text) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

// ---------------------------------------------------------------------------------------------------------------
// Main.

async function main() {
  const argv = process.argv.slice(2);
  const only = argv.includes("--sets") ? new Set(argv[argv.indexOf("--sets") + 1]?.split(",") ?? []) : null;
  const withFamilies = !argv.includes("--no-families");
  const chosen = SETS.filter((s) => !only || only.has(s.name));
  if (chosen.length === 0) fail(`no data set selected; known: ${SETS.map((s) => s.name).join(", ")}`);

  ensureBuilt();
  if (!run(["Rscript", "--version"], { capture: true }).ok) aptInstall(["r-base-core"]);
  ensurePython(["xgboost", "sklearn", "pandas"], ["python3-xgboost", "python3-sklearn", "python3-pandas"]);
  const dist = (/** @type {string} */ path) => import(new URL(`../dist/${path}`, import.meta.url).href);
  const lib = {
    data: await dist("data/index.js"),
    models: await dist("models/index.js"),
    metrics: await dist("ml/metrics.js"),
    labels: await dist("models/labels.js"),
    random: await dist("ml/random.js"),
  };

  const dir = mkdtempSync(join(tmpdir(), "slipway-bench-tabular-"));
  const sets = [];
  try {
    const fromR = chosen.filter((s) => s.r);
    if (fromR.length > 0) exportR(fromR, dir);
    if (chosen.some((s) => s.name === "digits")) {
      const digits = run([...PYTHON, BASELINES_PY, "--export-digits", join(dir, "digits.csv")], { capture: true });
      if (!digits.ok) fail(`could not export scikit-learn's digits:\n${digits.stderr}`);
    }
    for (const spec of chosen) sets.push(loadSet(lib, spec, readFileSync(join(dir, `${spec.name}.csv`), "utf8")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Slipway first, then the baselines in one Python process.
  const slipwayStarted = performance.now();
  /** @type {Record<string, Record<string, any[]>>} */
  const slipway = {};
  for (const set of sets) {
    console.error(`quality-tabular: Slipway on ${set.name}…`);
    slipway[set.name] = { slipway: [], slipwayGbdt: [], slipwayLinear: [] };
    for (let k = 0; k < FOLDS; k++) {
      slipway[set.name].slipway.push(slipwayFold(lib, set.csv, set, set.folds, k, "auto"));
      if (!withFamilies) continue;
      slipway[set.name].slipwayGbdt.push(slipwayFold(lib, set.csv, set, set.folds, k, "gbdt"));
      slipway[set.name].slipwayLinear.push(slipwayFold(lib, set.csv, set, set.folds, k, "linear"));
    }
  }
  const slipwayWall = (performance.now() - slipwayStarted) / 1000;

  console.error("quality-tabular: Python baselines (XGBoost, HistGradientBoosting, linear)…");
  const request = {
    seed: SEED,
    nthread: THREADS,
    datasets: sets.map((s) => ({
      name: s.name,
      task: s.task,
      ...(s.task === "regression" ? {} : { classes: s.classes }),
      columns: s.columns,
      y: Array.from(s.y),
      folds: Array.from(s.folds),
    })),
  };
  const pythonStarted = performance.now();
  const python = run([...PYTHON, BASELINES_PY], { input: JSON.stringify(request) });
  const pythonWall = (performance.now() - pythonStarted) / 1000;
  if (!python.ok) fail(`${BASELINES_PY} failed (exit ${python.status}):\n${python.stderr.slice(-4000)}`);
  const baselines = JSON.parse(python.stdout);
  process.stderr.write(python.stderr);
  const warnings = python.stderr.split("\n").filter((line) => line.startsWith("Warning")).length;

  report(lib, sets, slipway, baselines, { slipwayWall, pythonWall, warnings, withFamilies });
}

/**
 * A data set as both sides see it: the CSV records (Slipway reads them per fold), and the whole file's columns,
 * target and folds (for Python and the scores).
 */
function loadSet(lib, /** @type {SetSpec} */ spec, /** @type {string} */ text) {
  const csv = lib.data.readCsvText(text);
  if (csv.malformed.length > 0) fail(`${spec.name}: ${csv.malformed.length} malformed CSV rows`);
  const schema = lib.data.inferSchema(csv.header, csv.records, { target: spec.target });
  const { frame, rejected } = lib.data.validateRecords(schema, csv.header, csv.records);
  if (rejected.length > 0) fail(`${spec.name}: ${rejected.length} rows rejected: ${rejected[0].error}`);
  const inferred = lib.models.inferTask(frame, spec.target);
  if (inferred !== spec.task) fail(`${spec.name}: Slipway infers ${inferred} for ${spec.target}, not ${spec.task}`);
  const n = frame.rowCount;
  let y;
  let classes = [];
  if (spec.task === "regression") y = Float64Array.from(frame.columns.get(spec.target).values);
  else ({ classes, y } = lib.labels.encodeLabels(frame, spec.target));
  const folds = assignFolds(n, spec.task === "regression" ? null : y, lib.random.Rng);
  const columns = schema.columns
    .filter((c) => c.name !== spec.target)
    .map((c) => {
      const col = frame.columns.get(c.name);
      const values =
        col.kind === "string" ? col.values : Array.from(col.values, (v) => (Number.isFinite(v) ? v : null));
      return { name: c.name, kind: col.kind === "string" ? "categorical" : "numeric", values };
    });
  const missing = columns.reduce((sum, c) => sum + c.values.filter((v) => v === null).length, 0);
  return {
    ...spec,
    csv,
    n,
    y,
    classes,
    folds,
    foldRows: Array.from({ length: FOLDS }, (_, k) =>
      Array.from({ length: n }, (_, i) => i).filter((i) => folds[i] === k),
    ),
    columns,
    missing,
  };
}

function report(lib, sets, slipway, baselines, run) {
  const v = baselines.versions;
  const out = [
    "# Tabular quality: Slipway auto vs XGBoost, scikit-learn HistGradientBoosting and a linear model",
    "",
    `${FOLDS}-fold cross-validation, folds from a seed-${SEED} permutation (stratified by class for classification), ` +
      "the same folds for every method; each metric is the mean of the 5 folds' scores. Slipway: what " +
      "`slipway train FOLD.csv --target T` runs (schema and task inferred, `--family auto`, no params, seed 42, " +
      "20% split), then the registered model predicts the held-out fold. Baselines at their library defaults " +
      "(both boosters 100 rounds, no early stopping; text columns as native categoricals); the linear baseline is " +
      "RidgeCV (regression) or LogisticRegression (C = 1) on standardised one-hot features, mean-imputed with a " +
      `missing indicator. Node ${process.versions.node}; Python ${v.python}, XGBoost ${v.xgboost}, ` +
      `scikit-learn ${v.sklearn}, pandas ${v.pandas}, numpy ${v.numpy}.`,
    "",
    "## Data sets",
    "",
    row(["set", "source", "rows × features", "task", "target", "text features", "missing cells", "notes"]),
    row(Array(8).fill("---")),
  ];
  for (const s of sets) {
    const text = s.columns.filter((c) => c.kind === "categorical").map((c) => c.name);
    out.push(
      row([
        s.name,
        s.source,
        `${s.n} × ${s.columns.length}`,
        s.task === "regression" ? s.task : `${s.task} (${s.classes.length} classes)`,
        s.target,
        text.join(", ") || "—",
        s.missing,
        cell(s.note),
      ]),
    );
  }
  out.push("");

  const methods = ["slipway", ...BASELINES, ...(run.withFamilies ? ["slipwayGbdt", "slipwayLinear"] : [])];
  const summaries = [];
  for (const s of sets) {
    const folds = { ...slipway[s.name], ...(baselines.results[s.name] ?? {}) };
    const scores = Object.fromEntries(methods.map((m) => [m, score(lib, s, folds[m] ?? [])]));
    const result = verdict(s, scores);
    const auto = slipway[s.name].slipway;
    summaries.push({ set: s, scores, result, auto });
    const regression = s.task === "regression";
    const primary = regression ? "rmse" : "logloss";
    const bestPrimary = result.best?.[primary];
    out.push(
      `## ${s.name} (${s.task}, ${s.target}; ${s.n} rows, folds of ${s.foldRows.map((r) => r.length).join("/")})`,
      "",
      row([
        "method",
        ...Array.from({ length: FOLDS }, (_, k) => `${regression ? "RMSE" : "log loss"} fold ${k + 1}`),
        `mean ${regression ? "RMSE" : "log loss"}`,
        "÷ best baseline",
        ...(regression ? [] : ["mean accuracy", "Δ best (points)"]),
      ]),
      row(Array(FOLDS + (regression ? 3 : 5)).fill("---")),
    );
    for (const m of methods) {
      const sc = scores[m];
      const label = m === bestPrimary ? `${LABELS[m]} (best)` : LABELS[m];
      const bestScore = bestPrimary ? scores[bestPrimary][primary] : Number.NaN;
      const cells = [
        label,
        ...sc.perFold.map((f) => fmt(f[primary])),
        fmt(sc[primary]),
        fixed(sc[primary] / bestScore, 3),
      ];
      if (!regression) {
        const bestAcc = result.best?.accuracy ? scores[result.best.accuracy].accuracy : Number.NaN;
        cells.push(pct(sc.accuracy), signed(100 * (sc.accuracy - bestAcc)));
      }
      out.push(row(cells));
    }
    out.push("");
    const chose = auto.map((f, k) => {
      if (f.error) return `fold ${k + 1} FAILED`;
      const inner = Object.entries(f.inner)
        .map(([family, value]) => `${family} ${fmt(value)}`)
        .join(" vs ");
      return `fold ${k + 1} ${f.family}${f.rounds !== undefined ? ` (${f.rounds} rounds)` : ""} [${inner}]`;
    });
    out.push(`- auto chose (inner 20% split ${primary} in brackets): ${chose.join("; ")}`);
    for (const m of methods) {
      for (const f of folds[m] ?? [])
        if (f.error) out.push(`- ${LABELS[m]} fold ${f.fold + 1} FAILED: ${cell(f.error)}`);
    }
    out.push(`- ${result.met ? "MET" : "MISSED"}: ${result.text}`, "");
  }

  out.push(
    "## Summary",
    "",
    row(["set", "metric", ...methods.map((m) => LABELS[m]), "Slipway ÷ best", "auto chose", "target"]),
    row(Array(methods.length + 5).fill("---")),
  );
  for (const { set, scores, result, auto } of summaries) {
    const regression = set.task === "regression";
    const show = (m) => {
      const sc = scores[m];
      const text = regression ? fmt(sc.rmse) : `${pct(sc.accuracy)} / ${fmt(sc.logloss)}`;
      const isBest = regression ? result.best?.rmse === m : result.best?.logloss === m || result.best?.accuracy === m;
      return isBest ? `**${text}**` : text;
    };
    const counts = auto.reduce(
      (acc, f) => acc.set(f.family ?? "failed", (acc.get(f.family ?? "failed") ?? 0) + 1),
      new Map(),
    );
    out.push(
      row([
        set.name,
        regression ? "RMSE" : "accuracy / log loss",
        ...methods.map(show),
        regression ? fixed(result.ratio, 3) : `${fixed(result.ratio, 3)} (${signed(result.points)} pts)`,
        [...counts].map(([f, c]) => `${f} ×${c}`).join(", "),
        result.met ? "MET" : "MISSED",
      ]),
    );
  }
  const met = summaries.filter((x) => x.result.met);
  const allChoices = summaries.flatMap((x) => x.auto.map((f) => f.family ?? "failed"));
  const choiceCounts = allChoices.reduce((acc, f) => acc.set(f, (acc.get(f) ?? 0) + 1), new Map());
  const slipwaySeconds = (m) =>
    sets.reduce((sum, s) => sum + (slipway[s.name][m] ?? []).reduce((t, f) => t + f.seconds, 0), 0);
  out.push(
    "",
    "Regression cells are mean RMSE; classification cells mean accuracy / mean log loss; the best baseline in bold. " +
      'For classification, "Slipway ÷ best" is the log-loss ratio and the accuracy difference in points. ' +
      "Rows in parentheses are diagnostics (one family forced by name), not baselines.",
    "",
    "## Targets",
    "",
    `- ${met.length === summaries.length ? "MET" : "MISSED"}: on every set, Slipway's mean RMSE ≤ ${TARGETS.rmseRatio} × ` +
      `the best baseline's, or its accuracy ≥ the best − ${TARGETS.accuracyPoints} point with log loss ≤ ` +
      `${TARGETS.loglossRatio} × the best (${met.length}/${summaries.length} sets met` +
      `${
        met.length < summaries.length
          ? `; missed: ${summaries
              .filter((x) => !x.result.met)
              .map((x) => x.set.name)
              .join(", ")}`
          : ""
      }).`,
    ...summaries.map((x) => `- ${x.result.met ? "MET" : "MISSED"}: ${x.set.name}: ${x.result.text}`),
    `- auto chose: ${[...choiceCounts].map(([f, c]) => `${f} ×${c}`).join(", ")} (of ${allChoices.length} folds).`,
    "",
    "## Run time",
    "",
    row(["part", "seconds"]),
    row(["---", "---:"]),
    row(["Slipway auto (train + predict, all folds)", slipwaySeconds("slipway").toFixed(1)]),
    ...(run.withFamilies
      ? [
          row(["Slipway --family gbdt (diagnostic)", slipwaySeconds("slipwayGbdt").toFixed(1)]),
          row(["Slipway --family linear (diagnostic)", slipwaySeconds("slipwayLinear").toFixed(1)]),
        ]
      : []),
    row(["Slipway, all rows above (wall)", run.slipwayWall.toFixed(1)]),
    ...BASELINES.map((m) => row([`${LABELS[m]} (all folds)`, baselines.timingsSec[m].toFixed(1)])),
    row(["Python process (wall, incl. imports)", run.pythonWall.toFixed(1)]),
    "",
  );
  if (run.warnings > 0) out.push(`(${run.warnings} Python warning lines on stderr.)`, "");
  console.log(out.join("\n"));
}

await main();
