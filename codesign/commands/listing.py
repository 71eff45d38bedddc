"""``codesign ls backbones|adapters|devices|graphs``."""

from __future__ import annotations

from codesign.errors import InputError


def run(args) -> int:
    # Built-ins are read statically (codesign.catalogue): listing them never imports torch,
    # Brevitas or FINN. Installed plugins are imported to be described, each on its own.
    if args.what in ("backbones", "adapters"):
        from codesign.catalogue import listed_adapter_families, listed_backbones

        rows, problems = listed_backbones() if args.what == "backbones" else listed_adapter_families()
        width = max(len(row.origin) for row in rows)
        for row in rows:
            print(f"{row.name:{14 if args.what == 'backbones' else 12}s} {row.origin:{width}s}  {row.description}")
    elif args.what == "devices":
        problems = _print_devices()
    else:
        from codesign.specs.graph import list_graphs, read_graph_summary

        problems = []
        for path in list_graphs():
            name, backbone, family = read_graph_summary(path)
            print(f"{name:22s} backbone {backbone:13s} family {family:11s} ({path.name})")
    if len(problems) == 1:  # what could be listed is printed; a broken or clashing plugin still fails
        raise problems[0]
    if problems:
        raise InputError(f"{problems[0]} (and {len(problems) - 1} more plugin problems)")
    return 0


def _print_devices() -> list[InputError]:
    from codesign.catalogue import device_files
    from codesign.specs.device import load_device

    found, problems = device_files()
    width = max((len(origin) for _, origin in found), default=0)
    for path, origin in found:
        try:
            d = load_device(path)
        except InputError as err:  # a plugin's malformed YAML (shipped ones are tested)
            problems.append(err)
            continue
        r = d.resources
        print(f"{d.name:10s} {d.part:22s} LUT {r.lut:>6d}  FF {r.ff:>6d}  BRAM18 {r.bram18:>4d}  "
              f"URAM {r.uram:>3d}  DSP {r.dsp:>4d}  {d.clock_mhz:.0f} MHz  {origin:{width}s}  ({path.name})")
    return problems
