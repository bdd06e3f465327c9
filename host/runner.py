"""Run a workflow file headless: load it (editor or API format), apply overrides, send input
files, submit, stream progress, collect the outputs, and report the failing node.

The command line is scripts/run_workflow.py; the demo and the tests call run_workflow() here.
"""
from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, TextIO

from .client import ComfyAPIError, ComfyClient, PromptFailed, execution_error
from .validate import check_api_workflow
from .workflow_format import WorkflowFormatError, to_api

# Which input of which loader node takes a user's file.
VIDEO_INPUTS = {"FinePhys_LoadVideo": "video", "LoadVideo": "file", "VHS_LoadVideo": "video"}
POSE_FILE_INPUTS = {"FinePhys_Load2DPose": "pose_file"}
SEED_INPUTS = ("seed", "noise_seed")


class WorkflowUsageError(ValueError):
    """The workflow or an override cannot be used as asked (exit code 2 on the command line)."""


class WorkflowMismatch(WorkflowUsageError):
    """The workflow does not fit the server: `problems` (bad nodes, links, values) and
    `missing_files` [(file, folder)] the user has to put in place."""

    def __init__(self, problems: list[str], missing_files: list[tuple[str, str]]):
        self.problems, self.missing_files = problems, missing_files
        lines = problems + [f"missing file {name}: place it in ComfyUI's {folder}/ folder"
                            for name, folder in missing_files]
        super().__init__("the workflow does not fit this server:\n  " + "\n  ".join(lines))


@dataclass
class RunResult:
    prompt_id: str
    seconds: float
    by_node: dict[str, list[Path]] = field(default_factory=dict)  # node id -> files written for it
    texts: dict[str, list[str]] = field(default_factory=dict)  # node id -> text shown in the UI

    @property
    def files(self) -> list[Path]:
        """Every file written into the output folder."""
        return [path for paths in self.by_node.values() for path in paths]


def load_workflow_file(path: Path, object_info: dict) -> dict:
    """The API prompt of a workflow file in either format."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkflowUsageError(f"cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise WorkflowUsageError(f"{path} is not JSON: {exc}") from exc
    try:
        return to_api(data, object_info)
    except WorkflowFormatError as exc:
        raise WorkflowUsageError(f"{path}: {exc}") from exc


def _nodes_of(graph: dict, inputs_by_type: dict[str, str]) -> list[tuple[str, str]]:
    return [(node_id, inputs_by_type[node["class_type"]]) for node_id, node in graph.items()
            if node["class_type"] in inputs_by_type]


def set_input(graph: dict, spec: str) -> str:
    """Apply one `NODE.INPUT=VALUE` override (VALUE read as JSON when it parses, else text)."""
    target, sep, raw = spec.partition("=")
    node_id, dot, name = target.partition(".")
    if not sep or not dot or not node_id or not name:
        raise WorkflowUsageError(f"--set {spec!r}: expected NODE.INPUT=VALUE, e.g. 24.steps=30")
    if node_id not in graph:
        raise WorkflowUsageError(f"--set {spec!r}: the workflow has no node {node_id} (it has {sorted(graph)})")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    graph[node_id]["inputs"][name] = value
    return f"node {node_id} ({graph[node_id]['class_type']}).{name} = {value!r}"


def set_prompt(graph: dict, text: str) -> list[str]:
    """Put the text prompt where the workflow takes it: a FinePhys Text Expand label (the action
    name it expands) or else the CLIP Text Encode that feeds a sampler's `positive` input."""
    expand = [k for k, n in graph.items() if n["class_type"] == "FinePhys_TextExpand"]
    if expand:
        for node_id in expand:
            graph[node_id]["inputs"]["label"] = text
        return [f"node {k} (FinePhys_TextExpand).label = {text!r}" for k in expand]
    positive = {n["inputs"]["positive"][0] for n in graph.values()
                if isinstance(n["inputs"].get("positive"), list)}
    targets = [k for k in positive if k in graph and isinstance(graph[k]["inputs"].get("text"), str)]
    if not targets:
        raise WorkflowUsageError("--prompt: this workflow has no text prompt to set "
                                 "(no FinePhys Text Expand and no CLIP Text Encode feeding 'positive')")
    for node_id in targets:
        graph[node_id]["inputs"]["text"] = text
    return [f"node {k} ({graph[k]['class_type']}).text = {text!r}" for k in targets]


def set_seed(graph: dict, seed: int) -> list[str]:
    changed = []
    for node_id, node in graph.items():
        for name in SEED_INPUTS:
            if name in node["inputs"] and not isinstance(node["inputs"][name], list):
                node["inputs"][name] = seed
                changed.append(f"node {node_id} ({node['class_type']}).{name} = {seed}")
    if not changed:
        raise WorkflowUsageError("--seed: this workflow has no seed input")
    return changed


class InputFolder:
    """Where a run's input files go: the embedded server's input folder (copy) or a running
    ComfyUI's (POST /upload/image, which stores any file type in input/)."""

    def __init__(self, client: ComfyClient, local_dir: Optional[Path] = None):
        self.client = client
        self.local_dir = local_dir

    def send(self, path: Path) -> str:
        path = Path(path)
        if not path.is_file():
            raise WorkflowUsageError(f"input file {path} not found")
        if self.local_dir is not None:
            target = self.local_dir / path.name
            if target.resolve() != path.resolve():
                shutil.copyfile(path, target)
            return path.name
        return self.client.upload(path)


def apply_overrides(graph: dict, inputs: InputFolder, video: Optional[Path] = None,
                    pose_file: Optional[Path] = None, prompt: Optional[str] = None,
                    seed: Optional[int] = None, sets: tuple[str, ...] = ()) -> list[str]:
    """Change the workflow in place as asked; returns one line per change."""
    changes = []
    for path, inputs_by_type, flag in ((video, VIDEO_INPUTS, "--video"), (pose_file, POSE_FILE_INPUTS, "--pose-file")):
        if path is None:
            continue
        targets = _nodes_of(graph, inputs_by_type)
        if not targets:
            raise WorkflowUsageError(f"{flag}: this workflow has no node that loads one "
                                     f"({', '.join(inputs_by_type)})")
        name = inputs.send(path)
        for node_id, input_name in targets:
            graph[node_id]["inputs"][input_name] = name
            changes.append(f"node {node_id} ({graph[node_id]['class_type']}).{input_name} = {name!r}")
    if prompt is not None:
        changes += set_prompt(graph, prompt)
    if seed is not None:
        changes += set_seed(graph, seed)
    for spec in sets:
        changes.append(set_input(graph, spec))
    return changes


class ProgressPrinter:
    """Prints one line per node as it starts, and its progress in quarter steps."""

    def __init__(self, graph: dict, stream: TextIO = sys.stdout):
        self.graph = graph
        self.stream = stream
        self.started = 0
        self._quarter: dict[str, int] = {}

    def _name(self, node_id: str) -> str:
        node = self.graph.get(str(node_id), {})
        title = node.get("_meta", {}).get("title") or node.get("class_type", "?")
        return f"node {node_id} {title}"

    def __call__(self, kind: str, data: dict) -> None:
        if kind == "executing" and data.get("node") is not None:
            self.started += 1
            print(f"[{self.started}/{len(self.graph)}] {self._name(str(data['node']))}", file=self.stream, flush=True)
        elif kind == "progress" and data.get("max"):
            node_id = str(data.get("node"))
            quarter = int(4 * data["value"] / data["max"])
            if quarter > self._quarter.get(node_id, 0) and quarter < 4:
                self._quarter[node_id] = quarter
                print(f"      {25 * quarter}% ({data['value']}/{data['max']})", file=self.stream, flush=True)
        elif kind == "execution_cached" and data.get("nodes"):
            print(f"      cached: nodes {', '.join(map(str, data['nodes']))}", file=self.stream, flush=True)


def _stream_events(client: ComfyClient, prompt: dict, on_event: Callable[[str, dict], None],
                   timeout: float) -> str:
    """Submit over an open websocket and relay its events until the prompt ends; returns the
    prompt_id."""
    import asyncio

    import aiohttp

    async def run() -> str:
        ws_url = client.base_url.replace("http", "ws", 1) + f"/ws?clientId={client.client_id}"
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(ws_url, heartbeat=30) as ws:
                prompt_id = await asyncio.to_thread(client.submit, prompt)
                deadline = time.monotonic() + timeout
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(f"prompt {prompt_id} did not finish within {timeout:.0f} s")
                    try:
                        message = await ws.receive(timeout=min(remaining, 5.0))
                    except asyncio.TimeoutError:
                        entry = await asyncio.to_thread(client.history, prompt_id)
                        if entry and entry.get("status", {}).get("status_str") in ("success", "error"):
                            return prompt_id
                        continue
                    if message.type != aiohttp.WSMsgType.TEXT:
                        if message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                            return prompt_id  # history tells how it ended
                        continue  # binary: live preview images
                    event = json.loads(message.data)
                    kind, data = event.get("type"), event.get("data") or {}
                    if data.get("prompt_id") not in (None, prompt_id):
                        continue
                    on_event(kind, data)
                    if kind in ("execution_success", "execution_error", "execution_interrupted"):
                        return prompt_id
                    if kind == "executing" and data.get("node") is None and data.get("prompt_id") == prompt_id:
                        return prompt_id

    return asyncio.run(run())


def run_workflow(client: ComfyClient, graph: dict, output_dir: Path,
                 on_event: Optional[Callable[[str, dict], None]] = None,
                 timeout: float = 3600.0, validate: bool = True) -> RunResult:
    """Submit `graph`, wait for it, and download every file it saved into `output_dir`.

    Raises WorkflowMismatch when the workflow does not fit this server (missing node types,
    bad values, missing model files: all listed), ComfyAPIError when the server refuses it,
    PromptFailed with the failing node's message when a node fails."""
    if validate:
        check = check_api_workflow(graph, client.object_info())
        if check.problems or check.missing_files:
            raise WorkflowMismatch(list(check.problems), list(check.missing_files))
    began = time.monotonic()
    try:
        prompt_id = _stream_events(client, graph, on_event or (lambda kind, data: None), timeout)
    except ImportError:  # no aiohttp: poll instead of streaming
        prompt_id = client.submit(graph)
    entry = client.wait(prompt_id, timeout=timeout)
    error = execution_error(entry)
    if error is not None:
        raise PromptFailed(error)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    result = RunResult(prompt_id=prompt_id, seconds=time.monotonic() - began)
    for node_id, outputs in entry.get("outputs", {}).items():
        for key, values in outputs.items():
            if not isinstance(values, list):
                continue
            for value in values:
                if isinstance(value, dict) and "filename" in value:
                    if value.get("type") != "output":
                        continue  # temp previews
                    subfolder = value.get("subfolder", "")
                    data = client.download(value["filename"], subfolder, "output")
                    target = output_dir / subfolder / value["filename"]  # mirrors ComfyUI's output/
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                    result.by_node.setdefault(node_id, []).append(target)
                elif isinstance(value, str) and key == "text":
                    result.texts.setdefault(node_id, []).append(value)
    return result


__all__ = [
    "ComfyAPIError", "InputFolder", "ProgressPrinter", "PromptFailed", "RunResult", "WorkflowMismatch",
    "WorkflowUsageError", "apply_overrides", "load_workflow_file", "run_workflow", "set_input", "set_prompt",
    "set_seed",
]
