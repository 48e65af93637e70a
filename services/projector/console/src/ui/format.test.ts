import type { TFunction } from "i18next";
import { formatDuration, makeFormatter } from "./format";

const t = ((key: string, o: Record<string, number>) =>
  ({
    "duration.s": `${o.s} s`,
    "duration.ms": `${o.m} min ${o.s} s`,
    "duration.hm": `${o.h} h ${o.m} min`,
  })[key] ?? key) as unknown as TFunction;

describe("format", () => {
  it("shows times in the call center's zone, not the browser's", () => {
    const ny = makeFormatter("en-US", "America/New_York", t);
    const sp = makeFormatter("pt-BR", "America/Sao_Paulo", t);
    expect(ny.time("2026-12-03T14:02:11Z")).toBe("9:02:11 AM");
    expect(sp.time("2026-12-03T14:02:11Z")).toBe("11:02:11");
  });

  it("shows a local day as that day whatever the zone", () => {
    const f = makeFormatter("en-US", "Pacific/Kiritimati", t);
    expect(f.day("2026-12-03")).toBe("Dec 3, 2026");
  });

  it("writes numbers and percentages in the user's language", () => {
    expect(makeFormatter("pt-BR", "UTC", t).percent(81.5)).toBe("81,5%");
    expect(makeFormatter("en", "UTC", t).number(12345)).toBe("12,345");
    expect(makeFormatter("en", "UTC", t).percent(null)).toBe("—");
  });

  it("says durations in words, rounded to the second", () => {
    expect(formatDuration(14.4, t)).toBe("14 s");
    expect(formatDuration(188.6, t)).toBe("3 min 9 s");
    expect(formatDuration(7260, t)).toBe("2 h 1 min");
    expect(formatDuration(null, t)).toBe("—");
    expect(formatDuration(-3, t)).toBe("0 s");
  });
});
