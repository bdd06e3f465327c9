"""Every shipped workflow exists in both formats, and the editor-format file converts (with the
live server's /object_info, as the runner does) to exactly the API-format file."""
import json
from pathlib import Path

import pytest

from finephys.host.workflow_format import ui_to_api

from fp_testing import strip_meta

pytestmark = pytest.mark.integration

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"
API_NAMES = sorted(p.name for p in (WORKFLOWS_DIR / "api").glob("*.json"))
UI_NAMES = sorted(p.name for p in (WORKFLOWS_DIR / "ui").glob("*.json"))


def test_every_api_workflow_has_a_ui_twin():
    assert API_NAMES and UI_NAMES == API_NAMES


@pytest.mark.parametrize("name", UI_NAMES)
def test_ui_workflow_converts_to_its_api_twin(comfy, name):
    ui = json.loads((WORKFLOWS_DIR / "ui" / name).read_text())
    api = json.loads((WORKFLOWS_DIR / "api" / name).read_text())
    assert strip_meta(ui_to_api(ui, comfy.object_info())) == strip_meta(api)
