"""A pinhole camera: intrinsics, optional extrinsics, projection, and root-translation fit.

Camera axes follow OpenCV: x right, y down, z forward (depth). Pixels have their origin at the
top-left corner of the image. Extrinsics map world points into the camera frame:
p_cam = R @ p_world + t.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import PoseDataError

MIN_DEPTH = 1e-3  # metres; points closer than this to the image plane cannot be projected


@dataclass(frozen=True)
class PinholeCamera:
    """fx, fy, cx, cy in pixels; width, height of the image in pixels."""

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int
    rotation: np.ndarray = field(default_factory=lambda: np.eye(3, dtype=np.float64))
    translation: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.float64))

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise PoseDataError(f"image size must be positive, got {self.width}x{self.height}")
        if not (np.isfinite(self.fx) and np.isfinite(self.fy)) or self.fx <= 0 or self.fy <= 0:
            raise PoseDataError(f"focal lengths must be positive, got fx={self.fx}, fy={self.fy}")
        rot = np.asarray(self.rotation, dtype=np.float64)
        trans = np.asarray(self.translation, dtype=np.float64)
        if rot.shape != (3, 3) or trans.shape != (3,):
            raise PoseDataError("camera rotation must be 3x3 and translation a 3-vector")
        object.__setattr__(self, "rotation", rot)
        object.__setattr__(self, "translation", trans)

    @classmethod
    def from_image_size(
        cls, width: int, height: int, focal_length_px: float | None = None
    ) -> "PinholeCamera":
        """Square pixels, principal point at the image centre.

        Without a focal length the longer image side is used, a field of view of about 53
        degrees across that side: a common assumption for uncalibrated video.
        """
        if width <= 0 or height <= 0:
            raise PoseDataError(f"image size must be positive, got {width}x{height}")
        focal = float(max(width, height) if focal_length_px is None else focal_length_px)
        return cls(focal, focal, width / 2.0, height / 2.0, int(width), int(height))

    @property
    def intrinsic_matrix(self) -> np.ndarray:
        """K [3,3]."""
        return np.array([[self.fx, 0, self.cx], [0, self.fy, self.cy], [0, 0, 1]], dtype=np.float64)

    def world_to_camera(self, points: np.ndarray) -> np.ndarray:
        """[...,3] world -> [...,3] camera frame."""
        return np.asarray(points, dtype=np.float64) @ self.rotation.T + self.translation

    def project(self, points_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Camera-frame points [...,3] -> (pixels [...,2], in_front [...] bool).

        Points at depth below MIN_DEPTH are projected as if at MIN_DEPTH and flagged False,
        so the result is always finite.
        """
        p = np.asarray(points_cam, dtype=np.float64)
        depth = p[..., 2]
        in_front = depth > MIN_DEPTH
        z = np.maximum(depth, MIN_DEPTH)
        u = self.fx * p[..., 0] / z + self.cx
        v = self.fy * p[..., 1] / z + self.cy
        return np.stack([u, v], axis=-1), in_front

    def project_world(self, points_world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points [...,3] -> (pixels [...,2], in_front [...])."""
        return self.project(self.world_to_camera(points_world))

    def fit_root_translation(
        self,
        joints_rel: np.ndarray,
        keypoints: np.ndarray,
        confidence: np.ndarray,
        min_joints: int = 2,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Least-squares camera-frame translation t per frame so that project(joints_rel + t)
        matches the observed 2D keypoints, weighted by confidence.

        joints_rel [T,17,3] metres (camera axes), keypoints [T,17,2] pixels, confidence [T,17].
        Returns (root [T,3], fitted [T] bool). The projection equations are linear in t once
        multiplied by depth:  fx*tx - (u-cx)*tz = (u-cx)*Z - fx*X  (and the same for y).
        Frames with fewer than `min_joints` confident joints, or a solution behind the camera,
        are not fitted; they are filled by linear interpolation between fitted frames
        (constant at the ends). Raises PoseDataError when no frame can be fitted.
        """
        X = np.asarray(joints_rel, dtype=np.float64)
        uv = np.asarray(keypoints, dtype=np.float64)
        w = np.clip(np.asarray(confidence, dtype=np.float64), 0.0, 1.0)
        if X.ndim != 3 or X.shape[2] != 3 or uv.shape != X.shape[:2] + (2,) or w.shape != X.shape[:2]:
            raise PoseDataError(
                "fit_root_translation needs joints [T,J,3], keypoints [T,J,2], confidence "
                f"[T,J]; got {list(X.shape)}, {list(uv.shape)}, {list(w.shape)}"
            )
        du = uv[..., 0] - self.cx
        dv = uv[..., 1] - self.cy
        t_len, j_len = w.shape
        a = np.zeros((t_len, 2 * j_len, 3))
        b = np.zeros((t_len, 2 * j_len))
        a[:, 0::2, 0] = self.fx
        a[:, 0::2, 2] = -du
        b[:, 0::2] = du * X[..., 2] - self.fx * X[..., 0]
        a[:, 1::2, 1] = self.fy
        a[:, 1::2, 2] = -dv
        b[:, 1::2] = dv * X[..., 2] - self.fy * X[..., 1]
        sw = np.sqrt(np.repeat(w, 2, axis=1))
        a *= sw[..., None]
        b *= sw
        ata = np.einsum("tki,tkj->tij", a, a) + 1e-9 * np.eye(3)
        atb = np.einsum("tki,tk->ti", a, b)
        root = np.linalg.solve(ata, atb[..., None])[..., 0]
        fitted = ((w > 0).sum(axis=1) >= min_joints) & (root[:, 2] > MIN_DEPTH)
        fitted &= np.isfinite(root).all(axis=1)
        if not fitted.any():
            raise PoseDataError(
                "cannot fit a root translation: no frame has enough confident joints in front "
                "of the camera"
            )
        frames = np.arange(t_len)
        good = frames[fitted]
        for axis in range(3):
            root[:, axis] = np.interp(frames, good, root[fitted, axis])
        return root.astype(np.float32), fitted
