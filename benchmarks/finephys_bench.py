"""FinePhys-Bench: score 3D estimators on the fixed held-out mocap clips (evaluation/protocol.py).

    .venv/bin/python benchmarks/finephys_bench.py [--rows ground_truth,mean_pose,mean_pose_savgol]

Rows (later issues register theirs in ROWS):
  ground_truth      the ground truth itself: zero pose errors; its physics columns are the
                    floor that real mocap reaches.
  mean_pose         the mean training pose (DeepMimic train split) back-projected onto the 2D.
  mean_pose_savgol  the same, smoothed over time by Savitzky-Golay (0.25 s window, order 2).
  tcn_lifter        VideoPose3D-style temporal convolutions (lifter/weights, same training),
                    the network's answer as it is (the baseline).
  tcn_lifter_flip   the same network's answer averaged with its mirrored lift (test-time
                    flip, as VideoPose3D reports): a stronger baseline, for reference.
  tcn_lifter_fit    the same, fitted to the image as the ICL lifter is (lifter/image_fit.py,
                    with test-time flip, as the ICL lifter's default path).
  icl_lifter_raw    the in-context lifter with demonstrations, not fitted to the image.
  icl_lifter_no_demo  the in-context lifter without a demonstration, fitted (ablation).
  icl_lifter_no_flip  ICL Lift 3D's default without test-time flip (ablation).
  icl_lifter        ICL Lift 3D's default: the in-context lifter with demonstrations retrieved
                    from a bank of the DeepMimic training clips + 4 new synthetic clips per
                    family (at each clip's frame rate), fitted to the image.
  icl_savgol_3d     icl_lifter_raw's 3D (trajectory included) smoothed by Savitzky-Golay (0.25 s).
  icl_one_euro_3d   icl_lifter_raw's 3D smoothed by the One Euro filter (lifter/baselines.py).
  physnet           S3D_pp: PhysNet (physnet/weights, or --physnet) on S3D_dd = icl_lifter_raw
                    (the lifter's answer, as in the paper and as PhysNet was trained), told
                    each camera's elevation.
  physnet_fused     (S3D_dd + S3D_pp) / 2, the paper's fusion.
  physnet_fused_rigid  the same with the data's median bone lengths restored (Fuse & Project's
                    rigid_bones option).
  physnet_fused_band  Fuse & Project's default: SG_0.25s((S3D_dd + S3D_pp) / 2) + 0.5 (S3D_pp -
                    SG_0.25s(S3D_pp)) (slow motion from the average, fast motion only from
                    PhysNet), rigid bones, and PhysNet's centre of mass in the frames it marks
                    as flight (physnet/fuse.py; settings chosen on the training clips).
  fitted_physnet_fused_band  the same on the fitted lift (icl_lifter, ICL Lift 3D's default
                    output) instead of the raw one.
Columns: spec section 3 metrics (pose errors in mm, root-relative, camera frame; physics in
the world frame with the ground truth's contact and flight labels) and speed in frames/s:
every row first runs all cases once untimed, then the timed pass is scored (steady-state
speed of a batch; a freshly loaded model's first calls cost up to ten times more, so rows
measured first, or alone with --rows, read low otherwise). Prints one table per noise level and writes benchmarks/results/finephys_bench.json.
"""
from __future__ import annotations

import argparse
import functools
import json
import platform
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.evaluation.protocol import (  # noqa: E402
    BENCH_CAMERAS, METRICS, NOISE_LEVELS, build_cases, evaluate,
)
from finephys.lifter.baselines import MeanPoseLifter, Smoothed3D, mean_camera_pose  # noqa: E402
from finephys.lifter.bank import DemoBank, synthetic_bank_clips  # noqa: E402
from finephys.lifter.inference import PACKAGE_WEIGHTS, Lifter  # noqa: E402
from finephys.physnet.fuse import FUSION_DEFAULTS  # noqa: E402
from finephys.physnet.inference import PhysNetRunner  # noqa: E402
from finephys.physnet.pipeline import LiftAndReestimate  # noqa: E402
from finephys.motion.deepmimic import HELD_OUT_CLIPS, TRAIN_CLIPS, load_deepmimic_clip, load_split  # noqa: E402


def _mean_pose_lifter():
    return MeanPoseLifter(mean_camera_pose(load_split("train")))


@functools.lru_cache(maxsize=None)
def default_bank(window: int) -> DemoBank:
    """The benchmark's bank: the DeepMimic training clips and the built-in bank's synthetic
    clips (never the held-out clips). The lifter retrieves from it at each clip's frame rate;
    those versions are built here, before any timing, as a user's bank is built once per
    video frame rate (about a second each), not once per sequence."""
    bank = DemoBank.from_clips(load_split("train") + synthetic_bank_clips(), window)
    for name in HELD_OUT_CLIPS:
        bank.for_frame_rate(load_deepmimic_clip(name).fps)
    return bank


PHYSNET_WEIGHTS: list = []  # --physnet overrides the shipped weights


def _physnet(output: str, fit: bool = False, **fusion) -> LiftAndReestimate:
    """PhysNet on S3D_dd: the ICL lifter's raw answer, as PhysNet was trained (fit=True: on the
    lift fitted to the image, ICL Lift 3D's default output)."""
    runner = PhysNetRunner.from_files(PHYSNET_WEIGHTS[0]) if PHYSNET_WEIGHTS else PhysNetRunner.default()
    return LiftAndReestimate(_lifter("icl", fit=fit), runner, output, **fusion)


LIFTER_WEIGHTS: list = []  # --lifters overrides the folder of the shipped lifter weights


@functools.lru_cache(maxsize=None)
def _lifter(kind: str, demonstrations: bool = True, fit: bool = True, flip=None):
    folder = Path(LIFTER_WEIGHTS[0]) if LIFTER_WEIGHTS else PACKAGE_WEIGHTS
    lifter = Lifter.from_files(folder / f"finephys_lifter_{kind}.safetensors", use_demonstrations=demonstrations)
    if kind == "icl" and demonstrations:
        lifter = lifter.with_bank(default_bank(lifter.config.window), name="ICL lifter + bank")
    elif kind == "icl":
        lifter.name = "ICL lifter, no demonstration"
    if flip is not None:
        lifter = lifter.with_test_time_flip(flip, name=lifter.name + (", test-time flip" if flip else ", no flip"))
    return lifter if fit else lifter.with_image_fit(None, name=lifter.name + ", not fitted")


# name -> factory returning an estimator (None = the ground-truth sanity row)
ROWS: dict[str, Callable[[], object]] = {
    "ground_truth": lambda: None,
    "mean_pose": _mean_pose_lifter,
    "mean_pose_savgol": lambda: Smoothed3D(_mean_pose_lifter()),
    "tcn_lifter": lambda: _lifter("tcn", fit=False),
    "tcn_lifter_flip": lambda: _lifter("tcn", fit=False, flip=True),
    "tcn_lifter_fit": lambda: _lifter("tcn"),
    "icl_lifter_raw": lambda: _lifter("icl", fit=False),
    "icl_lifter_no_demo": lambda: _lifter("icl", demonstrations=False),
    "icl_lifter_no_flip": lambda: _lifter("icl", flip=False),
    "icl_lifter": lambda: _lifter("icl"),
    "icl_savgol_3d": lambda: Smoothed3D(_lifter("icl", fit=False), "savitzky_golay"),
    "icl_one_euro_3d": lambda: Smoothed3D(_lifter("icl", fit=False), "one_euro"),
    "physnet": lambda: _physnet("physics"),
    "physnet_fused": lambda: _physnet("fused"),
    "physnet_fused_rigid": lambda: _physnet("fused", rigid_bones=True),
    "physnet_fused_band": lambda: _physnet("fused", **FUSION_DEFAULTS),
    "fitted_physnet_fused_band": lambda: _physnet("fused", fit=True, **FUSION_DEFAULTS),
}


def format_table(level: str, rows: dict[str, dict[str, float]]) -> str:
    names = [m for m, _ in METRICS]
    header = ["row"] + [f"{m} ({u})" for m, u in METRICS]
    lines = [f"noise: {level}", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row, values in rows.items():
        cells = []
        for m in names:
            v = values[m]
            cells.append("—" if v != v else (f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"))
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def print_settings_table(title: str, scores: dict[str, dict[str, float]], columns: tuple[str, ...],
                         chosen: str | None, digits: int = 1) -> None:
    """The settings scripts' table: one row per setting (name -> {metric: value}), the chosen
    one marked."""
    print(f"\n{title}")
    print("| setting | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, values in scores.items():
        mark = " (chosen)" if name == chosen else ""
        print(f"| {name}{mark} | " + " | ".join(f"{values[c]:.{digits}f}" for c in columns) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated rows: " + ", ".join(ROWS))
    parser.add_argument("--out", default=str(REPO_DIR / "benchmarks" / "results" / "finephys_bench.json"))
    parser.add_argument("--physnet", default=None, help="PhysNet weights for the physnet rows (default: shipped)")
    parser.add_argument("--lifters", default=None,
                        help="folder with finephys_lifter_{icl,tcn}.safetensors + .json (default: lifter/weights)")
    args = parser.parse_args()
    if args.physnet:
        PHYSNET_WEIGHTS.append(args.physnet)
    if args.lifters:
        LIFTER_WEIGHTS.append(args.lifters)
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; known: {list(ROWS)}")

    began = time.perf_counter()
    cases = build_cases()
    print(f"{len(cases)} cases: clips {list(HELD_OUT_CLIPS)} x cameras "
          f"{[c[0] for c in BENCH_CAMERAS]} x noise {list(NOISE_LEVELS)} "
          f"({sum(c.gt.num_frames for c in cases)} frames) built in {time.perf_counter() - began:.1f} s")
    tables: dict[str, dict[str, dict[str, float]]] = {level: {} for level in NOISE_LEVELS}
    records: dict[str, list[dict]] = {}
    for row in rows:
        estimator = ROWS[row]()
        table, per_case = evaluate(estimator, cases, ground_truth=estimator is None, warmup=True)
        for level, values in table.items():
            tables[level][row] = values
        records[row] = per_case
    for level, by_row in tables.items():
        print()
        print(format_table(level, by_row))

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "command": "benchmarks/finephys_bench.py --rows " + ",".join(rows)
        + (f" --physnet {args.physnet}" if args.physnet else "") + (f" --lifters {args.lifters}" if args.lifters else ""),
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "processor": platform.machine()},
        "protocol": {"clips": list(HELD_OUT_CLIPS), "train_clips": list(TRAIN_CLIPS),
                     "cameras": [list(c) for c in BENCH_CAMERAS], "noise": list(NOISE_LEVELS)},
        "units": dict(METRICS),
        "tables": tables,
        "per_case": records,
    }, indent=1, allow_nan=True))
    print(f"\nsaved {out.relative_to(REPO_DIR) if out.is_relative_to(REPO_DIR) else out}")


if __name__ == "__main__":
    main()
