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

from safetensors import safe_open
from safetensors.torch import save_file

from ..modelfiles import recorded_command
from ..skeleton.errors import PoseDataError
from .inference import load_weights
from .model import LifterConfig

# Fields that must agree for members to be averaged (mean poses and dropout may differ).
_ARCHITECTURE = ("kind", "window", "dim", "depth", "heads", "tcn_channels", "tcn_dilations")


def combine_lifters(members: Sequence[Union[str, Path]], out_weights: Union[str, Path], command: str = "") -> LifterConfig:
    """Writes <out_weights> (.safetensors) and its .json config: the members' average.

    members: two or more single-lifter weight files (with their configs beside them) of one
    architecture. Errors name the file that does not fit."""
    if len(members) < 2:
        raise PoseDataError("an ensemble needs at least two lifter weight files")
    state, poses, member_metadata, configs = {}, [], [], []
    for i, path in enumerate(members):
        model, config = load_weights(path)
        if config.member_mean_poses:
            raise PoseDataError(f"{Path(path).name} is already an ensemble; pass its members instead")
        if configs and any(getattr(config, f) != getattr(configs[0], f) for f in _ARCHITECTURE):
            raise PoseDataError(f"{Path(path).name} is another architecture than {Path(members[0]).name} "
                                f"(they must agree on {', '.join(_ARCHITECTURE)})")
        configs.append(config)
        poses.append(config.mean_pose)
        state.update({f"members.{i}.{k}": v.contiguous() for k, v in model.state_dict().items()})
        with safe_open(str(path), "pt") as f:
            member_metadata.append(f.metadata() or {})
    mean_pose = [[round(sum(p[j][a] for p in poses) / len(poses), 5) for a in range(3)] for j in range(17)]
    config = replace(configs[0], mean_pose=mean_pose, member_mean_poses=poses)
    out_weights = Path(out_weights)
    out_weights.parent.mkdir(parents=True, exist_ok=True)
    seconds = [float(m.get("train_seconds", 0) or 0) for m in member_metadata]
    for m in member_metadata:  # members trained before commands left locations out
        if m.get("command"):
            script, *argv = m["command"].split()
            m["command"] = recorded_command(script, argv)
    metadata = {
        "name": out_weights.stem,
        "command": command,
        "members": json.dumps([{k: m[k] for k in ("command", "seed", "train_seconds", "runs", "windows") if k in m}
                               for m in member_metadata]),
        "train_seconds": str(round(sum(seconds))),
    }
    save_file(state, str(out_weights), metadata=metadata)
    config.save(out_weights.with_suffix(".json"))
    return config
