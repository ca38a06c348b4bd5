"""matplotlib figures logged directly become interactive charts where they can be (as
wandb turns them into plotly figures): one Axes of lines, scatters and bars, with titles,
axis labels and log scales. Anything else (images, several axes, patches, text, 3D) is
logged as a picture instead."""

from __future__ import annotations

from typing import Any


def _hex(color: Any) -> str | None:
    try:
        from matplotlib.colors import to_hex

        return str(to_hex(color))
    except (ImportError, ValueError):
        return None


def _label(artist: Any) -> str | None:
    label = artist.get_label()
    return None if not label or str(label).startswith("_") else str(label)


def _lines(ax: Any) -> list[dict[str, Any]]:
    traces = []
    for line in ax.get_lines():
        xy = line.get_xydata()
        dashed = line.get_linestyle() not in ("-", "solid")
        mode = "markers" if line.get_linestyle() in ("None", "", " ", "none") else \
            "lines+markers" if line.get_marker() not in (None, "None", "", " ") else "lines"
        trace: dict[str, Any] = {"type": "scatter", "mode": mode, "x": xy[:, 0].tolist(),
                                 "y": xy[:, 1].tolist(),
                                 "line": {"color": _hex(line.get_color()),
                                          "dash": "dash" if dashed else "solid"}}
        if _label(line):
            trace["name"] = _label(line)
        traces.append(trace)
    return traces


def _scatters(ax: Any) -> list[dict[str, Any]] | None:
    from matplotlib.collections import PathCollection

    traces = []
    collection: Any
    for collection in ax.collections:
        if not isinstance(collection, PathCollection):
            return None
        points: Any = collection.get_offsets()
        colors: Any = collection.get_facecolor()
        trace: dict[str, Any] = {"type": "scatter", "mode": "markers",
                                 "x": points[:, 0].tolist(), "y": points[:, 1].tolist()}
        if len(colors) == 1:
            trace["marker"] = {"color": _hex(colors[0])}
        if _label(collection):
            trace["name"] = _label(collection)
        traces.append(trace)
    return traces


def _bars(ax: Any) -> list[dict[str, Any]] | None:
    from matplotlib.container import BarContainer

    traces = []
    in_bars: set[int] = set()
    for container in ax.containers:
        if not isinstance(container, BarContainer):
            return None
        rects = list(container.patches)
        in_bars.update(id(r) for r in rects)
        trace: dict[str, Any] = {
            "type": "bar", "x": [r.get_x() + r.get_width() / 2 for r in rects],
            "y": [r.get_height() for r in rects], "width": [r.get_width() for r in rects],
            "marker": {"color": _hex(rects[0].get_facecolor()) if rects else None}}
        if _label(container):
            trace["name"] = _label(container)
        traces.append(trace)
    if any(id(p) not in in_bars for p in ax.patches):
        return None  # other shapes (polygons, circles …): keep the picture
    return traces


def figure_to_plotly(figure: Any) -> dict[str, Any] | None:
    """The plotly figure of ``figure`` (a matplotlib Figure), or None where a chart would
    lose what the figure shows."""
    axes = [ax for ax in figure.get_axes() if ax.get_visible()]
    if len(axes) != 1:
        return None
    ax = axes[0]
    if ax.images or ax.texts or getattr(ax, "name", "rectilinear") != "rectilinear":
        return None
    scatters = _scatters(ax)
    bars = _bars(ax)
    if scatters is None or bars is None:
        return None
    data = [*_lines(ax), *scatters, *bars]
    if not data:
        return None
    title = ax.get_title() or (figure._suptitle.get_text() if figure._suptitle else "")
    layout: dict[str, Any] = {
        "xaxis": {"title": {"text": ax.get_xlabel()},
                  "type": "log" if ax.get_xscale() == "log" else "linear"},
        "yaxis": {"title": {"text": ax.get_ylabel()},
                  "type": "log" if ax.get_yscale() == "log" else "linear"},
        "showlegend": any("name" in trace for trace in data)}
    if title:
        layout["title"] = {"text": title}
    return {"data": data, "layout": layout}
