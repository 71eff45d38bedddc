"""Hardware graphs: FINN HW designs as networkx graphs, and the fixed/reconfigurable split."""
