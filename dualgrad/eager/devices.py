"""Devices of eager tensors: 'cpu' holds numpy arrays, 'jax' holds jax arrays on jax's default
device, 'cuda' (alias 'gpu') holds jax arrays on the first GPU jax sees."""
from __future__ import annotations

from ..backend import host_snapshot, is_jax_array, jax_numpy, to_numpy, x64
from ..errors import DeviceError, user_frame, user_line
from .lazy_program import LazyValue


class Device:
    """`device(type='cpu')`, comparable with strings: `t.device == 'cpu'`."""

    __slots__ = ("type", "index")

    def __init__(self, spec="cpu", index: int | None = None):
        if isinstance(spec, Device):
            spec, index = spec.type, spec.index
        kind, _, number = str(spec).partition(":")
        kind = {"gpu": "cuda"}.get(kind, kind)
        if kind not in ("cpu", "cuda", "jax"):
            raise DeviceError(f"Expected one of cpu, cuda, gpu, jax device type at start of device "
                              f"string: {spec} {user_line()}")
        self.type = kind
        self.index = int(number) if number else index

    def __eq__(self, other) -> bool:
        try:
            other = Device(other)
        except (DeviceError, TypeError):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


_default = Device("cpu")


def set_default_device(device) -> None:
    """Sets the device new tensors are made on (torch.set_default_device)."""
    global _default
    _default = Device(device)


def get_default_device() -> Device:
    """The device new tensors are made on (torch.get_default_device)."""
    return _default


def device_of(data) -> Device:
    """The device a tensor holding `data` reports: 'cuda:N' for a GPU (as PyTorch prints it),
    'jax' for a jax array elsewhere, 'cpu' for numpy."""
    if not is_jax_array(data) and type(data) is not LazyValue:  # (eager/lazy.py)
        return Device("cpu")
    return _reported(next(iter(data.devices())))


def _reported(jax_dev) -> Device:
    return Device("cuda", jax_dev.id) if jax_dev.platform == "gpu" else Device("jax")


def resolve(device) -> Device:
    """The device that tensors made with `device=` report: 'jax' means jax's default device,
    which is 'cuda:0' on a machine where jax sees a GPU."""
    device = Device(device)
    if device.type == "cpu":
        return device
    return _reported(jax_device(device))


def jax_device(device: Device):
    """The jax device a dualgrad device name maps to."""
    import jax

    if device.type == "jax":
        return jax.devices()[0]
    gpus = [d for d in jax.devices() if d.platform == "gpu"] if gpu_available() else []
    if not gpus:
        raise DeviceError(f"device '{device}': Found no NVIDIA driver on your system: no GPU is "
                          f"visible to jax (use device='jax' for jax arrays on the CPU; at {user_frame()})")
    return gpus[device.index or 0]


def gpu_available() -> bool:
    """Whether a jax GPU device exists (as torch.cuda.is_available)."""
    try:
        import jax

        return any(d.platform == "gpu" for d in jax.devices())
    except RuntimeError:
        return False


def place(array, device, owned: bool = False) -> object:
    """`array` on `device` (numpy for 'cpu', a jax array otherwise). A numpy array is copied
    first unless `owned` (made for this tensor, referenced nowhere else): jax would read it
    after this returns (`backend.host_snapshot`), and `cpu_t.to('cuda'); cpu_t.add_(1)` must
    not change the moved tensor, as in PyTorch."""
    device = Device(device) if device is not None else _default
    if device.type == "cpu":
        host = to_numpy(array)  # waits for a jax array: a failed one raises OutOfMemoryError
        # numpy's view of a jax buffer is read-only; a tensor moved to the cpu is written in place
        # (optimizer steps, BatchNorm's running stats) like any other
        return host.copy() if is_jax_array(array) and not host.flags.writeable else host
    jnp = jax_numpy()
    import jax

    if not owned:
        array = host_snapshot(array)
    with x64():
        return jax.device_put(jnp.asarray(array), jax_device(device))
