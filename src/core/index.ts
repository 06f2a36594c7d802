export * from "./clock.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./frame.js";
export * from "./ids.js";
export * from "./schema.js";
