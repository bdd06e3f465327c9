"""Train a 2D->3D lifter (the in-context transformer, or the temporal-convolution baseline).

    .venv/bin/python training/train_lifter.py --help

Data: the DeepMimic training clips (never the held-out ones), synthetic gymnastics, and a
Human3.6M VideoPose3D npz when given, seen through random virtual cameras with detector-like
noise (training/lifter_data.py). Writes <out>/<name>.safetensors (weights) and <name>.json
(config, incl. the mean pose). Seeded; resumable from <out>/<name>.resume/ (weights as
safetensors, optimizer state loaded with torch.load(weights_only=True)); logs progress. Runs
through `accelerate`, so `accelerate launch training/train_lifter.py ...` uses every GPU.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch


def _package():
    """The repository as the package `finephys` (how ComfyUI and the tests import it)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from _package import load_package

    load_package()
    import finephys.motion.deepmimic  # noqa: F401
    import finephys.motion.h36m_npz  # noqa: F401
    import finephys.motion.synthetic  # noqa: F401
    import finephys

    return finephys


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", choices=["icl", "tcn"], default="icl")
    p.add_argument("--name", default=None, help="output name (default: finephys_lifter_<kind>)")
    p.add_argument("--out", default="lifter/weights")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--window", type=int, default=27)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--dropout", type=float, default=0.1, help="dropout of either kind (shipped: 0 for the ICL lifter, 0.1 for the TCN)")
    p.add_argument("--synthetic", type=int, default=160, help="synthetic clips to generate")
    p.add_argument("--cameras", type=int, default=4, help="random cameras per synthetic clip")
    p.add_argument("--mocap-cameras", type=int, default=16, help="random cameras per mocap clip")
    p.add_argument("--h36m", default=None, help="optional data_3d_h36m.npz (VideoPose3D layout)")
    p.add_argument("--bone-weight", type=float, default=0.0,
                   help="weight of a bone-length loss (|predicted - true length|, metres); 0: off (the shipped weights)")
    p.add_argument("--demo-share", type=float, default=0.8, help="share of batches with a demonstration")
    p.add_argument("--demo-pairing", choices=["nearest", "same_family"], default="nearest",
                   help="demonstrations for training windows: the nearest windows of other clips "
                        "(the shipped weights), or the nearest of other clips of the same kind of move")
    p.add_argument("--same-clip-share", type=float, default=0.0,
                   help="share of demonstrations taken from the query's own clip (other cameras, "
                        "nearby frames) instead of other clips: demonstrations worth reading, so the "
                        "lifter learns to use one whose 2D matches; 0: off (the shipped weights)")
    p.add_argument("--roll-share", type=float, default=0.0,
                   help="share of windows turned by a random angle in the image plane (2D and 3D alike: "
                        "a camera rolled about its optical axis), so upside-down and sideways bodies "
                        "(cartwheels, saltos) are seen from every side; 0: off")
    p.add_argument("--exclude-families", default="",
                   help="comma-separated synthetic families left out of the training data (a "
                        "leave-family-out study: are demonstrations of a move the lifter never saw "
                        "of use?); default: none")
    p.add_argument("--pose-aug", type=int, default=0,
                   help="augmented copies of every recorded (mocap) clip: limbs and torso turned at "
                        "their joints, bone lengths kept (training/pose_augmentation.py), for poses "
                        "the recordings lack; the shipped weights use 4; 0: off")
    p.add_argument("--exclude-clips", default="",
                   help="comma-separated recorded training clips left out (a leave-clips-out "
                        "validation: score on them what was trained without them); default: none")
    p.add_argument("--cache", default=".cache/finephys", help="where generated synthetic clips are kept")
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--save-every", type=int, default=500)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.add_argument("--stop-after", type=int, default=0,
                   help="stop (resumably) after this many steps of this run: train in slices")
    return p.parse_args(argv)


def load_clips(args, fp) -> list:
    from_dm = fp.motion.deepmimic.load_split("train")
    left_out = {c for c in args.exclude_clips.split(",") if c}
    unknown = left_out - {c.name for c in from_dm}
    if unknown:
        raise SystemExit(f"--exclude-clips: unknown {sorted(unknown)}; "
                         f"training clips: {', '.join(c.name for c in from_dm)}")
    from_dm = [c for c in from_dm if c.name not in left_out]
    if args.pose_aug:
        from finephys.training.pose_augmentation import augmented_copies

        from_dm = from_dm + augmented_copies(from_dm, args.pose_aug, args.seed + 2000)
    synthetic_path = Path(args.cache) / f"synthetic_{args.synthetic}_seed{args.seed}.npz"
    clips = list(from_dm)
    if args.synthetic:
        excluded = {f for f in args.exclude_families.split(",") if f}
        unknown = excluded - set(fp.motion.synthetic.FAMILIES)
        if unknown:
            raise SystemExit(f"--exclude-families: unknown {sorted(unknown)}; "
                             f"families: {', '.join(fp.motion.synthetic.FAMILIES)}")
        # the same generated clips either way, those of the excluded families dropped
        clips += [c for c in cached_synthetic(synthetic_path, args.synthetic, args.seed, fp)
                  if c.family not in excluded]
    if args.h36m:
        clips += fp.motion.h36m_npz.load_h36m_3d(args.h36m)
    return clips


def cached_synthetic(path: Path, count: int, seed: int, fp) -> list:
    """Synthetic clips, half at 30 fps and half at 60 (the benchmark has both), kept on disk
    because generating them takes ~0.5 s a clip."""
    Clip = fp.motion.clip.MotionClip
    if path.is_file():
        data = np.load(path, allow_pickle=False)
        clips = []
        for i in range(int(data["count"])):
            clips.append(Clip(joints=data[f"j{i}"], fps=float(data[f"fps{i}"]), contacts=data[f"c{i}"],
                              name=str(data[f"n{i}"]), family=str(data[f"f{i}"])))
        return clips
    gen = fp.motion.synthetic.generate_dataset
    clips = gen(count - count // 2, seed=seed, fps=30.0) + gen(count // 2, seed=seed + 1, fps=60.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {"count": np.array(len(clips))}
    for i, c in enumerate(clips):
        arrays.update({f"j{i}": c.joints, f"fps{i}": np.array(c.fps), f"c{i}": c.contacts,
                       f"n{i}": np.array(c.name), f"f{i}": np.array(c.family)})
    np.savez(path, **arrays)
    return clips


def roll_angles(rng: np.random.Generator, count: int, share: float) -> torch.Tensor:
    """[B] radians: uniform on the circle for a `share` of the windows, 0 for the rest."""
    angle = rng.uniform(-np.pi, np.pi, count) * (rng.random(count) < share)
    return torch.from_numpy(angle.astype(np.float32))


def roll_window(x: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Turn x and y of [B,T,17,C] (2D: x, y, confidence; 3D: x, y, z) by angle [B] about the
    optical axis. Exact for both: rolling a camera turns every image point about the principal
    point, hence root-relative 2D by the same angle, and camera-frame 3D about z."""
    cos, sin = torch.cos(angle).to(x)[:, None, None], torch.sin(angle).to(x)[:, None, None]
    out = x.clone()
    out[..., 0] = cos * x[..., 0] - sin * x[..., 1]
    out[..., 1] = sin * x[..., 0] + cos * x[..., 1]
    return out


def main(argv=None) -> None:
    args = parse_args(argv)
    fp = _package()
    from accelerate import Accelerator

    from finephys.lifter.model import LifterConfig, build_lifter
    from finephys.modelfiles import recorded_command
    from finephys.training.checkpoint import ResumeState
    from finephys.training.lifter_data import demonstration_table, make_windows, same_clip_table

    if args.threads:
        torch.set_num_threads(args.threads)
    accelerator = Accelerator()
    name = args.name or f"finephys_lifter_{args.kind}"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = accelerator.print
    began = time.time()

    clips = load_clips(args, fp)
    mocap = [c for c in clips if not c.name.startswith("synthetic/")]
    synthetic = [c for c in clips if c.name.startswith("synthetic/")]
    data = make_windows(mocap, args.window, args.mocap_cameras, args.seed)
    if synthetic:
        more = make_windows(synthetic, args.window, args.cameras, args.seed + 1)
        offset = len(data.families)
        data.query_2d = np.concatenate([data.query_2d, more.query_2d])
        data.clean_2d = np.concatenate([data.clean_2d, more.clean_2d])
        data.target_3d = np.concatenate([data.target_3d, more.target_3d])
        data.family = np.concatenate([data.family, more.family + offset])
        data.families = data.families + more.families
        data.clip = np.concatenate([data.clip, more.clip + data.clip.max() + 1])
    log(f"{len(clips)} clips ({len(mocap)} mocap, {len(synthetic)} synthetic) -> {len(data)} windows "
        f"of {args.window} frames in {time.time() - began:.0f} s")

    mean_pose = data.target_3d.reshape(-1, 17, 3).mean(axis=0)
    config = LifterConfig(kind=args.kind, window=args.window, dim=args.dim, depth=args.depth,
                          dropout=args.dropout, mean_pose=mean_pose.round(5).tolist())
    torch.manual_seed(args.seed)
    model = build_lifter(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    model, optimizer = accelerator.prepare(model, optimizer)

    resume = ResumeState(out / f"{name}.resume", accelerator)
    step = resume.load(model, optimizer, schedule)
    if step:
        log(f"resumed from step {step}")

    rng = np.random.default_rng(args.seed + 1000 + step)
    demos = demonstration_table(data, same_family=args.demo_pairing == "same_family") if args.kind == "icl" else None
    same_clip = same_clip_table(data) if args.kind == "icl" and args.same_clip_share > 0 else None
    q2d = torch.from_numpy(data.query_2d)
    c2d = torch.from_numpy(data.clean_2d)
    t3d = torch.from_numpy(data.target_3d)
    device = accelerator.device
    model.train()
    running = []
    stop_at = min(args.steps, step + args.stop_after) if args.stop_after else args.steps
    while step < stop_at:
        idx = rng.integers(0, len(data), args.batch)
        query, target = q2d[idx].to(device), t3d[idx].to(device)
        demo_2d = demo_3d = None
        if args.kind == "icl" and rng.random() < args.demo_share:
            column = rng.integers(0, demos.shape[1], len(idx))
            demo_idx = demos[idx, column]
            if same_clip is not None:
                own = same_clip[idx, column]
                demo_idx = np.where((rng.random(len(idx)) < args.same_clip_share) & (own >= 0), own, demo_idx)
            demo_2d, demo_3d = c2d[demo_idx].to(device), t3d[demo_idx].to(device)
        if args.roll_share:
            angle = roll_angles(rng, len(idx), args.roll_share)
            query, target = roll_window(query, angle), roll_window(target, angle)
            if demo_2d is not None:
                demo_2d, demo_3d = roll_window(demo_2d, angle), roll_window(demo_3d, angle)
        prediction = model(query, demo_2d, demo_3d)
        loss = torch.linalg.norm(prediction - target, dim=-1).mean()  # MPJPE, metres
        # Smooth motion: match the targets' frame-to-frame velocities too.
        loss = loss + 0.5 * torch.linalg.norm(
            (prediction[:, 1:] - prediction[:, :-1]) - (target[:, 1:] - target[:, :-1]), dim=-1).mean()
        if args.bone_weight:
            from finephys.physnet.constraints import bone_lengths

            loss = loss + args.bone_weight * (bone_lengths(prediction) - bone_lengths(target)).abs().mean()
        optimizer.zero_grad()
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        step += 1
        running.append(loss.item())
        if step % args.log_every == 0 or step == args.steps:
            log(f"step {step}/{args.steps} loss {np.mean(running):.4f} lr {schedule.get_last_lr()[0]:.2e} "
                f"({time.time() - began:.0f} s)")
            running = []
        if accelerator.is_main_process and step < args.steps and (step % args.save_every == 0 or step == stop_at):
            resume.save(model, optimizer, schedule, step)

    if step < args.steps:
        log(f"stopped at step {step}; run the same command again to resume")
        return
    if accelerator.is_main_process:
        meta = {"name": name, "steps": str(args.steps), "seed": str(args.seed),
                "command": recorded_command("training/train_lifter.py", argv),
                "train_seconds": f"{time.time() - began:.0f}", "windows": str(len(data))}
        resume.save_final(model, out / f"{name}.safetensors", meta, config)
        log(f"saved {out / (name + '.safetensors')} ({(out / (name + '.safetensors')).stat().st_size / 1e6:.1f} MB) "
            f"after {time.time() - began:.0f} s")


if __name__ == "__main__":
    main()
