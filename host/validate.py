"""Checking an API-format workflow against a running server's /object_info before it is
queued: every node type known, every required input given, links pointing at existing
outputs of the right type, widget values inside their ranges and dropdowns. Dropdown values
that name files (a checkpoint, a motion module, an input video) are reported apart, as files
to put in place, since they depend on the machine, not on the workflow."""
from __future__ import annotations

from dataclasses import dataclass, field

from .workflow_format import spec_options

# input name -> the folder its file dropdown lists
FILE_INPUTS = {"ckpt_name": "models/checkpoints", "motion_module": "models/animatediff_models",
               "lora": "models/loras", "lora_name": "models/loras", "adapter": "models/finephys",
               "vae_name": "models/vae", "video": "input", "pose_file": "input"}


@dataclass
class WorkflowCheck:
    problems: list[str] = field(default_factory=list)
    missing_files: list[tuple[str, str]] = field(default_factory=list)  # (file, folder)

    @property
    def ok(self) -> bool:
        return not self.problems


def _options(spec) -> list | None:
    kind = spec[0]
    if isinstance(kind, list):
        return kind
    if kind == "COMBO":
        return list(spec[1].get("options", [])) if len(spec) > 1 else []
    return None


def check_api_workflow(graph: dict, object_info: dict) -> WorkflowCheck:
    check = WorkflowCheck()
    for node_id, node in graph.items():
        kind = node.get("class_type")
        where = f"node {node_id} ({kind})"
        if kind not in object_info:
            check.problems.append(f"{where}: unknown node type (is its package installed?)")
            continue
        spec = object_info[kind]["input"]
        required, optional = spec.get("required", {}), spec.get("optional", {})
        inputs = node.get("inputs", {})
        for name in required:
            if name not in inputs:
                check.problems.append(f"{where}: required input {name!r} is missing")
        for name, value in inputs.items():
            if name not in required and name not in optional:
                check.problems.append(f"{where}: no input named {name!r}")
                continue
            _check_value(check, graph, object_info, where, name, (required.get(name) or optional.get(name)), value)
    return check


def _check_value(check, graph, object_info, where, name, spec, value) -> None:
    options = _options(spec)
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
        source = graph.get(value[0])
        if source is None:
            check.problems.append(f"{where}: input {name!r} links to node {value[0]}, which is not in the workflow")
            return
        outputs = object_info.get(source.get("class_type"), {}).get("output", [])
        if not isinstance(value[1], int) or not 0 <= value[1] < len(outputs):
            check.problems.append(f"{where}: input {name!r} links to output {value[1]} of node {value[0]}, "
                                  f"which has {len(outputs)}")
            return
        produced = outputs[value[1]]
        wanted = "COMBO" if options is not None else spec[0]
        if wanted not in ("*", produced) and produced != "*" and not (wanted == "COMBO" and produced in ("STRING",)):
            check.problems.append(f"{where}: input {name!r} wants {wanted}, node {value[0]} output {value[1]} "
                                  f"gives {produced}")
        return
    config = spec_options(spec)
    if options is not None:
        if value not in options:
            if name in FILE_INPUTS and isinstance(value, str):
                check.missing_files.append((value, FILE_INPUTS[name]))
            else:
                shown = options if len(options) <= 12 else f"{len(options)} options"
                check.problems.append(f"{where}: {name} = {value!r} is not one of {shown}")
        return
    kind = spec[0]
    if kind in ("INT", "FLOAT"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind == "INT" and not isinstance(value, int)):
            check.problems.append(f"{where}: {name} = {value!r} is not a {kind}")
            return
        low, high = config.get("min"), config.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            check.problems.append(f"{where}: {name} = {value} is outside [{low}, {high}]")
    elif kind == "BOOLEAN" and not isinstance(value, bool):
        check.problems.append(f"{where}: {name} = {value!r} is not true/false")
    elif kind == "STRING" and not isinstance(value, str):
        check.problems.append(f"{where}: {name} = {value!r} is not text")
