import type { Command } from "commander";
import { SlipwayError } from "../../core/index.js";
import { modelView } from "../../serve/index.js";
import { printJson, printTable } from "../output.js";
import { openRuntime, resolveHome } from "../runtime.js";

export function registerModels(program: Command): void {
  program
    .command("models")
    .description("List registered models with their versions and aliases.")
    .option("--json", "print the same JSON object as GET /v1/models")
    .action(async (opts) => {
      const rt = await openRuntime(resolveHome());
      try {
        const models = (await rt.registry.listModels()).map(modelView);
        if (opts.json) printJson({ models });
        else
          printTable(
            ["name", "task", "family", "versions", "aliases"],
            models.map((m) => [
              m.name,
              m.task,
              m.family,
              m.versions.length,
              Object.entries(m.aliases)
                .map(([a, v]) => `${a}=${v}`)
                .join(" "),
            ]),
          );
      } finally {
        await rt.close();
      }
    });

  program
    .command("promote")
    .description(
      "Point an alias (default production) at a version; audited. With the auto release policy it moves at once.",
    )
    .argument("<name>", "model name")
    .argument("<version>", "version number")
    .option("--to <alias>", "alias to move", "production")
    .option("--reason <text>", "why, for the audit log", "promoted from the command line")
    .option("--json", "print the move as JSON")
    .action(async (name: string, versionText: string, opts) => {
      const version = Number(versionText);
      if (!/^\d+$/.test(versionText) || version < 1) {
        throw new SlipwayError("SLP_INPUT_INVALID", "VERSION must be a positive integer", [
          { field: "VERSION", reason: "not a positive integer" },
        ]);
      }
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(opts.to)) {
        throw new SlipwayError("SLP_INPUT_INVALID", "--to must be 1–64 characters of [A-Za-z0-9._-]", [
          { field: "--to", reason: "invalid alias" },
        ]);
      }
      const rt = await openRuntime(resolveHome());
      try {
        const actor = process.env.USER ?? "cli";
        const move = await rt.registry.moveAlias(name, opts.to, version, {
          actor,
          reason: opts.reason,
          action: "promote",
        });
        if (opts.json) printJson({ model: name, alias: opts.to, from: move.from, to: move.to });
        else process.stdout.write(`${name}@${opts.to}: ${move.from ?? "none"} -> ${move.to}\n`);
      } finally {
        await rt.close();
      }
    });
}
