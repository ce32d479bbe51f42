"""Where each dataset comes from: official URLs, pinned checksums, and known places on disk.

Checksums. ``sha256`` is the SHA-256 of the file exactly as the official source serves it.
``content_sha256`` is that of its decompressed content, for ``.gz`` files: a mirror or a
distribution may recompress a file (Debian's ``dataset-fashion-mnist`` does: same content,
other gzip header, other file hash), and such a copy is accepted when its content matches.

War and Peace is the one unpinned file: Project Gutenberg regenerates its ebooks' headers now
and then, so no file hash stays valid and none could be checked here. It is checked by
content instead (its title and a minimum size) and the hash that was received is printed.

Archives. A ``.tar.gz`` may be used as downloaded or unpacked: ``extracted`` names the folder
it unpacks to and ``members`` the files that folder must hold; discovery accepts either.
ImageNet has no URL (its licence needs a sign-in): ``manual`` says where to put it instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from optbench.errors import InvalidParameterError, unknown_name


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: its name on disk, its official URL and how to verify it."""

    name: str
    url: str | None  # None: not downloadable, the user puts it in place
    sha256: str | None
    content_sha256: str | None = None
    size: int | None = None
    must_contain: str | None = None  # for unpinned text: a phrase the real file holds
    min_size: int = 0
    extracted: str | None = None  # the folder this file unpacks to, accepted instead of it
    members: tuple[str, ...] = ()  # files that folder must hold (paths inside it)

    @property
    def raw_name(self) -> str:
        """The name of the decompressed file, which discovery also accepts."""
        return self.name[:-3] if self.name.endswith(".gz") else self.name


@dataclass(frozen=True)
class DatasetSource:
    """A dataset as a set of files, with its provenance and the places it is looked for."""

    name: str
    title: str
    files: tuple[RemoteFile, ...]
    format: str  # a reader of optbench.data.formats.READERS
    homepage: str
    licence: str
    system_dirs: tuple[str, ...] = ()
    system_install: str | None = None  # a command that installs it system-wide
    manual: str | None = None  # for data that cannot be downloaded: how to put it in place
    classes: int | None = None  # labelled images: labels must lie in [0, classes)
    image_shape: tuple[int, ...] | None = None  # labelled images: the shape of each image

    def file(self, name: str) -> RemoteFile:
        """The file called ``name`` (its compressed or raw name)."""
        for remote in self.files:
            if name in (remote.name, remote.raw_name):
                return remote
        raise unknown_name("file", name, [remote.name for remote in self.files])


_FMNIST_URL = "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"
_MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"

FASHION_MNIST = DatasetSource(
    name="fashion_mnist",
    title="Fashion-MNIST",
    format="idx",
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    licence="MIT",
    files=(
        RemoteFile(
            "train-images-idx3-ubyte.gz",
            _FMNIST_URL + "train-images-idx3-ubyte.gz",
            sha256="3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            content_sha256="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            size=26421880,
        ),
        RemoteFile(
            "train-labels-idx1-ubyte.gz",
            _FMNIST_URL + "train-labels-idx1-ubyte.gz",
            sha256="a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            content_sha256="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            size=29515,
        ),
        RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            _FMNIST_URL + "t10k-images-idx3-ubyte.gz",
            sha256="346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            content_sha256="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            size=4422102,
        ),
        RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            _FMNIST_URL + "t10k-labels-idx1-ubyte.gz",
            sha256="67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            content_sha256="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            size=5148,
        ),
    ),
    classes=10,
    image_shape=(28, 28),
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    system_install="apt-get install dataset-fashion-mnist",
)

MNIST = DatasetSource(
    name="mnist",
    title="MNIST",
    format="idx",
    homepage="http://yann.lecun.com/exdb/mnist/",
    licence="CC BY-SA 3.0",
    files=(
        RemoteFile(
            "train-images-idx3-ubyte.gz",
            _MNIST_URL + "train-images-idx3-ubyte.gz",
            sha256="440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            size=9912422,
        ),
        RemoteFile(
            "train-labels-idx1-ubyte.gz",
            _MNIST_URL + "train-labels-idx1-ubyte.gz",
            sha256="3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            size=28881,
        ),
        RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            _MNIST_URL + "t10k-images-idx3-ubyte.gz",
            sha256="8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            size=1648877,
        ),
        RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            _MNIST_URL + "t10k-labels-idx1-ubyte.gz",
            sha256="f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            size=4542,
        ),
    ),
    classes=10,
    image_shape=(28, 28),
    system_dirs=("/usr/share/datasets/mnist",),
)

WAR_AND_PEACE = DatasetSource(
    name="war_and_peace",
    title="War and Peace (Tolstoy, tr. Maude), Project Gutenberg ebook #2600",
    format="text",
    homepage="https://www.gutenberg.org/ebooks/2600",
    licence="public domain in the USA (Project Gutenberg licence)",
    files=(
        RemoteFile(
            "pg2600.txt",
            "https://www.gutenberg.org/cache/epub/2600/pg2600.txt",
            sha256=None,
            must_contain="WAR AND PEACE",
            min_size=3_000_000,
        ),
    ),
)

PRIDE_AND_PREJUDICE = DatasetSource(
    name="pride_and_prejudice",
    title="Pride and Prejudice (Austen), Project Gutenberg ebook #1342",
    format="text",
    homepage="https://www.gutenberg.org/ebooks/1342",
    licence="public domain in the USA (Project Gutenberg licence)",
    files=(
        RemoteFile(
            "pg1342.txt",
            "https://www.gutenberg.org/cache/epub/1342/pg1342.txt",
            sha256=None,
            must_contain="PRIDE AND PREJUDICE",
            min_size=600_000,
        ),
    ),
)

# The two CIFAR archives' SHA-256s are those Keras pins in ``keras.datasets.cifar10`` and
# ``cifar100`` (``file_hash``) and torchvision's prototype datasets pin (``_SHA256``); their
# sizes and the MD5s the Toronto page publishes (c58f30108f718f92721af3b95e74349a,
# eb9058c3a382ffc7106e4002c42a8d85) agree with the files those projects verify.
_CIFAR_URL = "https://www.cs.toronto.edu/~kriz/"

CIFAR10 = DatasetSource(
    name="cifar10",
    title="CIFAR-10 (python version)",
    format="cifar",
    homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
    licence="no licence stated; cite Krizhevsky (2009)",
    files=(
        RemoteFile(
            "cifar-10-python.tar.gz",
            _CIFAR_URL + "cifar-10-python.tar.gz",
            sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            size=170_498_071,
            extracted="cifar-10-batches-py",
            members=(*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"),
        ),
    ),
)

CIFAR100 = DatasetSource(
    name="cifar100",
    title="CIFAR-100 (python version)",
    format="cifar",
    homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
    licence="no licence stated; cite Krizhevsky (2009)",
    files=(
        RemoteFile(
            "cifar-100-python.tar.gz",
            _CIFAR_URL + "cifar-100-python.tar.gz",
            sha256="85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
            size=169_001_437,
            extracted="cifar-100-python",
            members=("train", "test"),
        ),
    ),
)

IMAGENET = DatasetSource(
    name="imagenet",
    title="ImageNet (ILSVRC 2012), class-per-folder JPEG layout",
    format="imagefolder",
    homepage="https://image-net.org/download.php",
    licence="ImageNet terms of access (non-commercial research; needs a sign-in)",
    files=(
        RemoteFile("train", None, None, extracted="train"),
        RemoteFile("val", None, None, extracted="val"),
    ),
    manual=(
        "ImageNet cannot be downloaded by optbench: its licence needs a sign-in at "
        "https://image-net.org. Download ILSVRC2012_img_train.tar and ILSVRC2012_img_val.tar "
        "there, unpack them as train/<wnid>/*.JPEG and val/<wnid>/*.JPEG (the validation "
        "images sorted into one folder per class, e.g. with the usual valprep.sh) in "
        "$OPTBENCH_DATA/imagenet or ~/.cache/optbench/imagenet, or pass that folder as "
        "data_path."
    ),
)

# LM1B's SHA-256 and size are those TensorFlow Datasets pins in url_checksums/lm1b.txt.
LM1B_FOLDER = "1-billion-word-language-modeling-benchmark-r13output"
LM1B_TRAIN = "training-monolingual.tokenized.shuffled/news.en-{:05d}-of-00100"
LM1B_HELDOUT = "heldout-monolingual.tokenized.shuffled/news.en.heldout-{:05d}-of-00050"

LM1B = DatasetSource(
    name="lm1b",
    title="One Billion Word Benchmark (LM1B, Chelba et al. 2013), r13output",
    format="lm1b",
    homepage="https://www.statmt.org/lm-benchmark/",
    licence="Apache 2.0 (the benchmark's scripts); the text is from WMT11 News Crawl",
    files=(
        RemoteFile(
            f"{LM1B_FOLDER}.tar.gz",
            f"http://www.statmt.org/lm-benchmark/{LM1B_FOLDER}.tar.gz",
            sha256="01ba60381110baf7f189dfd2b8374de371e8c9a340835793f190bdae9e90a34e",
            size=1_792_209_805,
            extracted=LM1B_FOLDER,
            members=(LM1B_TRAIN.format(1), LM1B_HELDOUT.format(0), LM1B_HELDOUT.format(1)),
        ),
    ),
)

SOURCES: dict[str, DatasetSource] = {}


def register_source(source: DatasetSource, *, replace: bool = False) -> DatasetSource:
    """Add ``source`` to the catalogue that ``optbench data fetch`` and discovery use."""
    if source.name in SOURCES and not replace:
        raise InvalidParameterError("name", source.name, "a dataset name not yet registered")
    SOURCES[source.name] = source
    return source


def get_source(name: str) -> DatasetSource:
    """The registered dataset called ``name``."""
    if name not in SOURCES:
        raise unknown_name("dataset", name, SOURCES)
    return SOURCES[name]


for _source in (
    FASHION_MNIST,
    MNIST,
    WAR_AND_PEACE,
    PRIDE_AND_PREJUDICE,
    CIFAR10,
    CIFAR100,
    IMAGENET,
    LM1B,
):
    register_source(_source)
