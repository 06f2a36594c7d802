import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DatasetSpec, ingestFile, latestDatasetVersion } from "../../src/pipeline/index.js";
import { createTestContext, monthlyCsv, type TestContext } from "../helpers/pipeline-context.js";

const dataset: DatasetSpec = {
  name: "contacts",
  schema: {
    timeColumn: "month",
    columns: [
      { name: "month", type: "time", required: true },
      { name: "contacts", type: "number", min: 0 },
    ],
  },
  quarantine: { minRows: 20, maxRejectedShare: 0.05 },
};

describe("ingestFile", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext();
  });
  afterEach(async () => ctx.cleanup());

  const write = async (name: string, text: string) => {
    const path = join(ctx.dir, name);
    await writeFile(path, text);
    return path;
  };

  it("creates dataset versions with a content hash and skips a file already ingested", async () => {
    const path = await write("a.csv", monthlyCsv([2020, 1], 24));
    const first = await ingestFile(ctx, dataset, path);
    expect(first).toMatchObject({ status: "accepted", rows: 24, rejected: 0, datasetVersion: 1 });
    const again = await ingestFile(ctx, dataset, path);
    expect(again.status).toBe("unchanged");
    const v = await latestDatasetVersion(ctx, "contacts");
    expect(v?.version).toBe(1);
    expect(v?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(v?.frame.rowCount).toBe(24);
    expect(ctx.events.filter((e) => e.name === "dataset.version.created")).toHaveLength(1);
  });

  it("replaces a row whose time already exists and records the replacement", async () => {
    await ingestFile(ctx, dataset, await write("a.csv", monthlyCsv([2020, 1], 12)));
    const fix = await ingestFile(
      ctx,
      dataset,
      await write("fix.csv", "month,contacts\n2020-03-01,999\n2021-01-01,1000\n"),
    );
    expect(fix).toMatchObject({ status: "accepted", replaced: 1, datasetVersion: 2 });
    const v = await latestDatasetVersion(ctx, "contacts");
    expect(v?.frame.rowCount).toBe(13);
    const contacts = v?.frame.columns.get("contacts")?.values as Float64Array;
    expect(contacts[2]).toBe(999);
    expect(v?.sources.at(-1)?.replaced).toEqual(["2020-03-01T00:00:00.000Z"]);
  });

  it("quarantines bad rows with their line and reason, and keeps the good ones", async () => {
    const text = `${monthlyCsv([2020, 1], 3).trim()}\n2020-04-01,abc\n2020-05-01,-5\n`;
    const result = await ingestFile(ctx, dataset, await write("mixed.csv", text));
    expect(result).toMatchObject({ status: "partial", rows: 3, rejected: 2, datasetVersion: 1 });
    const q = await readFile(join(ctx.stores.quarantineDir, "contacts", "mixed.csv.rejected.csv"), "utf8");
    const lines = q.trim().split("\n");
    expect(lines[0]).toBe("month,contacts,_line,_error");
    expect(lines[1]).toMatch(/^2020-04-01,abc,5,".*contacts.*"$/);
    expect(lines[2]).toMatch(/^2020-05-01,-5,6,/);
  });

  it("quarantines a whole file of 20 rows or more when over 5% of its rows are bad", async () => {
    const rows = monthlyCsv([2020, 1], 20).trim().split("\n");
    rows[3] = "2020-03-01,x";
    rows[7] = "2020-07-01,y";
    const result = await ingestFile(ctx, dataset, await write("bad.csv", `${rows.join("\n")}\n`));
    expect(result).toMatchObject({ status: "quarantined", rows: 20, rejected: 2, datasetVersion: null });
    expect(await readFile(join(ctx.stores.quarantineDir, "contacts", "bad.csv"), "utf8")).toBe(`${rows.join("\n")}\n`);
    expect(await latestDatasetVersion(ctx, "contacts")).toBeNull();
    expect(ctx.events.some((e) => e.name === "dataset.file.quarantined")).toBe(true);
  });

  it("keeps a file of 20 rows with exactly 5% bad rows (one), quarantining only that row", async () => {
    const rows = monthlyCsv([2020, 1], 20).trim().split("\n");
    rows[3] = "2020-03-01,x";
    const result = await ingestFile(ctx, dataset, await write("one-bad.csv", `${rows.join("\n")}\n`));
    expect(result).toMatchObject({ status: "partial", rows: 19, rejected: 1, datasetVersion: 1 });
  });

  it("sets aside a file whose header lacks a schema column, and one that is not UTF-8", async () => {
    const wrong = await ingestFile(ctx, dataset, await write("wrong.csv", "date,contacts\n2020-01-01,5\n"));
    expect(wrong).toMatchObject({ status: "quarantined", datasetVersion: null });
    const reason = await readFile(join(ctx.stores.quarantineDir, "contacts", "wrong.csv.reason.txt"), "utf8");
    expect(reason).toContain("month");
    const latin1 = Buffer.from("month,contacts\n2020-01-01,5\n# caf\xe9\n", "latin1");
    const path = join(ctx.dir, "latin1.csv");
    await writeFile(path, latin1);
    const enc = await ingestFile(ctx, dataset, path);
    expect(enc).toMatchObject({ status: "quarantined", datasetVersion: null });
    expect(await readFile(join(ctx.stores.quarantineDir, "contacts", "latin1.csv"))).toEqual(latin1);
    expect(await latestDatasetVersion(ctx, "contacts")).toBeNull();
  });
});
