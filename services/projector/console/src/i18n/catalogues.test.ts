import en from "./en.json";
import ptBR from "./pt-BR.json";

function keys(o: object, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    typeof v === "object" && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

function placeholders(o: object): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (x: object, prefix: string) => {
    for (const [k, v] of Object.entries(x)) {
      if (typeof v === "object" && v !== null) walk(v, `${prefix}${k}.`);
      else
        out[`${prefix}${k}`] = [...String(v).matchAll(/\{\{(\w+)\}\}/g)]
          .map((m) => m[1] ?? "")
          .sort();
    }
  };
  walk(o, "");
  return out;
}

describe("the catalogues", () => {
  it("have the same keys in every language", () => {
    expect(keys(ptBR).sort()).toEqual(keys(en).sort());
  });

  it("use the same placeholders in every language", () => {
    expect(placeholders(ptBR)).toEqual(placeholders(en));
  });
});
