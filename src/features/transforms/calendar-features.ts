import { type FittedStep, numericValues, type OutputColumn } from "./fitted-step.js";
import type { CalendarPart, CalendarSpec, CyclicPart } from "./transform-spec.js";
import type { WorkColumn, WorkTable } from "./work-table.js";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const SNAKE: Record<CalendarPart, string> = {
  dayOfWeek: "day_of_week",
  dayOfMonth: "day_of_month",
  month: "month",
  quarter: "quarter",
  year: "year",
  hour: "hour",
  weekend: "weekend",
};

/** Output names of a calendar step: the parts, then a `_sin`, `_cos` pair per cyclic part. */
export function calendarOutputNames(spec: CalendarSpec): string[] {
  return [
    ...spec.features.map((p) => `${spec.prefix}${SNAKE[p]}`),
    ...spec.cyclic.flatMap((p) => [`${spec.prefix}${SNAKE[p]}_sin`, `${spec.prefix}${SNAKE[p]}_cos`]),
  ];
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Calendar features of a time column, in UTC (epoch ms carry no zone): day of week 0 (Monday) … 6 (Sunday), day
 * of month 1…31, month 1…12, quarter 1…4, year, hour 0…23, weekend 1 on Saturday and Sunday. A cyclic part x of
 * period P is also written as sin(2πx/P), cos(2πx/P) with x counted from 0 (day of week /7, day of month /days
 * in that month, month /12, hour /24), so the last value sits next to the first. Nothing is learnt.
 */
export class CalendarFeatures implements FittedStep {
  readonly outputs: OutputColumn[];
  readonly consumes: string[];

  constructor(readonly spec: CalendarSpec) {
    this.outputs = calendarOutputNames(spec).map((name) => ({ name, kind: "number" }));
    this.consumes = [spec.column];
  }

  apply(table: WorkTable): WorkColumn[] {
    const times = numericValues(table, this.spec.column);
    const origin = table.columns.get(this.spec.column)!.origin;
    const n = times.length;
    const { features, cyclic: cyclicParts } = this.spec;
    const parts = this.spec.features.map(() => new Float64Array(n));
    const cyclic = this.spec.cyclic.map(() => [new Float64Array(n), new Float64Array(n)] as const);
    const calendar = new Float64Array(7);
    for (let i = 0; i < n; i++) {
      const t = times[i];
      if (!Number.isFinite(t)) {
        for (const p of parts) p[i] = Number.NaN;
        for (const [s, c] of cyclic) s[i] = c[i] = Number.NaN;
        continue;
      }
      civilParts(t, calendar);
      for (let k = 0; k < features.length; k++) parts[k][i] = partValue(features[k], calendar);
      for (let k = 0; k < cyclicParts.length; k++) {
        const part = cyclicParts[k];
        const angle = (2 * Math.PI * cyclePosition(part, calendar)) / cyclePeriod(part, calendar);
        cyclic[k][0][i] = Math.sin(angle);
        cyclic[k][1][i] = Math.cos(angle);
      }
    }
    const missingReason = "the time is missing";
    return [
      ...parts.map((values): WorkColumn => ({ kind: "number", values, origin, missingReason })),
      ...cyclic.flatMap(([s, c]): WorkColumn[] => [
        { kind: "number", values: s, origin, missingReason },
        { kind: "number", values: c, origin, missingReason },
      ]),
    ];
  }

  fittedJson(): Record<string, unknown> {
    return {};
  }

  fittedState() {
    return { json: {}, blobs: {} };
  }
}

// Slots of the scratch array civilParts fills (one array per apply call, not one object per row).
const YEAR = 0;
const MONTH = 1;
const DAY = 2;
const WEEKDAY = 3;
const HOUR = 4;

/**
 * Year, month (1–12), day (1–31), weekday (0 = Monday) and hour of epoch ms `t` in UTC, into `out`. The civil
 * date is Howard Hinnant's days-from-civil inverse ("chrono-Compatible Low-Level Date Algorithms"), exact for
 * every day in the proleptic Gregorian calendar, without a Date object per row.
 */
export function civilParts(t: number, out: Float64Array): void {
  const days = Math.floor(t / DAY_MS);
  out[HOUR] = Math.floor((t - days * DAY_MS) / HOUR_MS);
  out[WEEKDAY] = (((days + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday (3 with Monday = 0)
  const z = days + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153); // month from March = 0
  const month = mp < 10 ? mp + 3 : mp - 9;
  out[DAY] = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  out[MONTH] = month;
  out[YEAR] = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
}

function partValue(part: CalendarPart, c: Float64Array): number {
  switch (part) {
    case "dayOfWeek":
      return c[WEEKDAY];
    case "dayOfMonth":
      return c[DAY];
    case "month":
      return c[MONTH];
    case "quarter":
      return Math.floor((c[MONTH] - 1) / 3) + 1;
    case "year":
      return c[YEAR];
    case "hour":
      return c[HOUR];
    case "weekend":
      return c[WEEKDAY] >= 5 ? 1 : 0;
  }
}

function cyclePosition(part: CyclicPart, c: Float64Array): number {
  switch (part) {
    case "dayOfWeek":
      return c[WEEKDAY];
    case "dayOfMonth":
      return c[DAY] - 1;
    case "month":
      return c[MONTH] - 1;
    case "hour":
      return c[HOUR];
  }
}

function cyclePeriod(part: CyclicPart, c: Float64Array): number {
  switch (part) {
    case "dayOfWeek":
      return 7;
    case "dayOfMonth":
      return daysInMonth(c[YEAR], c[MONTH]);
    case "month":
      return 12;
    case "hour":
      return 24;
  }
}
