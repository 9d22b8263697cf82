"""Where a jax `Session` runs its programs: one device, or a mesh for data parallelism.

With a mesh, fed arrays are split along their first (batch) dimension over one mesh axis and
variables are replicated; `jax.jit` then compiles the program with XLA's SPMD partitioner,
which inserts the cross-device reductions of the gradients. No distribution code of our own:
placement is only `jax.device_put` with a sharding, and the program follows its data.
"""
from __future__ import annotations

from collections.abc import Callable


class Placement:
    """`Session(device=...)` or `Session(mesh=..., batch_axis=...)`."""

    def __init__(self, device=None, mesh=None, batch_axis: str | None = None):
        import jax

        if mesh is not None:
            from jax.sharding import NamedSharding, PartitionSpec

            self.axis = batch_axis or mesh.axis_names[0]
            if self.axis not in mesh.axis_names:
                raise ValueError(f"batch_axis {self.axis!r} is not an axis of the mesh {mesh.axis_names}")
            self.ways = mesh.shape[self.axis]
            self.whole = NamedSharding(mesh, PartitionSpec())
            self.split = NamedSharding(mesh, PartitionSpec(self.axis))
            self.description = f"mesh {dict(mesh.shape)}, batch split over {self.axis!r}"
        else:
            from ..eager.devices import Device, jax_device

            target = device if isinstance(device, jax.Device) else jax_device(Device(device))
            self.whole = self.split = jax.sharding.SingleDeviceSharding(target)
            self.ways = 1
            self.description = f"device {target}"
        self._put = jax.device_put

    def state(self, value):
        """A variable's value: on the device, or replicated over the mesh."""
        return self._put(value, self.whole)

    def feed(self, value):
        """A fed array: split along its batch dimension when it divides evenly."""
        shape = getattr(value, "shape", ())
        if self.ways > 1 and shape and shape[0] % self.ways == 0:
            return self._put(value, self.split)
        return self._put(value, self.whole)

    def wrap(self, fn: Callable, n_state: int) -> Callable:
        """`fn(*state, *feeds, *draws)` with every argument placed first."""
        state, feed = self.state, self.feed

        def placed(*args):
            return fn(*[state(a) if i < n_state else feed(a) for i, a in enumerate(args)])

        return placed
