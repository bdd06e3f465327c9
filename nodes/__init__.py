"""ComfyUI node wrappers (V3 schema). Thin: they convert types, report progress and call the
core packages. Imported only inside ComfyUI."""
from __future__ import annotations

from comfy_api.latest import ComfyExtension, io

from .common import register_model_folder
from .nodes_detect import LoadVideo, PoseDetect, Save2DPose
from .nodes_generate import AnimateDiffSampler, HeatmapEncoder, register_motion_folder
from .nodes_lift import BuildDemoBank, ICLLift3D
from .nodes_physics import FuseProject, PhysNetReestimate
from .nodes_text import TextExpand
from .nodes_pose_io import Draw3DSkeleton, DrawSkeleton, Load2DPose, PoseKeypointTo2DPose, Trim2DPose

NODES: list[type[io.ComfyNode]] = [
    LoadVideo, PoseDetect, Load2DPose, PoseKeypointTo2DPose, Trim2DPose, DrawSkeleton, Draw3DSkeleton, Save2DPose,
    ICLLift3D, BuildDemoBank, PhysNetReestimate, FuseProject, HeatmapEncoder, AnimateDiffSampler,
    TextExpand,
]


class FinePhysExtension(ComfyExtension):
    def __init__(self) -> None:
        # ComfyUI 0.3.75 never calls on_load, so the model folder is registered here, when
        # the entry point builds the extension at start-up.
        register_model_folder()
        register_motion_folder()

    async def get_node_list(self) -> list[type[io.ComfyNode]]:
        return NODES
