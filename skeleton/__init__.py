"""The shared pose core: the H36M-17 skeleton, format converters, pose containers, pose files,
the pinhole camera and the skeleton renderer. Plain numpy; imports without ComfyUI."""
from .camera import PinholeCamera
from .errors import PoseDataError
from .sequence import Pose2DSequence, Pose3DSequence

__all__ = ["PinholeCamera", "PoseDataError", "Pose2DSequence", "Pose3DSequence"]
