"""Writes TF.js graph models (format "graph-model") from real TensorFlow graphs, for the loader tests.

There is no tensorflowjs converter package here, so this script does the converter's work with
TensorFlow itself: a Keras model with seeded random weights is traced, its variables frozen to
constants (convert_variables_to_constants_v2), and the GraphDef optimised by grappler with the
optimizer list tfjs-converter uses (one copy also without the remapper and arithmetic optimizer, so
unfused ops appear; the remapper writes _FusedConv2D, _FusedMatMul and the fused
depthwise conv, which tfjs calls FusedDepthwiseConv2dNative), and written in the tfjs layout: modelTopology = the GraphDef
as protobuf JSON with each Const's value moved into weights.bin (int64 cast to int32), plus the
weightsManifest and signature. The tests compare loadTfjs + runCnn with tfjs's own loadGraphModel.

    python3 -m venv /tmp/tf
    /tmp/tf/bin/pip install --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple tensorflow-cpu
    /tmp/tf/bin/python scripts/export-tf-graph.py test/fixtures/tfjs-graph

(tensorflow-cpu 2.21.0 with Keras 3.15 made the committed files.)
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf
import keras
from google.protobuf import json_format
from tensorflow.core.protobuf import config_pb2, meta_graph_pb2
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2
from tensorflow.python.grappler import tf_optimizer

L = keras.layers


def cnn():
    """Rescaling, fused convs, residual AddV2, both resizes, concat, pools, Pad, Mean, a fused dense."""
    inp = keras.Input((16, 16, 3), name="image")
    x = L.Rescaling(1 / 127.5, offset=-1)(inp)
    x = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    y = L.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    x = L.Add()([x, y])
    a = L.UpSampling2D(2, interpolation="bilinear")(x)
    b = L.Resizing(32, 32, interpolation="nearest")(x)
    x = L.Concatenate()([a, b])
    x = L.ZeroPadding2D(((1, 0), (0, 1)))(x)
    x = L.Conv2D(12, 3, strides=2, activation="sigmoid")(x)
    x = L.MaxPooling2D(2)(x)
    x = L.AveragePooling2D(2, padding="same")(x)
    x = L.Conv2D(6, 1, activation="tanh")(x)
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dense(16, activation="relu")(x)
    x = L.Dense(5, activation="softmax")(x)
    return keras.Model(inp, x, name="cnn")


def mobilenet():
    """Input normalisation (Sub, RealDiv), depthwise + pointwise blocks with ReLU6, flatten, dense."""
    inp = keras.Input((12, 12, 3), name="image")
    x = L.Normalization(mean=[0.5, 0.4, 0.3], variance=[0.04, 0.09, 0.16])(inp)
    x = L.Conv2D(8, 3, strides=2, padding="same", activation="relu6")(x)
    for k, stride in enumerate([1, 2]):
        y = L.DepthwiseConv2D(3, strides=stride, padding="same", depth_multiplier=2, activation="relu6")(x)
        y = L.Conv2D(8, 1)(y)
        x = L.Add()([x, y]) if stride == 1 else y
    x = L.Flatten()(x)
    x = L.Dense(4)(x)
    return keras.Model(inp, x, name="mobilenet")


def randomize(model, seed):
    rng = np.random.default_rng(seed)
    model.set_weights([(rng.standard_normal(w.shape) * (0.1 if w.ndim == 1 else (2.0 / max(1, np.prod(w.shape[:-1]))) ** 0.5)).astype(np.float32) for w in model.get_weights()])


FULL = ["pruning", "constfold", "arithmetic", "dependency", "pruning", "remap", "constfold", "arithmetic", "dependency"]
# without the remapper and the arithmetic optimizer: unfused Conv2D / DepthwiseConv2dNative / MatMul + BiasAdd, RealDiv
PLAIN = ["pruning", "constfold", "dependency"]


def optimize(model, shape, optimizers):
    spec = tf.TensorSpec([None, *shape], tf.float32, name="input")
    fn = tf.function(lambda t: model(t, training=False)).get_concrete_function(spec)
    frozen = convert_variables_to_constants_v2(fn)
    gd = frozen.graph.as_graph_def()
    meta = tf.compat.v1.train.export_meta_graph(graph_def=gd, graph=frozen.graph)
    sig = meta_graph_pb2.SignatureDef()
    for t in frozen.inputs:
        sig.inputs[t.name].name = t.name
        sig.inputs[t.name].dtype = t.dtype.as_datatype_enum
    for t in frozen.outputs:
        sig.outputs[t.name].name = t.name
        sig.outputs[t.name].dtype = t.dtype.as_datatype_enum
    meta.signature_def["serving_default"].CopyFrom(sig)
    meta.collection_def["train_op"].node_list.value.extend([t.name.split(":")[0] for t in frozen.outputs])
    for n in meta.graph_def.node:
        n.device = "/device:CPU:0"  # grappler's remapper fuses only ops placed on the CPU
    config = config_pb2.ConfigProto()
    config.graph_options.rewrite_options.optimizers[:] = optimizers
    return tf_optimizer.OptimizeGraph(config, meta), frozen.inputs[0].name, frozen.outputs[0].name


def tfjs_ops(gd):
    """Grappler writes the fused depthwise conv as _FusedDepthwiseConv2dNative; tfjs names it FusedDepthwiseConv2dNative."""
    for n in gd.node:
        if n.op == "_FusedDepthwiseConv2dNative":
            n.op = "FusedDepthwiseConv2dNative"
        n.device = ""
    return gd


def write(gd, input_name, output_name, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    weights, blobs = [], []
    for n in gd.node:
        if n.op != "Const":
            continue
        value = tf.make_ndarray(n.attr["value"].tensor)
        if value.dtype == np.int64:
            value = value.astype(np.int32)
        dtype = "int32" if value.dtype == np.int32 else "float32"
        value = value.astype(np.int32 if dtype == "int32" else np.float32)
        weights.append({"name": n.name, "shape": list(value.shape), "dtype": dtype})
        blobs.append(value.tobytes())
        del n.attr["value"]
        if dtype == "int32":
            n.attr["dtype"].type = tf.int32.as_datatype_enum
    with open(os.path.join(out_dir, "weights.bin"), "wb") as f:
        f.write(b"".join(blobs))
    topology = json_format.MessageToDict(gd)
    tensor = lambda name: {"name": name, "dtype": "DT_FLOAT"}
    model = {
        "format": "graph-model",
        "generatedBy": tf.__version__,
        "convertedBy": "scripts/export-tf-graph.py (TensorFlow grappler + the tfjs graph-model layout)",
        "modelTopology": topology,
        "signature": {"inputs": {input_name: tensor(input_name)}, "outputs": {output_name: tensor(output_name)}},
        "weightsManifest": [{"paths": ["weights.bin"], "weights": weights}],
    }
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(model, f)
        f.write("\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/tfjs-graph"
    for seed, (make, shape, optimizers, suffix) in enumerate([(cnn, (16, 16, 3), FULL, ""), (mobilenet, (12, 12, 3), FULL, ""), (mobilenet, (12, 12, 3), PLAIN, "-unfused")]):
        model = make()
        randomize(model, seed)
        gd, i, o = optimize(model, shape, optimizers)
        write(tfjs_ops(gd), i, o, os.path.join(out, model.name + suffix))
        print(model.name + suffix, sorted({n.op for n in gd.node}))


if __name__ == "__main__":
    main()
