/** A report as one static HTML file: its Markdown as rendered (already sanitised), each
 * chart as inline SVG drawn from the lines on screen, and a stylesheet that also prints.
 * The file holds no script, and its Content-Security-Policy forbids any, so it opens the
 * same in any browser, offline. */
import { chartSvg, type ChartColors } from "../../charts/export";
import { snapshotOf } from "../../charts/snapshot";

const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const CSS = `
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; margin: 0; }
main { max-width: 960px; margin: 0 auto; padding: 32px 24px; }
h1.report-title { font-size: 28px; margin: 0 0 4px; }
.report-meta { color: #656d76; font-size: 13px; margin: 0 0 24px; }
.report-block { margin: 0 0 24px; break-inside: avoid; }
figure.report-chart { margin: 0; }
figure.report-chart svg { max-width: 100%; height: auto; border: 1px solid #e5e7eb; border-radius: 6px; }
.report-runs { color: #656d76; font-size: 12px; margin: 4px 0 0; }
.markdown pre, .markdown code { background: #f6f8fa; border-radius: 4px; }
.markdown pre { padding: 8px 12px; overflow: auto; }
.markdown table { border-collapse: collapse; }
.markdown td, .markdown th { border: 1px solid #d0d7de; padding: 4px 8px; }
.markdown img { max-width: 100%; }
/* KaTeX's HTML needs its fonts and stylesheet; the MathML beside it renders by itself. */
.katex-html { display: none; }
@media print { main { max-width: none; padding: 0; } a { color: inherit; } }
`;

/** The file's text: the report's rendered `article`, its charts replaced by SVG. */
export function reportHtml(article: HTMLElement, title: string, meta: string, colors: ChartColors): string {
  const copy = article.cloneNode(true) as HTMLElement;
  const live = [...article.querySelectorAll<HTMLElement>("section.panel")];
  const copies = [...copy.querySelectorAll<HTMLElement>("section.panel")];
  live.forEach((el, i) => {
    const target = copies[i];
    const snap = snapshotOf(el);
    if (!target || !snap) return;
    const figure = document.createElement("figure");
    figure.className = "report-chart";
    figure.setAttribute("aria-label", snap.title);
    // Safe: chartSvg escapes every text it writes.
    figure.innerHTML = chartSvg({ ...snap, width: Math.max(480, Math.round(el.clientWidth) || 900), height: snap.height + 40, colors });
    target.replaceWith(figure);
  });
  // What only works in the app: controls, canvases, and hidden editing parts.
  copy.querySelectorAll("script, button, input, textarea, select, canvas, .no-export, .panel-head, .section-head").forEach((e) => e.remove());
  for (const el of copy.querySelectorAll<HTMLElement>("*")) {
    for (const attr of [...el.attributes]) if (attr.name.startsWith("on")) el.removeAttribute(attr.name);
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1 class="report-title">${esc(title)}</h1>
<p class="report-meta">${esc(meta)}</p>
${copy.innerHTML}
</main>
</body>
</html>
`;
}
