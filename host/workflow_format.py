"""ComfyUI's two workflow formats, and turning the editor's (UI) format into the API format.

UI format (what the editor saves and what drag-and-drop loads): {"nodes": [...], "links":
[[id, from_node, from_slot, to_node, to_slot, type], ...], ...}; a node's widget values are a
list in the order of its widget inputs, with one extra value after an INT input that has
"control after generate" (the seed's fixed/increment/randomize).

API format (what POST /prompt takes): {"<node id>": {"class_type": ..., "inputs": {name: value
or [from_node, from_slot]}}}.

ui_to_api() needs the server's /object_info to know which inputs are widgets and in which
order, exactly as the editor does; it follows Reroute and PrimitiveNode, drops notes, muted
nodes and bypassed nodes (linking around the latter), and refuses what it cannot convert
(subgraphs, unknown node types) with a message naming the node.
"""
from __future__ import annotations

from typing import Any, Iterator, Optional

WIDGET_TYPES = {"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"}
# Editor-only nodes: they never reach the server.
NOTE_TYPES = {"Note", "MarkdownNote"}
MODE_MUTED, MODE_BYPASSED = 2, 4


class WorkflowFormatError(ValueError):
    """The file is not a workflow this module can read or convert; the message says why."""


def is_api_workflow(data: Any) -> bool:
    return isinstance(data, dict) and bool(data) and all(
        isinstance(v, dict) and "class_type" in v for v in data.values()
    )


def is_ui_workflow(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("nodes"), list) and "links" in data


def to_api(data: Any, object_info: dict) -> dict:
    """Either format in, API format out."""
    if is_api_workflow(data):
        return data
    if is_ui_workflow(data):
        return ui_to_api(data, object_info)
    raise WorkflowFormatError(
        "not a ComfyUI workflow: expected the editor's format (with \"nodes\" and \"links\") or "
        "the API format ({node id: {\"class_type\", \"inputs\"}})"
    )


def spec_options(spec: list) -> dict:
    """The options dict of an /object_info input spec ([type] or [type, {options}])."""
    return spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}


def _input_specs(info: dict) -> Iterator[tuple[str, Any, dict]]:
    """(name, type, options) for each input of a node type, in the order the editor shows them."""
    inputs = info.get("input", {})
    order = info.get("input_order") or {k: list(v) for k, v in inputs.items()}
    for section in ("required", "optional"):
        specs = inputs.get(section, {})
        for name in order.get(section, []):
            if name not in specs:
                continue
            spec = specs[name]
            yield name, (spec[0] if spec else None), spec_options(spec)


def _is_widget(kind: Any, options: dict) -> bool:
    if options.get("forceInput"):
        return False
    return isinstance(kind, list) or kind in WIDGET_TYPES


def widget_names(info: dict) -> list[str]:
    """The inputs of a node type the editor shows as widgets, in its order."""
    return [name for name, kind, options in _input_specs(info) if _is_widget(kind, options)]


def _has_control_value(name: str, kind: Any, options: dict) -> bool:
    """Whether the editor stores a control value (fixed/randomize/...) after this widget."""
    if kind not in ("INT", "FLOAT") and not isinstance(kind, list) and kind != "COMBO":
        return False
    if "control_after_generate" in options:
        return bool(options["control_after_generate"])
    return kind == "INT" and name in ("seed", "noise_seed")


def widget_values(node: dict, info: dict) -> dict[str, Any]:
    """{input name: value} for a UI node's widgets, mapped the way the editor maps them."""
    values = node.get("widgets_values")
    if values is None:
        return {}
    if isinstance(values, dict):  # some node packs store widgets by name
        return {name: values[name] for name, kind, opts in _input_specs(info)
                if _is_widget(kind, opts) and name in values}
    mapped: dict[str, Any] = {}
    position = 0
    for name, kind, options in _input_specs(info):
        if not _is_widget(kind, options):
            continue
        if position >= len(values):
            break
        mapped[name] = values[position]
        position += 1
        if _has_control_value(name, kind, options):
            position += 1
    return mapped


def ui_to_api(ui: dict, object_info: dict) -> dict:
    """The API prompt for an editor-format workflow (see the module docstring)."""
    if ui.get("definitions", {}).get("subgraphs"):
        raise WorkflowFormatError(
            "this workflow uses subgraphs, which the runner cannot convert: open it in the editor "
            "and use Workflow > Export (API), then run the exported file"
        )
    nodes = {str(n["id"]): n for n in ui["nodes"]}
    links = {}
    for link in ui.get("links", []):
        if isinstance(link, dict):  # newer serialisation
            link = [link["id"], link["origin_id"], link["origin_slot"], link["target_id"],
                    link["target_slot"], link.get("type")]
        links[link[0]] = (str(link[1]), int(link[2]))

    def source_of(link_id: Optional[int], seen: frozenset = frozenset()) -> Optional[Any]:
        """[node id, slot] or a literal value feeding a link, following editor-only nodes."""
        if link_id is None or link_id not in links:
            return None
        node_id, slot = links[link_id]
        node = nodes.get(node_id)
        if node is None or node_id in seen:
            return None
        kind, mode = node.get("type"), node.get("mode", 0)
        if kind == "Reroute":
            return source_of(_first_link(node), seen | {node_id})
        if kind == "PrimitiveNode":
            return (node.get("widgets_values") or [None])[0]
        if mode == MODE_MUTED:
            return None
        if mode == MODE_BYPASSED:
            wanted = (node.get("outputs") or [{}])[slot].get("type") if node.get("outputs") else None
            for inp in node.get("inputs", []):
                if inp.get("link") is not None and inp.get("type") == wanted:
                    return source_of(inp["link"], seen | {node_id})
            return None
        return [node_id, slot]

    prompt: dict[str, dict] = {}
    for node_id, node in nodes.items():
        kind = node.get("type")
        if kind in NOTE_TYPES or kind in ("Reroute", "PrimitiveNode"):
            continue
        if node.get("mode", 0) in (MODE_MUTED, MODE_BYPASSED):
            continue
        info = object_info.get(kind)
        if info is None:
            raise WorkflowFormatError(
                f"node {node_id} is of type {kind!r}, which this ComfyUI does not have "
                "(a node pack is missing)"
            )
        inputs = widget_values(node, info)
        for inp in node.get("inputs", []):
            name = inp.get("name")
            if name is None:
                continue
            source = source_of(inp.get("link"))
            if source is not None:
                inputs[name] = source
            elif inp.get("link") is not None or name not in inputs:
                inputs.pop(name, None)  # an unconnected socket, or a link to a muted node
        entry = {"class_type": kind, "inputs": inputs}
        if node.get("title"):
            entry["_meta"] = {"title": node["title"]}
        prompt[node_id] = entry
    return prompt


def _first_link(node: dict) -> Optional[int]:
    for inp in node.get("inputs", []):
        if inp.get("link") is not None:
            return inp["link"]
    return None
