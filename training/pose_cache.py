"""The guidance poses for a training clip, made by our own pipeline exactly as the nodes make
them: Pose Detect (MediaPipe + tracker) -> ICL Lift 3D (built-in bank) -> PhysNet -> fuse ->
projection to the original camera. Cached per clip as a FinePhys .npz, keyed by the file,
its size and time, the frame range, the pipeline version and the lifter's and PhysNet's weights
(with the lifting version), so new weights never reuse old poses."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Union

from ..skeleton.pose_files import load_pose_npz, save_pose_npz
from ..skeleton.sequence import Pose2DSequence
from .video_dataset import ClipEntry

PIPELINE_VERSION = "1"  # bump when a stage's default settings change (its weights are in the key)


def cache_path(entry: ClipEntry, cache_dir: Union[str, Path]) -> Path:
    from ..lifter import inference as lifting
    from ..modelfiles import file_digest
    from ..physnet import inference as physnet

    stat = entry.video.stat()
    weights = f"{lifting.lift_cache_tag(lifting.SHIPPED_WEIGHTS)}|{file_digest(physnet.SHIPPED_WEIGHTS)}"
    key = f"{entry.video.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{entry.start}|{entry.frames}|" \
          f"{entry.stride}|{PIPELINE_VERSION}|{weights}"
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return Path(cache_dir) / f"{entry.video.stem}_{digest}.npz"


def pipeline_poses(entry: ClipEntry, cache_dir: Union[str, Path], camera_elevation: float = 0.0) -> Pose2DSequence:
    """The fused, projected 2D pose of the clip (in the video's own pixels)."""
    path = cache_path(entry, cache_dir)
    if path.is_file():
        return load_pose_npz(path)
    from ..detect.mediapipe_backend import MediaPipePoseBackend
    from ..detect.pipeline import detect_poses
    from ..detect.video import read_video
    from ..lifter.bank import builtin_bank
    from ..lifter.inference import SHIPPED_WEIGHTS, Lifter
    from ..physnet.fuse import fuse, project_original
    from ..physnet.inference import PhysNetRunner

    frames, fps = read_video(entry.video, entry.start, entry.frames, entry.stride)
    with MediaPipePoseBackend() as backend:
        detected, _ = detect_poses(frames, backend, fps, source=entry.video.name)
    lifter = Lifter.from_files(SHIPPED_WEIGHTS)
    # the raw lift (S3D_dd), as the example workflows feed PhysNet, which was trained on it
    data = lifter.lift(detected, demonstration=builtin_bank(lifter.config.window), fit_to_image=False)
    physics, _ = PhysNetRunner.default().reestimate(data, camera_elevation)
    fused = fuse(data, physics)
    pose = project_original(fused, detected.width, detected.height, fused.extras.get("focal_length_px"))
    path.parent.mkdir(parents=True, exist_ok=True)
    save_pose_npz(pose, path)
    return pose
