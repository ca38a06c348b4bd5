/** The query bar: `val/acc > 0.9 and optimizer = adam`, parsed here (lib/query.ts) into the
 * runs API's filters, which drive the table and, through it, the charts. Enter applies;
 * a query that cannot be read shows what is wrong under the bar, with the part marked, and
 * leaves the applied filter as it was. */
import { useEffect, useState } from "preact/hooks";
import type { Columns } from "../../api/types";
import { Icon } from "../../components/Icon";
import type { Filters } from "../../lib/filters";
import { parseQuery, QueryError, queryOf, type QueryFields } from "../../lib/query";

interface Props {
  filters: Filters | null;
  /** The text that made `filters`, when the bar made them. */
  text: string | null;
  columns: Columns | undefined;
  onApply: (text: string, filters: Filters | null) => void;
}

/** What the bar shows for the applied filter: the text typed, if it still reads as that
 * filter, else the filter written as a query (empty when the language cannot write it). */
function shownText(filters: Filters | null, text: string | null, fields: QueryFields | undefined): string {
  if (text !== null) {
    try {
      if (JSON.stringify(parseQuery(text, fields)) === JSON.stringify(filters)) return text;
    } catch {
      // fall through: the URL's text no longer reads; show the filter itself
    }
  }
  return queryOf(filters, fields) ?? "";
}

export function QueryBar({ filters, text, columns, onApply }: Props) {
  const fields = columns ? { config: columns.config, summary: columns.summary } : undefined;
  const applied = shownText(filters, text, fields);
  const [value, setValue] = useState(applied);
  const [error, setError] = useState<QueryError | null>(null);
  const unwritable = filters !== null && queryOf(filters, fields) === null && text === null;
  useEffect(() => {
    setValue(applied);
    setError(null);
  }, [applied]);

  const apply = (input: string) => {
    try {
      const parsed = parseQuery(input, fields);
      setError(null);
      onApply(input, parsed);
    } catch (e) {
      if (!(e instanceof QueryError)) throw e;
      setError(e);
    }
  };

  return (
    <div class="query-bar">
      <div class={error ? "query-input query-input-bad" : "query-input"}>
        <Icon name="filter" size={13} />
        <input
          class="input"
          type="text"
          spellcheck={false}
          autoComplete="off"
          placeholder={unwritable ? "A filter from the builder is applied" : "Query: val/acc > 0.9 and optimizer = adam"}
          aria-label="Query runs"
          aria-invalid={error !== null}
          aria-describedby={error ? "query-error" : undefined}
          value={value}
          onInput={(e) => {
            setValue(e.currentTarget.value);
            if (error) setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              apply(e.currentTarget.value);
            } else if (e.key === "Escape" && value !== applied) {
              e.stopPropagation();
              setValue(applied);
              setError(null);
            }
          }}
        />
        {value !== "" && (
          <button
            type="button"
            class="icon-btn"
            aria-label="Clear query"
            title="Clear the query"
            onClick={() => {
              setValue("");
              setError(null);
              if (filters !== null) onApply("", null);
            }}
          >
            <Icon name="close" size={12} />
          </button>
        )}
      </div>
      {error && (
        <div class="inline-error query-error" id="query-error" role="alert">
          <span>{error.message}</span>
          <code class="query-where">
            {value.slice(0, error.start)}
            <mark>{value.slice(error.start, Math.max(error.end, error.start + 1)) || " "}</mark>
            {value.slice(Math.max(error.end, error.start + 1))}
          </code>
        </div>
      )}
    </div>
  );
}
