"""Node wrappers for the first stage: video in, one tracked actor's 2D pose out, poses saved."""
from __future__ import annotations

import os

import torch
from comfy_api.latest import io, ui

from ..detect.backend import DetectorUnavailable
from ..detect.optional_backends import BACKEND_NAMES, default_search_dirs, make_backend
from ..detect.pipeline import detect_poses
from ..detect.smoothing import METHODS as SMOOTHING
from ..detect.tracker import TARGETS, TrackerOptions
from ..detect.video import VIDEO_EXTENSIONS, probe_video, read_video
from ..skeleton.errors import PoseDataError
from ..skeleton.pose_files import save_pose_keypoint_json, save_pose_npz
from ..skeleton.pose_keypoint import sequence_to_frames
from ..skeleton.render import render_sequence
from .common import combo_errors, file_fingerprint, list_input_files, progress, resolve_input_path, user_error
from .types import CATEGORY, Pose2D, PoseKeypoint


class LoadVideo(io.ComfyNode):
    """Video file -> IMAGE batch, with the frame range, stride and size limit core lacks."""

    DISPLAY = "FinePhys Load Video"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_LoadVideo",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Loads frames of a video file from ComfyUI's input folder: a frame "
            "range, every n-th frame, and an optional size limit (frames stay in memory as "
            "float images, about 24 MB per 1080p frame).",
            inputs=[
                io.Combo.Input("video", options=list_input_files(VIDEO_EXTENSIONS),
                               tooltip="A video file in ComfyUI's input folder."),
                io.Int.Input("start_frame", default=0, min=0, max=1_000_000,
                             tooltip="First frame to load (0 = the first of the file)."),
                io.Int.Input("frame_count", default=0, min=0, max=100_000,
                             tooltip="How many frames to load (0 = to the end)."),
                io.Int.Input("stride", default=1, min=1, max=100,
                             tooltip="Load every n-th frame; the frame rate output is divided by it."),
                io.Int.Input("max_side", default=0, min=0, max=8192,
                             tooltip="Resize so the longer side is at most this many pixels "
                             "(0 = native size; detection is most reliable at native size)."),
            ],
            outputs=[
                io.Image.Output("images"),
                io.Float.Output("frame_rate", tooltip="Frames per second of the loaded frames."),
                io.Int.Output("loaded_frames", tooltip="How many frames were loaded."),
            ],
        )

    @classmethod
    def validate_inputs(cls, video: str) -> bool | str:
        return combo_errors(cls, video=video)

    @classmethod
    def fingerprint_inputs(cls, video: str, **_) -> str:
        try:
            return file_fingerprint(resolve_input_path(video))
        except PoseDataError:
            return video

    @classmethod
    def execute(cls, video: str, start_frame: int, frame_count: int, stride: int,
                max_side: int) -> io.NodeOutput:
        try:
            path = resolve_input_path(video)
            info = probe_video(path)
            expected = info.frame_count - start_frame if info.frame_count else 0
            expected = -(-expected // stride) if expected > 0 else 0
            total = min(expected, frame_count) if frame_count else expected
            frames, fps = read_video(path, start_frame, frame_count, stride, max_side,
                                     on_frame=progress(max(total, 1)))
        except PoseDataError as exc:
            raise user_error(cls.DISPLAY, exc) from None
        images = torch.from_numpy(frames).float().div_(255.0)
        return io.NodeOutput(images, fps, int(images.shape[0]))


class PoseDetect(io.ComfyNode):
    """IMAGE batch -> one tracked actor's H36M-17 2D pose, an overlay, POSE_KEYPOINT."""

    DISPLAY = "FinePhys Pose Detect"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_PoseDetect",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Detects one person's 2D skeleton in every frame and keeps the same "
            "person throughout (crops that follow the actor, people outside the gate ignored). "
            "Missed frames get confidence 0 and interpolated positions, never NaN.",
            inputs=[
                io.Image.Input("images", tooltip="Video frames, all the same size."),
                io.Float.Input("fps", default=30.0, min=1.0, max=240.0, step=0.5,
                               tooltip="Frame rate of the frames (connect Load Video's frame_rate)."),
                io.Combo.Input("backend", options=list(BACKEND_NAMES), default="mediapipe",
                               tooltip="mediapipe: MediaPipe BlazePose, embedded, offline. "
                               "openpose / dwpose: need their weight files in models/finephys/."),
                io.Combo.Input("target", options=list(TARGETS), default="largest",
                               tooltip="Who to follow when the track starts: the largest person, "
                               "the one nearest the centre, or the one nearest (point_x, point_y)."),
                io.Float.Input("point_x", default=0.5, min=0.0, max=1.0, step=0.01,
                               tooltip="For target nearest_point: x as a fraction of the width."),
                io.Float.Input("point_y", default=0.5, min=0.0, max=1.0, step=0.01,
                               tooltip="For target nearest_point: y as a fraction of the height."),
                io.Combo.Input("smoothing", options=list(SMOOTHING), default="none",
                               tooltip="Temporal smoothing of the keypoints. Off by default: "
                               "smoothing blunts the fast motion physics needs."),
                io.Boolean.Input("draw_overlay", default=True,
                                 tooltip="Draw the skeleton over the frames (off: the overlay "
                                 "output passes the frames through, saving time and memory)."),
                io.Float.Input("overlay_confidence", default=0.3, min=0.0, max=1.0, step=0.05,
                               tooltip="Joints below this confidence are not drawn in the overlay."),
            ],
            outputs=[
                Pose2D.Output("pose_2d", tooltip="H36M-17 pixels with per-joint confidence."),
                io.Image.Output("overlay", tooltip="The skeleton drawn over the frames."),
                PoseKeypoint.Output("pose_keypoint", tooltip="The same poses as POSE_KEYPOINT."),
                io.Int.Output("detected_frames", tooltip="Frames where the actor was found."),
            ],
        )

    @classmethod
    def validate_inputs(cls, backend: str, target: str, smoothing: str) -> bool | str:
        return combo_errors(cls, backend=backend, target=target, smoothing=smoothing)

    @classmethod
    def execute(cls, images: torch.Tensor, fps: float, backend: str, target: str, point_x: float,
                point_y: float, smoothing: str, draw_overlay: bool,
                overlay_confidence: float) -> io.NodeOutput:
        if images is None or images.ndim != 4 or images.shape[0] == 0:
            raise ValueError(f"{cls.DISPLAY}: the image batch is empty")
        count = int(images.shape[0])
        step = progress(2 * count if draw_overlay else count)  # detection, then the overlay

        def frames():  # one frame at a time to uint8: never a second full copy of the video
            for frame in images:
                yield (frame[..., :3].clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()

        try:
            options = TrackerOptions(target=target, point=(point_x, point_y))
            detector = make_backend(backend, search_dirs=default_search_dirs())
            try:
                sequence, log = detect_poses(frames(), detector, fps, options, smoothing,
                                             on_frame=step, source=f"{backend} tracker")
            finally:
                detector.close()
            overlay = cls._overlay(images, sequence, overlay_confidence, step) if draw_overlay \
                else images[..., :3]
        except DetectorUnavailable as exc:
            raise user_error(cls.DISPLAY, exc) from None
        except PoseDataError as exc:
            raise user_error(cls.DISPLAY, exc) from None
        return io.NodeOutput(sequence, overlay, sequence_to_frames(sequence), int(sum(log.found)))

    @staticmethod
    def _overlay(images: torch.Tensor, sequence, threshold: float, step) -> torch.Tensor:
        out = torch.empty_like(images[..., :3], dtype=torch.float32)
        for t in range(images.shape[0]):
            drawn = render_sequence(sequence.slice(t, t + 1), background=images[t:t + 1, ..., :3].float().cpu().numpy(),
                                    threshold=threshold)
            out[t] = torch.from_numpy(drawn[0])
            step(t)
        return out


class Save2DPose(io.ComfyNode):
    """2D pose sequence -> files in the output folder (our .npz and POSE_KEYPOINT .json)."""

    DISPLAY = "FinePhys Save 2D Pose"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_Save2DPose",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Saves a 2D pose sequence to ComfyUI's output folder: FinePhys .npz "
            "(keeps confidences, interpolation flags and fps) and/or POSE_KEYPOINT .json "
            "(for ControlNet workflows). Load it back with FinePhys Load 2D Pose.",
            inputs=[
                Pose2D.Input("pose_2d", tooltip="The sequence to save."),
                io.String.Input("filename_prefix", default="finephys/pose2d",
                                tooltip="Output file name prefix (a subfolder may be included)."),
                io.Combo.Input("format", options=["npz+json", "npz", "json"], default="npz+json",
                               tooltip="Which files to write."),
            ],
            outputs=[],
            is_output_node=True,
        )

    @classmethod
    def validate_inputs(cls, format: str) -> bool | str:
        return combo_errors(cls, format=format)

    @classmethod
    def execute(cls, pose_2d, filename_prefix: str, format: str) -> io.NodeOutput:
        import folder_paths

        output_dir = folder_paths.get_output_directory()
        try:
            folder, name, counter, subfolder, _ = folder_paths.get_save_image_path(
                filename_prefix, output_dir, pose_2d.width, pose_2d.height)
        except Exception as exc:  # ComfyUI refuses prefixes that leave the output folder
            raise ValueError(f"{cls.DISPLAY}: bad filename_prefix {filename_prefix!r} ({exc})") from None
        saved = []
        for ext in format.split("+"):
            file = f"{name}_{counter:05}_.{ext}"
            path = os.path.join(folder, file)
            if ext == "npz":
                save_pose_npz(pose_2d, path)
            else:
                save_pose_keypoint_json(pose_2d, path)
            saved.append(ui.SavedResult(file, subfolder, io.FolderType.output))
        found = int((pose_2d.confidence.max(axis=1) > 0).sum())
        summary = (f"{pose_2d.num_frames} frames, actor found in {found}, "
                   f"{pose_2d.width}x{pose_2d.height} @ {pose_2d.fps:g} fps")
        return io.NodeOutput(ui={"files": saved, "text": [summary]})
