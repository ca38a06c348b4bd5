/** The run page's Logs tab: the run's console output with its ANSI colours, in a
 * virtualised list (only the lines in view are in the DOM), opened at the log's end with
 * older pages loaded as the reader scrolls up, searched by the server as you type, and
 * followed live while the run is running. */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { environmentApi } from "../../api/environment";
import type { Run } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { parseAnsi, type AnsiStyle } from "../../lib/ansi";
import { useVirtualRows } from "../../lib/useVirtualRows";
import { appendPage, canPageBack, EMPTY_WINDOW, fromTail, prependPage, type LogWindow } from "./logPages";

const PAGE = 2000;
const REFRESH_MS = 2000;
const SEARCH_DELAY_MS = 250;
/** Rows from the top at which the page before is asked for. */
const PAGE_BACK_ROWS = 40;
const ROW_HEIGHT = 18;

function styleOf(s: AnsiStyle): { [key: string]: string } {
  const css: { [key: string]: string } = {};
  if (s.fg) css.color = s.fg;
  if (s.bg) css.background = s.bg;
  if (s.bold) css.fontWeight = "700";
  if (s.dim) css.opacity = "0.7";
  if (s.italic) css.fontStyle = "italic";
  if (s.underline) css.textDecoration = "underline";
  return css;
}

function LineText({ text }: { text: string }) {
  const segments = parseAnsi(text);
  return (
    <span class="log-text">
      {segments.map((seg, i) => (
        <span key={i} style={styleOf(seg.style)}>
          {seg.text}
        </span>
      ))}
    </span>
  );
}

function clock(at: number): string {
  return new Date(at * 1000).toLocaleTimeString(undefined, { hour12: false });
}

interface LogState extends LogWindow {
  error: unknown;
  loading: boolean;
}

/** The run's log from its end: the last page first, older pages on request (``loadOlder``,
 * as the reader scrolls up), new lines followed while the run is running; ``search`` is
 * done by the server, so no more of the log than is shown comes to the browser. */
function useLogWindow(
  run: Run,
  search: string,
): { state: LogState; loadOlder: (added: (lines: number) => void) => void } {
  const [state, setState] = useState<LogState>({ ...EMPTY_WINDOW, error: undefined, loading: true });
  const older = useRef<(added: (lines: number) => void) => Promise<void>>(async () => {});
  const running = run.state === "running";
  useEffect(() => {
    const ctl = new AbortController();
    let win: LogWindow = EMPTY_WINDOW;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let paging = false;
    const ids = [run.entity, run.project, run.id] as const;
    const publish = (next: LogWindow, error?: unknown): void => {
      win = next;
      setState({ ...next, error, loading: false });
    };
    const follow = async (): Promise<void> => {
      try {
        for (;;) {
          const page = await environmentApi.logs(...ids, { after: win.last, limit: PAGE, search }, ctl.signal);
          if (page.lines.length) publish(appendPage(win, page, search !== ""));
          if (!page.more) break;
        }
      } catch (error) {
        if (ctl.signal.aborted) return;
        publish(win, error);
      }
      if (!ctl.signal.aborted) timer = setTimeout(() => void follow(), REFRESH_MS);
    };
    const open = async (): Promise<void> => {
      setState((s) => ({ ...s, loading: true }));
      try {
        publish(fromTail(await environmentApi.logs(...ids, { before: 0, limit: PAGE, search }, ctl.signal)));
      } catch (error) {
        if (!ctl.signal.aborted) publish(win, error);
        return;
      }
      if (running && !ctl.signal.aborted) timer = setTimeout(() => void follow(), REFRESH_MS);
    };
    older.current = async (added) => {
      if (paging || !canPageBack(win)) return;
      paging = true;
      try {
        const before = win.lines[0]!.n;
        const page = await environmentApi.logs(...ids, { before, limit: PAGE, search }, ctl.signal);
        if (ctl.signal.aborted) return;
        const next = prependPage(win, page);
        added(next.lines.length - win.lines.length); // before the render that shows them
        publish(next);
      } catch (error) {
        if (!ctl.signal.aborted) publish(win, error);
      } finally {
        paging = false;
      }
    };
    // Typing a search waits for a pause before asking the server.
    const start = setTimeout(() => void open(), search ? SEARCH_DELAY_MS : 0);
    return () => {
      ctl.abort();
      clearTimeout(start);
      if (timer) clearTimeout(timer);
    };
  }, [run.entity, run.project, run.id, running, search]);
  return { state, loadOlder: (added) => void older.current(added) };
}

export function LogsTab({ run }: { run: Run }) {
  const [query, setQuery] = useState("");
  const search = query.trim();
  const { state, loadOlder } = useLogWindow(run, search);
  const { lines, error, loading } = state;
  const { scrollRef, items, totalSize } = useVirtualRows(lines.length, ROW_HEIGHT);
  // Stay at the bottom as lines arrive, unless the reader scrolled up: whether the list is
  // at its bottom is read while rendering, before the new lines reach the DOM.
  const following = useRef(true);
  const shift = useRef(0);
  const el = scrollRef.current;
  following.current = !el || el.scrollTop + el.clientHeight >= el.scrollHeight - 2 * ROW_HEIGHT;
  useLayoutEffect(() => {
    const box = scrollRef.current;
    if (!box) return;
    if (shift.current) {
      // Older lines went in above: keep the lines the reader looks at where they were.
      box.scrollTop += shift.current * ROW_HEIGHT;
      shift.current = 0;
    } else if (following.current) {
      box.scrollTop = box.scrollHeight;
    }
  }, [lines, totalSize]);
  const onScroll = (): void => {
    const box = scrollRef.current;
    if (!box || box.scrollTop > PAGE_BACK_ROWS * ROW_HEIGHT || !state.older) return;
    loadOlder((added) => {
      shift.current += added;
    });
  };

  // Without lines, and not because of a search: nothing to search either.
  const nothing = !lines.length && !search;
  if (nothing && loading) return <div class="loading-block" aria-label="loading" />;
  if (nothing && error !== undefined) return <ErrorBanner error={error} />;
  if (nothing && !state.total) {
    return (
      <div class="empty-state">
        <h2>No console output</h2>
        <p class="muted">Nothing printed yet (or the <code>console</code> setting is <code>off</code>).</p>
      </div>
    );
  }
  return (
    <section class="logs" aria-label="Console output">
      {error !== undefined && <ErrorBanner error={error} />}
      <div class="logs-toolbar">
        <input
          class="input logs-search"
          type="search"
          placeholder="Search the output"
          aria-label="Search the output"
          data-shortcut="search"
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
        <span class="muted small" aria-live="polite">
          {search ? `${state.matched.toLocaleString()} of ` : ""}
          {state.total.toLocaleString()} lines{loading ? " (loading…)" : ""}
        </span>
      </div>
      <div class="logs-scroll" ref={scrollRef} role="log" aria-label="Log lines" onScroll={onScroll}>
        <div class="logs-body" style={{ height: `${totalSize}px` }}>
          {items.map((item) => {
            const line = lines[item.index]!;
            return (
              <div
                key={line.n}
                class={`log-line${line.stream === "stderr" ? " log-stderr" : ""}`}
                style={{ transform: `translateY(${item.start}px)` }}
                data-n={line.n}
              >
                <span class="log-time">{clock(line.at)}</span>
                <LineText text={line.text} />
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
