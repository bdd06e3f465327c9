"""AnimateDiff motion modules from a user's file (models/animatediff_models): .safetensors,
or .ckpt read with torch's weights-only unpickler (tensors and plain containers only; any
other object is refused), in the original AnimateDiff key layout or in diffusers' layout.

The architecture is read from the file (widths, layers per block, mid block, position
encoding length) and checked against what an SD1.5 UNet can take, so an SDXL motion module
or a different checkpoint gets a clear error instead of a shape mismatch deep in diffusers."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import torch

from ..skeleton.errors import PoseDataError

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
MOTION_FOLDER = "animatediff_models"
_MODULE = re.compile(r"^(down_blocks\.(\d+)|up_blocks\.(\d+)|mid_block)\.motion_modules\.(\d+)\.")


@dataclass(frozen=True)
class MotionModuleInfo:
    version: str  # "v1" (no mid block, 24 positions), "v2" (mid block, 32), "v3" (no mid, 32), "custom"
    config: dict  # diffusers MotionAdapter config

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(self.config["block_out_channels"])


def read_state_dict(path: Union[str, Path]) -> dict[str, torch.Tensor]:
    """Tensors of a .safetensors or .ckpt/.pt/.pth file, without running pickled code."""
    path = Path(path)
    if not path.is_file():
        raise PoseDataError(f"motion module {path.name} not found in {path.parent}")
    try:
        if path.suffix.lower() == ".safetensors":
            from safetensors.torch import load_file
            state = load_file(str(path))
        else:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PoseDataError(f"{path.name}: not a readable weights file ({first})") from exc
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise PoseDataError(f"{path.name}: holds no plain dictionary of tensors")
    return state


def to_diffusers_layout(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Original AnimateDiff keys -> diffusers MotionAdapter keys (diffusers' own renaming;
    the fixed sinusoidal position tables are dropped, diffusers rebuilds them)."""
    from diffusers.loaders.single_file_utils import convert_animatediff_checkpoint_to_diffusers

    if any(".temporal_transformer." in k for k in state):
        return convert_animatediff_checkpoint_to_diffusers(state)
    return {k: v for k, v in state.items() if ".pos_embed.pe" not in k}


def to_original_layout(state: dict[str, torch.Tensor], max_positions: int = 32) -> dict[str, torch.Tensor]:
    """diffusers MotionAdapter keys -> the original AnimateDiff layout (with its position
    tables), as the files users download are written; used to make test files."""
    out = {}
    for key, value in state.items():
        if ".pos_embed.pe" in key:
            continue
        key = re.sub(r"(motion_modules\.\d+)\.", r"\1.temporal_transformer.", key)
        key = (key.replace(".norm1.", ".norms.0.").replace(".norm2.", ".norms.1.").replace(".norm3.", ".ff_norm.")
               .replace(".attn1.", ".attention_blocks.0.").replace(".attn2.", ".attention_blocks.1."))
        out[key] = value
        if key.endswith("attention_blocks.0.to_q.weight") or key.endswith("attention_blocks.1.to_q.weight"):
            dim = value.shape[1]
            pe = key.replace("to_q.weight", "pos_encoder.pe")
            out[pe] = _sinusoid(max_positions, dim)
    return out


def _sinusoid(length: int, dim: int) -> torch.Tensor:
    position = torch.arange(length).unsqueeze(1)
    div = torch.exp(torch.arange(0, dim, 2) * (-torch.log(torch.tensor(10000.0)) / dim))
    pe = torch.zeros(1, length, dim)
    pe[0, :, 0::2] = torch.sin(position * div)
    pe[0, :, 1::2] = torch.cos(position * div)
    return pe


def inspect_motion_module(state: dict[str, torch.Tensor], name: str = "motion module") -> MotionModuleInfo:
    """The MotionAdapter config a state dict (either layout) describes."""
    down: dict[int, set[int]] = {}
    widths: dict[int, int] = {}
    mid: set[int] = set()
    positions = None
    for key, value in state.items():
        m = _MODULE.match(key)
        if not m:
            continue
        if m.group(2) is not None:
            block = int(m.group(2))
            down.setdefault(block, set()).add(int(m.group(4)))
            if key.endswith("proj_in.weight"):
                widths[block] = int(value.shape[0])
        elif m.group(1) == "mid_block":
            mid.add(int(m.group(4)))
        if key.endswith("pos_encoder.pe") and positions is None:
            positions = int(value.shape[1])
    if not down or sorted(widths) != sorted(down) or sorted(down) != list(range(len(down))):
        raise PoseDataError(f"{name}: not an AnimateDiff motion module (no down-block motion modules found)")
    layers = {len(v) for v in down.values()}
    if len(layers) != 1:
        raise PoseDataError(f"{name}: uneven motion layers per block {sorted(layers)}")
    reference = json.loads((CONFIG_DIR / "mm_sd_v15_v2.json").read_text())
    reference.pop("_class_name", None)
    config = dict(reference)
    config.update(block_out_channels=[widths[b] for b in sorted(widths)], motion_layers_per_block=layers.pop(),
                  use_motion_mid_block=bool(mid), motion_mid_block_layers_per_block=max(1, len(mid)),
                  motion_max_seq_length=positions or reference["motion_max_seq_length"])
    if config == reference:
        version = "v2"
    elif config == {**reference, "use_motion_mid_block": False, "motion_max_seq_length": 24}:
        version = "v1"
    elif config == {**reference, "use_motion_mid_block": False}:
        version = "v3"  # v3_sd15_mm: v1's layout with v2's 32 positions
    else:
        version = "custom"
    return MotionModuleInfo(version, config)


def check_fits_unet(info: MotionModuleInfo, unet_widths: tuple[int, ...], layers_per_block: int,
                    name: str = "motion module") -> None:
    """A clear error when a motion module cannot join this UNet (an SDXL module, say)."""
    if tuple(unet_widths) != info.widths:
        hint = " (an SDXL motion module?)" if len(info.widths) == 3 else ""
        raise PoseDataError(f"{name}: made for a UNet with block widths {list(info.widths)}{hint}; this "
                            f"model has {list(unet_widths)}. Use an SD1.5 motion module such as mm_sd_v15_v2")
    if info.config["motion_layers_per_block"] != layers_per_block:
        raise PoseDataError(f"{name}: {info.config['motion_layers_per_block']} motion layers per block, the UNet "
                            f"has {layers_per_block} layers per block")


def load_motion_adapter(path: Union[str, Path]):
    """(diffusers MotionAdapter with the file's weights, MotionModuleInfo)."""
    from diffusers import MotionAdapter

    path = Path(path)
    raw = read_state_dict(path)
    info = inspect_motion_module(raw, path.name)
    state = to_diffusers_layout(raw)
    adapter = MotionAdapter.from_config(info.config)
    try:
        result = adapter.load_state_dict(state, strict=False)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[1:2] or [str(exc)]
        raise PoseDataError(f"{path.name}: weights do not fit an AnimateDiff {info.version} motion module "
                            f"({first[0].strip()})") from exc
    missing = [k for k in result.missing_keys if ".pos_embed.pe" not in k]
    if missing or result.unexpected_keys:
        shown = (missing or result.unexpected_keys)[:3]
        raise PoseDataError(f"{path.name}: weights do not fit an AnimateDiff {info.version} motion module "
                            f"({len(missing)} missing, {len(result.unexpected_keys)} unexpected, e.g. {shown})")
    return adapter.eval(), info
