"""Build one domain set: one static FINN design plus a memory image per trained domain.

The first domain's conversion is the shared hardware; every other domain must match
it node for node (codesign.fpga_build). A failed verification raises
``VerificationError`` (a ``DesignRejected``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable


def build_domain_set(graph, device, domains: str, checkpoints, out, target_fps: float | None = None,
                     images: int = 64, seed: int = 0, data_cache: str | Path | None = None, exact: bool = False,
                     force: bool = False, cache_dir: str | Path | None = None, use_cache: bool = True,
                     progress: Callable[[str], None] | None = None, folding=None):
    """Build ``graph`` for ``device`` with the domains' checkpoints; returns a ``BuildResult``.

    ``cache_dir``: the cache root (designs/ and domains/ below it; default: the store's);
    ``data_cache``: prepared splits for real verification images (default: the root's
    domains/); ``use_cache=False`` converts every domain again; ``force`` rebuilds even
    when ``out`` holds a build of the same inputs. ``folding``: a FINN folding config file
    built exactly as it is (instead of searching for a folding; not with ``target_fps``)."""
    from codesign.fpga_build.inputs import load_inputs
    from codesign.fpga_build.pipeline import build
    from codesign.store import cache_root, designs_dir, domains_dir

    root = cache_root(cache_dir)
    splits = data_cache if data_cache is not None else domains_dir(root)
    inputs = load_inputs(graph, device, domains, checkpoints, target_fps, images, seed, splits, exact, folding)
    designs = designs_dir(root) if use_cache else False  # False: no cache (convert every domain again)
    return build(inputs, out, force=force, cache_dir=designs, progress=progress)
