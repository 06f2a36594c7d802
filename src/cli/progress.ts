import cliProgress from "cli-progress";

/** Stage progress for long work; drawn only when stderr is a terminal, so scripts and logs stay clean. */
export class StageProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private done = 0;

  constructor(private readonly total: number) {
    this.bar = process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: "{bar} {value}/{total} {stage}", hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
    this.bar?.start(total, 0, { stage: "" });
  }

  stage(name: string): void {
    this.bar?.update(this.done, { stage: name });
  }

  advance(): void {
    this.done = Math.min(this.total, this.done + 1);
    this.bar?.update(this.done);
  }

  stop(): void {
    this.bar?.stop();
  }
}
