import { ApiError } from "../api/client";
import { knownSession } from "../api/session";

/** An API error (or any error) as a readable banner, with a retry when one makes sense. */
export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const api = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  const title = api
    ? api.status === 0
      ? "Cannot reach the server"
      : api.status === 403
        ? "403 not allowed"
        : `${api.status} ${api.code.replace(/_/g, " ")}`
    : "Something went wrong";
  // The team server answers a project one may not read as a missing one.
  const hidden = api?.status === 404 && knownSession()?.mode === "team" && /^no (project|run) /.test(message);
  const hint = hidden ? `${/[.!?]$/.test(message) ? "" : "."} It does not exist, or it is not shared with you.` : "";
  return (
    <div class="banner banner-error" role="alert">
      <div>
        <strong>{title}</strong>
        <span class="banner-message">
          {message}
          {hint}
        </span>
      </div>
      {onRetry && (
        <button type="button" class="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
