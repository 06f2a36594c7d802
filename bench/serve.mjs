// Single-row predict throughput and latency over HTTP: Slipway (`slipway serve`, prediction log on) against
// FastAPI + uvicorn (uvloop, httptools) serving the equivalent scikit-learn model, and a bare node:http server
// answering a fixed body, at 1 and 2 server processes, measured with wrk in the same run. See bench/README.md
// ("serve").
//
//   npm run build && node bench/serve.mjs [--duration S] [--quick]
//
// wrk -t2 -c32 for S seconds (default 15; --quick: 5) per server and model; also a batch of 100 rows per request.
// The report is Markdown on stdout, progress on stderr; exit code 0 whether or not targets are met.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchKit, PYTHON, ROOT, row } from "./common.mjs";

const { fail, run, ensureBuilt, aptInstall, ensurePython } = benchKit("serve bench");
const CLI = join(ROOT, "dist", "cli", "main.js");
const TARGETS = { vsFastApi: 5, vsBare: 0.5, p99VsBare: 2 };
const FEATURES = 8;
const ROWS = 2000;

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const durationAt = argv.indexOf("--duration");
const duration = durationAt >= 0 ? Number(argv[durationAt + 1]) : quick ? 5 : 15;
if (!Number.isInteger(duration) || duration < 1) fail("--duration must be a positive integer (seconds)");

ensureBuilt();
if (!run(["sh", "-c", "command -v wrk"], { capture: true }).ok) aptInstall(["wrk"]);
ensurePython(
  ["fastapi", "uvicorn", "uvloop", "httptools", "sklearn"],
  ["python3-fastapi", "python3-uvicorn", "python3-uvloop", "python3-httptools", "python3-sklearn"],
);

const work = mkdtempSync(join(tmpdir(), "slipway-bench-serve-"));
const home = join(work, "home");
const children = new Set();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

/** Seeded rows: 8 features U[0, 1]; y = a linear part + 3 sin(2π x₀ x₁) + N(0, 0.1²)-ish noise. */
function dataset() {
  let s = 12345;
  const u = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const names = Array.from({ length: FEATURES }, (_, j) => `x${j}`);
  const lines = [[...names, "y"].join(",")];
  for (let i = 0; i < ROWS; i++) {
    const x = names.map(() => u());
    const y = x.reduce((a, v, j) => a + (j + 1) * v, 0) + 3 * Math.sin(2 * Math.PI * x[0] * x[1]) + 0.2 * (u() - 0.5);
    lines.push([...x, y].map((v) => v.toFixed(6)).join(","));
  }
  return { csv: `${lines.join("\n")}\n`, names };
}

const { csv, names } = dataset();
const dataPath = join(work, "bench.csv");
writeFileSync(dataPath, csv);
const instance = Object.fromEntries(names.map((n, j) => [n, 0.1 * (j + 1)]));
const bodyOf = (rows) => JSON.stringify({ instances: Array.from({ length: rows }, () => instance) });

const env = { ...process.env, SLIPWAY_HOME: home, SLIPWAY_LOG_LEVEL: "error" };
console.error("serve bench: training the linear and gbdt models");
for (const [name, family] of [
  ["lin", "linear"],
  ["gb", "gbdt"],
]) {
  const t = run(["node", CLI, "train", dataPath, "--target", "y", "--family", family, "--name", name, "--json"], {
    env,
    capture: true,
  });
  if (!t.ok) fail(`slipway train ${family} failed:\n${t.stderr}`);
  if (!run(["node", CLI, "promote", name, "1"], { env, capture: true }).ok) fail(`slipway promote ${name} failed`);
}

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts a server process and waits until `probe` (a POST of `body` to `url`) answers 200. */
async function start(argv, options, url, body) {
  const child = spawn(argv[0], argv.slice(1), { ...options, stdio: ["ignore", "ignore", "inherit"] });
  children.add(child);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`${argv.join(" ")} exited with ${child.exitCode}`);
    const ok = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 200));
  }
  fail(`${argv.join(" ")} did not answer ${url} within 60 s`);
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
  children.delete(child);
}

/** wrk -t2 -c32 with a POST body; requests/s, latency percentiles (ms) and failures. */
function wrk(url, body) {
  const script = join(work, "post.lua");
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = [[${body}]]\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const r = run(["wrk", "-t2", "-c32", `-d${duration}s`, "--latency", "-s", script, url], { capture: true });
  if (!r.ok) fail(`wrk failed on ${url}:\n${r.stderr}`);
  const out = r.stdout;
  const ms = (label) => {
    const m = new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s)\\b`, "m").exec(out);
    if (!m) return Number.NaN;
    return Number(m[1]) * (m[2] === "us" ? 1e-3 : m[2] === "s" ? 1e3 : 1);
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((a, v) => a + Number(v), 0) : 0;
  return { rps, p50: ms("50"), p99: ms("99"), non2xx, socketErrors };
}

const BARE = `
const cluster = require("node:cluster");
const http = require("node:http");
const [port, workers] = process.argv.slice(1).map(Number);
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on("SIGTERM", () => { for (const w of Object.values(cluster.workers)) w.kill(); process.exit(0); });
} else {
  const answer = JSON.stringify({ model: "bare", version: 1, predictions: [{ value: 1.5 }] });
  http.createServer((req, res) => {
    req.resume();
    req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end(answer); });
  }).listen(port, "127.0.0.1");
}`;

const results = [];
const one = bodyOf(1);
const hundred = bodyOf(100);
for (const procs of [1, 2]) {
  console.error(`serve bench: ${procs} process(es)`);
  let port = await freePort();
  let child = await start(["node", "-e", BARE, String(port), String(procs)], {}, `http://127.0.0.1:${port}/`, one);
  results.push({
    procs,
    server: "bare node:http",
    model: "fixed answer",
    rows: 1,
    ...wrk(`http://127.0.0.1:${port}/`, one),
  });
  await stop(child);

  for (const [family, label] of [
    ["linear", "linear"],
    ["gbdt", "gbdt"],
  ]) {
    port = await freePort();
    const url = `http://127.0.0.1:${port}/predict`;
    // One OpenMP thread per worker, as a serving process runs (HistGradientBoosting predicts on every core by
    // default, and two workers then fight over the two cores).
    child = await start(
      [
        ...PYTHON,
        join(ROOT, "bench", "python", "serve_baseline.py"),
        dataPath,
        "y",
        family,
        String(port),
        String(procs),
      ],
      { env: { ...process.env, OMP_NUM_THREADS: "1" } },
      url,
      one,
    );
    results.push({ procs, server: "FastAPI + uvicorn", model: label, rows: 1, ...wrk(url, one) });
    if (family === "linear")
      results.push({ procs, server: "FastAPI + uvicorn", model: label, rows: 100, ...wrk(url, hundred) });
    await stop(child);
  }

  port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  child = await start(
    ["node", CLI, "serve", "--port", String(port), "--workers", String(procs)],
    { env },
    `${base}/v1/models/lin/predict`,
    one,
  );
  for (const [model, label] of [
    ["lin", "linear"],
    ["gb", "gbdt"],
  ]) {
    results.push({
      procs,
      server: "Slipway",
      model: label,
      rows: 1,
      ...wrk(`${base}/v1/models/${model}/predict`, one),
    });
    if (model === "lin") {
      results.push({
        procs,
        server: "Slipway",
        model: label,
        rows: 100,
        ...wrk(`${base}/v1/models/${model}/predict`, hundred),
      });
    }
  }
  await stop(child);
}

const find = (procs, server, model, rows = 1) =>
  results.find((r) => r.procs === procs && r.server === server && r.model === model && r.rows === rows);
const fmt = (v, d = 0) =>
  Number.isFinite(v) ? v.toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d }) : "n/a";

const out = [];
out.push("# bench/serve");
out.push("");
out.push(
  `wrk -t2 -c32, ${duration} s per line, single-row POST predict unless noted; Slipway with its prediction log on. Node ${process.version}; ${ROWS} training rows × ${FEATURES} features.`,
);
out.push("");
out.push(
  row([
    "processes",
    "server",
    "model",
    "rows/request",
    "requests/s",
    "rows/s",
    "p50 ms",
    "p99 ms",
    "non-2xx",
    "socket errors",
  ]),
);
out.push(row(Array(10).fill("---")));
for (const r of results) {
  out.push(
    row([
      r.procs,
      r.server,
      r.model,
      r.rows,
      fmt(r.rps),
      fmt(r.rps * r.rows),
      fmt(r.p50, 2),
      fmt(r.p99, 2),
      r.non2xx,
      r.socketErrors,
    ]),
  );
}
out.push("");
out.push("## Targets");
out.push("");
for (const procs of [1, 2]) {
  const bare = find(procs, "bare node:http", "fixed answer");
  for (const model of ["linear", "gbdt"]) {
    const s = find(procs, "Slipway", model);
    const f = find(procs, "FastAPI + uvicorn", model);
    const check = (ok, text) => out.push(`- ${ok ? "MET" : "MISSED"}: ${procs} process(es), ${model}: ${text}`);
    check(
      s.rps >= TARGETS.vsFastApi * f.rps,
      `${fmt(s.rps)} req/s = ${fmt(s.rps / f.rps, 1)}× FastAPI's ${fmt(f.rps)} (target ≥ ${TARGETS.vsFastApi}×)`,
    );
    check(
      s.rps >= TARGETS.vsBare * bare.rps,
      `${fmt(s.rps)} req/s = ${fmt((100 * s.rps) / bare.rps)}% of bare node:http's ${fmt(bare.rps)} (target ≥ ${100 * TARGETS.vsBare}%)`,
    );
    check(
      s.p99 <= TARGETS.p99VsBare * bare.p99,
      `p99 ${fmt(s.p99, 2)} ms = ${fmt(s.p99 / bare.p99, 2)}× bare's ${fmt(bare.p99, 2)} ms (target ≤ ${TARGETS.p99VsBare}×)`,
    );
    check(s.non2xx === 0 && s.socketErrors === 0, `${s.non2xx} non-2xx, ${s.socketErrors} socket errors`);
  }
  const batch = find(procs, "Slipway", "linear", 100);
  out.push(
    `- batch of 100 rows, ${procs} process(es), linear: ${fmt(batch.rps * 100)} rows/s (FastAPI: ${fmt(find(procs, "FastAPI + uvicorn", "linear", 100).rps * 100)})`,
  );
}
console.log(out.join("\n"));
