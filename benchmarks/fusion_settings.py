"""How Fuse & Project's defaults (physnet/fuse.py FUSION_DEFAULTS) were chosen: every setting
of the grid scored on the DeepMimic TRAINING clips seen by the bench's cameras and noise (the
held-out clips are never looked at here), next to the lift, its Savitzky-Golay smoothing,
PhysNet alone and the paper's plain average.

    .venv/bin/python benchmarks/fusion_settings.py          # prints the table, saves JSON

Rule: among the settings whose noisy-2D acceleration error is below Savitzky-Golay's at equal
or better MPJPE, the one with the lowest flight-law error (median |c''z + 9.81|).
All fused rows use the paper's weight 0.5, rigid bones and the flight law.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import finephys_bench as bench  # noqa: E402  (loads the package)

from finephys.evaluation.protocol import build_cases, evaluate  # noqa: E402
from finephys.lifter.baselines import Smoothed3D  # noqa: E402
from finephys.motion.deepmimic import TRAIN_CLIPS  # noqa: E402
from finephys.physnet.fuse import FUSION_DEFAULTS, fuse  # noqa: E402

BANDS = (0.25, 0.5, 1.0)
DETAILS = (0.0, 0.5, 1.0)
COLUMNS = ("mpjpe", "p_mpjpe", "accel", "bone_std", "flight_com_median")


class Fused:
    """Lift -> PhysNet -> fuse with the given settings (None: PhysNet's output itself)."""

    uses_camera_elevation = True

    def __init__(self, lifter, runner, settings):
        self.lifter, self.runner, self.settings = lifter, runner, settings

    def __call__(self, pose2d, elevation_deg: float = 0.0):
        data = self.lifter(pose2d)
        physics, _ = self.runner.reestimate(data, elevation_deg)
        return physics if self.settings is None else fuse(data, physics, 0.5, **self.settings)


def main() -> None:
    lifter, runner = bench._lifter("icl", fit=False), bench.PhysNetRunner.default()  # S3D_dd
    rows = {"lift (S3D_dd)": lifter, "lift + Savitzky-Golay": Smoothed3D(lifter),
            "PhysNet (S3D_pp)": Fused(lifter, runner, None), "plain average": Fused(lifter, runner, {})}
    for band in BANDS:
        for detail in DETAILS:
            rows[f"band {band:g} s, detail {detail:g}"] = Fused(lifter, runner, dict(
                rigid_bones=True, flight_law=True, data_band_s=band, physics_detail=detail))
    began = time.perf_counter()
    cases = build_cases(TRAIN_CLIPS)
    tables = {}
    for name, estimator in rows.items():
        tables[name], _ = evaluate(estimator, cases)
    sg = tables["lift + Savitzky-Golay"]["noisy"]
    eligible = [n for n in rows if n.startswith("band") and tables[n]["noisy"]["accel"] < sg["accel"]
                and tables[n]["noisy"]["mpjpe"] <= sg["mpjpe"]]
    chosen = min(eligible, key=lambda n: tables[n]["noisy"]["flight_com_median"]) if eligible else None
    default = f"band {FUSION_DEFAULTS['data_band_s']:g} s, detail {FUSION_DEFAULTS['physics_detail']:g}"
    for level in ("noisy", "clean"):
        bench.print_settings_table(f"{level} 2D, training clips {list(TRAIN_CLIPS)}",
                                   {n: tables[n][level] for n in rows}, COLUMNS, chosen, digits=2)
    print(f"\nchosen by the rule: {chosen}; shipped default: {default} "
          f"({'the same' if chosen == default else 'DIFFERENT'}); {time.perf_counter() - began:.0f} s")
    out = bench.REPO_DIR / "benchmarks" / "results" / "fusion_settings.json"
    out.write_text(json.dumps({"command": "benchmarks/fusion_settings.py", "clips": list(TRAIN_CLIPS),
                               "chosen": chosen, "default": default, "tables": tables}, indent=1, allow_nan=True))
    print(f"saved {out.relative_to(bench.REPO_DIR)}")


if __name__ == "__main__":
    main()
