"""Motion data: real mocap, user datasets, BVH, synthetic gymnastics, virtual cameras and 2D
noise. Every source yields MotionClip objects in one world frame (z up, metres, floor z=0).

| module | what |
|---|---|
| clip.py | MotionClip, the world frame |
| deepmimic.py | the DeepMimic mocap shipped with pybullet, and the fixed train / held-out split |
| bvh.py | BVH read / write / forward kinematics, rig mapping, H36M-17 export for Blender |
| h36m_npz.py | Human3.6M in the VideoPose3D npz layout (restricted unpickling) |
| user_npz.py | a generic npz of named joints |
| ground.py | units, up axis, floor placement and contact labels shared by the loaders |
| rotations.py | quaternion and rotation-matrix helpers |
| synthetic/ | exact-physics synthetic gymnastics |
| cameras.py | virtual cameras (look-at, orbit, sampled) and projection of clips |
| noise2d.py | detector-like corruption of 2D poses |
"""
from .clip import MotionClip, camera_to_world

__all__ = ["MotionClip", "camera_to_world"]
