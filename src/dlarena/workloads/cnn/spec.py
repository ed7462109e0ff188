from dlarena.workloads.base import ParamSpec, Workload, conv2d_flops, dense, dense_flops, norm

CHANNELS = (32, 64, 128)
CLASSES = 10
IMAGE = 32


def _params() -> dict:
    params, c_in = {}, 3
    for i, c_out in enumerate(CHANNELS, start=1):
        params[f"conv{i}.kernel"] = ParamSpec((3, 3, c_in, c_out), "conv2d")
        params.update(norm(c_out, f"bn{i}", running_stats=True))
        c_in = c_out
    params.update(dense(c_in, CLASSES, "head"))
    return params


def _flops() -> int:
    total, c_in, side = 0, 3, IMAGE
    for c_out in CHANNELS:  # 'same' 3x3 convolutions, each followed by 2x2 pooling
        total += conv2d_flops(side, side, 3, 3, c_in, c_out)
        c_in, side = c_out, side // 2
    return total + dense_flops(c_in, CLASSES)


WORKLOAD = Workload(
    name="cnn",
    description="Small CNN for 32x32x3 images: (conv3x3-BN-ReLU) x3 with max-pooling, global average pool, dense head",
    input_kind="image",
    input_shape=(IMAGE, IMAGE, 3),
    num_classes=CLASSES,
    config={"channels": CHANNELS, "num_classes": CLASSES},
    params=_params(),
    batch_sizes={"infer_latency": 1, "infer_throughput": 64, "train": 32, "parity": 8},
    forward_flops=_flops(),
)
