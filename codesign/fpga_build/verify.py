"""Per-domain verification: the shared FINN HW graph with one domain's values loaded,
executed in Python (FINN's ``execute_onnx``, no Vivado), against the Brevitas model.

The executed graph is, node for node, the domain's own FINN conversion (that is what
codesign.fpga_build.shared checks) carrying the constants that go to the hardware (clipped
thresholds included), so this compares the hardware's arithmetic with PyTorch's.

What is compared. The HW nodes end in integers; a host tail dequantises them (a scalar
``Mul``, sometimes an ``Add``). The Brevitas logits are mapped back through that tail
and compared as integers: ``exact_images`` counts images whose integer outputs are all
identical. Brevitas runs in float64 (in float32 its result depends on the batch size:
oneDNN picks other convolution algorithms, whose rounding flips quantisers at ties),
and its output must lie on the integer grid (``GRID_TOLERANCE``).

Pass criterion (stated tolerance): every image has the same top-1 class, and with
``exact=True`` also identical integer outputs. Why top-1 and not bit-exactness by
default: a pre-activation can sit exactly on a quantiser's rounding boundary (k + 1/2
steps). PyTorch decides it with float32 noise, FINN with an integer threshold that
streamlining derived in float32, and the two need not agree. Measured on CNV with
pre-trained weights (cnv_head, 2 domains x 64 real images): 26 of 128 images had
different integer logits (up to 47 steps of ~+-1000), each traced to one activation
of the first conv layer whose Brevitas pre-activation was 2.5000004-2.5000012 steps;
the top-1 class differed on none. A wrong weight or a misplaced node changes the
logits of nearly every image and the class of most (tests/fpga_build: a domain with a
tampered head fails). On the tiny test model agreement is exact and tests require it.

Inputs: the test split of the domain when a prepared cache of it exists at the
model's input size (``codesign data prepare``), else seeded random pixels; both go
through ``to_model_input`` (uint8 -> [-1, 1]), as training does.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

GRID_TOLERANCE = 1e-3  # steps: Brevitas output off the integer grid by more = it computes otherwise
FLOAT_ATOL_REL = 1e-5  # x max|y|: float comparison when the host tail is not affine


@dataclass
class DomainCheck:
    domain: str
    images: int
    source: dict
    mode: str  # "integer" (through the host tail) or "float" (tolerance)
    criterion: str  # what passing means here
    mismatches: int  # images failing the criterion
    exact_images: int  # images with identical integer outputs (float mode: within atol)
    max_abs_diff: float  # in output units (logits)
    max_step_diff: float  # in integer steps (integer mode), else nan
    top1_agreement: float  # share of images with the same arg-max
    accuracy_brevitas: float | None = None  # against labels (real images only)
    accuracy_finn: float | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.mismatches == 0

    def to_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


def find_prepared(domain: str, spec, data_cache=None) -> dict | None:
    """Sidecar of a prepared split of ``domain`` at the model's input size, if any."""
    from codesign.data.cache import scan_sidecars

    if data_cache is None:
        return None
    size, channels = spec.backbone.input_size, spec.backbone.in_channels
    for sidecar in scan_sidecars(data_cache):
        params = sidecar.get("params", {})
        if sidecar.get("name") == domain and params.get("size") == size and params.get("channels") == channels:
            return sidecar
    return None


def image_source(domain: str, spec, count: int, seed: int, data_cache=None) -> dict:
    """What :func:`verification_images` will use (part of the build's input hash)."""
    sidecar = find_prepared(domain, spec, data_cache)
    if sidecar is not None:
        return {"kind": "prepared domain images", "domain": domain, "split": "test first",
                "npz": sidecar["path"], "content_hash": sidecar.get("content_hash"), "count": count}
    size = spec.backbone.input_size
    return {"kind": f"seeded random pixels (no prepared cache of this domain at {size}x{size})",
            "seed": seed, "range": "uint8 0..255 -> [-1, 1]", "count": count}


def verification_images(domain: str, spec, count: int, seed: int, data_cache=None):
    """(uint8 images (N, C, H, W), labels or None, source record)."""
    source = image_source(domain, spec, count, seed, data_cache)
    sidecar = find_prepared(domain, spec, data_cache)
    if sidecar is not None:
        from codesign.data import prepare_domain

        p = sidecar["params"]
        d = prepare_domain(domain, data_cache, size=p["size"], seed=p["seed"], channels=p["channels"],
                           val_fraction=p["val_fraction"], test_fraction=p["test_fraction"],
                           max_per_class=p["max_per_class"])
        x = np.concatenate([d.x_test, d.x_val, d.x_train])[:count]
        y = np.concatenate([d.y_test, d.y_val, d.y_train])[:count]
        return x, y, source
    spec_in = spec.backbone
    gen = np.random.default_rng(seed)
    x = gen.integers(0, 256, size=(count, spec_in.in_channels, spec_in.input_size, spec_in.input_size),
                     dtype=np.uint8)
    return x, None, source


def host_tail(model):
    """(dataflow output tensor, scale, offset) when the nodes after the last HW node are a
    scalar Mul and/or Add; (tensor, None, None) otherwise."""
    from codesign.finn.nodekinds import is_hw

    nodes = list(model.graph.node)
    last_hw = max(i for i, n in enumerate(nodes) if is_hw(n))
    out = nodes[last_hw].output[0]
    scale, offset = 1.0, 0.0
    for node in nodes[last_hw + 1:]:
        params = [model.get_initializer(t) for t in node.input]
        value = next((p for p in params if p is not None), None)
        if node.op_type not in ("Mul", "Add") or value is None or np.asarray(value).size != 1:
            return out, None, None
        v = float(np.asarray(value).reshape(()))
        if node.op_type == "Mul":
            scale, offset = scale * v, offset * v
        else:
            offset += v
    return out, scale, offset


def with_values(model, values: dict[tuple[str, int], np.ndarray]):
    """A copy of ``model`` with node inputs (node name, input index) set to ``values``."""
    model = copy.deepcopy(model)
    by_name = {n.name: n for n in model.graph.node}
    for (name, index), array in values.items():
        model.set_initializer(by_name[name].input[index], np.asarray(array, dtype=np.float32))
    return model


def _run_graph(graph, x, ref, integer: bool, hw_out: str | None):
    """FINN's execution of ``graph`` image by image: (outputs, integer steps or None)."""
    from finn.core.onnx_exec import execute_onnx

    from codesign.finn.compat import quiet_warnings

    in_name, out_name = graph.graph.input[0].name, graph.graph.output[0].name
    outs, steps = [], []
    with quiet_warnings():
        for i in range(x.shape[0]):
            ctx = execute_onnx(graph, {in_name: x[i:i + 1].numpy()}, return_full_exec_context=integer)
            outs.append(np.asarray(ctx[out_name]).reshape(ref[i].shape))
            if integer:
                steps.append(np.asarray(ctx[hw_out]).reshape(ref[i].shape))
    return np.stack(outs).astype(np.float64), (np.stack(steps) if integer else None)


def _compare_integer(ref, got, scale: float, offset: float, exact: bool, notes: list):
    """(top1, same, max_step, bad) on the integer grid of the output scale."""
    n = len(ref)
    ref_steps = (ref - offset) / scale
    off_grid = (np.abs(ref_steps - np.round(ref_steps)) > GRID_TOLERANCE).reshape(n, -1).any(axis=1)
    if off_grid.any():
        notes.append(f"Brevitas output off the integer grid on {int(off_grid.sum())} image(s)")
    step_diff = np.abs(np.round(ref_steps) - got)
    # top-1 from the integers: logits tied in integers differ in float by the rounding
    # of the output scale, which would otherwise pick different classes (MobileNetV2 W4A4)
    sign = 1.0 if scale > 0 else -1.0
    top1 = (sign * got).reshape(n, -1).argmax(1) == (sign * np.round(ref_steps)).reshape(n, -1).argmax(1)
    same = ~(step_diff > 0).reshape(n, -1).any(axis=1) & ~off_grid
    bad = off_grid | ~top1 | (~same if exact else False)
    return top1, same, float(step_diff.max()), bad


def _compare_float(ref, out, exact: bool, notes: list):
    """(top1, same, max_step, bad) within a float tolerance (host tail not a scalar Mul/Add)."""
    n = len(ref)
    top1 = out.reshape(n, -1).argmax(1) == ref.reshape(n, -1).argmax(1)
    atol = FLOAT_ATOL_REL * float(np.abs(ref).max() or 1.0)
    same = ~(np.abs(out - ref) > atol).reshape(n, -1).any(axis=1)
    notes.append(f"host tail is not a scalar Mul/Add: float comparison, atol {atol:.3g}")
    return top1, same, float("nan"), ~top1 | (~same if exact else False)


def check_domain(domain: str, reference, graph, x_uint8, labels, source: dict, exact: bool = False) -> DomainCheck:
    """Run ``graph`` (generic FINN HW model with this domain's values) image by image
    (its input shape is fixed at batch 1) and compare with ``reference(x)`` (Brevitas,
    returning float64 logits)."""
    import time

    from codesign.train.inputs import to_model_input

    start = time.perf_counter()
    x = to_model_input(torch.from_numpy(np.ascontiguousarray(x_uint8)))
    with torch.no_grad():
        ref = reference(x).detach().numpy().astype(np.float64)
    hw_out, scale, offset = host_tail(graph)
    integer = scale is not None and scale != 0.0
    out, got = _run_graph(graph, x, ref, integer, hw_out)
    n, notes = len(out), []
    if integer:
        top1, same, max_step, bad = _compare_integer(ref, got, scale, offset, exact, notes)
    else:
        top1, same, max_step, bad = _compare_float(ref, out, exact, notes)
    mode = "integer" if integer else "float"
    criterion = ("identical integer outputs on every image" if exact
                 else "same top-1 class on every image (integer outputs compared and reported)")
    if not same.all():
        notes.append(f"integer outputs differ on {int((~same).sum())} of {n} image(s), by up to "
                     f"{max_step:g} steps: quantiser rounding ties decided differently (codesign/fpga_build/verify.py)")
    acc_b = acc_f = None
    if labels is not None:
        acc_b = float(np.mean(ref.reshape(n, -1).argmax(1) == labels))
        acc_f = float(np.mean(out.reshape(n, -1).argmax(1) == labels))
    return DomainCheck(domain, n, source, mode, criterion, int(np.sum(bad)), int(same.sum()),
                       float(np.abs(out - ref).max()), max_step, float(top1.mean()), acc_b, acc_f,
                       time.perf_counter() - start, notes)
