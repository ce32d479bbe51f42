"""Fixed splits: decided by the workload, never by a trial's seed.

- Images: the official test set is the test set; the first ``validation`` examples of the
  official training set are held out as the validation set (as TensorFlow's classic
  ``input_data.read_data_sets`` did: Fashion-MNIST 55k train / 5k validation / 10k test), or
  the last ones (CIFAR: the second half of ``data_batch_5``, 45k / 5k / 10k).
- Text: one contiguous stream cut in three: the first part trains, the next validates, the
  last tests (fractions are the workload's).
"""

from __future__ import annotations

import numpy as np

from optbench.errors import InvalidParameterError


def holdout(images: np.ndarray, labels: np.ndarray, validation: int, last: bool = False) -> tuple:
    """``(train_images, train_labels, val_images, val_labels)`` with the first ``validation``
    examples held out (the last ones when ``last``)."""
    if not 0 < validation < len(labels):
        raise InvalidParameterError(
            "validation", validation, f"a number of examples in (0, {len(labels)})"
        )
    if last:
        cut = len(labels) - validation
        return images[:cut], labels[:cut], images[cut:], labels[cut:]
    return images[validation:], labels[validation:], images[:validation], labels[:validation]


def split_stream(stream: np.ndarray, validation: float, test: float) -> tuple:
    """``(train, validation, test)`` contiguous pieces of ``stream`` with the given fractions."""
    for name, value in (("validation", validation), ("test", test)):
        if not 0 < value < 0.5:
            raise InvalidParameterError(name, value, "a fraction in (0, 0.5)")
    n = len(stream)
    train_end = int(round(n * (1 - validation - test)))
    val_end = int(round(n * (1 - test)))
    return stream[:train_end], stream[train_end:val_end], stream[val_end:]
