"""Seeded index selections: the fixed test split, train/val splits, nested k-per-class
subsets, label noise.

All functions are pure: same inputs and seed give the same output on every machine
(numpy's PCG64 ``default_rng``), and the inputs are never modified.
"""

from __future__ import annotations

import numpy as np

from codesign.data.domains import DataError


def stratified_split(labels: np.ndarray, val_fraction: float, test_fraction: float, seed: int,
                     class_names: list[str] | None = None, where: str = "domain"
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split indices into (train, val, test), per class, with fixed seeded shuffles.

    Each class gives round(fraction * n) images (at least 1) to val and to test and the
    rest to train, so every class is in every split. Indices come back sorted.
    """
    if not (0 <= val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise DataError(f"{where}: need 0 <= val_fraction, 0 < test_fraction and their sum < 1, "
                        f"got {val_fraction} and {test_fraction}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_test = max(1, round(test_fraction * len(idx)))
        n_val = max(1, round(val_fraction * len(idx))) if val_fraction > 0 else 0
        if len(idx) - n_test - n_val < 1:
            name = class_names[c] if class_names is not None else str(c)
            raise DataError(f"{where}: class {name!r} has {len(idx)} images; "
                            f"need at least {n_test + n_val + 1} to split into train/val/test")
        parts[2].append(idx[:n_test])
        parts[1].append(idx[n_test:n_test + n_val])
        parts[0].append(idx[n_test + n_val:])
    return tuple(np.sort(np.concatenate(p)).astype(np.int64) for p in parts)  # type: ignore[return-value]


TEST_SPLIT_SEED = 0  # the one seed of every domain's test split: no run's --seed moves it


def _class_name(c: int, class_names: list[str] | None) -> str:
    return class_names[c] if class_names is not None else str(c)


def fixed_test_split(labels: np.ndarray, test_fraction: float, max_images: int,
                     reserved: np.ndarray | None = None, class_names: list[str] | None = None,
                     where: str = "domain") -> np.ndarray:
    """Indices of a domain's test split (sorted): the same whatever seed or cap a run uses.

    A balanced set of at most ``max_images``: each class gives at most
    ``max_images // classes`` images, drawn by a permutation seeded by TEST_SPLIT_SEED and
    the class alone. Without ``reserved`` a class gives round(test_fraction * n) of its n
    images (at least 1); with ``reserved`` (bool mask: images the source set aside for
    testing, e.g. held-out fonts) it gives its reserved images, up to the same quota.
    """
    if not 0 < test_fraction < 1:
        raise DataError(f"{where}: test_fraction must be in (0, 1), got {test_fraction}")
    if max_images < 1:
        raise DataError(f"{where}: max_test_images must be an integer >= 1, got {max_images}")
    labels = np.asarray(labels)
    classes = np.unique(labels)
    quota = max(1, max_images // max(1, len(classes)))
    chosen = []
    for c in classes:
        members = np.flatnonzero(labels == c)
        if reserved is None:
            candidates, wanted = members, max(1, round(test_fraction * len(members)))
        else:
            candidates = members[reserved[members]]
            wanted = len(candidates)
        if len(candidates) == 0:
            raise DataError(f"{where}: class {_class_name(int(c), class_names)!r} has no images set aside "
                            f"for the test split")
        rng = np.random.default_rng([TEST_SPLIT_SEED, int(c)])
        chosen.append(rng.permutation(candidates)[:min(wanted, quota)])
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def train_val_split(labels: np.ndarray, val_fraction: float, seed: int, class_names: list[str] | None = None,
                    where: str = "domain") -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``labels`` split into (train, val), per class, seeded by (seed, class).

    Each class gives round(val_fraction * n) images (at least 1 when val_fraction > 0)
    to val and keeps at least one for training. Positions come back sorted.
    """
    if not 0 <= val_fraction < 1:
        raise DataError(f"{where}: val_fraction must be in [0, 1), got {val_fraction}")
    labels = np.asarray(labels)
    train, val = [], []
    for c in np.unique(labels):
        idx = np.random.default_rng([seed, int(c)]).permutation(np.flatnonzero(labels == c))
        n_val = max(1, round(val_fraction * len(idx))) if val_fraction > 0 else 0
        if len(idx) - n_val < 1:
            raise DataError(f"{where}: class {_class_name(int(c), class_names)!r} has {len(idx)} image(s) "
                            f"outside the test split; need at least {n_val + 1} for train and validation")
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    empty = np.zeros(0, np.int64)
    return (np.sort(np.concatenate(train or [empty])).astype(np.int64),
            np.sort(np.concatenate(val or [empty])).astype(np.int64))


def k_per_class_subset(labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Indices of at most ``k`` examples of each class, sorted.

    Nested by construction: each class's order is a seeded permutation that does not
    depend on ``k``, and the subset takes its first k, so for the same seed the k=5
    subset is contained in the k=10 subset. Classes with fewer than k keep all theirs.
    """
    if k < 1:
        raise DataError(f"k per class must be >= 1, got {k}")
    labels = np.asarray(labels)
    chosen = []
    for c in np.unique(labels):
        # one generator per class, seeded by (seed, class): a class's order is also
        # independent of which other classes are present
        rng = np.random.default_rng([seed, int(c)])
        chosen.append(rng.permutation(np.flatnonzero(labels == c))[:k])
    return np.sort(np.concatenate(chosen)).astype(np.int64) if chosen else np.zeros(0, np.int64)


def apply_label_noise(labels: np.ndarray, rate: float, num_classes: int, seed: int
                      ) -> tuple[np.ndarray, float]:
    """Symmetric label noise: return (noisy copy of labels, realised rate).

    Exactly round(rate * N) labels, chosen uniformly without replacement, are each
    replaced by a *different* class drawn uniformly from the other num_classes - 1.
    The realised rate is that count / N (differs from ``rate`` only by rounding).
    """
    if not 0 <= rate <= 1:
        raise DataError(f"label noise rate must be in [0, 1], got {rate}")
    if num_classes < 2:
        raise DataError(f"label noise needs at least 2 classes, got {num_classes}")
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataError(f"labels outside 0..{num_classes - 1}")
    noisy = labels.copy()
    n = len(labels)
    flips = round(rate * n)
    if flips:
        rng = np.random.default_rng(seed)
        where = rng.choice(n, size=flips, replace=False)
        # adding 1..C-1 modulo C moves each label to a uniformly chosen other class
        noisy[where] = (labels[where] + rng.integers(1, num_classes, size=flips)) % num_classes
    return noisy, (flips / n if n else 0.0)
