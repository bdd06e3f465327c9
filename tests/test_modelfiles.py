import os

from finephys.modelfiles import file_digest


def test_file_digest_follows_the_content(tmp_path):
    path = tmp_path / "weights.safetensors"
    path.write_bytes(b"first")
    first = file_digest(path)
    assert len(first) == 10 and file_digest(path) == first
    path.write_bytes(b"other")
    os.utime(path, ns=(1, 1))  # a new file version even where the clock is coarse
    assert file_digest(path) != first
