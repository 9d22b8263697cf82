"""Which of PyTorch's commonly used Tensor methods and torch functions dualgrad has: the ones
issue 14 named, plus the methods PyTorch users reach for most (chosen from PyTorch's Tensor
docs). Everything listed exists except STILL_MISSING, and docs/eager.md's "Still missing"
paragraph names each of those, so the page stays honest when a name is added."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import dualgrad as dg

pytestmark = pytest.mark.cpu_only  # about names, not devices

TENSOR_METHODS = """
abs abs_ add add_ addcmul addmm all allclose amax amin any argmax argmin argsort backward bmm
bool ceil chunk clamp clamp_ clamp_max clamp_min clip clone contiguous copy_ cos cpu cuda
cumprod cumsum det detach detach_ diag diagonal diff dim div div_ double eq equal exp exp_
expand expand_as expm1 fill_ flatten flip float floor floor_divide fmod gather ge gt
index_select int inverse isclose isfinite isinf isnan item le lerp log log1p log_ log_softmax
logdet logsumexp long lt masked_fill masked_fill_ masked_select matmul max maximum mean median
min minimum mm mul mul_ narrow ne neg new_full new_ones new_tensor new_zeros nonzero norm
normal_ numel numpy outer permute pow prod reciprocal relu remainder repeat repeat_interleave
requires_grad_ reshape reshape_as roll round rsqrt scatter scatter_ scatter_add scatter_add_
scatter_reduce sigmoid sign sin size slogdet softmax sort split sqrt sqrt_ square squeeze std
sub sub_ sum t tanh to tolist topk trace transpose tril triu type type_as unbind unique
uniform_ unsqueeze var view view_as where zero_
movedim moveaxis select nansum nanmean count_nonzero kthvalue cummax cummin
swapdims swapaxes adjoint unflatten tensor_split hsplit vsplit dsplit split_with_sizes ravel
narrow_copy fliplr flipud take tile diagflat sum_to_size
stride storage_offset as_strided select_scatter slice_scatter diagonal_scatter cholesky_solve
cholesky_inverse
geqrf orgqr ormqr
""".split()

TORCH_FUNCTIONS = """
abs add addcmul addmm allclose arange argmax argmin argsort atan2 bmm cat cdist ceil chunk
clamp clone cross cumprod cumsum det diag diagonal diff einsum empty enable_grad eq equal exp
eye flatten flip floor from_numpy full full_like gather inverse isclose isnan kron lerp
linspace load log logdet logsumexp manual_seed matmul max maximum mean meshgrid min minimum
mm multinomial narrow no_grad nonzero norm ones ones_like outer permute rand rand_like randint
randn randn_like randperm relu repeat_interleave reshape roll round rsqrt save scatter
scatter_add scatter_reduce set_grad_enabled sigmoid slogdet softmax sort split sqrt squeeze
stack std sum tanh tensor tensordot topk trace transpose tril triu unbind unique unsqueeze var
where zeros zeros_like
movedim moveaxis select nansum nanmean count_nonzero median kthvalue cummax cummin
swapdims swapaxes adjoint unflatten tensor_split hsplit vsplit dsplit split_with_sizes ravel
narrow_copy fliplr flipud take tile diagflat vstack hstack dstack column_stack row_stack
atleast_1d atleast_2d atleast_3d broadcast_tensors broadcast_shapes
asarray frombuffer as_strided combinations cumulative_trapezoid hann_window hamming_window
blackman_window bartlett_window kaiser_window select_scatter slice_scatter diagonal_scatter
cholesky_solve cholesky_inverse vmap
geqrf orgqr ormqr lu_unpack svd_lowrank pca_lowrank empty_strided
""".split()

LINALG = ("norm vector_norm matrix_norm inv det slogdet solve "
          "svd eig eigh qr cholesky pinv matrix_rank lstsq "
          "lu_factor householder_product vander diagonal").split()

STILL_MISSING = {
    "tensor": set(),
    "dg": set(),
    "linalg": {"eig"},
}
WHERE = {"tensor": (dg.Tensor, TENSOR_METHODS), "dg": (dg, TORCH_FUNCTIONS), "linalg": (dg.linalg, LINALG)}


@pytest.mark.parametrize("kind", sorted(WHERE))
def test_every_listed_name_exists_except_the_documented_missing_ones(kind):
    owner, names = WHERE[kind]
    missing = {n for n in names if not callable(getattr(owner, n, None))}
    assert missing == STILL_MISSING[kind]


def test_docs_list_every_missing_name():
    text = (Path(__file__).resolve().parents[2] / "docs" / "eager.md").read_text()
    paragraph = text[text.index("**Still missing**"):]
    paragraph = re.split(r"\n\s*\n", paragraph)[0]
    listed = set(re.findall(r"`([a-z_0-9]+)`", paragraph))
    assert set().union(*STILL_MISSING.values()) - listed == set()
