import { describe, expect, it } from "vitest";
import { parseAnsi, stripAnsi } from "./ansi";

describe("ansi", () => {
  it("turns SGR codes into styled segments", () => {
    const segs = parseAnsi("ok \x1b[1;31mfailed\x1b[0m then \x1b[38;5;208mamber\x1b[39m \x1b[38;2;1;2;3mrgb");
    expect(segs.map((s) => s.text)).toEqual(["ok ", "failed", " then ", "amber", " ", "rgb"]);
    expect(segs[0]!.style.fg).toBeNull();
    expect(segs[1]!.style).toMatchObject({ bold: true, fg: "#e03131" });
    expect(segs[2]!.style.bold).toBe(false);
    expect(segs[3]!.style.fg).toBe("rgb(255, 135, 0)");
    expect(segs[4]!.style.fg).toBeNull();
    expect(segs[5]!.style.fg).toBe("rgb(1, 2, 3)");
  });

  it("drops other escapes and control characters", () => {
    expect(stripAnsi("\x1b[2K\x1b[1Aprogress\x07 \x1b[32m100%\x1b[0m")).toBe("progress 100%");
    expect(parseAnsi("\x1b[?25lhidden cursor").map((s) => s.text)).toEqual(["hidden cursor"]);
  });
});
