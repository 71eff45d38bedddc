"""Build hook only (everything else is declared in pyproject.toml).

graphs/, hw_specs/ and checkpoints/ stay at the top of the repository, its documented
layout, as does data/calibration/ (calibration data and fitted model). A non-editable
install gets copies of them as package data under ``codesign/_shipped/<kind>/``, where
``codesign.store.shipped.shipped_dir`` looks first; an editable install reads the
checkout itself, so nothing is copied then.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Kind (codesign.store.shipped.KINDS) -> (its folder in the source tree, the files of it that ship).
SHIPPED = {"graphs": ("graphs", "*.yaml"), "hw_specs": ("hw_specs", "*.yaml"), "checkpoints": ("checkpoints", "*"),
           "calibration": ("data/calibration", "*")}


class BuildPyWithShipped(build_py):
    """build_py that also copies the shipped folders into the built package."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for kind, (folder, pattern) in SHIPPED.items():
            source = ROOT / folder
            if not source.is_dir():
                raise SystemExit(f"setup.py: {source}: shipped folder missing from the source tree "
                                 "(an sdist needs MANIFEST.in's graft lines)")
            target = Path(self.build_lib) / "codesign" / "_shipped" / kind
            if target.exists():
                shutil.rmtree(target)  # files deleted since an earlier build must not ship
            target.mkdir(parents=True)
            for file in sorted(source.glob(pattern)):
                if file.is_file() and not file.name.startswith("."):
                    shutil.copy2(file, target / file.name)


setup(cmdclass={"build_py": BuildPyWithShipped})
