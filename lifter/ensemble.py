"""One lifter file from several: the same recipe trained with other seeds, answers averaged.

A seed ensemble lowers the error that a single run leaves to chance (the held-out P-MPJPE of
one recipe moved by 1.5 mm between two runs; BENCHMARKS.md). The file is an ordinary lifter
file: weights under members.<i>., a config listing each member's mean pose (model.py,
LifterEnsemble), and in its metadata every member's own training command, seed and time.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Sequence, Union

import numpy as np
from safetensors import safe_open
from safetensors.torch import save_file

from ..modelfiles import recorded_command
from ..skeleton.errors import PoseDataError
from .inference import load_weights
from .model import LifterConfig

# What a member's metadata contributes to the ensemble's record of how it was made.
_MEMBER_RECORD = ("command", "seed", "train_seconds", "runs", "windows")


def _architecture(config: LifterConfig) -> LifterConfig:
    """The config without what members may differ in (mean pose, dropout): equal for members
    that can be averaged."""
    return replace(config, mean_pose=[], dropout=0.0)


def _member_record(metadata: dict) -> dict:
    """A member's training record; its command without locations (members trained before
    commands left them out)."""
    record = {k: metadata[k] for k in _MEMBER_RECORD if k in metadata}
    if record.get("command"):
        script, *argv = record["command"].split()
        record["command"] = recorded_command(script, argv)
    return record


def combine_lifters(members: Sequence[Union[str, Path]], out_weights: Union[str, Path], command: str = "") -> LifterConfig:
    """Writes <out_weights> (.safetensors) and its .json config: the members' average.

    members: two or more single-lifter weight files (with their configs beside them) of one
    architecture. Errors name the file that does not fit."""
    if len(members) < 2:
        raise PoseDataError("an ensemble needs at least two lifter weight files")
    state, configs, records = {}, [], []
    for i, path in enumerate(members):
        model, config = load_weights(path)
        if config.member_mean_poses:
            raise PoseDataError(f"{Path(path).name} is already an ensemble; pass its members instead")
        if configs and _architecture(config) != _architecture(configs[0]):
            raise PoseDataError(f"{Path(path).name} is another architecture than {Path(members[0]).name} "
                                "(members may differ only in their weights, mean pose and dropout)")
        configs.append(config)
        state.update({f"members.{i}.{k}": v.contiguous() for k, v in model.state_dict().items()})
        with safe_open(str(path), "pt") as f:
            records.append(_member_record(f.metadata() or {}))
    poses = [c.mean_pose for c in configs]
    config = replace(configs[0], mean_pose=np.mean(poses, axis=0).round(5).tolist(), member_mean_poses=poses)
    out_weights = Path(out_weights)
    out_weights.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "name": out_weights.stem,
        "command": command,
        "members": json.dumps(records),
        "train_seconds": str(round(sum(float(r.get("train_seconds") or 0) for r in records))),
    }
    save_file(state, str(out_weights), metadata=metadata)
    config.save(out_weights.with_suffix(".json"))
    return config
