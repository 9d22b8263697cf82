"""dualgrad.func tests (a package, so its modules share `shapes`)."""
