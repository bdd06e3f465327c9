"""How much could a demonstration tell the lifter? The best any bank entry could do, chosen
with the ground truth, next to what the lifter already gets without one.

    .venv/bin/python benchmarks/lifter_demo_oracle.py

Issue F4 asks that demonstrations of the same kind of move lower a held-out clip's error. A
demonstration can only help where it shows poses closer to the truth than the lifter's own
answer. For each held-out clip and each source of demonstrations that
benchmarks/lifter_icl_value.py uses (the DeepMimic training clips, the synthetic saltos, all
synthetic families), this prints the per-frame and the window oracle of
evaluation/demo_oracle.py (bank entries picked with the truth in hand: no retrieval from 2D
can do better; the sources resampled to the clip's frame rate, as the lifter retrieves them)
beside the shipped ICL lifter's P-MPJPE on the clip's clean bench cases
without any demonstration (ICL Lift 3D's default path, fit included). Saves
benchmarks/results/lifter_demo_oracle.json.
"""
from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.evaluation.demo_oracle import pairwise_p_mpjpe, per_frame_oracle, window_oracle  # noqa: E402
from finephys.evaluation.protocol import build_cases, evaluate  # noqa: E402
from finephys.lifter.bank import synthetic_bank_clips  # noqa: E402
from finephys.lifter.inference import SHIPPED_WEIGHTS, Lifter  # noqa: E402
from finephys.motion.deepmimic import HELD_OUT_CLIPS, load_deepmimic_clip, load_split  # noqa: E402
from lifter_icl_value import SALTOS  # noqa: E402  (the same demonstration sources)


def main() -> None:
    began = time.perf_counter()
    sources = {
        "mocap (11 training clips)": load_split("train"),
        "synthetic saltos": synthetic_bank_clips(SALTOS),
        "synthetic, all families": synthetic_bank_clips(),
    }

    @functools.lru_cache(maxsize=None)  # three held-out clips share 60 frames/s
    def bank_poses(name: str, fps: float) -> tuple[np.ndarray, list]:
        """Every pose [N,17,3] of a source's clips at `fps` (the lifter retrieves windows at the
        query's frame rate) and each clip's (first, end) rows; P-MPJPE needs no root alignment."""
        clips = [c.resampled(fps) for c in sources[name]]
        lengths = np.array([c.num_frames for c in clips])
        ends = np.cumsum(lengths)
        return np.concatenate([c.joints for c in clips]), list(zip(ends - lengths, ends))

    bank_frames = {}
    lifter = Lifter.from_files(SHIPPED_WEIGHTS).with_bank(None, use_demonstrations=False)
    window = lifter.config.window
    cases = build_cases(noise_levels=("clean",))
    table: dict[str, dict[str, float]] = {}
    for clip_name in HELD_OUT_CLIPS:
        held_out = load_deepmimic_clip(clip_name)
        truth = held_out.joints
        result, _ = evaluate(lifter, [c for c in cases if c.clip.name == clip_name])
        row = {"frames": float(len(truth)), "lifter, no demonstration": result["clean"]["p_mpjpe"]}
        for name in sources:
            poses, bounds = bank_poses(name, held_out.fps)
            bank_frames[f"{name} at {held_out.fps:g} fps"] = int(len(poses))
            errors = pairwise_p_mpjpe(truth, poses)
            row[f"{name}: per-frame oracle"] = 1000 * per_frame_oracle(errors)
            row[f"{name}: window oracle"] = 1000 * window_oracle(errors, bounds, window)
        table[clip_name] = row
        print(clip_name, {k: round(v, 1) for k, v in row.items()}, flush=True)
    columns = [c for c in next(iter(table.values())) if c != "frames"]
    print("\nP-MPJPE mm, held-out clips (lifter: clean 2D, 3 bench cameras; oracles: chosen with the truth)")
    print("| clip | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for clip_name, row in table.items():
        print(f"| {clip_name} | " + " | ".join(f"{row[c]:.1f}" for c in columns) + " |")
    out = REPO_DIR / "benchmarks" / "results" / "lifter_demo_oracle.json"
    out.write_text(json.dumps({
        "command": "benchmarks/lifter_demo_oracle.py", "metric": "p_mpjpe mm", "window": window,
        "bank_frames": bank_frames, "table": table,
        "seconds": time.perf_counter() - began}, indent=1))
    print(f"saved {out.relative_to(REPO_DIR)} ({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
