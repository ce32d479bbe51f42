"""Token-level language modelling with fixed-length sequences: LM1B, or any UTF-8 text.

The text is tokenised once and cached (:mod:`optbench.data.corpus`: bytes, or byte-level BPE
learned from the training split). Each split is one token stream. Training reads windows of
``context`` + 1 tokens (inputs and next-token targets): every epoch the training stream is cut
at a random offset below ``context`` into consecutive windows, visited in a random order
without replacement (both drawn from the trial's seed; the last incomplete batch is
dropped). Evaluation cuts the validation or test stream from its start into consecutive
windows and reports the mean cross entropy per token (nats) and the per-token error rate
(1 - accuracy of the most likely next token).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from optbench.data.corpus import Tokenization, load_token_corpus
from optbench.errors import InvalidParameterError
from optbench.workloads.losses import check_regularization, evaluate_classifier, l2_penalty


@dataclass(frozen=True)
class TokenLanguageModel:
    """Predict the next token of ``dataset`` (``"lm1b"``, a text dataset, or the UTF-8 file
    passed as ``data_path``) in sequences of ``context`` tokens. ``tokenizer`` is "bytes"
    (vocabulary 256) or "bpe" (``vocab_size`` tokens learned from the first
    ``bpe_sample_bytes`` of the training split). ``validation`` and ``test`` are the fractions
    of a plain text held out (LM1B's splits are fixed). ``eval_sequences`` evaluates at most
    that many windows from the start of a split (None: all). ``label_smoothing`` and ``l2``
    regularise the training loss (:mod:`optbench.workloads.losses`)."""

    dataset: str = "lm1b"
    tokenizer: str = "bpe"
    vocab_size: int = 32_768
    bpe_sample_bytes: int = 32 << 20
    context: int = 256
    validation: float = 0.05
    test: float = 0.05
    eval_batch_size: int = 64
    eval_sequences: int | None = None
    label_smoothing: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        check_regularization(self.l2, self.label_smoothing)
        if self.eval_sequences is not None and self.eval_sequences < 1:
            raise InvalidParameterError(
                "eval_sequences", self.eval_sequences, "a positive count or None"
            )
        if not isinstance(self.context, int) or self.context < 1:
            raise InvalidParameterError("context", self.context, "a positive number of tokens")
        self.tokenization()  # check it early

    def tokenization(self) -> Tokenization:
        """The tokenisation this task asks for."""
        return Tokenization(self.tokenizer, self.vocab_size, self.bpe_sample_bytes)

    def problem(
        self, batch_size: int, seed: int, device: torch.device, data_path: str | None = None
    ) -> TokenProblem:
        """This task's token streams, read for ``device``, with windows drawn from ``seed``."""
        corpus = load_token_corpus(
            self.dataset, data_path, self.tokenization(), self.validation, self.test
        )
        streams = {"train": corpus.train, "validation": corpus.validation, "test": corpus.test}
        return TokenProblem(
            self, streams, corpus.tokenizer.vocab_size, batch_size, seed, torch.device(device)
        )


class TokenProblem:
    """One trial's view of a token corpus: random windows for training, all for evaluation."""

    def __init__(
        self,
        task: TokenLanguageModel,
        streams: dict[str, np.ndarray],
        vocab_size: int,
        batch_size: int,
        seed: int,
        device: torch.device,
    ) -> None:
        self.task, self.streams, self.device = task, streams, device
        self.batch_size, self.length = batch_size, task.context
        windows = (len(streams["train"]) - 1 - (self.length - 1)) // self.length
        if not 0 < batch_size <= windows:
            raise InvalidParameterError(
                "batch_size",
                batch_size,
                f"at most the {windows} training sequences of {self.length} tokens",
            )
        self.info = {"vocab_size": vocab_size, "context": self.length}
        self._generator = torch.Generator().manual_seed(seed)
        self._starts = np.empty(0, np.int64)
        self._position = 0

    def _new_epoch(self) -> None:
        length = self.length
        offset = int(torch.randint(length, (), generator=self._generator))
        windows = (len(self.streams["train"]) - 1 - offset) // length
        order = torch.randperm(windows, generator=self._generator).numpy()
        self._starts, self._position = offset + order * length, 0

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next ``(inputs, targets)``, each int64 (batch, context), on the device."""
        if self._position + self.batch_size > len(self._starts):
            self._new_epoch()
        starts = self._starts[self._position : self._position + self.batch_size]
        self._position += self.batch_size
        rows = np.asarray(self.streams["train"][starts[:, None] + np.arange(self.length + 1)])
        tokens = torch.from_numpy(rows.astype(np.int64))
        if self.device.type == "cuda":
            tokens = tokens.pin_memory()
        tokens = tokens.to(self.device, non_blocking=True)
        return tokens[:, :-1], tokens[:, 1:]

    def train_loss(self, model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]):
        """Mean (smoothed) cross entropy per token, plus the L2 penalty."""
        inputs, targets = batch
        logits = model(inputs)
        loss = F.cross_entropy(
            logits.flatten(0, 1).float(),
            targets.flatten(),
            label_smoothing=self.task.label_smoothing,
        )
        return loss + l2_penalty(model, self.task.l2)

    def evaluate(self, model: nn.Module, split: str) -> tuple[float, float]:
        """``(cross entropy per token, per-token error rate)`` over every whole window of
        ``split``, in eval mode."""
        stream = torch.from_numpy(np.asarray(self.streams[split]).astype(np.int64))
        windows = (len(stream) - 1) // self.length
        if self.task.eval_sequences is not None:
            windows = min(windows, self.task.eval_sequences)
        if windows < 1:
            raise InvalidParameterError(
                "context", self.length, f"at most {len(stream) - 1} tokens for the {split} split"
            )
        stream = stream.to(self.device)
        used = windows * self.length
        inputs = stream[:used].view(windows, self.length)
        targets = stream[1 : used + 1].view(windows, self.length)
        size = self.task.eval_batch_size
        batches = ((inputs[i : i + size], targets[i : i + size]) for i in range(0, windows, size))
        return evaluate_classifier(model, batches)
