"""Evaluation metrics (spec section 3): one definition of each, used by every benchmark."""
from .bones import bone_asymmetry, bone_length_std
from .com import ballistic_error, ballistic_errors, centre_of_mass, joint_mass_weights
from .contact import floating, flight_mask, foot_contacts, foot_skate, ground_penetration
from .pose_error import acceleration_error, mpjpe, mpjve, n_mpjpe, p_mpjpe, procrustes_align

__all__ = [
    "acceleration_error", "ballistic_error", "ballistic_errors", "bone_asymmetry", "bone_length_std",
    "centre_of_mass", "floating", "flight_mask", "foot_contacts", "foot_skate",
    "ground_penetration", "joint_mass_weights", "mpjpe", "mpjve", "n_mpjpe", "p_mpjpe",
    "procrustes_align",
]
