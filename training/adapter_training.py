"""One training step of the generation side (spec 1.3): the heatmap encoder and a spatial
LoRA learn, the SD1.5 UNet and the motion module stay frozen.

A batch is video latents [B, 4, F, h, w] (VAE latents x 0.18215), text embeddings [B, 77, D]
and per-frame heatmaps [B, F, C, H/4, W/4]. Noise and timesteps are drawn as in DDPM
training; the encoder's features are added inside the UNet exactly as at sampling time
(generation/injection.py), so what is trained is what the sampler runs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from ..generation.injection import HeatmapInjection
from .generation_losses import ad_temporal_loss, spatial_loss, temporal_loss


@dataclass
class LossWeights:
    spatial: float = 1.0  # L_spat
    temporal: float = 1.0  # L_temp
    ad_temporal: float = 1.0  # L_ad-temp
    beta: float = 1.0  # phi's beta in L_ad-temp


@dataclass
class StepNoise:
    """What a step draws at random; fixed ones make a repeatable evaluation batch."""
    noise: torch.Tensor  # [B, 4, F, h, w]
    timesteps: torch.Tensor  # [B]
    spatial_frame: int
    anchor_frame: int

    @classmethod
    def draw(cls, latents: torch.Tensor, num_train_timesteps: int, generator: torch.Generator) -> "StepNoise":
        frames = latents.shape[2]
        noise = torch.randn(latents.shape, generator=generator).to(latents)
        t = torch.randint(0, num_train_timesteps, (latents.shape[0],), generator=generator).to(latents.device)
        i, a = (int(torch.randint(0, frames, (1,), generator=generator)) for _ in range(2))
        return cls(noise, t, i, a)


def _features_for(encoder, heatmaps: torch.Tensor) -> list[torch.Tensor]:
    """[B, F, C, h, w] heatmaps -> per stage [B*F, width, ...] (batch-major, as the UNet)."""
    b, f = heatmaps.shape[:2]
    return encoder(heatmaps.reshape(b * f, *heatmaps.shape[2:]))


def _frame(features: list[torch.Tensor], batch: int, index: int) -> list[torch.Tensor]:
    """One frame's features from [B*F, ...] (batch-major)."""
    return [x.reshape(batch, -1, *x.shape[1:])[:, index] for x in features]


def generation_losses(unet, encoder, scheduler, latents: torch.Tensor, text: torch.Tensor, heatmaps: torch.Tensor,
                      draw: StepNoise, weights: LossWeights,
                      injection: Optional[HeatmapInjection] = None) -> dict[str, torch.Tensor]:
    """{"spatial", "temporal", "ad_temporal", "total"} for one batch. `injection` must be
    active on `unet` (a HeatmapInjection entered by the caller)."""
    if injection is None:
        raise ValueError("pass the active HeatmapInjection of this UNet")
    b, _, f = latents.shape[:3]
    noisy = scheduler.add_noise(latents, draw.noise, draw.timesteps)
    features = _features_for(encoder, heatmaps)
    per_frame_text = text.repeat_interleave(f, dim=0)
    injection.set(features)
    prediction = unet(noisy, draw.timesteps, encoder_hidden_states=per_frame_text).sample
    losses = {"temporal": temporal_loss(prediction, draw.noise),
              "ad_temporal": ad_temporal_loss(prediction, draw.noise, draw.anchor_frame, weights.beta)}
    i = draw.spatial_frame
    injection.set(_frame(features, b, i))
    one = unet(noisy[:, :, i:i + 1], draw.timesteps, encoder_hidden_states=text).sample
    losses["spatial"] = spatial_loss(one, draw.noise[:, :, i:i + 1])
    injection.set(None)
    losses["total"] = (weights.spatial * losses["spatial"] + weights.temporal * losses["temporal"]
                       + weights.ad_temporal * losses["ad_temporal"])
    return losses


def trainable_parameters(unet, encoder) -> list[torch.nn.Parameter]:
    """The encoder's and the LoRA's parameters; everything else of the UNet is frozen here."""
    for name, p in unet.named_parameters():
        p.requires_grad_("lora_" in name)
    for p in encoder.parameters():
        p.requires_grad_(True)
    return [p for p in unet.parameters() if p.requires_grad] + list(encoder.parameters())
