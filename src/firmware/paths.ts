/** Moved to src/util/paths.ts (boards/ needs it, and firmware/ imports boards/). */
export * from '../util/paths.js';
