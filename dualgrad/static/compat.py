"""The calls TF1 scripts make that mean nothing here, accepted so the scripts run unchanged:
`tf.disable_v2_behavior()`, `tf.disable_eager_execution()`, `tf.ConfigProto(...)` and
`tf.GPUOptions(...)` passed to `Session(config=...)`; `tf.logging` goes to Python's `logging`.

Calls that would mean something (`enable_eager_execution`, which would switch front ends) are
not accepted silently: use `import dualgrad as dg` for eager code."""
from __future__ import annotations

import logging as _logging
from types import SimpleNamespace

__all__ = ["ConfigProto", "GPUOptions", "disable_eager_execution", "disable_v2_behavior", "logging"]


def disable_v2_behavior() -> None:
    """TF1 graph mode is the only mode of `dualgrad.static`: nothing to disable."""


def disable_eager_execution() -> None:
    """`dualgrad.static` never executes eagerly: nothing to disable."""


class GPUOptions:
    """TF1's `tf.GPUOptions(allow_growth=True, per_process_gpu_memory_fraction=...)`: recorded,
    not acted on (jax manages GPU memory; see docs/devices.md for XLA_PYTHON_CLIENT_* settings)."""

    def __init__(self, *, per_process_gpu_memory_fraction=None, allow_growth=None, allocator_type=None,
                 deferred_deletion_bytes=None, visible_device_list=None, polling_active_delay_usecs=None,
                 polling_inactive_delay_msecs=None, force_gpu_compatible=None, experimental=None):
        # TF1's fields only: a misspelt option is a TypeError naming it (TF1: ValueError)
        self.__dict__.update({k: v for k, v in locals().items() if k != "self"})


class ConfigProto:
    """TF1's `tf.ConfigProto(...)` for `Session(config=...)`: its options are recorded and not
    acted on (XLA picks threads and placement); `gpu_options` defaults to a `GPUOptions`."""

    def __init__(self, *, device_count=None, intra_op_parallelism_threads=None,
                 inter_op_parallelism_threads=None, use_per_session_threads=None,
                 session_inter_op_thread_pool=None, placement_period=None, device_filters=None,
                 gpu_options=None, allow_soft_placement=None, log_device_placement=None,
                 graph_options=None, operation_timeout_in_ms=None, rpc_options=None, cluster_def=None,
                 isolate_session_state=None, experimental=None):
        # TF1's fields only: a misspelt option is a TypeError naming it (TF1: ValueError)
        self.__dict__.update({k: v for k, v in locals().items() if k != "self"})
        self.gpu_options = gpu_options or GPUOptions()


_LOGGER = _logging.getLogger("tensorflow")  # the logger name TF1 scripts configure

logging = SimpleNamespace(DEBUG=10, INFO=20, WARN=30, WARNING=30, ERROR=40, FATAL=50,
                          set_verbosity=_LOGGER.setLevel, get_verbosity=_LOGGER.getEffectiveLevel,
                          debug=_LOGGER.debug, info=_LOGGER.info, warning=_LOGGER.warning,
                          warn=_LOGGER.warning, error=_LOGGER.error, fatal=_LOGGER.critical)
"""`tf.logging`: TF1's verbosity levels and functions, on Python's `logging` logger 'tensorflow'."""
