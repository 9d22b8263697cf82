"""Per-sample gradients, written as PyTorch's torch.func tutorial ("Per-sample-gradients")
writes them: first a loop of per-example `autograd.grad` calls, then the same gradients in one
call of `vmap(grad(compute_loss))` over `functional_call`, and the two compared. Ported by
changing `torch` to `dualgrad`; the model sizes are parameters so a test can run it small.
dualgrad's vmap runs `compute_loss`'s gradient once per sample (docs/func.md): the numbers are
torch.func's, the speed is the loop's. Run: python examples/per_sample_grads.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn
from dualgrad.func import functional_call, grad, vmap


# Here's a simple CNN (the tutorial's; 28x28 images give fc1 its 9216 inputs)
class SimpleCNN(nn.Module):
    def __init__(self, channels=(32, 64), image_size=28, hidden=128):
        super().__init__()
        side = (image_size - 4) // 2
        self.conv1 = nn.Conv2d(1, channels[0], 3, 1)
        self.conv2 = nn.Conv2d(channels[0], channels[1], 3, 1)
        self.fc1 = nn.Linear(channels[1] * side * side, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = dg.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def loss_fn(predictions, targets):
    return F.nll_loss(predictions, targets)


def main(batch_size=64, image_size=28, channels=(32, 64), hidden=128):
    dg.manual_seed(0)
    data = dg.randn(batch_size, 1, image_size, image_size)
    targets = dg.randint(10, (batch_size,))

    model = SimpleCNN(channels, image_size, hidden)
    predictions = model(data)  # move the entire mini-batch through the model
    loss = loss_fn(predictions, targets)
    loss.backward()  # back propagate the 'average' gradient of this mini-batch

    def compute_grad(sample, target):
        sample = sample.unsqueeze(0)  # prepend batch dimension for processing
        target = target.unsqueeze(0)
        prediction = model(sample)
        loss = loss_fn(prediction, target)
        return dg.autograd.grad(loss, list(model.parameters()))

    def compute_sample_grads(data, targets):
        """manually process each sample with per sample gradient"""
        sample_grads = [compute_grad(data[i], targets[i]) for i in range(batch_size)]
        sample_grads = zip(*sample_grads, strict=True)
        sample_grads = [dg.stack(shards) for shards in sample_grads]
        return sample_grads

    per_sample_grads = compute_sample_grads(data, targets)
    print(per_sample_grads[0].shape)

    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch = sample.unsqueeze(0)
        targets = target.unsqueeze(0)
        predictions = functional_call(model, (params, buffers), (batch,))
        loss = loss_fn(predictions, targets)
        return loss

    ft_compute_grad = grad(compute_loss)
    ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
    ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)

    for per_sample_grad, ft_per_sample_grad in zip(per_sample_grads, ft_per_sample_grads.values(), strict=True):
        assert dg.allclose(per_sample_grad, ft_per_sample_grad, atol=3e-3, rtol=1e-5)
    return model, data, targets, ft_per_sample_grads


if __name__ == "__main__":
    main()
    print("per_sample_grads: ok")
