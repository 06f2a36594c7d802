import { isSlipwayError } from "../../src/core/index.js";

/** The SlipwayError code a promise rejects with, "resolved" when it does not, or a note when it is another error. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isSlipwayError(error) ? error.code : `not a SlipwayError: ${String(error)}`;
  }
  return "resolved";
}
