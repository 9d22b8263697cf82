"""Class-balanced training with quantile clipping, as a PyTorch script writes it: labels
from bucketize, class weights from bincount (unique counts the classes), per-sample losses
clipped at their 80th percentile (quantile), a histogram of the confidences (histc) and the
log-likelihood of the two rare classes together (logaddexp). Run: python class_balanced_training.py"""
import dualgrad as dg
import dualgrad.nn.functional as F


x = dg.linspace(-3.0, 3.0, 60, dtype=dg.float64)
features = dg.stack([x, x * x / 3, dg.sin(2 * x)], dim=1)
labels = dg.bucketize(x, dg.tensor([-2.0, 1.5], dtype=dg.float64))  # 0: x <= -2, 1: middle, 2: x > 1.5

classes, counts = labels.unique(return_counts=True)
assert classes.tolist() == [0, 1, 2] and counts.tolist() == [10, 35, 15], counts
freq = dg.bincount(labels, minlength=3).double()
class_weight = freq.sum() / (len(freq) * freq)  # the rarer the class, the larger its weight

W = dg.zeros(3, 3, dtype=dg.float64, requires_grad=True)
b = dg.zeros(3, dtype=dg.float64, requires_grad=True)
opt = dg.optim.SGD([W, b], lr=0.5)
for _ in range(60):
    opt.zero_grad()
    logits = features @ W + b
    losses = F.cross_entropy(logits, labels, weight=class_weight, reduction="none")
    cap = losses.detach().quantile(0.8)  # outliers do not dominate the step
    loss = losses.clamp(max=cap).mean()
    loss.backward()
    opt.step()

with dg.no_grad():
    logp = F.log_softmax(features @ W + b, dim=1)
    confidence = logp.max(dim=1).values.exp()
    hist = dg.histc(confidence, bins=5, min=0.0, max=1.0)
    rare = dg.logaddexp(logp[:, 0], logp[:, 2])  # log P(class 0 or 2)
    accuracy = (logp.argmax(dim=1) == labels).double().mean()

print(f"loss {loss.item():.12f}")
print(f"accuracy {accuracy.item():.12f}")
print(f"rare {rare.sum().item():.12f}")
print("hist " + " ".join(str(int(v)) for v in hist.tolist()))
assert accuracy.item() >= 0.75, accuracy
print("class_balanced_training: ok")
