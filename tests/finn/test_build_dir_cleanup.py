"""FINN's temporary build folder (FINN_BUILD_DIR) does not outlive the process.

Each case runs in a child process with its own temp directory (TMPDIR), because the
folder is created once per process and removed when the process exits; a private
temp directory keeps other processes' folders out of the count.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("finn")

REPO = Path(__file__).resolve().parents[2]

# One conversion of the tiny backbone (export + FINN flow), as the commands run it; the
# marker stands for FINN output that must go with the folder.
CONVERT_TINY = """
import json, os
from pathlib import Path
from codesign.graph.design import convert_file
from codesign.models.export import export_domain_qonnx
from codesign.network.factory import build_model
from codesign.specs.graph import graph_from_dict
spec = graph_from_dict({"name": "tiny_head",
    "backbone": {"name": "tiny", "input_size": 16, "weight_bits": 4, "act_bits": 4},
    "adapter": {"family": "head"}, "head": {"weight_bits": 4}}, "<tiny_head>")
model = build_model(spec)
model.add_domain("d", 3)
model.eval()
work = Path(os.environ["WORK"])
export_domain_qonnx(model, "d", work / "d.onnx")
report = convert_file(str(work / "d.onnx"), str(work / "d_hw.onnx"))
build_dir = Path(os.environ["FINN_BUILD_DIR"])
(build_dir / "marker").write_text("finn output")
print(json.dumps({"build_dir": str(build_dir), "hw_nodes": sum(report["hw_op_types"].values())}))
"""

ENSURE_ONLY = """
from codesign.finn.compat import ensure_finn
print(ensure_finn())
"""


def _run_child(code: str, tmp_dir: Path, **env_extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "FINN_BUILD_DIR"}
    env.update(TMPDIR=str(tmp_dir), **env_extra)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def _finn_folders(tmp_dir: Path) -> list[str]:
    return sorted(p.name for p in tmp_dir.iterdir() if p.name.startswith("codesign_finn_build_"))


def test_conversion_leaves_no_finn_build_folder(tmp_path):
    import json

    tmp_dir = tmp_path / "tmp"
    tmp_dir.mkdir()
    out = json.loads(_run_child(CONVERT_TINY, tmp_dir, WORK=str(tmp_path)))
    build_dir = Path(out["build_dir"])
    # the conversion did use a fresh folder in the temp directory
    assert build_dir.parent == tmp_dir and build_dir.name.startswith("codesign_finn_build_")
    assert out["hw_nodes"] > 0
    assert not build_dir.exists()
    assert _finn_folders(tmp_dir) == []


def test_user_finn_build_dir_is_kept(tmp_path):
    tmp_dir, user_dir = tmp_path / "tmp", tmp_path / "my_finn_build"
    tmp_dir.mkdir()
    used = _run_child(ENSURE_ONLY, tmp_dir, FINN_BUILD_DIR=str(user_dir))
    assert Path(used) == user_dir
    assert user_dir.is_dir()  # created for FINN, and not removed: the user owns it
    assert _finn_folders(tmp_dir) == []
