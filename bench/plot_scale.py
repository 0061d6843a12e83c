"""Draw how each workload of ``bench_scale.py`` grows with the store: an SVG, no plotting library.

    python bench/plot_scale.py bench/results/scale.json docs/scale.svg

Seconds (wall time of the whole command, interpreter start included) and peak
memory against the number of cases, both axes logarithmic, one line per
workload. A line parallel to the dotted "linear" guide grows in proportion
to the store; a flat one does not grow at all.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

#: The workloads drawn, with the names shown for them.
SERIES = {
    "import": "case import (into an empty store)",
    "import_into_full": "case import (into a full store)",
    "list_text": "case list (first page)",
    "list_jsonl": "case list --jsonl (every row)",
    "report_2024": "report annual (busy year)",
    "report_empty_2021": "report annual (empty year)",
    "verify": "store verify (every core)",
    "export_jsonl": "case export",
}
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 980, 450, 70, 300, 40, 80


def _axis(values: list[float]) -> tuple[float, float]:
    low = math.floor(math.log10(min(values)))
    high = math.ceil(math.log10(max(values)))
    return float(low), float(max(high, low + 1))


def _panel(sizes: list[dict[str, Any]], key: str, unit: str, x0: float, title: str) -> list[str]:
    """One log-log panel (``key``: "seconds" or "peak_rss_mb") starting at ``x0``."""
    width = (WIDTH - LEFT - RIGHT) / 2 - 20
    height = HEIGHT - TOP - BOTTOM
    cases = [float(s["cases"]) for s in sizes]
    values = [float(s[n][key]) for s in sizes for n in SERIES if n in s]
    (xa, xb), (ya, yb) = _axis(cases), _axis(values)

    def x(v: float) -> float:
        return x0 + (math.log10(v) - xa) / (xb - xa) * width

    def y(v: float) -> float:
        return TOP + height - (math.log10(v) - ya) / (yb - ya) * height

    out = [
        f'<text x="{x0 + width / 2:.0f}" y="{TOP - 14}" text-anchor="middle" '
        f'font-weight="bold">{title}</text>',
        f'<rect x="{x0}" y="{TOP}" width="{width:.0f}" height="{height}" fill="none" '
        'stroke="#999"/>',
    ]
    for e in range(int(xa), int(xb) + 1):
        out.append(
            f'<text x="{x(10.0**e):.0f}" y="{TOP + height + 18}" text-anchor="middle">'
            f"{10**e:,}</text>"
        )
    for e in range(int(ya), int(yb) + 1):
        out.append(
            f'<line x1="{x0}" x2="{x0 + width:.0f}" y1="{y(10.0**e):.0f}" y2="{y(10.0**e):.0f}" '
            'stroke="#eee"/>'
        )
        out.append(
            f'<text x="{x0 - 6}" y="{y(10.0**e) + 4:.0f}" text-anchor="end">{10.0**e:g}</text>'
        )
    out.append(
        f'<text x="{x0 + width / 2:.0f}" y="{TOP + height + 38}" text-anchor="middle">'
        f"cases in the store (log)</text>"
    )
    out.append(
        f'<text transform="translate({x0 - 48},{TOP + height / 2}) rotate(-90)" '
        f'text-anchor="middle">{unit} (log)</text>'
    )
    if key == "seconds":  # what linear growth from the first import would look like
        first = float(sizes[0]["import"][key])
        last = min(first * cases[-1] / cases[0], 10.0**yb)
        guide = f"{x(cases[0]):.1f},{y(first):.1f} {x(cases[0] * last / first):.1f},{y(last):.1f}"
        out.append(f'<polyline points="{guide}" fill="none" stroke="#999" stroke-dasharray="3,4"/>')
    for colour, name in zip(COLOURS, SERIES, strict=False):
        points = [(float(s["cases"]), float(s[name][key])) for s in sizes if name in s]
        if not points:
            continue
        path = " ".join(f"{x(c):.1f},{y(v):.1f}" for c, v in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [
            f'<circle cx="{x(c):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>' for c, v in points
        ]
    return out


def svg(doc: dict[str, Any]) -> str:
    sizes = sorted(doc["sizes"], key=lambda s: s["cases"])
    machine = doc.get("machine", {})
    half = (WIDTH - LEFT - RIGHT) / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        *_panel(sizes, "seconds", "seconds", LEFT, "Wall time per command"),
        *_panel(sizes, "peak_rss_mb", "peak MB", LEFT + half + 40, "Peak memory per command"),
    ]
    legend_x = WIDTH - RIGHT + 50
    for i, (colour, label) in enumerate(zip(COLOURS, SERIES.values(), strict=False)):
        y = TOP + 10 + i * 20
        parts.append(
            f'<line x1="{legend_x}" x2="{legend_x + 20}" y1="{y}" y2="{y}" stroke="{colour}" '
            'stroke-width="2"/>'
        )
        parts.append(f'<text x="{legend_x + 26}" y="{y + 4}">{label}</text>')
    y = TOP + 10 + len(SERIES) * 20
    parts.append(
        f'<line x1="{legend_x}" x2="{legend_x + 20}" y1="{y}" y2="{y}" stroke="#999" '
        'stroke-dasharray="3,4"/>'
    )
    parts.append(f'<text x="{legend_x + 26}" y="{y + 4}">linear growth (wall time)</text>')
    note = (
        f"{machine.get('cpus', '?')} cores, Python {machine.get('python', '?')}, "
        f"{machine.get('date', '')}; bench/bench_scale.py"
    )
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 6}" fill="#666">{note}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    doc = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    Path(argv[1]).write_text(svg(doc), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
