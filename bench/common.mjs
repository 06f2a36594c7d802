// What every bench script needs: run a command, stop with a message, build dist when src is newer, install Debian
// packages, and the Python command line for the baselines.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The baselines run under Debian's Python, without the machine's OpenBLAS overrides (in that command alone). */
export const PYTHON = ["env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE", "/usr/bin/python3"];

/**
 * A bench script's toolkit, with its name in every message.
 * @param {string} name
 */
export function benchKit(name) {
  /** @param {string} message */
  const fail = (message) => {
    console.error(`${name}: ${message}`);
    process.exit(1);
  };

  /**
   * Runs a command; its output goes to stderr (stdout is the report) unless captured or fed.
   * @param {string[]} argv
   * @param {{ input?: string, capture?: boolean, env?: NodeJS.ProcessEnv }} [options]
   */
  const run = (argv, options = {}) => {
    const result = spawnSync(argv[0], argv.slice(1), {
      cwd: ROOT,
      input: options.input,
      env: options.env ?? process.env,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      stdio: options.capture || options.input !== undefined ? "pipe" : ["ignore", process.stderr, process.stderr],
    });
    return { ok: result.status === 0, status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
  };

  /** Builds dist when it is missing or older than src; a failed build over an existing dist is a warning. */
  const ensureBuilt = () => {
    const entry = join(ROOT, "dist", "index.js");
    const builtMs = existsSync(entry) ? statSync(entry).mtimeMs : 0;
    if (builtMs >= newestMtimeMs(join(ROOT, "src"))) return;
    console.error(`${name}: dist is missing or older than src; running npm run build`);
    if (run(["npm", "run", "build"]).ok) return;
    if (builtMs === 0) fail("npm run build failed and there is no dist to benchmark");
    console.error(`${name}: WARNING npm run build failed; benchmarking the existing, older dist`);
  };

  /** Installs Debian packages (root only: this is how the workplace and CI machines are set up). */
  const aptInstall = (/** @type {string[]} */ packages) => {
    const command = `apt-get update && apt-get install -y ${packages.join(" ")}`;
    if (process.getuid?.() !== 0) fail(`missing ${packages.join(", ")}; run as root: ${command}`);
    console.error(`${name}: installing ${packages.join(" ")}`);
    if (!run(["apt-get", "update"]).ok || !run(["apt-get", "install", "-y", ...packages]).ok) {
      fail(`could not install ${packages.join(", ")} (${command})`);
    }
  };

  /**
   * Makes sure Debian's Python can import `modules`, installing `packages` when it cannot.
   * @param {string[]} modules
   * @param {string[]} packages
   */
  const ensurePython = (modules, packages) => {
    const probe = [...PYTHON, "-c", `import ${modules.join(", ")}`];
    if (run(probe, { capture: true }).ok) return;
    aptInstall(packages);
    const again = run(probe, { capture: true });
    if (!again.ok) fail(`the Python baselines still cannot import their packages:\n${again.stderr}`);
  };

  return { fail, run, ensureBuilt, aptInstall, ensurePython };
}

/** Newest modification time (ms) of any file under `dir`. */
function newestMtimeMs(/** @type {string} */ dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Median of a list of numbers. */
export function median(/** @type {number[]} */ values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A Markdown table row. */
export function row(/** @type {unknown[]} */ cells) {
  return `| ${cells.join(" | ")} |`;
}
