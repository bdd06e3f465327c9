"""Metrics for generated videos: pose fidelity (PCK, OKS) with the detector on real frames,
FVD (the stated variant) on a random-weight stand-in of its network, CLIP-SIM and PickScore
on a tiny CLIP saved as a local folder."""
import numpy as np
import pytest
import torch

from finephys.evaluation.fvd import frechet_distance, load_feature_network, video_features
from finephys.evaluation.pose_fidelity import pose_fidelity, pose_fidelity_of_frames
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.pose_files import load_pose_npz
from finephys.skeleton.sequence import Pose2DSequence


@pytest.fixture
def sample(repo_dir):
    return load_pose_npz(repo_dir / "samples" / "sports2d_box.npz")


def test_pck_and_oks_against_shifted_and_missing_joints(sample):
    guidance = sample.slice(0, 20)
    same = pose_fidelity(guidance, guidance)
    assert same["pck@0.05"] == 1 and same["pck@0.1"] == 1 and same["oks"] == pytest.approx(1)
    side = np.array([np.ptp(guidance.keypoints[t, guidance.confidence[t] > 0], axis=0).max()
                     for t in range(guidance.num_frames)])
    shifted_kp = guidance.keypoints + np.stack([0.07 * side, np.zeros_like(side)], -1)[:, None].astype(np.float32)
    shifted = Pose2DSequence(shifted_kp, guidance.confidence, guidance.image_size, guidance.fps)
    scores = pose_fidelity(shifted, guidance)
    assert scores["pck@0.05"] == 0 and scores["pck@0.1"] == 1 and 0 < scores["oks"] < 1
    conf = np.ones_like(guidance.confidence)
    conf[:, :5] = 0
    partly = pose_fidelity(Pose2DSequence(guidance.keypoints, conf, guidance.image_size), guidance)
    assert partly["pck@0.1"] == pytest.approx(12 / 17, abs=0.01) and partly["detected_share"] < 0.75
    with pytest.raises(PoseDataError, match="10 frames, the guidance 20"):
        pose_fidelity(sample.slice(0, 10), guidance)


def test_detector_on_real_frames_agrees_with_their_own_guidance(sample):
    """The Sports2D frames the sample was detected from score near-perfect fidelity."""
    import importlib.util
    from pathlib import Path

    from finephys.detect.video import read_video

    spec = importlib.util.find_spec("Sports2D")
    video = Path(list(spec.submodule_search_locations)[0]) / "Demo" / "demo.mp4"
    frames, fps = read_video(video, 0, 12)
    scores = pose_fidelity_of_frames(frames, sample.slice(0, 12), fps)
    assert scores["pck@0.1"] > 0.9 and scores["oks"] > 0.8, scores
    with pytest.raises(PoseDataError, match="12 generated frames for 10"):
        pose_fidelity_of_frames(frames, sample.slice(0, 10), fps)


def test_frechet_distance_matches_the_closed_form():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    s1, s2 = a @ a.T + np.eye(4), np.diag([1.0, 2.0, 3.0, 4.0])
    assert frechet_distance(np.zeros(4), s1, np.zeros(4), s1) == pytest.approx(0, abs=1e-8)
    d1, d2 = np.diag([1.0, 4.0]), np.diag([9.0, 1.0])  # diagonal: sum (sqrt(a) - sqrt(b))^2
    expected = 1 + 4 + (1 - 3) ** 2 + (2 - 1) ** 2
    assert frechet_distance(np.zeros(2), d1, np.array([1.0, 2.0]), d2) == pytest.approx(expected)
    assert frechet_distance(np.zeros(4), s1, np.ones(4), s2) > 0


def test_fvd_network_from_a_local_state_dict(tmp_path):
    from torchvision.models.video import r2plus1d_18

    torch.manual_seed(0)
    torch.save(r2plus1d_18().state_dict(), tmp_path / "r2plus1d_18.pth")
    model = load_feature_network(tmp_path / "r2plus1d_18.pth")
    rng = np.random.default_rng(0)
    videos = [rng.integers(0, 255, (16, 64, 64, 3), dtype=np.uint8) for _ in range(2)]
    feats = video_features(model, videos)
    assert feats.shape == (2, 512) and np.isfinite(feats).all() and not np.allclose(feats[0], feats[1])
    with pytest.raises(PoseDataError, match="at least 16 frames"):
        video_features(model, [videos[0][:8]])
    torch.save({"fc.weight": torch.zeros(1)}, tmp_path / "other.pth")
    with pytest.raises(PoseDataError, match="not r2plus1d_18 weights"):
        load_feature_network(tmp_path / "other.pth")
    with pytest.raises(PoseDataError, match="not found"):
        load_feature_network(tmp_path / "missing.pth")


def test_clip_sim_and_pick_score_on_a_tiny_local_clip(tmp_path):
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    from finephys.evaluation.clip_scores import ClipScorer
    from finephys.generation.components import load_tokenizer

    config = CLIPConfig(text_config=dict(vocab_size=49408, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                         num_attention_heads=2, max_position_embeddings=77),
                        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                           num_attention_heads=2, image_size=32, patch_size=8),
                        projection_dim=16)
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(tmp_path)
    CLIPProcessor(image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
                  tokenizer=load_tokenizer()).save_pretrained(tmp_path)
    scorer = ClipScorer(tmp_path)
    frames = np.random.default_rng(0).integers(0, 255, (3, 48, 48, 3), dtype=np.uint8)
    cos = scorer.cosines(frames, "a gymnast doing a back salto")
    assert cos.shape == (3,) and np.all(np.abs(cos) <= 1)
    assert scorer.clip_sim(frames, "a gymnast doing a back salto") == pytest.approx(100 * cos.mean(), rel=1e-5)
    scale = scorer.model.logit_scale.exp().item()
    assert scorer.pick_score(frames, "a gymnast doing a back salto") == pytest.approx(scale * cos.mean(), rel=1e-5)
    with pytest.raises(PoseDataError, match="no CLIP model"):
        ClipScorer(tmp_path / "nowhere")
