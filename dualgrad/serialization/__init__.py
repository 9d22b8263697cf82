"""Files dualgrad writes and reads: the safetensors container, digests, bounded JSON, safe
file access, and the ownership ledger of checkpoint directories. Nothing here uses pickle."""
