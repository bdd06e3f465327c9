"""Real video through the 3D half: detect the Sports2D gymnast, lift (S3D_dd), PhysNet
(S3D_pp), fuse; measure the flight-phase COM law on the flip and plot the COM height.

    .venv/bin/python benchmarks/physics_real_video.py [--physnet WEIGHTS] [--lifters DIR] [--elevation 0] [--out DIR]

There is no ground truth for real video, but the flight law needs none: over the frames
PhysNet marks as flight (no support), the median |c''_z + 9.81| (m/s^2) of each estimate's
centre of mass. Also: bone-length std (cm, frames where the gymnast was found), PhysNet speed.
Saves benchmarks/results/physics_real_video.json and benchmarks/results/sports2d_com.png
(or into --out, for experiments).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from _sports2d import detect_demo  # noqa: E402
from finephys.lifter.bank import builtin_bank  # noqa: E402
from finephys.lifter.inference import PACKAGE_WEIGHTS, Lifter  # noqa: E402
from finephys.metrics.com import ballistic_errors, centre_of_mass  # noqa: E402
from finephys.lifter.baselines import smooth_3d  # noqa: E402
from finephys.physnet.frames import GravityFrame  # noqa: E402
from finephys.physnet.fuse import FUSION_DEFAULTS, fuse  # noqa: E402
from finephys.physnet.inference import PhysNetRunner  # noqa: E402
from finephys.skeleton.h36m import bone_lengths  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--physnet", default=None, help="PhysNet weights (default: shipped)")
    parser.add_argument("--lifters", default=None, help="folder with finephys_lifter_icl.* (default: lifter/weights)")
    parser.add_argument("--out", default=str(REPO_DIR / "benchmarks" / "results"),
                        help="folder for the JSON and the plot (experiments: outside the repository)")
    parser.add_argument("--elevation", type=float, default=0.0, help="camera elevation, degrees (the demo's is level)")
    args = parser.parse_args()
    _, fps, pose2d, found = detect_demo()
    lifter = Lifter.from_files(Path(args.lifters or PACKAGE_WEIGHTS) / "finephys_lifter_icl.safetensors")
    # S3D_dd: the lifter's raw answer, as PhysNet was trained on
    data = lifter.with_bank(builtin_bank(lifter.config.window)).lift(pose2d, fit_to_image=False)
    runner = PhysNetRunner.from_files(args.physnet) if args.physnet else PhysNetRunner.default()
    began = time.perf_counter()
    physics, report = runner.reestimate(data, args.elevation)
    seconds = time.perf_counter() - began
    average = fuse(data, physics, 0.5)
    fused = fuse(data, physics, 0.5, **FUSION_DEFAULTS)
    estimates = {"S3D_dd (ICL lift)": data, "S3D_dd + Savitzky-Golay": smooth_3d(data, "savitzky_golay"),
                 "S3D_pp (PhysNet)": physics, "plain average (dd + pp) / 2": average,
                 "fused (Fuse & Project defaults)": fused}
    frame = GravityFrame.for_elevation(data.global_joints(), args.elevation)
    rows = {}
    for name, est in estimates.items():
        world = frame.to_gravity(est.global_joints())
        law = ballistic_errors(world, est.fps, report.flight, vertical_only=True)
        std = bone_lengths(est.joints[found]).std(axis=0)
        rows[name] = {"flight_com_median_ms2": float(np.median(law)) if law.size else float("nan"),
                      "flight_com_mean_ms2": float(law.mean()) if law.size else float("nan"),
                      "bone_std_mean_cm": 100 * float(std.mean()), "bone_std_max_cm": 100 * float(std.max())}
    phases = report.flight_phases
    print(f"Sports2D demo: {pose2d.num_frames} frames at {fps:g} fps, gymnast found in {int(found.sum())}; "
          f"PhysNet flight phases {phases}; PhysNet {pose2d.num_frames / seconds:.0f} frames/s")
    print("| estimate | flight COM median (m/s²) | mean | bone std mean (cm) | max |")
    print("|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['flight_com_median_ms2']:.2f} | {r['flight_com_mean_ms2']:.2f} | "
              f"{r['bone_std_mean_cm']:.2f} | {r['bone_std_max_cm']:.2f} |")
    plot = report.plot(900, 420, extra={"fused": centre_of_mass(frame.to_gravity(fused.global_joints()))})
    out_png = Path(args.out) / "sports2d_com.png"
    cv2.imwrite(str(out_png), cv2.cvtColor(plot, cv2.COLOR_RGB2BGR))
    out = Path(args.out) / "physics_real_video.json"
    out.write_text(json.dumps({
        "command": "benchmarks/physics_real_video.py" + (f" --physnet {args.physnet}" if args.physnet else "")
        + (f" --lifters {args.lifters}" if args.lifters else ""),
        "frames": pose2d.num_frames, "found_frames": int(found.sum()), "flight_phases": phases,
        "physnet_frames_per_second": pose2d.num_frames / seconds, "estimates": rows,
        "report": report.summary()}, indent=1, allow_nan=True))
    print(f"saved {out} and {out_png}")


if __name__ == "__main__":
    main()
