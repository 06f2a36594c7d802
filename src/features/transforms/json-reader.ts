import type { ErrorDetail } from "../../core/errors.js";

/**
 * Readers for untrusted JSON (a pipeline config, a stored fitted state). Each reads one field, records a detail
 * naming its JSON pointer when the field is wrong, and returns `undefined` then, so one error can list every
 * problem instead of only the first.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** RFC 6901 escaping of one JSON pointer segment. */
export function pointerSegment(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

export function pointerTo(at: string, key: string | number): string {
  return `${at}/${typeof key === "number" ? key : pointerSegment(key)}`;
}

/** Flags keys outside `allowed` (usually typos, which would otherwise silently fall back to a default). */
export function checkKeys(
  obj: Record<string, unknown>,
  at: string,
  allowed: readonly string[],
  details: ErrorDetail[],
) {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      details.push({ field: pointerTo(at, key), reason: `unknown field; known: ${allowed.join(", ")}` });
  }
}

export function readObject(value: unknown, at: string, details: ErrorDetail[]): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  details.push({ field: at, reason: "expected an object" });
  return undefined;
}

/** Whether a field is left out; `null` counts as left out, as a stored config writes its unset options. */
function absent(obj: Record<string, unknown>, key: string, at: string, required: boolean, details: ErrorDetail[]) {
  if (obj[key] !== undefined && obj[key] !== null) return false;
  if (required) details.push({ field: pointerTo(at, key), reason: "required" });
  return true;
}

export function readString(
  obj: Record<string, unknown>,
  key: string,
  at: string,
  details: ErrorDetail[],
  required = true,
): string | undefined {
  if (absent(obj, key, at, required, details)) return undefined;
  const v = obj[key];
  if (typeof v === "string" && v !== "") return v;
  details.push({ field: pointerTo(at, key), reason: "expected a non-empty string" });
  return undefined;
}

export function readBoolean(
  obj: Record<string, unknown>,
  key: string,
  at: string,
  details: ErrorDetail[],
): boolean | undefined {
  if (absent(obj, key, at, false, details)) return undefined;
  const v = obj[key];
  if (typeof v === "boolean") return v;
  details.push({ field: pointerTo(at, key), reason: "expected true or false" });
  return undefined;
}

/** An integer no smaller than `min`. */
export function readInteger(
  obj: Record<string, unknown>,
  key: string,
  at: string,
  details: ErrorDetail[],
  min: number,
  required = false,
): number | undefined {
  if (absent(obj, key, at, required, details)) return undefined;
  const v = obj[key];
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= min) return v;
  details.push({ field: pointerTo(at, key), reason: `expected an integer ≥ ${min}` });
  return undefined;
}

export function readFinite(
  obj: Record<string, unknown>,
  key: string,
  at: string,
  details: ErrorDetail[],
  required = true,
): number | undefined {
  if (absent(obj, key, at, required, details)) return undefined;
  const v = obj[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  details.push({ field: pointerTo(at, key), reason: "expected a finite number" });
  return undefined;
}

export function readEnum<T extends string>(
  obj: Record<string, unknown>,
  key: string,
  at: string,
  details: ErrorDetail[],
  allowed: readonly T[],
  required = true,
): T | undefined {
  if (absent(obj, key, at, required, details)) return undefined;
  const v = obj[key];
  const match = allowed.find((a) => a === v);
  if (match !== undefined) return match;
  details.push({ field: pointerTo(at, key), reason: `expected one of ${allowed.join(", ")}` });
  return undefined;
}

/** An array whose items each pass `item` (which reports its own problems), optionally without repeats. */
export function readArray<T>(
  obj: Record<string, unknown>,
  key: string,
  at: string,
  details: ErrorDetail[],
  item: (value: unknown, at: string) => T | undefined,
  options: { required?: boolean; minItems?: number; unique?: boolean } = {},
): T[] | undefined {
  if (absent(obj, key, at, options.required ?? false, details)) return undefined;
  const v = obj[key];
  const path = pointerTo(at, key);
  if (!Array.isArray(v) || v.length < (options.minItems ?? 0)) {
    details.push({ field: path, reason: `expected an array of at least ${options.minItems ?? 0} item(s)` });
    return undefined;
  }
  const out: T[] = [];
  const seen = new Set<T>();
  let ok = true;
  for (let i = 0; i < v.length; i++) {
    const parsed = item(v[i], pointerTo(path, i));
    if (parsed === undefined) ok = false;
    else if (options.unique && seen.has(parsed)) {
      details.push({ field: pointerTo(path, i), reason: "listed twice" });
      ok = false;
    } else {
      out.push(parsed);
      if (options.unique) seen.add(parsed);
    }
  }
  return ok ? out : undefined;
}

/** Item readers for {@link readArray}. */
export function stringItem(details: ErrorDetail[]) {
  return (value: unknown, at: string): string | undefined => {
    if (typeof value === "string" && value !== "") return value;
    details.push({ field: at, reason: "expected a non-empty string" });
    return undefined;
  };
}

export function integerItem(details: ErrorDetail[], min: number) {
  return (value: unknown, at: string): number | undefined => {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= min) return value;
    details.push({ field: at, reason: `expected an integer ≥ ${min}` });
    return undefined;
  };
}

export function enumItem<T extends string>(details: ErrorDetail[], allowed: readonly T[]) {
  return (value: unknown, at: string): T | undefined => {
    const match = allowed.find((a) => a === value);
    if (match === undefined) details.push({ field: at, reason: `expected one of ${allowed.join(", ")}` });
    return match;
  };
}

/** A finite number, or `null` standing for NaN (JSON has no NaN). */
export function nullableNumberItem(details: ErrorDetail[]) {
  return (value: unknown, at: string): number | undefined => {
    if (value === null) return Number.NaN;
    if (typeof value === "number" && Number.isFinite(value)) return value;
    details.push({ field: at, reason: "expected a finite number or null" });
    return undefined;
  };
}
