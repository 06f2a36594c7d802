import { type Command, InvalidArgumentError } from "commander";
import { SlipwayError } from "../../core/index.js";
import {
  type GateCheck,
  type GateCondition,
  gateText,
  parseGateCondition,
  type ReleasePolicy,
} from "../../registry/index.js";
import { approvalView, approveView, promoteView } from "../../serve/index.js";
import { printJson } from "../output.js";
import { cliActor, withRuntime } from "../runtime.js";

/** VERSION as typed: a positive integer. */
export function versionOf(text: string): number {
  if (!/^[1-9]\d{0,8}$/.test(text)) {
    throw new SlipwayError("SLP_INPUT_INVALID", "VERSION must be a positive integer", [
      { field: "VERSION", reason: "not a positive integer" },
    ]);
  }
  return Number(text);
}

/** `--reason` as typed: 1–1000 characters. */
export function reasonOf(text: unknown, flag = "--reason"): string {
  if (typeof text !== "string" || text.trim() === "" || text.length > 1000) {
    throw new SlipwayError("SLP_INPUT_INVALID", `${flag} needs 1–1000 characters`, [
      { field: flag, reason: "required: why, for the audit log" },
    ]);
  }
  return text;
}

/** `--force` overrides a failed gate only with a reason the user typed (not the default one). */
function forceReason(cmd: Command, opts: { force?: boolean; reason?: unknown }): void {
  if (opts.force && cmd.getOptionValueSource("reason") !== "cli") {
    throw new SlipwayError("SLP_INPUT_INVALID", "--force needs --reason: why the gate is overridden", [
      { field: "--reason", reason: "required with --force" },
    ]);
  }
}

function gateField(gate: GateCondition[]): { gate?: GateCondition[] } {
  return gate.length > 0 ? { gate } : {};
}

/** A note on a forced release for people: which bounds failed. */
function forcedNote(gate: GateCheck | null): string {
  if (!gate?.forced) return "";
  const failed = gate.results.filter((r) => !r.passed).map((r) => r.reason);
  return ` (gate overridden: ${failed.join("; ")})`;
}

/** The release steps: policy, promote, approve, reject, rollback (each audited, each with `--json`). */
export function registerRelease(program: Command): void {
  let gateGiven = false;
  const collectGate = (text: string, previous: GateCondition[] | false | undefined): GateCondition[] => {
    gateGiven = true;
    if (previous === false) throw new InvalidArgumentError("--gate and --no-gate cannot be combined");
    const c = parseGateCondition(text);
    if (c === null) {
      throw new InvalidArgumentError(
        `--gate takes METRIC<=N, METRIC>=N, or METRIC<=Nx / METRIC>=Nx (N × the champion's), got ${JSON.stringify(text)}`,
      );
    }
    return [...(previous ?? []), c];
  };
  program
    .command("policy")
    .description(
      "Show or set a model's release policy: auto (promote moves production) or manual (needs approval), and its " +
        "gate conditions: metric thresholds a version must meet to reach production.",
    )
    .argument("<name>", "model name")
    .argument("[policy]", "auto or manual; omitted (and no --gate/--no-gate): print the current policy")
    .option(
      "--gate <condition>",
      "a gate condition, repeatable: rmse<=1.02x (≤ 1.02 × the champion's), mape<=0.2, r2>=0.98x, auc>=0.8; " +
        "replaces the conditions",
      collectGate,
    )
    .option("--no-gate", "remove every gate condition")
    .option("--reason <text>", "why, for the audit log", "set from the command line")
    .option("--json", "print the policy as JSON")
    .action(async (name: string, policy: string | undefined, opts) => {
      if (policy !== undefined && policy !== "auto" && policy !== "manual") {
        throw new SlipwayError("SLP_INPUT_INVALID", "POLICY must be auto or manual", [
          { field: "POLICY", reason: `got ${JSON.stringify(policy)}` },
        ]);
      }
      if (opts.gate === false && gateGiven) {
        throw new SlipwayError("SLP_INPUT_INVALID", "--gate and --no-gate cannot be combined", [
          { field: "--gate", reason: "given with --no-gate" },
        ]);
      }
      const gate: GateCondition[] | undefined = opts.gate === false ? [] : opts.gate;
      await withRuntime(async (rt) => {
        if (policy === undefined && gate === undefined) {
          const current = await rt.registry.releasePolicyOf(name);
          // `gate` only when there are conditions: the answer of a policy without them keeps its shape.
          if (opts.json) printJson({ model: name, policy: current.policy, ...gateField(current.gate) });
          else {
            const conditions = current.gate.length > 0 ? `; gate ${gateText(current.gate)}` : "";
            process.stdout.write(`${name}: ${current.policy}${conditions}\n`);
          }
          return;
        }
        const r = await rt.registry.updatePolicy(
          name,
          {
            ...(policy !== undefined ? { policy: policy as ReleasePolicy } : {}),
            ...(gate !== undefined ? { gate } : {}),
          },
          { actor: cliActor(), reason: reasonOf(opts.reason) },
        );
        if (opts.json) {
          const conditions = gate !== undefined ? { gate: r.to.gate } : gateField(r.to.gate);
          printJson({ model: name, from: r.from.policy, policy: r.to.policy, ...conditions });
        } else {
          const parts = [`${name}: ${r.from.policy} -> ${r.to.policy}`];
          if (gate !== undefined) parts.push(`gate ${gateText(r.from.gate)} -> ${gateText(r.to.gate)}`);
          process.stdout.write(`${parts.join("; ")}\n`);
        }
      });
    });

  program
    .command("promote")
    .description(
      "Promote a version to production under the model's policy: at once (auto) or to staging with an approval " +
        "request (manual). --to another alias moves that alias at once. Audited.",
    )
    .argument("<name>", "model name")
    .argument("<version>", "version number")
    .option("--to <alias>", "alias to move", "production")
    .option("--reason <text>", "why, for the audit log", "promoted from the command line")
    .option("--force", "release even if the version fails the policy's gate conditions (needs --reason; audited)")
    .option("--json", "print the move as JSON")
    .action(async (name: string, versionText: string, opts, cmd: Command) => {
      const version = versionOf(versionText);
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(opts.to)) {
        throw new SlipwayError("SLP_INPUT_INVALID", "--to must be 1–64 characters of [A-Za-z0-9._-]", [
          { field: "--to", reason: "invalid alias" },
        ]);
      }
      forceReason(cmd, opts);
      await withRuntime(async (rt) => {
        const r = await rt.registry.promote(name, version, {
          actor: cliActor(),
          reason: reasonOf(opts.reason),
          alias: opts.to,
          force: opts.force === true,
        });
        if (opts.json) printJson(promoteView(r));
        else if (r.status === "pending_approval") {
          process.stdout.write(
            `${name}@staging: ${r.from ?? "none"} -> ${r.to}; production waits for approval ` +
              `(request ${r.approval?.id}: slipway approve ${name} ${r.to} --reason …)${forcedNote(r.gate)}\n`,
          );
        } else process.stdout.write(`${name}@${r.alias}: ${r.from ?? "none"} -> ${r.to}${forcedNote(r.gate)}\n`);
      });
    });

  program
    .command("approve")
    .description("Approve the pending request for a version: production moves to it. Audited.")
    .argument("<name>", "model name")
    .argument("<version>", "version number")
    .requiredOption("--reason <text>", "why, for the audit log")
    .option("--force", "approve even if the version fails the policy's gate conditions now (audited)")
    .option("--json", "print the move and the request as JSON")
    .action(async (name: string, versionText: string, opts) => {
      const version = versionOf(versionText);
      await withRuntime(async (rt) => {
        const r = await rt.registry.approve(name, version, {
          actor: cliActor(),
          reason: reasonOf(opts.reason),
          force: opts.force === true,
        });
        if (opts.json) printJson(approveView(r));
        else
          process.stdout.write(`${name}@production: ${r.from ?? "none"} -> ${r.to} (approved)${forcedNote(r.gate)}\n`);
      });
    });

  program
    .command("reject")
    .description("Reject the pending request for a version: production stays. Audited.")
    .argument("<name>", "model name")
    .argument("<version>", "version number")
    .requiredOption("--reason <text>", "why, for the audit log")
    .option("--json", "print the request as JSON")
    .action(async (name: string, versionText: string, opts) => {
      const version = versionOf(versionText);
      await withRuntime(async (rt) => {
        const a = await rt.registry.reject(name, version, { actor: cliActor(), reason: reasonOf(opts.reason) });
        if (opts.json) printJson({ model: a.model, version: a.version, approval: approvalView(a) });
        else process.stdout.write(`${name} version ${version}: rejected; production stays\n`);
      });
    });

  program
    .command("rollback")
    .description("Move production back to the version it held before the current one. Audited.")
    .argument("<name>", "model name")
    .option("--reason <text>", "why, for the audit log", "rolled back from the command line")
    .option("--json", "print the move as JSON")
    .action(async (name: string, opts) => {
      await withRuntime(async (rt) => {
        const r = await rt.registry.rollback(name, { actor: cliActor(), reason: reasonOf(opts.reason) });
        if (opts.json) printJson(r);
        else process.stdout.write(`${name}@production: ${r.from} -> ${r.to} (rolled back)\n`);
      });
    });

  program
    .command("approvals")
    .description("List approval requests, newest first.")
    .argument("[name]", "only this model's")
    .option("--pending", "only the pending ones")
    .option("--json", "print the requests as JSON")
    .action(async (name: string | undefined, opts) => {
      await withRuntime(async (rt) => {
        const list = await rt.registry.approvals({
          ...(name !== undefined ? { model: name } : {}),
          ...(opts.pending ? { state: "pending" as const } : {}),
        });
        if (opts.json) printJson({ approvals: list.map(approvalView) });
        else
          for (const a of list) {
            process.stdout.write(`${a.id}  ${a.model}  v${a.version}  ${a.state}  ${a.requestedBy}  ${a.reason}\n`);
          }
      });
    });
}
