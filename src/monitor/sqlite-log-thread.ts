/**
 * The prediction log's SQLite writes on a thread of their own. The serving thread copies packed batches of rows
 * (one string each, see `packLogRow`) into a ring in shared memory and goes on; the thread drains the ring and
 * inserts what it finds in an IMMEDIATE transaction over its own connection (WAL lets it write beside the serving
 * process's readers), retrying until the insert succeeds. Measured under `bench/serve`: inserting on the serving
 * thread took ~18% of it, in pauses of tens of milliseconds every flush, which set the p99; and a backlog queued as
 * strings on the serving thread's heap (a 100-row batch route logs faster than SQLite inserts) ended in
 * Mark-Compact pauses of ~170 ms. The ring keeps the backlog off that heap and bounds it.
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

/**
 * Control cells of the ring, in an Int32Array beside it. Offsets are bytes into the ring; the counts of rows wrap
 * at 2³² and are compared by their difference.
 */
const WRITE_AT = 0; // where the next record goes (the serving thread's)
const READ_AT = 1; // the first record not yet committed (the log thread's)
const ENQUEUED = 2; // rows put in the ring
const COMMITTED = 3; // rows committed to the database
const ATTEMPTED = 4; // the ENQUEUED count the latest insert attempt covered, committed or not
const CLOSING = 5; // 1 once the serving thread wants the thread to drain and stop
const CONTROL_CELLS = 6;
/** A record is [u32 byte length][u32 rows][UTF-8 bytes, padded to 4]; this length says "go on at offset 0". */
const WRAP = 0xffffffff;

/**
 * The records from byte `at` up to `end` of the ring, decoded and joined, stopping once `maxChars` are read; and the
 * offset reached. Self-contained but for WRAP (the thread's source defines it too).
 */
export function readRecords(
  view: DataView,
  bytes: Buffer,
  at: number,
  end: number,
  maxChars: number,
): { packed: string; rows: number; at: number } {
  let packed = "";
  let rows = 0;
  while (at !== end && packed.length < maxChars) {
    const length = view.getUint32(at, true);
    if (length === WRAP) {
      at = 0;
      continue;
    }
    rows += view.getUint32(at + 4, true);
    packed += bytes.toString("utf8", at + 8, at + 8 + length);
    at += 8 + ((length + 3) & ~3);
  }
  return { packed, rows, at };
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

  const ctrl = new Int32Array(workerData.control);
  const view = new DataView(workerData.ring);
  const bytes = Buffer.from(workerData.ring);
  // Most bytes decoded into one transaction, so a long backlog commits (and frees ring space) in steps.
  const MAX_BYTES_PER_COMMIT = 4 << 20;

  /** Inserts what the ring holds; false when the insert failed (the rows stay in the ring for the next try). */
  const drain = (): boolean => {
    const enqueued = Atomics.load(ctrl, ENQUEUED); // read before WRITE_AT: the records up to it hold these rows
    const end = Atomics.load(ctrl, WRITE_AT);
    let at = Atomics.load(ctrl, READ_AT);
    while (at !== end) {
      const { packed, rows, at: next } = readRecords(view, bytes, at, end, MAX_BYTES_PER_COMMIT);
      at = next;
      try {
        writeAll.immediate(packed);
      } catch (error) {
        Atomics.store(ctrl, ATTEMPTED, enqueued);
        parentPort.postMessage({ error: String(error) });
        return false;
      }
      Atomics.store(ctrl, READ_AT, at);
      Atomics.add(ctrl, COMMITTED, rows);
    }
    Atomics.store(ctrl, ATTEMPTED, enqueued);
    return true;
  };

  // Node 20 has it; TypeScript's lib declares it from ES2024 on.
  const waitAsync = (
    Atomics as unknown as {
      waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string };
    }
  ).waitAsync;
  // A pending Atomics.waitAsync does not keep a thread alive; a message listener does.
  parentPort.on("message", () => undefined);
  (async () => {
    for (;;) {
      const closing = Atomics.load(ctrl, CLOSING) === 1;
      const ok = drain();
      if (closing) break;
      const seen = Atomics.load(ctrl, WRITE_AT);
      if (ok && seen !== Atomics.load(ctrl, READ_AT)) continue;
      // Woken by the next hand-over (or close); after a failed insert, retried every 250 ms.
      const wait = waitAsync(ctrl, WRITE_AT, seen, ok ? Number.POSITIVE_INFINITY : 250);
      if (wait.async) await wait.value;
    }
    db.close();
    process.exit(0);
  })();
}

/** The serving thread's end of the ring: hands batches over without waiting, and takes them back if the thread dies. */
export class SqliteLogThread {
  private failed: Error | null = null;
  private closed = false;
  private readonly ctrl: Int32Array;
  private readonly view: DataView;
  private readonly bytes: Buffer;
  private readonly capacity: number;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    control: SharedArrayBuffer,
    ring: SharedArrayBuffer,
    onError: (e: Error) => void,
  ) {
    this.ctrl = new Int32Array(control);
    this.view = new DataView(ring);
    this.bytes = Buffer.from(ring);
    this.capacity = ring.byteLength;
    worker.on("message", (m: { error: string }) => onError(new Error(`prediction log insert failed: ${m.error}`)));
    this.exited = new Promise((resolve) => {
      worker.on("error", (error: unknown) => {
        // An error class of the thread's (SqliteError) arrives as a plain object.
        const reason = error instanceof Error ? error.message : JSON.stringify(error);
        this.failed ??= new Error(`the prediction log thread failed: ${reason}`);
      });
      worker.on("exit", (code) => {
        if (code !== 0 || Atomics.load(this.ctrl, CLOSING) === 0)
          this.failed ??= new Error(`the prediction log thread exited (${code})`);
        resolve();
      });
    });
    worker.unref();
  }

  /**
   * A thread writing to the SQLite file `file` through the better-sqlite3 module at `driver`, fed through a ring of
   * `ringBytes` bytes; `onError` hears of inserts that failed (and are retried).
   */
  static start(file: string, driver: string, ringBytes: number, onError: (e: Error) => void): SqliteLogThread {
    const control = new SharedArrayBuffer(CONTROL_CELLS * 4);
    const ring = new SharedArrayBuffer(ringBytes & ~3);
    const constants = { WRITE_AT, READ_AT, ENQUEUED, COMMITTED, ATTEMPTED, CLOSING, WRAP };
    const prelude = Object.entries(constants)
      .map(([k, v]) => `const ${k} = ${v};`)
      .join("\n");
    const worker = new Worker(
      [
        prelude,
        `const unpackLogRows = ${unpackLogRows};`,
        `const readRecords = ${readRecords};`,
        `(${threadMain})()`,
      ].join("\n"),
      { eval: true, workerData: { file, driver, control, ring } },
    );
    return new SqliteLogThread(worker, control, ring, onError);
  }

  /** Whether batches can be handed over: the thread has neither died nor been closed. */
  get usable(): boolean {
    return this.failed === null && !this.closed;
  }

  /** Why the thread stopped, once it has. */
  get failure(): Error | null {
    return this.failed;
  }

  /** Rows handed over and not yet committed. */
  get pending(): number {
    return (Atomics.load(this.ctrl, ENQUEUED) - Atomics.load(this.ctrl, COMMITTED)) | 0;
  }

  /** Whether a batch this long (in UTF-16 units) can ever fit: larger ones go another way. */
  fits(packedLength: number): boolean {
    return 8 + 3 * packedLength + 8 <= this.capacity / 2;
  }

  /** Copies `rows` packed rows into the ring; false when it has no room for them now (or the thread is gone). */
  offer(packed: string, rows: number): boolean {
    if (!this.usable) return false;
    const { ctrl, view, capacity } = this;
    // Room for the worst case, 3 UTF-8 bytes per UTF-16 unit; a record never ends where READ_AT is (that is empty).
    const need = 8 + ((3 * packed.length + 3) & ~3);
    const read = Atomics.load(ctrl, READ_AT);
    let at = Atomics.load(ctrl, WRITE_AT);
    if (at >= read) {
      if (capacity - at < need + 4) {
        if (read <= need) return false;
        view.setUint32(at, WRAP, true);
        at = 0;
      }
    } else if (read - at <= need) return false;
    const length = this.bytes.write(packed, at + 8);
    view.setUint32(at, length, true);
    view.setUint32(at + 4, rows, true);
    Atomics.store(ctrl, WRITE_AT, at + 8 + ((length + 3) & ~3));
    Atomics.add(ctrl, ENQUEUED, rows);
    Atomics.notify(ctrl, WRITE_AT);
    return true;
  }

  /** Resolves once the thread has tried to insert everything handed over before the call (or has died). */
  async settled(): Promise<void> {
    const target = Atomics.load(this.ctrl, ENQUEUED);
    // Polled on a timer: a pending Atomics.waitAsync would not keep the process alive while a caller awaits this.
    while (this.usable && ((Atomics.load(this.ctrl, ATTEMPTED) - target) | 0) < 0)
      await new Promise((resolve) => setTimeout(resolve, 2));
  }

  /** After the thread has stopped: the rows it did not commit, packed, and how many; the ring is empty after. */
  takeBack(): { packed: string; rows: number } {
    const { ctrl, view } = this;
    const end = Atomics.load(ctrl, WRITE_AT);
    const { packed, rows } = readRecords(view, this.bytes, Atomics.load(ctrl, READ_AT), end, Number.POSITIVE_INFINITY);
    Atomics.store(ctrl, READ_AT, end);
    Atomics.store(ctrl, COMMITTED, Atomics.load(ctrl, ENQUEUED));
    return { packed, rows };
  }

  /** Lets the thread drain the ring and stop; resolves when it has. */
  async close(): Promise<void> {
    this.closed = true;
    Atomics.store(this.ctrl, CLOSING, 1);
    Atomics.notify(this.ctrl, WRITE_AT);
    this.worker.ref(); // the drain must finish before the process may exit
    await this.exited;
  }
}
