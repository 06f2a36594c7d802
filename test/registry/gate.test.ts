import { describe, expect, it } from "vitest";
import {
  evaluateGate,
  formatGateCondition,
  type GateCondition,
  gateProblems,
  parseGateCondition,
} from "../../src/registry/index.js";

const champion = { version: 2, metrics: { rmse: 10, mape: 0.1, r2: 0.9 } };
const candidate = (metrics: Record<string, number>) => ({ version: 3, metrics });

describe("evaluateGate", () => {
  it("holds a candidate to ratios of the champion's metrics and to absolute thresholds", () => {
    const gate: GateCondition[] = [
      { metric: "rmse", maxRatio: 1.02 },
      { metric: "mape", max: 0.2 },
    ];
    const ok = evaluateGate(gate, candidate({ rmse: 10.2, mape: 0.2 }), champion);
    expect(ok.passed).toBe(true);
    expect(ok.results.map((r) => [r.metric, r.bound, r.threshold, r.passed])).toEqual([
      ["rmse", "maxRatio", 10.2, true],
      ["mape", "max", 0.2, true],
    ]);
    const worse = evaluateGate(gate, candidate({ rmse: 10.3, mape: 0.25 }), champion);
    expect(worse).toMatchObject({ passed: false, forced: false, candidateVersion: 3, championVersion: 2 });
    expect(worse.results.map((r) => r.reason)).toEqual([
      "rmse: candidate 10.3 > 1.02 × champion v2's 10 = 10.2",
      "mape: candidate 0.25 > 0.2",
    ]);
    expect(worse.results[0]).toMatchObject({ limit: 1.02, candidate: 10.3, champion: 10 });
  });

  it("checks higher-is-better metrics with min and minRatio", () => {
    const gate: GateCondition[] = [{ metric: "r2", minRatio: 0.98, min: 0.5 }];
    expect(evaluateGate(gate, candidate({ r2: 0.882 }), champion).passed).toBe(true);
    const low = evaluateGate(gate, candidate({ r2: 0.4 }), champion);
    expect(low.results.map((r) => [r.bound, r.passed, r.reason])).toEqual([
      ["min", false, "r2: candidate 0.4 < 0.5"],
      ["minRatio", false, "r2: candidate 0.4 < 0.98 × champion v2's 0.9 = 0.882"],
    ]);
  });

  it("passes ratio bounds without a champion, or when the champion lacks the metric; absolute bounds still apply", () => {
    const gate: GateCondition[] = [
      { metric: "rmse", maxRatio: 1 },
      { metric: "mape", max: 0.2 },
    ];
    const first = evaluateGate(gate, candidate({ rmse: 99, mape: 0.3 }), null);
    expect(first.results.map((r) => [r.bound, r.passed, r.threshold])).toEqual([
      ["maxRatio", true, null],
      ["max", false, 0.2],
    ]);
    expect(first.results[0]?.reason).toBe("rmse: no champion, <=1x not applied");
    const lacking = evaluateGate([{ metric: "auc", maxRatio: 1 }], candidate({ auc: 0.7 }), champion);
    expect(lacking.passed).toBe(true);
    expect(lacking.results[0]?.reason).toBe("auc: champion v2 has no auc, <=1x not applied");
  });

  it("fails a candidate without a finite value of the metric", () => {
    const gate: GateCondition[] = [{ metric: "rmse", maxRatio: 2 }];
    expect(evaluateGate(gate, candidate({}), champion).results[0]).toMatchObject({
      passed: false,
      candidate: null,
      reason: "rmse: the candidate has no rmse (needs ≤ 2 × champion v2's 10 = 20)",
    });
    expect(evaluateGate(gate, candidate({ rmse: Number.NaN }), champion).passed).toBe(false);
    expect(evaluateGate([], candidate({}), champion)).toMatchObject({ passed: true, results: [] });
  });
});

describe("the CLI's gate syntax", () => {
  it.each([
    ["rmse<=1.02x", { metric: "rmse", maxRatio: 1.02 }],
    ["mape<=0.2", { metric: "mape", max: 0.2 }],
    ["r2>=0.98x", { metric: "r2", minRatio: 0.98 }],
    ["auc >= 0.8", { metric: "auc", min: 0.8 }],
    ["coverage95>=.9", { metric: "coverage95", min: 0.9 }],
    ["bias<=-1e-3", { metric: "bias", max: -0.001 }],
  ])("parses %j", (text, condition) => {
    expect(parseGateCondition(text)).toEqual(condition);
  });

  it.each(["rmse<1.02", "rmse<=", "<=1", "rmse<=0x", "rmse<=-1x", "rmse<=1.02y", "rm se<=1", "rmse<=1x2", "rmse=1"])(
    "rejects %j",
    (text) => {
      expect(parseGateCondition(text)).toBeNull();
    },
  );

  it("formats conditions back, one bound at a time", () => {
    expect(formatGateCondition({ metric: "rmse", maxRatio: 1.02 })).toBe("rmse<=1.02x");
    expect(formatGateCondition({ metric: "r2", min: 0.5, minRatio: 0.98 })).toBe("r2>=0.5, r2>=0.98x");
  });
});

describe("gateProblems", () => {
  it("names the field of each bad condition", () => {
    expect(
      gateProblems(
        [{ metric: "bad name" }, { metric: "rmse", maxRatio: 0 }, { metric: "mape", max: Number.POSITIVE_INFINITY }],
        "/gate",
      ),
    ).toEqual([
      { field: "/gate/0/metric", reason: "a metric name is 1–64 characters of [A-Za-z0-9_.-]" },
      { field: "/gate/0", reason: "needs a bound: max, maxRatio, min or minRatio" },
      { field: "/gate/1/maxRatio", reason: "a positive number" },
      { field: "/gate/2/max", reason: "a finite number" },
    ]);
    expect(gateProblems([{ metric: "rmse", maxRatio: 1.1 }], "/gate")).toEqual([]);
  });
});
