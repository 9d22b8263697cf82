"""`dualgrad.nn`: PyTorch's `torch.nn` — Module, Parameter, layers, activations, losses,
`functional`, `init` and `utils` — over the eager engine and the op registry."""
from __future__ import annotations

from . import functional, init, utils
from .activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    Mish,
    ReLU6,
    SiLU,
    Softsign,
    Tanhshrink,
)
from .activation_more import (
    Bilinear,
    ChannelShuffle,
    Hardshrink,
    LocalResponseNorm,
    RReLU,
    Softmax2d,
    Softshrink,
)
from .adaptive_pool import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
)
from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss
from .attention_layers import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .attention_module import MultiheadAttention
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .buffer import Buffer
from .channel_dropout import AlphaDropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from .containers import ModuleDict, ModuleList, Sequential
from .conv_layers import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .cross_map_lrn import CrossMapLRN2d, NLLLoss2d
from .ctc_module import CTCLoss
from .distance import CosineSimilarity, PairwiseDistance
from .embedding_bag import EmbeddingBag
from .fold import Fold, Unfold
from .fractional_pool import FractionalMaxPool2d, FractionalMaxPool3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .layers import Dropout, Flatten, Identity, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
    LazyLinear,
    LazyModuleMixin,
)
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .loss_modules import (
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    MarginRankingLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    Softmin,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .loss_more_modules import (
    HingeEmbeddingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    SoftMarginLoss,
)
from .lp_pool import LPPool1d, LPPool2d, LPPool3d
from .module import Module, StateDictError
from .normalization import GroupNorm, LayerNorm, RMSNorm
from .padding_layers import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from .param_containers import ParameterDict, ParameterList
from .parameter import Parameter
from .pooling import (
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)
from .recurrent import GRU, LSTM, RNN, RNNBase
from .recurrent_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from .reshaping import PixelShuffle, PixelUnshuffle, Unflatten
from .sparse import Embedding
from .threshold_prelu import PReLU, Threshold
from .unpool import MaxUnpool1d, MaxUnpool2d, MaxUnpool3d
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = [
    "ParameterDict", "ParameterList",
    "MultiheadAttention",
    "Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
    "TransformerEncoderLayer",
    "Bilinear", "ChannelShuffle", "Hardshrink", "LocalResponseNorm", "RReLU", "Softmax2d", "Softshrink",
    "HingeEmbeddingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
    "SoftMarginLoss", "CTCLoss",
    "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyLinear", "LazyModuleMixin",
    "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
    "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
    "CosineSimilarity", "PairwiseDistance",
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity", "L1Loss",
    "AlphaDropout", "Buffer", "FeatureAlphaDropout",
    "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleDict", "ModuleList", "NLLLoss", "Parameter", "ReLU",
    "Sequential", "Sigmoid", "Softmax", "Softplus", "StateDictError", "Tanh", "functional", "init", "utils",
    "CELU", "ELU", "GELU", "GLU", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid", "Mish",
    "ReLU6", "SELU", "SiLU", "Softsign", "Tanhshrink",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Embedding", "GroupNorm", "LayerNorm", "RMSNorm",
    "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "EmbeddingBag",
    "AdaptiveAvgPool2d", "AvgPool2d", "Conv2d", "MaxPool2d",
    "Conv1d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "MaxPool1d", "MaxPool3d",
    "AvgPool1d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "Fold", "Unfold", "LPPool1d", "LPPool2d", "LPPool3d",
    "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
    "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase",
    "CosineEmbeddingLoss", "GaussianNLLLoss", "HuberLoss", "KLDivLoss", "MarginRankingLoss", "PoissonNLLLoss",
    "SmoothL1Loss", "Softmin", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
    "AdaptiveMaxPool3d", "Dropout1d", "Dropout2d", "Dropout3d", "PReLU", "Threshold", "Unflatten",
    "PixelShuffle", "PixelUnshuffle", "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d",
    "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
    "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
    "Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d",
    "AdaptiveLogSoftmaxWithLoss", "FractionalMaxPool2d", "FractionalMaxPool3d", "CrossMapLRN2d", "NLLLoss2d",
]
