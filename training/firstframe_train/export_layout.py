"""The video U-Nets' export-time layout (issue 33): the same parameters and the same function as
the training modules (nets/), written so that onnxruntime's CPU provider runs the graph faster.
- Self-attention is one `com.microsoft.MultiHeadAttention` node on [N, T, C] tokens: the heads are
  split and merged inside the kernel, not by Transpose nodes around batched MatMuls.
- Cross-attention to the text (spatial and temporal) takes the queries of all frames of a sample
  at once ([B, F*T, C]) against the sample's own text [B, L, D] (no per-frame copy of the text),
  with the heads folded into two MatMuls on the queries (text_attention; the per-head weights as
  MatMuls batched over heads, not Einsum nodes).
- A TemporalBlock works on channel-last tokens [B, H*W, F, C] (text and frame attention read them
  as they lie); its GroupNorm, SiLU and Conv3d (3, 1, 1) run on [B, C, H*W, F] as a GroupNorm and
  a Conv2d (1, 3): ORT runs that conv in its blocked NCHWc layout and fuses the transpose back to
  channel-last into it, so the frame shift makes no Split / Slice / Concat copies (2x faster than
  a Gemm to three taps plus shifted adds, measured on the block alone).
- GroupNorm is an InstanceNormalization per group (as torch exports it) and its affine one
  BatchNormalization (group_norm), not a Mul and an Add.
- A SpatialTransformer's 1x1 proj_in / proj_out are MatMuls whose transposes ORT fuses
  (FusedMatMul transA / transB) instead of a Transpose in and out.
- Channel and spatial sizes are constants in the graph; only batch and frames stay symbolic.
The modules hold the training modules (FastUNet(unet).unet is the UNet): no retraining, no
weight conversion. Parameters reach the graph unchanged (export with do_constant_folding off, see
export.export_onnx): every transform of a weight (a transpose, a reshape) is a node
on the initializer that ORT folds when it loads the model, so import_model finds every parameter
in the file under its own name and values. PyTorch runs the same math (MultiHeadAttention's
forward in torch), which tests/test_export_layout.py compares with the training modules.
`python3 -m firstframe_train.export_layout --model DIR [--out DIR2] [--force]` re-exports a folder's video
U-Nets in this layout from the folder's own ONNX weights (bench/unet-step.ts compares the two)."""
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from .nets.layers import Attention, ResBlock, SpatialTransformer, TemporalBlock, anchored_keys, timestep_embedding
from .nets.unet import IMAGE_CHANNELS, UNet

LAYOUTS = ("training", "fast")
DEFAULT_LAYOUT = "fast"
MS_DOMAIN = "com.microsoft"
CUSTOM_OPSETS = {MS_DOMAIN: 1}


def reference_attention(q, k, v, heads: int, scale: float):
    """nets.layers.Attention's core on projected q [N, T, C], k and v [N, S, C]."""
    def split(t):
        return t.reshape(t.shape[0], t.shape[1], heads, -1).transpose(1, 2)
    scores = torch.matmul(split(q), split(k).transpose(-1, -2)) * scale
    out = torch.matmul(scores.softmax(dim=-1), split(v)).transpose(1, 2)
    return out.reshape(out.shape[0], out.shape[1], -1)


class MultiHeadAttention(torch.autograd.Function):
    """Exports as com.microsoft.MultiHeadAttention (q [N, T, C], k and v [N, S, C] -> [N, T, C])."""

    @staticmethod
    def forward(ctx, q, k, v, heads: int, scale: float):
        return reference_attention(q, k, v, heads, scale)

    @staticmethod
    def symbolic(g, q, k, v, heads, scale):
        out = g.op(f"{MS_DOMAIN}::MultiHeadAttention", q, k, v, num_heads_i=heads, scale_f=scale)
        out.setType(q.type())
        return out


def attention(a: Attention, x, context=None):
    """a(x, context) without bias, through the fused attention node."""
    context = x if context is None else context
    out = MultiHeadAttention.apply(a.to_q(x), a.to_k(context), a.to_v(context), a.heads, a.scale)
    return a.to_out(out)


def _static(*dims) -> tuple:
    """Channel and spatial sizes as Python ints, so the graph holds them as constants (the model
    format fixes them); only the batch and the frame count stay symbolic."""
    return tuple(int(d) for d in dims)


class GroupNorm(torch.autograd.Function):
    """F.group_norm on [N, C, ...], exported as torch exports it (each group normalised by an
    InstanceNormalization over [N, groups, -1]) but with the affine as one BatchNormalization (mean
    0, variance 1 - eps: scale 1), one pass where torch writes a Mul and an Add."""

    @staticmethod
    def forward(ctx, x, weight, bias, groups: int, eps: float):
        return F.group_norm(x, groups, weight, bias, eps)

    @staticmethod
    def symbolic(g, x, weight, bias, groups, eps):
        const = lambda t: g.op("Constant", value_t=t)
        c = weight.type().sizes()[0]
        grouped = g.op("Reshape", x, const(torch.tensor([0, groups, -1])))
        normed = g.op("InstanceNormalization", grouped, const(torch.ones(groups)), const(torch.zeros(groups)),
                      epsilon_f=eps)
        normed = g.op("Reshape", normed, g.op("Shape", x))
        out = g.op("BatchNormalization", normed, weight, bias, const(torch.zeros(c)),
                   const(torch.full((c,), 1.0 - eps)), epsilon_f=eps)
        out.setType(x.type())
        return out


def group_norm(gn: nn.GroupNorm, x):
    return GroupNorm.apply(x, gn.weight, gn.bias, gn.num_groups, gn.eps)


def res_block(rb: ResBlock, x, emb):
    """rb(x, emb) with group_norm."""
    h = rb.conv1(F.silu(group_norm(rb.norm1, x)))
    if rb.emb_proj is not None:
        h = h + rb.emb_proj(F.silu(emb))[:, :, None, None]
    h = rb.conv2(F.silu(group_norm(rb.norm2, h)))
    return rb.skip(x) + h


def text_attention(a: Attention, x, context):
    """a(x, context) for queries x [B, T, C] and a short context [B, L, D], heads folded into two
    MatMuls on the queries: scores = x @ G with G[b] = [Wq_h^T k_h^T * scale]_h ([C, heads * L]),
    a softmax per head over L, and out = P @ V' + bias with V'[b] = [v_h Wo_h^T]_h ([heads * L, C]).
    The same sums reassociated: no head split, no transposes of the T queries, no [B, T, C] q."""
    n_ctx, c = _static(context.shape[1], x.shape[-1])
    heads = a.heads
    dh = c // heads
    # G and V' as MatMuls batched over the heads (ORT's Einsum costs ~60 us a node here)
    k = a.to_k(context).reshape(-1, heads, dh).permute(1, 2, 0)  # [heads, dh, B*L]
    v = a.to_v(context).reshape(-1, heads, dh).transpose(0, 1)  # [heads, B*L, dh]
    g = torch.matmul(a.to_q.weight.reshape(heads, dh, c).transpose(1, 2), k * a.scale)  # [heads, C, B*L]
    g = g.reshape(heads, c, -1, n_ctx).permute(2, 1, 0, 3)  # [B, C, heads, L]
    scores = torch.matmul(x, g.reshape(-1, c, heads * n_ctx))
    probs = scores.reshape(-1, n_ctx).softmax(dim=-1).reshape_as(scores)
    vo = torch.matmul(v, a.to_out.weight.reshape(c, heads, dh).permute(1, 2, 0))  # [heads, B*L, C]
    vo = vo.reshape(heads, -1, n_ctx, c).transpose(0, 1)  # [B, heads, L, C]
    return torch.matmul(probs, vo.reshape(-1, heads * n_ctx, c)) + a.to_out.bias


def spatial_transformer(st: SpatialTransformer, x, context, batch, num_frames):
    """st(x, context) on x [B*F, C, H, W] with the text [B, L, D] once per sample."""
    c, h, w = _static(*x.shape[1:])
    hw = h * w
    xn = group_norm(st.norm, x).reshape(-1, c, hw)
    t = torch.matmul(xn.transpose(1, 2), st.proj_in.weight.reshape(c, c).t()) + st.proj_in.bias  # [N, HW, C]
    normed = st.ln1(t)
    t = t + attention(st.self_attn, normed, anchored_keys(normed, num_frames, st.frame_anchor))
    t = t + text_attention(st.cross_attn, st.ln2(t).reshape(batch, -1, c), context).reshape(-1, hw, c)
    t = t + st.ff(st.ln3(t))
    out = torch.matmul(st.proj_out.weight.reshape(c, c), t.transpose(1, 2)) + st.proj_out.bias[:, None]
    return x + out.reshape(-1, c, h, w)


def temporal_block(tb: TemporalBlock, x, context, batch, num_frames):
    """tb(x, num_frames, context) on x [B*F, C, H, W] with the text [B, L, D] once per sample."""
    c, h, w = _static(*x.shape[1:])
    hw = h * w
    t = x.reshape(-1, num_frames, c, hw).permute(0, 3, 1, 2)  # [B, HW, F, C]: the one transpose in
    if tb.text_attn is not None:
        tokens = t.reshape(batch, -1, c)
        t = (tokens + text_attention(tb.text_attn, tb.text_norm(tokens), context)).reshape_as(t)
    # GroupNorm, SiLU and the Conv3d (3, 1, 1) as a Conv2d (1, 3) on [B, C, HW, F]: the group's values
    # lie together for ORT's InstanceNormalization, ORT runs the conv in its blocked NCHWc layout
    # and fuses the transpose back to channel-last into it (ReorderOutput); no frame-shift copies
    s = F.silu(group_norm(tb.conv_norm, t.permute(0, 3, 1, 2)))
    y = F.conv2d(s, tb.conv.weight.reshape(c, c, 1, 3), tb.conv.bias, padding=(0, 1))
    t = t + y.permute(0, 2, 3, 1)
    # attention over frames: tokens [B*HW, F, C] as they lie
    frame_pos = timestep_embedding(torch.arange(num_frames, device=x.device).float(), c)
    seq = t.reshape(-1, num_frames, c)
    seq = seq + attention(tb.attn, tb.attn_norm(seq + frame_pos[None]))
    if tb.ff is not None:
        seq = seq + tb.ff(tb.ff_norm(seq))
    return seq.reshape_as(t).permute(0, 2, 3, 1).reshape(-1, c, h, w)  # the one transpose out


class FastUNet(nn.Module):
    """UNet.forward in the export layout; `unet` is the training module, its parameters unchanged."""

    def __init__(self, unet: UNet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        u = self.unet
        emb = u.time_embed(timestep_embedding(timestep, u.base_channels))
        context, num_frames, batch = encoder_hidden_states, None, sample.shape[0]
        x = sample
        if u.temporal_enabled:
            num_frames = sample.shape[2]
            c, hh, ww = _static(sample.shape[1], *sample.shape[3:])
            x = sample.permute(0, 2, 1, 3, 4).reshape(-1, c, hh, ww)  # frame index = b * F + f
            emb = emb[:, None].expand(-1, num_frames, -1).reshape(-1, emb.shape[-1])

        def run(name, layers, h):
            for j, layer in enumerate(layers):
                if isinstance(layer, SpatialTransformer):
                    h = spatial_transformer(layer, h, context, batch, num_frames if u.temporal_enabled else None)
                elif isinstance(layer, ResBlock):
                    h = res_block(layer, h, emb)
                else:
                    h = layer(h, emb)
                for key in u.temporal_keys(name, j):
                    h = temporal_block(u.temporal[key], h, context, batch, num_frames)
            return h

        h = u.conv_in(x)
        skips = [h]
        for i, layers in enumerate(u.down):
            h = run(f"down{i}", layers, h)
            skips.append(h)
        h = run("mid", u.mid, h)
        for i, layers in enumerate(u.up):
            h = run(f"up{i}", layers, torch.cat([h, skips.pop()], dim=1))
        out = u.conv_out(F.silu(group_norm(u.norm_out, h)))
        if u.temporal_enabled:
            out = out.reshape(-1, num_frames, IMAGE_CHANNELS, hh, ww).permute(0, 2, 1, 3, 4)
        return out


def layout_of(module: nn.Module, layout: str) -> str:
    """The layout a component is traced in under `layout`: "fast" applies to the video U-Nets.
    The image U-Net keeps its training graph: FastUNet of it measured no faster at first
    (bench/unet-step.ts --component unet_image, 2026-12-05: CPU time 1.03x), and with this
    version of the layout only a little (the candidates' batch 8, 30 rounds: per-round wall ratio
    median 0.956 at 2 threads, 0.978 at 1), short of the 0.93 that a re-export of a shipped model needs."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown export layout {layout!r}: one of {', '.join(LAYOUTS)}")
    return layout if isinstance(module, UNet) and module.temporal_enabled else "training"


def for_export(module: nn.Module, layout: str) -> nn.Module:
    """The module to trace for `layout` (FastUNet for a video U-Net under "fast")."""
    return FastUNet(module) if layout_of(module, layout) == "fast" else module


def relayout(model: Path, preset_name: str, layout: str = DEFAULT_LAYOUT, out: Path = None,
             force: bool = False) -> dict:
    """Re-exports a model folder's U-Nets in `layout` (layout_of: the video U-Nets) from the folder's
    own ONNX weights (import_model's probe map; the graph each file was written with is its recorded
    export_layout). Writes into `out` (default: the folder itself); every other file, and a U-Net
    already in its layout, stays as it is; `force` re-exports those in the fast layout too (after this
    module's layout changed: their parameters keep their names in every version of it, so they read back)."""
    import json
    import tempfile
    import types

    from .bundle import new_image_unet, new_video_unet
    from .config import get_preset
    from .export import component_specs, export_onnx
    from .import_model import import_component

    preset = get_preset(preset_name)
    out = Path(out or model)
    index = json.loads((model / "model_index.json").read_text())
    comps = index["components"]
    unets = {"unet_image": new_image_unet(preset)}
    for name in ("unet_video", "unet_direct"):
        if name in comps:
            unets[name] = new_video_unet(preset)
            unets[name].set_frame_anchor(comps[name].get("frame_anchor", "own"))

    # what component_specs reads of a bundle, for the U-Nets alone
    bundle = types.SimpleNamespace(preset=preset, text_encoder=None, video_decoder=None,
                                   autoencoder=types.SimpleNamespace(encoder=None, decoder=None),
                                   **{n: unets.get(n) for n in ("unet_image", "unet_video", "unet_direct")})
    specs = component_specs(bundle)
    source = {name: comps[name].get("export_layout", "training") for name in unets}
    todo = {name: unet for name, unet in unets.items()
            if layout_of(unet, layout) != source[name] or (force and source[name] != "training")}
    with tempfile.TemporaryDirectory() as tmp:  # every U-Net read before any file is written
        for name, unet in todo.items():
            _, inputs, in_names, out_names, axes, _ = specs[name]
            import_component(unet, (inputs, in_names, out_names, axes, source[name]), model / comps[name]["path"],
                             Path(tmp) / f"{name}.onnx")
    for name, unet in todo.items():
        _, inputs, in_names, out_names, axes, _ = specs[name]
        target = layout_of(unet, layout)
        path = out / comps[name]["path"]
        export_onnx(unet, inputs, in_names, out_names, axes, path, layout)
        if target == "training":
            comps[name].pop("export_layout", None)
        else:
            comps[name]["export_layout"] = target
        print(f"[relayout] {name}: {source[name]} -> {target}, {path.stat().st_size / 1e3:.0f} kB", flush=True)
    (out / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")
    return index


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(description="Re-export a model folder's U-Nets in another graph layout "
                                                 "from the folder's own ONNX weights (same weights, same outputs).")
    parser.add_argument("--model", required=True, help="exported model folder")
    parser.add_argument("--preset", default="cpu", help="the folder's architecture")
    parser.add_argument("--layout", choices=LAYOUTS, default=DEFAULT_LAYOUT)
    parser.add_argument("--out", default=None, help="write here (a copy of the folder) instead of in place")
    parser.add_argument("--force", action="store_true", help="re-export U-Nets already in the fast layout too (after its code changed)")
    args = parser.parse_args(argv)
    relayout(Path(args.model), args.preset, args.layout, Path(args.out) if args.out else None, args.force)


if __name__ == "__main__":
    main()
