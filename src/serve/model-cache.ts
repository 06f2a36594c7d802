import { SlipwayError } from "../core/index.js";
import type { FittedModel } from "../models/index.js";
import { loadBundledModel } from "../models/index.js";
import type { ModelVersionRecord, Registry } from "../registry/index.js";
import type { ArtifactStore } from "../store/index.js";

export interface LoadedVersion {
  record: ModelVersionRecord;
  model: FittedModel;
}

/** A model's canary (a share of production traffic) and shadow (a copy of it), as last loaded. */
interface Splits {
  canary?: { version: number; share: number };
  shadow?: { version: number };
}

/**
 * A routing key's point in [0, 1): FNV-1a (32-bit) of its UTF-16 code units. The same key lands on the same side
 * of a canary on every server, and raising the share only moves keys onto the canary, never off it.
 */
export function routingPoint(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}

/**
 * Loaded model versions and the alias map that requests resolve through. `refresh()` loads every aliased version
 * that is not loaded yet *before* swapping the alias map in one assignment, so a request either sees the old
 * version or the new one, and never waits for a load. Versions no alias points at are loaded on demand.
 */
export class ModelCache {
  private loaded = new Map<string, LoadedVersion>();
  private aliases = new Map<string, Map<string, number>>();
  private splits = new Map<string, Splits>();
  private epoch = -1;
  private refreshing: Promise<void> | null = null;
  private again: Promise<void> | null = null;

  constructor(
    private readonly registry: Registry,
    /** Where bundles are read from (also by the shadow runner, which posts them to its worker). */
    readonly artifacts: ArtifactStore,
    private readonly options: {
      onError?: (error: unknown) => void;
      /** Models that must have a production version loaded before the service is ready (a project's own). */
      requiredModels?: string[];
    } = {},
  ) {}

  /**
   * Reloads the alias map when the registry's alias epoch moved (or always with `force`). A call made while a
   * refresh runs is answered by one more refresh after it, since the running one may have read the epoch before
   * the move that prompted the call.
   */
  refresh(force = false): Promise<void> {
    if (this.refreshing) {
      this.again ??= this.refreshing
        .catch(() => undefined)
        .then(() => {
          this.again = null;
          return this.refresh(force);
        });
      return this.again;
    }
    this.refreshing = this.doRefresh(force).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(force: boolean): Promise<void> {
    const epoch = await this.registry.aliasEpoch();
    if (!force && epoch === this.epoch) return;
    const rows = await this.registry.allAliases();
    const next = new Map<string, Map<string, number>>();
    let complete = true;
    for (const row of rows) {
      try {
        await this.ensureLoaded(row.model, row.version);
      } catch (error) {
        // A version that cannot load keeps the old alias target serving; the next poll tries again.
        complete = false;
        this.options.onError?.(error);
        const previous = this.aliases.get(row.model)?.get(row.alias);
        if (previous === undefined) continue;
        row.version = previous;
      }
      let m = next.get(row.model);
      if (!m) {
        m = new Map();
        next.set(row.model, m);
      }
      m.set(row.alias, row.version);
    }
    // Canary and shadow versions are loaded before they take traffic, like alias targets.
    const splits = new Map<string, Splits>();
    for (const split of await this.registry.trafficSplits()) {
      try {
        await this.ensureLoaded(split.model, split.version);
      } catch (error) {
        complete = false;
        this.options.onError?.(error);
        const previous = this.splits.get(split.model)?.[split.kind];
        if (previous === undefined) continue;
        split.version = previous.version;
      }
      const entry = splits.get(split.model) ?? {};
      if (split.kind === "canary") entry.canary = { version: split.version, share: split.share };
      else entry.shadow = { version: split.version };
      splits.set(split.model, entry);
    }
    this.aliases = next;
    this.splits = splits;
    if (complete) this.epoch = epoch;
    this.evictUnaliased();
  }

  private async ensureLoaded(model: string, version: number): Promise<LoadedVersion> {
    const key = `${model}:${version}`;
    const hit = this.loaded.get(key);
    if (hit) return hit;
    const record = await this.registry.getVersion(model, version);
    const fitted = await loadBundledModel(this.artifacts, record.artifactKey);
    const entry = { record, model: fitted };
    this.loaded.set(key, entry);
    return entry;
  }

  /** Keeps aliased versions and the most recent on-demand ones; drops the rest. */
  private evictUnaliased(): void {
    const keep = new Set<string>();
    for (const [model, m] of this.aliases) for (const v of m.values()) keep.add(`${model}:${v}`);
    for (const [model, sp] of this.splits) {
      if (sp.canary) keep.add(`${model}:${sp.canary.version}`);
      if (sp.shadow) keep.add(`${model}:${sp.shadow.version}`);
    }
    const extra = [...this.loaded.keys()].filter((k) => !keep.has(k));
    for (const k of extra.slice(0, Math.max(0, extra.length - 16))) this.loaded.delete(k);
  }

  /** The version a request for `name` (optionally pinned to a version or alias) is answered by. */
  async get(name: string, pin: { version?: number; alias?: string } = {}): Promise<LoadedVersion> {
    if (pin.version !== undefined) return this.ensureLoaded(name, pin.version);
    const alias = pin.alias ?? "production";
    const v = this.aliases.get(name)?.get(alias);
    if (v !== undefined) {
      const hit = this.loaded.get(`${name}:${v}`);
      if (hit) return hit;
    }
    if (pin.alias !== undefined) {
      throw new SlipwayError("SLP_MODEL_NOT_FOUND", `model ${name} has no alias ${alias}`, [
        { field: "model", reason: "not found" },
      ]);
    }
    // No production version: a bare name means the latest version, as in the CLI.
    const record = await this.registry.resolve({ name });
    return this.ensureLoaded(name, record.version);
  }

  /**
   * The version an unpinned request for `name` is answered by: the canary for its share of the traffic (by
   * `routingKey` when given, else at random), else production (see {@link get}).
   */
  async route(name: string, routingKey?: string): Promise<{ loaded: LoadedVersion; route: "production" | "canary" }> {
    const canary = this.splits.get(name)?.canary;
    if (canary !== undefined) {
      const point = routingKey !== undefined ? routingPoint(routingKey) : Math.random();
      const hit = point < canary.share ? this.loaded.get(`${name}:${canary.version}`) : undefined;
      if (hit) return { loaded: hit, route: "canary" };
    }
    return { loaded: await this.get(name), route: "production" };
  }

  /**
   * {@link route} or, with `version`, a pinned {@link get}, answered from memory: undefined when the version is not
   * loaded yet (the caller then takes the asynchronous path). The hot path of a request needs no promise this way.
   */
  routeLoaded(
    name: string,
    routingKey: string | undefined,
    version?: number,
  ): { loaded: LoadedVersion; route: "production" | "canary" | "pinned" } | undefined {
    if (version !== undefined) {
      const pinned = this.loaded.get(`${name}:${version}`);
      return pinned && { loaded: pinned, route: "pinned" };
    }
    const canary = this.splits.get(name)?.canary;
    if (canary !== undefined) {
      const point = routingKey !== undefined ? routingPoint(routingKey) : Math.random();
      if (point < canary.share) {
        const hit = this.loaded.get(`${name}:${canary.version}`);
        if (hit) return { loaded: hit, route: "canary" };
      }
    }
    const v = this.aliases.get(name)?.get("production");
    const hit = v === undefined ? undefined : this.loaded.get(`${name}:${v}`);
    return hit && { loaded: hit, route: "production" };
  }

  /** The loaded shadow version of `name`, if it has one. */
  shadowOf(name: string): LoadedVersion | undefined {
    const shadow = this.splits.get(name)?.shadow;
    return shadow === undefined ? undefined : this.loaded.get(`${name}:${shadow.version}`);
  }

  /** True when every production alias is loaded, including one for each required model. */
  isReady(): boolean {
    if (this.epoch < 0) return false;
    return (this.options.requiredModels ?? []).every((m) => this.aliases.get(m)?.has("production"));
  }

  productionVersions(): { model: string; version: number }[] {
    const out: { model: string; version: number }[] = [];
    for (const [model, m] of this.aliases) {
      const v = m.get("production");
      if (v !== undefined) out.push({ model, version: v });
    }
    return out;
  }
}
