"""Write workflows/ui/<name>.json (ComfyUI's drag-and-drop format) for every API-format
workflow in workflows/api/, made by ComfyUI's own editor in headless Chromium: the editor loads
the API file (as a drop of it would), lays the nodes out, and saves the graph.

    bash scripts/bootstrap.sh && .venv/bin/python scripts/make_ui_workflows.py

Run it after changing a workflow in workflows/api/; tests/integration/test_ui_workflows.py
fails while a UI file and its API file disagree.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.host.browser import Editor  # noqa: E402
from finephys.host.server import ComfyServer  # noqa: E402

API_DIR = REPO_DIR / "workflows" / "api"
UI_DIR = REPO_DIR / "workflows" / "ui"


COLUMNS_PER_ROW = 4
GAP_X, GAP_Y, ROW_GAP = 60, 50, 120


def layout(ui: dict) -> None:
    """Place nodes left to right by their depth in the graph, wrapping every
    COLUMNS_PER_ROW columns into a new band, so a long pipeline reads like a page."""
    nodes = {n["id"]: n for n in ui["nodes"]}
    parents: dict = {i: [] for i in nodes}
    for _, src, _, dst, _, _ in ui["links"]:
        parents[dst].append(src)
    depth: dict = {}

    def depth_of(i, trail=()):
        if i not in depth:
            depth[i] = 0 if not parents[i] or i in trail else 1 + max(depth_of(p, trail + (i,)) for p in parents[i])
        return depth[i]

    columns: dict = {}
    for i in sorted(nodes, key=lambda i: (nodes[i]["pos"][1], i)):
        columns.setdefault(depth_of(i), []).append(i)
    top = 0.0
    for band_start in range(0, max(columns) + 1, COLUMNS_PER_ROW):
        x, band_height = 0.0, 0.0
        for column in range(band_start, band_start + COLUMNS_PER_ROW):
            members = columns.get(column, [])
            y, width = top, 0.0
            for i in members:
                nodes[i]["pos"] = [round(x), round(y)]
                w, h = nodes[i]["size"]
                y += h + GAP_Y + 30  # 30: the title bar, outside `size`
                width = max(width, w)
            band_height = max(band_height, y - top)
            x += width + GAP_X
        top += band_height + ROW_GAP


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="API workflow file names (default: all)")
    parser.add_argument("--screenshots", type=Path, help="also save a screenshot of each loaded workflow here")
    args = parser.parse_args()
    names = args.names or sorted(p.name for p in API_DIR.glob("*.json"))
    UI_DIR.mkdir(parents=True, exist_ok=True)
    with ComfyServer() as server, Editor(server.url) as editor:
        for name in names:
            api = json.loads((API_DIR / name).read_text())
            editor.drop_workflow(api, name)
            # example workflows keep their seed: a user gets the video the docs show
            editor.page.evaluate(
                "() => window.app.graph._nodes.forEach((n) => (n.widgets || []).forEach((w) => {"
                " if (w.name === 'control_after_generate') w.value = 'fixed'; }))")
            ui = editor.serialize()
            missing = [n["type"] for n in editor.report()["nodes"] if not n["known"]]
            if missing:
                print(f"error: {name}: the editor does not know {missing}", file=sys.stderr)
                return 1
            layout(ui)
            ui["extra"] = {"ds": {"scale": 0.8, "offset": [0, 0]},
                           "finephys": {"api_workflow": f"workflows/api/{name}"}}
            ui.pop("id", None)  # a fresh id each time the editor loads it
            (UI_DIR / name).write_text(json.dumps(ui, indent=1) + "\n")
            print(f"wrote workflows/ui/{name} ({len(ui['nodes'])} nodes)")
            if args.screenshots is not None:
                editor.drop_workflow(ui, name)
                editor.fit_view()
                shot = editor.screenshot(args.screenshots / f"workflow_{name.replace('.json', '.png')}")
                print(f"wrote {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
