/** Where and how a run ran, from its environment snapshot (taken at `init`): host, OS,
 * Python, program and arguments, hardware, and the git state with a link to the diff of
 * uncommitted changes. */
import type { ComponentChildren } from "preact";
import type { Json, Run } from "../../api/types";

type Obj = { [key: string]: Json };

function obj(v: Json | undefined): Obj | null {
  return v && typeof v === "object" && !Array.isArray(v) ? v : null;
}

function str(v: Json | undefined): string | null {
  return typeof v === "string" && v ? v : typeof v === "number" ? String(v) : null;
}

function gib(bytes: Json | undefined): string | null {
  return typeof bytes === "number" ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : null;
}

function Row({ label, children }: { label: string; children: ComponentChildren }) {
  if (children === null || children === undefined || children === "") return null;
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function fileUrl(run: Run, name: string): string {
  const seg = encodeURIComponent;
  return `/api/v1/runs/${seg(run.entity)}/${seg(run.project)}/${seg(run.id)}/files/${name}`;
}

export function EnvironmentCard({ run }: { run: Run }) {
  const env = obj(run.meta?.environment);
  if (!env) return null;
  const git = obj(env.git);
  const args = Array.isArray(env.args) ? env.args.map((a) => String(a)).join(" ") : "";
  const program = str(env.program) ?? "(no script: python -c or interactive)";
  const gpus = Array.isArray(env.gpu_devices) ? env.gpu_devices.length : 0;
  const commit = str(git?.commit);
  return (
    <section class="card" aria-label="Environment">
      <h2 class="card-title">Environment</h2>
      <dl class="facts">
        <Row label="Host">{str(env.host)}</Row>
        <Row label="OS">{str(env.os)}</Row>
        <Row label="Python">
          {str(env.python)} <span class="muted small">{str(env.executable)}</span>
        </Row>
        <Row label="Command">
          <code class="wrap-anywhere">{args ? `${program} ${args}` : program}</code>
        </Row>
        <Row label="Directory"><code class="wrap-anywhere">{str(env.cwd)}</code></Row>
        <Row label="CPUs">{str(env.cpu_count)}</Row>
        <Row label="Memory">{gib(env.memory_total)}</Row>
        {gpus > 0 && (
          <Row label="GPU">
            {gpus} × {str(env.gpu)}{" "}
            <span class="muted small">
              driver {str(env.driver_version)}, CUDA {str(env.cuda_version)}
            </span>
          </Row>
        )}
        {git && (
          <>
            <Row label="Git remote"><code class="wrap-anywhere">{str(git.remote) ?? "–"}</code></Row>
            <Row label="Git commit">
              <code title={commit ?? ""}>{commit ? commit.slice(0, 10) : "–"}</code>
              {str(git.branch) && <span class="muted small"> on {str(git.branch)}</span>}
              {git.dirty === true && (
                <>
                  {" "}
                  <span class="dirty-badge">uncommitted changes</span>{" "}
                  <a href={fileUrl(run, "diff.patch")} target="_blank" rel="noopener noreferrer">diff.patch</a>
                </>
              )}
            </Row>
          </>
        )}
        {str(env.code_path) && (
          <Row label="Code">
            <a href={fileUrl(run, str(env.code_path)!)} target="_blank" rel="noopener noreferrer">{str(env.code_path)}</a>
          </Row>
        )}
      </dl>
    </section>
  );
}
