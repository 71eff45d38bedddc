"""Plugins: backbones, adapter families and devices from an installed distribution.

A fake distribution (tests/plugin_dist.py: dist-info metadata + package) is put on
sys.path here and on PYTHONPATH for subprocesses, as pip would install it. It must be
listed with its origin, usable from a graph spec in this process and in a spawned worker
(which gets no extra step), and a clash or a broken plugin must fail in one line naming
the entry point and both origins, without breaking anything built in.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import pytest
import torch

from codesign import plugins
from codesign.adapters import ADAPTERS
from codesign.cli import main
from codesign.models import BACKBONES
from codesign.network.factory import build_model
from codesign.specs.device import DEVICE_DIR, load_device
from codesign.specs.graph import load_graph
from tests import plugin_dist

PACKAGES = ("mypkg", "brokenpkg", "clashpkg")


@pytest.fixture
def install(tmp_path, monkeypatch):
    """install(name, ...) puts fake distributions on sys.path and PYTHONPATH; every
    trace (metadata cache, imported plugin modules) is gone after the test."""
    def install_(*names: str) -> list:
        sites = []
        for name in names:
            site = tmp_path / f"site-{name}"
            args = (site, tmp_path / "import_log.txt") if name == "brokenpkg" else (site,)
            sites.append(getattr(plugin_dist, name)(*args))
            monkeypatch.syspath_prepend(str(site))
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join([*map(str, sites), os.environ.get("PYTHONPATH", "")]))
        plugins.forget()
        return sites

    yield install_
    plugins.forget()
    for module in [m for m in sys.modules if m.split(".")[0] in PACKAGES]:
        del sys.modules[module]


def _spec(tmp_path, backbone: str = "plugnet", family: str = "plugfam"):
    path = tmp_path / "plugin_graph.yaml"
    path.write_text(f"name: plugin_graph\nbackbone: {{name: {backbone}, input_size: 8}}\n"
                    f"adapter: {{family: {family}}}\nhead: {{weight_bits: 4}}\n")
    return path


def test_registries_read_their_groups():
    assert (BACKBONES.entry_points, ADAPTERS.entry_points) == (plugins.BACKBONE_GROUP, plugins.ADAPTER_GROUP)


def test_ls_lists_plugins_with_origin(install):
    install("mypkg")
    code = ("import sys\nfrom codesign.cli import main\n"
            "s = main(['ls', 'devices'])\nprint('torch after devices:', 'torch' in sys.modules)\n"
            "s += main(['ls', 'backbones']) + main(['ls', 'adapters'])\nprint('status', s)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[-1] == "status 0", done.stderr
    assert "torch after devices: False" in lines  # a device plugin is data: no torch
    plug_board = next(line for line in lines if line.startswith("plug-board "))
    assert plug_board.split()[1] == "xc7z020clg400-1" and plug_board.endswith("mypkg 0.1  (plug-board.yaml)")
    assert "pynq-z1    xc7z020clg400-1 " in lines[0] + "".join(lines) and "codesign   (pynq-z1.yaml)" in "".join(lines)
    assert "plugnet        mypkg 0.1  Plugin test backbone: two padded 3x3 convs and one FC." in lines
    assert "tiny           codesign   A CNV-shaped backbone of ~6k parameters for tests: four padded " \
           "3x3 convs, one FC." in lines
    assert "plugfam      mypkg 0.1  plugin test family: per-domain BatchNorm at every site" in lines
    assert "head         codesign   classifier only; the whole backbone is shared" in lines


def test_plugin_graph_builds_here_and_in_a_spawned_worker(install, tmp_path):
    install("mypkg")
    assert "plugnet" in BACKBONES.names() and "plugfam" in ADAPTERS  # from metadata alone:
    assert "mypkg.nets" not in sys.modules  # nothing imported yet
    spec = load_graph(_spec(tmp_path))
    torch.manual_seed(0)
    model = build_model(spec)
    model.add_domain("a", 5)
    assert model(torch.rand(2, 3, 8, 8) * 2 - 1, "a").shape == (2, 5)
    assert [s.name for s in model.backbone.sites] == ["conv0", "conv1", "fc0"]
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith("domains.") for n in trainable)
    here = sum(p.numel() for p in model.parameters())
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        there = pool.submit(plugin_dist.resolve_in_worker, str(spec.path)).result(timeout=120)
    assert there == ("mypkg 0.1", "mypkg 0.1", here)


def test_plugin_device_loads_by_name(install):
    site, = install("mypkg")
    device = load_device("plug-board")
    shipped = load_device("pynq-z1")
    assert device.name == "plug-board" and device.resources == shipped.resources
    assert device.energy == shipped.energy  # its include: resolved next to the plugin's file
    from codesign.specs.device import device_file

    assert device_file("plug-board") == site / "mypkg" / "boards" / "plug-board.yaml"
    with pytest.raises(Exception, match=r"shipped: .*; from plugins: plug-board\)"):
        load_device("no-such-board")


def test_builtin_lookups_import_no_plugin(install):
    install("mypkg", "brokenpkg")
    assert ADAPTERS.get("attention").__module__ == "codesign.adapters.attention"
    assert BACKBONES.get("tiny").__module__ == "codesign.models.cnv"
    assert ADAPTERS.origin("attention") == "codesign"
    assert not [m for m in sys.modules if m.split(".")[0] in PACKAGES]


def _one_line_error(capsys, argv) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    return status, captured.out, captured.err.strip()


def test_clashes_name_both_origins(install, capsys):
    install("mypkg", "clashpkg")
    with pytest.raises(plugins.PluginError) as builtin_clash:
        ADAPTERS.get("attention")
    assert str(builtin_clash.value) == (
        "adapter family 'attention' is registered twice: by codesign (codesign.adapters.attention) and by "
        "entry point attention = clashpkg.fams:Fam in group codesign.adapters of distribution clashpkg 1.0; "
        "uninstall one of them or rename the entry point")
    with pytest.raises(plugins.PluginError, match=r"'plugfam' is registered twice: by entry point plugfam = "
                       r"clashpkg.fams:Fam .* clashpkg 1.0 and by .*mypkg.families:PlugFamily .* mypkg 0.1;"):
        ADAPTERS.get("plugfam")
    with pytest.raises(plugins.PluginError, match=r"device 'pynq-z1' is registered twice: by codesign "
                       r"\(.*pynq-z1.yaml\) and by .*clashpkg 1.0"):
        load_device("pynq-z1")
    status, out, err = _one_line_error(capsys, ["ls", "adapters"])
    assert status == 2 and err.startswith("codesign: error: adapter family 'attention' is registered twice")
    assert err.endswith("(and 1 more plugin problems)")
    assert out.startswith("attention    codesign ")  # what could be listed still is
    assert "plugfam" not in out and "clashpkg" not in out
    status, out, err = _one_line_error(capsys, ["ls", "devices"])
    assert status == 2 and "device 'pynq-z1' is registered twice" in err and "plug-board" in out


def test_broken_plugin_fails_alone_in_one_line(install, tmp_path, capsys):
    install("brokenpkg")
    expected = ("entry point brokennet = brokenpkg.nets:net in group codesign.backbones of distribution "
                "brokenpkg 0.2 failed to load: ImportError: needs libfoo 2")
    for _ in range(2):  # the failure is remembered: imported once per process
        with pytest.raises(plugins.PluginError) as broken:
            BACKBONES.get("brokennet")
        assert str(broken.value) == expected
    assert (tmp_path / "import_log.txt").read_text() == "imported\n"
    with pytest.raises(plugins.PluginError, match=r"brokenfam = brokenpkg.fams:NotAFamily .* brokenpkg 0.2: "
                       r"expected a subclass of codesign.adapters.base.AdapterFamily"):
        ADAPTERS.get("brokenfam")
    with pytest.raises(plugins.PluginError, match=r"broken-board = brokenpkg.missing .* failed to load: "
                       r"ModuleNotFoundError: No module named 'brokenpkg.missing'"):
        load_device("broken-board")
    # built-in designs are untouched: a built-in graph inspects, a shipped device loads
    assert main(["inspect", "cnv_head", "--domains", "a:10"]) == 0
    assert load_device("pynq-z1").name == "pynq-z1"
    capsys.readouterr()
    status, _, err = _one_line_error(capsys, ["inspect", str(_spec(tmp_path, backbone="brokennet", family="head"))])
    assert (status, err) == (2, f"codesign: error: {expected}")
    status, out, err = _one_line_error(capsys, ["ls", "backbones"])
    assert (status, err) == (2, f"codesign: error: {expected}") and out.startswith("cnv ")


def test_design_cache_key_follows_the_plugin_source(install, tmp_path):
    from codesign.graph.cache import design_key

    site, = install("mypkg")
    spec = load_graph(_spec(tmp_path))
    assert plugins.cache_key_part("tiny", "head") == {}  # built-in keys are what they were
    part = plugins.cache_key_part("plugnet", "plugfam")
    assert sorted(part) == ["codesign.adapters:plugfam", "codesign.backbones:plugnet"]
    assert part["codesign.backbones:plugnet"].startswith("mypkg 0.1 ") and "unknown" not in str(part)
    before = design_key(spec, None, 5, 0)
    nets = site / "mypkg" / "nets.py"
    nets.write_text(nets.read_text().replace("padding=1)", "padding=1)  # edited"))
    assert design_key(spec, None, 5, 0) != before


def test_a_plugin_may_also_use_the_decorator(install):
    install("mypkg")
    factory = BACKBONES.get("decornet")  # the import registers it under the same name
    assert BACKBONES._entries["decornet"] is factory and factory.__module__ == "mypkg.decorated"
    assert BACKBONES.get("decornet") is factory and BACKBONES.origin("decornet") == "mypkg 0.1"
    del BACKBONES._entries["decornet"]  # the shipped registry stays as it was for other tests
