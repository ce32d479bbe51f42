"""Small learnable datasets written in the official file formats, for tests and for checking
a new workload (``optbench.workloads.conformance``) without the real data.

The images are noisy copies of one random prototype per class, so a model can learn them in
a few steps; the text is sentences drawn from a tiny grammar.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from optbench.data.formats import write_idx

IDX_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def labelled_images(
    n: int, shape: tuple[int, int] = (28, 28), classes: int = 10, seed: int = 0, noise: float = 60
) -> tuple[np.ndarray, np.ndarray]:
    """``(images uint8 (n, *shape), labels uint8 (n,))``; prototypes depend only on ``classes``
    and ``shape``, so train and test sets drawn with different seeds share them."""
    prototypes = np.random.default_rng(12345).uniform(0, 255, size=(classes, *shape))
    rng = np.random.default_rng(seed)
    labels = rng.integers(classes, size=n).astype(np.uint8)
    images = prototypes[labels] + rng.normal(0, noise, size=(n, *shape))
    return np.clip(images, 0, 255).astype(np.uint8), labels


def write_idx_dataset(
    directory: Path | str,
    n_train: int = 6000,
    n_test: int = 1000,
    shape: tuple[int, int] = (28, 28),
    classes: int = 10,
    compress: bool = True,
) -> Path:
    """Write the four MNIST-layout IDX files into ``directory``; the directory."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    train = labelled_images(n_train, shape, classes, seed=1)
    test = labelled_images(n_test, shape, classes, seed=2)
    for name, array in zip(IDX_NAMES, (*train, *test), strict=True):
        write_idx(directory / f"{name}{suffix}", array)
    return directory


_SUBJECTS = ["the old count", "natasha", "pierre", "the prince", "a soldier", "the emperor"]
_VERBS = ["said", "looked at", "rode towards", "thought of", "smiled at", "remembered"]
_OBJECTS = ["the army", "moscow", "her brother", "the window", "the letter", "the battle"]


def sentences(characters: int, seed: int = 0) -> str:
    """At least ``characters`` characters of sentences from a tiny grammar."""
    rng = np.random.default_rng(seed)
    parts: list[str] = []
    total = 0
    while total < characters:
        words = [rng.choice(_SUBJECTS), rng.choice(_VERBS), rng.choice(_OBJECTS)]
        sentence = " ".join(words).capitalize() + rng.choice([". ", ", and ", "! ", ".\n"])
        parts.append(sentence)
        total += len(sentence)
    return "".join(parts)


def write_text(path: Path | str, characters: int = 20_000, seed: int = 0) -> Path:
    """Write :func:`sentences` as a UTF-8 file at ``path``; the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sentences(characters, seed), encoding="utf-8")
    return path
