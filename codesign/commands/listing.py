"""``codesign ls backbones|adapters|devices|graphs``."""

from __future__ import annotations


def run(args) -> int:
    if args.what == "backbones":
        from codesign.models import BACKBONES

        for name in BACKBONES.names():
            doc = (BACKBONES.get(name).__doc__ or "").strip().splitlines()
            print(f"{name:14s} {doc[0] if doc else ''}")
    elif args.what == "adapters":
        from codesign.adapters import ADAPTERS

        for name in ADAPTERS.names():
            print(f"{name:12s} {ADAPTERS.get(name).description}")
    elif args.what == "devices":
        from codesign.specs.device import list_devices, load_device

        for path in list_devices():
            d = load_device(path)
            r = d.resources
            print(f"{d.name:10s} {d.part:22s} LUT {r.lut:>6d}  FF {r.ff:>6d}  BRAM18 {r.bram18:>4d}  "
                  f"URAM {r.uram:>3d}  DSP {r.dsp:>4d}  {d.clock_mhz:.0f} MHz  ({path.name})")
    else:
        from codesign.specs.graph import list_graphs, load_graph

        for path in list_graphs():
            g = load_graph(path)
            print(f"{g.name:22s} backbone {g.backbone.name:13s} family {g.family:11s} ({path.name})")
    return 0
