/**
 * API tokens for the HTTP API: `slp_` + 32 random bytes (base64url), shown once at creation and stored only as
 * their SHA-256 (a token has 256 bits of entropy, so a plain hash cannot be searched; no salt is needed). Scopes:
 * `predict` (predict and forecast routes), `read` (model listing) and `admin` (release and token routes; it also
 * grants the other two). Creating and revoking a token are audited.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { type Clock, invalidInput, newId, SlipwayError } from "../core/index.js";
import { audit } from "../registry/audit.js";
import type { Database } from "../store/index.js";

export const SCOPES = ["predict", "read", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenInfo {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  revokedAt: string | null;
}

/** How long a verified token is trusted without asking the store again (a revocation takes effect within it). */
const VERIFY_CACHE_MS = 1000;

const NAME = /^[A-Za-z0-9._ -]{1,64}$/;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Checks a scope list from a request or a flag: a non-empty subset of {@link SCOPES}, no repeats. */
export function parseScopes(value: unknown, field: string): Scope[] {
  const list = typeof value === "string" ? value.split(",").map((s) => s.trim()) : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw invalidInput("scopes must be a non-empty list", [{ field, reason: `one or more of ${SCOPES.join(", ")}` }]);
  }
  const out: Scope[] = [];
  for (const s of list) {
    if (!SCOPES.includes(s as Scope)) {
      throw invalidInput(`unknown scope ${JSON.stringify(s)}`, [{ field, reason: `one of ${SCOPES.join(", ")}` }]);
    }
    if (!out.includes(s as Scope)) out.push(s as Scope);
  }
  return out;
}

/** Whether a token with `scopes` may use a route that needs `needed`. */
export function grants(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.includes(needed) || scopes.includes("admin");
}

export class TokenStore {
  private readonly verified = new Map<string, { info: TokenInfo; at: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Creates a token; the answer is the only place the token itself ever appears. */
  async create(name: string, scopes: Scope[], by: { actor: string }): Promise<TokenInfo & { token: string }> {
    if (typeof name !== "string" || !NAME.test(name)) {
      throw invalidInput("the token name must be 1–64 characters of letters, digits, space, '.', '_' or '-'", [
        { field: "name", reason: "invalid" },
      ]);
    }
    const token = `slp_${randomBytes(32).toString("base64url")}`;
    const id = newId("tok");
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("api_tokens")
        .values({ id, name, token_hash: hashToken(token), scopes_json: JSON.stringify(scopes), created_at: now })
        .execute();
      await audit(trx, now, by.actor, "token.create", "", null, null, null, `${id} ${name} (${scopes.join(",")})`);
    });
    return { id, name, scopes, createdAt: new Date(now).toISOString(), revokedAt: null, token };
  }

  async list(): Promise<TokenInfo[]> {
    const rows = await this.db.selectFrom("api_tokens").selectAll().orderBy("created_at").orderBy("id").execute();
    return rows.map(toInfo);
  }

  /** Revokes a token (again is a no-op); SLP_TOKEN_NOT_FOUND for an unknown id. */
  async revoke(id: string, by: { actor: string }): Promise<TokenInfo> {
    const info = await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("api_tokens").selectAll().where("id", "=", id).executeTakeFirst();
      if (!row) {
        throw new SlipwayError("SLP_TOKEN_NOT_FOUND", `no API token ${id}`, [{ field: "id", reason: "not found" }]);
      }
      if (row.revoked_at !== null) return toInfo(row);
      const now = this.clock.now();
      await trx.updateTable("api_tokens").set({ revoked_at: now }).where("id", "=", id).execute();
      await audit(trx, now, by.actor, "token.revoke", "", null, null, null, `${id} ${row.name}`);
      return toInfo({ ...row, revoked_at: now });
    });
    this.verified.clear();
    return info;
  }

  /** The live token `token` is, or null (unknown or revoked). */
  async verify(token: string): Promise<TokenInfo | null> {
    const hash = hashToken(token);
    const now = this.clock.now();
    const hit = this.verified.get(hash);
    if (hit && now - hit.at < VERIFY_CACHE_MS) return hit.info;
    const row = await this.db
      .selectFrom("api_tokens")
      .selectAll()
      .where("token_hash", "=", hash)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (!row) {
      this.verified.delete(hash);
      return null;
    }
    const info = toInfo(row);
    if (this.verified.size > 1000) this.verified.clear();
    this.verified.set(hash, { info, at: now });
    return info;
  }
}

function toInfo(row: Database["api_tokens"]): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes_json) as Scope[],
    createdAt: new Date(Number(row.created_at)).toISOString(),
    revokedAt: row.revoked_at === null ? null : new Date(Number(row.revoked_at)).toISOString(),
  };
}
