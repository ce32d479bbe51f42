"""Small learnable datasets written in the official file formats, for tests and for checking
a new workload (``optbench.workloads.conformance``) without the real data: IDX (MNIST),
CIFAR's python pickles (archive or folder), ImageNet's class-per-folder JPEGs, LM1B's shard
layout and plain text.

The images are noisy copies of one random prototype per class, so a model can learn them in
a few steps; the text is sentences drawn from a tiny grammar.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from optbench.data.cifar import LAYOUTS, write_cifar
from optbench.data.formats import write_idx
from optbench.data.sources import LM1B_FOLDER, LM1B_HELDOUT, LM1B_TRAIN

IDX_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def labelled_images(
    n: int, shape: tuple[int, ...] = (28, 28), classes: int = 10, seed: int = 0, noise: float = 60
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


def write_cifar_dataset(
    path: Path | str,
    name: str = "cifar10",
    n_train: int = 600,
    n_test: int = 200,
    classes: int | None = None,
) -> Path:
    """Learnable 32×32 colour images in CIFAR ``name``'s official layout at ``path`` (a
    ``.tar.gz`` archive when the name ends so, else the unpacked folder), labelled with the
    first ``classes`` classes (default: all); the path."""
    classes = classes or LAYOUTS[name].classes
    train = labelled_images(n_train, (3, 32, 32), classes, seed=1)
    test = labelled_images(n_test, (3, 32, 32), classes, seed=2)
    return write_cifar(path, name, train, test)


def write_image_folder(
    root: Path | str,
    classes: int = 3,
    per_class: int = 6,
    val_per_class: int = 2,
    size: tuple[int, int] = (40, 30),
) -> Path:
    """Real JPEG files (written with Pillow) in ImageNet's layout, ``root/train/<wnid>/*.JPEG``
    and ``root/val/<wnid>/*.JPEG``, ``size`` = (width, height); the root. Each class is a
    noisy field of its own colour, which survives any crop."""
    from PIL import Image

    root = Path(root)
    colours = np.random.default_rng(12345).uniform(0, 255, size=(classes, 1, 1, 3))
    for split, count, seed in (("train", per_class, 1), ("val", val_per_class, 2)):
        labels = np.arange(count * classes) % classes
        noise = np.random.default_rng(seed).normal(0, 30, size=(len(labels), size[1], size[0], 3))
        images = np.clip(colours[labels] + noise, 0, 255).astype(np.uint8)
        for index, (pixels, label) in enumerate(zip(images, labels, strict=True)):
            folder = root / split / f"n{label:08d}"
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(folder / f"image_{index:05d}.JPEG", quality=90)
    return root


def write_lm1b(root: Path | str, train_shards: int = 2, sentences: int = 400) -> Path:
    """LM1B's unpacked layout with ``train_shards`` training shards and heldout shards 0 and 1,
    each ``sentences`` space-tokenised lines from the tiny grammar; the folder."""
    folder = Path(root) / LM1B_FOLDER
    names = [LM1B_TRAIN.format(i + 1) for i in range(train_shards)]
    names += [LM1B_HELDOUT.format(0), LM1B_HELDOUT.format(1)]
    for seed, name in enumerate(names):
        text = sentences_text(sentences, seed)
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def sentences_text(count: int, seed: int = 0) -> str:
    """``count`` lines, each one space-tokenised sentence of the tiny grammar, as LM1B."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(count):
        words = [rng.choice(_SUBJECTS), rng.choice(_VERBS), rng.choice(_OBJECTS)]
        lines.append(" ".join(words).capitalize() + " " + str(rng.choice([".", "!", "?"])))
    return "\n".join(lines) + "\n"
