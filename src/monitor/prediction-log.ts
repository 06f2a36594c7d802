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
 * Writes predictions off the hot path: entries are buffered and handed over in batches, every `flushMs` or as soon
 * as `maxBatch` accumulate. On SQLite a thread of its own inserts them (`sqlite-log-thread.ts`), fed through a ring
 * in shared memory, so the hand-over never waits; elsewhere, or when that thread has died (its ring's rows are taken
 * back), batches go in one transaction each through the store's Kysely instance. A batch that fails is kept and
 * retried. `close()` writes what is left.
 */
export class PredictionLogWriter {
  /** Rows packed one after another (see `packLogRow`), and how many. */
  private buffer = "";
  private buffered = 0;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  private readonly thread: SqliteLogThread | null;
  private threadFailureReported = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly options: {
      flushMs?: number;
      maxBatch?: number;
      onError?: (e: unknown) => void;
      /**
       * Most entries kept waiting, buffered or handed over and not yet committed (default 100,000): when the store
       * cannot keep up with the traffic, newer entries are dropped and counted rather than queued without bound.
       */
      maxBuffered?: number;
      /** The SQLite file and driver module, for the writer thread (see `MetadataStore.sqlite`). */
      sqlite?: { file: string; driver: string };
      /** Bytes of shared memory between the serving thread and the writer thread (default 32 MiB). */
      ringBytes?: number;
    } = {},
  ) {
    this.thread = options.sqlite
      ? SqliteLogThread.start(options.sqlite.file, options.sqlite.driver, options.ringBytes ?? 32 << 20, (e) =>
          options.onError?.(e),
        )
      : null;
    this.timer = setInterval(() => this.tick(), options.flushMs ?? (this.thread ? 50 : 250));
    this.timer.unref();
  }

  /** Entries dropped because the buffer was full (see `maxBuffered`). */
  dropped = 0;
  private droppedReported = 0;

  write(entry: PredictionLogEntry): void {
    if (this.buffered + (this.thread?.pending ?? 0) >= (this.options.maxBuffered ?? 100_000)) {
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
    if (this.buffered >= (this.options.maxBatch ?? 500)) this.tick();
  }

  /** Hands the buffer over and resolves once what was written before the call has been committed or tried. */
  flush(): Promise<void> {
    this.handOver();
    this.flushing = this.flushing.then(async () => {
      await this.thread?.settled();
      this.reportDropped();
      this.takeBackFromThread();
      // While the thread is up, what the ring had no room for waits for the next hand-over.
      if (this.thread?.usable && this.thread.fits(this.buffer.length)) return;
      await this.insertBuffer();
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (!this.thread) return;
    await this.thread.close();
    // Rows the thread could not commit before it stopped get one more try here.
    this.takeBackFromThread(true);
    await this.flush();
  }

  /** The timer's and the batch threshold's step: a synchronous hand-over while the thread is up. */
  private tick(): void {
    if (this.thread?.usable && this.thread.fits(this.buffer.length)) this.handOver();
    else void this.flush();
  }

  private handOver(): void {
    const thread = this.thread;
    if (!thread?.usable || this.buffered === 0 || !thread.fits(this.buffer.length)) return;
    if (thread.offer(this.buffer, this.buffered)) {
      this.buffer = "";
      this.buffered = 0;
    }
  }

  private takeBackFromThread(evenIfUsable = false): void {
    const thread = this.thread;
    if (!thread || (thread.usable && !evenIfUsable)) return;
    if (thread.failure && !this.threadFailureReported) {
      this.threadFailureReported = true;
      this.options.onError?.(thread.failure);
    }
    const back = thread.takeBack();
    this.buffer = back.packed + this.buffer;
    this.buffered += back.rows;
  }

  private reportDropped(): void {
    if (this.dropped === this.droppedReported) return;
    this.options.onError?.(
      new Error(`prediction log behind the traffic: ${this.dropped - this.droppedReported} entries dropped`),
    );
    this.droppedReported = this.dropped;
  }

  private async insertBuffer(): Promise<void> {
    if (this.buffered === 0) return;
    const batch = this.buffer;
    const count = this.buffered;
    this.buffer = "";
    this.buffered = 0;
    try {
      await this.insert(batch);
    } catch (error) {
      // Keep the batch for the next attempt rather than lose predictions.
      this.buffer = batch + this.buffer;
      this.buffered += count;
      this.options.onError?.(error);
    }
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
