/**
 * Float64Array ⇄ base64 of its IEEE-754 little-endian bytes (RFC 4648, with padding): a bit-exact text form for
 * weights in a JSON document (decimal JSON numbers lose −0 and cannot hold NaN; base64 keeps every bit and is ~25%
 * smaller). The byte order is fixed, not the platform's, so a bundle reads the same on any machine.
 */
import { invalidInput } from "../../core/index.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** The base64 text of `values`' little-endian bytes. */
export function encodeFloat64Base64(values: Float64Array): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(8 * i, values[i], true);
  const parts: string[] = [];
  let chunk = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
    const n = (b0 << 16) | (b1 << 8) | b2;
    chunk += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63];
    chunk += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : "=";
    chunk += i + 2 < bytes.length ? ALPHABET[n & 63] : "=";
    if (chunk.length >= 4096) {
      parts.push(chunk);
      chunk = "";
    }
  }
  parts.push(chunk);
  return parts.join("");
}

/** The Float64Array encoded by {@link encodeFloat64Base64}; `field` names the value in errors. */
export function decodeFloat64Base64(text: string, field = "weights"): Float64Array {
  const bad = (reason: string) => invalidInput("invalid base64 float64 data", [{ field, reason }]);
  if (text.length % 4 !== 0) throw bad(`length ${text.length} is not a multiple of 4`);
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const byteLength = (text.length / 4) * 3 - padding;
  if (byteLength % 8 !== 0) throw bad(`${byteLength} bytes is not a whole number of float64 values`);
  const bytes = new Uint8Array(byteLength);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(i + k);
      const isPad = c === 61 && i + k >= text.length - padding;
      const v = isPad ? 0 : c < 128 ? LOOKUP[c] : -1;
      if (v < 0) throw bad(`unexpected character at ${i + k}`);
      n = (n << 6) | v;
    }
    if (o < byteLength) bytes[o++] = (n >> 16) & 255;
    if (o < byteLength) bytes[o++] = (n >> 8) & 255;
    if (o < byteLength) bytes[o++] = n & 255;
  }
  const view = new DataView(bytes.buffer);
  const out = new Float64Array(byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
  return out;
}
