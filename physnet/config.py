"""PhysNet's architecture and options, stored as JSON beside the weights."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..modelfiles import TaggedConfig

MODES = ("rollout", "teacher_forced")
INVERSE_MASS_FORMS = ("cholesky", "symmetric")


@dataclass
class PhysNetConfig(TaggedConfig):
    MODEL_KIND: ClassVar[str] = "finephys_physnet"
    DESCRIPTION: ClassVar[str] = "PhysNet config"

    dim: int = 128  # width of the global encoder and the heads' features
    local_dim: int = 128  # width of the three-frame local encoder
    dilations: tuple[int, ...] = (1, 2, 4, 8)  # global encoder: dilated temporal convolutions
    inverse_mass: str = "cholesky"  # "cholesky" (positive definite) | "symmetric" (1326 entries)
    noise: bool = True  # the asymmetric noise term N_t (and L_noise)
    # "rollout": each step starts from the integrator's own previous states (physics laws hold
    # exactly in the output); "teacher_forced": from the encoder's data-driven states.
    mode: str = "rollout"
    max_acceleration: float = 300.0  # m/s^2, soft limit (tanh) so no step can blow up
    force_scale: float = 10.0  # m/s^2 per unit of the J and C heads' outputs
    hard_flight: bool = True  # at inference: flight weight 0/1 (the law exact), soft in training
    # at inference, a frame is flight when P(no support) exceeds this; chosen on validation
    # clips with Fuse & Project's settings (benchmarks/fusion_settings.py)
    flight_threshold: float = 0.5
    # at inference: no ballistic constraint while the integrated body touches the floor (z <= 0
    # in the gravity frame), so a frame wrongly marked as flight (hands down in a cartwheel)
    # cannot let the centre of mass fall through the floor. On in the shipped weights' JSON
    # (trained with the flight loss, which needs it); off by default, as for PhysNets trained
    # without that loss, where it loosened the held-out flight law (BENCHMARKS.md, F5)
    floor_guard: bool = False

    def __post_init__(self) -> None:
        self.dilations = tuple(int(d) for d in self.dilations)
        if self.mode not in MODES:
            raise ValueError(f"unknown PhysNet mode {self.mode!r}; use one of {', '.join(MODES)}")
        if self.inverse_mass not in INVERSE_MASS_FORMS:
            raise ValueError(f"unknown M^-1 form {self.inverse_mass!r}; use one of {', '.join(INVERSE_MASS_FORMS)}")
        if not 0.0 < self.flight_threshold < 1.0:
            raise ValueError(f"flight_threshold must lie in (0, 1), got {self.flight_threshold}")

