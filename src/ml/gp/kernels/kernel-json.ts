import { invalidInput, isSlipwayError, SlipwayError } from "../../../core/index.js";
import { ConstantKernel } from "./constant.js";
import { DotProductKernel } from "./dot-product.js";
import { ExpSineSquaredKernel } from "./exp-sine-squared.js";
import { ExponentiationKernel } from "./exponentiation.js";
import type { Bounds, Kernel } from "./kernel.js";
import { MaternKernel } from "./matern.js";
import { ProductKernel } from "./product.js";
import { RationalQuadraticKernel } from "./rational-quadratic.js";
import { RBFKernel } from "./rbf.js";
import { SumKernel } from "./sum.js";
import { WhiteKernel } from "./white.js";

/** The `type` tags `kernelFromJSON` accepts. */
export const KERNEL_TYPES = [
  "constant",
  "white",
  "rbf",
  "exp-sine-squared",
  "dot-product",
  "matern",
  "rational-quadratic",
  "exponentiation",
  "sum",
  "product",
] as const;

/**
 * Rebuilds a kernel from `toJSON()` output, e.g. a model bundle's manifest after `JSON.parse`. The input is
 * untrusted: every field is checked, and errors (`SLP_INPUT_INVALID`) name the JSON pointer of the bad field.
 */
export function kernelFromJSON(json: unknown): Kernel {
  return fromJSONAt(json, "");
}

function fromJSONAt(json: unknown, path: string): Kernel {
  if (!isRecord(json)) {
    throw invalidInput("kernel JSON must be an object", [{ field: path || "/", reason: "not an object" }]);
  }
  const o = json;
  const num = (key: string): number => readNumber(o, key, path);
  const bounds = (key: string): Bounds => readBounds(o, key, path);
  try {
    switch (o.type) {
      case "constant":
        return new ConstantKernel({
          constantValue: num("constantValue"),
          constantValueBounds: bounds("constantValueBounds"),
        });
      case "white":
        return new WhiteKernel({ noiseLevel: num("noiseLevel"), noiseLevelBounds: bounds("noiseLevelBounds") });
      case "rbf": {
        // ARD: a list of length scales, with shared bounds or one per dimension.
        if (Array.isArray(o.lengthScale)) {
          const lengthScale = readNumberList(o, "lengthScale", path);
          const b = o.lengthScaleBounds;
          const perDimension = Array.isArray(b) && (Array.isArray(b[0]) || b[0] === "fixed");
          const lengthScaleBounds = perDimension
            ? readBoundsList(o, "lengthScaleBounds", path)
            : bounds("lengthScaleBounds");
          return new RBFKernel({ lengthScale, lengthScaleBounds });
        }
        return new RBFKernel({ lengthScale: num("lengthScale"), lengthScaleBounds: bounds("lengthScaleBounds") });
      }
      case "exp-sine-squared":
        return new ExpSineSquaredKernel({
          lengthScale: num("lengthScale"),
          periodicity: num("periodicity"),
          lengthScaleBounds: bounds("lengthScaleBounds"),
          periodicityBounds: bounds("periodicityBounds"),
        });
      case "dot-product":
        return new DotProductKernel({ sigma0: num("sigma0"), sigma0Bounds: bounds("sigma0Bounds") });
      case "matern": {
        const nu = num("nu");
        if (nu !== 0.5 && nu !== 1.5 && nu !== 2.5) {
          throw invalidInput("Matérn nu must be 0.5, 1.5 or 2.5", [{ field: `${path}/nu`, reason: `got ${nu}` }]);
        }
        return new MaternKernel({
          lengthScale: num("lengthScale"),
          lengthScaleBounds: bounds("lengthScaleBounds"),
          nu,
        });
      }
      case "rational-quadratic":
        return new RationalQuadraticKernel({
          lengthScale: num("lengthScale"),
          alpha: num("alpha"),
          lengthScaleBounds: bounds("lengthScaleBounds"),
          alphaBounds: bounds("alphaBounds"),
        });
      case "exponentiation":
        return new ExponentiationKernel(fromJSONAt(o.kernel, `${path}/kernel`), num("exponent"));
      case "sum":
        return new SumKernel(fromJSONAt(o.k1, `${path}/k1`), fromJSONAt(o.k2, `${path}/k2`));
      case "product":
        return new ProductKernel(fromJSONAt(o.k1, `${path}/k1`), fromJSONAt(o.k2, `${path}/k2`));
      default:
        throw invalidInput("unknown kernel type", [
          { field: `${path}/type`, reason: `got ${JSON.stringify(o.type)}; known: ${KERNEL_TYPES.join(", ")}` },
        ]);
    }
  } catch (e) {
    // A constructor's check names only the option (`lengthScale`); prefix the JSON path so a nested failure is
    // found. Errors already carrying a path (they start with "/") pass through unchanged.
    if (isSlipwayError(e) && e.details.some((d) => !d.field.startsWith("/"))) {
      const details = e.details.map((d) => (d.field.startsWith("/") ? d : { ...d, field: `${path}/${d.field}` }));
      throw new SlipwayError(e.code, e.message, details, { cause: e });
    }
    throw e;
  }
}

function readNumber(o: Record<string, unknown>, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw invalidInput(`kernel field ${key} must be a finite number`, [
      { field: `${path}/${key}`, reason: `got ${JSON.stringify(v)}` },
    ]);
  }
  return v;
}

function readBounds(o: Record<string, unknown>, key: string, path: string): Bounds {
  const bounds = toBounds(o[key]);
  if (bounds === undefined) {
    throw invalidInput(`kernel field ${key} must be "fixed" or a [lower, upper] pair`, [
      { field: `${path}/${key}`, reason: `got ${JSON.stringify(o[key])}` },
    ]);
  }
  return bounds;
}

function toBounds(v: unknown): Bounds | undefined {
  if (v === "fixed") return "fixed";
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === "number" && typeof v[1] === "number") {
    return [v[0], v[1]];
  }
  return undefined;
}

function readBoundsList(o: Record<string, unknown>, key: string, path: string): Bounds[] {
  const v = o[key];
  const list = Array.isArray(v) ? v.map(toBounds) : [];
  const bad = list.indexOf(undefined);
  if (list.length === 0 || bad >= 0) {
    throw invalidInput(`kernel field ${key} must list "fixed" or [lower, upper] per dimension`, [
      { field: `${path}/${key}${bad >= 0 ? `/${bad}` : ""}`, reason: `got ${JSON.stringify(v)}` },
    ]);
  }
  return list.filter((b): b is Bounds => b !== undefined);
}

function readNumberList(o: Record<string, unknown>, key: string, path: string): number[] {
  const v = o[key];
  const list: unknown[] = Array.isArray(v) ? v : [];
  const bad = list.findIndex((x) => typeof x !== "number" || !Number.isFinite(x));
  if (list.length === 0 || bad >= 0) {
    throw invalidInput(`kernel field ${key} must be a non-empty list of finite numbers`, [
      { field: `${path}/${key}${bad >= 0 ? `/${bad}` : ""}`, reason: `got ${JSON.stringify(v)}` },
    ]);
  }
  return list.filter((x): x is number => typeof x === "number");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
