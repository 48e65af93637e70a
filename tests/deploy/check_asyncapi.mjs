// Validates proto/asyncapi.yaml with the AsyncAPI parser (its $refs to proto/schemas resolved),
// then checks it against proto/topics.json: every topic a channel, every event type in a message
// of its channel with the data schema topics.json names. Prints problems; exits 1 on any.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Parser, fromFile } from "@asyncapi/parser";

const proto = resolve(dirname(fileURLToPath(import.meta.url)), "../../proto");
const file = process.argv[2] ?? resolve(proto, "asyncapi.yaml");
const problems = [];
const { document, diagnostics } = await fromFile(new Parser(), file).parse();
for (const d of diagnostics.filter((d) => d.severity === 0)) problems.push(`${d.path.join(".")}: ${d.message}`);

if (document) {
  const raw = document.json();
  const topics = JSON.parse(readFileSync(resolve(proto, "topics.json"), "utf8")).topics;
  for (const t of topics) {
    const channel = Object.values(raw.channels).find((c) => c.address === t.name);
    if (!channel) { problems.push(`topic ${t.name} has no channel`); continue; }
    const messages = Object.values(channel.messages ?? {});
    for (const [type, schema] of Object.entries(t.event_types ?? {})) {
      const found = messages.find((m) => {
        const [, own] = m.payload?.allOf ?? [];
        const types = own?.properties?.type?.enum ?? [];
        const pattern = own?.properties?.type?.pattern;
        const named = types.includes(type) || (pattern && new RegExp(pattern).test(type.replace("*", "x")));
        return named && own.properties.data?.title === JSON.parse(readFileSync(resolve(proto, schema), "utf8")).title;
      });
      if (!found) problems.push(`${t.name}: ${type} has no message with the data schema ${schema}`);
    }
  }
}
for (const p of problems) console.log(p);
console.log(`asyncapi: ${problems.length} problem(s)`);
process.exit(problems.length || !document ? 1 : 0);
