/** Audio (player and waveform), video and HTML (sandboxed). */
import { useEffect, useRef } from "preact/hooks";
import { mediaApi, type MediaRef } from "../api/media";
import { useAsync } from "../lib/useAsync";

export function AudioView({ audio }: { audio: MediaRef }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const url = mediaApi.blobUrl(audio.sha256 ?? "", audio.format, "audio");
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const bytes = await (await fetch(url)).arrayBuffer();
      const ctx = new OfflineAudioContext(1, 1, 44100);
      const decoded = await ctx.decodeAudioData(bytes);
      const c = canvas.current;
      const g = c?.getContext("2d");
      if (cancelled || !c || !g) return;
      const samples = decoded.getChannelData(0);
      const width = (c.width = Math.max(1, c.clientWidth * devicePixelRatio));
      const height = (c.height = Math.max(1, c.clientHeight * devicePixelRatio));
      g.fillStyle = getComputedStyle(c).color;
      const per = Math.max(1, Math.floor(samples.length / width));
      for (let x = 0; x < width; x++) {
        let lo = 1;
        let hi = -1;
        for (let i = x * per; i < Math.min(samples.length, (x + 1) * per); i++) {
          const s = samples[i] ?? 0;
          if (s < lo) lo = s;
          if (s > hi) hi = s;
        }
        if (hi >= lo) g.fillRect(x, ((1 - hi) / 2) * height, 1, Math.max(1, ((hi - lo) / 2) * height));
      }
    })().catch(() => undefined);  // an undecodable format: the player alone is shown
    return () => {
      cancelled = true;
    };
  }, [url]);
  return (
    <figure class="media-figure media-audio">
      <canvas ref={canvas} class="media-wave" role="img" aria-label="waveform" />
      <audio controls preload="metadata" src={url} />
      {audio.caption && <figcaption>{audio.caption}</figcaption>}
    </figure>
  );
}

export function VideoView({ video }: { video: MediaRef }) {
  const url = mediaApi.blobUrl(video.sha256 ?? "", video.format);
  return (
    <figure class="media-figure">
      {video.format === "gif" ? <img src={url} alt={video.caption ?? "video"} /> : <video controls preload="metadata" src={url} />}
      {video.caption && <figcaption>{video.caption}</figcaption>}
    </figure>
  );
}

/** Logged HTML runs in a sandboxed frame with an opaque origin (no allow-same-origin):
 * it cannot read the page, its storage or its cookies; a CSP in the document blocks every
 * network request, and scripts run only when the HTML was logged with scripts=True (not
 * wandb's inject, which is on by default and only asks for a stylesheet there). */
export function htmlDocument(html: string, scripts: boolean): string {
  const csp = `default-src 'none'; img-src data:; media-src data:; style-src 'unsafe-inline'; font-src data:${scripts ? "; script-src 'unsafe-inline'" : ""}`;
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"></head><body>${html}</body></html>`;
}

export function HtmlView({ page }: { page: MediaRef }) {
  const text = useAsync((s) => mediaApi.blobText(page.sha256 ?? "", s), [page.sha256]);
  if (text.error) return <div class="panel-error" role="alert">cannot load the HTML</div>;
  return (
    <iframe
      class="media-html"
      title="logged HTML"
      sandbox={page.scripts ? "allow-scripts" : ""}
      referrerpolicy="no-referrer"
      srcdoc={text.data === undefined ? "" : htmlDocument(text.data, !!page.scripts)}
    />
  );
}
