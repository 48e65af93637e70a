import { clock, toDialable } from "./number";

describe("toDialable", () => {
  it("keeps E.164 and strips what people type around it", () => {
    expect(toDialable("+1 (305) 555-0100")).toBe("+13055550100");
    expect(toDialable("+55 11 91234.5678")).toBe("+5511912345678");
  });
  it("reads ten digits as a North American number", () => {
    expect(toDialable("305 555 0100")).toBe("+13055550100");
    expect(toDialable("1-305-555-0100")).toBe("+13055550100");
  });
  it("refuses what is not a number", () => {
    for (const bad of ["", "911", "+0123456789", "call me", "+1305555010012345", "555-0100"])
      expect(toDialable(bad)).toBeNull();
  });
});

describe("clock", () => {
  it("counts minutes and seconds, then hours", () => {
    expect(clock(0)).toBe("00:00");
    expect(clock(65.9)).toBe("01:05");
    expect(clock(3725)).toBe("1:02:05");
  });
});
