"""Per-topic result sections: accuracy, parameters, interconnect, resources, speed and
energy, domain switch, sample efficiency, label noise, training compute.

Missing data (a failed point, a sweep that was not run) renders as ``—`` or as a note
saying what was not done, never as an error.
"""

from __future__ import annotations

from codesign.compare.result import ArchitectureResult, CompareResult
from codesign.compare.summaries import MeanStd
import codesign.report.fmt as fmt
from codesign.report.blocks import Figure, Paragraph, Section, Table
from codesign.report.fmt import MISSING, k_shot_order, noise_order


def result_sections(result: CompareResult) -> list[Section]:
    return [accuracy_section(result), parameters_section(result), interconnect_section(result),
            resources_section(result), performance_section(result), switch_section(result),
            sample_efficiency_section(result), label_noise_section(result), training_section(result)]


def _src(result: CompareResult, *keys: str) -> str:
    return fmt.source_caption(result.sources, *keys)


def _domain_accuracy(arch: ArchitectureResult, domain: str) -> str:
    summary = arch.domains.get(domain)
    if summary is None:
        return MISSING
    text = fmt.accuracy(summary.test_accuracy, with_n=False)
    n = summary.test_accuracy.n
    return fmt.with_interval(text, summary.test_accuracy_interval) + (f" (n={n})" if text != MISSING else "")


def _domain_header(result: CompareResult, domain: str) -> str:
    """The domain's name with its test-split size, marked when its data are synthetic."""
    info = next((d for d in result.domains if d.name == domain), None)
    if info is None:
        return domain
    return f"{domain} ({fmt.count(info.test)} test images{', synthetic' if info.synthetic else ''})"


def accuracy_section(result: CompareResult) -> Section:
    domains = result.domain_names
    rows = []
    for arch in result.architectures:
        mean = arch.mean_accuracy
        rows.append([arch.name, *(_domain_accuracy(arch, d) for d in domains),
                     MISSING if mean is None else fmt.with_interval(
                         fmt.accuracy(MeanStd(mean, arch.mean_accuracy_std, 0), with_n=False),
                         arch.mean_accuracy_interval)])
    blocks: list = [
        Table("Test accuracy in %, mean ± std over seeds [95 % interval over seeds and test images] (n = seeds "
              "that finished); last column: mean over domains ± mean std [95 % interval of the mean]. "
              + _src(result, "accuracy", "intervals"),
              ["architecture", *(_domain_header(result, d) for d in domains), "mean"], rows,
              [False] + [True] * (len(domains) + 1)),
        Figure("accuracy_per_domain", "Test accuracy per domain (%), error bars: 95 % interval over seeds and "
                                      "test images (std over seeds where the document has no interval)."),
    ]
    scored = [a for a in result.architectures if a.decathlon]
    if scored:
        blocks.append(Table(
            "Decathlon-style score (Rebuffi et al. 2017) against the fine-tuning baseline, computed from "
            "the measured accuracies: per domain and in total out of the maximum; higher is better. "
            + _src(result, "accuracy"),
            ["architecture", *domains, "score / max"],
            [[a.name, *(fmt.count(a.decathlon.domains[d].score) if d in a.decathlon.domains else MISSING
                        for d in domains),
              f"{fmt.count(a.decathlon.score)} / {fmt.count(a.decathlon.max_score)}"]
             for a in scored], [False] + [True] * (len(domains) + 1)))
    else:
        blocks.append(Paragraph("No Decathlon score in this comparison (it needs a fine-tuning baseline).", note=True))
    return Section("accuracy", "Accuracy per domain and score", blocks)


def parameters_section(result: CompareResult) -> Section:
    rows = []
    for arch in result.architectures:
        for domain in result.domain_names:
            rec = arch.domains.get(domain)
            rows.append([arch.name, domain, fmt.count(rec and rec.trainable_parameters),
                         fmt.count(rec and rec.domain_bytes)])
    return Section("parameters", "Trainable parameters and bytes per domain", [Table(
        "What each domain owns: trainable parameters, and bytes of its quantised weights, thresholds and "
        "any float BatchNorm values (what a domain switch writes). " + _src(result, "parameters"),
        ["architecture", "domain", "trainable parameters", "domain bytes (B)"], rows,
        [False, False, True, True])])


def interconnect_section(result: CompareResult) -> Section:
    rows = []
    for arch in result.architectures:
        if arch.estimate is None:
            rows.append([arch.name] + [MISSING] * 8)
            continue
        ic = arch.estimate.interconnect
        f2r, r2f = ic.fixed_to_reconfigurable, ic.reconfigurable_to_fixed
        rows.append([arch.name, fmt.count(ic.streams), fmt.count(ic.interconnect_bits),
                     fmt.count(f2r.streams), fmt.count(f2r.interconnect_bits),
                     fmt.count(r2f.streams), fmt.count(r2f.interconnect_bits),
                     fmt.count(ic.handshake_wires), fmt.count(ic.bits_per_frame)])
    return Section("interconnect", "Interconnect between fixed and reconfigurable parts", [Table(
        "AXI streams crossing between the static (backbone) and reconfigurable (per-domain) nodes at the "
        "chosen folding: data bits = wires a DFX partition boundary needs; each stream adds 2 handshake "
        "wires (valid/ready); bits per frame = data crossing per image. " + _src(result, "interconnect"),
        ["architecture", "streams", "data bits", "fixed→reconf streams", "fixed→reconf bits",
         "reconf→fixed streams", "reconf→fixed bits", "handshake wires", "bits per frame"], rows,
        [False] + [True] * 8)])


RESOURCES = (("lut", "LUT"), ("ff", "FF"), ("bram18", "BRAM18"), ("uram", "URAM"), ("dsp", "DSP"))


def _resource_row(arch: ArchitectureResult) -> list[str]:
    est = arch.estimate
    if est is None:
        return [arch.name] + [MISSING] * (len(RESOURCES) + 2)
    cells = [f"{fmt.count(getattr(est.resources, key))}{_interval(est, key)} "
             f"({fmt.number(getattr(est.utilisation_pct, key))} %)" for key, _ in RESOURCES]
    shortfall = ", ".join(f"{k.upper()} short by {fmt.count(v)}" for k, v in est.shortfall.items()) or MISSING
    return [arch.name, *cells, fmt.yes_no(est.fits), shortfall]


def _interval(est, key: str) -> str:
    """`` [low–high]`` of a calibrated estimate; empty for older summaries and zero-width ones."""
    if est.resources_low is None or est.resources_high is None:
        return ""
    low, high = getattr(est.resources_low, key), getattr(est.resources_high, key)
    return "" if low == high else f" [{fmt.count(low)}–{fmt.count(high)}]"


def resources_section(result: CompareResult) -> Section:
    rows = [_resource_row(arch) for arch in result.architectures]
    device = result.device.resources
    rows.append([f"device {result.device.name}".strip(),
                 *(fmt.count(getattr(device, k)) for k, _ in RESOURCES), MISSING, MISSING])
    return Section("resources", "Resources and utilisation", [
        Table("Resources of one architecture's design (backbone + one domain's modules, with the FIFOs, width "
              "converters and platform shell a FINN build adds), calibrated count [10–90 % interval] and % of "
              "the device; last row: the device. " + _src(result, "resources", "device"),
              ["architecture", *(label for _, label in RESOURCES), "fits?", "shortfall"], rows,
              [False] + [True] * len(RESOURCES) + [False, False]),
        Figure("resources", "Utilisation of each device resource (%); dashed line: device capacity."),
        _reconfigurable_table(result),
    ])


def _reconfigurable_table(result: CompareResult) -> Table:
    """How much of each design is per-domain: the size a reconfigurable region must have.
    Few crossing wires with a large reconfigurable share (finetune) is not a cheap design."""
    rows = []
    for arch in result.architectures:
        est = arch.estimate
        if est is None:
            rows.append([arch.name, MISSING, MISSING, f"{MISSING} of 0"])
            continue
        cells = []
        for key in ("lut", "bram18"):
            value, whole = getattr(est.reconfigurable_resources, key), getattr(est.resources, key)
            share = f" ({fmt.number(100 * value / whole)} %)" if whole else ""
            cells.append(f"{fmt.count(value)}{share}")
        rows.append([arch.name, *cells, f"{est.nodes.reconfigurable} of {est.nodes.fixed + est.nodes.reconfigurable}"])
    return Table("Reconfigurable part of each design: LUT and BRAM18 of the per-domain nodes (share of the "
                 "design's total) and the number of reconfigurable HW nodes. " + _src(result, "resources"),
                 ["architecture", "reconfigurable LUT", "reconfigurable BRAM18", "reconfigurable nodes"], rows,
                 [False, True, True, True])


def performance_section(result: CompareResult) -> Section:
    rows = []
    for arch in result.architectures:
        est = arch.estimate
        if est is None:
            rows.append([arch.name] + [MISSING] * 7)
            continue
        energy = est.energy_uj
        rows.append([arch.name, fmt.number(est.fps), fmt.number(est.latency_ms, 2), est.bottleneck or MISSING,
                     fmt.number(energy.per_inference_at_throughput, 2), fmt.number(energy.single_image, 2),
                     fmt.number(energy.dynamic, 2), fmt.number(energy.power_at_throughput_w, 3)])
    target = result.settings.target_fps
    folding = (f"folded for a target of {fmt.number(target)} FPS" if target
               else "folded for the highest frame rate that fits the device")
    if result.folding is not None:  # the folding policy (compare/folding_policy.py)
        maxima = ", ".join(f"{name} {MISSING if fps is None else fmt.number(fps)}"
                           for name, fps in result.folding.max_fps_within_budget.items())
        folding = f"{result.folding.policy} (each one's own maximum FPS within the budget: {maxima})"
    return Section("performance", "Throughput, latency and energy", [Table(
        f"Frames per second, latency of one image in ms and energy, {folding}: per inference at the design's "
        "throughput (board power / FPS; budgets and fronts use it unless --energy single-image), of a single "
        "image alone ((board idle + static power) x latency + dynamic), the dynamic part, and the board power "
        "at that FPS. " + _src(result, "throughput", "energy"),
        ["architecture", "FPS", "latency ms", "bottleneck node", "µJ / inference at FPS", "µJ single image",
         "dynamic µJ", "board W at FPS"], rows,
        [False, True, True, False, True, True, True, True])])


def switch_section(result: CompareResult) -> Section:
    rows = []
    for arch in result.architectures:
        if arch.estimate is None:
            rows.append([arch.name] + [MISSING] * 4)
            continue
        sw = arch.estimate.switch
        rows.append([arch.name, fmt.count(sw.payload_bytes), fmt.number(sw.write_time_ms, 3),
                     fmt.number(sw.bitstream_time_ms, 1), f"{fmt.number(sw.speedup)}×"])
    return Section("switch", "Domain switch cost", [Table(
        "Changing domain: bytes of run-time-writeable weights and thresholds written, time to write them "
        "in ms, against loading a full bitstream in ms. " + _src(result, "switch"),
        ["architecture", "payload bytes (B)", "write time ms", "full bitstream ms", "speedup"], rows,
        [False, True, True, True, True])])


def _sweep_section(result: CompareResult, key: str, title: str, field: str, order, column, cell, caption: str,
                   not_run: str) -> Section:
    entries = {(a.name, d): getattr(a.domains[d], field) if d in a.domains else {}
               for a in result.architectures for d in result.domain_names}
    keys = sorted({k for curve in entries.values() for k in curve}, key=order)
    if not keys:
        return Section(key, title, [Paragraph(not_run, note=True)])
    rows = [[name, domain, *(cell(curve[k]) if k in curve else MISSING for k in keys)]
            for (name, domain), curve in entries.items()]
    blocks: list = [Table(caption + " " + _src(result, "accuracy"), ["architecture", "domain",
                                                                      *(column(k) for k in keys)],
                          rows, [False, False] + [True] * len(keys))]
    if len(keys) >= 2:
        blocks.append(Figure(key, f"{title}: test accuracy (%) per domain, one line per architecture, "
                                  "error bars: std over seeds."))
    else:
        blocks.append(Paragraph("Only one sweep value: no curve to draw.", note=True))
    return Section(key, title, blocks)


def sample_efficiency_section(result: CompareResult) -> Section:
    def cell(entry) -> str:
        images = entry.train_samples.mean
        return fmt.accuracy(entry.test_accuracy, with_n=False) + (
            "" if images is None else f" · {fmt.count(images)} img")

    return _sweep_section(
        result, "sample_efficiency", "Sample efficiency", "samples_needed", k_shot_order,
        lambda k: "all images" if k == "all" else f"k = {k}", cell,
        "Test accuracy in % (mean ± std over seeds) after training on k images per class; after · the "
        "training images used (mean over seeds).",
        "The sample-efficiency sweep was not run (no --k-shot values).")


def label_noise_section(result: CompareResult) -> Section:
    def cell(entry) -> str:
        realised = entry.realised_noise.mean
        return fmt.accuracy(entry.test_accuracy, with_n=False) + (
            "" if realised is None else f" · {fmt.percent(realised, 0)} % flipped")

    return _sweep_section(
        result, "label_noise", "Label noise", "label_noise", noise_order,
        lambda k: f"noise {k}", cell,
        "Test accuracy in % (mean ± std over seeds) when a fraction of the training labels is replaced "
        "at random; after · the share of labels actually changed (mean over seeds).",
        "The label-noise sweep was not run (no --noise values).")


def training_section(result: CompareResult) -> Section:
    rows = []
    for arch in result.architectures:
        for domain in result.domain_names:
            rec = arch.domains.get(domain)
            if rec is None:
                rows.append([arch.name, domain] + [MISSING] * 6)
                continue
            rows.append([arch.name, domain, fmt.engineering(rec.macs_inference), fmt.engineering(rec.macs_training),
                         fmt.engineering(rec.training_macs_total.mean), fmt.mean_std(rec.epochs_run),
                         fmt.mean_std(rec.epoch_seconds, 2), fmt.mean_std(rec.adaptation_seconds)])
    return Section("training", "Training compute", [Table(
        "MACs (multiply-accumulates) per inference and per training sample (forward + backward through "
        "the trainable parts), total MACs of one domain's training, epochs run (early stopping), measured "
        "seconds per epoch and for the whole adaptation; mean ± std over seeds. "
        + _src(result, "macs", "training_time"),
        ["architecture", "domain", "MACs / inference", "MACs / training sample", "training MACs total",
         "epochs", "s / epoch", "adaptation s"], rows, [False, False] + [True] * 6)])
