"""`nn.utils.parametrize`: PyTorch's parametrizations. `register_parametrization(module,
'weight', p)` moves the tensor to `module.parametrizations.weight.original` (or `original0`,
`original1`, ... when `p.right_inverse` returns several tensors) and makes `module.weight` a
property computing `p(original)` on every read, so gradients reach the originals through p's
own (registry-op) forward. As in PyTorch the module's class is swapped for a subclass named
`Parametrized<Class>` that holds the property, assigning a tensor to `module.weight` goes
through `right_inverse`, and `state_dict` keys are `parametrizations.weight.original...`."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from ...eager.grad_mode import no_grad
from ...eager.tensor import Tensor
from ...errors import DualgradRuntimeError, DualgradValueError, user_line
from ..containers import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter, is_parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "transfer_parametrizations_and_params", "type_before_parametrizations"]

_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextmanager
def cached() -> Iterator[None]:
    """Within it each parametrized tensor is computed once and reused (parametrize.cached), for
    a weight read several times in one forward; the values are dropped on leaving."""
    global _cache_enabled, _cache
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _named_tensor(module: Module, name: str) -> Tensor:
    """module.<name>, refused with PyTorch's text unless it is a tensor (parametrizations' check)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise DualgradValueError(f"Module '{module}' has no parameter or buffer with name '{name}' "
                                 f"{user_line()}")
    return weight


def _register_parameter_or_buffer(module: Module, name: str, x: Tensor) -> None:
    if is_parameter(x):
        module.register_parameter(name, x)
    else:
        module.register_buffer(name, x)


def _set(dest: Tensor, src: Tensor) -> None:
    """dest takes src's values (and shape) keeping its identity, as PyTorch's `set_`: an
    optimizer holding dest keeps working."""
    dest.data = src.detach()


def _change_error(what: str, before, after, label: str = "unparametrized ",
                  after_label: str = "parametrized ", flag: str = "`unsafe` flag") -> DualgradValueError:
    """PyTorch's text for a parametrization that changed the tensor's dtype or shape."""
    return DualgradValueError(f"Registering a parametrization may not change the {what} of the tensor, "
                              f"unless {flag} is enabled.\n{label}{what}: {before}\n{after_label}{what}: "
                              f"{after} {user_line()}")


class ParametrizationList(ModuleList):
    """`module.parametrizations[name]`: the parametrizations of one tensor, in order, holding
    its original(s) (parametrize.ParametrizationList; made by register_parametrization)."""

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise DualgradValueError(f"ParametrizationList requires one or more modules. {user_line()}")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original.shape, original.dtype
        with no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, Sequence)):
            raise DualgradValueError("'right_inverse' must return a Tensor or a Sequence of tensors (list, "
                                     f"tuple...). Got {type(new).__name__} {user_line()}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise DualgradValueError("When `right_inverse` outputs one tensor, it may not change the "
                                         f"dtype.\noriginal.dtype: {original.dtype}\n"
                                         f"right_inverse(original).dtype: {new.dtype} {user_line()}")
            with no_grad():
                _set(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, part in enumerate(new):
                if not isinstance(part, Tensor):
                    raise DualgradValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                                             f"(list, tuple...). Got element {i} of the sequence with type "
                                             f"{type(part).__name__}. {user_line()}")
                if is_parameter(original):
                    part = Parameter(part, original.requires_grad)
                part.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", part)
        if not self.unsafe:
            z = self()
            if not isinstance(z, Tensor):
                raise DualgradValueError(f"A parametrization must return a tensor. Got {type(z).__name__}. "
                                         f"{user_line()}")
            if z.dtype != original_dtype:
                raise _change_error("dtype", original_dtype, z.dtype)
            if z.shape != original_shape:
                raise _change_error("shape", original_shape, z.shape)

    def _originals(self) -> list[Tensor]:
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def right_inverse(self, value: Tensor) -> None:
        """Stores right_inverse(value), through every parametrization backwards, as the original(s)."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise DualgradRuntimeError(f"parametrization {type(module).__name__} does not implement "
                                               f"right_inverse. {user_line()}")
                value = module.right_inverse(value)
            if self.is_tensor:
                value = [value]
                if not isinstance(value[0], Tensor):
                    raise DualgradValueError(f"`right_inverse` should return a tensor. Got "
                                             f"{type(value[0]).__name__} {user_line()}")
            elif not isinstance(value, Sequence):
                raise DualgradValueError(f"'right_inverse' must return a sequence of tensors. Got "
                                         f"{type(value).__name__}. {user_line()}")
            elif len(value) != self.ntensors:
                raise DualgradValueError(f"'right_inverse' must return a sequence of tensors of length "
                                         f"{self.ntensors}. Got a sequence of length {len(value)}. "
                                         f"{user_line()}")
            originals = self._originals()
            for i, (tensor, original) in enumerate(zip(value, originals, strict=True)):
                name = "`original`" if self.is_tensor else f"`original{i}`"
                if not isinstance(tensor, Tensor) or tensor.dtype != original.dtype:
                    got = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
                    raise DualgradValueError(f"The tensor returned by `right_inverse` has dtype {got} while "
                                             f"{name} has dtype {original.dtype} {user_line()}")
            for tensor, original in zip(value, originals, strict=True):
                _set(original, tensor)

    def forward(self) -> Tensor:
        """The parametrized tensor: the first parametrization of the original(s), then the rest."""
        modules = list(self)
        x = modules[0](*self._originals())
        for module in modules[1:]:
            x = module(x)
        return x


def _inject_new_class(module: Module) -> None:
    cls = module.__class__
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {})


def _inject_property(module: Module, tensor_name: str) -> None:
    def get_parametrized(self) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), tensor_name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def set_original(self, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def _check_appended(module: Module, tensor_name: str, parametrization: Module) -> None:
    """A parametrization added on top of others keeps the tensor's shape and dtype."""
    y = getattr(module, tensor_name)
    x = parametrization(y)
    if not isinstance(x, Tensor):
        raise DualgradValueError(f"A parametrization must return a tensor. Got {type(x).__name__}. "
                                 f"{user_line()}")
    labels = dict(label=f"module.{tensor_name}.", after_label=f"parametrization(module.{tensor_name}).",
                  flag="the `unsafe` flag")
    if x.dtype != y.dtype:
        raise _change_error("dtype", y.dtype, x.dtype, **labels)
    if x.shape != y.shape:
        raise _change_error("shape", y.shape, x.shape, **labels)
    if hasattr(parametrization, "right_inverse"):
        try:
            z = parametrization.right_inverse(x)
        except NotImplementedError:
            return
        if not isinstance(z, Tensor):
            raise DualgradValueError(f"parametrization.right_inverse must return a tensor. Got: "
                                     f"{type(z).__name__} {user_line()}")
        for what, got, want in (("dtype", z.dtype, y.dtype), ("shape", z.shape, y.shape)):
            if got != want:
                raise DualgradValueError(
                    f"The tensor returned by parametrization.right_inverse must have the same {what} as "
                    f"module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                    f"module.{tensor_name}.{what}: {want}\nreturned {what}: {got} {user_line()}")


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Makes `module.<tensor_name>` read as `parametrization(original)`, the original kept in
    `module.parametrizations` (parametrize.register_parametrization)."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            _check_appended(module, tensor_name, parametrization)
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise DualgradValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized "
                                 f"element with name '{tensor_name}' {user_line()}")
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether `tensor_name` (or, for None, any tensor) of module has a parametrization."""
    parametrizations = getattr(module, "parametrizations", None)
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Takes the parametrizations off `tensor_name`: it becomes a plain parameter (or buffer)
    holding the parametrized value, or with `leave_parametrized=False` the original."""
    if not is_parametrized(module, tensor_name):
        raise DualgradValueError(f"Module {module} does not have a parametrization on {tensor_name} "
                                 f"{user_line()}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                _set(original, getattr(module, tensor_name))
    elif leave_parametrized:
        t = getattr(module, tensor_name)
        original = Parameter(t) if t.requires_grad else t
    else:
        raise DualgradValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                                 f"parametrized in terms of a sequence of tensors. {user_line()}")
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before `register_parametrization` swapped it."""
    return module.__class__.__bases__[0] if is_parametrized(module) else type(module)


def transfer_parametrizations_and_params(from_module: Module, to_module: Module,
                                         tensor_name: str | None = None) -> Module:
    """Registers from_module's parametrizations (all, or `tensor_name`'s) on to_module and
    makes its originals the same tensors."""
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name).detach()))
        source = from_module.parametrizations[name]
        for param_func in source:
            register_parametrization(to_module, name, param_func)
        target = to_module.parametrizations[name]
        for i, original in enumerate(source._originals()):
            key = "original" if source.is_tensor else f"original{i}"
            _register_parameter_or_buffer(target, key, original)
    return to_module
