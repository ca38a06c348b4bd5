import { describe, expect, it } from "vitest";
import { withoutEmbedOptions } from "./loggedSpec";

describe("withoutEmbedOptions", () => {
  it("drops usermeta.embedOptions and keeps the rest of the spec", () => {
    const spec = {
      mark: "point",
      usermeta: { embedOptions: { actions: true, ast: false, loader: { baseURL: "http://x" } }, note: "kept" },
    };
    expect(withoutEmbedOptions(spec)).toEqual({ mark: "point", usermeta: { note: "kept" } });
    expect(spec.usermeta.embedOptions.actions).toBe(true);  // the stored spec is not changed
  });

  it("leaves specs without usermeta, or with odd usermeta, alone", () => {
    expect(withoutEmbedOptions({ mark: "bar" })).toEqual({ mark: "bar" });
    expect(withoutEmbedOptions({ usermeta: null })).toEqual({ usermeta: null });
    expect(withoutEmbedOptions({ usermeta: [1] })).toEqual({ usermeta: [1] });
  });
});
