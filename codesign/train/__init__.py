"""Training of per-domain modules on a frozen backbone, and the seed's metrics.

One concern per file:

- ``inputs``      uint8 pixels -> model input in [-1, 1] (the one normalisation), splits
- ``seeding``     one seed fixes init, batch order (a function of seed and epoch), subsets, noise
- ``config``      TrainConfig: optimiser, step size, batch, epochs, patience (defaults stated)
- ``features``    feature cache for families that never feed back into the backbone (head, side)
- ``checkpoint``  atomic per-epoch checkpoints; a resumed run ends exactly like an uninterrupted one
- ``epochs``      the one epoch loop (train, pretrain, compare): batches, steps, divergence, validation
- ``loop``        train_domain: QAT of one domain, early stopping, best epoch restored
- ``runs``        which runs a study makes: seeds x (main, k-shot, label noise)
- ``one_run``     train_one_run: one (domain, seed, setting) run -> RunRecord (train and compare)
- ``record``      RunRecord: one run's numbers, with the JSON form both result files store
- ``runner``      run_domain_study: runs -> ``<out>/<domain>.json`` + saved domain checkpoints
- ``results``     per-domain summaries (mean ± std, n), study summary, Decathlon score
- ``metrics``     metric declarations (higher_is_better, unit), Decathlon formula, mean_std
- ``macs``        MACs per inference and per training sample (live and cached)
- ``pretrain``    backbone pre-training on the source domain (``codesign pretrain``)
"""
