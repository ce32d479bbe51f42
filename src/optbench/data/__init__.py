"""Datasets: official file formats, discovery on disk, verified downloads and fixed splits.

>>> from optbench import data
>>> data.locate("fashion_mnist")                 # doctest: +SKIP
>>> data.check_dataset("fashion_mnist")          # doctest: +SKIP  (optbench data where ...)
>>> data.load_images("fashion_mnist").train_images.shape  # doctest: +SKIP
(60000, 28, 28)
>>> data.fetch("fashion_mnist")                  # doctest: +SKIP  (optbench data fetch ...)
"""

from optbench.data.checks import check_dataset, register_check
from optbench.data.cifar import load_cifar, read_cifar_file, write_cifar
from optbench.data.corpus import TokenCorpus, Tokenization, load_token_corpus
from optbench.data.discovery import DataNotFoundError, cache_root, candidates, locate
from optbench.data.download import STALL_TIMEOUT, DownloadError, fetch, sha256_of, verify
from optbench.data.formats import (
    DataFormatError,
    read_idx,
    read_text,
    register_reader,
    write_idx,
)
from optbench.data.imagefolder import ImageList, scan_image_folder
from optbench.data.loaders import LabelledImages, load_images, load_text, strip_gutenberg
from optbench.data.sources import (
    SOURCES,
    DatasetSource,
    RemoteFile,
    get_source,
    register_source,
)
from optbench.data.splits import holdout, split_stream


def available() -> list[str]:
    """The names of the registered datasets."""
    return sorted(SOURCES)


__all__ = [
    "SOURCES",
    "STALL_TIMEOUT",
    "TokenCorpus",
    "Tokenization",
    "DataFormatError",
    "DataNotFoundError",
    "DatasetSource",
    "DownloadError",
    "ImageList",
    "LabelledImages",
    "RemoteFile",
    "available",
    "cache_root",
    "candidates",
    "check_dataset",
    "fetch",
    "get_source",
    "holdout",
    "load_cifar",
    "load_images",
    "load_text",
    "load_token_corpus",
    "locate",
    "read_cifar_file",
    "read_idx",
    "read_text",
    "register_check",
    "register_reader",
    "register_source",
    "scan_image_folder",
    "sha256_of",
    "split_stream",
    "strip_gutenberg",
    "verify",
    "write_cifar",
    "write_idx",
]
