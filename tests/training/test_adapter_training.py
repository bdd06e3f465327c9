"""The generation-side training step on tiny SD1.5-shaped models: the three losses, frozen
UNet and motion module, a falling loss on a fixed evaluation draw, and files that load into
the sampler (adapter + kohya-named LoRA) and change what it makes."""
import math

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from fp_tiny_models import TINY_TEXT_DIM, TINY_WIDTHS, tiny_motion_unet
from finephys.adapters.encoder import HeatmapEncoderConfig, MultiScaleHeatmapEncoder, load_encoder, save_encoder
from finephys.adapters.guidance import HeatmapGuidance
from finephys.adapters.heatmaps import render_heatmaps
from finephys.generation.injection import HeatmapInjection
from finephys.generation.lora import add_spatial_lora, lora_state_kohya, merge_kohya_lora
from finephys.generation.sampler import SamplerSettings, sample_video
from finephys.skeleton.sequence import Pose2DSequence
from finephys.training.adapter_training import LossWeights, StepNoise, generation_losses, trainable_parameters
from finephys.training.generation_losses import ad_temporal_loss, appearance_debiased

FRAMES, SIZE = 6, 64


def _walking_figure(frames: int) -> Pose2DSequence:
    base = np.array([[0, 0], [-3, 0], [-3, 9], [-3, 18], [3, 0], [3, 9], [3, 18], [0, -5], [0, -10], [0, -12],
                     [0, -15], [5, -10], [8, -4], [9, 1], [-5, -10], [-8, -4], [-9, 1]], np.float32)
    kp = np.stack([base + np.array([16 + 5 * t, 34], np.float32) for t in range(frames)])
    return Pose2DSequence(kp, np.ones(kp.shape[:2], np.float32), (SIZE, SIZE))


def test_appearance_debiasing_removes_what_frames_share():
    shared = torch.randn(1, 4, 1, 8, 8)
    motion = torch.randn(1, 4, 5, 8, 8)
    eps = shared + motion
    # phi's anchor term cancels the shared part up to the sqrt(beta^2+1) - beta residue
    direct = appearance_debiased(eps, 2) - appearance_debiased(motion, 2)
    assert torch.allclose(direct, (math.sqrt(2) - 1) * shared.expand_as(eps), atol=1e-6)
    assert ad_temporal_loss(eps, eps, 0) == 0


def test_training_lowers_the_loss_and_the_files_drive_the_sampler(tmp_path):
    from diffusers import DDPMScheduler

    from finephys.generation.schedulers import scheduler_config

    torch.manual_seed(0)
    unet = tiny_motion_unet()
    frozen_before = {k: v.clone() for k, v in unet.state_dict().items()}
    add_spatial_lora(unet, rank=4)
    encoder = MultiScaleHeatmapEncoder(HeatmapEncoderConfig(unet_widths=TINY_WIDTHS, hidden=(16, 32, 32, 32)))
    params = trainable_parameters(unet, encoder)
    assert params and all(p.requires_grad for p in params)
    assert not any(p.requires_grad for n, p in unet.named_parameters() if "lora_" not in n)
    scheduler = DDPMScheduler.from_config(scheduler_config())
    optimiser = torch.optim.AdamW(params, lr=3e-3)

    pose = _walking_figure(FRAMES)
    heatmaps = render_heatmaps(pose, SIZE, SIZE)[None]  # [1, F, C, h, w]
    g = torch.Generator().manual_seed(0)
    latents = torch.randn(1, 4, FRAMES, SIZE // 8, SIZE // 8, generator=g)
    text = torch.randn(1, 77, TINY_TEXT_DIM, generator=g)
    weights = LossWeights()
    evaluation = [StepNoise.draw(latents, 1000, torch.Generator().manual_seed(100 + k)) for k in range(4)]

    with HeatmapInjection(unet) as injection:
        def eval_loss():
            with torch.no_grad():
                return float(np.mean([generation_losses(unet, encoder, scheduler, latents, text, heatmaps, d, weights,
                                                        injection)["total"] for d in evaluation]))
        before = eval_loss()
        for step in range(25):
            draw = evaluation[step % len(evaluation)]
            losses = generation_losses(unet, encoder, scheduler, latents, text, heatmaps, draw, weights, injection)
            assert set(losses) == {"spatial", "temporal", "ad_temporal", "total"}
            optimiser.zero_grad()
            losses["total"].backward()
            optimiser.step()
        after = eval_loss()
    assert after < 0.9 * before, (before, after)
    # the base UNet and the motion module did not move (peft keeps the originals as base_layer)
    state = unet.state_dict()
    for key, value in frozen_before.items():
        wrapped = key.replace(".weight", ".base_layer.weight").replace(".bias", ".base_layer.bias")
        assert torch.equal(state.get(key, state.get(wrapped)), value), key

    # files: the adapter (safetensors + json) and the LoRA in kohya naming
    adapter_path = save_encoder(encoder, tmp_path / "finephys_adapter_tiny.safetensors")
    save_file(lora_state_kohya(unet), str(tmp_path / "finephys_lora_tiny.safetensors"))

    fresh = tiny_motion_unet()
    settings = SamplerSettings(steps=2, seed=1)
    untrained = MultiScaleHeatmapEncoder(HeatmapEncoderConfig(unet_widths=TINY_WIDTHS, hidden=(16, 32, 32, 32)))
    base = sample_video(fresh, text, torch.zeros_like(text), FRAMES, SIZE, SIZE, settings,
                        HeatmapGuidance(pose, untrained, SIZE, SIZE))
    guided = sample_video(fresh, text, torch.zeros_like(text), FRAMES, SIZE, SIZE, settings,
                          HeatmapGuidance(pose, load_encoder(adapter_path), SIZE, SIZE))
    assert (guided - base).abs().mean() > 1e-3  # the trained adapter acts; a fresh one adds nothing
    changed = merge_kohya_lora(fresh, load_file(str(tmp_path / "finephys_lora_tiny.safetensors")))
    assert changed == len([k for k in lora_state_kohya(unet) if k.endswith("lora_down.weight")])
    with_lora = sample_video(fresh, text, torch.zeros_like(text), FRAMES, SIZE, SIZE, settings,
                             HeatmapGuidance(pose, load_encoder(adapter_path), SIZE, SIZE))
    assert (with_lora - guided).abs().mean() > 1e-4
    with pytest.raises(ValueError, match="names no layer"):
        merge_kohya_lora(fresh, {"lora_unet_nowhere.lora_down.weight": torch.zeros(1, 1),
                                 "lora_unet_nowhere.lora_up.weight": torch.zeros(1, 1)})
