"""Trains the learned PHI detector on data written by prepare.ts and exports it to ONNX.

    python train.py --train <dir> --dev <dir> --out model.onnx --metrics metrics.json [--seed 1] [--epochs 8]

The model is a small convolutional token classifier (in the style of Collobert et al.'s window networks):
the sum of each token's hashed feature embeddings, two convolutions with ReLU (widths 5 and --width2; with
3, each token sees three tokens either side), and a linear layer to BIO labels. It is written in plain numpy with hand-derived
gradients, so training needs no deep-learning framework and runs in minutes on two CPU cores; the same
numbers are then written as an ONNX graph of Gather, ReduceSum and Conv nodes for onnxruntime.
Deterministic for a given seed, data and numpy build.
"""

import argparse
import json
import time

import numpy as np

WIDTH, PAD = 5, 2
# Embedding size, hidden units and the second convolution's width: set from --dim, --hidden and --width2 (the
# arithmetic per token, hence the detector's CPU cost, scales with HIDDEN * (WIDTH * DIM + WIDTH2 * HIDDEN)).
DIM = 32
HIDDEN, WIDTH2 = 48, 5
# Name-identity features (the exact word and its cased form) are dropped at random during training, so the
# model learns the context and shape of names and places instead of memorising the training names.
# --identity-drop sets the share (docs/deidentification.md, rounds 2 and 3, for 0.5 with a 16-wide embedding).
IDENTITY_FEATURES, IDENTITY_DROP = (0, 1), 0.3
# A missed identifier costs more than a redacted word: PHI tokens weigh more in the loss.
PHI_WEIGHT = 3.0


def load(d):
    meta = json.load(open(f"{d}/meta.json"))
    f = np.fromfile(f"{d}/features.i32", dtype="<i4").reshape(-1, meta["featuresPerToken"])
    y = np.fromfile(f"{d}/labels.u8", dtype=np.uint8).astype(np.int64)
    docs = np.fromfile(f"{d}/docs.i32", dtype="<i4")
    return meta, f, y, docs


def init(rng, buckets, labels):
    s = lambda fan_in: np.sqrt(2.0 / fan_in)
    return {
        "E": (rng.standard_normal((buckets, DIM)) * 0.1).astype(np.float32),
        "W1": (rng.standard_normal((WIDTH * DIM, HIDDEN)) * s(WIDTH * DIM)).astype(np.float32),
        "b1": np.zeros(HIDDEN, np.float32),
        "W2": (rng.standard_normal((WIDTH2 * HIDDEN, HIDDEN)) * s(WIDTH2 * HIDDEN)).astype(np.float32),
        "b2": np.zeros(HIDDEN, np.float32),
        "W3": (rng.standard_normal((HIDDEN, labels)) * s(HIDDEN)).astype(np.float32),
        "b3": np.zeros(labels, np.float32),
    }


def windows(x, width=WIDTH):
    """[R, C] -> [R, width*C]: row r holds rows r-width//2..r+width//2 (zeros outside)."""
    r, pad = x.shape[0], width // 2
    xp = np.pad(x, ((pad, pad), (0, 0)))
    return np.concatenate([xp[j : j + r] for j in range(width)], axis=1)


def unwindows(dw, c, width=WIDTH):
    """Adjoint of windows: [R, width*C] -> [R, C]."""
    r, pad = dw.shape[0], width // 2
    out = np.zeros((r + 2 * pad, c), np.float32)
    for j in range(width):
        out[j : j + r] += dw[:, j * c : (j + 1) * c]
    return out[pad : pad + r]


def layout(docs, picked):
    """Rows of a batch: the picked notes back to back, PAD empty rows around each (zero padding per note)."""
    rows, at = [], PAD
    for i in picked:
        n = docs[i + 1] - docs[i]
        rows.append(np.arange(at, at + n))
        at += n + PAD
    return np.concatenate(rows), at


def forward(p, feats, keep, rows, total):
    mask = np.zeros((total, 1), np.float32)
    mask[rows] = 1
    x = np.zeros((total, DIM), np.float32)
    x[rows] = (p["E"][feats] * keep[:, :, None]).sum(axis=1)
    w1 = windows(x)
    h1 = np.maximum(w1 @ p["W1"] + p["b1"], 0) * mask
    w2 = windows(h1, WIDTH2)
    h2 = np.maximum(w2 @ p["W2"] + p["b2"], 0) * mask
    logits = h2[rows] @ p["W3"] + p["b3"]
    return logits, (x, w1, h1, w2, h2)


def backward(p, feats, keep, rows, total, cache, dlogits):
    x, w1, h1, w2, h2 = cache
    g = {}
    g["W3"] = h2[rows].T @ dlogits
    g["b3"] = dlogits.sum(axis=0)
    dh2 = np.zeros_like(h2)
    dh2[rows] = dlogits @ p["W3"].T
    dz2 = dh2 * (h2 > 0)
    g["W2"] = w2.T @ dz2
    g["b2"] = dz2.sum(axis=0)
    dz1 = unwindows(dz2 @ p["W2"].T, HIDDEN, WIDTH2) * (h1 > 0)
    g["W1"] = w1.T @ dz1
    g["b1"] = dz1.sum(axis=0)
    dx = unwindows(dz1 @ p["W1"].T, DIM)[rows]
    de = np.zeros_like(p["E"])
    np.add.at(de, feats.reshape(-1), (dx[:, None, :] * keep[:, :, None]).reshape(-1, DIM))
    g["E"] = de
    return g


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def predict(p, f, docs, batch=64):
    out = []
    for b in range(0, len(docs) - 1, batch):
        picked = range(b, min(b + batch, len(docs) - 1))
        rows, total = layout(docs, picked)
        sl = slice(docs[picked[0]], docs[picked[-1] + 1])
        logits, _ = forward(p, f[sl], np.ones(f[sl].shape, np.float32), rows, total)
        out.append(logits)
    return np.concatenate(out)


def token_metrics(p, f, y, docs):
    pred = predict(p, f, docs).argmax(axis=1)
    phi, hit = y > 0, pred > 0
    return {
        "tokens": int(len(y)),
        "phiTokenRecall": float((phi & hit).sum() / max(phi.sum(), 1)),
        "phiTokenPrecision": float((phi & hit).sum() / max(hit.sum(), 1)),
        "labelAccuracy": float((pred == y).mean()),
    }


def train(args):
    rng = np.random.default_rng(args.seed)
    meta, f, y, docs = load(args.train)
    p = init(rng, meta["hashBuckets"], len(meta["labels"]))
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    step, history = 0, []
    n_docs = len(docs) - 1
    start = time.process_time()
    for epoch in range(args.epochs):
        order = rng.permutation(n_docs)
        lr = args.lr * (0.5 ** (epoch / max(args.epochs / 3, 1)))
        losses = []
        for b in range(0, n_docs, args.batch):
            picked = order[b : b + args.batch]
            rows, total = layout(docs, picked)
            idx = np.concatenate([np.arange(docs[i], docs[i + 1]) for i in picked])
            feats, labels = f[idx], y[idx]
            keep = np.ones(feats.shape, np.float32)
            for c in IDENTITY_FEATURES:
                keep[:, c] = rng.random(len(idx)) >= IDENTITY_DROP
            logits, cache = forward(p, feats, keep, rows, total)
            probs = softmax(logits)
            w = np.where(labels > 0, PHI_WEIGHT, 1.0).astype(np.float32)
            losses.append(float(-(w * np.log(probs[np.arange(len(labels)), labels] + 1e-9)).sum() / w.sum()))
            d = probs
            d[np.arange(len(labels)), labels] -= 1
            d *= (w / w.sum())[:, None]
            g = backward(p, feats, keep, rows, total, cache, d.astype(np.float32))
            step += 1
            for k in p:  # Adam
                m[k] = 0.9 * m[k] + 0.1 * g[k]
                v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
                mh, vh = m[k] / (1 - 0.9**step), v[k] / (1 - 0.999**step)
                p[k] -= (lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
        dev = token_metrics(p, *load(args.dev)[1:])
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "dev": dev})
        print(f"epoch {epoch + 1}: loss {np.mean(losses):.4f}, dev PHI-token recall {dev['phiTokenRecall']:.4f}, "
              f"precision {dev['phiTokenPrecision']:.4f}", flush=True)
    cpu = time.process_time() - start
    return p, meta, {"seed": args.seed, "epochs": args.epochs, "dim": DIM, "hidden": HIDDEN, "width2": WIDTH2,
                     "identityDrop": IDENTITY_DROP, "trainTokens": int(len(y)), "trainNotes": n_docs,
                     "cpuSeconds": round(cpu, 1), "history": history}


def export(p, meta, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    L = len(meta["labels"])
    conv_w = lambda w, cin, k: w.reshape(k, cin, -1).transpose(2, 1, 0).copy()  # [out, in, k]
    inits = [
        numpy_helper.from_array(p["E"], "embeddings"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array([0], np.int64), "axis0"),
        numpy_helper.from_array(conv_w(p["W1"], DIM, WIDTH), "conv1_w"),
        numpy_helper.from_array(p["b1"], "conv1_b"),
        numpy_helper.from_array(conv_w(p["W2"], HIDDEN, WIDTH2), "conv2_w"),
        numpy_helper.from_array(p["b2"], "conv2_b"),
        numpy_helper.from_array(p["W3"].T.reshape(L, HIDDEN, 1).copy(), "out_w"),
        numpy_helper.from_array(p["b3"], "out_b"),
    ]
    nodes = [
        helper.make_node("Gather", ["embeddings", "features"], ["gathered"]),
        helper.make_node("ReduceSum", ["gathered", "axis1"], ["summed"], keepdims=0),
        helper.make_node("Transpose", ["summed"], ["channels"], perm=[1, 0]),
        helper.make_node("Unsqueeze", ["channels", "axis0"], ["x"]),
        helper.make_node("Conv", ["x", "conv1_w", "conv1_b"], ["z1"], pads=[PAD, PAD], kernel_shape=[WIDTH]),
        helper.make_node("Relu", ["z1"], ["h1"]),
        helper.make_node(
            "Conv", ["h1", "conv2_w", "conv2_b"], ["z2"], pads=[WIDTH2 // 2, WIDTH2 // 2], kernel_shape=[WIDTH2]
        ),
        helper.make_node("Relu", ["z2"], ["h2"]),
        helper.make_node("Conv", ["h2", "out_w", "out_b"], ["z3"], kernel_shape=[1]),
        helper.make_node("Squeeze", ["z3", "axis0"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "deid_token_classifier",
        [helper.make_tensor_value_info("features", TensorProto.INT32, ["tokens", meta["featuresPerToken"]])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [L, "tokens"])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="deid-model/train.py")
    model.ir_version = 8
    labels = json.dumps(meta["labels"])
    helper.set_model_props(model, {"labels": labels, "hashBuckets": str(meta["hashBuckets"]),
                                   "featuresPerToken": str(meta["featuresPerToken"])})
    onnx.checker.check_model(model)
    onnx.save(model, path)


def parity(p, meta, path, dev):
    """The exported graph must compute what numpy trained: compare on the first dev notes."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    _, f, _, docs = load(dev)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    worst = 0.0
    for i in range(min(20, len(docs) - 1)):
        sl = slice(docs[i], docs[i + 1])
        ref, _ = forward(p, f[sl], np.ones(f[sl].shape, np.float32), np.arange(sl.stop - sl.start) + PAD,
                         sl.stop - sl.start + 2 * PAD)
        got = sess.run(["logits"], {"features": f[sl].astype(np.int32)})[0]
        worst = max(worst, float(np.abs(got.T - ref).max()))
    if worst > 1e-3:
        raise SystemExit(f"train: ONNX export differs from the trained model by {worst}")
    return worst


def main():
    global DIM, HIDDEN, WIDTH2, IDENTITY_DROP
    ap = argparse.ArgumentParser(description="Train the learned PHI detector and export it to ONNX.")
    ap.add_argument("--train", required=True)
    ap.add_argument("--dev", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--metrics", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=0.003)
    ap.add_argument("--dim", type=int, default=DIM)
    ap.add_argument("--hidden", type=int, default=HIDDEN)
    ap.add_argument("--width2", type=int, choices=(1, 3, 5), default=WIDTH2)
    ap.add_argument("--identity-drop", type=float, default=IDENTITY_DROP)
    args = ap.parse_args()
    if not 0 <= args.identity_drop < 1:
        ap.error(f"--identity-drop must be in [0, 1), got {args.identity_drop}")
    DIM, HIDDEN, WIDTH2, IDENTITY_DROP = args.dim, args.hidden, args.width2, args.identity_drop
    p, meta, metrics = train(args)
    export(p, meta, args.out)
    metrics["onnxParityMaxAbs"] = parity(p, meta, args.out, args.dev)
    json.dump(metrics, open(args.metrics, "w"), indent=2)
    print(f"train: wrote {args.out} ({metrics['cpuSeconds']} s CPU)")


if __name__ == "__main__":
    main()
