"""`dualgrad.utils.data`: datasets, samplers and the DataLoader, as in `torch.utils.data`."""
from __future__ import annotations

from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import Dataset, Subset, TensorDataset, random_split
from .more import ChainDataset, ConcatDataset, IterableDataset, SubsetRandomSampler, WeightedRandomSampler
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["BatchSampler", "DataLoader", "Dataset", "RandomSampler", "Sampler", "SequentialSampler", "Subset",
           "TensorDataset", "default_collate", "default_convert", "random_split",
           "ChainDataset", "ConcatDataset", "IterableDataset", "SubsetRandomSampler", "WeightedRandomSampler"]
