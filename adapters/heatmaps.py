"""Skeleton heatmaps, the guidance the multi-scale encoder reads (spec 1.4).

Per frame: one Gaussian per joint (17 channels) and, optionally, one per limb (16 channels,
a Gaussian of the distance to the bone segment). Peaks are the joint's confidence (a limb:
the lower of its two joints), so missing joints draw nothing. Sigma is a fraction of the
person's size, the diagonal of the confident joints' box, taken as a running median over
time so it does not flicker as the pose changes.

Maps are drawn at 1/HEATMAP_STRIDE of the image size: 33 full-resolution maps per frame
would cost 35 MB at 512x512, and the encoder's first stage (1/8) is all that needs them.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from ..skeleton.errors import PoseDataError
from ..skeleton.h36m import BONES, NUM_JOINTS
from ..skeleton.sequence import Pose2DSequence

HEATMAP_STRIDE = 4  # heatmap pixel = 4x4 image pixels
DEFAULT_SIGMA_SCALE = 0.025  # of the person's size (box diagonal)
MIN_SIGMA_PX = 1.0  # in heatmap pixels: never thinner than one pixel
SIZE_MEDIAN_FRAMES = 9  # running median window for the person's size
NUM_LIMBS = len(BONES)


def heatmap_channels(limbs: bool) -> int:
    return NUM_JOINTS + (NUM_LIMBS if limbs else 0)


def check_image_size(width: int, height: int) -> None:
    """SD1.5's deepest encoder stage is 1/64 of the image: sizes must divide by 64."""
    if width <= 0 or height <= 0 or width % 64 or height % 64:
        raise PoseDataError(
            f"image size {width}x{height} is not usable: width and height must be positive "
            f"multiples of 64 (e.g. {max(64, round(width / 64) * 64)}x{max(64, round(height / 64) * 64)})")


def person_size(keypoints: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """[T] pixels: the diagonal of each frame's box around its confident joints, filled in
    where a frame has fewer than two, then a running median over SIZE_MEDIAN_FRAMES."""
    seen = confidence > 0
    size = np.full(len(keypoints), np.nan)
    for t in range(len(keypoints)):
        if seen[t].sum() >= 2:
            pts = keypoints[t, seen[t]]
            size[t] = float(np.linalg.norm(pts.max(0) - pts.min(0)))
    if np.isnan(size).all():
        raise PoseDataError("no frame has two or more visible joints: there is no person to draw")
    idx = np.arange(len(size))
    good = ~np.isnan(size)
    size = np.interp(idx, idx[good], size[good])
    half = SIZE_MEDIAN_FRAMES // 2
    padded = np.pad(size, half, mode="edge")
    return np.array([np.median(padded[t:t + 2 * half + 1]) for t in range(len(size))])


def render_heatmaps(
    pose2d: Pose2DSequence,
    width: int,
    height: int,
    limbs: bool = True,
    sigma_scale: float = DEFAULT_SIGMA_SCALE,
    frames: Optional[slice] = None,
) -> torch.Tensor:
    """Heatmaps [T, C, height/4, width/4] in 0..1 (C = 17 joints, + 16 limbs).

    The keypoints are scaled from pose2d.image_size to width x height (each axis, as when the
    video is resized to the generation size)."""
    check_image_size(width, height)
    if not sigma_scale > 0:
        raise PoseDataError(f"sigma scale must be positive, got {sigma_scale}")
    pose = pose2d.scaled_to(width, height)
    kp = pose.keypoints.astype(np.float64) / HEATMAP_STRIDE
    conf = pose.confidence.astype(np.float64)
    sigma = np.maximum(sigma_scale * person_size(kp, conf), MIN_SIGMA_PX)  # [T] heatmap px
    if frames is not None:
        kp, conf, sigma = kp[frames], conf[frames], sigma[frames]
    h, w = height // HEATMAP_STRIDE, width // HEATMAP_STRIDE
    # pixel centres in heatmap coordinates; keypoint (0, 0) is the image's top-left corner
    ys = torch.arange(h, dtype=torch.float32) + 0.5
    xs = torch.arange(w, dtype=torch.float32) + 0.5
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)  # [h, w, 2] (x, y)
    kp_t = torch.from_numpy(kp).float()
    conf_t = torch.from_numpy(conf).float()
    two_var = torch.from_numpy(2 * sigma ** 2).float()[:, None, None, None]  # [T,1,1,1]

    out = torch.empty(len(kp), heatmap_channels(limbs), h, w)
    d2 = ((grid[None, None] - kp_t[:, :, None, None]) ** 2).sum(-1)  # [T,17,h,w]
    out[:, :NUM_JOINTS] = conf_t[:, :, None, None] * torch.exp(-d2 / two_var)
    if limbs:
        parent = torch.tensor([a for a, _ in BONES])
        child = torch.tensor([b for _, b in BONES])
        a, b = kp_t[:, parent], kp_t[:, child]  # [T,16,2]
        ab = b - a
        length2 = (ab ** 2).sum(-1).clamp_min(1e-6)
        rel = grid[None, None] - a[:, :, None, None]  # [T,16,h,w,2]
        t = ((rel * ab[:, :, None, None]).sum(-1) / length2[:, :, None, None]).clamp(0, 1)
        nearest = a[:, :, None, None] + t[..., None] * ab[:, :, None, None]
        d2 = ((grid[None, None] - nearest) ** 2).sum(-1)
        peak = torch.minimum(conf_t[:, parent], conf_t[:, child])
        out[:, NUM_JOINTS:] = peak[:, :, None, None] * torch.exp(-d2 / two_var)
    return out


# one colour per channel for previews: joints on the left of the H36M order warm, right cool
def _palette(channels: int) -> torch.Tensor:
    hues = torch.linspace(0, 1, channels + 1)[:channels]
    k = (hues[:, None] * 6 + torch.tensor([5.0, 3.0, 1.0])) % 6
    return 1 - torch.clamp(torch.minimum(k, 4 - k), 0, 1)  # [C,3] HSV->RGB at full value


def heatmap_preview(heatmaps: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """ComfyUI IMAGE [T, height, width, 3] in 0..1: each channel in its own colour, the
    brightest channel wins per pixel (limbs dimmed so joints stand out)."""
    t, c = heatmaps.shape[:2]
    colours = _palette(NUM_JOINTS)
    if c > NUM_JOINTS:
        colours = torch.cat([colours, 0.6 * torch.ones(c - NUM_JOINTS, 3)])
    strength, index = heatmaps.max(dim=1)  # [T,h,w]
    rgb = colours[index] * strength[..., None]  # [T,h,w,3]
    rgb = torch.nn.functional.interpolate(rgb.permute(0, 3, 1, 2), size=(height, width), mode="bilinear",
                                          align_corners=False)
    return rgb.permute(0, 2, 3, 1).clamp(0, 1)
