"""A small conv net trained as a PyTorch user writes it: Conv2d - ReLU - Dropout2d -
MaxPool2d - Flatten - Linear, SGD with momentum, and ReduceLROnPlateau stepped on the
validation loss after each epoch (halving the lr once the loss stops improving). The data is
a fixed random set of 8x8 "images" whose class is the quadrant holding a bright blob (no
downloads). Run: python examples/plateau_dropout2d_cnn.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn, optim
from dualgrad.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 6, kernel_size=3, padding=1)
        self.drop = nn.Dropout2d(p=0.25)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(6 * 4 * 4, 4)

    def forward(self, x):
        x = self.pool(self.drop(F.relu(self.conv(x))))  # (N, 6, 4, 4)
        return self.fc(x.flatten(1))


def make_data(n: int, seed: int):
    """n noisy 8x8 images; label k: the blob is in quadrant k."""
    g = dg.Generator().manual_seed(seed)
    images = nn.init.normal_(dg.empty(n, 1, 8, 8), 0.0, 1.0, generator=g)
    labels = dg.arange(n) % 4
    for i in range(n):
        k = int(labels[i])
        r, c = 4 * (k // 2), 4 * (k % 2)
        images[i, 0, r + 1:r + 3, c + 1:c + 3] += 0.8
    return images, labels


def evaluate(model, images, labels) -> float:
    model.eval()
    with dg.no_grad():
        loss = F.cross_entropy(model(images), labels).item()
    model.train()
    return loss


def train(model, epochs: int = 12, lr: float = 0.05):
    """(train loss, validation loss, lr) of each epoch."""
    train_set = TensorDataset(*make_data(64, seed=1))
    val_images, val_labels = make_data(32, seed=2)
    loader = DataLoader(train_set, batch_size=16)
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)
    history = []
    for _ in range(epochs):
        total = 0.0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item()
        val_loss = evaluate(model, val_images, val_labels)
        history.append((total / len(loader), val_loss, scheduler.get_last_lr()[0]))
        scheduler.step(val_loss)
    return history


def main():
    dg.manual_seed(0)
    model = Net()
    print(model)
    history = train(model)
    for epoch, (train_loss, val_loss, lr) in enumerate(history):
        print(f"epoch {epoch}: train loss {train_loss:.4f}, val loss {val_loss:.4f}, lr {lr:g}")
    return history


if __name__ == "__main__":
    main()
    print("plateau_dropout2d_cnn: ok")
