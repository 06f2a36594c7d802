/**
 * The prediction log's SQLite writes on a thread of their own: the serving thread hands over packed batches of
 * rows (one string each, see `packLogRow`) and the thread inserts them with one prepared statement
 * in an IMMEDIATE transaction over its own connection (WAL lets it write beside the serving process's readers).
 * Measured under `bench/serve`: inserting on the serving thread took ~18% of it, in pauses of tens of milliseconds
 * every flush, which set the p99.
 */
import { Worker } from "node:worker_threads";

/**
 * One row of `prediction_log` as the writer buffers it, in column order, its inputs and outputs already JSON: the
 * row records the request as it was when answered.
 */
export type LogRow = [
  requestId: string,
  model: string,
  version: number,
  kind: "predict" | "forecast",
  inputsJson: string,
  outputsJson: string,
  latencyMs: number,
  at: number,
  route: string,
];

/**
 * Rows are buffered as one string, fields ended by U+001F and rows by U+001E (the ASCII unit and record
 * separators): no field can hold them (JSON escapes control characters; ids, names, kinds and routes are
 * validated), and a batch crosses to the thread as one flat copy instead of a structured clone of an array per row.
 */
export function packLogRow(row: LogRow): string {
  return `${row.join("\x1f")}\x1e`;
}

/** The rows of a packed batch (see {@link packLogRow}); self-contained, since the thread runs its source too. */
export function unpackLogRows(packed: string): LogRow[] {
  const rows: LogRow[] = [];
  let start = 0;
  for (let end = packed.indexOf("\x1e"); end >= 0; start = end + 1, end = packed.indexOf("\x1e", start)) {
    const f = packed.slice(start, end).split("\x1f");
    rows.push([
      f[0] as string,
      f[1] as string,
      Number(f[2]),
      f[3] as LogRow[3],
      f[4] as string,
      f[5] as string,
      Number(f[6]),
      Number(f[7]),
      f[8] as string,
    ]);
  }
  return rows;
}

/** The thread's loop; self-contained, since the thread runs its source (CommonJS, `require` from the path given). */
function threadMain(): void {
  const { parentPort, workerData } = require("node:worker_threads");
  const Database = require(workerData.driver);
  const db = new Database(workerData.file);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 10000");
  db.pragma("synchronous = NORMAL");
  // Rows go in 50 to a statement (450 parameters): a third the time per row of one-row statements.
  const PER_STATEMENT = 50;
  const insertOf = (rows: number) =>
    db.prepare(
      "insert into prediction_log (request_id, model, version, kind, inputs_json, outputs_json, latency_ms, at, route) " +
        `values ${Array(rows).fill("(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
    );
  const insertMany = insertOf(PER_STATEMENT);
  const insertOne = insertOf(1);
  const writeAll = db.transaction((packed: string) => {
    const rows = unpackLogRows(packed);
    let i = 0;
    for (; i + PER_STATEMENT <= rows.length; i += PER_STATEMENT)
      insertMany.run(rows.slice(i, i + PER_STATEMENT).flat());
    for (; i < rows.length; i++) insertOne.run(rows[i]);
  });
  parentPort.on("message", (m: { id: number; rows?: string; close?: boolean }) => {
    if (m.close) {
      db.close();
      parentPort.postMessage({ id: m.id, ok: true });
      return;
    }
    try {
      writeAll.immediate(m.rows);
      parentPort.postMessage({ id: m.id, ok: true });
    } catch (error) {
      parentPort.postMessage({ id: m.id, ok: false, error: String(error) });
    }
  });
}

export class SqliteLogThread {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private failed: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (m: { id: number; ok: boolean; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.ok) w?.resolve();
      else w?.reject(new Error(`prediction log insert failed: ${m.error}`));
    });
    const fail = (error: Error) => {
      this.failed = error;
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the prediction log thread exited (${code})`)));
    worker.unref();
  }

  /** A thread writing to the SQLite file `file` through the better-sqlite3 module at `driver`. */
  static start(file: string, driver: string): SqliteLogThread {
    return new SqliteLogThread(
      new Worker(`const unpackLogRows = ${unpackLogRows.toString()};\n(${threadMain.toString()})()`, {
        eval: true,
        workerData: { file, driver },
      }),
    );
  }

  /**
   * Resolves once the packed `rows` are committed; rejects when the insert failed (the caller keeps them) or the
   * thread died.
   */
  write(rows: string): Promise<void> {
    return this.send({ rows });
  }

  get usable(): boolean {
    return this.failed === null;
  }

  async close(): Promise<void> {
    if (this.failed) return;
    await this.send({ close: true }).catch(() => undefined);
    await this.worker.terminate();
  }

  private send(message: { rows?: string; close?: boolean }): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }
}
