import type { WorkColumn } from "./work-table.js";

/** Group id of a row whose entity is missing. */
export const MISSING_ENTITY = -1;
/** Group id of a row whose entity is not among the groups (e.g. a history row of another entity). */
export const OTHER_ENTITY = -2;

/**
 * The entities of a table as small integer group ids, in order of first appearance. Keys are text; a numeric
 * entity column is keyed by the number's decimal text (`String(v)`), and looked up by number so a row costs no
 * string.
 */
export class EntityGroups {
  readonly keys: string[] = [];
  readonly groupOf: Int32Array;
  private readonly byText = new Map<string, number>();
  private readonly byNumber = new Map<number, number>();

  /** `entity` null: every row is in one group with key "". */
  constructor(entity: WorkColumn | null, rowCount: number) {
    this.groupOf = new Int32Array(rowCount);
    if (entity === null) {
      this.keys.push("");
      return;
    }
    for (let i = 0; i < rowCount; i++) {
      let g: number;
      if (entity.kind === "string") {
        const v = entity.values[i];
        g = v === null ? MISSING_ENTITY : (this.byText.get(v) ?? this.add(v));
      } else {
        const v = entity.values[i];
        g = Number.isFinite(v) ? (this.byNumber.get(v) ?? this.addNumber(v)) : MISSING_ENTITY;
      }
      this.groupOf[i] = g;
    }
  }

  private add(key: string): number {
    const g = this.keys.length;
    this.keys.push(key);
    this.byText.set(key, g);
    return g;
  }

  private addNumber(v: number): number {
    const g = this.add(String(v));
    this.byNumber.set(v, g);
    return g;
  }

  /** The group of row `i` of another table with the same entity column kind (null column: the one group). */
  lookup(entity: WorkColumn | null, i: number): number {
    if (entity === null) return 0;
    if (entity.kind === "string") {
      const v = entity.values[i];
      return v === null ? MISSING_ENTITY : (this.byText.get(v) ?? OTHER_ENTITY);
    }
    const v = entity.values[i];
    return Number.isFinite(v) ? (this.byNumber.get(v) ?? OTHER_ENTITY) : MISSING_ENTITY;
  }
}
