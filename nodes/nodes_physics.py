"""Node wrappers for the physics stage: PhysNet Re-estimate, and Fuse & Project."""
from __future__ import annotations

import json

import torch
from comfy_api.latest import io, ui

from ..motion.bvh import save_h36m_bvh
from ..physnet.frames import GravityFrame
from ..physnet.fuse import FUSION_DEFAULTS, fuse, project_new_view, project_original
from ..physnet.inference import DEFAULT_NAME, PACKAGE_WEIGHTS, PhysNetRunner
from ..skeleton.errors import PoseDataError
from .common import combo_errors, default_weights_label, output_file, user_error, weight_choices, weights_path
from .types import CATEGORY, PhysicsReportType, Pose2D, Pose3D

DEFAULT_WEIGHTS = default_weights_label(DEFAULT_NAME)
VIEWS = ["original camera", "new view"]
ELEVATION_TOOLTIP = ("How far the video camera looked down at the subject, in degrees (0: a level "
                     "camera, the usual case; 30: filmed from a raised position). Tells PhysNet "
                     "where gravity points.")


class PhysNetReestimate(io.ComfyNode):
    DISPLAY = "FinePhys PhysNet Re-estimate"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_PhysNetReestimate",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Re-estimates a lifted 3D sequence with Euler-Lagrange dynamics "
            "(q'' = M^-1 (J - C)), integrated forward and backward and averaged: bones stay "
            "rigid and, in flight, the centre of mass follows gravity's parabola. Reports "
            "contacts, flight phases and the centre of mass, with a plot.",
            inputs=[
                Pose3D.Input("pose_3d", tooltip="S3D_dd: the ICL Lift 3D output (needs its root trajectory). "
                             "PhysNet was trained on the lifter's raw answer: the example workflows "
                             "lift with fit_to_image off for it."),
                io.Combo.Input("weights", options=weight_choices(DEFAULT_NAME, "physnet"), default=DEFAULT_WEIGHTS,
                               tooltip="PhysNet weights: the shipped default, or <name>.safetensors "
                               "+ <name>.json from models/finephys/ (made by training/train_physnet.py)."),
                io.Float.Input("camera_elevation", default=0.0, min=-60.0, max=60.0, step=1.0,
                               tooltip=ELEVATION_TOOLTIP),
            ],
            outputs=[
                Pose3D.Output("pose_3d_physics", tooltip="S3D_pp: the physics-predicted sequence."),
                PhysicsReportType.Output("physics_report", tooltip="Contacts, flight phases, centre of mass."),
                io.Image.Output("com_plot", tooltip="Centre-of-mass height over time, flight shaded."),
                io.String.Output("report_text"),
            ],
        )

    @classmethod
    def validate_inputs(cls, weights: str) -> bool | str:
        return combo_errors(cls, weights=weights)

    @classmethod
    def execute(cls, pose_3d, weights: str, camera_elevation: float) -> io.NodeOutput:
        try:
            runner = PhysNetRunner.from_files(weights_path(weights, DEFAULT_NAME, PACKAGE_WEIGHTS, "PhysNet"))
            physics, report = runner.reestimate(pose_3d, camera_elevation)
        except PoseDataError as exc:
            raise user_error(cls.DISPLAY, exc) from None
        plot = torch.from_numpy(report.plot()).float()[None] / 255.0
        text = report.text()
        return io.NodeOutput(physics, report, plot, text, ui=ui.PreviewText(text))


class FuseProject(io.ComfyNode):
    DISPLAY = "FinePhys Fuse & Project"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_FuseProject",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Fuses the data-driven and the physics 3D ((1-w) S3D_dd + w S3D_pp; by "
            "default its fast motion taken from PhysNet only, bones rigid, and PhysNet's centre "
            "of mass in flight) and projects the result to 2D for the original camera or for a "
            "new view around the action, ready for the heatmap encoder. Can save the 3D as a "
            "BVH file for Blender.",
            inputs=[
                Pose3D.Input("pose_3d_data", tooltip="S3D_dd (ICL Lift 3D)."),
                Pose3D.Input("pose_3d_physics", tooltip="S3D_pp (PhysNet Re-estimate), same clip."),
                io.Float.Input("physics_weight", default=0.5, min=0.0, max=1.0, step=0.05,
                               tooltip="Share of the physics estimate: 0.5 is the paper's average; "
                               "1 uses PhysNet alone, 0 the lifter alone."),
                io.Boolean.Input("rigid_bones", default=FUSION_DEFAULTS["rigid_bones"],
                                 tooltip="Give the fused skeleton's bones their median lengths back "
                                 "(the plain average of two skeletons is not quite rigid)."),
                io.Combo.Input("view", options=VIEWS, default=VIEWS[0],
                               tooltip="Project for the camera of the video, or from a new angle."),
                io.Float.Input("camera_elevation", default=0.0, min=-60.0, max=60.0, step=1.0,
                               tooltip=ELEVATION_TOOLTIP + " Use the value given to PhysNet."),
                io.Float.Input("view_azimuth", default=90.0, min=-360.0, max=360.0, step=5.0,
                               tooltip="New view: degrees around the action from the original camera "
                               "(0: same side, 90: a quarter turn, 180: from behind)."),
                io.Float.Input("view_elevation", default=10.0, min=-80.0, max=80.0, step=1.0,
                               tooltip="New view: degrees above the action, looking down."),
                io.Float.Input("view_distance", default=0.0, min=0.0, max=200.0, step=0.5,
                               tooltip="New view: metres from the action (0: as close as keeps "
                               "the whole motion in view)."),
                io.Int.Input("width", default=0, min=0, max=8192, step=8,
                             tooltip="Output image width in pixels (0: the video's)."),
                io.Int.Input("height", default=0, min=0, max=8192, step=8,
                             tooltip="Output image height in pixels (0: the video's)."),
                io.Boolean.Input("save_bvh", default=False, tooltip="Also save the fused 3D as BVH "
                                 "(metres, Y up) in the output folder."),
                io.String.Input("filename_prefix", default="finephys/fused",
                                tooltip="Where the BVH goes in output/ (folders allowed)."),
                io.Float.Input("fast_motion_window", default=FUSION_DEFAULTS["data_band_s"], min=0.0, max=2.0,
                               step=0.05, optional=True,
                               tooltip="Seconds. Motion faster than this comes from PhysNet only (the "
                               "lift's jitter stays out); 0: the paper's plain average, which keeps "
                               "half of the lift's jitter."),
                io.Float.Input("physics_detail", default=FUSION_DEFAULTS["physics_detail"], min=0.0, max=1.0,
                               step=0.05, optional=True,
                               tooltip="Share of PhysNet's fast motion kept (with a window > 0): 1 keeps "
                               "all of it, 0 smooths it away too."),
                io.Boolean.Input("flight_law", default=FUSION_DEFAULTS["flight_law"], optional=True,
                                 tooltip="In the frames PhysNet marks as flight, use its centre of mass, "
                                 "which follows gravity's parabola."),
                io.Float.Input("flight_ramp", default=FUSION_DEFAULTS["flight_ramp_s"], min=0.0, max=2.0,
                               step=0.05, optional=True,
                               tooltip="Seconds (with flight_law). Around each flight phase the centre of "
                               "mass moves towards PhysNet's over this time, so it does not jump at "
                               "take-off and landing; 0: it switches within one frame."),
            ],
            outputs=[
                Pose3D.Output("pose_3d", tooltip="The fused 3D sequence (camera frame)."),
                Pose2D.Output("pose_2d", tooltip="Its 2D projection: connect to the heatmap encoder "
                              "or Draw Skeleton."),
                io.String.Output("bvh_file", tooltip="Path of the saved BVH, relative to output/ ('' if none)."),
            ],
            is_output_node=True,
        )

    @classmethod
    def validate_inputs(cls, view: str) -> bool | str:
        return combo_errors(cls, view=view)

    @classmethod
    def execute(cls, pose_3d_data, pose_3d_physics, physics_weight: float, rigid_bones: bool, view: str,
                camera_elevation: float, view_azimuth: float, view_elevation: float, view_distance: float,
                width: int, height: int, save_bvh: bool, filename_prefix: str,
                fast_motion_window: float = FUSION_DEFAULTS["data_band_s"],
                physics_detail: float = FUSION_DEFAULTS["physics_detail"],
                flight_law: bool = FUSION_DEFAULTS["flight_law"],
                flight_ramp: float = FUSION_DEFAULTS["flight_ramp_s"]) -> io.NodeOutput:
        try:
            fused = fuse(pose_3d_data, pose_3d_physics, physics_weight, rigid_bones, data_band_s=fast_motion_window,
                         flight_law=flight_law, physics_detail=physics_detail, flight_ramp_s=flight_ramp)
            size = fused.extras.get("image_size")
            if (width == 0 or height == 0) and size is None:
                raise PoseDataError("the 3D input does not say the video's size: set width and height")
            w, h = (width or size[0], height or size[1])
            world = None  # the fused motion in the gravity frame, when the new view made it
            if view == "original camera":
                focal = fused.extras.get("focal_length_px") if (w, h) == tuple(size or ()) else None
                pose_2d = project_original(fused, w, h, focal)
            else:
                pose_2d, _, world = project_new_view(fused, camera_elevation, view_azimuth, view_elevation,
                                                 view_distance, w, h)
            bvh_rel, saved = "", []
            if save_bvh:
                if world is None:
                    points = fused.global_joints()
                    world = GravityFrame.for_elevation(points, camera_elevation).to_gravity(points)
                path, file, subfolder = output_file(cls.DISPLAY, filename_prefix, w, h, "bvh")
                save_h36m_bvh(path, world, fused.fps)
                bvh_rel = f"{subfolder}/{file}" if subfolder else file
                saved.append(ui.SavedResult(file, subfolder, io.FolderType.output))
        except PoseDataError as exc:
            raise user_error(cls.DISPLAY, exc) from None
        summary = json.dumps({"frames": fused.num_frames, "physics_weight": physics_weight, "view": view,
                              "image": [w, h], "bvh": bvh_rel})
        return io.NodeOutput(fused, pose_2d, bvh_rel, ui={"files": saved, "text": [summary]})
