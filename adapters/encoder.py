"""The multi-scale heatmap encoder (spec 1.4): per-frame heatmaps -> one feature map per
SD1.5 encoder stage, added to the UNet's down-block outputs (T2I-Adapter style).

Heatmaps [N, C, H/4, W/4] -> pixel-unshuffle (2) -> stage 0 at H/8 -> stride-2 stages at
H/16, H/32, H/64. Each stage ends in a 1x1 projection to the UNet's width there (320, 640,
1280, 1280 for SD1.5). The projections start at zero (`zero_init`), so a fresh adapter
leaves the UNet's output unchanged and training starts from the base model's behaviour.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Union

import torch
from torch import nn

from ..modelfiles import TaggedConfig, load_safetensors_model
from .heatmaps import HEATMAP_STRIDE, heatmap_channels

SD15_WIDTHS = (320, 640, 1280, 1280)
MODEL_KIND = "finephys_heatmap_encoder"


@dataclass
class HeatmapEncoderConfig(TaggedConfig):
    MODEL_KIND: ClassVar[str] = MODEL_KIND
    DESCRIPTION: ClassVar[str] = "heatmap encoder config"

    unet_widths: tuple[int, ...] = SD15_WIDTHS  # the UNet's down-block widths, one per stage
    hidden: tuple[int, ...] = (64, 128, 256, 256)  # the encoder's own widths per stage
    blocks_per_stage: int = 1  # residual blocks per stage
    limbs: bool = True  # 17 joint maps + 16 limb maps (False: joints only)
    sigma_scale: float = 0.025  # Gaussian sigma as a fraction of the person's size
    zero_init: bool = True  # projections start at zero: a fresh adapter changes nothing

    def __post_init__(self) -> None:
        self.unet_widths = tuple(int(w) for w in self.unet_widths)
        self.hidden = tuple(int(w) for w in self.hidden)
        if len(self.unet_widths) != len(self.hidden) or not self.hidden:
            raise ValueError(f"unet_widths {self.unet_widths} and hidden {self.hidden} need one entry per stage")

    @property
    def in_channels(self) -> int:
        return heatmap_channels(self.limbs)


def _groups(channels: int) -> int:
    """Up to 32 groups with at least two channels each: a 1x1 map (H/64 of a 64 px image)
    still has more than one value per group, which training-mode GroupNorm needs."""
    for g in (32, 16, 8, 4, 2):
        if channels % g == 0 and channels // g >= 2:
            return g
    return 1


class ResBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.GroupNorm(_groups(channels), channels), nn.SiLU(), nn.Conv2d(channels, channels, 3, padding=1),
            nn.GroupNorm(_groups(channels), channels), nn.SiLU(), nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class MultiScaleHeatmapEncoder(nn.Module):
    """forward(heatmaps [N, C, H/4, W/4]) -> [N, unet_widths[i], H/(8*2^i), W/(8*2^i)] per stage."""

    def __init__(self, config: HeatmapEncoderConfig) -> None:
        super().__init__()
        self.config = config
        unshuffle = 8 // HEATMAP_STRIDE
        self.stem = nn.Sequential(nn.PixelUnshuffle(unshuffle),
                                  nn.Conv2d(config.in_channels * unshuffle ** 2, config.hidden[0], 3, padding=1))
        self.stages = nn.ModuleList()
        self.projections = nn.ModuleList()
        previous = config.hidden[0]
        for i, (width, out) in enumerate(zip(config.hidden, config.unet_widths)):
            down = nn.Identity() if i == 0 else nn.Conv2d(previous, width, 3, stride=2, padding=1)
            self.stages.append(nn.Sequential(down, *[ResBlock(width) for _ in range(config.blocks_per_stage)]))
            projection = nn.Conv2d(width, out, 1)
            if config.zero_init:
                nn.init.zeros_(projection.weight)
                nn.init.zeros_(projection.bias)
            self.projections.append(projection)
            previous = width

    def forward(self, heatmaps: torch.Tensor) -> list[torch.Tensor]:
        if heatmaps.ndim != 4 or heatmaps.shape[1] != self.config.in_channels:
            raise ValueError(f"heatmaps must be [N, {self.config.in_channels}, H/4, W/4], got {list(heatmaps.shape)}")
        x = self.stem(heatmaps)
        features = []
        for stage, projection in zip(self.stages, self.projections):
            x = stage(x)
            features.append(projection(x))
        return features


def save_encoder(encoder: MultiScaleHeatmapEncoder, weights: Union[str, Path]) -> Path:
    """<name>.safetensors + <name>.json beside it. Returns the weights path."""
    from safetensors.torch import save_file

    weights = Path(weights)
    weights.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in encoder.state_dict().items()}
    save_file(state, str(weights), metadata={"model": MODEL_KIND})
    encoder.config.save(weights.with_suffix(".json"))
    return weights


def load_encoder(weights: Union[str, Path], config: Union[str, Path, None] = None) -> MultiScaleHeatmapEncoder:
    """An encoder from <name>.safetensors and its config (<name>.json beside it by default);
    errors name the file (modelfiles.load_safetensors_model)."""
    model, _ = load_safetensors_model(
        weights, config, "heatmap encoder", HeatmapEncoderConfig.from_json, MultiScaleHeatmapEncoder,
        lambda cfg, path: f"the heatmap encoder described by {path.name} (UNet widths {cfg.unet_widths}, "
        f"hidden {cfg.hidden}, limbs {cfg.limbs})")
    return model
