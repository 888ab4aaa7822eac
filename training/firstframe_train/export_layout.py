"""The video U-Nets' export-time layout (issue 33): the same parameters and the same function as
the training modules (nets/), written so that onnxruntime's CPU provider runs the graph faster.
- Self-attention is one `com.microsoft.MultiHeadAttention` node on [N, T, C] tokens: the heads are
  split and merged inside the kernel, not by Transpose nodes around batched MatMuls.
- Cross-attention to the text (spatial and temporal) takes the queries of all frames of a sample
  at once ([B, F*T, C]) against the sample's own text [B, L, D] (no per-frame copy of the text),
  with the heads folded into two MatMuls on the queries (text_attention).
- A TemporalBlock works on channel-last tokens [B, H*W, F, C] from its one transpose in to its
  one transpose out: the temporal conv is one Gemm to the three taps' outputs [.., F, 3C] added
  with a one-frame shift (no Conv3d in [B, C, F, H, W]), its GroupNorm reduces in place, and the
  temporal attention reads [B*H*W, F, C] as it lies.
- A SpatialTransformer's 1x1 proj_in / proj_out are MatMuls whose transposes ORT fuses
  (FusedMatMul transA / transB) instead of a Transpose in and out.
- Channel and spatial sizes are constants in the graph; only batch and frames stay symbolic.
The modules hold the training modules (FastUNet(unet).unet is the UNet): no retraining, no
weight conversion. Parameters reach the graph unchanged (export with do_constant_folding off, see
export.export_onnx): every transform of a weight (a transpose, the conv taps' reordering) is a node
on the initializer that ORT folds when it loads the model, so import_model finds every parameter
in the file under its own name and values. PyTorch runs the same math (MultiHeadAttention's
forward in torch), which tests/test_export_layout.py compares with the training modules.
`python3 -m firstframe_train.export_layout --model DIR [--out DIR2]` re-exports a folder's video
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


def text_attention(a: Attention, x, context):
    """a(x, context) for queries x [B, T, C] and a short context [B, L, D], heads folded into two
    MatMuls on the queries: scores = x @ G with G[b] = [Wq_h^T k_h^T * scale]_h ([C, heads * L]),
    a softmax per head over L, and out = P @ V' + bias with V'[b] = [v_h Wo_h^T]_h ([heads * L, C]).
    The same sums reassociated: no head split, no transposes of the T queries, no [B, T, C] q."""
    n_ctx, c = _static(context.shape[1], x.shape[-1])
    heads = a.heads
    dh = c // heads
    k = a.to_k(context).reshape(-1, n_ctx, heads, dh)
    v = a.to_v(context).reshape(-1, n_ctx, heads, dh)
    g = torch.einsum("hdc,blhd->bchl", a.to_q.weight.reshape(heads, dh, c), k * a.scale)
    scores = torch.matmul(x, g.reshape(-1, c, heads * n_ctx))
    probs = scores.reshape(-1, n_ctx).softmax(dim=-1).reshape_as(scores)
    vo = torch.einsum("blhd,chd->bhlc", v, a.to_out.weight.reshape(c, heads, dh))
    return torch.matmul(probs, vo.reshape(-1, heads * n_ctx, c)) + a.to_out.bias


def spatial_transformer(st: SpatialTransformer, x, context, batch, num_frames):
    """st(x, context) on x [B*F, C, H, W] with the text [B, L, D] once per sample."""
    c, h, w = _static(*x.shape[1:])
    hw = h * w
    xn = st.norm(x).reshape(-1, c, hw)
    t = torch.matmul(xn.transpose(1, 2), st.proj_in.weight.reshape(c, c).t()) + st.proj_in.bias  # [N, HW, C]
    normed = st.ln1(t)
    t = t + attention(st.self_attn, normed, anchored_keys(normed, num_frames, st.frame_anchor))
    t = t + text_attention(st.cross_attn, st.ln2(t).reshape(batch, -1, c), context).reshape(-1, hw, c)
    t = t + st.ff(st.ln3(t))
    out = torch.matmul(st.proj_out.weight.reshape(c, c), t.transpose(1, 2)) + st.proj_out.bias[:, None]
    return x + out.reshape(-1, c, h, w)


def _group_norm_tokens(gn: nn.GroupNorm, t, batch):
    """gn over [B, C, F, H, W], on channel-last tokens t [B, HW, F, C]: the group's statistics
    over (HW, F, its channels), two-pass as torch computes them."""
    c, groups = _static(t.shape[-1], gn.num_groups)
    g = t.reshape(batch, -1, groups, c // groups)
    d = g - g.mean(dim=(1, 3), keepdim=True)
    var = (d * d).mean(dim=(1, 3), keepdim=True)
    scale = torch.rsqrt(var + gn.eps) * gn.weight.reshape(groups, c // groups)  # [B, 1, G, C/G]
    return (d * scale + gn.bias.reshape(groups, c // groups)).reshape_as(t)


def temporal_block(tb: TemporalBlock, x, context, batch, num_frames):
    """tb(x, num_frames, context) on x [B*F, C, H, W] with the text [B, L, D] once per sample."""
    c, h, w = _static(*x.shape[1:])
    hw = h * w
    t = x.reshape(-1, num_frames, c, hw).permute(0, 3, 1, 2)  # [B, HW, F, C]: the one transpose in
    if tb.text_attn is not None:
        tokens = t.reshape(batch, -1, c)
        t = (tokens + text_attention(tb.text_attn, tb.text_norm(tokens), context)).reshape_as(t)
    # Conv3d (3, 1, 1), padding 1 over frames: y[f] = W0 x[f-1] + W1 x[f] + W2 x[f+1] + bias
    s = F.silu(_group_norm_tokens(tb.conv_norm, t, batch)).reshape(-1, c)  # rows (b, hw, f)
    taps = tb.conv.weight.reshape(c, c, 3).permute(1, 2, 0).reshape(c, 3 * c)  # [cin, k * C + cout]
    no_bias = torch.zeros_like(tb.conv.bias)
    taps_bias = torch.cat([no_bias, tb.conv.bias, no_bias])  # the bias once, on the middle tap
    z = torch.addmm(taps_bias, s, taps).reshape(batch, hw, -1, 3 * c)  # one Gemm, bias included
    z0, z1, z2 = z.split(c, dim=-1)  # each [B, HW, F, C]
    zero = torch.zeros_like(z1[:, :, :1])
    t = t + (z1 + torch.cat([zero, z0[:, :, :-1]], dim=2) + torch.cat([z2[:, :, 1:], zero], dim=2))
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
        out = u.conv_out(F.silu(u.norm_out(h)))
        if u.temporal_enabled:
            out = out.reshape(-1, num_frames, IMAGE_CHANNELS, hh, ww).permute(0, 2, 1, 3, 4)
        return out


def layout_of(module: nn.Module, layout: str) -> str:
    """The layout a component is traced in under `layout`: "fast" applies to the video U-Nets.
    The image U-Net keeps its training graph: its fast layout measured no faster (bench/unet-step.ts
    --component unet_image, 2026-12-05: CPU time 1.03x), having no temporal blocks to gain on."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown export layout {layout!r}: one of {', '.join(LAYOUTS)}")
    return layout if isinstance(module, UNet) and module.temporal_enabled else "training"


def for_export(module: nn.Module, layout: str) -> nn.Module:
    """The module to trace for `layout` (FastUNet for a video U-Net under "fast")."""
    return FastUNet(module) if layout_of(module, layout) == "fast" else module


def relayout(model: Path, preset_name: str, layout: str = DEFAULT_LAYOUT, out: Path = None) -> dict:
    """Re-exports a model folder's U-Nets in `layout` (layout_of: the video U-Nets) from the folder's
    own ONNX weights (import_model's probe map; the graph each file was written with is its recorded
    export_layout). Writes into `out` (default: the folder itself); every other file, and a U-Net
    already in its layout, stays as it is."""
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
    todo = {name: unet for name, unet in unets.items() if layout_of(unet, layout) != source[name]}
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
    args = parser.parse_args(argv)
    relayout(Path(args.model), args.preset, args.layout, Path(args.out) if args.out else None)


if __name__ == "__main__":
    main()
