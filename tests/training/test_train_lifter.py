import subprocess
import sys

import numpy as np
import torch

from finephys.lifter.inference import load_weights

from _package import REPO_DIR


def _run(tmp_path, *extra):
    cmd = [sys.executable, str(REPO_DIR / "training" / "train_lifter.py"), "--steps", "6", "--batch", "8",
           "--window", "9", "--dim", "16", "--depth", "1", "--synthetic", "2", "--cameras", "1",
           "--mocap-cameras", "1", "--save-every", "2", "--log-every", "2", "--out", str(tmp_path / "out"),
           "--cache", str(tmp_path / "cache"), "--name", "tiny_lifter", "--bone-weight", "0.5", "--roll-share", "0.5", "--same-clip-share", "0.5", *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_train_stop_resume_and_load(tmp_path):
    first = _run(tmp_path, "--stop-after", "3")
    assert "stopped at step 3" in first and not (tmp_path / "out" / "tiny_lifter.safetensors").exists()
    second = _run(tmp_path)
    assert "resumed from step 3" in second and "step 6/6" in second
    model, config = load_weights(tmp_path / "out" / "tiny_lifter.safetensors")
    assert config.window == 9 and config.dim == 16 and len(config.mean_pose) == 17
    assert (tmp_path / "cache" / "synthetic_2_seed0.npz").is_file()  # generated once, reused
    from safetensors import safe_open

    with safe_open(str(tmp_path / "out" / "tiny_lifter.safetensors"), "pt") as f:
        command = f.metadata()["command"]
    # the recipe is recorded, the folders it was written to are not
    assert command.startswith("training/train_lifter.py ") and "--name tiny_lifter" in command
    assert str(tmp_path) not in command and "--out" not in command and "--cache" not in command


def test_recorded_command_leaves_out_locations():
    from finephys.modelfiles import recorded_command

    argv = ["--kind", "icl", "--out", "/x/y", "--cache=/c", "--seed", "1", "--outer", "2"]
    assert recorded_command("training/train_lifter.py", argv) == "training/train_lifter.py --kind icl --seed 1 --outer 2"


def test_roll_is_a_camera_rolled_about_its_optical_axis():
    """Turning camera-frame 3D about z and then projecting equals projecting and then turning
    the image about the principal point: the 2D/3D pair stays consistent."""
    from finephys.training.train_lifter import roll_angles, roll_window

    rng = np.random.default_rng(0)
    joints = torch.from_numpy(rng.normal(0, 0.5, (4, 5, 17, 3)) + np.array([0.0, 0.0, 6.0]))
    angle = roll_angles(rng, 4, share=1.0).double()
    assert (angle.abs() > 0).all() and (angle.abs() <= np.pi).all()
    project = lambda x: x[..., :2] / x[..., 2:]  # noqa: E731  (unit focal, principal point 0)
    rolled_then_projected = project(roll_window(joints, angle))
    projected = torch.cat([project(joints), torch.ones_like(joints[..., :1])], dim=-1)  # (x, y, conf)
    projected_then_rolled = roll_window(projected, angle)
    assert torch.allclose(rolled_then_projected, projected_then_rolled[..., :2], atol=1e-12)
    assert torch.equal(projected_then_rolled[..., 2], projected[..., 2])  # confidence untouched
    assert (roll_angles(rng, 1000, share=0.0) == 0).all()


def test_exclude_families_leaves_those_synthetic_clips_out(tmp_path):
    """--synthetic 4 draws, at 30 and at 60 fps, a standing clip and a vertical jump (families
    cycled in order); leaving 'standing' out keeps the jumps. An unknown family is refused by name."""
    kept = _run(tmp_path, "--exclude-families", "standing", "--steps", "2", "--synthetic", "4")
    assert "(11 mocap, 2 synthetic)" in kept
    cmd = [sys.executable, str(REPO_DIR / "training" / "train_lifter.py"), "--exclude-families", "backflip",
           "--synthetic", "2", "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "out2")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0 and "unknown ['backflip']" in done.stderr


def test_exclude_clips_and_pose_augmentation_change_the_mocap_set(tmp_path):
    """Leaving 3 of the 11 recorded training clips out keeps 8; --pose-aug 2 adds two augmented
    copies of each kept one (24 in all). An unknown clip is refused by name."""
    out = _run(tmp_path, "--exclude-clips", "kick,dance_a,roll", "--pose-aug", "2", "--steps", "2", "--dropout", "0")
    assert "(24 mocap, 2 synthetic)" in out
    _, config = load_weights(tmp_path / "out" / "tiny_lifter.safetensors")
    assert config.dropout == 0.0  # --dropout reaches the saved config (the shipped ICL lifter trains with 0)
    cmd = [sys.executable, str(REPO_DIR / "training" / "train_lifter.py"), "--exclude-clips", "backflip",
           "--synthetic", "0", "--out", str(tmp_path / "out2")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0 and "unknown ['backflip']" in done.stderr  # a held-out clip, not a training one
