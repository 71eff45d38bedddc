"""Training of per-domain modules on a frozen backbone, and the seed's metrics."""
