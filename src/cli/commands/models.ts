import type { Command } from "commander";
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
}
