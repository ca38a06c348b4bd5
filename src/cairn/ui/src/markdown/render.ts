/** Notes as Markdown with LaTeX ($…$, $$…$$), sanitised: marked renders, KaTeX typesets,
 * DOMPurify removes anything executable. Loaded on demand (its own chunk). */
import DOMPurify from "dompurify";
import "katex/dist/katex.min.css";
import { Marked } from "marked";
import markedKatex from "marked-katex-extension";

const marked = new Marked({ gfm: true, breaks: false, async: false });
marked.use(markedKatex({ throwOnError: false, nonStandard: true, output: "htmlAndMathml" }));

// Links in notes open in a new tab, without giving the page to the opener.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.getAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/** Sanitised HTML for a note. */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text) as string;
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true, mathMl: true, svg: true },
    // KaTeX lays out with inline styles, so style attributes stay (CSS cannot run script);
    // the notes box contains its paint, so no style can cover the rest of the page.
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select"],
  });
}
