"""codesign.store's atomic writes: a reader sees the old content or the new, never a part,
and a failed writer leaves nothing behind (not even its temporary copy)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codesign import store
from codesign.store import atomic


def _hidden(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_bytes_text_json_replace_the_file_and_leave_no_temporary(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")
    store.atomic_write_bytes(path, b"\x00new")
    store.atomic_write_text(tmp_path / "t.txt", "h\u00e9\n")
    store.atomic_write_json(tmp_path / "sub" / "d.json", {"b": 1, "a": [2]}, make_parents=True)
    assert path.read_bytes() == b"\x00new"
    assert (tmp_path / "t.txt").read_bytes() == "h\u00e9\n".encode("utf-8")
    assert (tmp_path / "sub" / "d.json").read_text() == '{\n  "b": 1,\n  "a": [\n    2\n  ]\n}\n'
    assert _hidden(tmp_path) == [] and _hidden(tmp_path / "sub") == []


def test_atomic_file_renames_on_success_and_keeps_the_old_file_on_failure(tmp_path):
    final = tmp_path / "model.onnx"
    with store.atomic_file(final) as tmp:
        assert tmp.parent == tmp_path and tmp.name == f".model.onnx.tmp-{os.getpid()}"
        tmp.write_bytes(b"first")
        assert not final.exists()  # nothing at the final path until the block ends
    assert final.read_bytes() == b"first"
    with pytest.raises(RuntimeError, match="exporter crashed"):
        with store.atomic_file(final) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("exporter crashed")
    assert final.read_bytes() == b"first" and _hidden(tmp_path) == []
    with pytest.raises(RuntimeError, match=re.escape(f"output not written: {final}")):
        with store.atomic_file(final):
            pass  # a writer that wrote nothing: said, not renamed


def test_atomic_folder_replaces_the_previous_folder_or_leaves_it(tmp_path):
    final = tmp_path / "entry"
    with store.atomic_folder(final) as tmp:
        (tmp / "a").write_text("1")
    with store.atomic_folder(final) as tmp:
        (tmp / "b").write_text("2")
    assert sorted(p.name for p in final.iterdir()) == ["b"]  # replaced, not merged
    with pytest.raises(KeyboardInterrupt):
        with store.atomic_folder(final) as tmp:
            (tmp / "c").write_text("3")
            raise KeyboardInterrupt
    assert sorted(p.name for p in final.iterdir()) == ["b"] and _hidden(tmp_path) == []


def test_fresh_and_replace_folder_install_or_keep_aside(tmp_path):
    out = tmp_path / "build"
    first = store.fresh_folder(out)
    (first / "x").write_text("1")
    store.replace_folder(first, out)
    second = store.fresh_folder(out)
    assert list(second.iterdir()) == []
    (second / "y").write_text("2")
    failed = tmp_path / ".build.failed"
    store.replace_folder(second, failed)  # kept for inspection, the build untouched
    assert [p.name for p in out.iterdir()] == ["x"] and [p.name for p in failed.iterdir()] == ["y"]
    assert _hidden(tmp_path) == [".build.failed"]


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    return int(child.stdout)  # that process has exited


def test_stale_temporaries_of_dead_processes_are_removed_live_ones_kept(tmp_path):
    final, dead = tmp_path / "out", _dead_pid()
    stale_folder = tmp_path / f".out.tmp-{dead}"
    stale_folder.mkdir()
    stale_file = tmp_path / f".out.old-{dead}"
    stale_file.write_text("left by a killed process")
    ours = tmp_path / f".out.tmp-{os.getpid()}"
    ours.mkdir()
    other = tmp_path / f".other.tmp-{dead}"  # another output's: not ours to judge
    other.mkdir()
    assert sorted(store.remove_stale_temporaries(final)) == sorted([stale_folder, stale_file])
    assert _hidden(tmp_path) == [".other.tmp-" + str(dead), ".out.tmp-" + str(os.getpid())]


def test_payload_digest_ignores_key_order_and_writes_paths_as_text(tmp_path):
    payload = {"b": [1, 2.5, None], "a": {"y": "z", "x": True}}
    expected = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    assert store.payload_sha256(payload) == expected
    assert store.payload_sha256({"a": {"x": True, "y": "z"}, "b": [1, 2.5, None]}) == expected
    assert store.payload_sha256({"p": tmp_path}) == store.payload_sha256({"p": str(tmp_path)})


def test_package_version_of_an_absent_package():
    assert store.package_version("finn-plus") == "1.6.1"
    assert store.package_version("codesign-no-such-package") == "not installed"
    assert store.tool_versions() == {p: store.package_version(p) for p in store.TOOL_PACKAGES}


def test_every_writer_goes_through_one_temporary_name():
    """The name remove_stale_temporaries and the build folder's clean-up look for."""
    assert atomic.temp_path(Path("/x/y.json")).name == f".y.json.tmp-{os.getpid()}"
    assert atomic.old_path(Path("/x/build")).name == f".build.old-{os.getpid()}"
