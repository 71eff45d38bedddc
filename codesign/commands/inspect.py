"""``codesign inspect graphs/X.yaml``: per-domain parameters, bytes and the split."""

from __future__ import annotations

import json

from codesign.commands.arguments import check_output_file, parse_domain_classes


def format_report(spec, report: dict) -> str:
    fixed = report["fixed"]
    lines = [f"{spec.name}: backbone {spec.backbone.name} W{spec.backbone.weight_bits}A{spec.backbone.act_bits}, "
             f"family {spec.family}",
             f"  fixed (static hardware): {fixed['parameters']:>10,d} parameters, "
             f"{fixed['quantised_weight_bytes']:>12,.0f} B of quantised weights",
             f"  {'domain':14s} {'trainable':>10s} {'% backbone':>10s} {'weight B':>10s} {'BN B (fp32)':>11s}"]
    for name, d in report["domains"].items():
        share = 100 * report["per_domain_fraction_of_backbone"][name]
        lines.append(f"  {name:14s} {d['trainable_parameters']:>10,d} {share:>9.2f}% "
                     f"{d['quantised_weight_bytes']:>10,.0f} {d['norm_bytes']:>11,.0f}")
    lines.append(f"  reconfigurable share of all parameters: {100 * report['reconfigurable_fraction']:.2f}%")
    return "\n".join(lines)


def run(args) -> int:
    # Every argument and output location is checked before a model is built.
    domains = parse_domain_classes(args.domains)
    json_out = check_output_file("--json", args.json)
    qonnx_out = check_output_file("--qonnx", args.qonnx)
    from codesign.store import OutputGroup
    from codesign.models.accounting import model_report
    from codesign.network.factory import build_model
    from codesign.specs.graph import load_graph

    spec = load_graph(args.graph)
    model = build_model(spec)
    for name, classes in domains:
        model.add_domain(name, classes)
    report = model_report(model)
    with OutputGroup() as outputs:  # both files or neither
        if qonnx_out:
            from codesign.models.export import export_domain_qonnx

            export_domain_qonnx(model, domains[0][0], outputs.path_for(qonnx_out))
        if json_out:
            outputs.write_text(json_out, json.dumps(report, indent=2))
    print(format_report(spec, report))
    if qonnx_out:
        print(f"  QONNX of domain {domains[0][0]!r} written to {qonnx_out}")
    return 0
