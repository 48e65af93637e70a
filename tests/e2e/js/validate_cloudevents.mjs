// Validates Kafka messages as CloudEvents with the official CloudEvents SDK for JavaScript, an
// implementation independent of callstream's. Reads one JSON object per line on stdin:
// {"topic": ..., "offset": ..., "value": "<the message value>"}; prints one line per event that
// the SDK refuses and a count per topic; exits 1 if any was refused (or none was read).
import { CloudEvent } from "cloudevents";
import { createInterface } from "node:readline";

const counts = new Map();
let refused = 0;
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { topic, offset, value } = JSON.parse(line);
  counts.set(topic, (counts.get(topic) ?? 0) + 1);
  try {
    // strict: every attribute checked against the CloudEvents 1.0 spec (the SDK's default)
    new CloudEvent(JSON.parse(value), true);
  } catch (e) {
    refused += 1;
    const why = e.errors ? JSON.stringify(e.errors) : String(e.message ?? e);
    console.log(`refused ${topic}@${offset}: ${why}`);
  }
}
for (const [topic, n] of counts) console.log(`${topic}: ${n} event(s) read`);
process.exit(refused > 0 || counts.size === 0 ? 1 : 0);
