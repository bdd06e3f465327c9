"""Loading the generation models from users' files: AnimateDiff motion modules in the
original layout (.safetensors and .ckpt without unpickling objects), version detection, SD1.5
UNet weights in the LDM single-file layout, and clear errors for the wrong files."""
import json
import pickle

import pytest
import torch
from safetensors.torch import save_file

from fp_tiny_models import (TINY_TEXT_DIM, diffusers_unet_to_ldm, tiny_motion_adapter, tiny_unet2d,
                            tiny_unet_config)
from finephys.generation.motion_module import (CONFIG_DIR, inspect_motion_module, load_motion_adapter,
                                               to_original_layout)
from finephys.generation.sampler import SamplerSettings, sample_video
from finephys.generation.unet import motion_unet, sd15_unet_config, unet_config_from_comfy, unet_from_ldm
from finephys.skeleton.errors import PoseDataError

ATTENTION_LEVELS = (True, True, True, False)


def _tiny_unet_config() -> dict:
    config = sd15_unet_config()
    config.update(tiny_unet_config())
    return config


@pytest.fixture(scope="module")
def motion_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("animatediff_models")
    adapter = tiny_motion_adapter()
    original = to_original_layout(adapter.state_dict())
    save_file({k: v.contiguous() for k, v in original.items()}, str(folder / "mm_tiny.safetensors"))
    torch.save(original, folder / "mm_tiny.ckpt")
    torch.save({"state_dict": original}, folder / "mm_tiny_wrapped.ckpt")
    return folder, adapter


def test_original_layout_files_load_exactly(motion_files):
    folder, adapter = motion_files
    reference = adapter.state_dict()
    for name in ("mm_tiny.safetensors", "mm_tiny.ckpt", "mm_tiny_wrapped.ckpt"):
        loaded, info = load_motion_adapter(folder / name)
        assert info.widths == (32, 64, 64, 64) and info.version == "custom"
        state = loaded.state_dict()
        assert state.keys() == reference.keys()
        assert all(torch.equal(state[k], reference[k]) for k in reference), name
    keys = list(to_original_layout(adapter.state_dict()))
    assert any(k.endswith("temporal_transformer.transformer_blocks.0.attention_blocks.0.pos_encoder.pe") for k in keys)


def test_versions_are_told_apart_at_real_sd15_shapes():
    from diffusers import MotionAdapter

    v2 = json.loads((CONFIG_DIR / "mm_sd_v15_v2.json").read_text())
    v2.pop("_class_name")
    with torch.device("meta"):
        state = MotionAdapter.from_config(v2).state_dict()
    assert inspect_motion_module(to_original_layout(state, 32)).version == "v2"
    v1 = dict(v2, use_motion_mid_block=False, motion_max_seq_length=24)
    with torch.device("meta"):
        state = MotionAdapter.from_config(v1).state_dict()
    info = inspect_motion_module(to_original_layout(state, 24))
    assert info.version == "v1" and not info.config["use_motion_mid_block"]
    assert inspect_motion_module(to_original_layout(state, 32)).version == "v3"


class _Payload:
    def __reduce__(self):
        import os
        return (os.system, ("touch PWNED_MARKER",))


def test_a_ckpt_with_pickled_code_is_refused_without_running_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.ckpt"
    with open(path, "wb") as f:
        pickle.dump({"down_blocks.0.motion_modules.0.proj_in.weight": _Payload()}, f)
    with pytest.raises(PoseDataError, match="evil.ckpt: not a readable weights file"):
        load_motion_adapter(path)
    assert not (tmp_path / "PWNED_MARKER").exists()


def test_wrong_files_give_clear_errors(tmp_path, motion_files):
    (tmp_path / "corrupt.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(PoseDataError, match="corrupt.safetensors: not a readable weights file"):
        load_motion_adapter(tmp_path / "corrupt.safetensors")
    save_file({"conv.weight": torch.zeros(2, 2)}, str(tmp_path / "lora.safetensors"))
    with pytest.raises(PoseDataError, match="not an AnimateDiff motion module"):
        load_motion_adapter(tmp_path / "lora.safetensors")
    with pytest.raises(PoseDataError, match="missing.ckpt not found"):
        load_motion_adapter(tmp_path / "missing.ckpt")
    # a motion module for another UNet (three blocks, as SDXL's) cannot join an SD1.5 UNet
    folder, _ = motion_files
    adapter, info = load_motion_adapter(folder / "mm_tiny.safetensors")
    sdxl_like = type(info)("custom", dict(info.config, block_out_channels=[320, 640, 1280]))
    with pytest.raises(PoseDataError, match="SDXL motion module"):
        motion_unet(tiny_unet2d(), adapter, sdxl_like)
    truncated = {k: v for k, v in to_original_layout(adapter.state_dict()).items() if "proj_out" not in k}
    save_file({k: v.contiguous() for k, v in truncated.items()}, str(tmp_path / "truncated.safetensors"))
    with pytest.raises(PoseDataError, match="truncated.safetensors: weights do not fit"):
        load_motion_adapter(tmp_path / "truncated.safetensors")


def test_ldm_unet_weights_convert_exactly_and_wrong_ones_fail():
    unet = tiny_unet2d()
    ldm = diffusers_unet_to_ldm(unet.state_dict(), 2, ATTENTION_LEVELS)
    back = unet_from_ldm(ldm, _tiny_unet_config())
    reference = unet.state_dict()
    assert all(torch.equal(back.state_dict()[k], v) for k, v in reference.items())
    with pytest.raises(PoseDataError, match="do not fit"):
        unet_from_ldm(ldm, sd15_unet_config(), name="tiny.safetensors")


SD15_COMFY = {"use_checkpoint": False, "image_size": 32, "out_channels": 4, "use_spatial_transformer": True,
              "legacy": False, "adm_in_channels": None, "in_channels": 4, "model_channels": 320,
              "num_res_blocks": [2, 2, 2, 2], "transformer_depth": [1, 1, 1, 1, 1, 1, 0, 0],
              "channel_mult": [1, 2, 4, 4], "transformer_depth_middle": 1, "use_linear_in_transformer": False,
              "context_dim": 768, "num_heads": 8, "num_head_channels": -1,
              "transformer_depth_output": [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1], "use_temporal_attention": False}


def test_comfy_unet_config_maps_to_the_shipped_sd15_config_and_refuses_others():
    assert unet_config_from_comfy(SD15_COMFY) == sd15_unet_config()
    for other in (dict(SD15_COMFY, context_dim=2048, adm_in_channels=2816),  # SDXL
                  dict(SD15_COMFY, context_dim=1024, num_heads=-1, use_linear_in_transformer=True),  # SD2
                  dict(SD15_COMFY, in_channels=9)):  # inpainting
        with pytest.raises(PoseDataError, match="not SD1.5"):
            unet_config_from_comfy(other)


def test_files_to_video_end_to_end(motion_files):
    folder, _ = motion_files
    unet2d = unet_from_ldm(diffusers_unet_to_ldm(tiny_unet2d().state_dict(), 2, ATTENTION_LEVELS),
                           _tiny_unet_config())
    adapter, info = load_motion_adapter(folder / "mm_tiny.ckpt")
    unet = motion_unet(unet2d, adapter, info)
    text = torch.randn(1, 77, TINY_TEXT_DIM)
    video = sample_video(unet, text, torch.zeros_like(text), 6, 64, 64, SamplerSettings(steps=2))
    assert video.shape == (6, 4, 8, 8) and torch.isfinite(video).all()
