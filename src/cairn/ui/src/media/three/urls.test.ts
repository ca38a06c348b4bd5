import { describe, expect, it } from "vitest";
import { embeddedOnly } from "./urls";

describe("embeddedOnly", () => {
  it("lets embedded data through and refuses every other URL", () => {
    expect(embeddedOnly("data:application/octet-stream;base64,AAAA")).toContain("data:");
    expect(embeddedOnly("blob:http://127.0.0.1/abc")).toContain("blob:");
    for (const url of ["https://evil.example/x.bin", "//evil.example/x.bin", "x.bin", "/api/v1/runs", "file:///etc/passwd"]) {
      expect(() => embeddedOnly(url)).toThrow(/external resource/);
    }
  });
});
