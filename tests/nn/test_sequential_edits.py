"""nn.Sequential edited as a list: after `del s[i]` the old keys were kept ('1', '2'), so a
later `append` took the key '2' of the last module and replaced it silently (a layer vanished
from the model). PyTorch renumbers after a delete. Oracle: a Python list given the same edits
(PyTorch documents Sequential's append/insert/extend/pop/del as the list operations)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualgrad import nn

_edit = st.one_of(
    st.tuples(st.just("append")), st.tuples(st.just("extend"), st.integers(0, 2)),
    st.tuples(st.just("del"), st.integers(-6, 6)),
    st.tuples(st.just("del_slice"), st.integers(-6, 6), st.integers(-6, 6)),
    st.tuples(st.just("insert"), st.integers(-6, 6)), st.tuples(st.just("pop"), st.integers(-6, 6)))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 4), st.lists(_edit, max_size=8))
def test_sequential_edits_behave_as_list_edits(start, edits):
    made = [nn.Identity() for _ in range(start)]
    model, reference = nn.Sequential(*made), list(made)
    for kind, *args in edits:
        n = len(reference)
        if kind == "append":
            module = nn.Identity()
            model.append(module)
            reference.append(module)
        elif kind == "extend":
            modules = [nn.Identity() for _ in range(args[0])]
            model.extend(modules)
            reference.extend(modules)
        elif kind == "del_slice":
            del model[args[0]:args[1]]
            del reference[args[0]:args[1]]
        elif not -n <= args[0] < n + (kind == "insert"):  # out of range: list and PyTorch raise
            with pytest.raises(IndexError):
                if kind == "del":
                    del model[args[0]]
                else:
                    getattr(model, kind)(*args, *([nn.Identity()] if kind == "insert" else []))
        elif kind == "del":
            del model[args[0]]
            del reference[args[0]]
        elif kind == "insert":
            module = nn.Identity()
            model.insert(args[0], module)
            reference.insert(args[0], module)
        else:
            assert model.pop(args[0]) is reference.pop(args[0])
        assert [id(m) for m in model] == [id(m) for m in reference]
        assert list(model._modules) == [str(i) for i in range(len(reference))]


def test_appending_after_a_delete_keeps_every_layer():
    model = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 3), nn.Linear(3, 4))
    del model[0]
    model.append(nn.Linear(4, 5))
    assert [m.out_features for m in model] == [3, 4, 5]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]
