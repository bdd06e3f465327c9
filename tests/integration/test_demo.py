"""The README's main-job command (scripts/demo.py), short: the real Sports2D video, the first
40 frames at 480 px. Without model files it writes the guidance outputs and names the missing
files; with files in a models folder in ComfyUI's layout (here the small random-weight SD1.5
test checkpoint, motion module and adapter, under the real file names) it generates too."""
import subprocess
import sys

import av
import numpy as np
import pytest
import torch

import fp_sd15_checkpoint as sd15
from finephys.adapters.encoder import HeatmapEncoderConfig, MultiScaleHeatmapEncoder, save_encoder
from finephys.host.install import vendored_comfyui
from fp_testing import REPO_DIR

pytestmark = pytest.mark.integration

DEMO = REPO_DIR / "scripts" / "demo.py"
CACHE = REPO_DIR / ".cache" / "finephys" / "test_models"
FRAMES = 40


def run_demo(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DEMO), "--max-frames", str(FRAMES), "--max-side", "480", *map(str, args)],
                          capture_output=True, text=True, timeout=900, cwd=REPO_DIR)


def video_frames(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def test_guidance_outputs_and_the_missing_model_files_named(tmp_path):
    out = tmp_path / "demo"
    done = run_demo("--output", out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    overlay = video_frames(out / "overlay.mp4")
    assert overlay.shape[0] == FRAMES and max(overlay.shape[1:3]) == 480
    skeleton = video_frames(out / "skeleton_3d.mp4")
    assert skeleton.shape[0] == FRAMES and skeleton.shape[2] == 3 * skeleton.shape[1]  # front, side, top
    assert (skeleton.max(axis=-1) > 128).mean() > 0.001  # a drawn skeleton, not black frames
    heatmaps = video_frames(out / "heatmaps.mp4")
    assert heatmaps.shape[:3] == (FRAMES, 512, 512) and heatmaps.max() > 100
    report = (out / "physics_report.txt").read_text()
    assert report.startswith(f"{FRAMES} frames at 30 fps") and "flight COM law" in report
    assert (out / "com_plot.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "fused.bvh").read_text().startswith("HIERARCHY")
    for sheet in ("overlay_sheet.png", "skeleton_3d_sheet.png", "heatmaps_sheet.png"):
        assert (out / sheet).stat().st_size > 1000
    assert "step 2 (generation) skipped" in done.stdout
    for line in ("checkpoints/v1-5-pruned-emaonly.safetensors", "animatediff_models/mm_sd_v15_v2.safetensors",
                 "finephys/finephys_adapter.safetensors"):
        assert line in done.stdout
    assert not (out / "generated.mp4").exists() and not (out / ".runs").exists()


def test_generation_runs_when_the_model_files_are_in_place(tmp_path):
    checkpoint, motion = sd15.build(CACHE, vendored_comfyui())
    models = tmp_path / "models"
    for folder, name, source in (("checkpoints", "v1-5-pruned-emaonly.safetensors", checkpoint),
                                 ("animatediff_models", "mm_sd_v15_v2.safetensors", motion)):
        (models / folder).mkdir(parents=True)
        (models / folder / name).symlink_to(source)
    torch.manual_seed(0)
    encoder = MultiScaleHeatmapEncoder(HeatmapEncoderConfig(unet_widths=sd15.WIDTHS, hidden=(16, 32, 32, 32),
                                                            zero_init=False))
    (models / "finephys").mkdir()
    save_encoder(encoder, models / "finephys" / "finephys_adapter.safetensors")
    out = tmp_path / "demo"
    done = run_demo("--output", out, "--models-dir", models, "--gen-steps", "2", "--gen-size", "64",
                    "--gen-frames", "8")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "step 2: generation" in done.stdout
    generated = video_frames(out / "generated.mp4")
    assert generated.shape == (8, 64, 64, 3)
    assert generated.std() > 1  # decoded frames, not a constant image
    assert (out / "overlay.mp4").is_file()


def test_a_missing_video_is_named():
    done = run_demo("--video", "no_such_video.mp4", "--skip-generation")
    assert done.returncode == 2 and "no_such_video.mp4 not found" in done.stderr

