"""``codesign data list`` and ``codesign data prepare [names]`` (wiring of codesign.data)."""

from __future__ import annotations

from codesign.commands.arguments import check_output_dir


def run(args) -> int:
    check_output_dir("--cache-dir", args.cache_dir)
    from codesign.data import DEFAULT_DOMAINS, DataError, format_domain_table, list_domains, prepare_domains
    from codesign.store import cache_root, domains_dir

    splits = domains_dir(cache_root(args.cache_dir))
    if args.action == "list":
        if args.names:
            raise DataError(f"data list takes no domain names (got {' '.join(args.names)[:80]}); "
                            f"use `codesign data prepare NAME` to prepare one")
        print(format_domain_table(list_domains(splits)))
        return 0
    names = ",".join(args.names) if args.names else ",".join(DEFAULT_DOMAINS)
    options = {} if args.max_per_class is None else {"max_per_class": args.max_per_class}
    prepared = prepare_domains(names, splits, size=args.size, seed=args.seed, **options)
    print(f"prepared {len(prepared)} domain(s) in {splits}: {', '.join(prepared)}")
    return 0
