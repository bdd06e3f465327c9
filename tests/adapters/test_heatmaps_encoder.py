"""Heatmap rendering (peaks, confidence, limbs, sigma scaled to the person, sizes), the
multi-scale encoder's shapes at SD1.5 widths, and its safetensors files."""
import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from finephys.adapters.encoder import (SD15_WIDTHS, HeatmapEncoderConfig, MultiScaleHeatmapEncoder, load_encoder,
                                       save_encoder)
from finephys.adapters.guidance import HeatmapGuidance
from finephys.adapters.heatmaps import HEATMAP_STRIDE, heatmap_preview, render_heatmaps
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.h36m import BONES, HEAD, L_WRIST, NUM_JOINTS, PELVIS
from finephys.skeleton.pose_files import load_pose_npz
from finephys.skeleton.sequence import Pose2DSequence


def _person(scale: float = 1.0, offset=(256.0, 256.0), frames: int = 3) -> Pose2DSequence:
    """A standing stick figure, `scale` x 200 px tall, centred at offset, in a 512x512 image."""
    base = np.array([[0, 0], [-15, 0], [-15, 45], [-15, 90], [15, 0], [15, 45], [15, 90], [0, -25], [0, -50],
                     [0, -60], [0, -75], [25, -50], [40, -20], [45, 5], [-25, -50], [-40, -20], [-45, 5]],
                    dtype=np.float32)
    kp = np.repeat((base * scale * 200 / 165 + np.array(offset, np.float32))[None], frames, axis=0)
    return Pose2DSequence(kp, np.ones(kp.shape[:2], np.float32), (512, 512))


def test_joint_peak_sits_on_the_joint_and_equals_its_confidence():
    pose = _person(2.0, offset=(256.0, 240.0))  # large enough that sigma spans pixels
    conf = pose.confidence.copy()
    conf[:, HEAD] = 0.5
    pose = Pose2DSequence(pose.keypoints, conf, pose.image_size)
    maps = render_heatmaps(pose, 512, 512, limbs=False)
    assert maps.shape == (3, NUM_JOINTS, 512 // HEATMAP_STRIDE, 512 // HEATMAP_STRIDE)
    for joint, expected in ((PELVIS, 1.0), (HEAD, 0.5)):
        m = maps[0, joint]
        y, x = np.unravel_index(int(m.argmax()), m.shape)
        u, v = pose.keypoints[0, joint] / HEATMAP_STRIDE
        assert abs(x + 0.5 - u) <= 0.5 and abs(y + 0.5 - v) <= 0.5
        assert m.max().item() == pytest.approx(expected, abs=0.05)


def test_missing_joint_draws_nothing_and_its_limbs_neither():
    pose = _person()
    conf = pose.confidence.copy()
    conf[:, L_WRIST] = 0.0
    maps = render_heatmaps(Pose2DSequence(pose.keypoints, conf, pose.image_size), 512, 512)
    assert maps[:, L_WRIST].max() == 0
    forearm = NUM_JOINTS + BONES.index((L_WRIST - 1, L_WRIST))
    assert maps[:, forearm].max() == 0
    assert maps[:, NUM_JOINTS + BONES.index((HEAD - 1, HEAD))].max() > 0.9


def test_limb_map_is_bright_along_the_bone():
    pose = _person()
    maps = render_heatmaps(pose, 512, 512)
    a, b = pose.keypoints[0, 1] / HEATMAP_STRIDE, pose.keypoints[0, 2] / HEATMAP_STRIDE  # right thigh
    mid = (a + b) / 2
    limb = maps[0, NUM_JOINTS + BONES.index((1, 2))]
    assert limb[int(mid[1]), int(mid[0])] > 0.8
    assert limb[int(mid[1]), int(mid[0]) + 20] < 1e-3  # 20 heatmap px beside the bone


def test_sigma_follows_the_persons_size():
    # a 2D Gaussian's integral grows with sigma^2: twice the size, four times the mass
    small = render_heatmaps(_person(1.0), 512, 512, limbs=False)[0, PELVIS].sum()
    large = render_heatmaps(_person(2.0), 512, 512, limbs=False)[0, PELVIS].sum()
    assert 3.5 < float(large / small) < 4.5


def test_keypoints_are_scaled_to_the_requested_size():
    pose = _person()
    maps = render_heatmaps(pose, 256, 128, limbs=False)
    assert maps.shape[-2:] == (128 // HEATMAP_STRIDE, 256 // HEATMAP_STRIDE)
    m = maps[0, PELVIS]
    y, x = np.unravel_index(int(m.argmax()), m.shape)
    assert abs(x + 0.5 - 128 / HEATMAP_STRIDE) <= 1 and abs(y + 0.5 - 64 / HEATMAP_STRIDE) <= 1


@pytest.mark.parametrize("size", [(500, 512), (512, 0), (96, 64)])
def test_sizes_not_divisible_by_64_are_refused_with_a_suggestion(size):
    with pytest.raises(PoseDataError, match="multiples of 64"):
        render_heatmaps(_person(), *size)


def test_no_visible_person_is_a_clear_error():
    pose = _person()
    with pytest.raises(PoseDataError, match="no person"):
        render_heatmaps(Pose2DSequence(pose.keypoints, np.zeros_like(pose.confidence), pose.image_size), 512, 512)


def test_preview_is_an_image_batch_with_the_skeleton_lit():
    maps = render_heatmaps(_person(), 512, 512)
    img = heatmap_preview(maps, 512, 512)
    assert img.shape == (3, 512, 512, 3) and 0 <= img.min() and img.max() <= 1
    x, y = _person().keypoints[0, PELVIS].astype(int)
    assert img[0, y, x].max() > 0.5 and img[0, 20, 20].max() == 0


def test_encoder_gives_sd15_widths_and_scales():
    cfg = HeatmapEncoderConfig(hidden=(8, 8, 16, 16), zero_init=False)
    encoder = MultiScaleHeatmapEncoder(cfg)
    features = encoder(render_heatmaps(_person(frames=2), 512, 256))
    assert [tuple(f.shape) for f in features] == [(2, w, 256 // s, 512 // s) for w, s in zip(SD15_WIDTHS, (8, 16, 32, 64))]
    assert all(f.abs().sum() > 0 for f in features)


def test_a_fresh_zero_init_encoder_adds_nothing():
    encoder = MultiScaleHeatmapEncoder(HeatmapEncoderConfig(hidden=(8, 8, 16, 16)))
    assert all(f.abs().max() == 0 for f in encoder(render_heatmaps(_person(), 128, 128)))


def test_encoder_files_round_trip_and_bad_files_name_themselves(tmp_path):
    torch.manual_seed(0)
    encoder = MultiScaleHeatmapEncoder(HeatmapEncoderConfig(unet_widths=(32, 64, 64, 64), hidden=(8, 8, 16, 16),
                                                            zero_init=False))
    path = save_encoder(encoder, tmp_path / "finephys_adapter_test.safetensors")
    loaded = load_encoder(path)
    maps = render_heatmaps(_person(), 128, 128)
    for a, b in zip(encoder(maps), loaded(maps)):
        assert torch.equal(a, b)
    # weights of another width
    other = tmp_path / "other.safetensors"
    save_file({k: v for k, v in MultiScaleHeatmapEncoder(HeatmapEncoderConfig(hidden=(8, 8, 8, 8))).state_dict().items()},
              str(other))
    (tmp_path / "other.json").write_text(encoder.config.to_json())
    with pytest.raises(PoseDataError, match="other.safetensors: these weights do not fit"):
        load_encoder(other)
    # a config of another model kind
    (tmp_path / "other.json").write_text(json.dumps({"model": "finephys_physnet"}))
    with pytest.raises(PoseDataError, match="not a heatmap encoder config"):
        load_encoder(other)
    # not a safetensors file
    (tmp_path / "broken.safetensors").write_bytes(b"not a tensor file")
    (tmp_path / "broken.json").write_text(encoder.config.to_json())
    with pytest.raises(PoseDataError, match="broken.safetensors: not a readable safetensors file"):
        load_encoder(tmp_path / "broken.safetensors")
    with pytest.raises(PoseDataError, match="missing.safetensors not found"):
        load_encoder(tmp_path / "missing.safetensors")


def test_guidance_features_on_the_real_sample_cover_requested_frames(repo_dir):
    pose = load_pose_npz(repo_dir / "samples" / "sports2d_box.npz")
    encoder = MultiScaleHeatmapEncoder(HeatmapEncoderConfig(unet_widths=(32, 64, 64, 64), hidden=(8, 8, 16, 16),
                                                            zero_init=False))
    guidance = HeatmapGuidance(pose, encoder, 256, 128)
    features = guidance.features(10, 14)
    assert [tuple(f.shape) for f in features] == [(4, 32, 16, 32), (4, 64, 8, 16), (4, 64, 4, 8), (4, 64, 2, 4)]
    whole = guidance.heatmaps()
    assert torch.equal(guidance.heatmaps(10, 14), whole[10:14])
    with pytest.raises(PoseDataError, match="multiples of 64"):
        HeatmapGuidance(pose, encoder, 250, 128)
