// The bundle budget: the JavaScript the browser downloads, gzipped, stays within 300 KB.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const budget = 300 * 1024;
const dir = join(process.env.CONSOLE_OUT_DIR ?? "dist", "assets");
let total = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith(".js"))) {
  const size = gzipSync(readFileSync(join(dir, name)), { level: 9 }).length;
  total += size;
  console.log(`${name.padEnd(40)} ${(size / 1024).toFixed(1).padStart(7)} KB gzipped`);
}
console.log(`total ${(total / 1024).toFixed(1)} KB gzipped (budget ${budget / 1024} KB)`);
if (total > budget) {
  console.error("the console's JavaScript is over its budget");
  process.exit(1);
}
