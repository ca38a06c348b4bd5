import { describe, expect, it } from "vitest";
import type { ConsoleLine, ConsolePage } from "../../api/environment";
import { appendPage, canPageBack, fromTail, prependPage } from "./logPages";

const line = (n: number): ConsoleLine => ({ n, at: 1000 + n, stream: "stdout", text: `line ${n}` });
const page = (from: number, to: number, more: boolean, extra: Partial<ConsolePage> = {}): ConsolePage => {
  const lines = [];
  for (let n = from; n <= to; n++) lines.push(line(n));
  return { lines, last: to, more, ...extra };
};

describe("the log window", () => {
  it("opens at the tail with the server's counts", () => {
    const win = fromTail(page(91, 100, true, { first: 91, total: 100, matched: 100 }));
    expect(win.lines.map((l) => l.n)).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
    expect([win.older, win.last, win.total, win.matched]).toEqual([true, 100, 100, 100]);
    expect(canPageBack(win)).toBe(true);
  });

  it("pages back until the start, and not beyond what it may hold", () => {
    let win = fromTail(page(21, 30, true, { total: 30, matched: 30 }));
    win = prependPage(win, page(11, 20, true));
    expect(win.lines[0]!.n).toBe(11);
    win = prependPage(win, page(1, 10, false));
    expect(win.lines.length).toBe(30);
    expect(canPageBack(win)).toBe(false);

    let capped = fromTail(page(21, 30, true, { total: 30, matched: 30 }));
    capped = prependPage(capped, page(11, 20, true), 15);
    expect(capped.lines.map((l) => l.n)[0]).toBe(16); // the nearest five fit
    expect(capped.older).toBe(true);
    expect(canPageBack(capped, 15)).toBe(false);
  });

  it("follows a live run, counting the new lines and dropping the oldest beyond the cap", () => {
    let win = fromTail(page(1, 10, false, { total: 10, matched: 10 }));
    win = appendPage(win, page(11, 14, false), false, 12);
    expect(win.lines.map((l) => l.n)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect([win.older, win.last, win.total, win.matched]).toEqual([true, 14, 14, 14]);
    const searching = appendPage(fromTail(page(5, 5, false, { total: 50, matched: 1 })), page(60, 60, false), true);
    expect([searching.total, searching.matched]).toEqual([50, 2]);
  });
});
