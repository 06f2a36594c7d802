import { type Kysely, sql } from "kysely";
import { type Clock, type EventBus, isSlipwayError, newId, SlipwayError } from "../core/index.js";
import type { Database } from "../store/index.js";

export interface JobContext {
  jobId: string;
  attempt: number;
}

export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<unknown>;

export interface RunnerOptions {
  /** Who holds a lease; unique per process. */
  owner?: string;
  /** A running job whose lease is older than this is taken over by any runner (its process is presumed dead). */
  leaseMs?: number;
  pollMs?: number;
  /** Called when a handler fails, with the error (the edge logs it). */
  onError?: (kind: string, jobId: string, error: unknown) => void;
}

export interface JobRecord {
  id: string;
  kind: string;
  state: Database["jobs"]["state"];
  attempts: number;
  error: string | null;
  result: unknown;
}

/**
 * An in-process job runner over the `jobs` table. Claiming is one UPDATE (atomic in the database), a running job
 * renews its lease while it works, and a job whose lease ran out is claimed again, so a crash leaves nothing stuck.
 * A handler's client error (a SlipwayError with a 4xx status) is not retried: the input will not get better.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | null = null;
  private active: Promise<void> | null = null;
  private stopped = true;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly options: RunnerOptions = {},
  ) {
    this.owner = options.owner ?? newId("runner");
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 200;
  }

  register(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  async enqueue(
    kind: string,
    payload: unknown,
    opts: { maxAttempts?: number; delayMs?: number } = {},
  ): Promise<string> {
    const id = newId("job");
    const now = this.clock.now();
    await this.db
      .insertInto("jobs")
      .values({
        id,
        kind,
        payload_json: JSON.stringify(payload ?? null),
        state: "queued",
        attempts: 0,
        max_attempts: opts.maxAttempts ?? 3,
        lease_owner: null,
        lease_expires_at: null,
        run_after: now + (opts.delayMs ?? 0),
        result_json: null,
        error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    this.kick();
    return id;
  }

  /** Claims and runs one due job; false when there was none. */
  async runOnce(): Promise<boolean> {
    const now = this.clock.now();
    const kinds = [...this.handlers.keys()];
    if (kinds.length === 0) return false;
    const job = await this.db
      .updateTable("jobs")
      .set({
        state: "running",
        lease_owner: this.owner,
        lease_expires_at: now + this.leaseMs,
        attempts: sql<number>`attempts + 1`,
        updated_at: now,
      })
      .where(
        "id",
        "=",
        this.db
          .selectFrom("jobs")
          .select("id")
          .where("kind", "in", kinds)
          .where((eb) =>
            eb.or([
              eb.and([eb("state", "=", "queued"), eb("run_after", "<=", now)]),
              eb.and([eb("state", "=", "running"), eb("lease_expires_at", "<", now)]),
            ]),
          )
          .orderBy("run_after")
          .orderBy("created_at")
          .limit(1),
      )
      .returningAll()
      .executeTakeFirst();
    if (!job) return false;
    const handler = this.handlers.get(job.kind);
    if (!handler) return false;
    if (job.attempts > job.max_attempts) {
      await this.finish(job.id, job.kind, "failed", null, `gave up after ${job.max_attempts} attempts (lease expired)`);
      return true;
    }
    const heartbeat = setInterval(
      () => {
        void this.db
          .updateTable("jobs")
          .set({ lease_expires_at: this.clock.now() + this.leaseMs })
          .where("id", "=", job.id)
          .where("lease_owner", "=", this.owner)
          .execute()
          .catch(() => {});
      },
      Math.max(50, this.leaseMs / 3),
    );
    try {
      const result = await handler(JSON.parse(job.payload_json), { jobId: job.id, attempt: job.attempts });
      await this.finish(job.id, job.kind, "succeeded", result ?? null, null);
    } catch (error) {
      this.options.onError?.(job.kind, job.id, error);
      const message = error instanceof Error ? error.message : String(error);
      const retryable = !(isSlipwayError(error) && error.status < 500) && job.attempts < job.max_attempts;
      if (retryable) {
        const backoffMs = Math.min(30_000, 500 * 2 ** (job.attempts - 1));
        const requeued = await this.db
          .updateTable("jobs")
          .set({
            state: "queued",
            lease_owner: null,
            lease_expires_at: null,
            run_after: this.clock.now() + backoffMs,
            error: message,
            updated_at: this.clock.now(),
          })
          .where("id", "=", job.id)
          .where("lease_owner", "=", this.owner)
          .executeTakeFirst();
        if (requeued.numUpdatedRows === 0n) this.reportLeaseLost(job.id, job.kind);
      } else {
        await this.finish(job.id, job.kind, "failed", null, message);
      }
    } finally {
      clearInterval(heartbeat);
    }
    return true;
  }

  /**
   * Records the outcome only while this runner still holds the lease: a runner presumed dead whose job another took
   * over must not overwrite the new owner's outcome nor announce the job a second time.
   */
  private async finish(id: string, kind: string, state: "succeeded" | "failed", result: unknown, error: string | null) {
    const updated = await this.db
      .updateTable("jobs")
      .set({
        state,
        lease_owner: null,
        lease_expires_at: null,
        result_json: result === null ? null : JSON.stringify(result),
        error,
        updated_at: this.clock.now(),
      })
      .where("id", "=", id)
      .where("lease_owner", "=", this.owner)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) {
      this.reportLeaseLost(id, kind);
      return;
    }
    this.bus.emit("job.finished", { jobId: id, kind, state });
  }

  private reportLeaseLost(id: string, kind: string): void {
    this.options.onError?.(
      kind,
      id,
      new SlipwayError("SLP_JOB_LEASE_LOST", `job ${id} was taken over by another runner; this outcome is dropped`),
    );
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const row = await this.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      kind: row.kind,
      state: row.state,
      attempts: row.attempts,
      error: row.error,
      result: row.result_json ? JSON.parse(row.result_json) : null,
    };
  }

  /** Starts polling for jobs in the background. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.kick();
  }

  /** Stops polling and waits for the job in hand to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.active;
  }

  /** Resolves once no job is due and none is running (for the CLI and tests). */
  async drain(): Promise<void> {
    while (await this.runOnce()) {}
  }

  onIdle(): Promise<void> {
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private kick(): void {
    if (this.stopped || this.active) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.active = (async () => {
      try {
        while (!this.stopped && (await this.runOnce())) {}
      } catch (error) {
        this.options.onError?.("runner", "-", error);
      } finally {
        this.active = null;
        for (const w of this.idleWaiters.splice(0)) w();
        if (!this.stopped) this.timer = setTimeout(() => this.kick(), this.pollMs);
      }
    })();
  }
}
