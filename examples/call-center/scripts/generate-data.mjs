#!/usr/bin/env node
// Generates the call-center example's monthly contact volume, 2010-01 … 2020-12 (132 months): a level with a
// gentle upward trend, a yearly cycle (winter peaks from flu season, a summer lull), a slow multi-year swell and
// noise. Seeded, so the committed CSV is reproducible: `node scripts/generate-data.mjs > data/raw/contacts-2010-2020.csv`.

/** mulberry32: a small seeded generator, so every run writes the same file. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(u) {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export function callVolume({ start = [2010, 0], months = 132, seed = 2010 } = {}) {
  const normal = gaussian(rng(seed));
  const rows = [];
  for (let i = 0; i < months; i++) {
    const date = new Date(Date.UTC(start[0], start[1] + i, 1));
    const month = date.getUTCMonth();
    const level = 4200 + 18 * i;
    const yearly = 520 * Math.cos((2 * Math.PI * (month - 0.5)) / 12) + 140 * Math.cos((4 * Math.PI * month) / 12);
    const swell = 150 * Math.sin((2 * Math.PI * i) / 60);
    const value = level + yearly + swell + 90 * normal();
    rows.push([date.toISOString().slice(0, 10), Math.round(value)]);
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = ["month,contacts", ...callVolume().map((r) => r.join(","))];
  process.stdout.write(`${out.join("\n")}\n`);
}
