// The softphone's sounds, made here so the Voice SDK never fetches Twilio's CDN: the ring, the
// connect and hang-up chimes and the twelve DTMF tones (the standard row and column
// frequencies), as 8 kHz mono WAV files in public/sounds/ (Vite copies them into the build).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const rate = 8000;
const out = join(import.meta.dirname, "..", "public", "sounds");

// segments: [seconds, ...frequencies]; no frequency = silence.
function wav(segments) {
  const samples = [];
  for (const [seconds, ...freqs] of segments) {
    const n = Math.round(seconds * rate);
    for (let i = 0; i < n; i++) {
      const fade = Math.min(1, i / 40, (n - i) / 40); // no clicks at the edges
      const v = freqs.reduce((sum, f) => sum + Math.sin((2 * Math.PI * f * i) / rate), 0);
      samples.push(freqs.length ? Math.round((9000 * fade * v) / freqs.length) : 0);
    }
  }
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => data.writeInt16LE(s, i * 2));
  const head = Buffer.alloc(44);
  head.write("RIFF", 0);
  head.writeUInt32LE(36 + data.length, 4);
  head.write("WAVEfmt ", 8);
  head.writeUInt32LE(16, 16); // PCM header size
  head.writeUInt16LE(1, 20); // PCM
  head.writeUInt16LE(1, 22); // mono
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write("data", 36);
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

const rows = [697, 770, 852, 941];
const cols = [1209, 1336, 1477];
const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "s", "0", "h"]; // s = *, h = #
const sounds = {
  incoming: wav([[1.2, 440, 480], [0.3], [1.2, 440, 480], [2.3]]), // the North American ring
  outgoing: wav([[0.12, 660], [0.05], [0.18, 880]]),
  disconnect: wav([[0.12, 880], [0.05], [0.12, 660], [0.05], [0.2, 440]]),
};
keys.forEach((k, i) => (sounds[`dtmf${k}`] = wav([[0.15, rows[Math.floor(i / 3)], cols[i % 3]]])));

mkdirSync(out, { recursive: true });
for (const [name, bytes] of Object.entries(sounds)) writeFileSync(join(out, `${name}.wav`), bytes);
console.log(`${Object.keys(sounds).length} sounds in ${out}`);
