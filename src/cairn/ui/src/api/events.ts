/** The project's live event stream (Server-Sent Events): run changes for the table, new
 * points for the charts on screen. Reopened (debounced) when the followed runs or keys
 * change; after a reopen, series that may have missed points are refetched once. */
import { useEffect, useRef } from "preact/hooks";
import type { ChartData } from "../charts/chartData";
import { api } from "./client";
import type { PointsEvent, ResetEvent, RunEvent } from "./types";

const REOPEN_DEBOUNCE_MS = 300;
/** The server follows at most this many runs and keys per stream. */
const MAX_RUNS = 200;
const MAX_KEYS = 50;

export interface LiveHandlers {
  onRun?: (ev: RunEvent) => void;
}

function parse<T>(e: MessageEvent): T | null {
  try {
    return JSON.parse(e.data as string) as T;
  } catch {
    return null;
  }
}

/**
 * Follow `runs` (ids whose points charts show) in `data`'s project. `live` lists the runs
 * still running: only their series can have missed points across a reopen.
 */
export function useLiveEvents(
  entity: string,
  project: string,
  data: ChartData | null,
  runs: readonly string[],
  live: readonly string[],
  handlers: LiveHandlers,
): void {
  const h = useRef(handlers);
  h.current = handlers;
  const liveRef = useRef(live);
  liveRef.current = live;
  const runsSig = [...runs].sort().join(",");

  useEffect(() => {
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let subscribed = { runs: "", keys: new Set<string>() };
    const followed = runsSig ? runsSig.split(",").slice(0, MAX_RUNS) : [];

    const open = () => {
      timer = null;
      const keys = (data?.activeKeys() ?? []).sort().slice(0, MAX_KEYS);
      const sig = keys.join(",");
      if (source && sig === [...subscribed.keys].sort().join(",") && subscribed.runs === runsSig) return;
      source?.close();
      const previous = subscribed;
      subscribed = { runs: runsSig, keys: new Set(keys) };
      const es = new EventSource(api.eventsUrl(entity, project, followed, keys));
      source = es;
      let opened = false;
      es.addEventListener("open", () => {
        // Points logged between a chart's fetch and this subscription: refetch those
        // series of running runs (all of them after a dropped connection).
        const runningFollowed = liveRef.current.filter((r) => followed.includes(r));
        const added = opened || previous.runs !== runsSig ? keys : keys.filter((k) => !previous.keys.has(k));
        if (data && (opened || added.length)) void data.fillGaps(runningFollowed, added);
        opened = true;
      });
      es.addEventListener("run", (e) => {
        const ev = parse<RunEvent>(e as MessageEvent);
        if (ev) h.current.onRun?.(ev);
      });
      es.addEventListener("points", (e) => {
        const ev = parse<PointsEvent>(e as MessageEvent);
        if (ev) data?.applyPoints(ev);
      });
      es.addEventListener("reset", (e) => {
        const ev = parse<ResetEvent>(e as MessageEvent);
        if (ev) data?.reset(ev.run, ev.key);
      });
    };
    const schedule = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(open, REOPEN_DEBOUNCE_MS);
    };
    if (data) data.onKeysChange = schedule;
    open();
    return () => {
      if (timer) clearTimeout(timer);
      if (data) data.onKeysChange = null;
      source?.close();
    };
  }, [entity, project, data, runsSig]);
}
