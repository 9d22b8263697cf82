"""The calls TF1 scripts make that mean nothing here, accepted so the scripts run unchanged:
`tf.disable_v2_behavior()`, `tf.disable_eager_execution()`, `tf.ConfigProto(...)` and
`tf.GPUOptions(...)` passed to `Session(config=...)`, `with tf.device(...)` (a Session is placed
as a whole: `Session(device=...)`); `tf.logging` goes to Python's `logging`. Also TF1's
collection calls on the default graph (`tf.get_collection`, `tf.add_to_collection`,
`tf.GraphKeys`), which mean what they mean in TF1.

Calls that would mean something (`enable_eager_execution`, which would switch front ends) are
not accepted silently: use `import dualgrad as dg` for eager code."""
from __future__ import annotations

import logging as _logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace

from .graph import get_default_graph
from .optimizer import GLOBAL_STEP
from .summary import SUMMARIES
from .variables import GLOBAL_VARIABLES, TRAINABLE_VARIABLES

__all__ = ["ConfigProto", "GPUOptions", "GraphKeys", "add_to_collection", "add_to_collections", "device",
           "disable_eager_execution", "disable_v2_behavior", "get_collection", "logging"]


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


GraphKeys = SimpleNamespace(  # TF1's standard collection names; dualgrad fills the first four
    GLOBAL_VARIABLES=GLOBAL_VARIABLES, VARIABLES=GLOBAL_VARIABLES, TRAINABLE_VARIABLES=TRAINABLE_VARIABLES,
    GLOBAL_STEP=GLOBAL_STEP, SUMMARIES=SUMMARIES, LOCAL_VARIABLES="local_variables",
    MODEL_VARIABLES="model_variables", UPDATE_OPS="update_ops", LOSSES="losses",
    REGULARIZATION_LOSSES="regularization_losses")
"""`tf.GraphKeys`: the names of TF1's standard collections, for get_collection / add_to_collection."""


def get_collection(key: str, scope: str | None = None) -> list:
    """The default graph's collection `key` (a copy); with `scope`, only the items whose
    `name` matches it from the start (TF1's `re.match`), items without a name dropped."""
    items = get_default_graph().get_collection(key)
    if scope is None:
        return items
    return [v for v in items if isinstance(getattr(v, "name", None), str) and re.match(scope, v.name)]


def add_to_collection(name: str, value) -> None:
    """Append `value` to the default graph's collection `name` (tf.add_to_collection)."""
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names: Sequence[str], value) -> None:
    """Append `value` to each collection in `names` once (tf.add_to_collections)."""
    for name in dict.fromkeys([names] if isinstance(names, str) else names):
        add_to_collection(name, value)


@contextmanager
def device(device_name) -> Iterator[None]:
    """TF1's `with tf.device(...)`: accepted and ignored. A Session runs its whole program on one
    device (`Session(device=...)`, docs/devices.md); values do not depend on placement."""
    yield
