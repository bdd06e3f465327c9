"""The lifter networks: the in-context transformer (spec 1.1) and a temporal-convolution baseline.

ICLLifter follows Skeleton-in-Context's static task prompt: every query frame is one token made
of [query 2D ; mean 3D pose], the demonstration contributes one token per frame made of
[demo 2D ; demo 3D], and a transformer over both lets each query frame look up how 2D maps to
3D in the demonstration. Without a demonstration a single learned token stands in for it (the
ablation row, and the fallback when no bank is given).

TemporalConvLifter is the VideoPose3D-style baseline: dilated 1D convolutions over time on the
same normalised 2D, same window, no demonstration.

LifterEnsemble averages the answers of several lifters of one architecture trained with other
seeds (lifter/ensemble.py makes one file of them): its config lists each member's mean pose.

Shapes: 2D inputs [B,T,17,3] (normalised x, y, confidence; lifter/normalize.py), 3D [B,T,17,3]
metres, root-relative, camera axes.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Optional, Union

import torch
from torch import nn

J = 17


@dataclass
class LifterConfig:
    """Architecture and the constants a trained model needs at inference."""

    kind: str = "icl"  # "icl" | "tcn"
    window: int = 27  # frames per window
    dim: int = 128
    depth: int = 4
    heads: int = 4
    dropout: float = 0.1
    tcn_channels: int = 256
    tcn_dilations: tuple[int, ...] = (1, 3, 9)
    mean_pose: list = field(default_factory=lambda: [[0.0, 0.0, 0.0]] * J)  # [17,3] metres
    # An ensemble: one mean pose [17,3] per member (each was trained on its own data draw);
    # empty for a single lifter. mean_pose is then the members' average, for reference.
    member_mean_poses: list = field(default_factory=list)

    @property
    def members(self) -> int:
        return max(1, len(self.member_mean_poses))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str, source: str = "") -> "LifterConfig":
        try:
            data = json.loads(text)
            data["tcn_dilations"] = tuple(data.get("tcn_dilations", (1, 3, 9)))
            config = cls(**data)
        except (json.JSONDecodeError, TypeError, KeyError) as exc:
            raise ValueError(f"{source or 'lifter config'}: not a lifter config ({exc})") from exc
        if config.kind not in ("icl", "tcn"):
            raise ValueError(f"{source or 'lifter config'}: unknown lifter kind {config.kind!r}")
        for pose in [config.mean_pose, *config.member_mean_poses]:
            if len(pose) != J or any(len(joint) != 3 for joint in pose):
                raise ValueError(f"{source or 'lifter config'}: a mean pose is not [17,3]")
        return config

    def save(self, path: Union[str, Path]) -> None:
        Path(path).write_text(self.to_json())


class ICLLifter(nn.Module):
    def __init__(self, config: LifterConfig) -> None:
        super().__init__()
        self.config = config
        d, w = config.dim, config.window
        self.query_in = nn.Linear(2 * J * 3, d)
        self.demo_in = nn.Linear(2 * J * 3, d)
        self.no_demo = nn.Parameter(torch.zeros(1, 1, d))
        self.time = nn.Parameter(torch.zeros(1, w, d))
        self.kind = nn.Parameter(torch.zeros(2, d))  # query / demonstration
        nn.init.normal_(self.time, std=0.02)
        nn.init.normal_(self.kind, std=0.02)
        nn.init.normal_(self.no_demo, std=0.02)
        layer = nn.TransformerEncoderLayer(d, config.heads, 2 * d, config.dropout, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, J * 3)
        self.register_buffer("mean_pose", torch.tensor(config.mean_pose, dtype=torch.float32), persistent=False)

    def forward(self, query_2d: torch.Tensor, demo_2d: Optional[torch.Tensor] = None,
                demo_3d: Optional[torch.Tensor] = None) -> torch.Tensor:
        b, t = query_2d.shape[:2]
        mean = self.mean_pose.expand(b, t, J, 3)
        tokens = self.query_in(torch.cat([query_2d, mean], -1).reshape(b, t, -1))
        tokens = tokens + self.time[:, :t] + self.kind[0]
        if demo_2d is None:
            prompt = self.no_demo.expand(b, 1, -1)
        else:
            td = demo_2d.shape[1]
            prompt = self.demo_in(torch.cat([demo_2d, demo_3d], -1).reshape(b, td, -1))
            prompt = prompt + self.time[:, :td] + self.kind[1]
        out = self.encoder(torch.cat([prompt, tokens], 1))[:, -t:]
        # The mean pose is the starting point; the network predicts the offset from it.
        return self.head(self.norm(out)).reshape(b, t, J, 3) + mean


class TemporalConvLifter(nn.Module):
    """Dilated residual 1D convolutions, 'same' padding so every frame gets an output."""

    def __init__(self, config: LifterConfig) -> None:
        super().__init__()
        self.config = config
        c = config.tcn_channels
        self.inp = nn.Conv1d(J * 3, c, 3, padding=1)
        self.blocks = nn.ModuleList()
        for dilation in config.tcn_dilations:
            self.blocks.append(nn.Sequential(
                nn.Conv1d(c, c, 3, padding=dilation, dilation=dilation), nn.BatchNorm1d(c), nn.ReLU(),
                nn.Dropout(config.dropout), nn.Conv1d(c, c, 1), nn.BatchNorm1d(c), nn.ReLU(),
            ))
        self.out = nn.Conv1d(c, J * 3, 1)
        self.register_buffer("mean_pose", torch.tensor(config.mean_pose, dtype=torch.float32), persistent=False)

    def forward(self, query_2d: torch.Tensor, demo_2d=None, demo_3d=None) -> torch.Tensor:
        b, t = query_2d.shape[:2]
        x = torch.relu(self.inp(query_2d.reshape(b, t, -1).transpose(1, 2)))
        for block in self.blocks:
            x = x + block(x)
        return self.out(x).transpose(1, 2).reshape(b, t, J, 3) + self.mean_pose


class LifterEnsemble(nn.Module):
    """The mean of its members' answers [B,T,17,3]. Members differ only in their weights and
    mean poses; a demonstration goes to every member."""

    def __init__(self, config: LifterConfig) -> None:
        super().__init__()
        self.config = config
        self.members = nn.ModuleList(
            _build_single(replace(config, mean_pose=pose, member_mean_poses=[])) for pose in config.member_mean_poses)

    def forward(self, query_2d: torch.Tensor, demo_2d: Optional[torch.Tensor] = None,
                demo_3d: Optional[torch.Tensor] = None) -> torch.Tensor:
        return torch.stack([member(query_2d, demo_2d, demo_3d) for member in self.members]).mean(0)


def _build_single(config: LifterConfig) -> nn.Module:
    return ICLLifter(config) if config.kind == "icl" else TemporalConvLifter(config)


def build_lifter(config: LifterConfig) -> nn.Module:
    """The network a config describes: one lifter, or an ensemble when it lists member mean poses."""
    return LifterEnsemble(config) if config.member_mean_poses else _build_single(config)
