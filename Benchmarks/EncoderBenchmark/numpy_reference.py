#!/usr/bin/env python3
"""Independent NumPy implementation of the all-MiniLM-L6-v2 sentence encoder.

It is the correctness oracle and the speed baseline for CabinInference's Swift encoder:

  numpy_reference.py fixture MODEL_DIR OUT.json
      Tokenises the oracle sentences with the reference tokenizer (`pip install tokenizers`),
      runs the forward pass in float64 and writes ids and embeddings to OUT.json.
  numpy_reference.py bench MODEL_DIR < REQUEST.json
      Reads {"single": [ids], "batch": [[ids], ...], "iterations": n, "warmup": n} and prints
      {"singleMs": [...], "batchSeconds": s, "batchCount": n, "peakRSSKiB": k} after timing the
      float32 forward pass (tokenisation is not timed: the ids come from the caller).

The forward pass pads a batch to its longest sequence and masks the padding, which is the
classic BERT formulation; the Swift encoder packs sequences instead, so agreement checks both.
"""
import json
import math
import struct
import sys
import time

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64}

ORACLE_SENTENCES = [
    "Set the driver side to 21 degrees.",
    "I'm freezing back here, can you warm it up?",
    "Play some jazz from the seventies",
    "How far can I drive before I need to charge?",
    "Turn the fan down a notch",
    "Open the rear windows halfway",
    "Navigate to the nearest charging station with a fast charger",
    "How will the weather be in Zürich tomorrow morning?",
    "Call Mum",
    "Skip this song, it's terrible",
    "The windscreen keeps fogging up",
    "Is there a café nearby that's open late?",
    "Remind me what the tyre pressure is",
    "Tell me a joke about penguins",
    "Send a message to Alex saying I'll be ten minutes late",
    "Turn it up! 🎶",
    "21°C please",
    "",
    "Ok",
    "The quick brown fox jumps over the lazy dog while the radio plays the news, the navigation "
    "recalculates the route around an accident on the motorway and the passenger asks whether we "
    "will reach the hotel before dinner or should phone ahead to say that we are running late.",
]


def load_safetensors(path):
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
    base = 8 + header_len
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        tensors[name] = raw[base + start : base + end].view(dtype).reshape(info["shape"])
    return tensors


class Bert:
    def __init__(self, model_dir, dtype):
        with open(f"{model_dir}/config.json") as f:
            self.config = json.load(f)
        t = load_safetensors(f"{model_dir}/model.safetensors")
        self.w = {k: np.asarray(v, dtype=dtype) for k, v in t.items() if v.dtype != np.int64}
        self.dtype = dtype
        self.heads = self.config["num_attention_heads"]
        self.eps = self.config["layer_norm_eps"]

    def layer_norm(self, x, prefix):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def linear(self, x, prefix):
        return x @ self.w[prefix + ".weight"].T + self.w[prefix + ".bias"]

    def gelu(self, x):
        erf = np.vectorize(math.erf, otypes=[self.dtype]) if self.dtype == np.float64 else None
        if erf is not None:
            return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))
        return 0.5 * x * (1.0 + erf_approx(x / np.float32(math.sqrt(2.0))))

    def embed(self, batch_ids):
        """Returns L2-normalised mean-pooled embeddings, one row per id list."""
        n = len(batch_ids)
        length = max(len(ids) for ids in batch_ids)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=self.dtype)
        for i, row in enumerate(batch_ids):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(length)][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = self.layer_norm(x, "embeddings.LayerNorm")
        hidden = x.shape[-1]
        head_dim = hidden // self.heads
        bias = ((1.0 - mask) * np.finfo(self.dtype).min)[:, None, None, :]
        for layer in range(self.config["num_hidden_layers"]):
            p = f"encoder.layer.{layer}."

            def split(t):
                return t.reshape(n, length, self.heads, head_dim).transpose(0, 2, 1, 3)

            q = split(self.linear(x, p + "attention.self.query"))
            k = split(self.linear(x, p + "attention.self.key"))
            v = split(self.linear(x, p + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(self.dtype(head_dim)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            probs = scores / scores.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(n, length, hidden)
            x = self.layer_norm(x + self.linear(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            inner = self.gelu(self.linear(x, p + "intermediate.dense"))
            x = self.layer_norm(x + self.linear(inner, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def erf_approx(x):
    """float32 erf for the timing path (NumPy has no vectorised erf); error below 1.5e-7."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + np.float32(0.3275911) * a)
    poly = t * (np.float32(0.254829592) + t * (np.float32(-0.284496736) + t * (
        np.float32(1.421413741) + t * (np.float32(-1.453152027) + t * np.float32(1.061405429)))))
    return sign * (1.0 - poly * np.exp(-a * a))


def fixture(model_dir, out_path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=256)
    model = Bert(model_dir, np.float64)
    cases = []
    for text in ORACLE_SENTENCES:
        ids = tokenizer.encode(text).ids
        embedding = model.embed([ids])[0]
        cases.append({"text": text, "ids": ids, "embedding": [round(float(v), 8) for v in embedding]})
    batch = model.embed([c["ids"] for c in cases])
    for case, row in zip(cases, batch):
        assert float(np.dot(row, case["embedding"])) > 0.999999, "padding changed an embedding"
    with open(out_path, "w") as f:
        lines = [json.dumps(case, ensure_ascii=False) for case in cases]
        f.write('{"model": "all-MiniLM-L6-v2", "maxLength": 256, "cases": [\n')
        f.write(",\n".join(lines))
        f.write("\n]}\n")


def peak_rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def bench(model_dir):
    request = json.load(sys.stdin)
    model = Bert(model_dir, np.float32)
    for _ in range(request.get("warmup", 5)):
        model.embed([request["single"]])
    single_ms = []
    for _ in range(request["iterations"]):
        start = time.perf_counter()
        model.embed([request["single"]])
        single_ms.append((time.perf_counter() - start) * 1000.0)
    batch = request["batch"]
    batch_size = request.get("batchSize", 32)
    model.embed(batch[:batch_size])
    start = time.perf_counter()
    for i in range(0, len(batch), batch_size):
        model.embed(batch[i : i + batch_size])
    batch_seconds = time.perf_counter() - start
    json.dump(
        {"singleMs": single_ms, "batchSeconds": batch_seconds, "batchCount": len(batch), "peakRSSKiB": peak_rss_kib()},
        sys.stdout,
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "fixture":
        fixture(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "bench":
        bench(sys.argv[2])
    else:
        sys.exit(__doc__)
