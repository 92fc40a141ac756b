"""``torch.distributions``: the two D2L's probability lessons draw from, Categorical and Multinomial,
sampled as PyTorch samples them (so the same seed gives the same counts)."""
from .categorical import Categorical
from .multinomial import Multinomial

__all__ = ["Categorical", "Multinomial"]
