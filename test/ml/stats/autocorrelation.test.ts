import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/ml/random.js";
import { autocorrelation, detectSeasonPeriod, detrend } from "../../../src/ml/stats/autocorrelation.js";

describe("autocorrelation", () => {
  it("matches the textbook definition on a small series", () => {
    // y = 1, 2, 3, 4, 5: ȳ = 3, Σ(y−ȳ)² = 10; r1 = (−2·−1 + −1·0 + 0·1 + 1·2)/10 = 0.4; r2 = (−2·0 + −1·1 + 0·2)/10 = −0.1.
    const r = autocorrelation(Float64Array.of(1, 2, 3, 4, 5), 2);
    expect(r[0]).toBeCloseTo(1, 15);
    expect(r[1]).toBeCloseTo(0.4, 15);
    expect(r[2]).toBeCloseTo(-0.1, 15);
  });

  it("removes a straight line exactly", () => {
    const d = detrend(Float64Array.from({ length: 10 }, (_, i) => 3 + 2 * i));
    for (const v of d) expect(Math.abs(v)).toBeLessThan(1e-12);
  });
});

describe("detectSeasonPeriod", () => {
  const seasonal = (n: number, period: number, trend: number, seed: number) => {
    const rng = new Rng(seed);
    return Float64Array.from(
      { length: n },
      (_, t) => trend * t + 10 * Math.sin((2 * Math.PI * t) / period) + rng.normal(),
    );
  };

  it("confirms the calendar period of a seasonal series, trend or not", () => {
    expect(detectSeasonPeriod(seasonal(96, 12, 0, 1), 12)).toBe(12);
    expect(detectSeasonPeriod(seasonal(96, 12, 2, 2), 12)).toBe(12);
  });

  it("finds a period without a calendar hint", () => {
    expect(detectSeasonPeriod(seasonal(120, 10, 0.5, 3), null)).toBe(10);
  });

  it("accepts the calendar season from only two cycles of a clearly seasonal series", () => {
    expect(detectSeasonPeriod(seasonal(24, 12, 1, 6), 12)).toBe(12);
  });

  it("prefers a cycle to its multiples", () => {
    // A 9.5-step cycle: lags 19 and 28 correlate almost as well as 9 or 10.
    const rng = new Rng(7);
    const y = Float64Array.from({ length: 114 }, (_, t) => 10 * Math.sin((2 * Math.PI * t) / 9.5) + rng.normal());
    const p = detectSeasonPeriod(y, null) as number;
    expect(p === 9 || p === 10).toBe(true);
  });

  it("rarely invents the calendar season in white noise", () => {
    let found = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const rng = new Rng(seed);
      if (
        detectSeasonPeriod(
          Float64Array.from({ length: 60 }, () => rng.normal()),
          12,
        ) === 12
      )
        found++;
    }
    // One standard error above a 0.2 floor: 6–8% of noise series pass; allow sampling error over 100 seeds.
    expect(found).toBeLessThan(16);
  });

  it("finds no period in white noise, and none from less than two cycles", () => {
    const rng = new Rng(4);
    expect(
      detectSeasonPeriod(
        Float64Array.from({ length: 200 }, () => rng.normal()),
        12,
      ),
    ).toBeNull();
    expect(detectSeasonPeriod(seasonal(20, 12, 0, 5), 12)).toBeNull();
  });
});
