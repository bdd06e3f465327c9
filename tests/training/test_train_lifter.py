import subprocess
import sys

from finephys.lifter.inference import load_weights

from _package import REPO_DIR


def _run(tmp_path, *extra):
    cmd = [sys.executable, str(REPO_DIR / "training" / "train_lifter.py"), "--steps", "6", "--batch", "8",
           "--window", "9", "--dim", "16", "--depth", "1", "--synthetic", "2", "--cameras", "1",
           "--mocap-cameras", "1", "--save-every", "2", "--log-every", "2", "--out", str(tmp_path / "out"),
           "--cache", str(tmp_path / "cache"), "--name", "tiny_lifter", "--bone-weight", "0.5", *extra]
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
