/** Log in to the team server (user name and password), then go back where the user was. */
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { login, useSession } from "../../api/session";
import { safeNext } from "../../lib/nextPath";
import { navigate, useQuery } from "../../router";

export function LoginPage() {
  const session = useSession();
  const next = safeNext(useQuery().get("next"));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = "Log in · cairn";
  }, []);
  useEffect(() => {
    // The local `cairn ui` has no accounts; someone signed in has nothing to do here.
    if (session?.mode === "local" || (session?.mode === "team" && session.me)) navigate(next, true);
  }, [session, next]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
      navigate(next, true);
    } catch (err) {
      setPassword("");
      setError(
        err instanceof ApiError && err.status === 401
          ? "Wrong user name or password."
          : err instanceof Error
            ? err.message
            : String(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page login-page" id="main">
      <form class="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Log in to cairn</h1>
        {error && (
          <div class="banner banner-error" role="alert">
            <span class="banner-message">{error}</span>
          </div>
        )}
        <label class="field">
          <span>User name</span>
          <input
            class="input"
            name="username"
            autocomplete="username"
            required
            autofocus
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            class="input"
            type="password"
            name="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
        <p class="muted small">
          Programs sign in with an API key instead: <code>cairn login --host {location.origin}</code>.
        </p>
      </form>
    </main>
  );
}
