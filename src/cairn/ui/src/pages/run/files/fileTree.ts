/** Run files (flat `a/b/c.txt` names) as a tree of folders with summed sizes. */

export interface FileLeaf<F> {
  kind: "file";
  name: string;
  path: string;
  size: number;
  file: F;
}

export interface FolderNode<F> {
  kind: "folder";
  name: string;
  path: string;
  size: number;
  count: number;
  children: TreeNode<F>[];
}

export type TreeNode<F> = FileLeaf<F> | FolderNode<F>;

/** Folders first, then files, each by name. */
export function buildTree<F extends { name: string; size: number }>(files: F[]): FolderNode<F> {
  const root: FolderNode<F> = { kind: "folder", name: "", path: "", size: 0, count: 0, children: [] };
  for (const file of files) {
    const parts = file.name.split("/");
    let folder = root;
    parts.slice(0, -1).forEach((part, i) => {
      const path = parts.slice(0, i + 1).join("/");
      let next = folder.children.find((c): c is FolderNode<F> => c.kind === "folder" && c.name === part);
      if (!next) {
        next = { kind: "folder", name: part, path, size: 0, count: 0, children: [] };
        folder.children.push(next);
      }
      folder = next;
    });
    folder.children.push({ kind: "file", name: parts[parts.length - 1] ?? file.name, path: file.name, size: file.size, file });
  }
  const finish = (node: FolderNode<F>): void => {
    node.children.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "folder" ? -1 : 1));
    node.size = 0;
    node.count = 0;
    for (const child of node.children) {
      if (child.kind === "folder") {
        finish(child);
        node.count += child.count;
      } else {
        node.count += 1;
      }
      node.size += child.size;
    }
  };
  finish(root);
  return root;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** How a file is previewed, by its name. */
export function previewKind(name: string): "image" | "json" | "text" | "none" {
  const lower = name.toLowerCase();
  const ext = lower.includes(".") ? lower.slice(lower.lastIndexOf(".") + 1) : "";
  if (["png", "jpg", "jpeg", "gif", "webp", "bmp"].includes(ext)) return "image";
  if (ext === "json") return "json";
  if (["txt", "log", "md", "csv", "tsv", "py", "yaml", "yml", "toml", "cfg", "ini", "sh", "patch", "diff", "jsonl"].includes(ext))
    return "text";
  return "none";
}
