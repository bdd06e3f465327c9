"""train_physnet.py end to end on tiny settings: pre-training (L_3D) that stops and resumes,
the loss falling, loading the result, and L_2D fine-tuning on the real detection sample."""
import re
import subprocess
import sys

import numpy as np
import torch

from finephys.lifter.inference import PACKAGE_WEIGHTS as LIFTER_WEIGHTS
from finephys.physnet.inference import PhysNetRunner

from _package import REPO_DIR

TCN = str(LIFTER_WEIGHTS / "finephys_lifter_tcn.safetensors")  # fast S3D_dd for the test


def _run(tmp_path, *extra, name="tiny_physnet"):
    cmd = [sys.executable, str(REPO_DIR / "training" / "train_physnet.py"), "--steps", "40", "--batch", "8",
           "--window", "8", "--dim", "16", "--synthetic", "2", "--cameras", "1", "--mocap-cameras", "1",
           "--lr", "3e-3", "--save-every", "5", "--log-every", "10", "--out", str(tmp_path / "out"),
           "--cache", str(tmp_path / "cache"), "--lifter", TCN, "--name", name, "--threads", "1", *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_pretrain_stop_resume_load_and_finetune_2d(tmp_path):
    first = _run(tmp_path, "--stop-after", "10")
    assert "stopped at step 10" in first and not (tmp_path / "out" / "tiny_physnet.safetensors").exists()
    second = _run(tmp_path)
    assert "resumed from step 10" in second and "step 40/40" in second
    losses = [float(x) for x in re.findall(r"step \d+/40 loss ([0-9.]+)", first + second)]
    assert losses[-1] < losses[0], losses
    runner = PhysNetRunner.from_files(tmp_path / "out" / "tiny_physnet.safetensors")
    assert runner.config.dim == 16
    sample = str(REPO_DIR / "samples" / "sports2d_box.npz")
    tuned = _run(tmp_path, "--finetune-2d", sample, "--init", str(tmp_path / "out" / "tiny_physnet.safetensors"),
                 "--steps", "4", "--log-every", "2", name="tiny_physnet_2d")
    assert "160 frames lifted" in tuned and "l2d" in tuned
    assert PhysNetRunner.from_files(tmp_path / "out" / "tiny_physnet_2d.safetensors").config.dim == 16
    # The flight BCE option: logged as its own part, its command saved with the weights.
    flight = _run(tmp_path, "--steps", "10", "--flight-weight", "0.5", "--flight-threshold", "0.6", "--floor-guard",
                  name="tiny_physnet_flight")
    assert re.search(r"step 10/10 .* flight [0-9.]+", flight), flight[-2000:]
    from safetensors import safe_open

    with safe_open(str(tmp_path / "out" / "tiny_physnet_flight.safetensors"), "pt") as f:
        command = f.metadata()["command"]
    assert "--flight-weight 0.5" in command
    assert str(tmp_path) not in command and "--out" not in command  # no folder of this machine
    assert "flight threshold 0." in flight and "0.60 (--flight-threshold)" in flight
    stored = PhysNetRunner.from_files(tmp_path / "out" / "tiny_physnet_flight.safetensors").config
    assert stored.flight_threshold == 0.6 and stored.floor_guard  # inference settings written with the weights


def test_flight_loss_is_balanced_bce_on_no_support():
    import torch

    from finephys.training.train_physnet import flight_loss

    torch.manual_seed(0)
    logits = torch.randn(2, 10, 3) * 2
    contacts = (torch.rand(2, 10, 3) > 0.5).float()
    contacts[0, 3:5] = 0.0  # a short hop: no support on two frames
    p = torch.prod(1 - torch.sigmoid(logits), -1)
    label = torch.prod(1 - contacts, -1)
    assert 0 < label.sum() < label.numel()
    expected = 0.5 * (-(label * p.log()).sum() / label.sum() - ((1 - label) * (1 - p).log()).sum() / (1 - label).sum())
    assert torch.allclose(flight_loss(logits, contacts), expected, atol=1e-5)
    # Minimising it marks the hop: P(no support) rises on the two flight frames, falls elsewhere.
    trained = logits.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([trained], lr=1.0)
    for _ in range(200):
        optimizer.zero_grad()
        flight_loss(trained, contacts).backward()
        optimizer.step()
    p_after = torch.prod(1 - torch.sigmoid(trained.detach()), -1)
    assert (p_after[label == 1] > 0.5).all() and (p_after[label == 0] < 0.5).all()
    plain = -(label * p.log() + (1 - label) * (1 - p).log()).mean()
    assert torch.allclose(flight_loss(logits, contacts, balanced=False), plain, atol=1e-5)
    # No flight frame in the batch: only the supported half counts, and it stays finite.
    assert torch.isfinite(flight_loss(logits, torch.ones(2, 10, 3)))


def test_balanced_flight_threshold_undoes_the_class_balancing():
    from types import SimpleNamespace

    from finephys.training.train_physnet import balanced_flight_threshold

    contacts = np.ones((100, 3), dtype=np.float32)
    contacts[:14] = 0.0  # 14 % of the frames without any contact
    contacts[14:30, 0] = 0.0  # one foot up is still supported
    seqs = [SimpleNamespace(contacts=contacts), SimpleNamespace(contacts=np.ones((100, 3), dtype=np.float32))]
    assert balanced_flight_threshold(seqs) == 0.93  # 14 of 200 frames are flight
    assert balanced_flight_threshold(seqs[:1]) == 0.86
    assert balanced_flight_threshold([SimpleNamespace(contacts=np.zeros((10, 3)))]) == 0.5  # clamped


def test_raised_windows_keep_the_motion_and_the_labels():
    """--raise-share: windows lifted onto a support by a constant height, dd and gt alike,
    contacts kept; share 0 draws nothing more from the generator (the shipped weights'
    batches are unchanged)."""
    from finephys.training.physnet_data import PhysSequence, sample_batch

    rng = np.random.default_rng(0)
    moving = [PhysSequence(dd=rng.normal(0, 0.3, (30, 17, 3)).astype(np.float32),
                           gt=rng.normal(0, 0.3, (30, 17, 3)).astype(np.float32),
                           contacts=(rng.random((30, 3)) > 0.5).astype(np.float32), fps=30.0,
                           lengths=np.ones(16, dtype=np.float32), name=f"s{i}") for i in range(3)]
    plain = sample_batch(moving, 10, 16, np.random.default_rng(5))
    again = sample_batch(moving, 10, 16, np.random.default_rng(5), raise_share=0.0)
    assert all(np.array_equal(plain[k], again[k]) for k in plain)
    # A body at rest 1 m up with its feet on the ground: every window is the same but for the raise.
    rest = np.zeros((30, 17, 3), dtype=np.float32)
    rest[..., 2] = 1.0
    contacts = np.tile(np.array([1, 0, 1], dtype=np.float32), (30, 1))
    still = [PhysSequence(dd=rest, gt=rest + 0.1, contacts=contacts, fps=30.0,
                          lengths=np.ones(16, dtype=np.float32), name="rest")]
    raised = sample_batch(still, 10, 400, np.random.default_rng(5), raise_share=0.5, raise_max=2.0)
    lift = raised["dd"][..., 2].amax((1, 2)) - 1.0
    assert float((raised["dd"][..., 2] - raised["dd"][..., 2].amin((1, 2), keepdim=True)).abs().max()) < 1e-6
    assert float((raised["gt"][..., 2] - raised["dd"][..., 2] - 0.1).abs().max()) < 1e-5  # raised alike
    up = lift > 1e-6
    assert 0.4 < float(up.float().mean()) < 0.6
    assert float(lift[up].min()) >= 0.3 - 1e-6 and float(lift.max()) <= 2.0 + 1e-6
    assert bool((raised["contacts"] == torch.from_numpy(contacts[:10])).all())
