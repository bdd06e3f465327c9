"""How PhysNet's flight check limit (physnet/config.py flight_check_max_accel,
physnet/flight_check.py) is chosen: on the validation sets of fusion_settings.py (the DeepMimic
TRAINING clips and synthetic validation clips, bench cameras, clean and noisy 2D; never the
held-out clips).

    .venv/bin/python benchmarks/flight_check_tolerance.py [--physnet FILE] [--lifters DIR] [--out FILE]

Every flight run PhysNet marks (long enough to test; at its own threshold, check off) gets the
vertical acceleration of the least-squares parabola through its data-driven centre-of-mass
heights, and the share of its frames truly in flight. Rule: the limit is the 95th percentile
of that acceleration over the runs that are mostly true flight (share >= 0.5), rounded up to
0.5 m/s², so the check keeps at least 95 % of the flights the validation sets hold; the
output shows how many runs that are mostly support it removes. Saves JSON (default
benchmarks/results/flight_check_tolerance.json).
"""
from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import finephys_bench as bench  # noqa: E402  (loads the package)
from lifter_fit_settings import validation_sets  # noqa: E402

from finephys.physnet.constraints import centre_of_mass  # noqa: E402
from finephys.physnet.flight_check import fitted_vertical_acceleration, testable  # noqa: E402
from finephys.physnet.report import phases  # noqa: E402

TRUE_FLIGHT_SHARE = 0.5
KEPT_FLIGHTS = 95  # percent of the validation flights the limit keeps
STEP = 0.5  # m/s², the limit is rounded up to a multiple of it


def marked_runs(lifter, runner, cases) -> list[dict]:
    """Each testable marked run of each case: the data's fitted vertical acceleration (m/s²),
    and the run's true-flight share."""
    runs = []
    for case in cases:
        out, _, _ = runner.run_network(lifter(case.pose2d), case.elevation_deg)
        height = centre_of_mass(out.data_states, runner.model.com_weights)[0, :, 2]
        truth = np.asarray(case.clip.flight, dtype=bool)
        dt = 1.0 / case.pose2d.fps
        for start, stop in phases(out.flight[0].numpy() > 0.5):
            if testable(start, stop, dt):
                runs.append({"case": case.key, "start": start, "stop": stop,
                             "accel": fitted_vertical_acceleration(height[start:stop], dt),
                             "true_flight_share": float(truth[start:stop].mean())})
    return runs


def main() -> None:
    args = bench.chain_arguments(__doc__, "flight_check_tolerance.json")
    lifter = bench._lifter("icl", fit=False)  # S3D_dd, as PhysNet is fed on the bench
    runner = bench.PhysNetRunner.from_files(args.physnet) if args.physnet else bench.PhysNetRunner.default()
    runner.model.config.flight_check_max_accel = None
    began = time.perf_counter()
    runs = {name: marked_runs(lifter, runner, cases) for name, cases in validation_sets().items()}
    every = [r for rs in runs.values() for r in rs]
    flights = [r["accel"] for r in every if r["true_flight_share"] >= TRUE_FLIGHT_SHARE]
    supports = [r["accel"] for r in every if r["true_flight_share"] < TRUE_FLIGHT_SHARE]
    limit = math.ceil(np.percentile(flights, KEPT_FLIGHTS) / STEP) * STEP if flights else None

    def stats(x: list[float]) -> str:
        return f"{np.median(x):.1f} [{min(x):.1f}, {max(x):.1f}]" if x else "-"

    print(f"{'set':22s} {'runs':>5s} {'mostly flight':>14s} {'accel m/s² median [min, max]':>30s} "
          f"{'mostly support':>15s} {'accel m/s² median [min, max]':>30s}")
    for name, rs in runs.items():
        f = [r["accel"] for r in rs if r["true_flight_share"] >= TRUE_FLIGHT_SHARE]
        s = [r["accel"] for r in rs if r["true_flight_share"] < TRUE_FLIGHT_SHARE]
        print(f"{name:22s} {len(rs):5d} {len(f):14d} {stats(f):>30s} {len(s):15d} {stats(s):>30s}")
    if limit is None:
        print("no marked flight run long enough to test: no limit chosen")
    else:
        print(f"chosen limit: {limit:g} m/s² ({KEPT_FLIGHTS}th percentile of the mostly-flight runs, rounded up); "
              f"it removes {sum(a > limit for a in flights)} of {len(flights)} mostly-flight and "
              f"{sum(a > limit for a in supports)} of {len(supports)} mostly-support runs; "
              f"{time.perf_counter() - began:.0f} s")
    out = Path(args.out)
    out.write_text(json.dumps({
        "command": "benchmarks/flight_check_tolerance.py" + (f" --physnet {args.physnet}" if args.physnet else "")
        + (f" --lifters {args.lifters}" if args.lifters else ""),
        "flight_threshold": runner.config.flight_threshold, "max_accel_ms2": limit, "runs": runs}, indent=1))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
