"""Drive ComfyUI's own editor (comfyui-frontend-package) in headless Chromium.

Used by the browser test and by scripts/make_ui_workflows.py: the editor itself loads a
workflow file the way a drag-and-drop does (a `drop` event carrying the file on the canvas),
and reports what it built — node types it does not know, nodes flagged with errors, each node's
widgets — and the UI-format graph and the API prompt it would queue.

Needs Playwright (pip) and a Chromium binary: Debian's `chromium` package, or any Chromium
named by $FINEPHYS_CHROMIUM. Playwright's own browser download is never used (offline-first).
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Optional

from .client import ComfyClient

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Settings a first visit would otherwise answer with dialogs over the canvas.
EDITOR_SETTINGS = {
    "Comfy.TutorialCompleted": True,
    "Comfy.Workflow.ShowMissingNodesWarning": True,
    "Comfy.Workflow.ShowMissingModelsWarning": False,
    # draw node text at any zoom, so screenshots of whole workflows stay readable
    "LiteGraph.Canvas.LowQualityRenderingZoomThreshold": 0.05,
    "LiteGraph.Canvas.MinFontSizeForLOD": 1,
}


class BrowserUnavailable(RuntimeError):
    """No Chromium or no Playwright on this machine; the message says how to install them."""


def find_chromium() -> str:
    """Path of the Chromium binary to drive: $FINEPHYS_CHROMIUM, then the usual system paths."""
    named = os.environ.get("FINEPHYS_CHROMIUM")
    if named:
        if not Path(named).exists():
            raise BrowserUnavailable(f"FINEPHYS_CHROMIUM={named} does not exist")
        return named
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    raise BrowserUnavailable(
        "no Chromium found: install Debian's package (apt-get install chromium; "
        "scripts/bootstrap.sh does this where it can) or set FINEPHYS_CHROMIUM to a Chromium binary"
    )


# Runs in the page: what the editor made of the loaded workflow.
_REPORT_JS = """() => {
  const registered = window.LiteGraph.registered_node_types;
  const nodes = window.app.graph._nodes.map((node) => ({
    id: node.id,
    type: node.type,
    known: Boolean(registered[node.type]),
    has_errors: Boolean(node.has_errors),
    title: node.title,
    widgets: (node.widgets || []).map((w) => ({name: w.name, type: w.type, value:
      (typeof w.value === 'object' && w.value !== null) ? null : w.value})),
    inputs: (node.inputs || []).map((i) => ({name: i.name, type: i.type, link: i.link})),
  }));
  const dialogs = Array.from(document.querySelectorAll('.p-dialog')).map((d) => d.innerText.slice(0, 400));
  // red in the editor: the node itself, or one of its inputs or widgets, flagged with an error
  const red = window.app.graph._nodes.filter((n) => n.has_errors ||
    (n.inputs || []).some((i) => i.hasErrors) || (n.widgets || []).some((w) => w.hasErrors)).map((n) => n.id);
  const nodeErrors = Object.keys(window.app.lastNodeErrors || {});
  return {nodes, dialogs, red, node_errors: nodeErrors};
}"""

_DROP_JS = """async ([text, filename]) => {
  const file = new File([text], filename, {type: 'application/json'});
  const transfer = new DataTransfer();
  transfer.items.add(file);
  const target = document.querySelector('#graph-canvas') || document.querySelector('canvas');
  target.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true, cancelable: true}));
  target.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


class Editor:
    """One headless Chromium page on a running ComfyUI's editor. Use as a context manager."""

    def __init__(self, server_url: str, viewport: tuple[int, int] = (1920, 1080)):
        self.server_url = server_url.rstrip("/")
        self.viewport = viewport
        self._playwright = None
        self._browser = None
        self.page = None

    def __enter__(self) -> "Editor":
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise BrowserUnavailable("the Python package 'playwright' is missing (pip install playwright)") from exc
        client = ComfyClient(self.server_url)
        for key, value in EDITOR_SETTINGS.items():
            client.set_setting(key, value)
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            width, height = self.viewport
            self.page = self._browser.new_page(viewport={"width": width, "height": height})
            self.page.goto(self.server_url, wait_until="domcontentloaded")
            self.page.wait_for_function(
                "() => window.app && window.app.graph && window.LiteGraph && "
                "Object.keys(window.LiteGraph.registered_node_types).length > 0",
                timeout=120_000,
            )
            self.page.wait_for_selector("canvas", timeout=60_000)
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None

    def drop_workflow(self, workflow: dict, filename: str = "workflow.json", settle_ms: int = 1500) -> None:
        """Load a workflow as a user dropping its file on the canvas would (UI or API format)."""
        self.page.evaluate("() => window.app.graph.clear()")
        self.page.evaluate(_DROP_JS, [json.dumps(workflow), filename])
        self.page.wait_for_function(
            "(n) => window.app.graph._nodes.length === n", arg=_node_count(workflow), timeout=30_000
        )
        self.page.wait_for_timeout(settle_ms)

    def report(self) -> dict:
        """{'nodes': [{id, type, known, has_errors, widgets, inputs}], 'dialogs': [text],
        'red': [ids of nodes drawn with an error], 'node_errors': [ids in the server's last errors]}"""
        return self.page.evaluate(_REPORT_JS)

    def serialize(self) -> dict:
        """The loaded graph in UI format, as the editor would save it."""
        return self.page.evaluate("() => JSON.parse(JSON.stringify(window.app.graph.serialize()))")

    def graph_to_prompt(self) -> dict:
        """The API-format prompt the editor would queue for the loaded graph."""
        return self.page.evaluate(
            "async () => JSON.parse(JSON.stringify((await window.app.graphToPrompt()).output))"
        )

    def click_run(self, timeout: float = 600.0) -> Optional[dict]:
        """Press the editor's Run button and wait for the queue to drain. Returns the history
        entry of the prompt it queued, or None when the server refused it (then the editor
        shows the errors and marks the nodes)."""
        client = ComfyClient(self.server_url)
        before = set(client.get_json("/history"))
        self.page.get_by_role("button", name="Run").first.click()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(500)
            queue = client.get_json("/queue")
            new = set(client.get_json("/history")) - before
            if new and not queue["queue_running"] and not queue["queue_pending"]:
                return client.history(new.pop())
            if not new and not queue["queue_running"] and not queue["queue_pending"]:
                report = self.report()
                if report["node_errors"] or any("failed" in d.lower() for d in report["dialogs"]):
                    return None
        raise TimeoutError(f"the queued workflow did not finish within {timeout:.0f} s")

    def fit_view(self) -> None:
        """Zoom the canvas so every node is in view (for screenshots)."""
        self.page.evaluate(
            "() => { const c = window.app.canvas; if (c.ds && c.ds.fitToBounds) {"
            " const b = window.app.graph._nodes.reduce((acc, n) => { const [x, y] = n.pos;"
            " const [w, h] = n.size; return [Math.min(acc[0], x), Math.min(acc[1], y - 40),"
            " Math.max(acc[2], x + w), Math.max(acc[3], y + h)]; }, [1e9, 1e9, -1e9, -1e9]);"
            " c.ds.fitToBounds([b[0] - 40, b[1] - 40, b[2] - b[0] + 80, b[3] - b[1] + 80]); }"
            " c.setDirty(true, true); }"
        )
        self.page.wait_for_timeout(300)

    def close_dialogs(self) -> None:
        self.page.keyboard.press("Escape")
        self.page.wait_for_timeout(200)

    def screenshot(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))
        return path


def _node_count(workflow: dict) -> int:
    if isinstance(workflow.get("nodes"), list):
        return len(workflow["nodes"])
    return sum(1 for v in workflow.values() if isinstance(v, dict) and "class_type" in v)


__all__ = ["BrowserUnavailable", "Editor", "find_chromium"]
