/**
 * A signed webhook channel: each event is POSTed as `{"event", "at", "data"}` JSON. With a secret, the request
 * carries `x-slipway-signature: sha256=<hex>`, the HMAC-SHA256 of `<x-slipway-timestamp>.<body>` under the secret,
 * so a receiver can check both origin and freshness (the same scheme as Stripe's and Slack's). A failed delivery
 * (network error or non-2xx) is retried twice with backoff, then reported to `onError`; it never throws into the
 * publisher. `flush()` waits for deliveries in flight (a CLI process calls it before exiting).
 */
import { createHmac } from "node:crypto";
import type { Clock } from "../core/index.js";

export interface WebhookOptions {
  url: string;
  secret?: string;
  clock: Clock;
  /** Per attempt. */
  timeoutMs?: number;
  /** Waits before the second and third attempts. */
  backoffMs?: number[];
  onError?: (error: unknown, event: string) => void;
}

export const SIGNATURE_HEADER = "x-slipway-signature";
export const TIMESTAMP_HEADER = "x-slipway-timestamp";
export const EVENT_HEADER = "x-slipway-event";

/** The signature header value for `body` sent at `timestamp` (seconds since the epoch, as text). */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export class WebhookChannel {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: WebhookOptions) {}

  /** Sends one event in the background. */
  send(event: string, data: unknown): void {
    const delivery = this.deliver(event, data).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async deliver(event: string, data: unknown): Promise<void> {
    const { url, secret, clock } = this.options;
    const now = clock.now();
    const body = JSON.stringify({ event, at: new Date(now).toISOString(), data });
    const timestamp = String(Math.floor(now / 1000));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      [EVENT_HEADER]: event,
      [TIMESTAMP_HEADER]: timestamp,
    };
    if (secret) headers[SIGNATURE_HEADER] = signWebhook(secret, timestamp, body);
    const waits = this.options.backoffMs ?? [500, 2000];
    let lastError: unknown;
    for (let attempt = 0; attempt <= waits.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, waits[attempt - 1]));
      try {
        const res = await fetch(url, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        });
        await res.arrayBuffer();
        if (res.ok) return;
        lastError = new Error(`webhook ${url} answered ${res.status}`);
      } catch (error) {
        lastError = error;
      }
    }
    this.options.onError?.(lastError, event);
  }
}
