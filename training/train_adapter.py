"""Train the generation side (spec 1.3): the multi-scale heatmap encoder and a spatial LoRA
(rank 64 on the spatial attention) with L_spat + L_temp + L_ad-temp, the SD1.5 UNet and the
AnimateDiff motion module frozen.

    .venv/bin/python training/train_adapter.py --checkpoint sd15.safetensors \\
        --motion-module mm_sd_v15_v2.safetensors --data clips/ --captions clips/captions.jsonl

Data: a folder of videos with a captions .csv/.jsonl (training/video_dataset.py); unusable
videos are skipped and listed. Each clip's guidance poses come from our own pipeline
(Pose Detect -> ICL Lift 3D -> PhysNet -> fuse -> project; training/pose_cache.py), cached.
FineGym clips (--finegym) join the videos; image + skeleton pairs (--pairs, HumanArt's COCO
layout) pre-train first for --pairs-steps steps with L_spat alone.
Writes <out>/<name>_adapter.safetensors + .json (the encoder, for the Multi-scale Heatmap
Encoder node: put both in models/finephys/) and <out>/<name>_lora.safetensors (kohya naming,
for models/loras/ and the sampler's lora input), plus <name>_metrics.json with the loss on a
fixed evaluation draw before and after training. Seeded; resumable from
<out>/<name>.resume/; `accelerate launch` for several GPUs; --mixed-precision fp16/bf16 and
--gradient-checkpointing for memory.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent


def _package():
    sys.path.insert(0, str(REPO / "scripts"))
    from _package import load_package

    return load_package()


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="SD1.5 single-file .safetensors")
    p.add_argument("--motion-module", required=True, help="AnimateDiff motion module (.safetensors or .ckpt)")
    p.add_argument("--data", default=None, help="folder of training videos")
    p.add_argument("--captions", default=None, help="captions .csv or .jsonl (paths relative to --data)")
    p.add_argument("--finegym", nargs=4, default=None, metavar=("ANNOTATION", "LABELS", "CATEGORIES", "VIDEOS"),
                   help="FineGym annotation JSON, element label list, category list and the folder of <id>.mp4")
    p.add_argument("--finegym-subset", default="FX-JUMP", help="FX-JUMP, FX-TURN or FX-SALTO")
    p.add_argument("--pairs", nargs=2, default=None, metavar=("ANNOTATION", "IMAGE_ROOT"),
                   help="image + skeleton pairs (COCO keypoint JSON, HumanArt layout) for pre-training")
    p.add_argument("--pairs-steps", type=int, default=0,
                   help="steps on the image pairs (L_spat only) before the video steps")
    p.add_argument("--expand-captions", action="store_true",
                   help="expand labels into descriptions with the offline vocabulary (captions/expand.py)")
    p.add_argument("--tokenizer", default=None, help="folder with vocab.json + merges.txt (default: ComfyUI's)")
    p.add_argument("--config-dir", default=None,
                   help="folder with unet.json, vae.json, text_encoder.json (default: the shipped SD1.5 configs)")
    p.add_argument("--name", default="finephys")
    p.add_argument("--out", default="training_output")
    p.add_argument("--frames", type=int, default=16, help="frames per clip")
    p.add_argument("--stride", type=int, default=1, help="take every n-th video frame")
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--height", type=int, default=512)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--lora-rank", type=int, default=64)
    p.add_argument("--lora-alpha", type=float, default=None, help="default: the rank")
    p.add_argument("--encoder-hidden", default="64,128,256,256", help="the heatmap encoder's widths per stage")
    p.add_argument("--spatial-weight", type=float, default=1.0)
    p.add_argument("--temporal-weight", type=float, default=1.0)
    p.add_argument("--ad-temporal-weight", type=float, default=1.0)
    p.add_argument("--beta", type=float, default=1.0, help="phi's beta in L_ad-temp")
    p.add_argument("--elevation", type=float, default=0.0, help="camera elevation of the videos (degrees)")
    p.add_argument("--pose-cache", default=".cache/finephys/poses")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mixed-precision", choices=["no", "fp16", "bf16"], default="no")
    p.add_argument("--gradient-checkpointing", action="store_true")
    p.add_argument("--eval-draws", type=int, default=4, help="fixed noise draws for the before/after loss")
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--save-every", type=int, default=200)
    p.add_argument("--stop-after", type=int, default=0, help="stop (resumably) after this many steps of this run")
    return p.parse_args(argv)


class TrainableParts(torch.nn.Module):
    """The encoder and the UNet's LoRA layers: forward gives the losses of one batch. Its
    state dict holds only what is trained (the frozen UNet and motion module stay out)."""

    def __init__(self, unet, encoder, scheduler, weights) -> None:
        super().__init__()
        self.unet, self.encoder, self.scheduler, self.weights = unet, encoder, scheduler, weights
        self.injection = None

    def forward(self, latents, text, heatmaps, draw):
        from finephys.training.adapter_training import generation_losses
        return generation_losses(self.unet, self.encoder, self.scheduler, latents, text, heatmaps, draw,
                                 self.weights, self.injection)

    def state_dict(self, *args, **kwargs):
        out = {f"encoder.{k}": v for k, v in self.encoder.state_dict().items()}
        out.update({f"lora.{n}": p.detach() for n, p in self.unet.named_parameters() if "lora_" in n})
        return out

    def load_state_dict(self, state, strict: bool = True):
        self.encoder.load_state_dict({k[8:]: v for k, v in state.items() if k.startswith("encoder.")}, strict=strict)
        lora = dict(self.unet.named_parameters())
        with torch.no_grad():
            for key, value in state.items():
                if key.startswith("lora."):
                    lora[key[5:]].copy_(value)


def prepare_clips(args, parts, tokenizer, log) -> list[dict]:
    """Every usable clip as tensors: latents [4,F,h,w], text [1,77,D], heatmaps [F,C,H/4,W/4]."""
    from finephys.adapters.heatmaps import render_heatmaps
    from finephys.generation.components import encode_text
    from finephys.skeleton.errors import PoseDataError
    from finephys.training.pose_cache import pipeline_poses
    from finephys.training.video_dataset import load_clip, scan_video_folder

    from finephys.training.video_dataset import DatasetReport

    report = DatasetReport()
    if args.data:
        if not args.captions:
            raise SystemExit("--data needs --captions")
        report = scan_video_folder(args.data, args.captions, args.frames, args.stride)
    if args.finegym:
        from finephys.training.finegym import elements_to_clips, read_categories, read_elements
        annotation, labels, categories, videos = args.finegym
        elements = read_elements(annotation, labels, read_categories(categories), args.finegym_subset)
        gym = elements_to_clips(elements, videos, args.frames)
        report.kept += gym.kept
        report.skipped += gym.skipped
    if args.expand_captions:
        from dataclasses import replace

        from finephys.captions.expand import expand_label
        report.kept = [replace(e, caption=expand_label(e.caption)) for e in report.kept]
    clips, used = [], []
    scaling = float(parts.vae.config.scaling_factor)
    generator = torch.Generator().manual_seed(args.seed)
    for entry in report.kept:
        try:
            pose = pipeline_poses(entry, args.pose_cache, args.elevation)
            frames, _, pose = load_clip(entry, args.width, args.height, pose)
        except PoseDataError as exc:
            report.skipped.append((entry.video.name, str(exc)))
            continue
        pixels = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        with torch.no_grad():
            latents = parts.vae.encode(pixels).latent_dist.sample(generator) * scaling  # [F,4,h,w]
        used.append(entry)
        clips.append({"name": entry.video.name, "latents": latents.permute(1, 0, 2, 3).contiguous(),
                      "text": encode_text(tokenizer, parts.text_encoder, [entry.caption]),
                      "heatmaps": render_heatmaps(pose, args.width, args.height)})
    report.kept = used
    log(report.text())
    if not clips:
        raise SystemExit("no usable training clip (see the list above)")
    return clips


def prepare_pairs(args, parts, tokenizer, log) -> list[dict]:
    """Image + skeleton pairs as one-frame clips (same tensors as prepare_clips, F = 1)."""
    from PIL import Image

    from finephys.adapters.heatmaps import render_heatmaps
    from finephys.generation.components import encode_text
    from finephys.training.image_pairs import read_image_pairs
    from finephys.training.video_dataset import fit_frames, fit_pose

    pairs, skipped = read_image_pairs(*args.pairs)
    log(f"{len(pairs)} image pair(s) kept, {len(skipped)} skipped")
    for name, reason in skipped:
        log(f"  skipped {name}: {reason}")
    if not pairs:
        raise SystemExit("no usable image pair (see the list above)")
    scaling = float(parts.vae.config.scaling_factor)
    generator = torch.Generator().manual_seed(args.seed + 3)
    out = []
    for pair in pairs:
        image = np.asarray(Image.open(pair.image).convert("RGB"))[None]
        frames, scale, offset = fit_frames(image, args.width, args.height)
        pose = fit_pose(pair.pose, scale, offset, args.width, args.height)
        pixels = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        with torch.no_grad():
            latents = parts.vae.encode(pixels).latent_dist.sample(generator) * scaling
        out.append({"name": pair.image.name, "latents": latents.permute(1, 0, 2, 3).contiguous(),
                    "text": encode_text(tokenizer, parts.text_encoder, [pair.caption]),
                    "heatmaps": render_heatmaps(pose, args.width, args.height)})
    return out


def _batch(clips, indices, device):
    return (torch.stack([clips[i]["latents"] for i in indices]).to(device),
            torch.cat([clips[i]["text"] for i in indices]).to(device),
            torch.stack([clips[i]["heatmaps"] for i in indices]).to(device))


def main(argv=None) -> None:
    args = parse_args(argv)
    _package()
    from accelerate import Accelerator
    from diffusers import DDPMScheduler
    from safetensors.torch import save_file

    from finephys.adapters.encoder import HeatmapEncoderConfig, MultiScaleHeatmapEncoder, save_encoder
    from finephys.generation.components import load_sd15_single_file, load_tokenizer
    from finephys.generation.injection import HeatmapInjection
    from finephys.generation.lora import add_spatial_lora, lora_state_kohya
    from finephys.generation.motion_module import load_motion_adapter
    from finephys.generation.schedulers import scheduler_config
    from finephys.generation.unet import motion_unet
    from finephys.skeleton.errors import PoseDataError
    from finephys.training.adapter_training import LossWeights, StepNoise, trainable_parameters
    from finephys.modelfiles import recorded_command
    from finephys.training.checkpoint import ResumeState, RunningLog

    accelerator = Accelerator(mixed_precision=args.mixed_precision)
    log = accelerator.print
    began = time.time()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    videos = bool(args.data or args.finegym)
    if not videos and not (args.pairs and args.pairs_steps):
        raise SystemExit("give training data: --data with --captions, --finegym, and/or --pairs with --pairs-steps")
    if not videos and args.steps:
        raise SystemExit("--steps trains on videos: give --data or --finegym, or --steps 0 to train on pairs only")
    try:
        parts = load_sd15_single_file(args.checkpoint, args.config_dir)
        tokenizer = load_tokenizer(args.tokenizer)
        adapter, info = load_motion_adapter(args.motion_module)
        clips = prepare_clips(args, parts, tokenizer, log) if videos else []
        pair_clips = prepare_pairs(args, parts, tokenizer, log) if args.pairs and args.pairs_steps else []
        unet = motion_unet(parts.unet, adapter, info, name=Path(args.motion_module).name)
    except PoseDataError as exc:
        raise SystemExit(str(exc)) from None
    del parts
    log(f"{len(clips)} clips and {len(pair_clips)} image pairs ready ({time.time() - began:.0f} s)")

    add_spatial_lora(unet, args.lora_rank, args.lora_alpha)
    if args.gradient_checkpointing:
        unet.enable_gradient_checkpointing()
    hidden = tuple(int(v) for v in args.encoder_hidden.split(","))
    encoder = MultiScaleHeatmapEncoder(HeatmapEncoderConfig(unet_widths=tuple(unet.config.block_out_channels),
                                                            hidden=hidden))
    scheduler = DDPMScheduler.from_config(scheduler_config())
    weights = LossWeights(args.spatial_weight, args.temporal_weight, args.ad_temporal_weight, args.beta)
    pair_weights = LossWeights(args.spatial_weight, 0.0, 0.0, args.beta)  # one frame: L_spat alone
    model = TrainableParts(unet, encoder, scheduler, weights)
    params = trainable_parameters(unet, encoder)
    log(f"training {sum(p.numel() for p in params) / 1e6:.2f} M parameters "
        f"(encoder {sum(p.numel() for p in encoder.parameters()) / 1e6:.2f} M, LoRA rank {args.lora_rank})")
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-2)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 50))
    model, optimizer = accelerator.prepare(model, optimizer)
    device = accelerator.device
    inner = accelerator.unwrap_model(model)

    total = args.pairs_steps * bool(pair_clips) + args.steps
    eval_clips, eval_weights = (clips, weights) if clips else (pair_clips, pair_weights)
    eval_generator = torch.Generator().manual_seed(args.seed + 7)
    eval_set = [(i % len(eval_clips), StepNoise.draw(eval_clips[i % len(eval_clips)]["latents"][None],
                                                     scheduler.config.num_train_timesteps, eval_generator))
                for i in range(args.eval_draws)]

    def eval_loss() -> float:
        values = []
        inner.weights = eval_weights
        with torch.no_grad(), accelerator.autocast():
            for index, draw in eval_set:
                draw = StepNoise(draw.noise.to(device), draw.timesteps.to(device), draw.spatial_frame, draw.anchor_frame)
                values.append(float(model(*_batch(eval_clips, [index], device), draw)["total"]))
        return float(np.mean(values))

    resume = ResumeState(out_dir / f"{args.name}.resume", accelerator)
    metrics_path = out_dir / f"{args.name}_metrics.json"
    with HeatmapInjection(inner.unet) as injection:
        inner.injection = injection
        step = resume.load(model, optimizer, schedule)
        if step:
            log(f"resumed from step {step}")
            before = json.loads(metrics_path.read_text())["eval_loss_before"] if metrics_path.is_file() else None
        else:
            before = eval_loss()
            metrics_path.write_text(json.dumps({"eval_loss_before": before}))
            log(f"evaluation loss before training: {before:.4f}")
        rng = np.random.default_rng(args.seed + 1000 + step)
        generator = torch.Generator().manual_seed(args.seed + 2000 + step)
        stop_at = min(total, step + args.stop_after) if args.stop_after else total
        running = RunningLog(log, total, args.log_every)
        model.train()
        while step < stop_at:
            on_pairs = step < total - args.steps  # the image-pair phase comes first
            source = pair_clips if on_pairs else clips
            inner.weights = pair_weights if on_pairs else weights
            indices = rng.choice(len(source), size=args.batch, replace=len(source) < args.batch)
            latents, text, heatmaps = _batch(source, indices, device)
            draw = StepNoise.draw(latents.cpu(), scheduler.config.num_train_timesteps, generator)
            draw = StepNoise(draw.noise.to(device), draw.timesteps.to(device), draw.spatial_frame, draw.anchor_frame)
            with accelerator.autocast():
                losses = model(latents, text, heatmaps, draw)
            if not torch.isfinite(losses["total"]):
                raise SystemExit(f"step {step}: the loss is not finite; lower --lr")
            optimizer.zero_grad()
            accelerator.backward(losses["total"])
            accelerator.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            running.add(step, {k: v.detach() for k, v in losses.items()}, f" ({time.time() - began:.0f} s)")
            if accelerator.is_main_process and step < total and (step % args.save_every == 0 or step == stop_at):
                resume.save(model, optimizer, schedule, step)
        if step < total:
            log(f"stopped at step {step}; run the same command again to resume")
            return
        after = eval_loss()
    log(f"evaluation loss after training: {after:.4f} (before: {before:.4f})")
    if accelerator.is_main_process:
        command = recorded_command("training/train_adapter.py", argv)
        adapter_path = save_encoder(inner.encoder, out_dir / f"{args.name}_adapter.safetensors")
        meta = {"name": args.name, "steps": str(total), "seed": str(args.seed), "command": command,
                "lora_rank": str(args.lora_rank), "lora_alpha": str(args.lora_alpha or args.lora_rank)}
        lora_path = out_dir / f"{args.name}_lora.safetensors"
        save_file(lora_state_kohya(inner.unet), str(lora_path), metadata=meta)
        metrics = {"eval_loss_before": before, "eval_loss_after": after, "steps": total, "clips": len(clips),
                   "image_pairs": len(pair_clips), "evaluated_on": "videos" if clips else "image pairs",
                   "train_seconds": round(time.time() - began), "command": command}
        metrics_path.write_text(json.dumps(metrics, indent=1))
        shutil.rmtree(out_dir / f"{args.name}.resume", ignore_errors=True)
        log(f"saved {adapter_path} and {lora_path} after {time.time() - began:.0f} s")


if __name__ == "__main__":
    main()
