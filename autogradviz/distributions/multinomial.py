"""``distributions.Multinomial``: how often each of K categories comes up in ``total_count`` draws."""
from __future__ import annotations

from ..tensor import Size, Tensor
from .categorical import Categorical


class Multinomial:
    """Counts per category of ``total_count`` independent draws with probabilities ``probs``."""

    def __init__(self, total_count: int = 1, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args=None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self.probs = self._categorical.probs
        self.batch_shape = self._categorical.batch_shape
        self.event_shape = Size(self.probs.shape[-1:])

    def sample(self, sample_shape=()) -> Tensor:
        """Counts of shape ``sample_shape + batch_shape + (K,)``, drawn as PyTorch draws them."""
        from ..creation import zeros
        sample_shape = Size(sample_shape)
        samples = self._categorical.sample(Size((self.total_count,)) + sample_shape)
        order = list(range(samples.ndim))
        order.append(order.pop(0))                       # the draws become the last dim
        samples = samples.permute(*order)
        shape = tuple(sample_shape) + tuple(self.batch_shape) + tuple(self.event_shape)
        counts = zeros(*shape, dtype=samples.dtype)
        counts.scatter_add_(-1, samples, samples * 0 + 1)
        return counts.to(self.probs.dtype)

    def __repr__(self) -> str:
        return f"Multinomial(total_count: {self.total_count}, probs: {self.probs.shape!r})"
