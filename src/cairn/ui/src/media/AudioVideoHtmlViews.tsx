/** Audio (player and waveform), video and HTML (sandboxed). */
import { useEffect, useRef } from "preact/hooks";
import { apiFetch } from "../api/http";
import { mediaApi, type MediaRef } from "../api/media";

export function AudioView({ audio }: { audio: MediaRef }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const url = mediaApi.blobUrl(audio.sha256 ?? "", audio.format, "audio");
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const bytes = await (await apiFetch(url)).arrayBuffer();
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
 * it cannot read the page, its storage or its cookies. The server sends it with a policy
 * of its own (sandbox, no network, inline scripts only when the HTML was logged with
 * scripts=True, not wandb's inject, which is on by default and only asks for a stylesheet
 * there): a srcdoc frame would inherit the app's policy, which runs no inline script. */
export function HtmlView({ page }: { page: MediaRef }) {
  return (
    <iframe
      class="media-html"
      title="logged HTML"
      sandbox={page.scripts ? "allow-scripts" : ""}
      referrerpolicy="no-referrer"
      src={mediaApi.htmlUrl(page.sha256 ?? "", !!page.scripts)}
    />
  );
}
