import type { Command } from "commander";
import { modelView } from "../../serve/index.js";
import { printJson, printTable } from "../output.js";
import { openRuntime, resolveHome } from "../runtime.js";

export function registerModels(program: Command): void {
  program
    .command("models")
    .description("List registered models with their versions and aliases; with NAME, that model's versions.")
    .argument("[name]", "one model: a table of its versions with their aliases, tags and descriptions")
    .option("--json", "print the same JSON object as GET /v1/models (with NAME: GET /v1/models/{name})")
    .action(async (name: string | undefined, opts) => {
      const rt = await openRuntime(resolveHome());
      try {
        if (name !== undefined) {
          const m = modelView(await rt.registry.getModel(name));
          if (opts.json) printJson(m);
          else
            printTable(
              ["version", "family", "created", "aliases", "tags", "description"],
              m.versions.map((v) => [
                v.version,
                v.family,
                v.created_at,
                v.aliases.join(" "),
                Object.entries(v.tags)
                  .map(([k, t]) => `${k}=${t}`)
                  .join(" "),
                oneLine(v.description ?? ""),
              ]),
            );
          return;
        }
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
}

/** A description in a table cell: its first line, at most 60 characters. */
function oneLine(text: string): string {
  const first = text.split("\n")[0] ?? "";
  return first.length > 60 || text.includes("\n") ? `${first.slice(0, 59)}…` : first;
}
