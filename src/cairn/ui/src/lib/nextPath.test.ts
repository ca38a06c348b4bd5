import { describe, expect, it } from "vitest";
import { loginPathFor, safeNext } from "./nextPath";

describe("safeNext", () => {
  it("keeps a path of the app, query included", () => {
    expect(safeNext("/lab/shared?runs=a,b")).toBe("/lab/shared?runs=a,b");
  });
  it("sends anything leading off the origin home", () => {
    for (const bad of ["//evil.example/x", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "", null]) {
      expect(safeNext(bad)).toBe("/");
    }
  });
});

describe("loginPathFor", () => {
  it("comes back to where the user was", () => {
    expect(loginPathFor("/lab/shared/runs/abc")).toBe("/login?next=%2Flab%2Fshared%2Fruns%2Fabc");
    expect(safeNext(new URLSearchParams(loginPathFor("/a/b?x=1").split("?")[1]).get("next"))).toBe("/a/b?x=1");
  });
  it("never nests the login page in itself", () => {
    expect(loginPathFor("/")).toBe("/login");
    expect(loginPathFor("/login?next=%2Fa")).toBe("/login");
  });
});
