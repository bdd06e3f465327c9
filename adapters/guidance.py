"""The guidance a sampler consumes: a 2D pose sequence, the size to draw it at, and the
encoder that turns its heatmaps into UNet features. Features are computed per window of
frames, so a long clip never holds every frame's features at once."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from ..skeleton.errors import PoseDataError
from ..skeleton.sequence import Pose2DSequence
from .encoder import MultiScaleHeatmapEncoder
from .heatmaps import DEFAULT_SIGMA_SCALE, check_image_size, render_heatmaps

NO_ENCODER = ("the heatmap guidance has no adapter (encoder) to turn it into UNet features: put "
              "<name>.safetensors + <name>.json made by training/train_adapter.py in models/finephys/ "
              "and pick it in the Multi-scale Heatmap Encoder node")


@dataclass(frozen=True)
class HeatmapGuidance:
    pose2d: Pose2DSequence
    encoder: Optional[MultiScaleHeatmapEncoder]  # None: heatmaps only (previews), no features
    width: int
    height: int
    limbs: bool = True  # used when there is no encoder (an encoder's config decides otherwise)
    sigma_scale: float = DEFAULT_SIGMA_SCALE

    def __post_init__(self) -> None:
        check_image_size(self.width, self.height)

    @property
    def num_frames(self) -> int:
        return self.pose2d.num_frames

    def heatmaps(self, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """[F, C, H/4, W/4] for frames start..stop."""
        if self.encoder is None:
            return render_heatmaps(self.pose2d, self.width, self.height, self.limbs, self.sigma_scale,
                                   frames=slice(start, stop))
        cfg = self.encoder.config
        return render_heatmaps(self.pose2d, self.width, self.height, cfg.limbs, cfg.sigma_scale,
                               frames=slice(start, stop))

    @torch.no_grad()
    def features(self, start: int = 0, stop: int | None = None, dtype: torch.dtype = torch.float32,
                 device: torch.device | str = "cpu") -> list[torch.Tensor]:
        """Per stage [F, width_i, H/(8*2^i), W/(8*2^i)] for frames start..stop."""
        if self.encoder is None:
            raise PoseDataError(NO_ENCODER)
        param = next(self.encoder.parameters())
        maps = self.heatmaps(start, stop).to(device=param.device, dtype=param.dtype)
        return [f.to(device=device, dtype=dtype) for f in self.encoder(maps)]

    def __repr__(self) -> str:
        if self.encoder is None:
            return f"HeatmapGuidance(T={self.num_frames}, {self.width}x{self.height}, no encoder)"
        cfg = self.encoder.config
        return (f"HeatmapGuidance(T={self.num_frames}, {self.width}x{self.height}, "
                f"widths={cfg.unet_widths}, limbs={cfg.limbs})")
