/** The run page's Logs tab: the run's console output with its ANSI colours, in a
 * virtualised list (only the lines in view are in the DOM, so 100,000 lines scroll freely),
 * filtered as you type, and followed live while the run is running. */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { environmentApi, type ConsoleLine } from "../../api/environment";
import type { Run } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { parseAnsi, stripAnsi, type AnsiStyle } from "../../lib/ansi";
import { useVirtualRows } from "../../lib/useVirtualRows";

const PAGE = 10_000;
const REFRESH_MS = 2000;
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

/** Every line of the run, loaded a page at a time and then followed while it runs. */
function useConsoleLines(run: Run): { lines: ConsoleLine[]; error: unknown; loading: boolean } {
  const [state, setState] = useState<{ lines: ConsoleLine[]; error: unknown; loading: boolean }>({
    lines: [],
    error: undefined,
    loading: true,
  });
  const running = run.state === "running";
  useEffect(() => {
    const ctl = new AbortController();
    let after = 0;
    let all: ConsoleLine[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = async (): Promise<void> => {
      try {
        for (;;) {
          const page = await environmentApi.logs(run.entity, run.project, run.id, after, PAGE, ctl.signal);
          if (page.lines.length) {
            all = all.concat(page.lines);
            after = page.last;
            setState({ lines: all, error: undefined, loading: page.more });
          }
          if (!page.more) break;
        }
        setState({ lines: all, error: undefined, loading: false });
      } catch (error) {
        if (ctl.signal.aborted) return;
        setState({ lines: all, error, loading: false });
      }
      if (running && !ctl.signal.aborted) timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      ctl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [run.entity, run.project, run.id, running]);
  return state;
}

export function LogsTab({ run }: { run: Run }) {
  const { lines, error, loading } = useConsoleLines(run);
  const [query, setQuery] = useState("");
  const plain = useMemo(() => lines.map((l) => stripAnsi(l.text).toLowerCase()), [lines]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return lines;
    return lines.filter((_, i) => plain[i]!.includes(q));
  }, [lines, plain, query]);
  const { scrollRef, items, totalSize } = useVirtualRows(shown.length, ROW_HEIGHT);
  // Stay at the bottom as lines arrive, unless the reader scrolled up: whether the list is
  // at its bottom is read while rendering, before the new lines reach the DOM.
  const following = useRef(true);
  const el = scrollRef.current;
  following.current = !el || el.scrollTop + el.clientHeight >= el.scrollHeight - 2 * ROW_HEIGHT;
  useLayoutEffect(() => {
    const box = scrollRef.current;
    if (box && following.current) box.scrollTop = box.scrollHeight;
  }, [shown.length, totalSize]);

  if (!lines.length && loading) return <div class="loading-block" aria-label="loading" />;
  if (!lines.length && error !== undefined) return <ErrorBanner error={error} />;
  if (!lines.length) {
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
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
        <span class="muted small" aria-live="polite">
          {query.trim() ? `${shown.length.toLocaleString()} of ` : ""}
          {lines.length.toLocaleString()} lines{loading ? " (loading…)" : ""}
        </span>
      </div>
      <div class="logs-scroll" ref={scrollRef} role="log" aria-label="Log lines">
        <div class="logs-body" style={{ height: `${totalSize}px` }}>
          {items.map((item) => {
            const line = shown[item.index]!;
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
