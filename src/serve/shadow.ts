/**
 * Shadow traffic off the response path: a shadow job starts only once the champion's answer is done (the
 * response's `close` event, which also comes when the client went away), on the next turn of the event loop. At
 * most `maxPending` wait at a time; past that, shadow copies are dropped (counted), never queued without bound. A
 * failing shadow is logged and never reaches the client.
 */
import type { FastifyReply } from "fastify";

export class ShadowRunner {
  private pending = 0;
  dropped = 0;
  failed = 0;

  constructor(
    private readonly onError: (error: unknown) => void,
    private readonly maxPending = 64,
  ) {}

  /** Runs `job` after `reply` is sent. */
  after(reply: FastifyReply, job: () => void): void {
    if (this.pending >= this.maxPending) {
      this.dropped++;
      return;
    }
    this.pending++;
    reply.raw.once("close", () => {
      setImmediate(() => {
        try {
          job();
        } catch (error) {
          this.failed++;
          this.onError(error);
        } finally {
          this.pending--;
        }
      });
    });
  }
}
