import { describe, expect, it } from "vitest";
import { chartSpec, fillSpec } from "./CustomChartView";

describe("fillSpec", () => {
  it("maps fields to columns, fills strings and drops unmapped channels", () => {
    const spec = {
      title: "${string:title}",
      data: { name: "wandb" },
      encoding: {
        x: { field: "${field:x}", type: "quantitative" },
        y: { field: "${field:y}", title: "${string:y-title} (${field:y})" },
        color: { field: "${field:stroke}", type: "nominal" },
      },
    };
    expect(fillSpec(spec, { x: "epoch", y: "loss" }, { title: "Loss" })).toEqual({
      title: "Loss",
      data: { name: "wandb" },
      encoding: {
        x: { field: "epoch", type: "quantitative" },
        y: { field: "loss", title: " (loss)" },
      },
    });
  });

  it("gives the named data source the table's rows, media cells as captions", () => {
    const drawn = chartSpec({ data: { name: "wandb" }, mark: "point" }, { _type: "custom-chart", fields: {}, string_fields: {} },
      { columns: ["a", "img"], data: [[1, { _type: "image-file", caption: "cat" }]] });
    expect(drawn.data).toEqual({ values: [{ a: 1, img: "cat" }] });
  });
});
