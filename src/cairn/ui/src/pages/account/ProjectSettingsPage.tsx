/** A project's visibility (private, team, public) and its own members: its admins change
 * them, its readers see them. */
import { useEffect, useState } from "preact/hooks";
import { accountsApi, type ProjectSettings, type Visibility } from "../../api/accounts";
import { type Me, useSession } from "../../api/session";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useAsync } from "../../lib/useAsync";
import { MembersTable } from "./MembersTable";

const VISIBILITY: { value: Visibility; text: string }[] = [
  { value: "private", text: "Private: only its members (and the team's admins)" },
  { value: "team", text: "Team: every member of the team (viewers read, members write)" },
  { value: "public", text: "Public: every signed-in user reads it" },
];

/** Whether the user administers the project, as far as the app can tell (the server
 * decides; a refusal shows as an error). */
function administers(me: Me, s: ProjectSettings): boolean {
  return me.admin || s.entity === me.user || me.teams[s.entity] === "admin" || s.members[me.user] === "admin" ||
    (s.owner === me.user && me.teams[s.entity] === "member");
}

export function ProjectSettingsPage({ entity, project }: { entity: string; project: string }) {
  const session = useSession();
  const found = useAsync((s) => accountsApi.projectSettings(entity, project, s), [entity, project]);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    document.title = `Settings · ${project} · cairn`;
  }, [project]);
  const me = session?.mode === "team" ? session.me : null;
  const settings = found.data;
  const editable = !!me && !!settings && administers(me, settings);

  const setVisibility = async (visibility: Visibility) => {
    setError(undefined);
    setSaved(false);
    try {
      const next = await accountsApi.setVisibility(entity, project, visibility);
      found.setData(() => next);
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main class="page page-narrow" id="main">
      <div class="page-head">
        <h1>Project settings</h1>
      </div>
      {found.error !== undefined && <ErrorBanner error={found.error} onRetry={found.reload} />}
      {settings && (
        <>
          <section class="card settings-section">
            <h2 class="card-title">Visibility</h2>
            {error !== undefined && <ErrorBanner error={error} />}
            <fieldset class="visibility" disabled={!editable}>
              <legend class="sr-only">Who sees the project</legend>
              {VISIBILITY.map((v) => (
                <label key={v.value} class="radio">
                  <input
                    type="radio"
                    name="visibility"
                    value={v.value}
                    checked={settings.visibility === v.value}
                    onChange={() => void setVisibility(v.value)}
                  />
                  {v.text}
                </label>
              ))}
            </fieldset>
            {saved && <p class="muted small" role="status">Saved: the project is now {settings.visibility}.</p>}
            {!editable && <p class="muted small">Only the project's admins change its visibility.</p>}
            {settings.owner && <p class="muted small">Made by {settings.owner}.</p>}
          </section>
          <section class="card settings-section">
            <h2 class="card-title">Members of this project</h2>
            <p class="muted small">Roles given here add to what the team gives.</p>
            <MembersTable
              label={`Members of ${entity}/${project}`}
              members={settings.members}
              editable={editable}
              onChange={(user, role) =>
                accountsApi.setProjectMember(entity, project, user, role).then((s) => found.setData(() => s))
              }
            />
          </section>
        </>
      )}
      {found.loading && !settings && <div class="loading-block" aria-label="loading" />}
    </main>
  );
}
