"""lifter/fit_preconditioner.py: the image fit's preconditioner inverts the curvature it models,
is symmetric positive definite, and lets L-BFGS reach the fit's minimum in far fewer steps."""
import dataclasses

import numpy as np
import pytest
import scipy.fft

from finephys.lifter.fit_preconditioner import SmoothSkeletonPreconditioner
from finephys.lifter.image_fit import ImageFitEnergy, ImageFitSettings, minimize_lbfgs, rigid_starting_point
from finephys.motion.cameras import orbit_camera, project_clip
from finephys.motion.synthetic import generate_clip


def _coupling(seed: int = 0) -> np.ndarray:
    """A random symmetric positive definite [17,17] stiffness."""
    a = np.random.default_rng(seed).normal(size=(17, 17))
    return a @ a.T + 17 * np.eye(17)


def _dense(apply, size: int) -> np.ndarray:
    return np.stack([apply(e) for e in np.eye(size)], axis=1)


def test_inverts_the_curvature_it_models():
    """At a length the FFT takes as it is (no padding), the preconditioner is exactly the
    inverse of 2 w (L^2 x I) + (I x K) + lambda_c per plane, L the second-difference Laplacian
    with free ends (Neumann), K the skeleton's stiffness, lambda_c per coordinate plane."""
    t_len, weight, planes = 8, 30.0, np.array([5.0, 7.0, 0.5])
    assert scipy.fft.next_fast_len(t_len, real=True) == t_len
    coupling = _coupling()
    precondition = SmoothSkeletonPreconditioner(t_len, coupling, weight, planes)
    laplacian = 2 * np.eye(t_len) - np.eye(t_len, k=1) - np.eye(t_len, k=-1)
    laplacian[0, 0] = laplacian[-1, -1] = 1.0
    blocks = [2 * weight * np.kron(laplacian @ laplacian, np.eye(17)) + np.kron(np.eye(t_len), coupling)
              + plane * np.eye(t_len * 17) for plane in planes]  # each plane [T*17, T*17], time-major
    curvature = np.zeros((3 * t_len * 17,) * 2)
    for c, block in enumerate(blocks):
        span = slice(c * t_len * 17, (c + 1) * t_len * 17)
        curvature[span, span] = block
    v = np.random.default_rng(1).normal(size=3 * t_len * 17)
    np.testing.assert_allclose(precondition(curvature @ v), v, atol=1e-9)


@pytest.mark.parametrize("t_len", [1, 2, 13, 37])
def test_symmetric_positive_definite_at_any_length(t_len):
    """Padded to a fast FFT length (13, 37 are prime) or without a smooth-motion term (1, 2
    frames), it stays symmetric positive definite: L-BFGS's directions stay descent directions."""
    precondition = SmoothSkeletonPreconditioner(t_len, _coupling(2), 0.0 if t_len <= 2 else 2000.0,
                                                np.array([4000.0, 4000.0, 40.0]))
    matrix = _dense(precondition, 3 * t_len * 17)
    np.testing.assert_allclose(matrix, matrix.T, atol=1e-12 * np.abs(matrix).max())
    assert np.linalg.eigvalsh((matrix + matrix.T) / 2).min() > 0


@pytest.fixture(scope="module")
def fit_problem():
    """A real fit: a back salto seen from a camera 7 m away, the lift 2 cm off everywhere
    (smooth in time, so the slow modes have work to do) and its root 30 cm too far."""
    clip = generate_clip("back_salto", 3)
    camera = orbit_camera([*clip.root[:, :2].mean(0), 1.0], 7.0, 60, 10, 1280, 720, 1280.0)
    truth = clip.to_camera(camera)
    pose2d = project_clip(clip, camera)
    rng = np.random.default_rng(0)
    offset = np.cumsum(rng.normal(0, 0.004, truth.joints.shape), axis=0)
    joints = truth.joints - truth.joints[:, :1] + offset - offset[:, :1]
    root = truth.root * (1 + 0.3 / np.linalg.norm(truth.root, axis=-1, keepdims=True))
    settings = ImageFitSettings(noise_scale=0.0)
    energy = ImageFitEnergy(joints + root[:, None], pose2d.keypoints, pose2d.confidence, camera, clip.fps, settings)
    start = energy.pack(rigid_starting_point(joints, root, energy.lengths, pose2d.keypoints, pose2d.confidence,
                                             camera))
    return energy, start


def test_reaches_the_minimum_in_fewer_steps(fit_problem):
    """40 preconditioned iterations end lower than 250 plain ones, and much closer to the
    minimum (1,000 preconditioned iterations) than 40 plain ones."""
    energy, start = fit_problem
    precondition = energy.preconditioner(start)
    value = lambda x: energy(x)[0]  # noqa: E731
    minimum = value(minimize_lbfgs(energy, start, 1000, precondition=precondition))
    preconditioned = value(minimize_lbfgs(energy, start, 40, precondition=precondition))
    plain_40 = value(minimize_lbfgs(energy, start, 40))
    plain_250 = value(minimize_lbfgs(energy, start, 250))
    assert preconditioned < plain_250
    assert preconditioned - minimum < 0.1 * (plain_40 - minimum)


def _hessian_times(energy: ImageFitEnergy, x: np.ndarray, v: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """The energy's Hessian at x times v, by central differences of its gradient."""
    return (energy(x + step * v)[1] - energy(x - step * v)[1]) / (2 * step)


@pytest.mark.parametrize("prior_on_bones", [True, False])
def test_models_the_energy_it_preconditions(prior_on_bones):
    """What the preconditioner is built from is the energy's own curvature: with the image and
    bone terms switched off (no confidence, bones free) the energy is quadratic and its Hessian
    is exactly 2 w_acc D^T D in time plus joint_coupling() in every frame (D the second
    difference), with the lifter's pose held bone by bone or joint by joint; with every term but the image's switched off, image_curvature is the mean
    diagonal of the Hessian at a pose that reprojects exactly, per plane, and far smaller in
    depth than across the image."""
    clip = generate_clip("back_salto", 3)
    camera = orbit_camera([*clip.root[:, :2].mean(0), 1.0], 7.0, 60, 10, 1280, 720, 1280.0)
    frames = slice(30, 40)
    truth = clip.to_camera(camera)
    lifted = (truth.joints + truth.root[:, None])[frames]
    pose2d = project_clip(clip, camera)
    kp, conf = pose2d.keypoints[frames], pose2d.confidence[frames]
    t_len, size = lifted.shape[0], lifted.size
    free = 1e6  # a tolerance so loose its term vanishes

    priors = ImageFitEnergy(lifted, kp, np.zeros_like(conf), camera, clip.fps,
                            ImageFitSettings(bone_std_m=free, prior_on_bones=prior_on_bones),
                            np.linspace(1e-4, 2e-3, 16))
    second = np.eye(t_len)[2:] - 2 * np.eye(t_len)[1:-1] + np.eye(t_len)[:-2]  # [T-2,T]
    expected = np.kron(np.eye(3), 2 * priors.accel_weight * np.kron(second.T @ second, np.eye(17))
                       + np.kron(np.eye(t_len), priors.joint_coupling()))
    x = priors.pack(lifted)
    v = np.random.default_rng(0).normal(size=size)
    np.testing.assert_allclose(_hessian_times(priors, x, v), expected @ v, rtol=1e-6, atol=1e-6 * np.abs(expected @ v).max())

    image = ImageFitEnergy(lifted, kp, conf, camera, clip.fps,
                           ImageFitSettings(noise_scale=0.0, prior_std_m=free, root_prior_std_m=free, bone_std_m=free,
                                            accel_std_si=free))
    diagonal = np.array([_hessian_times(image, x, e, 1e-6)[i] for i, e in enumerate(np.eye(size))])
    measured = diagonal.reshape(3, -1).mean(axis=1)
    np.testing.assert_allclose(image.image_curvature(x), measured, rtol=1e-3)
    assert measured[2] < 0.2 * measured[:2].min()
