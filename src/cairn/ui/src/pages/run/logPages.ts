/** The Logs tab's window on a run's console: the lines loaded so far (a run may have far
 * more than a browser should hold), grown at the end while the run lives and at the start
 * as the reader scrolls up. Pure functions, so the paging rules are tested on their own. */
import type { ConsoleLine, ConsolePage } from "../../api/environment";

/** Lines kept in the page at most (wandb's UI keeps as many): live lines beyond it push
 * the oldest out, and paging back stops there (output.log has everything). */
export const MAX_KEPT = 100_000;

export interface LogWindow {
  lines: ConsoleLine[];
  /** Whether the server has older lines than the first one here. */
  older: boolean;
  /** The line number to ask for newer lines after (the last one here, or where the tail ended). */
  last: number;
  /** The run's lines, and those that match the search (both as of the last count). */
  total: number;
  matched: number;
}

export const EMPTY_WINDOW: LogWindow = { lines: [], older: false, last: 0, total: 0, matched: 0 };

/** The window the tab opens with: the log's last page. */
export function fromTail(page: ConsolePage): LogWindow {
  const last = page.lines.length ? page.lines[page.lines.length - 1]!.n : 0;
  return {
    lines: page.lines,
    older: page.more,
    last,
    total: page.total ?? page.lines.length,
    matched: page.matched ?? page.lines.length,
  };
}

/** New lines at the end (a live run); beyond ``MAX_KEPT`` the oldest go. */
export function appendPage(win: LogWindow, page: ConsolePage, searching: boolean, max = MAX_KEPT): LogWindow {
  if (!page.lines.length) return win;
  let lines = win.lines.concat(page.lines);
  let older = win.older;
  if (lines.length > max) {
    lines = lines.slice(lines.length - max);
    older = true;
  }
  const added = page.lines.length;
  return {
    lines,
    older,
    last: page.last,
    total: searching ? win.total : win.total + added,
    matched: win.matched + added,
  };
}

/** Older lines at the start (the reader scrolled up); none once ``MAX_KEPT`` are held. */
export function prependPage(win: LogWindow, page: ConsolePage, max = MAX_KEPT): LogWindow {
  const room = Math.max(0, max - win.lines.length);
  const taken = page.lines.slice(Math.max(0, page.lines.length - room));
  return { ...win, lines: taken.concat(win.lines), older: page.more || taken.length < page.lines.length };
}

/** Whether another page of older lines can be asked for. */
export function canPageBack(win: LogWindow, max = MAX_KEPT): boolean {
  return win.older && win.lines.length > 0 && win.lines.length < max;
}
