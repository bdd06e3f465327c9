"""Fréchet Video Distance, the variant stated: features are the 512-d penultimate activations
of torchvision's R(2+1)D-18 video network (Kinetics-400 weights, loaded from a local
state-dict file, weights-only), on 16-frame clips resized to 112x112 and normalised with
Kinetics' mean and std; FVD = the Fréchet distance between the Gaussian fits of real and
generated clips' features. This is not the I3D-based FVD of StyleGAN-V / the original paper
(its weights ship as TorchScript); figures are comparable only within this variant."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence, Union

import numpy as np
import torch

from ..skeleton.errors import PoseDataError

VARIANT = "R(2+1)D-18 (torchvision, Kinetics-400) 512-d features, 16 frames, 112x112"
CLIP_FRAMES, SIDE = 16, 112
KINETICS_MEAN = (0.43216, 0.394666, 0.37645)
KINETICS_STD = (0.22803, 0.22145, 0.216989)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^1/2), the matrix root via the eigenvalues of
    S1^1/2 S2 S1^1/2 (symmetric, so real and stable)."""
    def sqrt_psd(m):
        w, v = np.linalg.eigh((m + m.T) / 2)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    root1 = sqrt_psd(sigma1)
    middle = sqrt_psd(root1 @ sigma2 @ root1)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(middle))


def load_feature_network(weights: Union[str, Path]):
    """R(2+1)D-18 with its classifier removed, weights from a local .pth/.safetensors file."""
    from torchvision.models.video import r2plus1d_18

    weights = Path(weights)
    if not weights.is_file():
        raise PoseDataError(f"FVD network weights {weights.name} not found in {weights.parent} "
                            "(torchvision's r2plus1d_18 Kinetics-400 state dict)")
    try:
        if weights.suffix == ".safetensors":
            from safetensors.torch import load_file
            state = load_file(str(weights))
        else:
            state = torch.load(str(weights), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise PoseDataError(f"{weights.name}: not a readable weights file ({exc})") from exc
    model = r2plus1d_18()
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise PoseDataError(f"{weights.name}: not r2plus1d_18 weights ({str(exc).splitlines()[0]})") from exc
    model.fc = torch.nn.Identity()
    return model.eval()


@torch.no_grad()
def video_features(model, videos: Sequence[np.ndarray]) -> np.ndarray:
    """[N, 512] for videos [T,H,W,3] uint8 with T >= 16 (the first 16 frames are used)."""
    feats = []
    mean = torch.tensor(KINETICS_MEAN)[:, None, None, None]
    std = torch.tensor(KINETICS_STD)[:, None, None, None]
    for video in videos:
        if len(video) < CLIP_FRAMES:
            raise PoseDataError(f"FVD needs clips of at least {CLIP_FRAMES} frames, got {len(video)}")
        x = torch.from_numpy(np.asarray(video[:CLIP_FRAMES])).float().permute(0, 3, 1, 2) / 255.0
        x = torch.nn.functional.interpolate(x, size=(SIDE, SIDE), mode="bilinear", align_corners=False)
        x = (x.permute(1, 0, 2, 3) - mean) / std  # [3, T, H, W]
        feats.append(model(x[None]).squeeze(0).numpy())
    return np.stack(feats)


def fvd(model, real: Sequence[np.ndarray], generated: Sequence[np.ndarray]) -> float:
    """FVD between two sets of videos (each at least 2 clips; more for a stable estimate)."""
    if len(real) < 2 or len(generated) < 2:
        raise PoseDataError("FVD needs at least two videos on each side")
    a, b = video_features(model, real), video_features(model, generated)
    return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
