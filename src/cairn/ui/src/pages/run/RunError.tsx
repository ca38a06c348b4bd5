/** Why a run failed: the exception and the last lines of its traceback (kept with the run
 * when it ended by an uncaught exception). */
import type { Json } from "../../api/types";

export function RunError({ error }: { error: Json }) {
  if (!error || typeof error !== "object" || Array.isArray(error)) return null;
  const type = typeof error.type === "string" ? error.type : "Error";
  const message = typeof error.message === "string" ? error.message : "";
  const traceback = typeof error.traceback === "string" ? error.traceback : "";
  return (
    <section class="card card-error" aria-label="Error">
      <h2 class="card-title">Failed with {type}</h2>
      {message && <p class="error-message">{message}</p>}
      {traceback && <pre class="traceback">{traceback}</pre>}
    </section>
  );
}
