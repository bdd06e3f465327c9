"""Node wrappers for the second stage: in-context 2D->3D lifting and demonstration banks."""
from __future__ import annotations

import os
from pathlib import Path

import torch
from comfy_api.latest import io, ui

from ..lifter.bank import DemoBank, builtin_bank, synthetic_bank_clips
from ..lifter.inference import DEFAULT_NAME, PACKAGE_WEIGHTS, Lifter
from ..motion.bvh import load_bvh_clip
from ..skeleton.errors import PoseDataError
from ..skeleton.render3d import render_3d_views
from .common import (
    MODEL_FOLDER, combo_errors, default_weights_label, progress, resolve_input_path, user_error, weight_choices,
    weights_path,
)
from .types import CATEGORY, DemoBankType, Pose2D, Pose3D

DEFAULT_WEIGHTS = default_weights_label(DEFAULT_NAME)
DEFAULT_BANK_WINDOW = 27


TEST_TIME_FLIP = {"auto": None, "on": True, "off": False}  # node option -> Lifter(test_time_flip=)


class ICLLift3D(io.ComfyNode):
    DISPLAY = "FinePhys ICL Lift 3D"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_ICLLift3D",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Lifts a 2D pose sequence to 3D (metres) with the in-context lifter: "
            "each window is shown a demonstration (a 2D-3D pair of a similar move) from a bank "
            "or the one you connect. Also estimates the root trajectory from the 2D and the "
            "camera, so jumps keep their flight, and fits the result to the 2D (reprojection, "
            "rigid bones, smooth motion).",
            inputs=[
                Pose2D.Input("pose_2d", tooltip="The 2D sequence to lift (H36M-17 pixels)."),
                io.Combo.Input("weights", options=weight_choices(DEFAULT_NAME, "lifter"), default=DEFAULT_WEIGHTS,
                               tooltip="Lifter weights: the shipped default, or <name>.safetensors "
                               "+ <name>.json from models/finephys/."),
                io.Combo.Input("demonstrations", options=["bank", "none"], default="bank",
                               tooltip="bank: retrieve a demonstration for every window (from "
                               "the connected bank, else the built-in synthetic one, rebuilt at "
                               "the video's frame rate so moves show at the same speed); none: "
                               "the lifter alone."),
                io.Float.Input("focal_length_px", default=0.0, min=0.0, max=100000.0, step=1.0,
                               tooltip="Camera focal length in pixels (0: assume the longer image "
                               "side, about a 53 degree field of view)."),
                io.Boolean.Input("preview", default=True, tooltip="Draw the 3D result from the "
                                 "front, side and top."),
                DemoBankType.Input("bank", optional=True, tooltip="A demonstration bank "
                                   "(FinePhys Build Demo Bank)."),
                Pose2D.Input("demo_2d", optional=True, tooltip="A specific demonstration: its 2D..."),
                Pose3D.Input("demo_3d", optional=True, tooltip="...and its 3D (same frames)."),
                io.Boolean.Input("fit_to_image", default=True, optional=True,
                                 tooltip="Fit the lifted 3D to the 2D it came from: it then "
                                 "reprojects onto the keypoints (confident ones most; as closely as "
                                 "their measured jitter allows), keeps its "
                                 "bone lengths and moves smoothly; the bones its answers disagree on "
                                 "yield most to the image. Off: the network's raw answer."),
                io.Combo.Input("test_time_flip", options=list(TEST_TIME_FLIP), default="auto", optional=True,
                               tooltip="Also lift the mirror image and average (a little more "
                               "accurate, a little slower). auto: on when fitting to the image, off "
                               "for the raw answer (the one PhysNet was trained on)."),
            ],
            outputs=[
                Pose3D.Output("pose_3d", tooltip="Root-relative joints + root trajectory, camera frame."),
                io.Image.Output("preview_images", tooltip="Front / side / top views per frame."),
            ],
        )

    @classmethod
    def validate_inputs(cls, weights: str, demonstrations: str, test_time_flip: str = "auto") -> bool | str:
        return combo_errors(cls, weights=weights, demonstrations=demonstrations, test_time_flip=test_time_flip)

    @classmethod
    def execute(cls, pose_2d, weights: str, demonstrations: str, focal_length_px: float,
                preview: bool, bank=None, demo_2d=None, demo_3d=None, fit_to_image: bool = True,
                test_time_flip: str = "auto") -> io.NodeOutput:
        try:
            lifter = Lifter.from_files(weights_path(weights, DEFAULT_NAME, PACKAGE_WEIGHTS, "lifter"),
                                       use_demonstrations=demonstrations == "bank",
                                       test_time_flip=TEST_TIME_FLIP[test_time_flip])
            demo = None
            if (demo_2d is None) != (demo_3d is None):
                raise PoseDataError("a demonstration needs both demo_2d and demo_3d connected")
            if demonstrations == "bank":
                if demo_2d is not None:
                    demo = DemoBank.from_pair(demo_2d, demo_3d, lifter.config.window)
                elif bank is not None:
                    demo = bank
                elif lifter.config.kind == "icl":
                    demo = builtin_bank(lifter.config.window)
            pose_3d = lifter.lift(pose_2d, demonstration=demo,
                                  focal_length_px=focal_length_px if focal_length_px > 0 else None,
                                  fit_to_image=fit_to_image)
            if preview:
                images = torch.from_numpy(render_3d_views(pose_3d, on_frame=progress(pose_3d.num_frames)))
            else:
                images = torch.zeros((1, 64, 64, 3))
        except PoseDataError as exc:
            raise user_error(cls.DISPLAY, exc) from None
        return io.NodeOutput(pose_3d, images)


def bvh_folder_choices() -> list[str]:
    import folder_paths

    root = Path(folder_paths.get_input_directory())
    found = ["[synthetic] all families"]
    if root.is_dir():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            if any(f.lower().endswith(".bvh") for f in filenames):
                rel = Path(dirpath).relative_to(root).as_posix()
                found.append("./" if rel == "." else rel + "/")
    return found


class BuildDemoBank(io.ComfyNode):
    DISPLAY = "FinePhys Build Demo Bank"

    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="FinePhys_BuildDemoBank",
            display_name=cls.DISPLAY,
            category=CATEGORY,
            description="Builds a demonstration bank for the ICL lifter from the .bvh files of "
            "a folder in ComfyUI's input folder (or from synthetic gymnastics), seen from 16 "
            "views, and saves it to models/finephys/banks/<name>.safetensors. The bank keeps "
            "its clips: ICL Lift 3D uses it at your video's frame rate, whatever the files' rate.",
            inputs=[
                io.Combo.Input("source", options=bvh_folder_choices(),
                               tooltip="A folder of .bvh files in the input folder, or synthetic motion."),
                io.String.Input("name", default="my_bank", tooltip="File name of the saved bank."),
                io.Int.Input("window", default=DEFAULT_BANK_WINDOW, min=3, max=243,
                             tooltip="Frames per entry: the lifter's window (27 for the shipped one)."),
            ],
            outputs=[DemoBankType.Output("bank"), io.Int.Output("entries")],
            is_output_node=True,
        )

    @classmethod
    def validate_inputs(cls, source: str) -> bool | str:
        return combo_errors(cls, source=source)

    @classmethod
    def execute(cls, source: str, name: str, window: int) -> io.NodeOutput:
        import folder_paths

        if not name or any(c in name for c in "/\\:") or name.startswith("."):
            raise ValueError(f"{cls.DISPLAY}: bad bank name {name!r} (letters, digits, - and _)")
        try:
            if source.startswith("[synthetic]"):
                clips = synthetic_bank_clips()
            else:
                folder = resolve_input_path(source)
                files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".bvh")
                step = progress(len(files))
                clips = []
                for i, path in enumerate(files):
                    clips.append(load_bvh_clip(path))
                    step(i)
            bank = DemoBank.from_clips(clips, window)
        except PoseDataError as exc:
            raise user_error(cls.DISPLAY, exc) from None
        out_dir = Path(folder_paths.get_folder_paths(MODEL_FOLDER)[0]) / "banks"
        out_dir.mkdir(parents=True, exist_ok=True)
        bank.save(out_dir / f"{name}.safetensors")
        summary = f"{len(bank)} entries from {len(clips)} clips -> models/{MODEL_FOLDER}/banks/{name}.safetensors"
        return io.NodeOutput(bank, len(bank), ui=ui.PreviewText(summary))
