from torch import nn


def conv_bn_relu(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class SmallCNN(nn.Module):
    def __init__(self, channels=(32, 64, 128), num_classes: int = 10):
        super().__init__()
        c1, c2, c3 = channels
        self.features = nn.Sequential(
            conv_bn_relu(3, c1),
            nn.MaxPool2d(2),
            conv_bn_relu(c1, c2),
            nn.MaxPool2d(2),
            conv_bn_relu(c2, c3),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Linear(c3, num_classes)

    def forward(self, x):
        return self.head(self.features(x))


def build_model(config: dict) -> nn.Module:
    return SmallCNN(**config)


def _block(i: int, index: int) -> dict:
    return {
        f"features.{index}.0.weight": f"conv{i}.kernel",
        f"features.{index}.1.weight": f"bn{i}.gamma",
        f"features.{index}.1.bias": f"bn{i}.beta",
        f"features.{index}.1.running_mean": f"bn{i}.moving_mean",
        f"features.{index}.1.running_var": f"bn{i}.moving_var",
    }


WEIGHT_MAP = {**_block(1, 0), **_block(2, 2), **_block(3, 4), "head.weight": "head.kernel", "head.bias": "head.bias"}
