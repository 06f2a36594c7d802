import type { Command } from "commander";
import { parseScopes, TokenStore, tokenView } from "../../serve/index.js";
import { printJson, printTable } from "../output.js";
import { cliActor, withRuntime } from "../runtime.js";

/** `slipway token create|list|revoke`: API tokens for the HTTP API (stored hashed; shown once). */
export function registerToken(program: Command): void {
  const token = program.command("token").description("Create, list and revoke API tokens for the HTTP API.");

  token
    .command("create")
    .description("Create a token; it is printed once and stored only as its hash.")
    .requiredOption("--name <name>", "what the token is for (shown in the audit log)")
    .requiredOption("--scopes <list>", "comma-separated: predict, read, admin (admin grants the others)")
    .option("--json", "print the token and its record as JSON")
    .action(async (opts) => {
      const scopes = parseScopes(opts.scopes, "--scopes");
      await withRuntime(async (rt) => {
        const created = await new TokenStore(rt.stores.metadata.db, rt.clock).create(opts.name, scopes, {
          actor: cliActor(),
        });
        if (opts.json) printJson(tokenView(created));
        else process.stdout.write(`${created.token}\n(id ${created.id}; store it now: it is not shown again)\n`);
      });
    });

  token
    .command("list")
    .description("List tokens (never the tokens themselves).")
    .option("--json", "print the tokens as JSON")
    .action(async (opts) => {
      await withRuntime(async (rt) => {
        const list = await new TokenStore(rt.stores.metadata.db, rt.clock).list();
        if (opts.json) printJson({ tokens: list.map((t) => tokenView(t)) });
        else
          printTable(
            ["id", "name", "scopes", "created", "revoked"],
            list.map((t) => [t.id, t.name, t.scopes.join(","), t.createdAt, t.revokedAt ?? ""]),
          );
      });
    });

  token
    .command("revoke")
    .description("Revoke a token by id; requests with it are refused from then on.")
    .argument("<id>", "token id (tok_…)")
    .option("--json", "print the revoked token's record as JSON")
    .action(async (id: string, opts) => {
      await withRuntime(async (rt) => {
        const t = await new TokenStore(rt.stores.metadata.db, rt.clock).revoke(id, { actor: cliActor() });
        if (opts.json) printJson(tokenView(t));
        else process.stdout.write(`${t.id} (${t.name}) revoked\n`);
      });
    });
}
