/**
 * A small seeded regression and classification problem shared by the scikit-learn reference tests: 20 rows of
 * four features in different units (numpy default_rng(7), normal draws × (1, 10, 0.1, 3) + (0, 5, −1, 2), rounded to
 * three decimals), y = 1.5x₀ + 0.2x₁ − 8x₂ + 3 + N(0, 0.5²) rounded likewise; the binary label is y above its
 * median, the three-class label y's tercile.
 */
// biome-ignore format: one row of X per line
export const REFERENCE_X = [
  0.001, 7.987, -1.027, -0.672,
  -0.455, -4.916, -0.994, 6.021,
  -0.492, -1.205, -0.951, 3.071,
  0.105, -4.305, -1.003, 4.086,
  -1.344, 0.424, -1.19, -1.869,
  -1.842, 2.649, -1.127, 2.814,
  0.157, 3.131, -1.252, 0.384,
  -0.049, 6.133, -1.153, 0.567,
  -0.979, -3.088, -0.894, -0.423,
  -0.033, 13.844, -1.058, 1.665,
  0.11, 5.638, -1.123, 2.228,
  1.359, -10.471, -0.914, 2.358,
  -0.641, 25.004, -0.924, -1.598,
  0.075, 10.767, -1.019, 4.049,
  -0.067, 11.672, -0.856, -0.027,
  0.203, 0.367, -0.987, -1.562,
  -0.579, 3.038, -0.91, 5.436,
  -1.324, -2.946, -0.935, -3.977,
  -0.463, 4.027, -0.874, 4.068,
  -0.327, 1.314, -1.025, 6.571,
];

export const REFERENCE_Y = [
  12.601, 9.134, 9.805, 10.26, 10.49, 9.226, 13.872, 13.155, 8.649, 14.51, 13.265, 10.59, 14.261, 13.944, 12.079,
  11.566, 9.374, 8.078, 9.259, 9.955,
];

export const REFERENCE_BINARY = [1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];

export const REFERENCE_TERCILE = [2, 0, 0, 1, 1, 0, 2, 2, 0, 2, 2, 1, 2, 2, 1, 1, 0, 0, 0, 1];
