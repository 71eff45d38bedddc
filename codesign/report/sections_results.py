"""Per-topic result sections: accuracy, parameters, interconnect, resources, speed and
energy, domain switch, sample efficiency, label noise, training compute.

Missing data (a failed point, a sweep that was not run) renders as ``—`` or as a note
saying what was not done, never as an error.
"""

from __future__ import annotations

from codesign.report import fmt
from codesign.report.blocks import Figure, Paragraph, Section, Table
from codesign.report.fmt import MISSING, dig, k_shot_order, noise_order


def result_sections(doc: dict) -> list[Section]:
    return [accuracy_section(doc), parameters_section(doc), interconnect_section(doc), resources_section(doc),
            performance_section(doc), switch_section(doc), sample_efficiency_section(doc),
            label_noise_section(doc), training_section(doc)]


def _archs(doc: dict) -> list[dict]:
    return doc.get("architectures") or []


def _domains(doc: dict) -> list[str]:
    return [d["name"] for d in doc.get("domains") or []]


def _src(doc: dict, *keys: str) -> str:
    return fmt.source_caption(doc.get("sources") or {}, *keys)


def accuracy_section(doc: dict) -> Section:
    domains = _domains(doc)
    rows = []
    for arch in _archs(doc):
        mean = arch.get("mean_accuracy")
        rows.append([arch["name"], *(fmt.accuracy(dig(arch, "domains", d, "test_accuracy")) for d in domains),
                     MISSING if mean is None else fmt.accuracy(
                         {"mean": mean, "std": arch.get("mean_accuracy_std")}, with_n=False)])
    blocks: list = [
        Table("Test accuracy in %, mean ± std over seeds (n = seeds that finished); last column: mean over "
              "domains ± mean std. " + _src(doc, "accuracy"),
              ["architecture", *domains, "mean"], rows, [False] + [True] * (len(domains) + 1)),
        Figure("accuracy_per_domain", "Test accuracy per domain (%), error bars: std over seeds."),
    ]
    scored = [a for a in _archs(doc) if a.get("decathlon")]
    if scored:
        blocks.append(Table(
            "Decathlon-style score (Rebuffi et al. 2017) against the fine-tuning baseline, computed from "
            "the measured accuracies: per domain and in total out of the maximum; higher is better. "
            + _src(doc, "accuracy"),
            ["architecture", *domains, "score / max"],
            [[a["name"], *(fmt.count(dig(a, "decathlon", "domains", d, "score")) for d in domains),
              f"{fmt.count(dig(a, 'decathlon', 'score'))} / {fmt.count(dig(a, 'decathlon', 'max_score'))}"]
             for a in scored], [False] + [True] * (len(domains) + 1)))
    else:
        blocks.append(Paragraph("No Decathlon score in this comparison (it needs a fine-tuning baseline).", note=True))
    return Section("accuracy", "Accuracy per domain and score", blocks)


def parameters_section(doc: dict) -> Section:
    rows = []
    for arch in _archs(doc):
        for domain in _domains(doc):
            rec = dig(arch, "domains", domain) or {}
            rows.append([arch["name"], domain, fmt.count(rec.get("trainable_parameters")),
                         fmt.count(rec.get("domain_bytes"))])
    return Section("parameters", "Trainable parameters and bytes per domain", [Table(
        "What each domain owns: trainable parameters, and bytes of its quantised weights, thresholds and "
        "any float BatchNorm values (what a domain switch writes). " + _src(doc, "parameters"),
        ["architecture", "domain", "trainable parameters", "domain bytes (B)"], rows,
        [False, False, True, True])])


def interconnect_section(doc: dict) -> Section:
    rows = []
    for arch in _archs(doc):
        ic = dig(arch, "estimate", "interconnect") or {}
        f2r, r2f = ic.get("fixed_to_reconfigurable") or {}, ic.get("reconfigurable_to_fixed") or {}
        rows.append([arch["name"], fmt.count(ic.get("streams")), fmt.count(ic.get("data_bits")),
                     fmt.count(f2r.get("streams")), fmt.count(f2r.get("bits")),
                     fmt.count(r2f.get("streams")), fmt.count(r2f.get("bits")),
                     fmt.count(ic.get("handshake_wires")), fmt.count(ic.get("bits_per_frame"))])
    return Section("interconnect", "Interconnect between fixed and reconfigurable parts", [Table(
        "AXI streams crossing between the static (backbone) and reconfigurable (per-domain) nodes at the "
        "chosen folding: data bits = wires a DFX partition boundary needs; each stream adds 2 handshake "
        "wires (valid/ready); bits per frame = data crossing per image. " + _src(doc, "interconnect"),
        ["architecture", "streams", "data bits", "fixed→reconf streams", "fixed→reconf bits",
         "reconf→fixed streams", "reconf→fixed bits", "handshake wires", "bits per frame"], rows,
        [False] + [True] * 8)])


RESOURCES = (("lut", "LUT"), ("ff", "FF"), ("bram18", "BRAM18"), ("uram", "URAM"), ("dsp", "DSP"))


def resources_section(doc: dict) -> Section:
    rows = []
    for arch in _archs(doc):
        est = arch.get("estimate") or {}
        cells = []
        for key, _ in RESOURCES:
            value, pct = dig(est, "resources", key), dig(est, "utilisation_pct", key)
            cells.append(MISSING if value is None else f"{fmt.count(value)} ({fmt.number(pct)} %)")
        shortfall = est.get("shortfall") or {}
        rows.append([arch["name"], *cells, fmt.yes_no(est.get("fits")),
                     ", ".join(f"{k.upper()} short by {fmt.count(v)}" for k, v in shortfall.items()) or MISSING])
    device = dig(doc, "device", "resources") or {}
    rows.append([f"device {dig(doc, 'device', 'name') or ''}".strip(),
                 *(fmt.count(device.get(k)) for k, _ in RESOURCES), MISSING, MISSING])
    return Section("resources", "Resources and utilisation", [
        Table("Resources of one architecture's design (backbone + one domain's modules), count and % of the "
              "device; last row: the device. " + _src(doc, "resources", "device"),
              ["architecture", *(label for _, label in RESOURCES), "fits?", "shortfall"], rows,
              [False] + [True] * len(RESOURCES) + [False, False]),
        Figure("resources", "Utilisation of each device resource (%); dashed line: device capacity."),
        _reconfigurable_table(doc),
    ])


def _reconfigurable_table(doc: dict) -> Table:
    """How much of each design is per-domain: the size a reconfigurable region must have.
    Few crossing wires with a large reconfigurable share (finetune) is not a cheap design."""
    rows = []
    for arch in _archs(doc):
        est = arch.get("estimate") or {}
        reconf, total = est.get("reconfigurable_resources") or {}, est.get("resources") or {}
        cells = []
        for key in ("lut", "bram18"):
            value, whole = reconf.get(key), total.get(key)
            share = f" ({fmt.number(100 * value / whole)} %)" if value is not None and whole else ""
            cells.append(MISSING if value is None else f"{fmt.count(value)}{share}")
        nodes = est.get("nodes") or {}
        rows.append([arch["name"], *cells, f"{nodes.get('reconfigurable', MISSING)} of "
                     f"{(nodes.get('fixed') or 0) + (nodes.get('reconfigurable') or 0)}"])
    return Table("Reconfigurable part of each design: LUT and BRAM18 of the per-domain nodes (share of the "
                 "design's total) and the number of reconfigurable HW nodes. " + _src(doc, "resources"),
                 ["architecture", "reconfigurable LUT", "reconfigurable BRAM18", "reconfigurable nodes"], rows,
                 [False, True, True, True])


def performance_section(doc: dict) -> Section:
    rows = []
    for arch in _archs(doc):
        est = arch.get("estimate") or {}
        energy = est.get("energy_uj") or {}
        rows.append([arch["name"], fmt.number(est.get("fps")), fmt.number(est.get("latency_ms"), 2),
                     est.get("bottleneck") or MISSING, fmt.number(energy.get("total"), 2),
                     fmt.number(energy.get("dynamic"), 2), fmt.number(energy.get("static"), 2)])
    target = dig(doc, "settings", "target_fps")
    folding = (f"folded for a target of {fmt.number(target)} FPS" if target
               else "folded for the highest frame rate that fits the device")
    return Section("performance", "Throughput, latency and energy", [Table(
        f"Frames per second, latency of one image in ms and energy per inference in µJ, {folding}. "
        + _src(doc, "throughput", "energy"),
        ["architecture", "FPS", "latency ms", "bottleneck node", "energy µJ", "dynamic µJ", "static µJ"], rows,
        [False, True, True, False, True, True, True])])


def switch_section(doc: dict) -> Section:
    rows = []
    for arch in _archs(doc):
        sw = dig(arch, "estimate", "switch") or {}
        speedup = sw.get("speedup")
        rows.append([arch["name"], fmt.count(sw.get("payload_bytes")), fmt.number(sw.get("write_time_ms"), 3),
                     fmt.number(sw.get("bitstream_time_ms"), 1),
                     MISSING if speedup is None else f"{fmt.number(speedup)}×"])
    return Section("switch", "Domain switch cost", [Table(
        "Changing domain: bytes of run-time-writeable weights and thresholds written, time to write them "
        "in ms, against loading a full bitstream in ms. " + _src(doc, "switch"),
        ["architecture", "payload bytes (B)", "write time ms", "full bitstream ms", "speedup"], rows,
        [False, True, True, True, True])])


def _sweep_section(doc: dict, key: str, title: str, field: str, order, column, cell, caption: str,
                   not_run: str) -> Section:
    keys = sorted({k for a in _archs(doc) for d in _domains(doc)
                   for k in (dig(a, "domains", d, field) or {})}, key=order)
    if not keys:
        return Section(key, title, [Paragraph(not_run, note=True)])
    rows = []
    for arch in _archs(doc):
        for domain in _domains(doc):
            entries = dig(arch, "domains", domain, field) or {}
            rows.append([arch["name"], domain, *(cell(entries[k]) if k in entries else MISSING for k in keys)])
    blocks: list = [Table(caption + " " + _src(doc, "accuracy"), ["architecture", "domain",
                                                                   *(column(k) for k in keys)],
                          rows, [False, False] + [True] * len(keys))]
    if len(keys) >= 2:
        blocks.append(Figure(key, f"{title}: test accuracy (%) per domain, one line per architecture, "
                                  "error bars: std over seeds."))
    else:
        blocks.append(Paragraph("Only one sweep value: no curve to draw.", note=True))
    return Section(key, title, blocks)


def sample_efficiency_section(doc: dict) -> Section:
    def cell(entry: dict) -> str:
        images = dig(entry, "train_samples", "mean")
        return fmt.accuracy(dig(entry, "test_accuracy"), with_n=False) + (
            "" if images is None else f" · {fmt.count(images)} img")

    return _sweep_section(
        doc, "sample_efficiency", "Sample efficiency", "samples_needed", k_shot_order,
        lambda k: "all images" if k == "all" else f"k = {k}", cell,
        "Test accuracy in % (mean ± std over seeds) after training on k images per class; after · the "
        "training images used (mean over seeds).",
        "The sample-efficiency sweep was not run (no --k-shot values).")


def label_noise_section(doc: dict) -> Section:
    def cell(entry: dict) -> str:
        realised = dig(entry, "realised_noise", "mean")
        return fmt.accuracy(dig(entry, "test_accuracy"), with_n=False) + (
            "" if realised is None else f" · {fmt.percent(realised, 0)} % flipped")

    return _sweep_section(
        doc, "label_noise", "Label noise", "label_noise", noise_order,
        lambda k: f"noise {k}", cell,
        "Test accuracy in % (mean ± std over seeds) when a fraction of the training labels is replaced "
        "at random; after · the share of labels actually changed (mean over seeds).",
        "The label-noise sweep was not run (no --noise values).")


def training_section(doc: dict) -> Section:
    rows = []
    for arch in _archs(doc):
        for domain in _domains(doc):
            rec = dig(arch, "domains", domain) or {}
            rows.append([arch["name"], domain, fmt.engineering(rec.get("macs_inference")),
                         fmt.engineering(rec.get("macs_training")),
                         fmt.engineering(dig(rec, "training_macs_total", "mean")),
                         fmt.mean_std(rec.get("epochs_run")), fmt.mean_std(rec.get("epoch_seconds"), 2),
                         fmt.mean_std(rec.get("adaptation_seconds"))])
    return Section("training", "Training compute", [Table(
        "MACs (multiply-accumulates) per inference and per training sample (forward + backward through "
        "the trainable parts), total MACs of one domain's training, epochs run (early stopping), measured "
        "seconds per epoch and for the whole adaptation; mean ± std over seeds. "
        + _src(doc, "macs", "training_time"),
        ["architecture", "domain", "MACs / inference", "MACs / training sample", "training MACs total",
         "epochs", "s / epoch", "adaptation s"], rows, [False, False] + [True] * 6)])
