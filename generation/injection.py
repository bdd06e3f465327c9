"""Adding the heatmap encoder's features to the UNet (T2I-Adapter style, spec 1.4).

diffusers' UNetMotionModel accepts only ControlNet-style residuals, so the features go in
through forward hooks: at each down block, the output of its last motion module (the block's
last layer before its downsampler, where diffusers' T2I-Adapter path adds its residuals) gets
the stage's feature added. Frames run batch-major inside the UNet ([B*F, C, h, w], index
b*F + f); under classifier-free guidance B = 2 (unconditional, conditional) and both halves
get the same guidance."""
from __future__ import annotations

from typing import Optional

import torch


class HeatmapInjection:
    """Context manager: while active, `set(features)` makes the next UNet calls add them.

    features: one tensor per down block, [B*F, width_i, h_i, w_i], already scaled by the
    strength and repeated for the guidance batch (see `expand_for_batch`); None = no guidance.
    """

    def __init__(self, unet: torch.nn.Module) -> None:
        blocks = getattr(unet, "down_blocks", None)
        if blocks is None or not all(hasattr(b, "motion_modules") for b in blocks):
            raise TypeError("heatmap injection needs a diffusers UNetMotionModel (down blocks with motion modules)")
        self.targets = [block.motion_modules[-1] for block in blocks]
        self.features: Optional[list[torch.Tensor]] = None
        self._handles: list = []

    @property
    def num_stages(self) -> int:
        return len(self.targets)

    def set(self, features: Optional[list[torch.Tensor]]) -> None:
        if features is not None and len(features) != self.num_stages:
            raise ValueError(f"the guidance has {len(features)} feature scales, the UNet has {self.num_stages} "
                             "down blocks: the heatmap encoder was made for another UNet")
        self.features = features

    def _hook(self, stage: int):
        def add_feature(module, args, output):
            if self.features is None:
                return output
            feature = self.features[stage]
            if feature.shape != output.shape:
                raise ValueError(f"guidance feature {list(feature.shape)} does not fit the UNet's down block "
                                 f"{stage} output {list(output.shape)}: the heatmap encoder was made for "
                                 "another UNet width or image size")
            return output + feature.to(output.dtype)
        return add_feature

    def __enter__(self) -> "HeatmapInjection":
        self._handles = [t.register_forward_hook(self._hook(i)) for i, t in enumerate(self.targets)]
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self.features = None


def expand_for_batch(features: list[torch.Tensor], batch: int, strength: float) -> list[torch.Tensor]:
    """Per-frame features [F, ...] -> [batch*F, ...] (batch-major, as the UNet lays frames out),
    scaled by `strength`."""
    return [strength * f.repeat(batch, 1, 1, 1) for f in features]
