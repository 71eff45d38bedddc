"""Benchmark: the energy model against the published board measurements (docs/energy.md).

    python benchmarks/bench_energy.py [--graphs cnv_head,cnv_attention,...] [--no-designs]

1. MLPerf Tiny v0.7, open/hls4ml-finn, Pynq-Z2: whole-board power measured at the 5 V
   input at each design's throughput. For the designs whose structure is published the
   model's power at that FPS is board idle + device static + dynamic energy x FPS, the
   dynamic part from this model's per-operation coefficients (codesign.cost.energy on a
   HW graph built from the published layer sizes); printed against the measurement.
2. The shipped cnv graphs on pynq-z1 (codesign estimate, cached designs): the energy per
   inference at throughput against P / FPS for a board power P of 1.5 and 2 W (issue 12:
   within 2x), and the single-image figure beside it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codesign.cost.energy import energy_per_inference  # noqa: E402
from codesign.specs.device import load_device  # noqa: E402

RESULTS = "mlcommons/tiny_results_v0.7@8813eded open/hls4ml-finn/results/pynq-z2/{}/power/results.txt"


@dataclass(frozen=True)
class Layer:
    """One matrix layer: MACs per frame = in x out x output pixels (k x k folded into in)."""
    fan_in: int  # inputs per output element (channels x kernel area for a conv)
    fan_out: int  # output channels / features
    pixels: int  # output pixels (1 for a dense layer)
    weight_bits: int
    input_bits: int
    output_bits: int


@dataclass(frozen=True)
class Measured:
    name: str  # benchmark/model, as in the results folder
    fps: float  # median throughput, inferences/s
    power_w: float  # median window's board power, W
    layers: tuple[Layer, ...]  # () when the structure is not modelled here
    structure: str  # where the layer sizes come from


def _conv(cin: int, cout: int, out_dim: int, bits: int) -> Layer:
    return Layer(cin * 9, cout, out_dim * out_dim, bits, bits, bits)


# CNV-W1A1: FINN's CNV (BNN-PYNQ cnvW1A1) on 32x32x3, 3x3 unpadded convs, 2 max-pools, 3 FC;
# first layer 8-bit input. KWS-W3A3: MLP 490 (49 frames x 10 MFCC) -> 256 -> 256 -> 256 -> 12,
# W3A3, 8-bit input (training/const_QMLP.yaml). AD08: hls4ml dense autoencoder
# 64-72-72-8-72-72-64, 12-bit weights, 6-bit ReLU (training/ad08.yml, keras_model.py).
CNV_W1A1 = (Layer(27, 64, 900, 1, 8, 1), _conv(64, 64, 28, 1), _conv(64, 128, 12, 1), _conv(128, 128, 10, 1),
            _conv(128, 256, 3, 1), _conv(256, 256, 1, 1), Layer(256, 512, 1, 1, 1, 1), Layer(512, 512, 1, 1, 1, 1),
            Layer(512, 10, 1, 1, 1, 16))
KWS_W3A3 = (Layer(490, 256, 1, 3, 8, 3), Layer(256, 256, 1, 3, 3, 3), Layer(256, 256, 1, 3, 3, 3),
            Layer(256, 12, 1, 3, 3, 16))
AD08 = tuple(Layer(i, o, 1, 12, 6 if k else 12, 6) for k, (i, o) in
             enumerate([(64, 72), (72, 72), (72, 8), (8, 72), (72, 72), (72, 64)]))
CODE = "mlcommons/tiny_results_v0.7@8813eded open/hls4ml-finn/code/"
MEASURED = (
    # median energy window: 2,530.450 uJ/inf at 661.266 inf/s
    Measured("ic/CNV-W1A1", 661.266, 1.673301, CNV_W1A1, "FINN CNV topology (" + CODE + "ic/CNV-W1A1)"),
    # 30.667 uJ/inf at 57,257.372 inf/s
    Measured("kws/KWS-W3A3", 57257.372, 1.756066, KWS_W3A3, CODE + "kws/KWS-W3A3/training/const_QMLP.yaml"),
    # 30.006 uJ/inf at 52,760.008 inf/s
    Measured("ad/AD08", 52760.008, 1.583118, AD08, CODE + "ad/AD08/training/ad08.yml, keras_model.py"),
    # 44,190.540 uJ/inf at 36.587 inf/s: the board idle anchor (hw_specs/pynq-z2.yaml)
    Measured("ic/RN07", 36.587, 1.616806, (), "hls4ml ResNet; the idle anchor, not modelled"),
)


def layer_graph(layers: tuple[Layer, ...]) -> nx.DiGraph:
    """A chain of MVAU-like nodes with the attributes codesign.cost.energy reads; weights
    assumed in BRAM (FINN/hls4ml put large weight memories there; LUTRAM costs ~1.8x)."""
    g = nx.DiGraph()
    for i, layer in enumerate(layers):
        g.add_node(i, op_type="MVAU_hls", macs_per_frame=layer.fan_in * layer.fan_out * layer.pixels,
                   weight_bits=layer.weight_bits, input_bits=layer.input_bits,
                   weight_count=layer.fan_in * layer.fan_out, ofm_dim=int(layer.pixels ** 0.5), bram18=1,
                   channels=layer.fan_out, out_elems_per_frame=layer.fan_out * layer.pixels,
                   output_bits=layer.output_bits)
        if i:
            g.add_edge(i - 1, i, elems_per_frame=layers[i - 1].fan_out * layers[i - 1].pixels,
                       element_bits=layers[i - 1].output_bits)
    return g


def mlperf_table() -> None:
    device = load_device("pynq-z2")
    standing = device.board_idle_power_w + device.static_power_w
    print(f"MLPerf Tiny v0.7 open/hls4ml-finn on Pynq-Z2 ({RESULTS.format('<bench>/<model>')})")
    print(f"model: board idle {device.board_idle_power_w} W + static {device.static_power_w} W "
          "+ dynamic energy x FPS")
    print(f"{'design':14s} {'FPS':>10s} {'dyn uJ':>8s} {'dyn W':>7s} {'model W':>8s} {'meas. W':>8s} "
          f"{'error':>7s} {'model uJ/inf':>12s} {'meas. uJ/inf':>12s}")
    for m in MEASURED:
        if not m.layers:
            print(f"{m.name:14s} {m.fps:>10,.1f} {'-':>8s} {'-':>7s} {standing:>8.3f} {m.power_w:>8.3f} "
                  f"{(standing - m.power_w) / m.power_w:>+7.1%} {standing / m.fps * 1e6:>12,.1f} "
                  f"{m.power_w / m.fps * 1e6:>12,.1f}  ({m.structure})")
            continue
        e = energy_per_inference(layer_graph(m.layers), device, latency_s=1.0 / m.fps, fps=m.fps)
        print(f"{m.name:14s} {m.fps:>10,.1f} {e.dynamic_uj:>8.3f} {e.dynamic_power_w:>7.4f} "
              f"{e.power_at_throughput_w:>8.3f} {m.power_w:>8.3f} "
              f"{(e.power_at_throughput_w - m.power_w) / m.power_w:>+7.1%} "
              f"{e.per_inference_at_throughput_uj:>12,.1f} {m.power_w / m.fps * 1e6:>12,.1f}")
    print("dynamic power difference between designs, measured vs model (W):")
    rows = {m.name: m for m in MEASURED}
    for a, b in (("kws/KWS-W3A3", "ad/AD08"), ("ic/CNV-W1A1", "ic/RN07")):
        model = [energy_per_inference(layer_graph(rows[n].layers), device, 1.0, rows[n].fps).dynamic_power_w
                 if rows[n].layers else 0.0 for n in (a, b)]
        print(f"  {a} - {b}: measured {rows[a].power_w - rows[b].power_w:+.3f}, model {model[0] - model[1]:+.4f}")


def cnv_table(names: list[str]) -> None:
    from codesign.cost.design import estimate_design

    print("\nshipped cnv graphs on pynq-z1 (fastest folding that fits): energy per inference at "
          "throughput vs P / FPS, P = 1.5 .. 2 W")
    print(f"{'graph':16s} {'FPS':>8s} {'at FPS uJ':>10s} {'1.5W/FPS':>9s} {'2W/FPS':>9s} {'ratio':>11s} "
          f"{'within 2x':>9s} {'single uJ':>10s} {'old uJ':>9s}")
    for name in names:
        est, _ = estimate_design(name, "pynq-z1", progress=lambda message: None)
        en = est.energy
        figure, fps = en["per_inference_at_throughput_uj"], en["fps"]
        low, high = 1.5 / fps * 1e6, 2.0 / fps * 1e6
        ratios = (figure / high, figure / low)
        ok = ratios[0] >= 0.5 and ratios[1] <= 2.0
        old = en["static_power_w"] * en["latency_s"] * 1e6 + en["dynamic_uj"]  # before issue 12
        print(f"{name:16s} {fps:>8,.0f} {figure:>10,.1f} {low:>9,.1f} {high:>9,.1f} "
              f"{ratios[0]:>5.2f}-{ratios[1]:<5.2f} {'yes' if ok else 'NO':>9s} {en['single_image_uj']:>10,.1f} "
              f"{old:>9,.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphs", default="cnv_head,cnv_attention,cnv_side,cnv_finetune")
    parser.add_argument("--no-designs", action="store_true", help="only the MLPerf table (no FINN conversion)")
    args = parser.parse_args()
    mlperf_table()
    if not args.no_designs:
        cnv_table([g for g in args.graphs.split(",") if g])
    return 0


if __name__ == "__main__":
    sys.exit(main())
