"""The whole network: a frozen backbone plus one set of modules per domain.

``factory.build_model(spec)`` turns a validated graph spec into a ``MultiDomainModel``
(multidomain.py). This package sits above the parts it assembles: the backbones and
quantised building blocks (codesign.models), the adapter families (codesign.adapters)
and the specs that name them (codesign.specs, which validates names against the
registries of the first two), so that none of those imports another one back.
"""
