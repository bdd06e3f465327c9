"""The generation-side losses (spec 1.3), for the heatmap adapter + spatial LoRA:

- L_spat: the denoising MSE on one random frame of the clip, run as a one-frame clip (it
  trains the spatial layers on single images, as MotionDirector does);
- L_temp: the denoising MSE on the whole clip;
- L_ad-temp (appearance-debiased temporal loss, MotionDirector): with
  phi(e) = sqrt(beta^2 + 1) e - beta e[anchor], anchor a random frame of the same clip,
  the MSE between phi(noise) and phi(prediction). Subtracting the anchor frame removes what
  all frames share (appearance), so the loss weighs the motion.

Tensors are [B, C, F, h, w] (diffusers' video latent layout)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def appearance_debiased(eps: torch.Tensor, anchor: int, beta: float = 1.0) -> torch.Tensor:
    """phi(e) = sqrt(beta^2 + 1) e - beta e[:, :, anchor] (broadcast over frames)."""
    return math.sqrt(beta ** 2 + 1) * eps - beta * eps[:, :, anchor:anchor + 1]


def temporal_loss(prediction: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """L_temp: MSE over every frame."""
    return F.mse_loss(prediction.float(), noise.float())


def ad_temporal_loss(prediction: torch.Tensor, noise: torch.Tensor, anchor: int, beta: float = 1.0) -> torch.Tensor:
    """L_ad-temp: MSE between phi(noise) and phi(prediction) for one anchor frame."""
    return F.mse_loss(appearance_debiased(prediction.float(), anchor, beta),
                      appearance_debiased(noise.float(), anchor, beta))


def spatial_loss(prediction_one_frame: torch.Tensor, noise_one_frame: torch.Tensor) -> torch.Tensor:
    """L_spat: MSE of the one-frame run."""
    return F.mse_loss(prediction_one_frame.float(), noise_one_frame.float())
