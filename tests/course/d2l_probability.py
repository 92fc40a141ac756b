# Coin tosses by hand and with a multinomial distribution; the running estimates of each side's
# probability, drawn (D2L 2.6, the PyTorch cells).
import random

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from torch.distributions.multinomial import Multinomial

num_tosses = 100
heads = sum([random.random() > 0.5 for _ in range(num_tosses)])
tails = num_tosses - heads
print("heads, tails: ", [heads, tails])

fair_probs = torch.tensor([0.5, 0.5])
print(Multinomial(100, fair_probs).sample())
print(Multinomial(100, fair_probs).sample() / 100)
counts = Multinomial(10000, fair_probs).sample()
print(counts / 10000)

counts = Multinomial(1, fair_probs).sample((10000,))
cum_counts = counts.cumsum(dim=0)
estimates = cum_counts / cum_counts.sum(dim=1, keepdims=True)
estimates = estimates.numpy()
print(estimates.shape, estimates[-1])

fig, ax = plt.subplots(figsize=(4.5, 3.5))
ax.plot(estimates[:, 0], label=("P(coin=heads)"))
ax.plot(estimates[:, 1], label=("P(coin=tails)"))
ax.axhline(y=0.5, color="black", linestyle="dashed")
ax.set_xlabel("Samples")
ax.set_ylabel("Estimated probability")
ax.legend()
print(len(ax.lines), "lines drawn")
plt.close(fig)
