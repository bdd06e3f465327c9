"""One real ComfyUI server for the whole test session, loading this package in place."""
import json
import os
import shutil
from pathlib import Path

import pytest

from finephys.host.client import ComfyClient
from finephys.host.server import ComfyServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test_artifacts"


@pytest.fixture(scope="session")
def comfy_server():
    server = ComfyServer()
    server.start()
    pid = server.process.pid
    if not server.client().object_info("FinePhys_Load2DPose"):
        log = server.log_tail(60)
        server.stop()
        pytest.fail(f"the FinePhys package did not load into ComfyUI:\n{log}")
    try:
        yield server
    finally:
        log = server.log_tail(400)
        server.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "comfyui_server.log").write_text(log)
        # no stray processes: the whole process group is gone
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)


@pytest.fixture
def comfy(comfy_server) -> ComfyClient:
    client = comfy_server.client()
    yield client
    client.free()  # drop cached outputs so the next test's prompts run for real


@pytest.fixture
def input_file(comfy_server):
    """Write a file into the server's input folder; removed after the test."""
    made = []

    def write(name: str, content) -> str:
        path = comfy_server.input_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, (bytes, bytearray)):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content)
        else:
            path.write_text(json.dumps(content))
        made.append(path)
        return name

    yield write
    for path in made:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
