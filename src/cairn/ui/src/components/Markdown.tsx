/** Rendered Markdown + LaTeX, sanitised (the renderer chunk loads on first use). */
import { useEffect, useState } from "preact/hooks";

export function Markdown({ text }: { text: string }) {
  const [html, setHtml] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    import("../markdown/render")
      .then(({ renderMarkdown }) => !cancelled && setHtml(renderMarkdown(text)))
      .catch((e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      cancelled = true;
    };
  }, [text]);
  if (error) return <pre class="notes-raw">{text}</pre>;
  if (html === null) return <div class="markdown muted">…</div>;
  // Safe: `html` is DOMPurify's output (scripts, handlers and javascript: URLs removed).
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
