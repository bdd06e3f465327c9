import av
import numpy as np
import pytest

from finephys.detect.video import iter_frames, probe_video, read_video, scaled_size
from finephys.skeleton.errors import PoseDataError


def _write_video(path, frames=12, size=(64, 48), fps=24):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            image = np.zeros((size[1], size[0], 3), np.uint8)
            image[:, : 4 * (i + 1)] = 255  # a white bar that grows: frame i is identifiable
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        container.mux(stream.encode())
    return path


def _bar(frame):
    return int((frame[frame.shape[0] // 2, :, 0] > 128).sum())


def test_read_range_stride_and_resize(tmp_path):
    path = _write_video(tmp_path / "clip.mp4")
    info = probe_video(path)
    assert (info.width, info.height) == (64, 48) and info.fps == pytest.approx(24)
    frames, fps = read_video(path)
    assert frames.shape == (12, 48, 64, 3) and frames.dtype == np.uint8 and fps == pytest.approx(24)
    picked, fps = read_video(path, start=2, count=3, stride=3)
    assert len(picked) == 3 and fps == pytest.approx(8)
    assert [round(_bar(f) / 4) for f in picked] == [3, 6, 9]  # frames 2, 5, 8
    small, _ = read_video(path, max_side=32)
    assert small.shape[1:3] == (24, 32)
    assert scaled_size(1768, 994, 884) == (884, 496) and scaled_size(64, 48, 0) == (64, 48)


def test_unreadable_videos_say_what_is_wrong(tmp_path):
    with pytest.raises(PoseDataError, match="no such"):
        read_video(tmp_path / "missing.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(PoseDataError, match="empty"):
        read_video(tmp_path / "empty.mp4")
    (tmp_path / "junk.mp4").write_bytes(b"this is not a video" * 50)
    with pytest.raises(PoseDataError, match="junk.mp4: not a readable video"):
        read_video(tmp_path / "junk.mp4")
    path = _write_video(tmp_path / "short.mp4", frames=4)
    with pytest.raises(PoseDataError, match="no frames in the range"):
        read_video(path, start=10)
    with pytest.raises(PoseDataError, match="bad frame range"):
        list(iter_frames(path, stride=0))
