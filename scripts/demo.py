"""The main job, headless: a real video in, skeleton guidance (and, with the model files, a
generated video) out, through the embedded ComfyUI and the shipped workflows.

    bash scripts/demo.sh                         # the Sports2D demo video (a gymnast's flip)
    bash scripts/demo.sh --video my_flip.mp4     # your own video
    bash scripts/demo.sh --models-dir ~/ComfyUI/models   # where your SD1.5 files are

Step 1, workflows/api/video_to_guidance.json (needs no SD weights) writes to <output>/:
  overlay.mp4          the detected 2D skeleton over the video
  skeleton_3d.mp4      the fused 3D result (lifted + physics) from the front, side and top
  physics_report.txt   contacts, flight phases and the flight COM law
  com_plot.png         centre-of-mass height over time, flight shaded
  heatmaps.mp4         the multi-scale heatmap guidance the sampler follows
  fused.bvh            the 3D result for Blender
  *_sheet.png          six frames of each video side by side, to look at without a player
Step 2, workflows/api/video_to_generation.json, runs when SD1.5, the motion module and the
heatmap adapter are found in a models folder (ComfyUI's layout); otherwise it says which file
goes where. It writes generated.mp4 (16 frames around the longest flight phase).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _package import REPO_DIR, load_package, sports2d_demo_video  # noqa: E402

load_package()
from finephys.host.client import ComfyAPIError, PromptFailed  # noqa: E402
from finephys.host.runner import (  # noqa: E402
    InputFolder, ProgressPrinter, WorkflowMismatch, WorkflowUsageError, apply_overrides, run_workflow,
)
from finephys.host.server import ComfyServer  # noqa: E402

WORKFLOWS = REPO_DIR / "workflows" / "api"
# node id -> name in the output folder (workflows/api/video_to_guidance.json)
GUIDANCE_FILES = {"4": "overlay.mp4", "16": "skeleton_3d.mp4", "12": "com_plot.png", "19": "heatmaps.mp4",
                  "13": "fused.bvh"}
GENERATION_FRAMES, GENERATION_STEP = 16, 2


def default_models_dirs() -> list[Path]:
    named = os.environ.get("FINEPHYS_MODELS_DIR")
    if named:
        return [Path(named)]
    return [REPO_DIR / "models"] if (REPO_DIR / "models").is_dir() else []


def contact_sheet(video: bytes, path: Path, count: int = 6) -> None:
    """Save `count` evenly spaced frames of a video side by side as a PNG."""
    import av
    import numpy as np
    from PIL import Image

    with av.open(io.BytesIO(video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    picks = np.linspace(0, len(frames) - 1, count).round().astype(int)
    rows = [np.hstack([frames[i] for i in picks[: count // 2]]),
            np.hstack([frames[i] for i in picks[count // 2:]])]
    sheet = Image.fromarray(np.vstack(rows))
    sheet.thumbnail((1600, 1600))
    sheet.save(path)


def flight_window(report: str, frames: int) -> int:
    """First frame of a GENERATION_FRAMES x GENERATION_STEP window centred on the longest
    flight phase of the physics report (0 when there is none)."""
    phases = [(int(a), int(b)) for a, b in re.findall(r"flight (\d+)-(\d+)", report)]
    span = GENERATION_FRAMES * GENERATION_STEP
    if not phases or frames <= span:
        return 0
    first, last = max(phases, key=lambda p: p[1] - p[0])
    return int(min(max((first + last) // 2 - span // 2, 0), frames - span))


def unique_prefixes(graph: dict) -> None:
    """A fresh output subfolder per run, so reruns never overwrite or mix files."""
    tag = uuid.uuid4().hex[:6]
    for node in graph.values():
        prefix = node["inputs"].get("filename_prefix")
        if isinstance(prefix, str):
            node["inputs"]["filename_prefix"] = prefix.replace("finephys/", f"finephys/demo_{tag}/", 1)


def run_guidance(server: ComfyServer, args, output: Path) -> tuple[str, int]:
    graph = json.loads((WORKFLOWS / "video_to_guidance.json").read_text())
    client = server.client(timeout=60)
    sets = [f"1.max_side={args.max_side}", f"1.frame_count={args.max_frames}"]
    for line in apply_overrides(graph, InputFolder(client, server.input_dir), video=args.video, sets=tuple(sets)):
        print(f"  set {line}")
    unique_prefixes(graph)
    print("step 1: video -> skeleton guidance (video_to_guidance.json)", flush=True)
    result = run_workflow(client, graph, output / ".runs", on_event=ProgressPrinter(graph), timeout=args.timeout)
    for node_id, name in GUIDANCE_FILES.items():
        files = result.by_node.get(node_id, [])
        if len(files) != 1:
            raise RuntimeError(f"node {node_id} saved {len(files)} files, expected 1")
        shutil.copyfile(files[0], output / name)
        if name.endswith(".mp4"):
            contact_sheet(files[0].read_bytes(), output / name.replace(".mp4", "_sheet.png"))
    report = "\n".join(result.texts.get("11", []))
    (output / "physics_report.txt").write_text(report + "\n")
    counted = re.match(r"(\d+) frames", report)
    frames = int(counted.group(1)) if counted else 0
    print(f"step 1 done in {result.seconds:.1f} s")
    return report, frames


def run_generation(server: ComfyServer, args, output: Path, report: str, frames: int) -> bool:
    graph = json.loads((WORKFLOWS / "video_to_generation.json").read_text())
    client = server.client(timeout=60)
    start = flight_window(report, frames)
    sets = [f"1.max_side={args.max_side}", f"1.frame_count={args.max_frames}", f"13.start={start}",
            f"13.step={GENERATION_STEP}", f"13.frames={args.gen_frames}", f"24.steps={args.gen_steps}",
            f"14.width={args.gen_size}", f"14.height={args.gen_size}"]
    apply_overrides(graph, InputFolder(client, server.input_dir), video=args.video, prompt=args.prompt,
                    seed=args.seed, sets=tuple(sets))
    unique_prefixes(graph)
    print(f"step 2: generation (video_to_generation.json), frames {start}..{start + GENERATION_STEP * args.gen_frames}"
          f" every {GENERATION_STEP}", flush=True)
    try:
        result = run_workflow(client, graph, output / ".runs", on_event=ProgressPrinter(graph), timeout=args.timeout)
    except WorkflowMismatch as exc:
        if exc.problems or not exc.missing_files:
            raise
        roots = [str(d) for d in args.models_dir] or [str(REPO_DIR / "models")]
        print("step 2 (generation) skipped: these model files are missing. Place them in a models folder "
              f"in ComfyUI's layout ({' or '.join(roots)}, or name one with --models-dir):")
        for name, folder in exc.missing_files:
            sub = folder.split("/", 1)[1] if folder.startswith("models/") else folder
            hint = {"finephys_adapter.safetensors": " (train it: training/train_adapter.py, see README 'Training')",
                    "mm_sd_v15_v2.safetensors": " (the AnimateDiff v2 motion module)",
                    "v1-5-pruned-emaonly.safetensors": " (Stable Diffusion 1.5)"}.get(name, "")
            print(f"  {sub}/{name}{hint}")
        return False
    video = result.by_node["27"][0]
    shutil.copyfile(video, output / "generated.mp4")
    contact_sheet(video.read_bytes(), output / "generated_sheet.png")
    print(f"step 2 done in {result.seconds:.1f} s")
    return True


def write_doc_images(output: Path, folder: Path, width: int = 1200) -> None:
    """Small JPEG copies of the demo's pictures, for the README."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("overlay_sheet.png", "skeleton_3d_sheet.png", "heatmaps_sheet.png", "com_plot.png",
                 "generated_sheet.png"):
        if not (output / name).is_file():
            continue
        image = Image.open(output / name).convert("RGB")
        image.thumbnail((width, width))
        target = folder / ("demo_" + name.replace(".png", ".jpg"))
        image.save(target, quality=80)
        print(f"wrote {target}")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, help="input video (default: the Sports2D demo video)")
    parser.add_argument("--output", type=Path, default=REPO_DIR / "demo_output", help="folder for the results")
    parser.add_argument("--models-dir", type=Path, action="append", default=None,
                        help="models folder in ComfyUI's layout (default: $FINEPHYS_MODELS_DIR or ./models)")
    parser.add_argument("--max-frames", type=int, default=0, help="load at most this many frames (0: all)")
    parser.add_argument("--max-side", type=int, default=960, help="resize the video's longer side to this")
    parser.add_argument("--prompt", default="back salto", help="the action to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gen-frames", type=int, default=GENERATION_FRAMES, help="generated frames")
    parser.add_argument("--gen-steps", type=int, default=25, help="sampling steps")
    parser.add_argument("--gen-size", type=int, default=512, help="generated width and height")
    parser.add_argument("--skip-generation", action="store_true", help="run step 1 only")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--doc-images", type=Path, help="also write small JPEG copies of the pictures here "
                        "(the README's pictures: --doc-images docs/images)")
    args = parser.parse_args(argv)
    if args.models_dir is None:
        args.models_dir = default_models_dirs()
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.video is None:
        args.video = sports2d_demo_video()
    if not args.video.is_file():
        print(f"error: video {args.video} not found", file=sys.stderr)
        return 2
    for folder in args.models_dir:
        if not folder.is_dir():
            print(f"error: models folder {folder} not found", file=sys.stderr)
            return 2
    output = args.output
    output.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    try:
        with ComfyServer(model_dirs=tuple(args.models_dir)) as server:
            print(f"embedded ComfyUI started in {server.startup_seconds:.1f} s; video {args.video.name}", flush=True)
            report, frames = run_guidance(server, args, output)
            generated = False
            if not args.skip_generation:
                generated = run_generation(server, args, output, report, frames)
    except (WorkflowUsageError, ComfyAPIError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PromptFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(output / ".runs", ignore_errors=True)
    if args.doc_images is not None:
        write_doc_images(output, args.doc_images)
    print(report)
    print(f"total {time.monotonic() - began:.1f} s; wrote to {output}:")
    names = list(GUIDANCE_FILES.values()) + ["physics_report.txt"] + (["generated.mp4"] if generated else [])
    for name in names:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
