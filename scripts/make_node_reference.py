"""Rewrite docs/nodes.md and the node table in README.md from the nodes' schemas, read from the
embedded ComfyUI's /object_info.

    .venv/bin/python scripts/make_node_reference.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.host.node_reference import node_reference, with_node_table  # noqa: E402
from finephys.host.server import ComfyServer  # noqa: E402


def main() -> int:
    with ComfyServer() as server:
        info = server.client().object_info()
    docs = REPO_DIR / "docs" / "nodes.md"
    docs.parent.mkdir(exist_ok=True)
    docs.write_text(node_reference(info))
    readme = REPO_DIR / "README.md"
    readme.write_text(with_node_table(readme.read_text(), info))
    print(f"wrote {docs.relative_to(REPO_DIR)} and the node table in README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
