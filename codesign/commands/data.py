"""``codesign data list`` and ``codesign data prepare [names]`` (wiring of codesign.data)."""

from __future__ import annotations


def run(args) -> int:
    from codesign.data import DEFAULT_DOMAINS, DataError, format_domain_table, list_domains, prepare_domains

    if args.action == "list":
        if args.names:
            raise DataError(f"data list takes no domain names (got {' '.join(args.names)}); "
                            f"use `codesign data prepare NAME` to prepare one")
        print(format_domain_table(list_domains(args.cache_dir)))
        return 0
    names = ",".join(args.names) if args.names else ",".join(DEFAULT_DOMAINS)
    options = {} if args.max_per_class is None else {"max_per_class": args.max_per_class}
    prepared = prepare_domains(names, args.cache_dir, size=args.size, seed=args.seed, **options)
    print(f"prepared {len(prepared)} domain(s) in {args.cache_dir}: {', '.join(prepared)}")
    return 0
