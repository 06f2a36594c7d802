import type { Command } from "commander";
import { SlipwayError } from "../../core/index.js";
import { descriptionProblem, type TagFieldNames, tagChangeProblems } from "../../registry/index.js";
import { descriptionView, tagsView } from "../../serve/index.js";
import { printJson } from "../output.js";
import { cliActor, withRuntime } from "../runtime.js";
import { reasonOf, versionOf } from "./release.js";

const CLI_FIELDS: TagFieldNames = { set: () => "TAGS", remove: () => "--remove", none: "TAGS" };

/** `key=value` arguments as a map (the first `=` splits; the value may be empty). */
function parseTags(args: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const arg of args) {
    const at = arg.indexOf("=");
    if (at < 0) {
      throw new SlipwayError("SLP_INPUT_INVALID", "tags are written key=value", [
        { field: "TAGS", reason: `expected key=value, got ${JSON.stringify(arg)}` },
      ]);
    }
    const key = arg.slice(0, at);
    if (Object.hasOwn(tags, key)) {
      throw new SlipwayError("SLP_INPUT_INVALID", `tag ${key} is given twice`, [
        { field: "TAGS", reason: `${JSON.stringify(key)} given twice` },
      ]);
    }
    tags[key] = arg.slice(at + 1);
  }
  return tags;
}

const shown = (v: string | null) => (v === null ? "(none)" : JSON.stringify(v));

/** `slipway tag` and `slipway describe`: notes on a model version for people and scripts, each audited. */
export function registerVersionNotes(program: Command): void {
  program
    .command("tag")
    .description(
      "Set or remove tags (key=value strings) on a model version; keys are 1–64 characters of [A-Za-z0-9_.-], " +
        "values at most 256 characters. Audited, one row a changed key.",
    )
    .argument("<name>", "model name")
    .argument("<version>", "version number")
    .argument("[tags...]", "key=value pairs to set (an empty value is allowed: key=)")
    .option("--remove <keys...>", "tag keys to remove")
    .option("--reason <text>", "why, for the audit log", "tagged from the command line")
    .option("--json", "print the version's tags and the changes as JSON")
    .action(async (name: string, versionText: string, tagArgs: string[], opts) => {
      const version = versionOf(versionText);
      const set = parseTags(tagArgs);
      const remove: string[] = opts.remove ?? [];
      const problems = tagChangeProblems({ set, remove }, CLI_FIELDS);
      if (problems.length > 0) throw new SlipwayError("SLP_INPUT_INVALID", "invalid tag change", problems);
      const reason = reasonOf(opts.reason);
      await withRuntime(async (rt) => {
        const r = await rt.registry.updateTags(name, version, { set, remove }, { actor: cliActor(), reason });
        if (opts.json) {
          printJson(tagsView(r));
          return;
        }
        if (r.changes.length === 0) process.stdout.write(`${name} version ${version}: no change\n`);
        for (const c of r.changes) {
          process.stdout.write(`${name} version ${version}: ${c.key}: ${shown(c.from)} -> ${shown(c.to)}\n`);
        }
      });
    });

  program
    .command("describe")
    .description(
      'Set the description of a model version (at most 2000 characters; "" clears it). Audited with the text ' +
        "before and after.",
    )
    .argument("<name>", "model name")
    .argument("<version>", "version number")
    .argument("<text>", "the description")
    .option("--reason <text>", "why, for the audit log", "described from the command line")
    .option("--json", "print the description and the one before as JSON")
    .action(async (name: string, versionText: string, text: string, opts) => {
      const version = versionOf(versionText);
      const problem = descriptionProblem(text, "TEXT");
      if (problem) throw new SlipwayError("SLP_INPUT_INVALID", "invalid description", [problem]);
      const reason = reasonOf(opts.reason);
      await withRuntime(async (rt) => {
        const r = await rt.registry.describeVersion(name, version, text, { actor: cliActor(), reason });
        if (opts.json) printJson(descriptionView(r));
        else {
          const what = r.from === r.description ? "unchanged" : r.description === null ? "cleared" : "set";
          process.stdout.write(`${name} version ${version}: description ${what}\n`);
        }
      });
    });
}
