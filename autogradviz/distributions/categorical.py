"""``distributions.Categorical``: one of K categories, with given probabilities."""
from __future__ import annotations

from ..tensor import Size, Tensor


class Categorical:
    """Draws category indices 0..K−1 with the (normalised) ``probs`` of the last dim."""

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None, validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is None:
            probs = logits.softmax(-1)
        if probs.ndim < 1:
            raise ValueError("`probs` parameter must be at least one-dimensional.")
        self.probs = probs / probs.sum(-1, keepdim=True)
        self._num_events = probs.shape[-1]
        self.batch_shape = Size(probs.shape[:-1])

    def _extended_shape(self, sample_shape=()) -> tuple[int, ...]:
        return tuple(sample_shape) + tuple(self.batch_shape)

    def sample(self, sample_shape=()) -> Tensor:
        """Category indices of shape ``sample_shape + batch_shape``."""
        from .. import multinomial
        sample_shape = Size(sample_shape)
        probs_2d = self.probs.reshape(-1, self._num_events)
        samples_2d = multinomial(probs_2d, sample_shape.numel(), True).T
        return samples_2d.reshape(*self._extended_shape(sample_shape))

    def __repr__(self) -> str:
        return f"Categorical(probs: {self.probs.shape!r})"
