"""The denoising loop: SD1.5 + an AnimateDiff motion module, classifier-free guidance,
heatmap guidance with a strength and a step range, context windows for long clips, seeded,
with progress and cancellation callbacks. Latents follow diffusers' convention (VAE latents
times the VAE's scaling factor, 0.18215 for SD1.5)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch

from ..adapters.guidance import HeatmapGuidance
from .context import context_windows, window_weights
from .injection import HeatmapInjection, expand_for_batch
from .schedulers import BETA_SCHEDULES, SCHEDULERS, make_scheduler

MOTION_WINDOW = 16  # frames AnimateDiff v1.5 motion modules were trained on
FEATURE_CACHE_BYTES = 512 * 2 ** 20  # keep every window's guidance features below this size

ProgressFn = Callable[[int, int], None]  # (steps done, total steps)


@dataclass
class SamplerSettings:
    steps: int = 20
    cfg: float = 7.5
    seed: int = 0
    scheduler: str = "ddim"
    beta_schedule: str = "scaled_linear"
    guidance_strength: float = 1.0
    guidance_start: float = 0.0  # fraction of the steps where the heatmap guidance starts
    guidance_end: float = 1.0  # ... and where it stops
    context_length: int = MOTION_WINDOW
    context_overlap: int = 4

    def check(self) -> None:
        if self.steps < 1:
            raise ValueError(f"steps must be at least 1, got {self.steps}")
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"unknown scheduler {self.scheduler!r}; choose one of {', '.join(SCHEDULERS)}")
        if self.beta_schedule not in BETA_SCHEDULES:
            raise ValueError(f"unknown beta schedule {self.beta_schedule!r}")
        if not 0.0 <= self.guidance_start <= self.guidance_end <= 1.0:
            raise ValueError(f"guidance range must satisfy 0 <= start <= end <= 1, got "
                             f"{self.guidance_start}..{self.guidance_end}")
        context_windows(max(self.context_length, 1) + 1, self.context_length, self.context_overlap)

    def guidance_active(self, step: int) -> bool:
        """ComfyUI's start/end percent semantics: step i of n is active if start <= i/n < end
        (end 1.0 includes the last step)."""
        fraction = step / self.steps
        return self.guidance_start <= fraction and (fraction < self.guidance_end or self.guidance_end >= 1.0)


def _text_batch(embeds: torch.Tensor, frames: int) -> torch.Tensor:
    """[1, tokens, dim] -> [frames, tokens, dim]: the UNet sees every frame as a batch item."""
    return embeds.repeat_interleave(frames, dim=0)


class _GuidanceFeatures:
    """Per-window guidance features, cached when the whole clip's features are small."""

    def __init__(self, guidance: Optional[HeatmapGuidance], windows, dtype, device) -> None:
        self.guidance, self.dtype, self.device = guidance, dtype, device
        self.cache: dict[tuple[int, int], list[torch.Tensor]] = {}
        self.cacheable = False
        if guidance is not None:
            widths = guidance.encoder.config.unet_widths
            per_frame = sum(w * (guidance.height // (8 * 2 ** i)) * (guidance.width // (8 * 2 ** i))
                            for i, w in enumerate(widths))
            frames = sum(stop - start for start, stop in windows)
            self.cacheable = per_frame * frames * torch.finfo(dtype).bits // 8 <= FEATURE_CACHE_BYTES

    def __call__(self, start: int, stop: int) -> list[torch.Tensor]:
        key = (start, stop)
        if key in self.cache:
            return self.cache[key]
        features = self.guidance.features(start, stop, self.dtype, self.device)
        if self.cacheable:
            self.cache[key] = features
        return features


@torch.no_grad()
def sample_video(
    unet: torch.nn.Module,
    positive: torch.Tensor,
    negative: Optional[torch.Tensor],
    num_frames: int,
    width: int,
    height: int,
    settings: SamplerSettings,
    guidance: Optional[HeatmapGuidance] = None,
    progress: Optional[ProgressFn] = None,
    interrupt: Optional[Callable[[], None]] = None,
) -> torch.Tensor:
    """Latents [F, 4, height/8, width/8] (scaled, diffusers convention).

    unet: a diffusers UNetMotionModel; positive/negative: text embeddings [1, tokens, dim]
    (negative None or cfg 1: no classifier-free guidance); guidance: heatmaps for all F frames.
    interrupt() is called before every step and may raise to cancel."""
    settings.check()
    if width % 8 or height % 8 or width <= 0 or height <= 0:
        raise ValueError(f"width and height must be positive multiples of 8, got {width}x{height}")
    if num_frames < 1:
        raise ValueError(f"need at least one frame, got {num_frames}")
    if guidance is not None:
        if guidance.num_frames != num_frames:
            raise ValueError(f"the heatmap guidance has {guidance.num_frames} frames but {num_frames} were "
                             "asked for: generate as many frames as the pose sequence has (or trim the poses)")
        if (guidance.width, guidance.height) != (width, height):
            raise ValueError(f"the heatmap guidance was drawn for {guidance.width}x{guidance.height}, "
                             f"the video is {width}x{height}: encode the heatmaps at the generation size")
    positions = getattr(getattr(unet, "config", None), "motion_max_seq_length", None)
    if positions and min(settings.context_length, num_frames) > positions:
        raise ValueError(f"context length {settings.context_length} exceeds the {positions} frame positions of "
                         f"the motion module: use at most {positions} (16, what it was trained on, is best)")
    param = next(unet.parameters())
    device, dtype = param.device, param.dtype
    use_cfg = negative is not None and settings.cfg != 1.0
    positive = positive.to(device, dtype)
    if use_cfg:
        negative = negative.to(device, dtype)
        if negative.shape[0] != 1 or positive.shape[0] != 1:
            raise ValueError("expected one positive and one negative text embedding")
    batched_cfg = use_cfg and negative.shape == positive.shape

    scheduler = make_scheduler(settings.scheduler, settings.beta_schedule)
    scheduler.set_timesteps(settings.steps, device=device)
    generator = torch.Generator("cpu").manual_seed(int(settings.seed))
    shape = (1, 4, num_frames, height // 8, width // 8)
    latents = torch.randn(shape, generator=generator, dtype=torch.float32).to(device)
    latents = latents * scheduler.init_noise_sigma

    windows = context_windows(num_frames, settings.context_length, settings.context_overlap)
    weights = [window_weights(s, e, num_frames, settings.context_overlap).to(device) for s, e in windows]
    features_for = _GuidanceFeatures(guidance, windows, dtype, device)

    def predict(x: torch.Tensor, t, start: int, stop: int, guided: bool) -> torch.Tensor:
        frames = stop - start
        def unet_call(sample, text, batch):
            if guided:
                injection.set(expand_for_batch(features_for(start, stop), batch, settings.guidance_strength))
            else:
                injection.set(None)
            return unet(sample.to(dtype), t, encoder_hidden_states=_text_batch(text, frames)).sample.float()
        if not use_cfg:
            return unet_call(x, positive, 1)
        if batched_cfg:
            both = unet_call(torch.cat([x, x]), torch.cat([negative, positive]), 2)
            uncond, cond = both.chunk(2)
        else:  # prompts of different token lengths cannot share a batch
            uncond, cond = unet_call(x, negative, 1), unet_call(x, positive, 1)
        return uncond + settings.cfg * (cond - uncond)

    with HeatmapInjection(unet) as injection:
        for i, t in enumerate(scheduler.timesteps):
            if interrupt is not None:
                interrupt()
            guided = guidance is not None and settings.guidance_active(i)
            model_in = scheduler.scale_model_input(latents, t)
            noise = torch.zeros_like(latents)
            total = torch.zeros(num_frames, device=device)
            for (start, stop), w in zip(windows, weights):
                eps = predict(model_in[:, :, start:stop], t, start, stop, guided)
                noise[:, :, start:stop] += eps * w[None, None, :, None, None]
                total[start:stop] += w
            noise = noise / total[None, None, :, None, None]
            latents = scheduler.step(noise, t, latents, generator=generator).prev_sample
            if progress is not None:
                progress(i + 1, settings.steps)
    return latents[0].permute(1, 0, 2, 3).contiguous()
