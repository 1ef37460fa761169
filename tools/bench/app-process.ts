/**
 * The app as its own process for `npm run bench`: `node lib-tools/tools/bench/app-process.js`
 * runs src/main.ts, the production entry point, unchanged (the environment configures it).
 */
await import("../../src/main.js");
