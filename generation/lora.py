"""The spatial LoRA (spec 1.3: rank 64 on the spatial attention projections) on a diffusers
UNet, and its file format.

Files use the kohya naming that ComfyUI's Load LoRA (and our sampler's lora input) reads:
lora_unet_<diffusers module path with dots as underscores>.{lora_down,lora_up}.weight and
.alpha, so a LoRA trained here loads unchanged into any SD1.5 graph. The motion modules'
attention (named like the spatial one) is never targeted."""
from __future__ import annotations

import re

import torch

# spatial attention only: down/mid/up "attentions", not "motion_modules"
SPATIAL_ATTENTION = r".*attentions\.\d+\.transformer_blocks\.\d+\.attn[12]\.(to_q|to_k|to_v|to_out\.0)"
_PEFT_DOWN = re.compile(r"^(.*)\.lora_A(?:\.default)?\.weight$")


def add_spatial_lora(unet: torch.nn.Module, rank: int = 64, alpha: float | None = None) -> None:
    """Wrap the spatial attention projections with trainable LoRA layers (peft)."""
    from peft import LoraConfig

    unet.add_adapter(LoraConfig(r=rank, lora_alpha=alpha if alpha is not None else rank, init_lora_weights="gaussian",
                                target_modules=SPATIAL_ATTENTION))


def lora_state_kohya(unet: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The LoRA weights of a peft-wrapped UNet in kohya naming, with alpha per module."""
    from peft.tuners.lora import LoraLayer

    out = {}
    for name, module in unet.named_modules():
        if not isinstance(module, LoraLayer) or "default" not in module.lora_A:
            continue
        key = "lora_unet_" + name.replace(".", "_")
        out[f"{key}.lora_down.weight"] = module.lora_A["default"].weight.detach().float().cpu().contiguous()
        out[f"{key}.lora_up.weight"] = module.lora_B["default"].weight.detach().float().cpu().contiguous()
        out[f"{key}.alpha"] = torch.tensor(float(module.lora_alpha["default"]))
    if not out:
        raise ValueError("the UNet has no LoRA layers (add_spatial_lora first)")
    return out


def merge_kohya_lora(unet: torch.nn.Module, lora: dict[str, torch.Tensor], strength: float = 1.0) -> int:
    """Add a kohya-named LoRA into a plain diffusers UNet's weights (W += s * alpha/r * up @ down),
    as ComfyUI does; returns the number of layers changed. Unknown keys are an error."""
    modules = {"lora_unet_" + name.replace(".", "_"): m for name, m in unet.named_modules()}
    changed = 0
    for key in sorted(k for k in lora if k.endswith(".lora_down.weight")):
        base = key[: -len(".lora_down.weight")]
        if base not in modules:
            raise ValueError(f"LoRA key {base} names no layer of this UNet")
        down, up = lora[key].float(), lora[f"{base}.lora_up.weight"].float()
        alpha = float(lora.get(f"{base}.alpha", torch.tensor(float(down.shape[0]))))
        weight = modules[base].weight
        delta = (up.flatten(1) @ down.flatten(1)).reshape(weight.shape) * (alpha / down.shape[0]) * strength
        with torch.no_grad():
            weight += delta.to(device=weight.device, dtype=weight.dtype)
        changed += 1
    return changed
