/** ANSI SGR colour codes (what `\x1b[31m` and friends do in a terminal) turned into styled
 * segments; other escape sequences (cursor moves) are dropped. Colours come from a
 * palette readable on light and dark backgrounds. */

export interface AnsiStyle {
  fg: string | null;
  bg: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

const BASIC = ["#6c757d", "#e03131", "#2f9e44", "#e8a400", "#1c7ed6", "#ae3ec9", "#0c8599", "#adb5bd"];
const BRIGHT = ["#868e96", "#ff6b6b", "#51cf66", "#fcc419", "#4dabf7", "#da77f2", "#3bc9db", "#f1f3f5"];

const PLAIN: AnsiStyle = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false };

// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-9;?]*)([A-Za-z])|\x1b[()][A-Za-z0-9]|\x1b[=>]|[\x00-\x08\x0b-\x1f\x7f]/g;

function color256(n: number): string | null {
  if (n < 8) return BASIC[n] ?? null;
  if (n < 16) return BRIGHT[n - 8] ?? null;
  if (n < 232) {
    const v = n - 16;
    const level = (c: number) => (c === 0 ? 0 : 55 + c * 40);
    return `rgb(${level(Math.floor(v / 36))}, ${level(Math.floor(v / 6) % 6)}, ${level(v % 6)})`;
  }
  const g = 8 + (n - 232) * 10;
  return `rgb(${g}, ${g}, ${g})`;
}

/** Apply one SGR parameter list (`1;31`) to a style. */
function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const codes = params === "" ? [0] : params.split(";").map((p) => Number.parseInt(p || "0", 10));
  const s = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) Object.assign(s, PLAIN);
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) s.bold = s.dim = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c >= 30 && c <= 37) s.fg = BASIC[c - 30] ?? null;
    else if (c >= 90 && c <= 97) s.fg = BRIGHT[c - 90] ?? null;
    else if (c >= 40 && c <= 47) s.bg = BASIC[c - 40] ?? null;
    else if (c >= 100 && c <= 107) s.bg = BRIGHT[c - 100] ?? null;
    else if (c === 39) s.fg = null;
    else if (c === 49) s.bg = null;
    else if (c === 38 || c === 48) {
      let value: string | null = null;
      if (codes[i + 1] === 5) {
        value = color256(codes[i + 2] ?? 0);
        i += 2;
      } else if (codes[i + 1] === 2) {
        value = `rgb(${codes[i + 2] ?? 0}, ${codes[i + 3] ?? 0}, ${codes[i + 4] ?? 0})`;
        i += 4;
      }
      if (c === 38) s.fg = value;
      else s.bg = value;
    }
  }
  return s;
}

/** A line's text as styled segments (empty segments left out). */
export function parseAnsi(text: string): AnsiSegment[] {
  const out: AnsiSegment[] = [];
  let style = PLAIN;
  let at = 0;
  for (const m of text.matchAll(ESCAPE)) {
    if (m.index! > at) out.push({ text: text.slice(at, m.index), style });
    if (m[2] === "m") style = applySgr(style, m[1] ?? "");
    at = m.index! + m[0].length;
  }
  if (at < text.length) out.push({ text: text.slice(at), style });
  return out;
}

/** The text without any escape sequence (what search matches against). */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPE, "");
}
