"""The noise schedulers the sampler offers, built from the SD1.5 scheduler config shipped in
configs/ (nothing is fetched). AnimateDiff's own inference used a linear beta schedule; SD1.5
and ComfyUI use scaled_linear; both are offered."""
from __future__ import annotations

import json
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
SCHEDULERS = ("ddim", "euler", "euler_ancestral", "dpmpp_2m", "dpmpp_2m_karras")
BETA_SCHEDULES = ("scaled_linear", "linear")


def scheduler_config(beta_schedule: str = "scaled_linear") -> dict:
    if beta_schedule not in BETA_SCHEDULES:
        raise ValueError(f"unknown beta schedule {beta_schedule!r}; choose one of {', '.join(BETA_SCHEDULES)}")
    config = json.loads((CONFIG_DIR / "sd15_scheduler.json").read_text())
    config["beta_schedule"] = beta_schedule
    return config


def make_scheduler(name: str, beta_schedule: str = "scaled_linear"):
    """A fresh diffusers scheduler by our short name."""
    from diffusers import (DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                           EulerDiscreteScheduler)

    config = scheduler_config(beta_schedule)
    if name == "ddim":
        return DDIMScheduler.from_config(config)
    if name == "euler":
        return EulerDiscreteScheduler.from_config(config)
    if name == "euler_ancestral":
        return EulerAncestralDiscreteScheduler.from_config(config)
    if name in ("dpmpp_2m", "dpmpp_2m_karras"):
        return DPMSolverMultistepScheduler.from_config(
            config, algorithm_type="dpmsolver++", solver_order=2, use_karras_sigmas=name.endswith("karras"))
    raise ValueError(f"unknown scheduler {name!r}; choose one of {', '.join(SCHEDULERS)}")
