"""SD1.5's parts from one single-file checkpoint (the .safetensors users have in
models/checkpoints): UNet, VAE and CLIP text encoder, with the configs shipped in configs/
(or a folder of unet.json / vae.json / text_encoder.json for other sizes), and a CLIP
tokenizer from a local folder. For training and scripts; the ComfyUI nodes get these parts
from ComfyUI's own loaders. Nothing is fetched."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from ..skeleton.errors import PoseDataError
from .unet import CONFIG_DIR, unet_from_ldm

CONFIG_FILES = {"unet": "sd15_unet.json", "vae": "sd15_vae.json", "text_encoder": "sd15_text_encoder.json"}


@dataclass
class SD15Parts:
    unet: Any  # diffusers UNet2DConditionModel
    vae: Any  # diffusers AutoencoderKL
    text_encoder: Any  # transformers CLIPTextModel


def _config(kind: str, config_dir: Optional[Path]) -> dict:
    path = (Path(config_dir) / f"{kind}.json") if config_dir else CONFIG_DIR / CONFIG_FILES[kind]
    config = json.loads(path.read_text())
    config.pop("_class_name", None)
    return config


def load_sd15_single_file(path: Union[str, Path], config_dir: Optional[Union[str, Path]] = None) -> SD15Parts:
    """UNet, VAE and text encoder (fp32, eval) from an SD1.5 single-file checkpoint."""
    from diffusers import AutoencoderKL
    from diffusers.loaders.single_file_utils import convert_ldm_clip_checkpoint, convert_ldm_vae_checkpoint
    from safetensors.torch import load_file
    from transformers import CLIPTextConfig, CLIPTextModel

    path = Path(path)
    if not path.is_file():
        raise PoseDataError(f"checkpoint {path.name} not found in {path.parent} (an SD1.5 .safetensors belongs "
                            "in models/checkpoints/)")
    if path.suffix.lower() != ".safetensors":
        raise PoseDataError(f"{path.name}: use the .safetensors version of the checkpoint")
    try:
        state = load_file(str(path))
    except Exception as exc:
        raise PoseDataError(f"{path.name}: not a readable safetensors file ({exc})") from exc
    unet = unet_from_ldm(state, _config("unet", config_dir), name=path.name)
    vae_config = _config("vae", config_dir)
    vae = AutoencoderKL.from_config(vae_config)
    text_config = _config("text_encoder", config_dir)
    text_encoder = CLIPTextModel(CLIPTextConfig(**text_config))
    try:
        vae.load_state_dict({k: v.float() for k, v in convert_ldm_vae_checkpoint(state, vae_config).items()},
                            strict=True)
        clip_state = convert_ldm_clip_checkpoint(state)
        clip_state.pop("text_model.embeddings.position_ids", None)
        text_encoder.load_state_dict({k: v.float() for k, v in clip_state.items()}, strict=True)
    except (RuntimeError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise PoseDataError(f"{path.name}: the VAE or text encoder does not fit SD1.5 ({first})") from exc
    return SD15Parts(unet.eval(), vae.eval(), text_encoder.eval())


def comfy_tokenizer_dir() -> Optional[Path]:
    """ComfyUI's own SD1 tokenizer folder, when the host or a ComfyUI install is found."""
    candidates = [Path(__file__).resolve().parents[1] / ".host" / "comfyui" / "comfy" / "sd1_tokenizer"]
    try:
        import comfy  # inside ComfyUI
        candidates.insert(0, Path(comfy.__file__).resolve().parent / "sd1_tokenizer")
    except ImportError:
        pass
    return next((c for c in candidates if (c / "vocab.json").is_file()), None)


def load_tokenizer(folder: Optional[Union[str, Path]] = None):
    """CLIPTokenizer from a local folder with vocab.json + merges.txt (default: ComfyUI's)."""
    from transformers import CLIPTokenizer

    folder = Path(folder) if folder else comfy_tokenizer_dir()
    if folder is None or not (folder / "vocab.json").is_file() or not (folder / "merges.txt").is_file():
        raise PoseDataError("no CLIP tokenizer found: pass a folder with vocab.json and merges.txt "
                            "(ComfyUI has one in comfy/sd1_tokenizer/)")
    tokenizer = CLIPTokenizer.from_pretrained(str(folder), local_files_only=True)
    tokenizer.model_max_length = 77
    return tokenizer


def encode_text(tokenizer, text_encoder, prompts: list[str]):
    """[N, 77, width] CLIP last hidden states, as SD1.5 conditions on."""
    import torch

    tokens = tokenizer(prompts, padding="max_length", max_length=77, truncation=True, return_tensors="pt")
    with torch.no_grad():
        return text_encoder(tokens.input_ids.to(text_encoder.device)).last_hidden_state
