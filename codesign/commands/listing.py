"""``codesign ls backbones|adapters|devices|graphs``."""

from __future__ import annotations


def run(args) -> int:
    # Read statically (codesign.catalogue): listing never imports torch, Brevitas or FINN.
    if args.what == "backbones":
        from codesign.catalogue import backbones

        for entry in backbones():
            print(f"{entry.name:14s} {entry.description}")
    elif args.what == "adapters":
        from codesign.catalogue import adapter_families

        for entry in adapter_families():
            print(f"{entry.name:12s} {entry.description}")
    elif args.what == "devices":
        from codesign.specs.device import list_devices, load_device

        for path in list_devices():
            d = load_device(path)
            r = d.resources
            print(f"{d.name:10s} {d.part:22s} LUT {r.lut:>6d}  FF {r.ff:>6d}  BRAM18 {r.bram18:>4d}  "
                  f"URAM {r.uram:>3d}  DSP {r.dsp:>4d}  {d.clock_mhz:.0f} MHz  ({path.name})")
    else:
        from codesign.specs.graph import list_graphs, read_graph_summary

        for path in list_graphs():
            name, backbone, family = read_graph_summary(path)
            print(f"{name:22s} backbone {backbone:13s} family {family:11s} ({path.name})")
    return 0
