import { type EncodedMatrix, encodedFeatureNames, type TabularEncoderState } from "../../features/index.js";
import type { Explanation } from "../estimator.js";

/**
 * What a linear model on encoded features says in terms of its inputs. The model is ŷ = b + Σ_j v_j z_j over the
 * encoded columns z: a number column x standardised with the training mean m and deviation s (z = (x − m)/s, a
 * missing x read as m), a text column as one indicator per kept category plus "other" and "missing".
 */

/** One output of a linear model (a regression, the log-odds of a binary model, one class of a softmax). */
export interface LinearOutput {
  intercept: number;
  /** v, on the encoded columns. */
  weights: ArrayLike<number>;
}

/** The input column an encoded column comes from, and the standardisation of a number column. */
interface EncodedColumn {
  input: string;
  /** Number columns: the standardisation; null for an indicator. */
  scaling: { mean: number; sd: number } | null;
}

function columnsOf(encoder: TabularEncoderState): EncodedColumn[] {
  const out: EncodedColumn[] = [];
  for (const e of encoder.columns) {
    if (e.kind === "string") {
      for (let k = 0; k < e.categories.length + 2; k++) out.push({ input: e.column, scaling: null });
    } else out.push({ input: e.column, scaling: { mean: e.mean, sd: e.sd } });
  }
  return out;
}

/**
 * Coefficients on both scales. `coefficients` are per unit of the input (v_j / s for a number column; an
 * indicator's own weight for a category), with the matching `intercept` b − Σ v_j m / s; `standardisedCoefficients`
 * are per training standard deviation of the encoded column (v_j · sd_j, comparable across features whatever their
 * units), given those deviations.
 */
export function coefficientsOnBothScales(
  encoder: TabularEncoderState,
  output: LinearOutput,
  encodedScales: ArrayLike<number> | null,
): { intercept: number; coefficients: Record<string, number>; standardisedCoefficients?: Record<string, number> } {
  const names = encodedFeatureNames(encoder);
  const columns = columnsOf(encoder);
  let intercept = output.intercept;
  const coefficients: Record<string, number> = {};
  const standardised: Record<string, number> = {};
  columns.forEach((c, j) => {
    const v = output.weights[j] as number;
    const name = names[j] as string;
    if (c.scaling) {
      coefficients[name] = v / c.scaling.sd;
      intercept -= (v * c.scaling.mean) / c.scaling.sd;
    } else coefficients[name] = v;
    if (encodedScales) standardised[name] = v * (encodedScales[j] as number);
  });
  return { intercept, coefficients, ...(encodedScales ? { standardisedCoefficients: standardised } : {}) };
}

/**
 * Exact additive explanations: with z̄ the training means of the encoded columns, ŷ = (b + Σ_j v_j z̄_j) +
 * Σ_j v_j (z_j − z̄_j), so the expected value is the prediction at the training means and each input's
 * contribution is the sum of v_j (z_j − z̄_j) over its encoded columns (one for a number, the indicators of a text
 * column). A missing number sits at its mean after encoding, so it contributes (almost exactly) nothing.
 */
export function linearExplanations(
  encoder: TabularEncoderState,
  X: EncodedMatrix,
  encodedMeans: ArrayLike<number>,
  outputs: { label: string; output: LinearOutput }[],
  scale: Explanation["scale"],
): Explanation[] {
  const columns = columnsOf(encoder);
  const p = X.cols;
  const expected = outputs.map(({ output }) => {
    let e = output.intercept;
    for (let j = 0; j < p; j++) e += (output.weights[j] as number) * (encodedMeans[j] as number);
    return e;
  });
  const result: Explanation[] = [];
  for (let i = 0; i < X.rows; i++) {
    const perOutput: Explanation["outputs"] = {};
    outputs.forEach(({ label, output }, k) => {
      const contributions: Record<string, number> = {};
      for (const e of encoder.columns) contributions[e.column] = 0;
      for (let j = 0; j < p; j++) {
        const d = (X.data[i * p + j] as number) - (encodedMeans[j] as number);
        const input = (columns[j] as EncodedColumn).input;
        contributions[input] = (contributions[input] as number) + (output.weights[j] as number) * d;
      }
      perOutput[label] = { expected: expected[k] as number, contributions };
    });
    result.push({ scale, outputs: perOutput });
  }
  return result;
}
