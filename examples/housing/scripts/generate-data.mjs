#!/usr/bin/env node
// Generates the housing example's district records, shaped like the California housing data the seed system
// trains on: median income, house age, rooms, bedrooms (about 1% missing, as `total_bedrooms` is in the original),
// population, occupancy, location and the ocean-proximity category; the target is the median house value in
// $100,000s, capped at 5 as the census data are. Seeded, so the committed CSV is reproducible:
// `node scripts/generate-data.mjs > data/raw/districts-2024-01.csv` (`--rows N --seed S` for more batches).

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

const PROXIMITY = ["<1H OCEAN", "INLAND", "NEAR OCEAN", "NEAR BAY", "ISLAND"];
/** Shares of the categories (ISLAND is rare: a category a small fold may never see). */
const PROXIMITY_SHARE = [0.44, 0.32, 0.13, 0.108, 0.002];
/** Price premium of each category, in $100,000s. */
const PROXIMITY_PREMIUM = [0.45, -0.35, 0.5, 0.6, 1.2];

export function districts({ rows = 2000, seed = 2024 } = {}) {
  const u = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const out = [];
  for (let i = 0; i < rows; i++) {
    let r = u();
    let c = 0;
    while (c < PROXIMITY.length - 1 && r >= PROXIMITY_SHARE[c]) r -= PROXIMITY_SHARE[c++];
    const coastal = c !== 1;
    const latitude = coastal ? 33.5 + 4.5 * u() : 34 + 7 * u();
    const longitude = coastal ? -122.5 + (38 - latitude) * 0.55 + 0.3 * normal() : -121 + 2.5 * u();
    const income = Math.min(15, Math.max(0.5, Math.exp(1.3 + 0.45 * normal())));
    const age = Math.round(1 + 51 * u());
    const rooms = Math.max(1.5, 4.2 + 0.35 * income + 0.8 * normal());
    const bedrooms = Math.max(0.6, 1 + 0.08 * rooms + 0.08 * normal());
    const population = Math.round(Math.max(10, Math.exp(7.1 + 0.7 * normal())));
    const occupancy = Math.max(1, 2.2 + 0.0004 * population + 0.5 * normal());
    // Income drives the value, with diminishing returns; the coast and the Bay Area add to it, crowding subtracts.
    const bay = Math.exp(-(((latitude - 37.7) / 0.6) ** 2 + ((longitude + 122.2) / 0.6) ** 2));
    const value =
      0.4 +
      1.9 * Math.log1p(income) -
      0.9 +
      PROXIMITY_PREMIUM[c] +
      1.1 * bay +
      0.006 * age -
      0.12 * Math.max(0, occupancy - 3) +
      0.3 * normal();
    out.push([
      income.toFixed(4),
      age,
      rooms.toFixed(3),
      u() < 0.01 ? "" : bedrooms.toFixed(3),
      population,
      occupancy.toFixed(3),
      latitude.toFixed(2),
      longitude.toFixed(2),
      PROXIMITY[c],
      Math.min(5, Math.max(0.15, value)).toFixed(3),
    ]);
  }
  return out;
}

export const HEADER =
  "median_income,house_age,avg_rooms,avg_bedrooms,population,avg_occupancy,latitude,longitude,ocean_proximity,median_house_value";

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const rows = districts({ rows: arg("--rows", 2000), seed: arg("--seed", 2024) });
  process.stdout.write(`${[HEADER, ...rows.map((r) => r.join(","))].join("\n")}\n`);
}
