"""docs/nodes.md and README.md's node table are what the live server's schemas say now."""
import pytest

from finephys.host.node_reference import node_reference, node_table, with_node_table
from fp_testing import REPO_DIR

pytestmark = pytest.mark.integration

HINT = "stale: run .venv/bin/python scripts/make_node_reference.py"


def test_docs_match_the_schemas(comfy):
    info = comfy.object_info()
    reference = node_reference(info)
    assert (REPO_DIR / "docs" / "nodes.md").read_text() == reference, HINT
    readme = (REPO_DIR / "README.md").read_text()
    assert with_node_table(readme, info) == readme, HINT
    ours = [k for k in info if k.startswith("FinePhys_")]
    assert len(ours) >= 15
    for node_id in ours:  # every node, and every input of it, is documented
        assert f"`{node_id}`" in node_table(info)
        for section in ("required", "optional"):
            for name in info[node_id]["input"].get(section, {}):
                assert f"`{name}`" in reference
