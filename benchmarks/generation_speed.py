"""Generation cost on this CPU with an SD1.5-sized UNet and an mm_sd_v15_v2-sized motion module
(random weights, the real architecture from the shipped configs) and a random heatmap encoder
at SD1.5 widths: seconds per denoising step guided vs unguided at 256x256 x 8 frames (same
process, alternating), and peak memory of a 48-frame clip in 16-frame context windows against
16 frames and against 32 frames in one window (the most the motion module's
32 positions allow). Each memory case runs in its own process so
its peak resident memory is its own.

    .venv/bin/python benchmarks/generation_speed.py [--steps 2] [--repeats 2] [--size 256]

Saves benchmarks/results/generation_speed.json.
"""
from __future__ import annotations

import argparse
import gc
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.adapters.encoder import HeatmapEncoderConfig, MultiScaleHeatmapEncoder  # noqa: E402
from finephys.adapters.guidance import HeatmapGuidance  # noqa: E402
from finephys.generation.motion_module import CONFIG_DIR  # noqa: E402
from finephys.generation.sampler import SamplerSettings, sample_video  # noqa: E402
from finephys.generation.unet import sd15_unet_config  # noqa: E402
from finephys.skeleton.pose_files import load_pose_npz  # noqa: E402


def build_unet():
    from diffusers import MotionAdapter, UNet2DConditionModel, UNetMotionModel

    torch.manual_seed(0)
    began = time.perf_counter()
    unet = UNet2DConditionModel.from_config(sd15_unet_config())
    mm_config = json.loads((CONFIG_DIR / "mm_sd_v15_v2.json").read_text())
    mm_config.pop("_class_name")
    model = UNetMotionModel.from_unet2d(unet, MotionAdapter.from_config(mm_config)).eval()
    params = sum(p.numel() for p in model.parameters())
    return model, params, time.perf_counter() - began


def guidance_for(frames: int, size: int) -> HeatmapGuidance:
    torch.manual_seed(1)
    encoder = MultiScaleHeatmapEncoder(HeatmapEncoderConfig(zero_init=False)).eval()
    pose = load_pose_npz(REPO_DIR / "samples" / "sports2d_box.npz").slice(40, 40 + frames)
    return HeatmapGuidance(pose, encoder, size, size)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> float:
    """Reset the kernel's peak-RSS counter (VmHWM) so sampling's own peak can be read after
    the model was built; returns the resident MB now."""
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def phase_speed(args) -> dict:
    unet, params, build_s = build_unet()
    text = torch.randn(1, 77, 768), torch.randn(1, 77, 768)
    guidance = guidance_for(8, args.size)
    settings = SamplerSettings(steps=args.steps, seed=0)
    times = {"unguided": [], "guided": []}
    for _ in range(args.repeats):
        for name, g in (("unguided", None), ("guided", guidance)):
            began = time.perf_counter()
            sample_video(unet, *text, 8, args.size, args.size, settings, g)
            times[name].append((time.perf_counter() - began) / args.steps)
    best = {k: min(v) for k, v in times.items()}
    return {"params": params, "build_s": build_s, "s_per_step": best, "all_s_per_step": times,
            "overhead": best["guided"] / best["unguided"] - 1, "peak_rss_mb": peak_rss_mb()}


def phase_memory(args) -> dict:
    unet, _, _ = build_unet()
    text = torch.randn(1, 77, 768), torch.randn(1, 77, 768)
    guidance = guidance_for(args.frames, args.size)
    settings = SamplerSettings(steps=1, seed=0, context_length=args.context, context_overlap=4)
    resident = reset_peak()
    began = time.perf_counter()
    out = sample_video(unet, *text, args.frames, args.size, args.size, settings, guidance)
    return {"frames": args.frames, "context_length": args.context, "seconds_per_step": time.perf_counter() - began,
            "finite": bool(torch.isfinite(out).all()), "resident_before_mb": resident,
            "sampling_peak_mb": _status_mb("VmHWM"), "sampling_extra_mb": _status_mb("VmHWM") - resident}


def run_phase(extra: list[str]) -> dict:
    cmd = [sys.executable, __file__, *extra]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(extra)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--phase", choices=["speed", "memory"], help=argparse.SUPPRESS)
    parser.add_argument("--frames", type=int, default=48, help=argparse.SUPPRESS)
    parser.add_argument("--context", type=int, default=16, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(REPO_DIR / "benchmarks" / "results" / "generation_speed.json"))
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    if args.phase == "speed":
        print(json.dumps(phase_speed(args)))
        return
    if args.phase == "memory":
        print(json.dumps(phase_memory(args)))
        return

    common = ["--size", str(args.size)]
    speed = run_phase(["--phase", "speed", "--steps", str(args.steps), "--repeats", str(args.repeats), *common])
    memory = {name: run_phase(["--phase", "memory", "--frames", str(f), "--context", str(c), *common])
              for name, f, c in (("16 frames, one window", 16, 16), ("48 frames, 16-frame windows", 48, 16),
                                 ("32 frames, one window", 32, 32))}
    s = speed["s_per_step"]
    print(f"UNet + motion module: {speed['params'] / 1e6:.0f} M parameters (random), built in {speed['build_s']:.0f} s")
    print(f"\n{args.size}x{args.size} x 8 frames, cfg (batch 2x8), best of {args.repeats} x {args.steps} steps")
    print("| run | s/step | overhead |\n|---|---|---|")
    print(f"| unguided | {s['unguided']:.1f} | |")
    print(f"| heatmap-guided | {s['guided']:.1f} | {100 * speed['overhead']:+.1f} % |")
    print(f"\npeak memory, {args.size}x{args.size}, 1 step")
    print("| run | s/step | resident before MB | peak while sampling MB | sampling's own MB |\n|---|---|---|---|---|")
    for name, m in memory.items():
        print(f"| {name} | {m['seconds_per_step']:.1f} | {m['resident_before_mb']:.0f} | "
              f"{m['sampling_peak_mb']:.0f} | {m['sampling_extra_mb']:.0f} |")
    result = {"machine": f"{platform.node()} {platform.processor() or platform.machine()}, "
                         f"{torch.get_num_threads()} torch threads", "torch": torch.__version__,
              "size": args.size, "speed": speed, "memory": memory,
              "date": time.strftime("%Y-%m-%d")}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"\nsaved {out.relative_to(REPO_DIR)}")


if __name__ == "__main__":
    main()
