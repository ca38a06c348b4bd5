/** A logged table: sort by a column, filter rows by text, pages of 1,000 rows, rows
 * virtualised (only those in view are in the DOM), images shown in their cells. */
import { useMemo, useState } from "preact/hooks";
import { joinDocs, mediaApi, type MediaRef } from "../api/media";
import { useAsync } from "../lib/useAsync";
import { useVirtualRows } from "../lib/useVirtualRows";

const PAGE = 1000;
const ROW_HEIGHT = 56;

type Cell = null | boolean | number | string | MediaRef | Cell[] | { [k: string]: Cell };

interface TableDoc {
  columns: string[];
  data: Cell[][];
}

function isMedia(cell: Cell): cell is MediaRef {
  return !!cell && typeof cell === "object" && !Array.isArray(cell) && typeof (cell as MediaRef)._type === "string";
}

function cellText(cell: Cell): string {
  if (cell === null) return "";
  if (isMedia(cell)) return cell.caption ?? cell._type;
  if (typeof cell === "object") return JSON.stringify(cell);
  return String(cell);
}

function compare(a: Cell, b: Cell): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return cellText(a).localeCompare(cellText(b), undefined, { numeric: true });
}

function CellView({ cell }: { cell: Cell }) {
  if (isMedia(cell)) {
    if (cell._type === "image-file" && cell.sha256) {
      return <img class="media-cell-img" src={mediaApi.blobUrl(cell.sha256, cell.format)} alt={cell.caption ?? "image"} loading="lazy" />;
    }
    return <span class="muted">{cell._type}</span>;
  }
  return <>{cellText(cell)}</>;
}

interface BarProps {
  label: string;
  filter: string;
  rows: number;
  page: number;
  pages: number;
  onFilter: (text: string) => void;
  onPage: (page: number) => void;
}

function TableBar({ label, filter, rows, page, pages, onFilter, onPage }: BarProps) {
  return (
    <div class="media-table-bar">
      <input type="search" class="input" placeholder="Filter rows" aria-label={`${label}: filter rows`} value={filter}
        onInput={(e) => onFilter((e.target as HTMLInputElement).value)} />
      <span class="muted media-table-count">{rows.toLocaleString()} rows</span>
      {pages > 1 && (
        <span class="media-pages">
          <button type="button" class="btn btn-small" disabled={page === 0} onClick={() => onPage(page - 1)}>Previous</button>
          <span class="muted">page {page + 1} of {pages}</span>
          <button type="button" class="btn btn-small" disabled={page >= pages - 1} onClick={() => onPage(page + 1)}>Next</button>
        </span>
      )}
    </div>
  );
}

export function TableView({ digests, label }: { digests: string[]; label: string }) {
  const doc = useAsync((s) => Promise.all(digests.map((d) => mediaApi.blobJson<TableDoc>(d, s))).then(joinDocs), [digests.join(",")]);
  const [sort, setSort] = useState<{ col: number; desc: boolean } | null>(null);
  const [filter, setFilter] = useState("");
  const [page, setPage] = useState(0);
  const rows = useMemo(() => {
    const data = doc.data?.data ?? [];
    const needle = filter.trim().toLowerCase();
    let out = needle ? data.filter((row) => row.some((c) => cellText(c).toLowerCase().includes(needle))) : data;
    if (sort) {
      out = [...out].sort((a, b) => compare(a[sort.col] ?? null, b[sort.col] ?? null) * (sort.desc ? -1 : 1));
    }
    return out;
  }, [doc.data, filter, sort]);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  const current = Math.min(page, pages - 1);
  const pageRows = rows.slice(current * PAGE, (current + 1) * PAGE);
  const { scrollRef, items, totalSize } = useVirtualRows(pageRows.length, ROW_HEIGHT);
  const columns = doc.data?.columns ?? [];
  if (doc.error) return <div class="panel-error" role="alert">cannot load the table: {String(doc.error)}</div>;
  const template = `repeat(${columns.length}, minmax(90px, 1fr))`;
  return (
    <div class="media-table" aria-busy={doc.loading}>
      <TableBar label={label} filter={filter} rows={rows.length} page={current} pages={pages}
        onFilter={(text) => { setFilter(text); setPage(0); }} onPage={setPage} />
      <div class="media-table-scroll" ref={scrollRef} role="table" aria-label={label} aria-rowcount={rows.length}>
        <div class="media-table-head" role="row" style={{ gridTemplateColumns: template }}>
          {columns.map((name, i) => (
            <button type="button" role="columnheader" key={name} class="btn-plain media-th"
              aria-sort={sort?.col === i ? (sort.desc ? "descending" : "ascending") : "none"}
              onClick={() => setSort(sort?.col === i ? (sort.desc ? null : { col: i, desc: true }) : { col: i, desc: false })}>
              {name}{sort?.col === i ? (sort.desc ? " ▼" : " ▲") : ""}
            </button>
          ))}
        </div>
        <div style={{ height: `${totalSize}px`, position: "relative" }}>
          {items.map((v) => {
            const row = pageRows[v.index] ?? [];
            return (
              <div role="row" class="media-tr" key={v.index}
                style={{ gridTemplateColumns: template, transform: `translateY(${v.start}px)`, height: `${ROW_HEIGHT}px` }}>
                {columns.map((_, c) => (
                  <div role="cell" class="media-td" key={c}><CellView cell={row[c] ?? null} /></div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
