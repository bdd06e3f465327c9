"""Training clips from a folder of videos with captions (csv or jsonl).

captions.csv: a header row with `video` (or `file`) and `caption` (or `text`) columns;
captions.jsonl: one {"video": ..., "caption": ...} per line. Video paths are relative to the
folder. Every row and every video in the folder is accounted for: a clip is kept, or skipped
with its reason (unreadable file, shorter than the clip, no caption, outside the folder), so
the dataset is never silently smaller than the folder."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import numpy as np

from ..detect.video import probe_video, read_video
from ..skeleton.errors import PoseDataError
from ..skeleton.sequence import Pose2DSequence

VIDEO_EXTENSIONS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".gif"}


@dataclass(frozen=True)
class ClipEntry:
    video: Path
    caption: str
    start: int  # first frame
    frames: int  # frames in the clip
    stride: int = 1


@dataclass
class DatasetReport:
    kept: list[ClipEntry] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    def text(self) -> str:
        lines = [f"{len(self.kept)} clip(s) kept, {len(self.skipped)} skipped"]
        lines += [f"  skipped {name}: {reason}" for name, reason in self.skipped]
        return "\n".join(lines)


def read_captions(path: Union[str, Path]) -> list[tuple[str, str]]:
    """[(video, caption)] from a .csv or .jsonl file (caption '' where missing)."""
    path = Path(path)
    if not path.is_file():
        raise PoseDataError(f"caption file {path.name} not found in {path.parent}")
    rows: list[tuple[str, str]] = []
    if path.suffix.lower() == ".jsonl":
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PoseDataError(f"{path.name} line {number}: not JSON ({exc})") from exc
            if not isinstance(item, dict) or not item.get("video"):
                raise PoseDataError(f"{path.name} line {number}: needs a \"video\" entry")
            rows.append((str(item["video"]), str(item.get("caption") or "").strip()))
        return rows
    if path.suffix.lower() != ".csv":
        raise PoseDataError(f"{path.name}: captions must be a .csv or .jsonl file")
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        fields = {name.lower().strip(): name for name in reader.fieldnames or []}
        video_key = fields.get("video") or fields.get("file")
        caption_key = fields.get("caption") or fields.get("text")
        if not video_key or not caption_key:
            raise PoseDataError(f"{path.name}: needs a header with 'video' and 'caption' columns, "
                                f"got {reader.fieldnames}")
        for row in reader:
            rows.append((str(row.get(video_key) or "").strip(), str(row.get(caption_key) or "").strip()))
    return rows


def scan_video_folder(folder: Union[str, Path], captions: Union[str, Path], clip_frames: int,
                      stride: int = 1) -> DatasetReport:
    """One clip per captioned video (its first clip_frames frames at `stride`)."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise PoseDataError(f"dataset folder {folder} not found")
    if clip_frames < 1 or stride < 1:
        raise PoseDataError(f"clip frames and stride must be at least 1, got {clip_frames}, {stride}")
    report = DatasetReport()
    seen: set[Path] = set()
    for name, caption in read_captions(captions):
        path = (folder / name).resolve()
        if folder not in path.parents:
            report.skipped.append((name, "outside the dataset folder"))
            continue
        seen.add(path)
        if not caption:
            report.skipped.append((name, "no caption"))
            continue
        try:
            info = probe_video(path)
            count = info.frame_count or _count_frames(path)
        except PoseDataError as exc:
            report.skipped.append((name, str(exc)))
            continue
        needed = (clip_frames - 1) * stride + 1
        if count < needed:
            report.skipped.append((name, f"shorter than the clip ({count} < {needed} frames)"))
            continue
        report.kept.append(ClipEntry(path, caption, 0, clip_frames, stride))
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in VIDEO_EXTENSIONS and path.resolve() not in seen:
            report.skipped.append((str(path.relative_to(folder)), "no caption"))
    return report


def _count_frames(path: Path) -> int:
    from ..detect.video import iter_frames
    return sum(1 for _ in iter_frames(path))


def fit_frames(frames: np.ndarray, width: int, height: int) -> tuple[np.ndarray, float, tuple[float, float]]:
    """Resize (cover) and centre-crop [T,H,W,3] to height x width. Returns (frames, scale,
    (x offset, y offset)): a keypoint p maps to p * scale - offset."""
    import cv2

    h, w = frames.shape[1:3]
    scale = max(width / w, height / h)
    new_w, new_h = max(width, int(round(w * scale))), max(height, int(round(h * scale)))
    ox, oy = (new_w - width) // 2, (new_h - height) // 2
    out = np.stack([cv2.resize(f, (new_w, new_h), interpolation=cv2.INTER_AREA)[oy:oy + height, ox:ox + width]
                    for f in frames])
    return out, scale, (float(ox), float(oy))


def fit_pose(pose: Pose2DSequence, scale: float, offset: tuple[float, float], width: int, height: int) -> Pose2DSequence:
    """The pose in the fitted frames' pixels (fit_frames)."""
    from dataclasses import replace

    keypoints = pose.keypoints * scale - np.array(offset, np.float32)
    return replace(pose, keypoints=keypoints, image_size=(width, height))


def load_clip(entry: ClipEntry, width: int, height: int, pose: Optional[Pose2DSequence] = None):
    """(frames [F, height, width, 3] uint8, fps, pose fitted to them or None)."""
    frames, fps = read_video(entry.video, entry.start, entry.frames, entry.stride)
    fitted, scale, offset = fit_frames(frames, width, height)
    if pose is not None:
        if pose.num_frames != len(frames):
            raise PoseDataError(f"{entry.video.name}: {pose.num_frames} pose frames for {len(frames)} video frames")
        pose = fit_pose(pose, scale, offset, width, height)
    return fitted, fps, pose
