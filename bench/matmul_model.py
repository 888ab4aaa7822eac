"""Helper of bench/unet-step.ts: writes a one-MatMul ONNX model, A [n, n] @ W [n, n] with W an
initializer (as a U-Net's weights), for the machine's MatMul peak in onnxruntime.
Usage: python3 bench/matmul_model.py --n 2048 --out matmul.onnx"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    n = args.n
    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((n, n)).astype(np.float32), "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "w"], ["y"])], "matmul",
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])], [w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), args.out)


if __name__ == "__main__":
    main()
