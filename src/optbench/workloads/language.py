"""Character-level language modelling on a text: contiguous splits, carried state, per-char
error, in the style of DeepOBS's ``tolstoi_char_rnn``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from optbench.data import load_text, split_stream
from optbench.errors import InvalidParameterError


def encode(text: str) -> tuple[np.ndarray, list[str]]:
    """``(ids, vocabulary)``: each character's index in the sorted set of characters."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    alphabet, ids = np.unique(codes, return_inverse=True)
    return ids.astype(np.int64), [chr(c) for c in alphabet]


def as_rows(stream: torch.Tensor, rows: int, length: int, offset: int = 0) -> tuple:
    """Inputs and next-character targets as ``rows`` parallel streams, each a whole number of
    ``length``-long sequences: ``(x, y)`` of shape (rows, k·length)."""
    usable = (len(stream) - 1 - offset) // (rows * length) * (rows * length)
    if usable <= 0:
        expected = f"at most {(len(stream) - 1 - offset) // length} for {len(stream)} characters"
        raise InvalidParameterError("batch_size", rows, expected)
    x = stream[offset : offset + usable].view(rows, -1)
    y = stream[offset + 1 : offset + 1 + usable].view(rows, -1)
    return x, y


@dataclass(frozen=True)
class CharLanguageModel:
    """Predict the next character of ``dataset`` (or of any UTF-8 text at ``data_path``).

    The text, without a Project Gutenberg header and footer, is cut into contiguous train,
    validation and test parts (``validation`` and ``test`` are fractions). Training reads
    ``batch_size`` parallel streams in sequences of ``sequence_length`` characters and carries
    the LSTM state from one batch to the next; each epoch starts at a random offset below
    ``sequence_length`` (drawn from the trial's seed) with a zero state. Metrics: cross entropy
    per character (nats) and per-character error rate."""

    dataset: str = "war_and_peace"
    sequence_length: int = 50
    validation: float = 0.05
    test: float = 0.05

    def problem(
        self, batch_size: int, seed: int, device: torch.device, data_path: str | None = None
    ) -> LanguageProblem:
        """This task's data on ``device``, with epoch offsets drawn from ``seed``."""
        ids, vocabulary = encode(load_text(self.dataset, data_path))
        parts = split_stream(torch.from_numpy(ids).to(device), self.validation, self.test)
        splits = dict(zip(("train", "validation", "test"), parts, strict=True))
        return LanguageProblem(splits, len(vocabulary), batch_size, self.sequence_length, seed)


class LanguageProblem:
    """One trial's view of a text: sequential mini-batches with carried state."""

    def __init__(self, splits: dict, vocab_size: int, batch_size: int, length: int, seed: int):
        self.splits = splits
        self.batch_size, self.length = batch_size, length
        self.info = {"vocab_size": vocab_size}
        self._rng = np.random.default_rng(seed)
        self._x = self._y = torch.empty(batch_size, 0)
        self._position = 0
        self.state = None
        as_rows(splits["train"], batch_size, length)  # fail early if the text is too short

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next ``(inputs, targets)``, each (batch, sequence_length)."""
        if self._position + self.length > self._x.shape[1]:
            offset = int(self._rng.integers(self.length))
            self._x, self._y = as_rows(self.splits["train"], self.batch_size, self.length, offset)
            self._position, self.state = 0, None
        window = slice(self._position, self._position + self.length)
        self._position += self.length
        return self._x[:, window], self._y[:, window]

    def train_loss(self, model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]):
        """Mean cross entropy per character; the state is kept (detached) for the next batch."""
        inputs, targets = batch
        logits, state = model(inputs, self.state)
        self.state = tuple(s.detach() for s in state)
        return F.cross_entropy(logits.flatten(0, 1), targets.flatten())

    @torch.inference_mode()
    def evaluate(self, model: nn.Module, split: str) -> tuple[float, float]:
        """``(cross entropy per character, error rate)`` on ``split``, read as parallel
        streams from a zero state."""
        stream = self.splits[split]
        rows = max(1, min(self.batch_size, (len(stream) - 1) // self.length))
        x, y = as_rows(stream, rows, self.length)
        was_training = model.training
        model.eval()
        state, loss_sum = None, torch.zeros((), device=x.device)
        wrong = torch.zeros((), device=x.device, dtype=torch.long)
        for start in range(0, x.shape[1], self.length):
            logits, state = model(x[:, start : start + self.length], state)
            target = y[:, start : start + self.length]
            loss_sum += F.cross_entropy(
                logits.flatten(0, 1).float(), target.flatten(), reduction="sum"
            )
            wrong += (logits.argmax(dim=-1) != target).sum()
        model.train(was_training)
        return loss_sum.item() / y.numel(), wrong.item() / y.numel()
