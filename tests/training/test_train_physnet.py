"""train_physnet.py end to end on tiny settings: pre-training (L_3D) that stops and resumes,
the loss falling, loading the result, and L_2D fine-tuning on the real detection sample."""
import re
import subprocess
import sys

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
