"""Embedded ComfyUI timings: cold and warm server start, and API round trips.

    .venv/bin/python benchmarks/host_timing.py [--runs 5]

cold start: the host copy's __pycache__ folders removed first (ComfyUI's own modules compile
again); warm start: started again right after. Round trip: POST /prompt -> history success,
median of --runs, each with a new input value so nothing is served from cache; the baseline
is a core-only graph (EmptyImage -> PreviewImage) measured in the same run.
Prints a table and saves benchmarks/results/host_timing.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.host.install import ensure_comfyui  # noqa: E402
from finephys.host.server import DEFAULT_HOST_DIR, ComfyServer  # noqa: E402


def round_trip(client, graph) -> float:
    began = time.monotonic()
    entry = client.wait(client.submit(graph), timeout=300, poll=0.005)
    assert entry["status"]["status_str"] == "success", entry["status"]
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ensure_comfyui(DEFAULT_HOST_DIR)
    for cache in DEFAULT_HOST_DIR.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    results: dict[str, float] = {}
    with ComfyServer() as server:
        results["server_start_cold_s"] = server.startup_seconds
    with ComfyServer() as server:
        results["server_start_warm_s"] = server.startup_seconds
        client = server.client()
        baseline, ours = [], []
        for i in range(args.runs):
            baseline.append(round_trip(client, {
                "1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64 + 8 * i, "batch_size": 1, "color": 0}},
                "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}},
            }))
            ours.append(round_trip(client, {
                "1": {"class_type": "FinePhys_Load2DPose", "inputs": {
                    "pose_file": "[sample] sports2d_box.npz", "fps": 30.0, "person": "first",
                    "image_width": 0, "image_height": 0}},
                "2": {"class_type": "FinePhys_DrawSkeleton", "inputs": {
                    "pose_2d": ["1", 0], "width": 64, "height": 64 + 8 * i,
                    "confidence_threshold": 0.3, "line_width": 0}},
                "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}},
            }))
        results["round_trip_core_empty_image_median_s"] = statistics.median(baseline)
        results["round_trip_load_draw_160_frames_median_s"] = statistics.median(ours)
    width = max(len(k) for k in results)
    print(f"{'measure'.ljust(width)}  seconds")
    for key, value in results.items():
        print(f"{key.ljust(width)}  {value:7.2f}")
    out = REPO_DIR / "benchmarks" / "results" / "host_timing.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"results": results, "runs": args.runs,
                               "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, "
                                          f"Python {platform.python_version()}"}, indent=2))
    print(f"saved {out.relative_to(REPO_DIR)}")


if __name__ == "__main__":
    main()
