import { describe, expect, it } from "vitest";
import { safeFigure, SAFE_CONFIG } from "./plotlySafe";

describe("safeFigure", () => {
  it("drops URLs plotly would fetch and keeps embedded data", () => {
    const fig = safeFigure({
      data: [
        { type: "image", source: "https://evil.example/a.png" },
        { type: "image", source: "data:image/png;base64,AAAA" },
        { type: "choroplethmap", geojson: "https://evil.example/g.json", z: [1] },
        { type: "scatter", y: [1, 2], text: ["a"] },
      ],
      layout: {
        images: [{ source: "//evil.example/b.png", x: 0 }, { source: "data:image/png;base64,BBBB" }],
        mapbox: { style: "mapbox://styles/evil", layers: [{ source: ["https://evil.example/{z}/{x}/{y}.png"], sourcetype: "raster" }] },
        title: { text: "keep me" },
      },
    });
    const text = JSON.stringify(fig);
    expect(text).not.toContain("evil.example");
    expect(text).not.toContain("mapbox://");
    expect(fig.data[1]).toEqual({ type: "image", source: "data:image/png;base64,AAAA" });
    expect((fig.layout.images as unknown[])[1]).toEqual({ source: "data:image/png;base64,BBBB" });
    expect((fig.layout.mapbox as { style: string }).style).toBe("white-bg");
    expect((fig.layout.map as { style: string }).style).toBe("white-bg");
    expect(fig.layout.title).toEqual({ text: "keep me" });
    expect(SAFE_CONFIG.topojsonURL.startsWith("/")).toBe(true);
  });
});
