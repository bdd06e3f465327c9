"""The demo: start the embedded ComfyUI, run the example workflow through its HTTP API, and
write what it produced to an output folder.

    bash scripts/demo.sh                     # the shipped sample (real MediaPipe poses)
    bash scripts/demo.sh --pose-file my.json # your POSE_KEYPOINT / OpenPose / npz file

Writes demo_output/skeleton.mp4 (the skeleton video made by core SaveVideo) and
demo_output/skeleton_contact_sheet.png (six frames of it, to look at without a player).
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.host.client import PromptFailed, output_files  # noqa: E402
from finephys.host.server import ComfyServer  # noqa: E402

WORKFLOW = REPO_DIR / "workflows" / "api" / "pose_file_to_skeleton_video.json"


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=REPO_DIR / "demo_output", help="folder for the results")
    parser.add_argument("--pose-file", type=Path, help="a pose file to use instead of the shipped sample")
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate for JSON pose files")
    parser.add_argument("--width", type=int, default=884, help="video width (even)")
    parser.add_argument("--height", type=int, default=496, help="video height (even)")
    args = parser.parse_args()

    graph = json.loads(WORKFLOW.read_text())
    args.output.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with ComfyServer() as server:
        print(f"ComfyUI {server.url} started in {server.startup_seconds:.1f} s")
        if args.pose_file is not None:
            if not args.pose_file.exists():
                print(f"error: {args.pose_file} not found", file=sys.stderr)
                return 2
            target = server.input_dir / args.pose_file.name
            if args.pose_file.is_dir():
                shutil.copytree(args.pose_file, target)
                graph["1"]["inputs"]["pose_file"] = args.pose_file.name + "/"
            else:
                shutil.copy(args.pose_file, target)
                graph["1"]["inputs"]["pose_file"] = args.pose_file.name
        graph["1"]["inputs"]["fps"] = args.fps
        graph["2"]["inputs"].update(width=args.width, height=args.height)
        graph["4"]["inputs"]["filename_prefix"] = f"finephys/demo_{uuid.uuid4().hex[:6]}"
        client = server.client()
        print(f"running {WORKFLOW.name} on {graph['1']['inputs']['pose_file']} ...")
        run_began = time.monotonic()
        try:
            entry = client.run(graph, timeout=900)
        except PromptFailed as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        run_seconds = time.monotonic() - run_began
        files = output_files(entry)
        if not files:
            print("error: the workflow reported no output file", file=sys.stderr)
            return 1
        video = client.download(files[0]["filename"], files[0]["subfolder"], files[0]["type"])
    out_video = args.output / "skeleton.mp4"
    out_video.write_bytes(video)
    sheet = args.output / "skeleton_contact_sheet.png"
    contact_sheet(video, sheet)
    print(f"workflow ran in {run_seconds:.1f} s; total {time.monotonic() - began:.1f} s")
    print(f"wrote {out_video} ({len(video) / 1e6:.2f} MB)")
    print(f"wrote {sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
