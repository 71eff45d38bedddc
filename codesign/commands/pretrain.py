"""``codesign pretrain graphs/_cnv_pretrain.yaml --source glyphs_source --epochs 3 --seed 0
--lr 0.02 --out checkpoints/cnv_x0.5_w4a4_glyphs.safetensors``: train the backbone on the
source domain (the shipped checkpoint's command)."""

from __future__ import annotations

import sys

from codesign.commands.arguments import check_output_dir, check_output_file


def run(args) -> int:
    if not str(args.out).endswith(".safetensors"):
        from codesign.errors import InputError

        raise InputError(f"--out {args.out}: expected a .safetensors file path (a .json is written beside it)")
    check_output_file("--out", args.out)
    check_output_dir("--cache-dir", args.cache_dir)
    from codesign.store import cache_root, domains_dir

    from codesign.data import DEFAULT_DOMAINS, prepare_domain
    from codesign.specs.graph import load_graph
    from codesign.train.config import TrainError
    from codesign.train.inputs import DomainSplits
    from codesign.train.pretrain import PretrainConfig, pretrain_backbone

    spec = load_graph(args.graph)
    if args.source in DEFAULT_DOMAINS:
        # pre-training on a target would leak its classes into the "fixed" hardware
        raise TrainError(f"--source {args.source}: is a target domain (DEFAULT_DOMAINS); pre-train on a "
                         f"domain distinct from the targets, e.g. glyphs_source")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    prepared = prepare_domain(args.source, domains_dir(cache_root(args.cache_dir)), size=spec.backbone.input_size or 32,
                              seed=args.split_seed,
                              progress=lambda m: print(m, file=sys.stderr, flush=True))
    config = PretrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                            max_batches=args.max_batches)
    data_info = {"content_hash": prepared.stats.get("content_hash"), "split_seed": args.split_seed,
                 "params": prepared.params}
    sidecar = pretrain_backbone(spec, DomainSplits.from_prepared(prepared), config, args.out, data_info)
    print(f"{args.out}: source {args.source} test accuracy {sidecar['source_test_accuracy']:.4f}, "
          f"{sidecar['epochs_run']} epochs, {sidecar['wall_time_s']:.0f} s")
    return 0
