"""Combine lifters trained with other seeds into one ensemble file (lifter/ensemble.py).

    .venv/bin/python training/ensemble_lifters.py a.safetensors b.safetensors \
        --out lifter/weights --name finephys_lifter_icl
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("members", nargs="+", help="lifter .safetensors files (configs beside them)")
    p.add_argument("--out", default="lifter/weights", help="folder to write <name>.safetensors/.json into")
    p.add_argument("--name", required=True, help="output name, e.g. finephys_lifter_icl")
    args = p.parse_args(argv)
    from _package import load_package

    load_package()
    from finephys.lifter.ensemble import combine_lifters

    out = Path(args.out) / f"{args.name}.safetensors"
    # The recorded command names the members by file name only (no paths of this machine).
    command = "training/ensemble_lifters.py " + " ".join(Path(m).name for m in args.members) + f" --name {args.name}"
    config = combine_lifters(args.members, out, command)
    print(f"wrote {out} ({config.members} {config.kind} lifters)")


if __name__ == "__main__":
    main()
