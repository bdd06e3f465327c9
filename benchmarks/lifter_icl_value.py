"""The in-context value, measured: does showing the lifter demonstrations of the same kind of
move lower the error on a held-out clip?

    .venv/bin/python benchmarks/lifter_icl_value.py [--lifter WEIGHTS --out JSON] [--raw]

One trained ICL lifter (lifter/weights/finephys_lifter_icl), FinePhys-Bench cases (held-out
clips x 3 cameras x clean/noisy), different demonstration banks:
  none                 no demonstration
  mocap                the 11 DeepMimic training clips
  saltos               4 new synthetic back, front and twisting saltos each
  mocap + saltos       both
  mocap + all families the mocap clips and 4 new synthetic clips of every family
  mocap + saltos, not re-rated   the mocap + saltos windows at the clips' own frame rates
                       (ablation: the lifter normally retrieves from the bank rebuilt at the
                       query's frame rate, lifter/bank.py)
  saltos, seed N       other draws of the salto bank (the built-in bank's seed is 7): is the
                       saltos' effect more than one lucky draw?
Prints P-MPJPE (mm) per held-out clip and noise level, saves
benchmarks/results/lifter_icl_value.json.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.evaluation.protocol import build_cases, evaluate  # noqa: E402
from finephys.lifter.bank import BANK_CLIPS_PER_FAMILY, DemoBank, synthetic_bank_clips  # noqa: E402
from finephys.lifter.inference import SHIPPED_WEIGHTS, Lifter  # noqa: E402
from finephys.motion.deepmimic import HELD_OUT_CLIPS, load_split  # noqa: E402
from finephys.motion.synthetic import generate_dataset  # noqa: E402

SALTOS = ("back_salto", "front_salto", "twisting_salto")
OTHER_SEEDS = (11, 23, 42)  # other draws of the salto bank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lifter", default=str(SHIPPED_WEIGHTS),
                        help="ICL lifter weights (default: the shipped ones)")
    parser.add_argument("--raw", action="store_true", help="score the network's answer, without the image fit")
    parser.add_argument("--out", default=str(REPO_DIR / "benchmarks" / "results" / "lifter_icl_value.json"))
    args = parser.parse_args()
    lifter = Lifter.from_files(args.lifter)
    if args.raw:
        lifter = lifter.with_image_fit(None)
    w = lifter.config.window
    mocap = load_split("train")
    saltos = synthetic_bank_clips(SALTOS)
    everything = synthetic_bank_clips()
    mocap_bank = DemoBank.from_clips(mocap, w)  # projected once, shared by the larger banks
    salto_bank = DemoBank.from_clips(saltos, w)
    both = mocap_bank.merged(salto_bank)
    banks = {
        "none": None,
        "mocap": mocap_bank,
        "saltos": salto_bank,
        "mocap + saltos": both,
        "mocap + all families": mocap_bank.merged(DemoBank.from_clips(everything, w)),
        # without its clips a bank cannot be rebuilt at another frame rate: used as it is
        "mocap + saltos, not re-rated": DemoBank(both.clean_2d, both.target_3d, both.names, both.families),
    }
    for seed in OTHER_SEEDS:
        clips = generate_dataset(BANK_CLIPS_PER_FAMILY * len(SALTOS), seed=seed, families=list(SALTOS))
        banks[f"saltos, seed {seed}"] = DemoBank.from_clips(clips, w)
    cases = build_cases()
    table: dict[str, dict[str, float]] = {}
    for name, bank in banks.items():
        estimator = lifter.with_bank(bank, use_demonstrations=bank is not None, name=name)
        row = {}
        for clip in HELD_OUT_CLIPS:
            for level in ("clean", "noisy"):
                subset = [c for c in cases if c.clip.name == clip and c.noise == level]
                result, _ = evaluate(estimator, subset)
                row[f"{clip}/{level}"] = result[level]["p_mpjpe"]
        table[name] = row
        print(name, {k: round(v, 1) for k, v in row.items()}, flush=True)
    columns = list(next(iter(table.values())))
    print("\n| bank | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, row in table.items():
        print(f"| {name} | " + " | ".join(f"{row[c]:.1f}" for c in columns) + " |")
    out = Path(args.out)
    command = "benchmarks/lifter_icl_value.py" + (" --raw" if args.raw else "")
    out.write_text(json.dumps({"command": command, "lifter": Path(args.lifter).name, "metric": "p_mpjpe mm",
                               "banks": {k: (len(v) if v is not None else 0) for k, v in banks.items()},
                               "table": table}, indent=1))
    shown = out.resolve().relative_to(REPO_DIR) if out.resolve().is_relative_to(REPO_DIR) else out
    print(f"saved {shown}")


if __name__ == "__main__":
    main()
