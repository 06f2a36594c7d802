/** Events that modules publish so that others can react without importing each other. */
export interface SlipwayEvents {
  "dataset.version.created": { dataset: string; version: number; rowCount: number; contentHash: string };
  "dataset.file.quarantined": { dataset: string; file: string; rejectedRows: number; wholeFile: boolean };
  "model.version.registered": { model: string; version: number; runId: string };
  "model.alias.moved": { model: string; alias: string; from: number | null; to: number | null; reason: string };
  "model.approval.requested": {
    model: string;
    version: number;
    requestId: number;
    requestedBy: string;
    reason: string;
  };
  "model.approval.decided": {
    model: string;
    version: number;
    requestId: number;
    decision: "approved" | "rejected";
    actor: string;
    reason: string;
  };
  "gate.decided": { model: string; candidate: number; champion: number | null; passed: boolean; reason: string };
  "job.finished": { jobId: string; kind: string; state: "succeeded" | "failed" };
}

export type EventName = keyof SlipwayEvents;
type Handler<K extends EventName> = (payload: SlipwayEvents[K]) => void;

/**
 * A synchronous in-process event bus. A failing handler never stops the others nor the publisher: its error goes
 * to `onHandlerError` (the edge decides how to log it).
 */
export class EventBus {
  private readonly handlers = new Map<EventName, Set<Handler<EventName>>>();

  constructor(private readonly onHandlerError: (event: EventName, error: unknown) => void = () => {}) {}

  on<K extends EventName>(event: K, handler: Handler<K>): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler as Handler<EventName>);
    return () => set.delete(handler as Handler<EventName>);
  }

  emit<K extends EventName>(event: K, payload: SlipwayEvents[K]): void {
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        this.onHandlerError(event, error);
      }
    }
  }
}
