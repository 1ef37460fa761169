// Writes schema/branch-steward.schema.json from the zod schema (run `npm run schema`).
import { writeFileSync } from "node:fs";
import { configJsonSchema } from "../lib/config/schema.js";

const file = new URL("../schema/branch-steward.schema.json", import.meta.url);
writeFileSync(file, JSON.stringify(configJsonSchema(), null, 2) + "\n");
console.log(`wrote ${file.pathname}`);
