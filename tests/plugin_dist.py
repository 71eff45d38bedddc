"""Fake installed distributions for tests/test_plugins.py, written to a temporary folder.

Each one is what pip leaves in site-packages: ``NAME-VERSION.dist-info/`` (METADATA and
entry_points.txt, which importlib.metadata reads) next to the package's own files. Also
the function a spawned worker runs (module-level and light, so a worker can import it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from codesign.specs.device import DEVICE_DIR

PLUGNET = '''
from codesign.models.backbone import Backbone
from codesign.models.builder import UnitBuilder
from codesign.models.quant import input_quant, signed_act


def plugnet(weight_bits=4, act_bits=4, input_bits=8, width=1.0, input_size=8, in_channels=3, weights=None):
    """Plugin test backbone: two padded 3x3 convs and one FC."""
    backbone = Backbone(input_size, in_channels, 16)
    backbone.input_quant = input_quant(input_bits)
    build = UnitBuilder(backbone, in_channels, input_size)
    build.conv("conv0", 8, 3, weight_bits, signed_act(act_bits), padding=1, pool=2)
    build.conv("conv1", 8, 3, weight_bits, signed_act(act_bits), padding=1)
    build.linear("fc0", 16, weight_bits, signed_act(act_bits))
    build.finish()
    return backbone
'''

# a plugin module may also register itself with the decorator (not a clash)
DECORATED = PLUGNET.replace("def plugnet", "@register_backbone('decornet')\ndef decornet").replace(
    "import Backbone", "import Backbone, register_backbone")

PLUGFAM = '''
from dataclasses import dataclass

from codesign.adapters.base import AdapterConfig, AdapterFamily, DomainModule, copy_norm, site_key
from codesign.models.backbone import UnitHooks


@dataclass
class PlugConfig(AdapterConfig):
    sites: str | list[str] = "all"


class PlugDomain(DomainModule):
    def __init__(self, head, site_names):
        super().__init__(head)
        self.site_names = site_names

    def hooks(self):
        return {name: UnitHooks(norm=self.site_modules[site_key(name)]) for name in self.site_names}


class PlugFamily(AdapterFamily):
    Config = PlugConfig
    description = "plugin test family: per-domain BatchNorm at every site"

    def build(self, backbone, num_classes, head_bits):
        sites = self.sites(backbone)
        domain = PlugDomain(self.make_head(backbone.feature_dim, num_classes, head_bits), [s.name for s in sites])
        for site in sites:
            domain.site_modules[site_key(site.name)] = copy_norm(backbone, site)
        return domain
'''


def write_distribution(site: Path, name: str, version: str, entry_points: dict[str, dict[str, str]],
                       files: dict[str, str]) -> Path:
    """A distribution ``name`` ``version`` installed into ``site`` (a sys.path folder)."""
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in points.items()) + "\n"
        for group, points in entry_points.items()))
    for relative, text in files.items():
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(text)
    return site


def mypkg(site: Path) -> Path:
    """A working plugin: a backbone, an adapter family and a device (pynq-z1's figures)."""
    write_distribution(site, "mypkg", "0.1", {
        "codesign.backbones": {"plugnet": "mypkg.nets:plugnet", "decornet": "mypkg.decorated:decornet"},
        "codesign.adapters": {"plugfam": "mypkg.families:PlugFamily"},
        "codesign.devices": {"plug-board": "mypkg.boards"},
    }, {"mypkg/__init__.py": "", "mypkg/nets.py": PLUGNET, "mypkg/decorated.py": DECORATED, "mypkg/families.py": PLUGFAM,
        "mypkg/boards/__init__.py": "",
        "mypkg/boards/plug-board.yaml": (DEVICE_DIR / "pynq-z1.yaml").read_text().replace(
            "name: pynq-z1", "name: plug-board", 1)})
    shutil.copy(DEVICE_DIR / "_energy_28nm.yaml", site / "mypkg/boards/_energy_28nm.yaml")
    return site


def brokenpkg(site: Path, import_log: Path) -> Path:
    """A plugin that cannot load: an import error, a missing module, a wrong type.
    Every import attempt of the broken module appends a line to ``import_log``."""
    return write_distribution(site, "brokenpkg", "0.2", {
        "codesign.backbones": {"brokennet": "brokenpkg.nets:net"},
        "codesign.adapters": {"brokenfam": "brokenpkg.fams:NotAFamily"},
        "codesign.devices": {"broken-board": "brokenpkg.missing"},
    }, {"brokenpkg/__init__.py": "",
        "brokenpkg/nets.py": f"open({str(import_log)!r}, 'a').write('imported\\n')\n"
                             "raise ImportError('needs libfoo 2')\n",
        "brokenpkg/fams.py": "class NotAFamily:\n    pass\n"})


def clashpkg(site: Path) -> Path:
    """A plugin whose names are taken: by codesign (attention, pynq-z1) and by mypkg (plugfam)."""
    return write_distribution(site, "clashpkg", "1.0", {
        "codesign.adapters": {"attention": "clashpkg.fams:Fam", "plugfam": "clashpkg.fams:Fam"},
        "codesign.devices": {"pynq-z1": "clashpkg"},
    }, {"clashpkg/__init__.py": "", "clashpkg/fams.py": PLUGFAM.replace("class PlugFamily", "class Fam")})


def resolve_in_worker(spec_path: str) -> tuple[str, str, int]:
    """Run in a spawned worker: resolve the spec's backbone and family by name (no
    plugin-loading step) and build the model; (origins, parameter count) come back."""
    import torch

    from codesign.adapters import ADAPTERS
    from codesign.models import BACKBONES
    from codesign.network.factory import build_model
    from codesign.specs.graph import load_graph

    spec = load_graph(spec_path)
    torch.manual_seed(0)
    model = build_model(spec)
    model.add_domain("a", 5)
    return (BACKBONES.origin(spec.backbone.name), ADAPTERS.origin(spec.family),
            sum(p.numel() for p in model.parameters()))
