"""dg.compile: compiled steps against the same steps run eagerly."""
