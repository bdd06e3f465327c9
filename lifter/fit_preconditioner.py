"""The image fit's preconditioner: an approximate inverse of the fit energy's Hessian, which
L-BFGS takes as its starting curvature (H0) at every step (lifter/image_fit.py minimize_lbfgs).

Why: the energy is stiff and soft at once. The smooth-motion term penalises second differences
in time with a weight that, at 60 frames/s, exceeds the lifter's pose prior a hundredfold, while
slow motions in depth are held only by that prior and the root's; plain L-BFGS (a scalar H0)
then needs hundreds of iterations for what these slow modes settle to (validation,
benchmarks/lifter_fit_solver.py: 100 plain iterations 27.57 mm, 400 26.92; 50 preconditioned
ones 26.99). The preconditioner inverts the two couplings
exactly, each in its own basis, and the image term on average:

    H ~ 2 w_acc D^T D (x) I_17  +  I_T (x) K  +  lambda_c I        for each coordinate plane c

  - time: D^T D, the smooth-motion term, taken as the square of the Neumann second-difference
    Laplacian, which the type-II DCT diagonalises (eigenvalues (2 - 2 cos(pi k / T'))^2; the
    sequence zero-padded to a length T' >= T the FFT is fast for; T' and the boundary rows are
    where it departs from the exact D^T D);
  - skeleton: K [17,17] (ImageFitEnergy.joint_coupling): the pose prior and the bone-length
    term as a weighted graph Laplacian of the skeleton, plus the root's prior; eigendecomposed
    once per fit (17 x 17);
  - image: lambda_c [3], the mean over frames and joints of the image term's Gauss-Newton
    curvature per plane at the starting point (ImageFitEnergy.image_curvature): x and y are held
    by the keypoints, depth far less.

Applying it is a DCT and two [3T,17] @ [17,17] products; it is symmetric positive definite
(a restriction of one), so L-BFGS's steps stay descent directions. Only the solver's path
changes, not the energy it minimises.
"""
from __future__ import annotations

import numpy as np
import scipy.fft


class SmoothSkeletonPreconditioner:
    """gradient [3*T*17] (coordinate-major, ImageFitEnergy.pack's layout) -> an approximate
    Newton step [3*T*17] (without the sign): (H_time + H_skeleton + lambda)^-1 gradient.

    frames: T; coupling [17,17]: the skeleton's stiffness K (symmetric, positive definite);
    accel_weight: the smooth-motion weight w_acc (0 when the energy has no such term);
    plane_curvature [3]: lambda per coordinate plane (x, y, depth)."""

    def __init__(self, frames: int, coupling: np.ndarray, accel_weight: float, plane_curvature: np.ndarray) -> None:
        self.frames = frames
        self.padded = scipy.fft.next_fast_len(frames, real=True)
        stiffness, modes = np.linalg.eigh(np.asarray(coupling, dtype=np.float64))
        self.modes = np.ascontiguousarray(modes)  # [17,17] columns: the skeleton's modes
        self.modes_t = np.ascontiguousarray(modes.T)
        k = np.arange(self.padded)
        time_curvature = 2.0 * accel_weight * (2.0 - 2.0 * np.cos(np.pi * k / self.padded)) ** 2  # [T']
        curvature = (time_curvature[None, :, None] + stiffness[None, None, :]
                     + np.asarray(plane_curvature, dtype=np.float64)[:, None, None])  # [3,T',17]
        self.inverse = 1.0 / np.maximum(curvature, 1e-9)  # K is positive definite; the floor guards rounding

    def __call__(self, gradient: np.ndarray) -> np.ndarray:
        t_len = self.frames
        in_modes = (gradient.reshape(3 * t_len, 17) @ self.modes).reshape(3, t_len, 17)
        spectrum = scipy.fft.dct(in_modes, type=2, n=self.padded, axis=1, norm="ortho")
        spectrum *= self.inverse
        in_modes = scipy.fft.idct(spectrum, type=2, axis=1, norm="ortho", overwrite_x=True)[:, :t_len]
        return (np.ascontiguousarray(in_modes).reshape(3 * t_len, 17) @ self.modes_t).ravel()
