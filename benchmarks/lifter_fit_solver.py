"""How the image fit's solver budget (lifter/image_fit.py ImageFitSettings.iterations, with and
without ImageFitSettings.precondition) was chosen: the shipped fit's energy minimised by plain
L-BFGS and by L-BFGS preconditioned with SmoothSkeletonPreconditioner
(lifter/fit_preconditioner.py) for several iteration counts, scored on the validation sets of
benchmarks/lifter_fit_settings.py (DeepMimic training clips and synthetic validation clips, the
bench's cameras and noise; the held-out clips are never looked at here), with the lift's speed
on those sets (frames/s, the whole lift: network and fit; in the same run, so the rows compare).

    .venv/bin/python benchmarks/lifter_fit_solver.py          # prints the table, saves JSON

Rule: the fewest preconditioned iterations whose mean of the four P-MPJPEs (two sets x clean /
noisy) is within 0.05 mm of the preconditioned solve's at 100 iterations (converged: plain
L-BFGS at 400 iterations is within 0.05 mm of it too); the time it saves is the speed margin.
"""
from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import finephys_bench as bench  # noqa: E402  (loads the package)
from lifter_fit_settings import validation_sets  # noqa: E402

from finephys.evaluation.protocol import evaluate  # noqa: E402
from finephys.lifter.bank import builtin_bank  # noqa: E402
from finephys.lifter.image_fit import ImageFitSettings  # noqa: E402
from finephys.lifter.inference import SHIPPED_WEIGHTS, Lifter  # noqa: E402

PLAIN = (60, 100, 250, 400)  # iterations of plain L-BFGS (100: the previous default)
PRECONDITIONED = (20, 30, 40, 50, 100)
CONVERGED = 100  # the preconditioned count the rule's reference is taken at
WITHIN_MM = 0.05


def row_name(precondition: bool, iterations: int) -> str:
    return f"{'preconditioned' if precondition else 'plain'} L-BFGS, {iterations} iterations"


def main() -> None:
    lifter = Lifter.from_files(SHIPPED_WEIGHTS)
    lifter = lifter.with_bank(builtin_bank(lifter.config.window))
    d = ImageFitSettings()
    settings = [(False, n) for n in PLAIN] + [(True, n) for n in PRECONDITIONED]
    sets = validation_sets()
    began = time.perf_counter()
    tables: dict[str, dict] = {s: {} for s in sets}
    for precondition, iterations in settings:
        estimator = lifter.with_image_fit(dataclasses.replace(d, precondition=precondition, iterations=iterations))
        for set_name, cases in sets.items():
            tables[set_name][row_name(precondition, iterations)], _ = evaluate(estimator, cases, warmup=True)
        print(f"{row_name(precondition, iterations)}: {time.perf_counter() - began:.0f} s", flush=True)

    def mean(name: str) -> float:
        return sum(tables[s][name][level]["p_mpjpe"] for s in sets for level in ("clean", "noisy")) / (2 * len(sets))

    def fps(name: str) -> float:  # every case of both sets, clean and noisy: frames over seconds
        frames = seconds = 0.0
        for s, cases in sets.items():
            n = sum(c.gt.num_frames for c in cases if c.noise == "clean")  # each level holds the same clips
            for level in ("clean", "noisy"):
                frames += n
                seconds += n / tables[s][name][level]["fps"]
        return frames / seconds

    reference = mean(row_name(True, CONVERGED))
    chosen = min(n for n in PRECONDITIONED if mean(row_name(True, n)) <= reference + WITHIN_MM)
    names = [row_name(p, n) for p, n in settings]
    print("\n| solver | " + " | ".join(f"{s}, {level}" for s in sets for level in ("clean", "noisy"))
          + " | mean P-MPJPE (mm) | noisy MPJVE / accel (" + ", ".join(sets) + ") | lift frames/s |")
    print("|---" * (2 * len(sets) + 4) + "|")
    for name in names:
        marker = " **(chosen)**" if name == row_name(True, chosen) else ""
        print(f"| {name}{marker} | " + " | ".join(f"{tables[s][name][level]['p_mpjpe']:.2f}" for s in sets
                                                  for level in ("clean", "noisy"))
              + f" | {mean(name):.2f} | " + ", ".join(f"{tables[s][name]['noisy']['mpjve']:.2f} / "
                                                   f"{tables[s][name]['noisy']['accel']:.2f}" for s in sets)
              + f" | {fps(name):,.0f} |")
    default = (d.precondition, d.iterations)
    print(f"\nchosen by the rule: preconditioned, {chosen} iterations (within {WITHIN_MM} mm of "
          f"{reference:.2f}); shipped default: {row_name(*default)} "
          f"({'the same' if default == (True, chosen) else 'DIFFERENT'}); {time.perf_counter() - began:.0f} s")
    out = bench.REPO_DIR / "benchmarks" / "results" / "lifter_fit_solver.json"
    out.write_text(json.dumps({"command": "benchmarks/lifter_fit_solver.py", "defaults": dataclasses.asdict(d),
                               "chosen_iterations": chosen, "reference_mean": reference,
                               "mean_p_mpjpe": {n: mean(n) for n in names}, "lift_fps": {n: fps(n) for n in names},
                               "tables": tables}, indent=1))
    print(f"saved {out.relative_to(bench.REPO_DIR)}")


if __name__ == "__main__":
    main()
