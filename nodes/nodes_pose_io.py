"""Node wrappers that bring 2D poses into a graph and draw them."""
from __future__ import annotations

import numpy as np
import torch
from comfy_api.latest import io

from ..skeleton.errors import PoseDataError
from ..skeleton.pose_files import load_pose_file
from ..skeleton.pose_keypoint import frames_to_sequence, sequence_to_frames
from ..skeleton.render import render_sequence
from ..skeleton.render3d import render_3d_views
from .common import combo_errors, file_fingerprint, list_input_files, optional_size, progress, resolve_input_path, user_error
from .types import CATEGORY, Pose2D, Pose3D, PoseKeypoint

POSE_FILE_EXTENSIONS = {".json", ".npz"}
# Dropdown value -> the core's person choice (an index into "people", or "largest").
PERSON_CHOICES = {"first": 0, "largest": "largest"}


class Load2DPose(io.ComfyNode):
    """Pose file -> 2D pose sequence: the paper's "2D skeleton instead of video"."""

    DISPLAY = "FinePhys Load 2D Pose"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_Load2DPose",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description=(
                "Loads a 2D skeleton sequence from a file in ComfyUI's input folder: "
                "POSE_KEYPOINT JSON (comfyui_controlnet_aux), a folder of OpenPose per-frame "
                "JSON files, or a FinePhys .npz. Converts it to the H36M-17 skeleton."
            ),
            inputs=[
                io.Combo.Input(
                    "pose_file",
                    options=list_input_files(POSE_FILE_EXTENSIONS, include_json_folders=True),
                    tooltip="A .json or .npz pose file, or a folder of OpenPose .json frames "
                    "(trailing '/'), from ComfyUI's input folder; '[sample]' entries ship with "
                    "FinePhys.",
                ),
                io.Float.Input(
                    "fps", default=30.0, min=1.0, max=240.0, step=0.5,
                    tooltip="Frame rate of the sequence (JSON files carry none; a FinePhys .npz "
                    "keeps its own).",
                ),
                io.Combo.Input(
                    "person", options=list(PERSON_CHOICES), default="first",
                    tooltip="Which person to take in frames with several: the first listed, or "
                    "the one with the largest bounding box.",
                ),
                io.Int.Input(
                    "image_width", default=0, min=0, max=16384,
                    tooltip="Image width in pixels, only for OpenPose files without a canvas "
                    "size (0: use the file's).",
                ),
                io.Int.Input(
                    "image_height", default=0, min=0, max=16384,
                    tooltip="Image height in pixels, only for OpenPose files without a canvas "
                    "size (0: use the file's).",
                ),
            ],
            outputs=[
                Pose2D.Output("pose_2d", tooltip="H36M-17 pixels with per-joint confidence."),
                PoseKeypoint.Output(
                    "pose_keypoint", tooltip="The same poses as POSE_KEYPOINT for ControlNet nodes."
                ),
                io.Int.Output("frame_count"),
                io.Float.Output("frame_rate", tooltip="Frames per second, for video nodes downstream."),
            ],
        )

    @classmethod
    def execute(cls, pose_file: str, fps: float, person: str, image_width: int,
                image_height: int) -> io.NodeOutput:
        size = None
        if image_width > 0 and image_height > 0:
            size = (image_width, image_height)
        try:
            path = resolve_input_path(pose_file)
            seq = load_pose_file(path, fps=fps, person=PERSON_CHOICES[person], image_size=size)
        except PoseDataError as exc:
            raise user_error(cls.DISPLAY, exc) from None
        return io.NodeOutput(seq, sequence_to_frames(seq), seq.num_frames, seq.fps)

    @classmethod
    def validate_inputs(cls, pose_file: str, person: str) -> bool | str:
        return combo_errors(cls, pose_file=pose_file, person=person)

    @classmethod
    def fingerprint_inputs(cls, pose_file: str, **_) -> str:
        # The file's content may change under the same name: re-run when it does.
        try:
            return file_fingerprint(resolve_input_path(pose_file))
        except PoseDataError:
            return pose_file


class PoseKeypointTo2DPose(io.ComfyNode):
    """POSE_KEYPOINT from other node packs -> our 2D pose sequence."""

    DISPLAY = "FinePhys POSE_KEYPOINT to 2D Pose"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_PoseKeypointTo2DPose",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Converts POSE_KEYPOINT (e.g. from DWPose / OpenPose preprocessors) to "
            "a FinePhys H36M-17 pose sequence.",
            inputs=[
                PoseKeypoint.Input("pose_keypoint", tooltip="One entry per frame, OpenPose-18 "
                                   "or BODY_25 people, with canvas size."),
                io.Float.Input("fps", default=30.0, min=1.0, max=240.0, step=0.5,
                               tooltip="Frame rate of the sequence."),
                io.Combo.Input("person", options=list(PERSON_CHOICES), default="first",
                               tooltip="Which person to take in frames with several."),
            ],
            outputs=[Pose2D.Output("pose_2d")],
        )

    @classmethod
    def validate_inputs(cls, person: str) -> bool | str:
        return combo_errors(cls, person=person)

    @classmethod
    def execute(cls, pose_keypoint, fps: float, person: str) -> io.NodeOutput:
        try:
            seq = frames_to_sequence(pose_keypoint, fps=fps,
                                     person=PERSON_CHOICES[person],
                                     source="POSE_KEYPOINT")
        except PoseDataError as exc:
            raise user_error(cls.DISPLAY, exc) from None
        return io.NodeOutput(seq)


class DrawSkeleton(io.ComfyNode):
    """2D pose sequence -> IMAGE batch in OpenPose colours (pose map or overlay)."""

    DISPLAY = "FinePhys Draw Skeleton"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_DrawSkeleton",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Draws the skeleton of every frame in OpenPose colours, on black (a "
            "ControlNet-style pose map) or over the given frames (an overlay).",
            inputs=[
                Pose2D.Input("pose_2d", tooltip="The 2D pose sequence to draw."),
                io.Int.Input("width", default=0, min=0, max=4096,
                             tooltip="Output width in pixels (0: the pose's image width)."),
                io.Int.Input("height", default=0, min=0, max=4096,
                             tooltip="Output height in pixels (0: the pose's image height)."),
                io.Float.Input("confidence_threshold", default=0.3, min=0.0, max=1.0, step=0.05,
                               tooltip="Joints with a lower confidence are not drawn."),
                io.Int.Input("line_width", default=0, min=0, max=64,
                             tooltip="Half-width of limbs in pixels (0: scaled to the image)."),
                io.Image.Input("background", optional=True,
                               tooltip="Frames to draw over (one, or one per pose frame); their "
                               "size sets the output size."),
            ],
            outputs=[io.Image.Output("images")],
        )

    @classmethod
    def execute(cls, pose_2d, width: int, height: int, confidence_threshold: float,
                line_width: int, background: torch.Tensor | None = None) -> io.NodeOutput:
        bg = None
        if background is not None:
            bg = background[..., :3].float().cpu().numpy()
            height, width = bg.shape[1], bg.shape[2]
        try:
            frames = render_sequence(
                pose_2d, optional_size(width), optional_size(height), background=bg,
                threshold=confidence_threshold, stick_width=optional_size(line_width),
                on_frame=progress(pose_2d.num_frames),
            )
        except PoseDataError as exc:
            raise user_error(cls.DISPLAY, exc) from None
        return io.NodeOutput(torch.from_numpy(np.ascontiguousarray(frames)))


VIEW_CHOICES = {"front + side + top": ("front", "side", "top"), "front + side": ("front", "side"),
                "front": ("front",), "side": ("side",), "top": ("top",)}


class Draw3DSkeleton(io.ComfyNode):
    """3D pose sequence -> IMAGE batch: each frame from a few orthographic views."""

    DISPLAY = "FinePhys Draw 3D Skeleton"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_Draw3DSkeleton",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Draws a 3D pose sequence (lifted, physics or fused) from the camera "
            "(front), from the right (side) and from above (top), one scale for the whole "
            "sequence; with the trajectory on, the body moves as it does in the scene.",
            inputs=[
                Pose3D.Input("pose_3d", tooltip="The 3D pose sequence to draw."),
                io.Combo.Input("views", options=list(VIEW_CHOICES), default="front + side + top",
                               tooltip="Which orthographic views to put side by side."),
                io.Int.Input("panel_size", default=320, min=64, max=2048, step=16,
                             tooltip="Width and height of each view in pixels."),
                io.Boolean.Input("trajectory", default=True,
                                 tooltip="Draw the body where it is (root trajectory, with the "
                                 "pelvis path as a trail), so jumps and flight show; off: "
                                 "centred on the pelvis."),
            ],
            outputs=[io.Image.Output("images", tooltip="One image per frame, the views side by side.")],
        )

    @classmethod
    def validate_inputs(cls, views: str) -> bool | str:
        return combo_errors(cls, views=views)

    @classmethod
    def execute(cls, pose_3d, views: str, panel_size: int, trajectory: bool) -> io.NodeOutput:
        frames = render_3d_views(pose_3d, panel=panel_size, views=VIEW_CHOICES[views],
                                 trajectory=trajectory, on_frame=progress(pose_3d.num_frames))
        return io.NodeOutput(torch.from_numpy(frames))


class Trim2DPose(io.ComfyNode):
    """A stretch of a 2D pose sequence: generation runs on tens of frames, detection gives hundreds."""

    DISPLAY = "FinePhys Trim 2D Pose"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_Trim2DPose",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Keeps frames start, start+step, ... (frames of them; 0 = to the end). "
            "The frame rate is divided by step.",
            inputs=[
                Pose2D.Input("pose_2d", tooltip="The sequence to cut."),
                io.Int.Input("start", default=0, min=0, max=1_000_000, tooltip="First frame kept (0-based)."),
                io.Int.Input("frames", default=16, min=0, max=1_000_000, tooltip="Frames kept (0: to the end)."),
                io.Int.Input("step", default=1, min=1, max=100, tooltip="Keep every step-th frame."),
            ],
            outputs=[Pose2D.Output("trimmed"), io.Int.Output("frame_count")],
        )

    @classmethod
    def execute(cls, pose_2d, start: int, frames: int, step: int) -> io.NodeOutput:
        if start >= pose_2d.num_frames:
            raise ValueError(f"{cls.DISPLAY}: start {start} is past the last frame ({pose_2d.num_frames - 1})")
        stop = pose_2d.num_frames if frames == 0 else min(pose_2d.num_frames, start + frames * step)
        trimmed = pose_2d.slice(start, stop, step)
        return io.NodeOutput(trimmed, trimmed.num_frames)
