// Forecast quality on real series: Slipway's `auto` against scikit-learn's GP, statsmodels' ETS and the seasonal
// naive method, on the same rolling-origin folds, in one run. See bench/README.md ("quality-forecast").
//
//   npm run build && node bench/quality-forecast.mjs [--series AirPassengers,lynx]
//
// The series come from R's datasets package (Debian's r-base-core, installed with apt-get when Rscript is missing);
// the baselines run in bench/python/forecast_baselines.py under Debian's /usr/bin/python3. The script is a report:
// it exits 0 whether or not the targets are met, and 1 only when it cannot run at all.
import { join } from "node:path";
import { benchKit, PYTHON, ROOT } from "./common.mjs";

const { fail, run, ensureBuilt, aptInstall, ensurePython } = benchKit("quality-forecast");
const LEVEL = 0.95;
/** Φ⁻¹(0.975): the normal quantile of a central 95% interval (LEVEL). */
const Z_95 = 1.959963984540054;
const SEED = 42;
const FOLDS = 3;
/** Slipway's mean MAE may be at most this multiple of the best baseline's, on every series. */
const MAE_RATIO_TARGET = 1.05;
/** Pooled 95% interval coverage must fall in this range (fractions). */
const COVERAGE_TARGET = [0.85, 1.0];
const BASELINES_PY = join(ROOT, "bench", "python", "forecast_baselines.py");

/**
 * Series from R's datasets package; `season` is the fold length (one season), lynx's ~10-year cycle for the
 * yearly one.
 * @type {{ name: string, season?: number }[]}
 */
const SERIES = [
  { name: "AirPassengers" },
  { name: "UKgas" },
  { name: "nottem" },
  { name: "lynx", season: 10 },
  { name: "USAccDeaths" },
  { name: "ldeaths" },
  { name: "UKDriverDeaths" },
  { name: "JohnsonJohnson" },
];

/**
 * @typedef {{ name: string, startYear: number, startPeriod: number, frequency: number, values: number[] }} RSeries
 * @typedef {{ name: string, frequency: number, season: number, times: Float64Array, values: Float64Array,
 *   origins: number[] }} BenchSeries
 * @typedef {{ origin: number, mean: number[], lower: number[], upper: number[], note?: string, error?: string,
 *   seconds?: number }} Fold
 * @typedef {"slipway" | "gp" | "ets" | "snaive"} Method
 */

/** @type {Method[]} */
const METHODS = ["slipway", "gp", "ets", "snaive"];
/** @type {Method[]} */
const BASELINES = ["gp", "ets", "snaive"];
/** @type {Record<Method, string>} */
const LABELS = { slipway: "Slipway auto", gp: "sklearn GP", ets: "statsmodels ETS", snaive: "seasonal naive" };

// ---------------------------------------------------------------------------------------------------------------
// Setup: build, R and Python.

function ensureR() {
  if (!run(["Rscript", "--version"], { capture: true }).ok) aptInstall(["r-base-core"]);
}

/**
 * Exports the series with Rscript, one line each: name, start year, start period, frequency, values. Plain text:
 * r-base-core has no JSON writer without extra packages.
 * @param {string[]} names
 * @returns {RSeries[]}
 */
function exportSeries(names) {
  const code = [
    `for (nm in c(${names.map((n) => JSON.stringify(n)).join(", ")})) {`,
    '  x <- get(nm, envir = as.environment("package:datasets"))',
    '  cat(nm, start(x)[1], start(x)[2], frequency(x), sprintf("%.17g", as.numeric(x)), "\\n")',
    "}",
  ].join("\n");
  const result = run(["Rscript", "--vanilla", "-e", code], { capture: true });
  if (!result.ok) fail(`Rscript could not export the series:\n${result.stderr}`);
  return result.stdout
    .trim()
    .split("\n")
    .map((line) => {
      const [name, year, period, frequency, ...values] = line.trim().split(/\s+/);
      return {
        name,
        startYear: Number(year),
        startPeriod: Number(period),
        frequency: Number(frequency),
        values: values.map(Number),
      };
    });
}

/**
 * Epoch ms (UTC) of each observation: monthly series at month starts, quarterly at quarter starts, yearly on Jan 1.
 * @param {RSeries} s
 */
function observationTimes(s) {
  const monthsPerStep = 12 / s.frequency;
  if (!Number.isInteger(monthsPerStep)) fail(`${s.name}: frequency ${s.frequency} is not monthly/quarterly/yearly`);
  const firstMonth = s.startYear * 12 + (s.startPeriod - 1) * monthsPerStep;
  return Float64Array.from(s.values, (_, i) => {
    const month = firstMonth + i * monthsPerStep;
    return Date.UTC(Math.floor(month / 12), month % 12, 1);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The forecasters.

/**
 * Slipway's default: `auto`, no tuning flags, fitted on the rows before each origin.
 * @param {BenchSeries} s
 * @param {any} models dist/models/index.js
 * @param {any} core dist/core/index.js
 * @returns {(Fold & { family?: string, detail?: string })[]}
 */
function slipwayFolds(s, models, core) {
  const spec = { task: "forecast", target: "value", timeColumn: "time", features: [], params: {}, seed: SEED };
  return s.origins.map((origin) => {
    const frame = core.frameOf({
      time: { kind: "time", values: s.times.slice(0, origin) },
      value: { kind: "number", values: s.values.slice(0, origin) },
    });
    const started = performance.now();
    try {
      // The CLI's default when neither --test nor --horizon is given: the last 20% of the rows score the choice.
      const result = models.trainModel(frame, spec, "auto", { kind: "split", share: 0.2 });
      /** @type {{ time: string, mean: number, lower: number, upper: number }[]} */
      const rows = result.model.forecast(s.season, LEVEL);
      const seconds = (performance.now() - started) / 1000;
      const misplaced = rows.filter((row, i) => Date.parse(row.time) !== s.times[origin + i]).length;
      /** @type {Record<string, unknown>} */
      const described = result.model.describe();
      // What the chosen model settled on, for the report: its seasonal period and, for ETS, its form.
      const detail = [
        typeof described.model === "string" ? described.model : null,
        `period ${described.period ?? "none"}`,
      ].filter(Boolean);
      return {
        origin,
        family: result.family,
        detail: detail.join(", "),
        seconds,
        mean: rows.map((r) => r.mean),
        lower: rows.map((r) => r.lower),
        upper: rows.map((r) => r.upper),
        ...(misplaced > 0 ? { note: `${misplaced} forecast times differ from the held-out rows' times` } : {}),
      };
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      const code = /** @type {{ code?: string }} */ (error).code;
      return { origin, seconds, mean: [], lower: [], upper: [], error: `${code ?? ""} ${String(error)}`.trim() };
    }
  });
}

/**
 * Seasonal naive with FPP3 §5.5's residual-based interval: ŷ_{T+h} = y_{T+h−m(k+1)}, half-width z·σ̂·√(k+1) with
 * k = ⌊(h−1)/m⌋ and σ̂² the mean squared in-sample seasonal difference y_t − y_{t−m}.
 * @param {BenchSeries} s
 * @returns {Fold[]}
 */
function seasonalNaiveFolds(s) {
  const m = s.season;
  const z = Z_95;
  return s.origins.map((origin) => {
    const y = s.values.subarray(0, origin);
    let sumSquares = 0;
    for (let t = m; t < y.length; t++) sumSquares += (y[t] - y[t - m]) ** 2;
    const sigma = Math.sqrt(sumSquares / (y.length - m));
    /** @type {Fold} */
    const fold = { origin, mean: [], lower: [], upper: [] };
    for (let h = 1; h <= m; h++) {
      const k = Math.floor((h - 1) / m);
      const mean = y[y.length - 1 + h - m * (k + 1)];
      const half = z * sigma * Math.sqrt(k + 1);
      fold.mean.push(mean);
      fold.lower.push(mean - half);
      fold.upper.push(mean + half);
    }
    return fold;
  });
}

/**
 * The Python baselines on every series' folds, in one process.
 * @param {BenchSeries[]} series
 */
function pythonBaselines(series) {
  const request = {
    level: LEVEL,
    seed: SEED,
    series: series.map((s) => ({
      name: s.name,
      values: Array.from(s.values),
      season: s.season,
      origins: s.origins,
      horizon: s.season,
    })),
  };
  const started = performance.now();
  const result = run([...PYTHON, BASELINES_PY], { input: JSON.stringify(request) });
  const wallSeconds = (performance.now() - started) / 1000;
  if (!result.ok) fail(`${BASELINES_PY} failed (exit ${result.status}):\n${result.stderr.slice(-4000)}`);
  /** @type {{ versions: Record<string, string>, timingsSec: { gp: number, ets: number },
   *   results: Record<string, { gp: Fold[], ets: Fold[] }> }} */
  const answer = JSON.parse(result.stdout);
  const warnings = result.stderr.split("\n").filter((line) => /Warning/.test(line)).length;
  return { ...answer, wallSeconds, warnings };
}

// ---------------------------------------------------------------------------------------------------------------
// Scores and the report.

/**
 * Absolute errors and interval hits of a method's folds, pooled; a failed fold makes the series' score NaN.
 * @param {BenchSeries} s
 * @param {Fold[]} folds
 */
function score(s, folds) {
  /** @type {number[]} */
  const errors = [];
  /** @type {number[]} */
  const foldMae = [];
  let covered = 0;
  let width = 0;
  let failed = false;
  for (const fold of folds) {
    if (fold.error || fold.mean.length !== s.season) {
      failed = true;
      foldMae.push(Number.NaN);
      continue;
    }
    let sum = 0;
    for (let i = 0; i < s.season; i++) {
      const actual = s.values[fold.origin + i];
      const error = Math.abs(actual - fold.mean[i]);
      sum += error;
      errors.push(error);
      if (actual >= fold.lower[i] && actual <= fold.upper[i]) covered++;
      width += fold.upper[i] - fold.lower[i];
    }
    foldMae.push(sum / s.season);
  }
  const n = errors.length;
  return {
    mae: failed || n === 0 ? Number.NaN : errors.reduce((a, b) => a + b, 0) / n,
    foldMae,
    covered,
    points: n,
    coverage: n === 0 ? Number.NaN : covered / n,
    width: n === 0 ? Number.NaN : width / n,
  };
}

/** @param {number} x */
const fmt = (x) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4)) : "n/a");
/** @param {number} x */
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a");
/** @param {number} x */
const ratio = (x) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
/** @param {string[]} cells */
const row = (cells) => `| ${cells.join(" | ")} |`;
/** @param {string} text */
const cell = (text) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

async function main() {
  const only = process.argv.includes("--series")
    ? new Set(process.argv[process.argv.indexOf("--series") + 1]?.split(",") ?? [])
    : null;
  const chosen = SERIES.filter((s) => !only || only.has(s.name));
  if (chosen.length === 0) fail(`no series selected; known: ${SERIES.map((s) => s.name).join(", ")}`);

  ensureBuilt();
  ensureR();
  ensurePython(
    ["sklearn", "statsmodels", "pandas", "scipy"],
    ["python3-sklearn", "python3-statsmodels", "python3-pandas"],
  );
  const models = await import(new URL("../dist/models/index.js", import.meta.url).href);
  const core = await import(new URL("../dist/core/index.js", import.meta.url).href);

  const exported = exportSeries(chosen.map((s) => s.name));
  /** @type {BenchSeries[]} */
  const series = chosen.map((c) => {
    const r = exported.find((e) => e.name === c.name);
    if (!r) fail(`Rscript did not export ${c.name}`);
    const raw = /** @type {RSeries} */ (r);
    const season = c.season ?? raw.frequency;
    const n = raw.values.length;
    return {
      name: raw.name,
      frequency: raw.frequency,
      season,
      times: observationTimes(raw),
      values: Float64Array.from(raw.values),
      origins: Array.from({ length: FOLDS }, (_, k) => n - (FOLDS - k) * season),
    };
  });

  // Slipway first, then the baselines: one at a time, so neither's timing includes the other's load.
  /** @type {Record<string, (Fold & { family?: string, detail?: string })[]>} */
  const slipway = {};
  let slipwaySeconds = 0;
  for (const s of series) {
    console.error(`quality-forecast: Slipway auto on ${s.name}…`);
    slipway[s.name] = slipwayFolds(s, models, core);
    slipwaySeconds += slipway[s.name].reduce((sum, f) => sum + (f.seconds ?? 0), 0);
  }
  const naiveStarted = performance.now();
  /** @type {Record<string, Fold[]>} */
  const snaive = Object.fromEntries(series.map((s) => [s.name, seasonalNaiveFolds(s)]));
  const naiveSeconds = (performance.now() - naiveStarted) / 1000;
  console.error("quality-forecast: Python baselines (sklearn GP, statsmodels ETS)…");
  const python = pythonBaselines(series);

  const out = [];
  out.push("# Forecast quality: Slipway auto vs Python baselines", "");
  out.push(
    `Rolling origin, ${FOLDS} folds of one season each (origins n − 3s, n − 2s, n − s; fit on the rows before the ` +
      `origin, forecast s rows); MAE over all folds' points; ${100 * LEVEL}% interval coverage. ` +
      `Python ${python.versions.python}, scikit-learn ${python.versions.sklearn}, statsmodels ` +
      `${python.versions.statsmodels}, numpy ${python.versions.numpy}; Node ${process.versions.node}.`,
    "",
  );

  /** @type {{ name: string, scores: Record<Method, ReturnType<typeof score>>, best: Method | null,
   *   ratio: number, families: string[] }[]} */
  const summaries = [];
  for (const s of series) {
    /** @type {Record<Method, Fold[]>} */
    const folds = {
      slipway: slipway[s.name],
      gp: python.results[s.name]?.gp ?? [],
      ets: python.results[s.name]?.ets ?? [],
      snaive: snaive[s.name],
    };
    const scores = /** @type {Record<Method, ReturnType<typeof score>>} */ (
      Object.fromEntries(METHODS.map((m) => [m, score(s, folds[m])]))
    );
    /** @type {Method | null} */
    let best = null;
    for (const m of BASELINES) {
      if (Number.isFinite(scores[m].mae) && (best === null || scores[m].mae < scores[best].mae)) best = m;
    }
    const bestMae = best === null ? Number.NaN : scores[best].mae;
    const families = slipway[s.name].map((f) => f.family ?? "failed");
    const slipwayRatio = scores.slipway.mae / bestMae;
    summaries.push({ name: s.name, scores, best, ratio: slipwayRatio, families });

    const kind = { 12: "monthly", 4: "quarterly", 1: "yearly" }[s.frequency] ?? `frequency ${s.frequency}`;
    out.push(
      `## ${s.name} (${kind}, n = ${s.values.length}, s = ${s.season}, origins ${s.origins.join(", ")})`,
      "",
      row(["method", ...s.origins.map((_, k) => `MAE fold ${k + 1}`), "mean MAE", "÷ best baseline", "95% coverage"]),
      row(Array(FOLDS + 4).fill("---")),
    );
    for (const m of METHODS) {
      const sc = scores[m];
      out.push(
        row([
          m === best ? `${LABELS[m]} (best baseline)` : LABELS[m],
          ...sc.foldMae.map(fmt),
          fmt(sc.mae),
          ratio(sc.mae / bestMae),
          `${pct(sc.coverage)} (${sc.covered}/${sc.points})`,
        ]),
      );
    }
    out.push("");
    const details = slipway[s.name].map((f, k) => `fold ${k + 1} ${f.family ?? "failed"} (${f.detail ?? "n/a"})`);
    out.push(`- auto chose: ${details.join("; ")}`);
    const etsNotes = folds.ets.map((f) => f.note ?? "").filter(Boolean);
    if (etsNotes.length > 0)
      out.push(`- ETS by AIC: ${etsNotes.map((note) => note.replace(/ aic=.*/, "")).join(", ")}`);
    for (const m of METHODS) {
      for (const [k, f] of folds[m].entries()) {
        if (f.error) out.push(`- ${LABELS[m]} fold ${k + 1} FAILED: ${cell(f.error)}`);
        else if (m === "slipway" && f.note) out.push(`- ${LABELS[m]} fold ${k + 1}: ${cell(f.note)}`);
      }
    }
    out.push(
      `- Slipway MAE ≤ ${MAE_RATIO_TARGET} × best baseline: ${slipwayRatio <= MAE_RATIO_TARGET ? "met" : "missed"}`,
      "",
    );
  }

  out.push(
    "## Summary",
    "",
    row([
      "series",
      "Slipway MAE",
      "sklearn GP",
      "statsmodels ETS",
      "seasonal naive",
      "Slipway ÷ best",
      "Slipway cov.",
      "GP cov.",
      "ETS cov.",
      "SNaive cov.",
      "auto chose (folds 1–3)",
    ]),
    row(Array(11).fill("---")),
  );
  for (const sm of summaries) {
    const sc = sm.scores;
    out.push(
      row([
        sm.name,
        fmt(sc.slipway.mae),
        ...BASELINES.map((m) => (m === sm.best ? `**${fmt(sc[m].mae)}**` : fmt(sc[m].mae))),
        ratio(sm.ratio),
        ...METHODS.map((m) => pct(sc[m].coverage)),
        sm.families.join(", "),
      ]),
    );
  }
  /** @type {Record<Method, { covered: number, points: number }>} */
  const pooled = /** @type {any} */ (
    Object.fromEntries(
      METHODS.map((m) => [
        m,
        summaries.reduce(
          (acc, sm) => ({ covered: acc.covered + sm.scores[m].covered, points: acc.points + sm.scores[m].points }),
          {
            covered: 0,
            points: 0,
          },
        ),
      ]),
    )
  );
  out.push(
    row(["**pooled**", "", "", "", "", "", ...METHODS.map((m) => pct(pooled[m].covered / pooled[m].points)), ""]),
  );

  // A series Slipway (or every baseline) failed on counts as the worst.
  const badness = (/** @type {number} */ r) => (Number.isNaN(r) ? Number.POSITIVE_INFINITY : r);
  const worst = summaries.reduce((w, sm) => (badness(sm.ratio) > badness(w.ratio) ? sm : w));
  const ratioMet = summaries.every((sm) => sm.ratio <= MAE_RATIO_TARGET);
  const slipwayCoverage = pooled.slipway.covered / pooled.slipway.points;
  const slipwayPoints = series.reduce((sum, s) => sum + FOLDS * s.season, 0);
  const coverageMet =
    pooled.slipway.points === slipwayPoints &&
    slipwayCoverage >= COVERAGE_TARGET[0] &&
    slipwayCoverage <= COVERAGE_TARGET[1];
  const counts = summaries
    .flatMap((sm) => sm.families)
    .reduce((acc, f) => acc.set(f, (acc.get(f) ?? 0) + 1), new Map());
  out.push(
    "",
    "## Targets",
    "",
    `- ${ratioMet ? "MET" : "MISSED"}: Slipway mean MAE ≤ ${MAE_RATIO_TARGET} × the best baseline on every series ` +
      `(${summaries.filter((sm) => sm.ratio <= MAE_RATIO_TARGET).length}/${summaries.length} series; worst ` +
      `${worst.name} ${ratio(worst.ratio)} vs ${worst.best ? LABELS[worst.best] : "no baseline"}).`,
    `- ${coverageMet ? "MET" : "MISSED"}: Slipway ${100 * LEVEL}% coverage in ${100 * COVERAGE_TARGET[0]}–` +
      `${100 * COVERAGE_TARGET[1]}% pooled over all folds' points (${pct(slipwayCoverage)}, ` +
      `${pooled.slipway.covered}/${pooled.slipway.points} of ${slipwayPoints} points forecast).`,
    `- auto chose: ${[...counts].map(([f, c]) => `${f} ×${c}`).join(", ")} (of ${FOLDS * summaries.length} folds).`,
    "",
    "## Run time",
    "",
    row(["part", "seconds"]),
    row(["---", "---:"]),
    row(["Slipway auto (trainModel + forecast, all folds)", slipwaySeconds.toFixed(1)]),
    row(["sklearn GP (all folds)", python.timingsSec.gp.toFixed(1)]),
    row(["statsmodels ETS (all folds)", python.timingsSec.ets.toFixed(1)]),
    row(["Python process (wall, incl. imports)", python.wallSeconds.toFixed(1)]),
    row(["seasonal naive (in-script)", naiveSeconds.toFixed(3)]),
    "",
  );
  if (python.warnings > 0) out.push(`(${python.warnings} Python warning lines on stderr, e.g. convergence.)`, "");
  console.log(out.join("\n"));
}

await main();
