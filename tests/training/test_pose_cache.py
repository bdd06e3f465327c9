"""Guidance poses for a training clip from our own pipeline (detect -> lift -> PhysNet ->
fuse -> project) on the real Sports2D video, cached per clip."""
import importlib.util
from pathlib import Path

import numpy as np

from finephys.training.pose_cache import cache_path, pipeline_poses
from finephys.training.video_dataset import ClipEntry


def test_pipeline_poses_of_a_real_clip_are_cached(tmp_path, repo_dir):
    spec = importlib.util.find_spec("Sports2D")
    video = Path(list(spec.submodule_search_locations)[0]) / "Demo" / "demo.mp4"
    entry = ClipEntry(video, "a man on a box", 20, 12, 1)
    pose = pipeline_poses(entry, tmp_path)
    assert pose.num_frames == 12 and pose.image_size == (1768, 994)
    assert cache_path(entry, tmp_path).is_file()
    # the fused, re-projected skeleton stays on the detected person (the shipped sample is
    # MediaPipe on the same video): within a tenth of the image height on average
    from finephys.skeleton.pose_files import load_pose_npz
    detected = load_pose_npz(repo_dir / "samples" / "sports2d_box.npz").slice(20, 32)
    error = np.linalg.norm(pose.keypoints - detected.keypoints, axis=-1).mean()
    assert error < 0.1 * 994, error
    # a second call reads the cache (a marked file there comes back as it is)
    from dataclasses import replace

    from finephys.skeleton.pose_files import save_pose_npz
    save_pose_npz(replace(pose, keypoints=pose.keypoints + 1.0), cache_path(entry, tmp_path))
    again = pipeline_poses(entry, tmp_path)
    assert np.allclose(again.keypoints, pose.keypoints + 1.0)
