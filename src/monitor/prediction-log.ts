import type { Kysely } from "kysely";
import type { Clock } from "../core/index.js";
import type { Database } from "../store/index.js";
import { packLogRow, SqliteLogThread, unpackLogRows } from "./sqlite-log-thread.js";

export interface PredictionLogEntry {
  requestId: string;
  model: string;
  version: number;
  kind: "predict" | "forecast";
  inputs: unknown;
  outputs: unknown;
  latencyMs: number;
  /** Which route answered (default `production`); `shadow` entries were not returned to the client. */
  route?: "production" | "canary" | "pinned" | "shadow";
}

/**
 * Writes predictions off the hot path: entries are buffered and inserted in one transaction per batch, every
 * `flushMs` or as soon as `maxBatch` accumulate. On SQLite the inserts run on a thread of their own
 * (`sqlite-log-thread.ts`); elsewhere, or when that thread fails, through the store's Kysely instance. A batch that
 * fails is kept and retried with the next. `close()` writes what is left.
 */
export class PredictionLogWriter {
  /** Rows packed one after another (see `packLogRow`), and how many. */
  private buffer = "";
  private buffered = 0;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  private readonly thread: SqliteLogThread | null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly options: {
      flushMs?: number;
      maxBatch?: number;
      onError?: (e: unknown) => void;
      /**
       * Most entries kept waiting (default 100,000): when the store cannot keep up with the traffic, newer entries
       * are dropped and counted rather than buffered without bound (which ends in second-long GC pauses).
       */
      maxBuffered?: number;
      /** The SQLite file and driver module, for the writer thread (see `MetadataStore.sqlite`). */
      sqlite?: { file: string; driver: string };
    } = {},
  ) {
    this.thread = options.sqlite ? SqliteLogThread.start(options.sqlite.file, options.sqlite.driver) : null;
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? (this.thread ? 50 : 250));
    this.timer.unref();
  }

  /** Entries dropped because the buffer was full (see `maxBuffered`). */
  dropped = 0;
  private droppedReported = 0;

  write(entry: PredictionLogEntry): void {
    if (this.buffered >= (this.options.maxBuffered ?? 100_000)) {
      this.dropped++;
      return;
    }
    this.buffer += packLogRow([
      entry.requestId,
      entry.model,
      entry.version,
      entry.kind,
      JSON.stringify(entry.inputs) ?? "null",
      JSON.stringify(entry.outputs) ?? "null",
      entry.latencyMs,
      this.clock.now(),
      entry.route ?? "production",
    ]);
    this.buffered++;
    if (this.buffered >= (this.options.maxBatch ?? 500)) void this.flush();
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.dropped > this.droppedReported) {
        this.options.onError?.(
          new Error(`prediction log behind the traffic: ${this.dropped - this.droppedReported} entries dropped`),
        );
        this.droppedReported = this.dropped;
      }
      if (this.buffered === 0) return;
      const batch = this.buffer;
      const count = this.buffered;
      this.buffer = "";
      this.buffered = 0;
      try {
        if (this.thread?.usable) await this.thread.write(batch);
        else await this.insert(batch);
      } catch (error) {
        // Keep the batch for the next attempt rather than lose predictions.
        this.buffer = batch + this.buffer;
        this.buffered += count;
        this.options.onError?.(error);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.thread?.close();
  }

  private async insert(packed: string): Promise<void> {
    const batch = unpackLogRows(packed);
    await this.db.transaction().execute(async (trx) => {
      // SQLite caps bound parameters per statement; 9 columns × 100 rows stays well under it.
      for (let i = 0; i < batch.length; i += 100) {
        await trx
          .insertInto("prediction_log")
          .values(
            batch
              .slice(i, i + 100)
              .map(([request_id, model, version, kind, inputs_json, outputs_json, latency_ms, at, route]) => ({
                request_id,
                model,
                version,
                kind,
                inputs_json,
                outputs_json,
                latency_ms,
                at,
                route,
              })),
          )
          .execute();
      }
    });
  }
}
