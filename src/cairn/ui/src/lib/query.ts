/** The query bar's language, parsed in the app into the runs API's Mongo-style `filters`
 * (store/filters.py), so the server does the filtering:
 *
 *   val/acc > 0.9 and optimizer = adam
 *   tags contains best or (state = failed and not tags contains retried)
 *   created > 2026-11-01 and created < 2026-11-15T12:00
 *   config.lr in (0.1, 0.01) and name ~ "^res"
 *
 * A field is a run column (state, tags, name, group, job_type, host, id, notes, step,
 * created, updated, heartbeat), `config.<key>` / `summary.<key>`, or a bare key found in
 * the project's config or summary keys. Operators: = != > >= < <= (numbers, or "quoted"
 * text), `in (a, b)`, `not in (…)`, `contains` (a tag, or text inside a string), `~` /
 * `matches` (a regular expression), `exists`; joined with and / or / not and parentheses
 * (and binds tighter than or). Bad input throws a `QueryError` that names what is wrong
 * and where. */
import type { Json, RunState } from "../api/types";
import { parseValue, type Filters } from "./filters";

export class QueryError extends Error {
  constructor(
    message: string,
    /** Character offsets of the offending part of the text. */
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
    this.name = "QueryError";
  }
}

/** The project's config and summary keys (GET …/columns), for bare field names. */
export interface QueryFields {
  config: readonly string[];
  summary: readonly string[];
}

const STATES: readonly RunState[] = ["running", "finished", "failed", "crashed", "killed"];

/** Run columns the query bar names, each to the filter field it becomes. */
const COLUMNS: Record<string, string> = {
  state: "state",
  tags: "tags",
  tag: "tags",
  name: "name",
  group: "group",
  job_type: "job_type",
  job: "job_type",
  host: "host",
  id: "id",
  notes: "notes",
  step: "last_step",
  last_step: "last_step",
  created: "created_at",
  created_at: "created_at",
  updated: "updated_at",
  updated_at: "updated_at",
  heartbeat: "heartbeat_at",
  heartbeat_at: "heartbeat_at",
};
const TIME_FIELDS = new Set(["created_at", "updated_at", "heartbeat_at"]);
/** Written as `name` in the text; other aliases print as their filter field. */
const PRINTED: Record<string, string> = { created_at: "created", updated_at: "updated", heartbeat_at: "heartbeat", last_step: "step" };

type TokenKind = "word" | "string" | "op" | "(" | ")" | ",";
interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

const OPS = [">=", "<=", "!=", "==", "!~", "=", ">", "<", "~"];
const KEYWORDS = new Set(["and", "or", "not", "in", "contains", "exists", "matches"]);

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      out.push({ kind: c, text: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      out.push({ kind: "op", text: op, start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = "";
      while (j < text.length && text[j] !== c) {
        // A backslash escapes only the quote and itself; others stay (regexes: "\\d+").
        if (text[j] === "\\" && (text[j + 1] === c || text[j + 1] === "\\")) j++;
        value += text[j];
        j++;
      }
      if (j >= text.length) throw new QueryError(`unclosed quote ${c} (opened at character ${i + 1})`, i, text.length);
      out.push({ kind: "string", text: value, start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    if (c === "&" || c === "|") {
      const two = text.slice(i, i + 2);
      if (two === "&&" || two === "||") {
        out.push({ kind: "word", text: two === "&&" ? "and" : "or", start: i, end: i + 2 });
        i += 2;
        continue;
      }
    }
    let j = i;
    while (j < text.length && !/[\s()=!<>~,"']/.test(text[j]!)) j++;
    if (j === i) throw new QueryError(`unexpected "${c}" at character ${i + 1}`, i, i + 1);
    out.push({ kind: "word", text: text.slice(i, j), start: i, end: j });
    i = j;
  }
  return out;
}

const isKeyword = (t: Token | undefined, word: string) => t?.kind === "word" && t.text.toLowerCase() === word;

/** Levels of parentheses and `not` a query may nest (the server's own limit). */
export const MAX_DEPTH = 32;

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
    private readonly fields: QueryFields | undefined,
  ) {}

  parse(): Json {
    const node = this.or();
    const rest = this.tokens[this.i];
    if (rest) {
      throw new QueryError(
        rest.kind === ")" ? `unmatched ")" at character ${rest.start + 1}` : `expected "and" or "or" before "${rest.text}"`,
        rest.start,
        rest.end,
      );
    }
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private next(what: string): Token {
    const t = this.tokens[this.i];
    if (!t) throw new QueryError(`expected ${what} at the end`, this.text.length, this.text.length);
    this.i++;
    return t;
  }

  private or(): Json {
    const parts = [this.and()];
    while (isKeyword(this.peek(), "or")) {
      this.i++;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0]! : { $or: parts };
  }

  private and(): Json {
    const parts = [this.not()];
    while (isKeyword(this.peek(), "and")) {
      this.i++;
      parts.push(this.not());
    }
    return parts.length === 1 ? parts[0]! : { $and: parts.flatMap((p) => andParts(p)) };
  }

  private not(): Json {
    const t = this.peek();
    if (isKeyword(t, "not") || t?.kind === "(") {
      if (++this.depth > MAX_DEPTH) throw new QueryError(`the query nests deeper than ${MAX_DEPTH} levels`, t!.start, t!.end);
      try {
        if (t!.kind === "(") return this.atom();
        this.i++;
        return { $nor: [this.not()] };
      } finally {
        this.depth--;
      }
    }
    return this.atom();
  }

  private atom(): Json {
    const t = this.next("a condition such as val/acc > 0.9");
    if (t.kind === "(") {
      const inner = this.or();
      const close = this.peek();
      if (close?.kind !== ")") {
        throw new QueryError(`"(" at character ${t.start + 1} is not closed`, t.start, close?.end ?? this.text.length);
      }
      this.i++;
      return inner;
    }
    if (t.kind !== "word" && t.kind !== "string") {
      throw new QueryError(`expected a field name, got "${t.text}" at character ${t.start + 1}`, t.start, t.end);
    }
    if (t.kind === "word" && KEYWORDS.has(t.text.toLowerCase())) {
      throw new QueryError(`expected a field name, got the keyword "${t.text}"`, t.start, t.end);
    }
    const field = this.field(t);
    return this.condition(field, t);
  }

  /** The filter field a name stands for. */
  private field(t: Token): string {
    const name = t.text;
    if (name === "user" || name === "username") {
      throw new QueryError(
        `"${name}": runs record no user; a project's runs all belong to its entity (filter by host instead)`,
        t.start,
        t.end,
      );
    }
    if (COLUMNS[name]) return COLUMNS[name]!;
    for (const prefix of ["config.", "summary.", "summary_metrics."]) {
      if (name.startsWith(prefix)) {
        if (name.length === prefix.length) throw new QueryError(`"${name}" names no key after the dot`, t.start, t.end);
        return name;
      }
    }
    if (!this.fields) return `summary.${name}`;
    const inConfig = this.fields.config.includes(name);
    const inSummary = this.fields.summary.includes(name);
    if (inConfig && inSummary) {
      throw new QueryError(`"${name}" is both a config and a summary key: write config.${name} or summary.${name}`, t.start, t.end);
    }
    if (inConfig) return `config.${name}`;
    if (inSummary) return `summary.${name}`;
    const near = [...this.fields.config, ...this.fields.summary].filter((k) => k.includes(name) || name.includes(k)).slice(0, 3);
    throw new QueryError(
      `unknown field "${name}": not a config or summary key of these runs, nor one of ${Object.keys(COLUMNS)
        .filter((k) => !k.includes("_") && k !== "tag" && k !== "job")
        .join(", ")}${near.length ? ` (did you mean ${near.join(", ")}?)` : ""}`,
      t.start,
      t.end,
    );
  }

  private condition(field: string, at: Token): Json {
    const t = this.next(`an operator after "${at.text}" (=, !=, >, <, in, contains, exists, ~)`);
    const word = t.kind === "word" ? t.text.toLowerCase() : null;
    if (word === "exists") return { [field]: { $exists: true } };
    if (word === "not") {
      const n = this.next(`"in", "contains" or "exists" after "not"`);
      const w = n.kind === "word" ? n.text.toLowerCase() : "";
      if (w === "in") return { [field]: { $nin: this.list(field) } };
      if (w === "exists") return { [field]: { $exists: false } };
      if (w === "contains") return { $nor: [this.contains(field)] };
      throw new QueryError(`expected "in", "contains" or "exists" after "not", got "${n.text}"`, n.start, n.end);
    }
    if (word === "in") return { [field]: { $in: this.list(field) } };
    if (word === "contains") return this.contains(field);
    if (word === "matches" || (t.kind === "op" && (t.text === "~" || t.text === "!~"))) {
      const v = this.next(`a regular expression after "${t.text}"`);
      if (v.kind !== "word" && v.kind !== "string") throw new QueryError(`expected a regular expression, got "${v.text}"`, v.start, v.end);
      checkRegex(v);
      return t.text === "!~" ? { $nor: [{ [field]: { $regex: v.text } }] } : { [field]: { $regex: v.text } };
    }
    if (t.kind !== "op") {
      throw new QueryError(
        `expected an operator after "${at.text}" (=, !=, >, <, in, contains, exists, ~), got "${t.text}"`,
        t.start,
        t.end,
      );
    }
    const v = this.next(`a value after "${t.text}"`);
    if (v.kind !== "word" && v.kind !== "string") {
      throw new QueryError(`expected a value after "${t.text}", got "${v.text}" at character ${v.start + 1}`, v.start, v.end);
    }
    const value = this.value(field, v, t.text);
    switch (t.text) {
      case "=":
      case "==":
        return { [field]: field === "tags" ? value : { $eq: value } };
      case "!=":
        return { [field]: { $ne: value } };
      default:
        return { [field]: { [COMPARE[t.text]!]: value } };
    }
  }

  private contains(field: string): Json {
    const v = this.next(`a value after "contains"`);
    if (v.kind !== "word" && v.kind !== "string") throw new QueryError(`expected a value after "contains", got "${v.text}"`, v.start, v.end);
    if (field === "tags") return { tags: { $in: [v.text] } };
    return { [field]: { $regex: escapeRegex(v.text) } };
  }

  private list(field: string): Json[] {
    const open = this.next(`"(" to start a list`);
    if (open.kind !== "(") throw new QueryError(`expected "(" to start a list, e.g. in (a, b), got "${open.text}"`, open.start, open.end);
    const values: Json[] = [];
    for (;;) {
      const v = this.next(`a value or ")" to close the list`);
      if (v.kind === ")" && values.length === 0) throw new QueryError("the list is empty", open.start, v.end);
      if (v.kind !== "word" && v.kind !== "string") throw new QueryError(`expected a value in the list, got "${v.text}"`, v.start, v.end);
      values.push(field === "tags" ? v.text : this.value(field, v, "in"));
      const sep = this.next(`"," or ")" in the list`);
      if (sep.kind === ")") return values;
      if (sep.kind !== ",") throw new QueryError(`expected "," or ")" in the list, got "${sep.text}"`, sep.start, sep.end);
    }
  }

  /** A value as the field compares it: times as ISO text, states checked, numbers for
   * comparisons unless quoted. */
  private value(field: string, v: Token, op: string): Json {
    if (TIME_FIELDS.has(field)) {
      if (v.kind === "word" && /^\d+(\.\d+)?$/.test(v.text) && !/^\d{4}$/.test(v.text)) return Number(v.text);
      if (!isTime(v.text)) {
        throw new QueryError(`${printedField(field)}: "${v.text}" is not a date or time (write e.g. 2026-11-01 or 2026-11-01T12:00)`, v.start, v.end);
      }
      return v.text;
    }
    if (field === "state") {
      if (!STATES.includes(v.text as RunState)) {
        throw new QueryError(`state: "${v.text}" is not a run state (${STATES.join(", ")})`, v.start, v.end);
      }
      return v.text;
    }
    if (field === "tags") {
      if (op !== "=" && op !== "==" && op !== "!=") throw new QueryError(`tags: "${op}" does not apply to tags; use = , contains or in (…)`, v.start, v.end);
      return v.text;
    }
    const value = v.kind === "string" ? v.text : parseValue(v.text);
    if (op in COMPARE && typeof value !== "number" && v.kind !== "string") {
      throw new QueryError(`"${op}" compares numbers, and "${v.text}" is not one ("quote" it to compare text)`, v.start, v.end);
    }
    return value;
  }
}

const COMPARE: Record<string, string> = { ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte" };

function andParts(node: Json): Json[] {
  if (node && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length === 1 && Array.isArray(node.$and)) {
    return node.$and;
  }
  return [node];
}

function isTime(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})([T ](\d{2}):(\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (!m) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[5] === undefined ? 0 : Number(m[5]);
  const minute = m[6] === undefined ? 0 : Number(m[6]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60;
}

function checkRegex(t: Token): void {
  // The server matches in RE2 (linear time): no lookaround, no backreferences.
  if (/\(\?<?[=!]|\\[1-9]|\\k</.test(t.text)) {
    throw new QueryError(`bad regular expression "${t.text}": lookaround and backreferences are not supported (RE2 syntax)`, t.start, t.end);
  }
  try {
    // RE2's flag groups, (?i) and (?i:…), which JavaScript lacks, checked as plain groups.
    new RegExp(t.text.replace(/\(\?[imsU-]+\)/g, "").replace(/\(\?[imsU-]+:/g, "(?:"));
  } catch (e) {
    throw new QueryError(`bad regular expression "${t.text}": ${e instanceof Error ? e.message : String(e)}`, t.start, t.end);
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The filters a query stands for; null for an empty query. Throws `QueryError`. */
export function parseQuery(text: string, fields?: QueryFields): Filters | null {
  const tokens = tokenize(text);
  if (tokens.length === 0) return null;
  const node = new Parser(tokens, text, fields).parse();
  return node as Filters;
}

// ---- printing: filters back to query text (a link's filter shown in the bar) ------------

function printedField(field: string): string {
  return PRINTED[field] ?? field;
}

function printName(field: string, fields: QueryFields | undefined): string {
  let name = printedField(field);
  const m = /^(config|summary)\.(.+)$/.exec(field);
  if (m && fields) {
    const key = m[2]!;
    const other = m[1] === "config" ? fields.summary : fields.config;
    const own = m[1] === "config" ? fields.config : fields.summary;
    if (own.includes(key) && !other.includes(key) && !(key in COLUMNS) && /^[^\s()=!<>~,"']+$/.test(key)) name = key;
  }
  return /^[^\s()=!<>~,"']+$/.test(name) ? name : quote(name);
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, "\\$&")}"`;
}

function printValue(v: Json): string | null {
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : null;
  if (typeof v === "boolean" || v === null) return String(v);
  if (typeof v !== "string") return null;
  const bare = /^[^\s()=!<>~,"']+$/.test(v) && !KEYWORDS.has(v.toLowerCase()) && typeof parseValue(v) === "string";
  return bare ? v : quote(v);
}

function printCondition(field: string, cond: Json, fields: QueryFields | undefined): string | null {
  const name = printName(field, fields);
  if (typeof cond !== "object" || cond === null || Array.isArray(cond)) {
    const v = printValue(cond);
    return v === null ? null : `${name} = ${v}`;
  }
  const entries = Object.entries(cond);
  const parts: string[] = [];
  for (const [op, v] of entries) {
    let part: string | null = null;
    const sym = Object.entries(COMPARE).find(([, o]) => o === op)?.[0];
    if (op === "$eq" || op === "$ne" || sym) {
      const text = printValue(v);
      if (text !== null) part = `${name} ${op === "$eq" ? "=" : op === "$ne" ? "!=" : sym} ${text}`;
    } else if ((op === "$in" || op === "$nin") && Array.isArray(v)) {
      const values = v.map(printValue);
      if (!values.includes(null)) {
        if (field === "tags" && op === "$in" && values.length === 1) part = `tags contains ${values[0]}`;
        else if (values.length) part = `${name} ${op === "$in" ? "in" : "not in"} (${values.join(", ")})`;
      }
    } else if (op === "$exists" && typeof v === "boolean") {
      part = `${name} ${v ? "exists" : "not exists"}`;
    } else if (op === "$regex" && typeof v === "string") {
      part = `${name} ~ ${quote(v)}`;
    }
    if (part === null) return null;
    parts.push(part);
  }
  return parts.length ? parts.join(" and ") : null;
}

function printNode(node: Json, fields: QueryFields | undefined, inner: boolean): string | null {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return null;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k === "$and" || k === "$or") {
      if (!Array.isArray(v) || v.length === 0) return null;
      const items = v.map((p) => printNode(p, fields, true));
      if (items.includes(null)) return null;
      const joined = items.join(k === "$and" ? " and " : " or ");
      parts.push(k === "$or" && (inner || Object.keys(node).length > 1) ? `(${joined})` : joined);
    } else if (k === "$nor") {
      if (!Array.isArray(v) || v.length === 0) return null;
      const items = v.map((p) => printNode(p, fields, true));
      if (items.includes(null)) return null;
      parts.push(items.map((i) => `not ${/\s/.test(i!) ? `(${i})` : i}`).join(" and "));
    } else if (k.startsWith("$")) return null;
    else {
      const c = printCondition(k, v, fields);
      if (c === null) return null;
      parts.push(c);
    }
  }
  return parts.length ? parts.join(" and ") : null;
}

/** Query text for a filter, or null when the filter has parts the language cannot write. */
export function queryOf(filters: Filters | null, fields?: QueryFields): string | null {
  if (!filters || Object.keys(filters).length === 0) return "";
  return printNode(filters, fields, false);
}
