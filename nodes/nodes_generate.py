"""Node wrappers for the generation stage: the Multi-scale Heatmap Encoder and the AnimateDiff
Heatmap Sampler (spec 1.4). The work is in adapters/ and generation/."""
from __future__ import annotations

from pathlib import Path

import folder_paths
import torch
from comfy_api.latest import io, ui

from ..adapters.encoder import load_encoder
from ..adapters.guidance import HeatmapGuidance
from ..adapters.heatmaps import DEFAULT_SIGMA_SCALE, check_image_size, heatmap_preview
from ..skeleton.errors import PoseDataError
from .common import MODEL_FOLDER, combo_errors, user_error
from .types import CATEGORY, GuidanceType, Pose2D

NO_ADAPTER = "[none] heatmaps only"
ADAPTER_MARKER = "adapter"
DEFAULT_LONG_SIDE = 512
PREVIEW_FRAMES_MAX = 256  # frames of heatmap preview sent to the UI


def adapter_choices() -> list[str]:
    """Adapters in models/finephys (<name>.safetensors + <name>.json, 'adapter' in the name)."""
    found = []
    for name in folder_paths.get_filename_list(MODEL_FOLDER):
        path = folder_paths.get_full_path(MODEL_FOLDER, name)
        if path and Path(path).with_suffix(".json").is_file() and ADAPTER_MARKER in Path(name).stem:
            found.append(name)
    return [NO_ADAPTER] + found


def generation_size(pose_size: tuple[int, int], width: int, height: int) -> tuple[int, int]:
    """Width/height 0: the pose's aspect ratio with the long side DEFAULT_LONG_SIDE, each side
    rounded to a multiple of 64."""
    if width and height:
        return width, height
    w, h = pose_size
    scale = DEFAULT_LONG_SIDE / max(w, h)
    auto_w, auto_h = (max(64, int(round(v * scale / 64)) * 64) for v in (w, h))
    if width:
        return width, max(64, int(round(width * h / w / 64)) * 64)
    if height:
        return max(64, int(round(height * w / h / 64)) * 64), height
    return auto_w, auto_h


class HeatmapEncoder(io.ComfyNode):
    DISPLAY = "FinePhys Multi-scale Heatmap Encoder"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_HeatmapEncoder",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Draws each frame's 2D skeleton as heatmaps (a Gaussian per joint and per "
            "limb, sized to the person, weighted by confidence) and pairs them with the adapter "
            "that turns them into features at SD1.5's four encoder scales (320 @ 1/8, 640 @ 1/16, "
            "1280 @ 1/32, 1280 @ 1/64). Connect to the AnimateDiff Heatmap Sampler.",
            inputs=[
                Pose2D.Input("pose_2d", tooltip="The skeleton to follow: Fuse & Project's pose_2d, "
                             "Pose Detect, or a loaded 2D pose file."),
                io.Combo.Input("adapter", options=adapter_choices(), default=NO_ADAPTER,
                               tooltip="Heatmap encoder weights from models/finephys/ (<name>.safetensors "
                               "+ <name>.json, 'adapter' in the name; made by training/train_adapter.py). "
                               "'[none]' only draws the heatmaps."),
                io.Int.Input("width", default=0, min=0, max=4096, step=64,
                             tooltip="Generation width, a multiple of 64 (0: the pose's aspect ratio, "
                             f"{DEFAULT_LONG_SIDE} px on the long side)."),
                io.Int.Input("height", default=0, min=0, max=4096, step=64,
                             tooltip="Generation height, a multiple of 64 (0: from the aspect ratio)."),
                io.Float.Input("sigma_scale", default=DEFAULT_SIGMA_SCALE, min=0.005, max=0.2, step=0.005,
                               tooltip="Without an adapter: Gaussian size as a fraction of the person's "
                               "size (an adapter uses the value it was trained with)."),
            ],
            outputs=[
                GuidanceType.Output("guidance", tooltip="Heatmaps + adapter, for the sampler."),
                io.Image.Output("heatmap_preview", tooltip="The heatmaps in colour, one image per frame."),
                io.Int.Output("guidance_width"),
                io.Int.Output("guidance_height"),
                io.Int.Output("frame_count"),
            ],
        )

    @classmethod
    def validate_inputs(cls, adapter: str) -> bool | str:
        return combo_errors(cls, adapter=adapter)

    @classmethod
    def execute(cls, pose_2d, adapter: str, width: int, height: int, sigma_scale: float) -> io.NodeOutput:
        try:
            w, h = generation_size(pose_2d.image_size, width, height)
            check_image_size(w, h)
            encoder = None
            if adapter != NO_ADAPTER:
                path = folder_paths.get_full_path(MODEL_FOLDER, adapter)
                if path is None:
                    raise PoseDataError(f"{adapter!r} not found in models/{MODEL_FOLDER}/")
                encoder = load_encoder(path)
            guidance = HeatmapGuidance(pose_2d, encoder, w, h, sigma_scale=sigma_scale)
            frames = min(pose_2d.num_frames, PREVIEW_FRAMES_MAX)
            preview = heatmap_preview(guidance.heatmaps(0, frames), w, h)
        except PoseDataError as exc:
            raise user_error(cls.DISPLAY, exc) from None
        return io.NodeOutput(guidance, preview, w, h, pose_2d.num_frames, ui=ui.PreviewImage(preview[:16], cls=cls))


# ---------------------------------------------------------------------------------------------
# AnimateDiff Heatmap Sampler

MOTION_FOLDER = "animatediff_models"
MOTION_EXTENSIONS = {".safetensors", ".ckpt", ".pt", ".pth"}
NO_LORA = "None"
NO_MOTION_MODULE = "[none found: put mm_sd_v15_v2 in models/animatediff_models]"
DEFAULT_SIZE, DEFAULT_FRAMES = 512, 16


def register_motion_folder() -> None:
    """models/animatediff_models, the folder AnimateDiff-Evolved users already have."""
    import os

    default = os.path.join(folder_paths.models_dir, MOTION_FOLDER)
    folder_paths.add_model_folder_path(MOTION_FOLDER, default)
    paths = folder_paths.folder_names_and_paths[MOTION_FOLDER][0]
    folder_paths.folder_names_and_paths[MOTION_FOLDER] = (paths, set(MOTION_EXTENSIONS))


def motion_module_choices() -> list[str]:
    found = folder_paths.get_filename_list(MOTION_FOLDER)
    return found or [NO_MOTION_MODULE]


def lora_choices() -> list[str]:
    return [NO_LORA] + folder_paths.get_filename_list("loras")


def patched_unet_state(model) -> dict:
    """The MODEL's UNet weights in LDM layout, fp32 on the CPU, with its patches (LoRAs from
    Load LoRA or our lora input) applied the way ComfyUI applies them; the MODEL itself is not
    modified."""
    import comfy.lora

    prefix = "diffusion_model."
    state = {}
    for key, value in model.model.diffusion_model.state_dict().items():
        weight = value.detach().to("cpu", torch.float32, copy=True)
        patches = model.patches.get(prefix + key)
        if patches:
            weight = comfy.lora.calculate_weight(patches, weight, prefix + key)
        state[key] = weight
    return state


def text_embedding(conditioning, what: str) -> torch.Tensor:
    """CONDITIONING (CLIP Text Encode's [[tensor [1, tokens, 768], {...}], ...]) -> the first
    entry's tensor."""
    try:
        tensor = conditioning[0][0]
    except (TypeError, IndexError, KeyError):
        raise PoseDataError(f"{what}: not a CONDITIONING from CLIP Text Encode") from None
    if not isinstance(tensor, torch.Tensor) or tensor.ndim != 3 or tensor.shape[0] != 1:
        raise PoseDataError(f"{what}: expected a text embedding [1, tokens, 768], got "
                            f"{getattr(tensor, 'shape', type(tensor).__name__)}")
    if tensor.shape[-1] != 768:
        raise PoseDataError(f"{what}: text embedding width {tensor.shape[-1]}, SD1.5 uses 768 (CLIP ViT-L); "
                            "encode the prompt with the SD1.5 checkpoint's CLIP")
    return tensor.float()


_MOTION_UNET_CACHE: dict = {}  # one entry: rebuilding costs a full UNet conversion


def motion_unet_for(model, motion_module: str, lora: str, lora_strength: float):
    """UNetMotionModel for this MODEL + motion module (+ LoRA), cached while they stay the same."""
    import comfy.sd
    import comfy.utils

    from ..generation.motion_module import load_motion_adapter
    from ..generation.unet import motion_unet, unet_config_from_comfy, unet_from_ldm

    if motion_module == NO_MOTION_MODULE:
        raise PoseDataError(f"no motion module: put mm_sd_v15_v2.safetensors (or .ckpt) in models/{MOTION_FOLDER}/")
    motion_path = folder_paths.get_full_path(MOTION_FOLDER, motion_module)
    if motion_path is None:
        raise PoseDataError(f"{motion_module!r} not found in models/{MOTION_FOLDER}/")
    lora_path = None
    if lora != NO_LORA:
        lora_path = folder_paths.get_full_path("loras", lora)
        if lora_path is None:
            raise PoseDataError(f"{lora!r} not found in models/loras/")
    stamp = lambda p: (p, Path(p).stat().st_mtime_ns) if p else None  # noqa: E731
    key = (id(model.model), getattr(model, "patches_uuid", None), stamp(motion_path), stamp(lora_path), lora_strength)
    if key in _MOTION_UNET_CACHE:
        return _MOTION_UNET_CACHE[key]
    _MOTION_UNET_CACHE.clear()
    model_config = getattr(model.model, "model_config", None)
    config = unet_config_from_comfy(dict(getattr(model_config, "unet_config", {}) or {}))
    if lora_path is not None and lora_strength != 0:
        lora_sd = comfy.utils.load_torch_file(lora_path, safe_load=True)
        model, _ = comfy.sd.load_lora_for_models(model, None, lora_sd, lora_strength, 0)
    unet2d = unet_from_ldm(patched_unet_state(model), config, name="MODEL")
    adapter, info = load_motion_adapter(motion_path)
    unet = motion_unet(unet2d, adapter, info, name=motion_module)
    _MOTION_UNET_CACHE[key] = unet
    return unet


class AnimateDiffSampler(io.ComfyNode):
    DISPLAY = "FinePhys AnimateDiff Heatmap Sampler"

    @classmethod
    def define_schema(cls) -> io.Schema:
        from ..generation.schedulers import BETA_SCHEDULES, SCHEDULERS

        return io.Schema(
            node_id="FinePhys_AnimateDiffSampler",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Generates a video with SD1.5 + an AnimateDiff motion module, the skeleton "
            "heatmaps guiding every frame (features added at each UNet encoder stage). Long clips "
            "run in overlapping context windows. Output: LATENT for VAE Decode.",
            inputs=[
                io.Model.Input("model", tooltip="An SD1.5 MODEL (Load Checkpoint; Load LoRA may come first)."),
                io.Conditioning.Input("positive", tooltip="CLIP Text Encode of the prompt."),
                io.Conditioning.Input("negative", tooltip="CLIP Text Encode of the negative prompt."),
                io.Combo.Input("motion_module", options=motion_module_choices(),
                               tooltip=f"AnimateDiff SD1.5 motion module from models/{MOTION_FOLDER}/ "
                               "(mm_sd_v15_v2 .safetensors or .ckpt; .ckpt files are read weights-only)."),
                GuidanceType.Input("guidance", optional=True,
                                   tooltip="Skeleton heatmaps + adapter (Multi-scale Heatmap Encoder). "
                                   "Without it: plain AnimateDiff."),
                io.Combo.Input("lora", options=lora_choices(), default=NO_LORA,
                               tooltip="Optional LoRA from models/loras/ (e.g. our trained FinePhys LoRA)."),
                io.Float.Input("lora_strength", default=1.0, min=-4.0, max=4.0, step=0.05,
                               tooltip="How strongly the LoRA changes the UNet (0: off)."),
                io.Int.Input("seed", default=0, min=0, max=0xFFFFFFFFFFFFFFFF, control_after_generate=True,
                             tooltip="Starting noise: the same seed and settings give the same video."),
                io.Int.Input("steps", default=20, min=1, max=200, tooltip="Denoising steps."),
                io.Float.Input("cfg", default=7.5, min=1.0, max=30.0, step=0.1,
                               tooltip="Classifier-free guidance scale (1: the prompt alone)."),
                io.Combo.Input("scheduler", options=list(SCHEDULERS), default="ddim",
                               tooltip="DDIM, Euler, Euler ancestral, DPM++ 2M, DPM++ 2M with Karras sigmas."),
                io.Combo.Input("beta_schedule", options=list(BETA_SCHEDULES), default="scaled_linear",
                               tooltip="scaled_linear: SD1.5's own (ComfyUI's); linear: AnimateDiff's "
                               "original inference setting."),
                io.Int.Input("width", default=0, min=0, max=4096, step=8,
                             tooltip=f"0: the guidance's width ({DEFAULT_SIZE} without guidance)."),
                io.Int.Input("height", default=0, min=0, max=4096, step=8,
                             tooltip=f"0: the guidance's height ({DEFAULT_SIZE} without guidance)."),
                io.Int.Input("frames", default=0, min=0, max=4096,
                             tooltip=f"0: one per guidance frame ({DEFAULT_FRAMES} without guidance)."),
                io.Float.Input("guidance_strength", default=1.0, min=0.0, max=5.0, step=0.05,
                               tooltip="Scale of the heatmap features added to the UNet."),
                io.Float.Input("guidance_start", default=0.0, min=0.0, max=1.0, step=0.01,
                               tooltip="Fraction of the steps after which the skeleton guides."),
                io.Float.Input("guidance_end", default=1.0, min=0.0, max=1.0, step=0.01,
                               tooltip="Fraction of the steps after which it stops."),
                io.Int.Input("context_length", default=16, min=2, max=64,
                             tooltip="Frames per window (the motion module was trained on 16)."),
                io.Int.Input("context_overlap", default=4, min=0, max=32,
                             tooltip="Frames shared by neighbouring windows, blended."),
            ],
            outputs=[io.Latent.Output("latent", tooltip="Connect to VAE Decode.")],
        )

    @classmethod
    def validate_inputs(cls, motion_module: str, lora: str, scheduler: str, beta_schedule: str) -> bool | str:
        return combo_errors(cls, motion_module=motion_module, lora=lora, scheduler=scheduler,
                            beta_schedule=beta_schedule)

    @classmethod
    def execute(cls, model, positive, negative, motion_module: str, lora: str, lora_strength: float, seed: int,
                steps: int, cfg: float, scheduler: str, beta_schedule: str, width: int, height: int, frames: int,
                guidance_strength: float, guidance_start: float, guidance_end: float, context_length: int,
                context_overlap: int, guidance=None) -> io.NodeOutput:
        import comfy.model_management
        import comfy.utils

        from ..generation.sampler import SamplerSettings, sample_video

        try:
            w = width or (guidance.width if guidance is not None else DEFAULT_SIZE)
            h = height or (guidance.height if guidance is not None else DEFAULT_SIZE)
            n = frames or (guidance.num_frames if guidance is not None else DEFAULT_FRAMES)
            if w % 8 or h % 8:
                raise PoseDataError(f"width and height must be multiples of 8, got {w}x{h}")
            if guidance is not None and guidance.encoder is None:
                from ..adapters.guidance import NO_ENCODER
                raise PoseDataError(NO_ENCODER)
            settings = SamplerSettings(steps=steps, cfg=cfg, seed=seed, scheduler=scheduler,
                                       beta_schedule=beta_schedule, guidance_strength=guidance_strength,
                                       guidance_start=guidance_start, guidance_end=guidance_end,
                                       context_length=context_length,
                                       context_overlap=min(context_overlap, context_length - 1))
            settings.check()
            pos, neg = text_embedding(positive, "positive"), text_embedding(negative, "negative")
            unet = motion_unet_for(model, motion_module, lora, lora_strength)
            device = comfy.model_management.get_torch_device()
            dtype = torch.float16 if device.type == "cuda" else torch.float32
            if device.type != "cpu":  # make room: ComfyUI's own copy of the UNet is not used here
                comfy.model_management.unload_all_models()
                comfy.model_management.soft_empty_cache()
            unet.to(device=device, dtype=dtype)
            bar = comfy.utils.ProgressBar(steps)
            latents = sample_video(unet, pos, neg, n, w, h, settings, guidance,
                                   progress=lambda done, total: bar.update_absolute(done, total),
                                   interrupt=comfy.model_management.throw_exception_if_processing_interrupted)
            if device.type != "cpu":
                unet.to("cpu")
        except (PoseDataError, ValueError) as exc:
            raise ValueError(f"{cls.DISPLAY}: {exc}") from None
        samples = model.model.latent_format.process_out(latents.cpu().float())
        return io.NodeOutput({"samples": samples})
