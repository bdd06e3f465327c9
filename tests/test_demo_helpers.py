"""Pieces of scripts/demo.py that need no server."""
import importlib.util

from fp_testing import REPO_DIR


def load_demo():
    spec = importlib.util.spec_from_file_location("fp_demo", REPO_DIR / "scripts" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generation_window_is_centred_on_the_longest_flight():
    demo = load_demo()
    report = "230 frames at 30 fps\n  flight 16-17 (0.07 s)\n  flight 144-161 (0.60 s)\n  flight 167-189 (0.77 s)"
    start = demo.flight_window(report, 230)
    assert start == (167 + 189) // 2 - 16
    assert demo.flight_window("no flight", 230) == 0
    assert demo.flight_window(report, 20) == 0  # shorter than the window
    assert demo.flight_window("flight 220-229 (0.3 s)", 230) == 230 - 32  # clamped to the end
