import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { signWebhook, WebhookChannel } from "../../src/monitor/index.js";

/** A receiver answering `statuses` in turn (then 200), recording every request. */
async function receiver(statuses: number[]) {
  const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      seen.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { seen, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}

const T = Date.UTC(2026, 0, 2, 3, 4, 5);
const clock = { now: () => T };
const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe("WebhookChannel", () => {
  it("signs the timestamp and the body with HMAC-SHA256", async () => {
    const r = await receiver([]);
    servers.push(r.server);
    const channel = new WebhookChannel({ url: r.url, secret: "s3cret", clock });
    channel.send("model.approval.requested", { model: "m", version: 2 });
    await channel.flush();
    expect(r.seen).toHaveLength(1);
    const { headers, body } = r.seen[0] as { headers: IncomingHttpHeaders; body: string };
    expect(JSON.parse(body)).toEqual({
      event: "model.approval.requested",
      at: "2026-01-02T03:04:05.000Z",
      data: { model: "m", version: 2 },
    });
    expect(headers["x-slipway-event"]).toBe("model.approval.requested");
    expect(headers["x-slipway-timestamp"]).toBe(String(T / 1000));
    expect(headers["x-slipway-signature"]).toBe(signWebhook("s3cret", String(T / 1000), body));
    // Known value: `printf '1.{}' | openssl dgst -sha256 -hmac k`.
    expect(signWebhook("k", "1", "{}")).toBe("sha256=3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158");
  });

  it("retries a failed delivery, then reports it without throwing", async () => {
    const failing = await receiver([500, 503, 500]);
    const flaky = await receiver([502]);
    servers.push(failing.server, flaky.server);
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    const a = new WebhookChannel({ url: failing.url, clock, backoffMs: [10, 10], onError });
    a.send("e", {});
    await a.flush();
    expect(failing.seen).toHaveLength(3);
    expect(failing.seen[0]?.headers["x-slipway-signature"]).toBeUndefined();
    expect(String(errors[0])).toContain("answered 500");
    const b = new WebhookChannel({ url: flaky.url, clock, backoffMs: [10, 10], onError });
    b.send("e", {});
    await b.flush();
    expect(flaky.seen).toHaveLength(2);
    expect(errors).toHaveLength(1);
  });
});
