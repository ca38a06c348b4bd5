import { ApiError } from "../api/client";

/** An API error (or any error) as a readable banner, with a retry when one makes sense. */
export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const api = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  const title = api
    ? api.status === 0
      ? "Cannot reach the server"
      : `${api.status} ${api.code.replace(/_/g, " ")}`
    : "Something went wrong";
  return (
    <div class="banner banner-error" role="alert">
      <div>
        <strong>{title}</strong>
        <span class="banner-message">{message}</span>
      </div>
      {onRetry && (
        <button type="button" class="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
