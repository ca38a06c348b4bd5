/** One's API keys: make one (shown once, with a copy button), see each key's last use,
 * revoke one. */
import { useEffect, useState } from "preact/hooks";
import { accountsApi, type ApiKey } from "../../api/accounts";
import { ErrorBanner } from "../../components/ErrorBanner";
import { formatAgo, formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";

export function KeysPage() {
  const keys = useAsync((s) => accountsApi.keys(s), []);
  const [label, setLabel] = useState("");
  const [created, setCreated] = useState<{ key: string; label: string } | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = "API keys · cairn";
  }, []);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const made = await accountsApi.createKey(label.trim());
      setCreated({ key: made.key, label: made.label });
      setLabel("");
      keys.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const live = (keys.data ?? []).filter((k) => k.revoked_at === null);
  const revoked = (keys.data ?? []).filter((k) => k.revoked_at !== null);
  return (
    <main class="page page-narrow" id="main">
      <div class="page-head">
        <h1>API keys</h1>
      </div>
      <p class="muted">
        Programs sign in with a key: <code>cairn login --host {location.origin}</code>, or <code>CAIRN_API_KEY</code>.
      </p>
      <form class="toolbar key-create" onSubmit={create}>
        <input
          class="input"
          name="label"
          placeholder="What the key is for (e.g. gpu-box-3)"
          aria-label="Label of the new key"
          maxLength={200}
          value={label}
          onInput={(e) => setLabel(e.currentTarget.value)}
        />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          Create key
        </button>
      </form>
      {error !== undefined && <ErrorBanner error={error} />}
      {created && <NewKey {...created} onDone={() => setCreated(null)} />}
      {keys.error !== undefined && <ErrorBanner error={keys.error} onRetry={keys.reload} />}
      {keys.data && (
        <KeyTable keys={[...live, ...revoked]} onRevoked={keys.reload} onError={setError} />
      )}
      {keys.loading && !keys.data && <div class="loading-block" aria-label="loading" />}
    </main>
  );
}

export function NewKey({ key: value, label, onDone }: { key: string; label: string; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(value).then(
      () => setCopied("yes"),
      () => setCopied("failed"),
    );
  return (
    <section class="banner banner-info new-key" role="status" aria-label="New API key">
      <div>
        <strong>New key{label ? ` “${label}”` : ""}: copy it now, it is not shown again.</strong>
        <div class="new-key-row">
          <code class="new-key-value" data-testid="new-key">
            {value}
          </code>
          <button type="button" class="btn btn-small" onClick={copy}>
            {copied === "yes" ? "Copied" : "Copy"}
          </button>
          <button type="button" class="btn btn-small" onClick={onDone}>
            Done
          </button>
        </div>
        {copied === "failed" && <div class="inline-error">The browser refused the clipboard: select the key and copy it.</div>}
      </div>
    </section>
  );
}

function KeyTable({ keys, onRevoked, onError }: { keys: ApiKey[]; onRevoked: () => void; onError: (e: unknown) => void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  if (keys.length === 0) return <div class="empty-state"><p>No keys yet.</p></div>;
  const revoke = async (prefix: string) => {
    setConfirming(null);
    try {
      await accountsApi.revokeKey(prefix);
      onRevoked();
    } catch (err) {
      onError(err);
    }
  };
  return (
    <table class="table keys-table">
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Label</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k.prefix} data-prefix={k.prefix} class={k.revoked_at !== null ? "muted" : ""}>
            <td>
              <code>cairn_{k.prefix}_…</code>
            </td>
            <td>{k.label || <span class="muted">—</span>}</td>
            <td title={formatTime(k.created_at)}>{formatAgo(k.created_at)}</td>
            <td title={k.last_used_at !== null ? formatTime(k.last_used_at) : undefined}>
              {k.last_used_at !== null ? formatAgo(k.last_used_at) : "never"}
            </td>
            <td class="cell-actions">
              {k.revoked_at !== null ? (
                <span title={formatTime(k.revoked_at)}>revoked {formatAgo(k.revoked_at)}</span>
              ) : confirming === k.prefix ? (
                <>
                  <button type="button" class="btn btn-small btn-danger" onClick={() => void revoke(k.prefix)}>
                    Revoke now
                  </button>
                  <button type="button" class="btn btn-small" onClick={() => setConfirming(null)}>
                    Cancel
                  </button>
                </>
              ) : (
                <button type="button" class="btn btn-small" onClick={() => setConfirming(k.prefix)}>
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
