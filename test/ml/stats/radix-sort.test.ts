import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/ml/random.js";
import { sortFloat64 } from "../../../src/ml/stats/radix-sort.js";

/** The built-in order, compared with Object.is so −0 and +0 count as different. */
function expectBuiltInOrder(values: Float64Array): void {
  const expected = values.slice().sort();
  const got = values.slice();
  sortFloat64(got);
  for (let i = 0; i < values.length; i++) {
    if (!Object.is(got[i], expected[i])) throw new Error(`index ${i}: got ${got[i]}, expected ${expected[i]}`);
  }
}

describe("sortFloat64", () => {
  it("orders values of every sign and magnitude as the built-in sort does", () => {
    const rng = new Rng(5);
    const special = [0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, -Number.MIN_VALUE];
    special.push(Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1, 2 ** -1074 * 3);
    const values = Float64Array.from({ length: 5000 }, (_, i) =>
      i % 10 === 0 ? special[i % special.length] : rng.normal() * 10 ** rng.int(20) * (i % 3 === 0 ? 1e-300 : 1),
    );
    expectBuiltInOrder(values);
  });

  it("sorts duplicates, constant runs and short arrays", () => {
    const rng = new Rng(9);
    expectBuiltInOrder(Float64Array.from({ length: 3000 }, () => rng.int(7) - 3));
    expectBuiltInOrder(new Float64Array(2000).fill(2.5));
    expectBuiltInOrder(Float64Array.from({ length: 100 }, () => rng.normal()));
    expectBuiltInOrder(new Float64Array(0));
  });

  it("sorts a view into a larger buffer and leaves the rest untouched", () => {
    const rng = new Rng(2);
    const all = Float64Array.from({ length: 3000 }, () => rng.normal());
    const before = all.slice();
    const view = all.subarray(1000, 2500);
    const expected = view.slice().sort();
    sortFloat64(view, new Uint32Array(2 * view.length));
    expect(Array.from(view)).toEqual(Array.from(expected));
    expect(Array.from(all.subarray(0, 1000))).toEqual(Array.from(before.subarray(0, 1000)));
    expect(Array.from(all.subarray(2500))).toEqual(Array.from(before.subarray(2500)));
  });
});
