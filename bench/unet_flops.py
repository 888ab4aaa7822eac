"""Helper of bench/unet-step.ts: the FLOPs of one call of a U-Net ONNX file, and a one-MatMul model
for the machine's peak. Counts Conv, MatMul, Gemm, FusedMatMul (2 per multiply-add) and
com.microsoft.MultiHeadAttention (its two attention products) on the graph's shapes for the given
input dims (shape inference; a MultiHeadAttention output takes its query's shape).
Usage: python3 bench/unet_flops.py --model M.onnx --dims '{"sample": [3, 9, 16, 16, 16], ...}' --out f.json
       python3 bench/unet_flops.py --matmul 2048 --out matmul.onnx"""
import argparse
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference


def matmul_model(n: int, path: str) -> None:
    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((n, n)).astype(np.float32), "w")
    node = helper.make_node("MatMul", ["a", "w"], ["y"])
    graph = helper.make_graph([node], "matmul", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])], [w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def _shapes(model) -> dict:
    out = {}
    for v in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output):
        dims = [d.dim_value if d.HasField("dim_value") else None for d in v.type.tensor_type.shape.dim]
        if v.type.tensor_type.HasField("shape") and all(d is not None for d in dims):
            out[v.name] = dims
    for i in model.graph.initializer:
        out[i.name] = list(i.dims)
    return out


def count(path: str, dims: dict) -> dict:
    model = onnx.load(path)
    for inp in model.graph.input:
        if inp.name in dims:
            for d, value in zip(inp.type.tensor_type.shape.dim, dims[inp.name]):
                d.Clear()
                d.dim_value = value
    for _ in range(64):  # MultiHeadAttention has no shape inference: give it its query's shape, again
        model = shape_inference.infer_shapes(model, data_prop=True)
        shapes = _shapes(model)
        known = {v.name for v in model.graph.value_info}
        added = False
        for node in model.graph.node:
            if node.op_type == "MultiHeadAttention" and node.output[0] not in shapes and node.input[0] in shapes:
                model.graph.value_info.append(helper.make_tensor_value_info(
                    node.output[0], TensorProto.FLOAT, shapes[node.input[0]]))
                added = True
        if not added:
            break
    shapes = _shapes(model)
    flops, by_op, unknown = 0, {}, []
    for node in model.graph.node:
        op = node.op_type
        if op not in ("Conv", "MatMul", "Gemm", "FusedMatMul", "MultiHeadAttention"):
            continue
        if node.output[0] not in shapes or any(i and i not in shapes for i in node.input[:2]):
            unknown.append(node.name or op)
            continue
        y = shapes[node.output[0]]
        if op == "Conv":
            w = shapes[node.input[1]]
            f = 2 * int(np.prod(y)) * int(np.prod(w[1:]))
        elif op == "MultiHeadAttention":
            q, k = shapes[node.input[0]], shapes[node.input[1]]
            f = 2 * 2 * q[0] * q[1] * k[1] * q[2]  # QK^T and PV over all heads
        else:
            a = shapes[node.input[0]]
            trans_a = next((x.i for x in node.attribute if x.name == "transA"), 0)
            k = a[-2] if trans_a else a[-1]
            f = 2 * int(np.prod(y)) * k
        flops += f
        by_op[op] = by_op.get(op, 0) + f
    return {"flops": flops, "by_op": by_op, "nodes": len(model.graph.node), "uncounted": unknown}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--dims", default="{}")
    parser.add_argument("--matmul", type=int)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.matmul:
        matmul_model(args.matmul, args.out)
    else:
        with open(args.out, "w") as f:
            json.dump(count(args.model, json.loads(args.dims)), f)


if __name__ == "__main__":
    main()
