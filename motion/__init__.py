"""Motion data: real mocap, user datasets, BVH, synthetic gymnastics, virtual cameras and 2D
noise. Every source yields MotionClip objects in one world frame (z up, metres, floor z=0)."""
from .clip import MotionClip, camera_to_world

__all__ = ["MotionClip", "camera_to_world"]
