"""What PhysNet found, for people: per-frame contacts, flight phases, the centre of mass, and
how well the flight phases obey the ballistic law before and after, with a plot of the COM
height over time (flight shaded).

Arrays in the gravity frame (z up, floor z = 0, metres): com_input/com_output [T,3],
contacts [T,3] probabilities (left foot, right foot, other support), flight [T] bool.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..metrics.com import ballistic_errors, centre_of_mass


def phases(mask: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True as (first frame, last frame + 1)."""
    runs, start = [], None
    for i, value in enumerate(np.asarray(mask, dtype=bool)):
        if value and start is None:
            start = i
        elif not value and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(mask)))
    return runs


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if values.size else float("nan")


@dataclass(frozen=True)
class PhysicsReport:
    fps: float
    elevation_deg: float
    contacts: np.ndarray
    flight: np.ndarray
    com_input: np.ndarray
    com_output: np.ndarray
    ballistic_input: float  # median |c''_z + 9.81| over the flight frames, m/s^2 (NaN: no flight)
    ballistic_output: float

    @classmethod
    def build(cls, input_g: np.ndarray, output_g: np.ndarray, contacts: np.ndarray, flight: np.ndarray,
              fps: float, elevation_deg: float) -> "PhysicsReport":
        def law(joints):
            return _median(ballistic_errors(joints, fps, flight, vertical_only=True))

        return cls(fps=float(fps), elevation_deg=float(elevation_deg), contacts=np.asarray(contacts, np.float32),
                   flight=np.asarray(flight, bool), com_input=centre_of_mass(input_g), com_output=centre_of_mass(output_g),
                   ballistic_input=law(input_g), ballistic_output=law(output_g))

    @property
    def flight_phases(self) -> list[tuple[int, int]]:
        return phases(self.flight)

    def summary(self) -> dict:
        """JSON-ready: counts, phases (frames and seconds) and the ballistic figures."""
        return {
            "frames": int(len(self.flight)), "fps": self.fps, "camera_elevation_deg": self.elevation_deg,
            "flight_frames": int(self.flight.sum()),
            "flight_phases": [{"start": a, "stop": b, "seconds": (b - a) / self.fps} for a, b in self.flight_phases],
            "contact_frames": {"left_foot": int((self.contacts[:, 0] > 0.5).sum()),
                               "right_foot": int((self.contacts[:, 1] > 0.5).sum()),
                               "other": int((self.contacts[:, 2] > 0.5).sum())},
            "flight_com_error_median_ms2": {"input": self.ballistic_input, "physnet": self.ballistic_output},
            "com_height_m": {"input_max": float(self.com_input[:, 2].max()), "physnet_max": float(self.com_output[:, 2].max())},
        }

    def text(self) -> str:
        s = self.summary()
        lines = [f"{s['frames']} frames at {self.fps:g} fps; flight frames: {s['flight_frames']} in "
                 f"{len(s['flight_phases'])} phase(s)"]
        for p in s["flight_phases"]:
            lines.append(f"  flight {p['start']}-{p['stop'] - 1} ({p['seconds']:.2f} s)")
        law = s["flight_com_error_median_ms2"]
        lines.append(f"flight COM law, median |c''z + 9.81|: input {law['input']:.2f} m/s^2, "
                     f"PhysNet {law['physnet']:.2f} m/s^2")
        return "\n".join(lines)

    def plot(self, width: int = 800, height: int = 400, extra: dict | None = None) -> np.ndarray:
        """COM height over time, input vs PhysNet, flight shaded -> [H,W,3] uint8.
        `extra` adds curves {label: com [T,3]} (e.g. the fused result)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # no global backend switch
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width / 100, height / 100), dpi=100)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_subplot(111)
        t = np.arange(len(self.flight)) / self.fps
        for a, b in self.flight_phases:
            ax.axvspan(a / self.fps, (b - 1) / self.fps, color="#ffd27f", alpha=0.5, lw=0)
        ax.plot(t, self.com_input[:, 2], color="#888888", lw=1.2, label=f"S3D_dd (law err {self.ballistic_input:.1f} m/s²)")
        ax.plot(t, self.com_output[:, 2], color="#c0392b", lw=1.8, label=f"PhysNet (law err {self.ballistic_output:.1f} m/s²)")
        for label, com in (extra or {}).items():
            ax.plot(t, com[:, 2], lw=1.4, label=label)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("centre of mass height (m)")
        ax.set_title("Centre of mass; flight phases shaded")
        ax.legend(loc="upper right", fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        canvas.draw()
        image = np.asarray(canvas.buffer_rgba())[..., :3].copy()
        return image
