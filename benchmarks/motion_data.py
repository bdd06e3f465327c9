"""Motion data report: physics and variety of the synthetic gymnastics beside the real mocap.

    .venv/bin/python benchmarks/motion_data.py [--count 64] [--seed 0] [--fps 30]

For each source (DeepMimic train split, DeepMimic held-out split, synthetic dataset) it prints
frames, flight frames, the flight-phase COM error |c''_z + 9.81| (m/s^2), bone-length std and
foot skate on the source's own contact labels, then the synthetic generator's variety report
(pose spread, root speeds, per-family flight and rotation) and its generation speed.
Saves benchmarks/results/motion_data.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.metrics import ballistic_error, bone_length_std, foot_skate  # noqa: E402
from finephys.motion.deepmimic import load_split  # noqa: E402
from finephys.motion.synthetic import FAMILIES, generate_dataset, variety_report  # noqa: E402


def physics_summary(clips) -> dict[str, float]:
    """Frame-weighted physics figures of a list of MotionClips."""
    frames = sum(c.num_frames for c in clips)
    flight = [(ballistic_error(c.joints, c.fps, c.flight, vertical_only=True), int(c.flight.sum()))
              for c in clips]
    flight = [(e, n) for e, n in flight if np.isfinite(e)]
    skates = [(foot_skate(c.joints, contacts=c.contacts), c) for c in clips]
    pairs = sum(s["contact_pairs"] for s, _ in skates)
    return {
        "clips": len(clips),
        "frames": frames,
        "flight_frames": int(sum(c.flight.sum() for c in clips)),
        "flight_com_error_ms2": (sum(e * n for e, n in flight) / sum(n for _, n in flight)) if flight else float("nan"),
        "bone_std_mm": 1000 * max(float(bone_length_std(c.joints).max()) for c in clips),
        "foot_skate_mm_per_frame": 1000 * sum(s["mean_slide"] * s["contact_pairs"] for s, _ in skates) / max(pairs, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fps", type=float, default=30.0)
    args = parser.parse_args()

    began = time.perf_counter()
    synthetic = generate_dataset(args.count, seed=args.seed, fps=args.fps)
    seconds = time.perf_counter() - began
    sources = {
        "deepmimic train (real)": load_split("train"),
        "deepmimic held-out (real)": load_split("eval"),
        f"synthetic ({args.count} clips, seed {args.seed})": synthetic,
    }
    table = {name: physics_summary(clips) for name, clips in sources.items()}
    for clip in sources["deepmimic held-out (real)"]:  # the reference floor, clip by clip
        table[f"  held-out: {clip.name} ({clip.fps:g} fps)"] = physics_summary([clip])
    print("| source | clips | frames | flight frames | flight COM error (m/s^2) | max bone std (mm) | foot skate (mm/frame) |")
    print("|---|---|---|---|---|---|---|")
    for name, row in table.items():
        print(f"| {name} | {row['clips']} | {row['frames']} | {row['flight_frames']} | "
              f"{row['flight_com_error_ms2']:.3g} | {row['bone_std_mm']:.3g} | {row['foot_skate_mm_per_frame']:.3g} |")
    variety = variety_report(synthetic)
    print(f"\ngeneration: {args.count} clips, {sum(c.num_frames for c in synthetic)} frames in {seconds:.2f} s "
          f"({args.count / seconds:.1f} clips/s); families {list(FAMILIES)}")
    print("variety report:")
    print(json.dumps(variety, indent=1, default=float))
    out = REPO_DIR / "benchmarks" / "results" / "motion_data.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "command": f"benchmarks/motion_data.py --count {args.count} --seed {args.seed} --fps {args.fps:g}",
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "physics": table, "generation_seconds": seconds, "variety": variety,
    }, indent=1, default=float))
    print(f"saved {out.relative_to(REPO_DIR)}")


if __name__ == "__main__":
    main()
