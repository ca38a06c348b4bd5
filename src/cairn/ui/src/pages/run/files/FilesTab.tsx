/** The run page's Files tab: the run's files as a tree with sizes, a preview of the
 * selected one (text, JSON, images) and downloads. The selection is kept in `?file=`. */
import { useState } from "preact/hooks";
import { type RunFile, runFileUrl, runFiles } from "../../../api/files";
import { apiFetch } from "../../../api/http";
import { ErrorBanner } from "../../../components/ErrorBanner";
import { formatTime } from "../../../lib/format";
import { useAsync } from "../../../lib/useAsync";
import { setQuery, useQuery } from "../../../router";
import "./files.css";
import { type FolderNode, type TreeNode, buildTree, formatBytes, previewKind } from "./fileTree";

interface Props {
  entity: string;
  project: string;
  id: string;
}

const PREVIEW_BYTES = 256 * 1024;

export function FilesTab({ entity, project, id }: Props) {
  const files = useAsync((s) => runFiles(entity, project, id, s), [entity, project, id]);
  const selected = useQuery().get("file");
  if (files.error !== undefined) return <ErrorBanner error={files.error} onRetry={files.reload} />;
  if (!files.data) return <div class="loading-block" aria-label="loading" />;
  if (files.data.length === 0)
    return (
      <div class="empty-state">
        <h2>No files yet</h2>
        <p class="muted">Files saved with <code>run.save()</code> appear here.</p>
      </div>
    );
  const root = buildTree(files.data);
  const file = files.data.find((f) => f.name === selected);
  return (
    <div class="files-tab">
      <section class="files-tree" aria-label="Files">
        <div class="files-total muted">
          {root.count} files · {formatBytes(root.size)}
        </div>
        <ul role="tree" aria-label="Run files">
          {root.children.map((node) => (
            <TreeItem key={node.path} node={node} selected={selected} depth={0} />
          ))}
        </ul>
      </section>
      <section class="files-preview" aria-label="Preview">
        {file ? (
          <Preview entity={entity} project={project} id={id} file={file} />
        ) : (
          <p class="muted">Select a file to preview it.</p>
        )}
      </section>
    </div>
  );
}

function TreeItem({ node, selected, depth }: { node: TreeNode<RunFile>; selected: string | null; depth: number }) {
  const [open, setOpen] = useState(depth < 1 || (selected?.startsWith(`${node.path}/`) ?? false));
  const pad = { paddingLeft: `${0.5 + depth * 1.1}rem` };
  if (node.kind === "file") {
    const active = node.path === selected;
    return (
      <li role="treeitem" aria-selected={active}>
        <button type="button" class={active ? "file-row file-row-active" : "file-row"} style={pad}
          onClick={() => setQuery({ file: node.path })}>
          <span class="file-name">{node.name}</span>
          <span class="file-size muted">{formatBytes(node.size)}</span>
        </button>
      </li>
    );
  }
  return (
    <li role="treeitem" aria-expanded={open}>
      <button type="button" class="file-row file-folder" style={pad} onClick={() => setOpen(!open)}>
        <span class="file-name">
          <span aria-hidden="true">{open ? "▾ " : "▸ "}</span>
          {node.name}/
        </span>
        <span class="file-size muted">{formatBytes(node.size)}</span>
      </button>
      {open && <Children node={node} selected={selected} depth={depth + 1} />}
    </li>
  );
}

function Children({ node, selected, depth }: { node: FolderNode<RunFile>; selected: string | null; depth: number }) {
  return (
    <ul role="group">
      {node.children.map((child) => (
        <TreeItem key={child.path} node={child} selected={selected} depth={depth} />
      ))}
    </ul>
  );
}

function Preview({ entity, project, id, file }: Props & { file: RunFile }) {
  const url = runFileUrl(entity, project, id, file.name);
  const kind = previewKind(file.name);
  return (
    <>
      <header class="preview-head">
        <div>
          <h2 class="preview-name">{file.name}</h2>
          <div class="muted">
            {formatBytes(file.size)} · updated {formatTime(file.updated_at)} · sha256{" "}
            <code title={file.digest}>{file.digest.slice(0, 12)}</code>
          </div>
        </div>
        <a class="btn" href={runFileUrl(entity, project, id, file.name, true)} download={file.name.split("/").pop()}>
          Download
        </a>
      </header>
      {kind === "image" && <img class="preview-image" src={url} alt={file.name} />}
      {(kind === "text" || kind === "json") && <TextPreview url={url} json={kind === "json"} size={file.size} />}
      {kind === "none" && <p class="muted">No preview for this kind of file; download it to open it.</p>}
    </>
  );
}

function TextPreview({ url, json, size }: { url: string; json: boolean; size: number }) {
  const text = useAsync(async (signal) => {
    const response = await apiFetch(url, { signal, headers: { Range: `bytes=0-${PREVIEW_BYTES - 1}` } });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return response.text();
  }, [url]);
  if (text.error !== undefined) return <ErrorBanner error={text.error} onRetry={text.reload} />;
  if (text.data === undefined) return <div class="loading-block" aria-label="loading" />;
  let shown = text.data;
  if (json && size <= PREVIEW_BYTES) {
    try {
      shown = JSON.stringify(JSON.parse(text.data), null, 2);
    } catch {
      // not valid JSON: show it as it is
    }
  }
  return (
    <>
      <pre class="preview-text" aria-label="File content">{shown}</pre>
      {size > PREVIEW_BYTES && <p class="muted">Showing the first {formatBytes(PREVIEW_BYTES)}; download for the rest.</p>}
    </>
  );
}
