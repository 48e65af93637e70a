import { digits, filtersFrom, filtersQuery } from "./filters";

describe("call filters", () => {
  it("round-trip through the URL, dropping empty and unknown ones", () => {
    const f = filtersFrom(new URLSearchParams("outcome=missed&queue=&number=305&page=2"));
    expect(f).toEqual({ outcome: "missed", number: "305" });
    expect(filtersQuery(f)).toBe("outcome=missed&number=305");
  });

  it("search numbers by their digits", () => {
    expect(digits("+1 (305) 555-0123")).toBe("13055550123");
  });
});
