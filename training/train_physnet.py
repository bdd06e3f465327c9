"""Train PhysNet (spec 1.2-1.3): L_3D + L_noise pre-training on 3D data, optional L_2D +
L_noise fine-tuning on 2D-only sequences (detected video).

    .venv/bin/python training/train_physnet.py --help

Pre-training data: the DeepMimic training clips (never the held-out ones) and exact-physics
synthetic motion, seen through random virtual cameras with detector-like noise and lifted by
the shipped ICL lifter: PhysNet learns on the S3D_dd it will get (training/physnet_data.py).
Loss: the mean joint error of S3D_pp (root-relative, plus the shape of the global trajectory
at half weight), the same for the forward and backward estimates at half weight, velocity and
acceleration errors, the contact labels (BCE), and L_noise = mean ||N_t||_F; with
--flight-weight, also a BCE on P(no support), the flight mask itself (class-balanced unless
--flight-balance plain).

Fine-tuning (--finetune-2d a.npz [b.npz ...], from --init weights): 2D pose files (FinePhys
Save 2D Pose), lifted, re-estimated and projected back through the camera the lifter
assumed; L_2D = confidence-weighted squared reprojection error (in units of the focal
length) + L_noise.

Writes <out>/<name>.safetensors + <name>.json; seeded; resumable from <out>/<name>.resume/;
logs progress; runs through `accelerate` (`accelerate launch ...` for several GPUs).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent


def _package():
    sys.path.insert(0, str(REPO / "scripts"))
    from _package import load_package

    load_package()
    import finephys.motion.deepmimic  # noqa: F401
    import finephys.motion.synthetic  # noqa: F401
    import finephys

    return finephys


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name", default="finephys_physnet")
    p.add_argument("--out", default="physnet/weights")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--window", type=int, default=24,
                   help="frames per training window (rollout length; 24 keeps every DeepMimic training clip)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mode", choices=["rollout", "teacher_forced"], default="rollout")
    p.add_argument("--inverse-mass", choices=["cholesky", "symmetric"], default="cholesky")
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--synthetic", type=int, default=160, help="synthetic clips (shared cache with the lifter)")
    p.add_argument("--cameras", type=int, default=3, help="random cameras per synthetic clip")
    p.add_argument("--mocap-cameras", type=int, default=12, help="random cameras per mocap clip")
    p.add_argument("--lifter", default=None, help="lifter weights giving S3D_dd (default: the shipped ICL lifter)")
    p.add_argument("--noise-weight", type=float, default=1e-3, help="weight of L_noise")
    p.add_argument("--contact-weight", type=float, default=0.5, help="weight of the contact BCE")
    p.add_argument("--accel-weight", type=float, default=6.0, help="weight of the acceleration term")
    p.add_argument("--flight-weight", type=float, default=0.0,
                   help="weight of a BCE on P(no support), the flight mask PhysNet uses (0: contacts BCE "
                        "only); balanced, it sets the flight threshold to 1 - the training data's flight "
                        "share, undoing the balancing")
    p.add_argument("--flight-balance", choices=["balanced", "plain"], default="balanced",
                   help="flight BCE: classes weighted equally (threshold 1 - flight share) or plain (threshold 0.5)")
    p.add_argument("--flight-threshold", type=float, default=None,
                   help="store this flight threshold in the config (inference only; default: 0.5, or 1 - the "
                        "flight share with the balanced flight loss)")
    p.add_argument("--floor-guard", action="store_true",
                   help="store floor_guard: true in the config (inference only: no ballistic constraint while "
                        "the body touches the floor)")
    p.add_argument("--raise-share", type=float, default=0.0,
                   help="share of training windows lifted onto a support 0.3 to --raise-max m high (a box, a "
                        "beam), so contacts are learnt from the feet's motion, not their height; 0: off")
    p.add_argument("--raise-max", type=float, default=2.5, help="highest support of --raise-share (m)")
    p.add_argument("--finetune-2d", nargs="*", default=None, help="2D pose files (.npz/.json): L_2D fine-tuning")
    p.add_argument("--elevation", type=float, default=0.0, help="camera elevation of the 2D files (degrees)")
    p.add_argument("--init", default=None, help="start from these PhysNet weights (fine-tuning)")
    p.add_argument("--cache", default=".cache/finephys")
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--save-every", type=int, default=250)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--stop-after", type=int, default=0, help="stop (resumably) after this many steps of this run")
    return p.parse_args(argv)


def _lifter_weights(args) -> Path:
    from finephys.lifter.inference import SHIPPED_WEIGHTS

    return Path(args.lifter or SHIPPED_WEIGHTS)


def _lifter(args, fp):
    from finephys.lifter.bank import builtin_bank
    from finephys.lifter.inference import Lifter

    lifter = Lifter.from_files(_lifter_weights(args))
    if lifter.config.kind == "icl":
        lifter = lifter.with_bank(builtin_bank(lifter.config.window))
    # S3D_dd is the network's answer (the paper's data-driven estimate), not ICL Lift 3D's
    # image fit: the shipped PhysNet was trained so, and the fit would hide the jitter and
    # bone stretch PhysNet learns to remove.
    return lifter.with_image_fit(None)


def pretraining_sequences(args, fp, log) -> list:
    """Lifted training sequences, cached on disk (lifting ~100k frames takes a minute)."""
    from finephys.training.physnet_data import PhysSequence, build_sequences
    from finephys.training.train_lifter import cached_synthetic

    # The cache belongs to one lifter: its weights name the file, so new weights never train
    # PhysNet on another lifter's output.
    from finephys.lifter.inference import lift_cache_tag

    lifter_id = lift_cache_tag(_lifter_weights(args))
    path = Path(args.cache) / (f"physnet_seq_s{args.synthetic}_c{args.cameras}_m{args.mocap_cameras}"
                               f"_seed{args.seed}_lifter{lifter_id}.npz")
    if path.is_file():
        data = np.load(path, allow_pickle=False)
        return [PhysSequence(dd=data[f"dd{i}"], gt=data[f"gt{i}"], contacts=data[f"c{i}"], fps=float(data[f"fps{i}"]),
                             lengths=data[f"l{i}"], name=str(data[f"n{i}"])) for i in range(int(data["count"]))]
    lifter = _lifter(args, fp)
    mocap = fp.motion.deepmimic.load_split("train")
    synthetic = cached_synthetic(Path(args.cache) / f"synthetic_{args.synthetic}_seed{args.seed}.npz",
                                 args.synthetic, args.seed, fp) if args.synthetic else []
    began = time.time()
    seqs = build_sequences(mocap, lifter, args.mocap_cameras, args.seed)
    seqs += build_sequences(synthetic, lifter, args.cameras, args.seed + 1,
                            on_clip=lambda i: log(f"lifted {i + 1}/{len(synthetic)} synthetic clips") if (i + 1) % 40 == 0 else None)
    log(f"{len(seqs)} sequences lifted in {time.time() - began:.0f} s")
    arrays = {"count": np.array(len(seqs))}
    for i, s in enumerate(seqs):
        arrays.update({f"dd{i}": s.dd, f"gt{i}": s.gt, f"c{i}": s.contacts, f"fps{i}": np.array(s.fps),
                       f"l{i}": s.lengths, f"n{i}": np.array(s.name)})
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return seqs


def loss_3d(out, batch, args) -> tuple[torch.Tensor, dict]:
    """L_3D + velocities + contacts + L_noise (module docstring)."""
    gt = batch["gt"]

    def joint_error(pred):
        rel = torch.linalg.norm((pred - pred[:, :, :1]) - (gt - gt[:, :, :1]), dim=-1).mean()
        # The trajectory's shape, not its absolute place: a monocular lift cannot know the depth
        # (scale) exactly, and PhysNet should not be asked to.
        path_p = pred[:, :, 0] - pred[:, :, 0].mean(1, keepdim=True)
        path_g = gt[:, :, 0] - gt[:, :, 0].mean(1, keepdim=True)
        root = torch.linalg.norm(path_p - path_g, dim=-1).mean()
        return rel + 0.5 * root

    main = joint_error(out.pose)
    both = 0.5 * (joint_error(out.forward) + joint_error(out.backward))
    vel = torch.linalg.norm((out.pose[:, 1:] - out.pose[:, :-1]) - (gt[:, 1:] - gt[:, :-1]), dim=-1).mean()
    second = lambda x: x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2]  # noqa: E731
    accel = torch.linalg.norm(second(out.pose) - second(gt), dim=-1).mean()
    contacts = batch["contacts"].repeat(2, 1, 1)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(out.contact_logits, contacts)
    noise = out.noise_norm.mean()
    total = (main + 0.5 * both + 0.5 * vel + args.accel_weight * accel + args.contact_weight * bce
             + args.noise_weight * noise)
    parts = {"mpjpe": main.item(), "accel": accel.item(), "bce": bce.item(), "noise": noise.item()}
    if args.flight_weight:
        flight_bce = flight_loss(out.contact_logits, contacts, balanced=args.flight_balance == "balanced")
        total = total + args.flight_weight * flight_bce
        parts["flight"] = flight_bce.item()
    return total, parts


def balanced_flight_threshold(seqs) -> float:
    """The flight threshold for a PhysNet trained with flight_loss: weighting the two classes
    equally trains P(no support) as if half of all frames were flight, so the frames a
    calibrated model would call flight (posterior > 0.5 under the true share f) are those with
    P > 1 - f. f: the share of frames without any contact in the training sequences."""
    flight = sum(float(np.prod(1 - s.contacts, -1).sum()) for s in seqs)
    frames = sum(len(s.contacts) for s in seqs)
    share = flight / max(frames, 1)
    return float(min(max(round(1.0 - share, 2), 0.5), 0.95))


def flight_loss(contact_logits: torch.Tensor, contacts: torch.Tensor, balanced: bool = True) -> torch.Tensor:
    """BCE on P(no support) = prod_k (1 - sigmoid(logit_k)), the quantity the flight mask
    thresholds; class-balanced by default. logits, contacts [N,T,3] -> scalar.

    The per-contact BCE treats a frame with one foot barely down like any other; a short hop
    is a few frames in hundreds, so it hardly moves that loss, and PhysNet learned to miss
    small hops. Weighting flight and supported frames equally (each class's mean, halved)
    makes a missed hop cost as much as a false one. balanced=False: the plain mean BCE over
    frames (P stays calibrated to the true flight share, so the threshold stays 0.5)."""
    log_flight = torch.nn.functional.logsigmoid(-contact_logits).sum(-1)  # log P(no support)
    # log(1 - P) without cancellation: log(-expm1(log P)), P clamped below 1.
    log_support = torch.log(-torch.expm1(log_flight.clamp(max=-1e-6)))
    label = torch.prod(1 - contacts, -1)
    if not balanced:
        return -(label * log_flight + (1 - label) * log_support).mean()
    flight_frames, support_frames = label.sum(), (1 - label).sum()
    miss = -(label * log_flight).sum() / flight_frames.clamp(min=1.0)
    false = -((1 - label) * log_support).sum() / support_frames.clamp(min=1.0)
    return 0.5 * (miss + false)


def finetune_sequences(args, fp, log) -> list:
    """2D-only sequences lifted to S3D_dd in the gravity frame, with what L_2D needs."""
    from finephys.physnet.constraints import median_bone_lengths
    from finephys.physnet.frames import GravityFrame
    from finephys.skeleton.camera import PinholeCamera
    from finephys.skeleton.pose_files import load_pose_file

    lifter = _lifter(args, fp)
    out = []
    for name in args.finetune_2d:
        pose2d = load_pose_file(name)
        lifted = lifter.lift(pose2d)
        dd_cam = lifted.global_joints()
        frame = GravityFrame.for_elevation(dd_cam, args.elevation)
        camera = PinholeCamera.from_image_size(pose2d.width, pose2d.height)
        out.append({"dd": frame.to_gravity(dd_cam).astype(np.float32), "kp": pose2d.keypoints.astype(np.float32),
                    "conf": pose2d.confidence.astype(np.float32), "fps": pose2d.fps, "frame": frame,
                    "camera": camera, "lengths": median_bone_lengths(lifted.joints, lifted.confidence).astype(np.float32)})
        log(f"{name}: {pose2d.num_frames} frames lifted")
    return out


def loss_2d(model, seqs, args, rng) -> tuple[torch.Tensor, dict]:
    """L_2D on one random window of each 2D-only sequence (same rotation/offset as inference)."""
    total, count = 0.0, 0
    for seq in seqs:
        t = len(seq["dd"])
        w = min(args.window, t)
        start = int(rng.integers(0, t - w + 1))
        dd = torch.from_numpy(seq["dd"][start:start + w])[None]
        out = model(dd, torch.tensor([1.0 / seq["fps"]]), torch.from_numpy(seq["lengths"])[None])
        frame, cam = seq["frame"], seq["camera"]
        rot = torch.tensor(frame.rotation, dtype=torch.float32)
        pose_cam = (out.pose[0] + torch.tensor(frame.offset, dtype=torch.float32)) @ rot.T
        z = pose_cam[..., 2].clamp(min=0.1)
        uv = torch.stack([cam.fx * pose_cam[..., 0] / z + cam.cx, cam.fy * pose_cam[..., 1] / z + cam.cy], -1)
        kp = torch.from_numpy(seq["kp"][start:start + w])
        conf = torch.from_numpy(seq["conf"][start:start + w])
        err = (((uv - kp) / cam.fx) ** 2).sum(-1)
        total = total + (conf * err).sum() / conf.sum().clamp(min=1.0) + args.noise_weight * out.noise_norm.mean()
        count += 1
    loss = total / count
    return loss, {"l2d": loss.item()}


def main(argv=None) -> None:
    args = parse_args(argv)
    fp = _package()
    from accelerate import Accelerator

    from finephys.physnet.config import PhysNetConfig
    from finephys.physnet.inference import load_physnet
    from finephys.physnet.model import PhysNet
    from finephys.modelfiles import recorded_command
    from finephys.training.checkpoint import ResumeState, RunningLog
    from finephys.training.physnet_data import sample_batch

    if args.threads:
        torch.set_num_threads(args.threads)
    accelerator = Accelerator()
    log = accelerator.print
    began = time.time()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    finetune = args.finetune_2d is not None
    if finetune:
        if not args.finetune_2d:
            raise SystemExit("--finetune-2d needs at least one 2D pose file")
        seqs = finetune_sequences(args, fp, log)
    else:
        seqs = pretraining_sequences(args, fp, log)
        log(f"{len(seqs)} sequences, {sum(len(s.dd) for s in seqs)} frames ({time.time() - began:.0f} s)")

    torch.manual_seed(args.seed)
    if args.init:
        model, config = load_physnet(args.init)
        model.train()
    else:
        threshold = PhysNetConfig.flight_threshold
        if args.flight_weight and args.flight_balance == "balanced":
            threshold = balanced_flight_threshold(seqs)
            log(f"flight threshold {threshold:.2f} (1 - the share of flight frames)")
        if args.flight_threshold is not None:
            threshold = args.flight_threshold
            log(f"flight threshold {threshold:.2f} (--flight-threshold)")
        try:
            config = PhysNetConfig(dim=args.dim, mode=args.mode, inverse_mass=args.inverse_mass,
                                   flight_threshold=threshold, floor_guard=args.floor_guard)
        except ValueError as exc:
            raise SystemExit(str(exc)) from exc
        model = PhysNet(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    model, optimizer = accelerator.prepare(model, optimizer)

    resume = ResumeState(out_dir / f"{args.name}.resume", accelerator)
    step = resume.load(model, optimizer, schedule)
    if step:
        log(f"resumed from step {step}")
    rng = np.random.default_rng(args.seed + 1000 + step)
    device = accelerator.device
    model.train()
    running = RunningLog(log, args.steps, args.log_every)
    stop_at = min(args.steps, step + args.stop_after) if args.stop_after else args.steps
    while step < stop_at:
        if finetune:
            loss, parts = loss_2d(model, seqs, args, rng)
        else:
            batch = sample_batch(seqs, args.window, args.batch, rng, args.raise_share, args.raise_max)
            batch = {k: v.to(device) for k, v in batch.items()}
            out = model(batch["dd"], batch["dt"], batch["lengths"])
            loss, parts = loss_3d(out, batch, args)
        if not torch.isfinite(loss):
            raise SystemExit(f"step {step}: the loss is not finite ({parts}); lower --lr")
        optimizer.zero_grad()
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        step += 1
        running.add(step, {"loss": loss.item(), **parts},
                    f" lr {schedule.get_last_lr()[0]:.2e} ({time.time() - began:.0f} s)")
        if accelerator.is_main_process and step < args.steps and (step % args.save_every == 0 or step == stop_at):
            resume.save(model, optimizer, schedule, step)
    if step < args.steps:
        log(f"stopped at step {step}; run the same command again to resume")
        return
    if accelerator.is_main_process:
        meta = {"name": args.name, "steps": str(args.steps), "seed": str(args.seed),
                "command": recorded_command("training/train_physnet.py", argv),
                "train_seconds": f"{time.time() - began:.0f}"}
        target = out_dir / f"{args.name}.safetensors"
        resume.save_final(model, target, meta, config)
        log(f"saved {target} ({target.stat().st_size / 1e6:.1f} MB) after {time.time() - began:.0f} s")


if __name__ == "__main__":
    main()
