"""Tiny SD1.5-shaped models for fast tests: the real block layout (4 down blocks, cross
attention in the first three, a motion module after every layer) at small widths."""
from __future__ import annotations

import torch

TINY_WIDTHS = (32, 64, 64, 64)
TINY_TEXT_DIM = 32


def tiny_unet_config() -> dict:
    return dict(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=2,
        block_out_channels=TINY_WIDTHS,
        down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
        cross_attention_dim=TINY_TEXT_DIM, attention_head_dim=8, norm_num_groups=8,
    )


def tiny_motion_adapter_config() -> dict:
    return dict(block_out_channels=TINY_WIDTHS, motion_layers_per_block=2, motion_mid_block_layers_per_block=1,
                motion_num_attention_heads=2, motion_norm_num_groups=8, motion_max_seq_length=32,
                use_motion_mid_block=True)


def tiny_unet2d(seed: int = 0):
    from diffusers import UNet2DConditionModel

    torch.manual_seed(seed)
    return UNet2DConditionModel(**tiny_unet_config()).eval()


def tiny_motion_adapter(seed: int = 1):
    from diffusers import MotionAdapter

    torch.manual_seed(seed)
    return MotionAdapter(**tiny_motion_adapter_config()).eval()


def tiny_motion_unet(seed: int = 0):
    from diffusers import UNetMotionModel

    return UNetMotionModel.from_unet2d(tiny_unet2d(seed), tiny_motion_adapter(seed + 1)).eval()
