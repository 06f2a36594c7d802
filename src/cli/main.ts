#!/usr/bin/env node
import { Command } from "commander";
import { registerModels } from "./commands/models.js";
import { registerPredict } from "./commands/predict.js";
import { registerServe } from "./commands/serve.js";
import { registerTrain } from "./commands/train.js";
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
registerServe(program);
for (const cmd of program.commands) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = reportFailure(error, process.argv.includes("--json"));
  process.exitCode = code;
}
