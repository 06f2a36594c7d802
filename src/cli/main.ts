#!/usr/bin/env node
import { Command } from "commander";
import { registerModels } from "./commands/models.js";
import { registerPredict } from "./commands/predict.js";
import { registerRelease } from "./commands/release.js";
import { registerServe } from "./commands/serve.js";
import { registerToken } from "./commands/token.js";
import { registerTraffic } from "./commands/traffic.js";
import { registerTrain } from "./commands/train.js";
import { registerVersionNotes } from "./commands/version-notes.js";
import { reportFailure } from "./output.js";

const program = new Command()
  .name("slipway")
  .description("Data to a monitored, versioned prediction service.")
  .version("0.1.0")
  .showHelpAfterError()
  .exitOverride();
registerTrain(program);
registerPredict(program);
registerModels(program);
registerRelease(program);
registerTraffic(program);
registerVersionNotes(program);
registerToken(program);
registerServe(program);
// Subcommands of subcommands (token create, …) report usage errors the same way.
const overrideAll = (cmd: Command): void => {
  cmd.exitOverride();
  for (const sub of cmd.commands) overrideAll(sub);
};
overrideAll(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = reportFailure(error, process.argv.includes("--json"));
  process.exitCode = code;
}
