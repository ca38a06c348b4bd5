import { describe, expect, it } from "vitest";
import { buildTree, formatBytes, previewKind } from "./fileTree";

describe("buildTree", () => {
  it("nests folders first with summed sizes", () => {
    const root = buildTree([
      { name: "z.txt", size: 1 },
      { name: "ckpt/b.pt", size: 10 },
      { name: "ckpt/deep/a.pt", size: 100 },
    ]);
    expect(root.size).toBe(111);
    expect(root.count).toBe(3);
    expect(root.children.map((c) => c.name)).toEqual(["ckpt", "z.txt"]);
    const ckpt = root.children[0];
    expect(ckpt?.kind === "folder" && ckpt.children.map((c) => c.name)).toEqual(["deep", "b.pt"]);
    expect(ckpt?.size).toBe(110);
  });
});

describe("formatBytes and previewKind", () => {
  it("formats sizes and picks previews by name", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(200 * 1024 * 1024)).toBe("200 MB");
    expect(previewKind("a/b.PNG")).toBe("image");
    expect(previewKind("m.json")).toBe("json");
    expect(previewKind("output.log")).toBe("text");
    expect(previewKind("model.pt")).toBe("none");
  });
});
