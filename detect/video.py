"""Reading video files into frames (PyAV): a frame range, a stride and a size limit, with
errors that say what is wrong with the file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

import numpy as np

from ..skeleton.errors import PoseDataError

VIDEO_EXTENSIONS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".gif"}


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frame_count: int  # as the container states it (0 when it does not)


def _open(path: Path):
    import av

    if not path.is_file():
        raise PoseDataError(f"{path.name}: no such video file")
    if path.stat().st_size == 0:
        raise PoseDataError(f"{path.name}: the file is empty")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise PoseDataError(f"{path.name}: not a readable video ({exc})") from exc
    if not container.streams.video:
        container.close()
        raise PoseDataError(f"{path.name}: the file has no video stream")
    return container


def probe_video(path: Union[str, Path]) -> VideoInfo:
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or 0
        return VideoInfo(int(stream.codec_context.width), int(stream.codec_context.height),
                         float(rate), int(stream.frames or 0))
    finally:
        container.close()


def scaled_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(width, height) with the longer side at most max_side (0: unchanged), even numbers."""
    if max_side <= 0 or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(2, int(round(width * scale / 2)) * 2), max(2, int(round(height * scale / 2)) * 2)


def iter_frames(
    path: Union[str, Path], start: int = 0, count: int = 0, stride: int = 1, max_side: int = 0
) -> Iterator[np.ndarray]:
    """Frames start, start+stride, ... (at most `count`; 0 = to the end) as [H,W,3] uint8 RGB,
    resized so the longer side is at most max_side (0 = native size)."""
    import av

    if start < 0 or count < 0 or stride < 1:
        raise PoseDataError(f"bad frame range: start={start}, count={count}, stride={stride}")
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        size = scaled_size(stream.codec_context.width, stream.codec_context.height, max_side)
        kept = 0
        try:
            for index, frame in enumerate(container.decode(stream)):
                if index < start or (index - start) % stride:
                    continue
                yield frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
                kept += 1
                if count and kept >= count:
                    break
        except av.error.FFmpegError as exc:
            raise PoseDataError(f"{path.name}: decoding failed after {kept} frame(s) ({exc})") from exc
    finally:
        container.close()


def read_video(
    path: Union[str, Path], start: int = 0, count: int = 0, stride: int = 1, max_side: int = 0,
    on_frame: Optional[Callable[[int], None]] = None,
) -> tuple[np.ndarray, float]:
    """All selected frames [T,H,W,3] uint8 and the frame rate of the result (the file's rate
    divided by the stride). Raises PoseDataError when no frame is in the range."""
    path = Path(path)
    info = probe_video(path)
    frames = []
    for i, frame in enumerate(iter_frames(path, start, count, stride, max_side)):
        frames.append(frame)
        if on_frame is not None:
            on_frame(i)
    if not frames:
        raise PoseDataError(
            f"{path.name}: no frames in the range start={start}, count={count or 'all'}, "
            f"stride={stride} (the file has {info.frame_count or 'an unknown number of'} frames)"
        )
    fps = info.fps / stride if info.fps > 0 else 30.0 / stride
    return np.stack(frames), fps
