"""``codesign inspect graphs/X.yaml``: per-domain parameters, bytes and the split."""

from __future__ import annotations

import json
from pathlib import Path


def parse_domain_classes(text: str) -> list[tuple[str, int]]:
    pairs = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, _, classes = item.partition(":")
        if not classes.isdigit():
            raise ValueError(f"--domains: expected NAME:CLASSES, got {item!r}")
        pairs.append((name, int(classes)))
    if not pairs:
        raise ValueError("--domains: expected at least one NAME:CLASSES")
    return pairs


def run(args) -> int:
    from codesign.models.accounting import model_report
    from codesign.models.factory import build_model
    from codesign.specs.graph import load_graph

    spec = load_graph(args.graph)
    model = build_model(spec)
    domains = parse_domain_classes(args.domains)
    for name, classes in domains:
        model.add_domain(name, classes)
    report = model_report(model)
    fixed = report["fixed"]
    print(f"{spec.name}: backbone {spec.backbone.name} W{spec.backbone.weight_bits}A{spec.backbone.act_bits}, "
          f"family {spec.family}")
    print(f"  fixed (static hardware): {fixed['parameters']:>10,d} parameters, "
          f"{fixed['quantised_weight_bytes']:>12,.0f} B of quantised weights")
    print(f"  {'domain':14s} {'trainable':>10s} {'% backbone':>10s} {'weight B':>10s} {'BN B (fp32)':>11s}")
    for name, d in report["domains"].items():
        share = 100 * report["per_domain_fraction_of_backbone"][name]
        print(f"  {name:14s} {d['trainable_parameters']:>10,d} {share:>9.2f}% "
              f"{d['quantised_weight_bytes']:>10,.0f} {d['norm_bytes']:>11,.0f}")
    print(f"  reconfigurable share of all parameters: {100 * report['reconfigurable_fraction']:.2f}%")
    if args.json:
        from codesign.atomic import atomic_write_text

        atomic_write_text(Path(args.json), json.dumps(report, indent=2))
    if args.qonnx:
        from codesign.models.export import export_domain_qonnx

        path = export_domain_qonnx(model, domains[0][0], args.qonnx)
        print(f"  QONNX of domain {domains[0][0]!r} written to {path}")
    return 0
