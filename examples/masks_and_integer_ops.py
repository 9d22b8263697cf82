"""Masks, integer arithmetic and indexing as a PyTorch script writes them: a masked accuracy
with an ignore label, batches counted with // and %, bit flags, a per-sample pick with
x[i, :, idx], and running counts in int8. Run: python masks_and_integer_ops.py"""
import dualgrad as dg

logits = dg.tensor([[2.0, 0.5, 0.1], [0.2, 1.5, 0.3], [0.1, 0.2, 3.0], [1.0, 0.9, 0.8], [0.3, 0.1, 0.2]])
labels = dg.tensor([0, 2, 2, -100, 0])
pred = logits.argmax(dim=1)
valid = labels != -100
correct = (pred == labels) & valid
accuracy = correct.sum().item() / valid.sum().item()
assert pred.tolist() == [0, 1, 2, 0, 0] and accuracy == 0.75, (pred, accuracy)

n, batch = 10, 4
idx = dg.arange(n)
assert (n // batch, n % batch) == (2, 2)
assert (idx // batch).tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
assert (idx % batch).tolist() == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]
assert ((idx - 5) % 3).tolist() == [1, 2, 0, 1, 2, 0, 1, 2, 0, 1]  # the divisor's sign, as Python

flags = dg.tensor([0b101, 0b011, 0b110])
assert (flags & 0b001).tolist() == [1, 1, 0]
assert (flags | 0b100).tolist() == [5, 7, 6]
assert (~flags).tolist() == [-6, -4, -7]
evens = dg.arange(6) % 2 == 0
assert (~evens).tolist() == [False, True, False, True, False, True]

x = dg.arange(24.0).reshape(2, 3, 4)
picked = x[1, :, [0, 3]]  # sample 1's rows, columns 0 and 3
assert tuple(picked.shape) == (3, 2)
assert picked.tolist() == [[12.0, 15.0], [16.0, 19.0], [20.0, 23.0]]

counts = dg.tensor([100, 100, 3], dtype=dg.int8)
assert counts.cumsum(0).tolist() == [100, 200, 203] and counts.sum().item() == 203

print("masks_and_integer_ops: ok")
