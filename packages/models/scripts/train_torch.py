"""The classifier training loop of the dev-time PyTorch pretraining scripts (pretrain-vit.py,
pretrain-mcunet.py): shuffled batches, augmentation, optional gradient-norm clipping, a scheduler
stepped per batch, a test evaluation after every epoch."""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def evaluate(model, x, y, chunk=500):
    """Top-1 and mean cross-entropy of `model` (in eval mode) on images x, labels y."""
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(y), chunk):
            logits = model(x[i:i + chunk])
            loss += F.cross_entropy(logits, y[i:i + chunk], reduction='sum').item()
            correct += (logits.argmax(1) == y[i:i + chunk]).sum().item()
    model.train()
    return correct / len(y), loss / len(y)


def fit(model, opt, sched, train, test, epochs, batch, augment, clip_norm=None, on_epoch=None, log_every=25, loss_fn=None):
    """Trains for `epochs` epochs; returns the history (train loss, test top-1 and loss per epoch).
    `on_epoch(history, seconds)` runs after each epoch's evaluation. `loss_fn(x, y)`, when given,
    computes the training loss of a raw batch instead of the cross-entropy of model(augment(x))."""
    (train_x, train_y), (test_x, test_y) = train, test
    steps_per_epoch = (len(train_y) + batch - 1) // batch
    history = []
    t0 = time.time()
    for epoch in range(epochs):
        perm = torch.randperm(len(train_y))
        run = 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * batch:(s + 1) * batch]
            if loss_fn is None:
                loss = F.cross_entropy(model(augment(train_x[idx])), train_y[idx])
            else:
                loss = loss_fn(train_x[idx], train_y[idx])
            opt.zero_grad()
            loss.backward()
            if clip_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            opt.step()
            sched.step()
            run += loss.item()
            if (s + 1) % log_every == 0:
                print(f'  epoch {epoch + 1} step {s + 1}/{steps_per_epoch} loss {loss.item():.4f} {time.time() - t0:.0f} s', flush=True)
        top1, test_loss = evaluate(model, test_x, test_y)
        history.append({'epoch': epoch + 1, 'trainLoss': run / steps_per_epoch, 'testTop1': top1, 'testLoss': test_loss})
        print(f'epoch {epoch + 1}: train loss {run / steps_per_epoch:.4f}, test top-1 {100 * top1:.2f}% '
              f'loss {test_loss:.4f}, {time.time() - t0:.0f} s', flush=True)
        if on_epoch is not None:
            on_epoch(history, time.time() - t0)
    return history, time.time() - t0
