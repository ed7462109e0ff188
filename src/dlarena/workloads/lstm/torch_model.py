from torch import nn


class LSTMClassifier(nn.Module):
    def __init__(self, vocab_size: int, embed: int, hidden: int, layers: int, num_classes: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.fc = nn.Linear(hidden, num_classes)

    def forward(self, tokens):
        _, (h, _) = self.lstm(self.embedding(tokens))
        return self.fc(h[-1])


def build_model(config: dict) -> nn.Module:
    return LSTMClassifier(**config)


def weight_map(config: dict) -> dict:
    out = {"embedding.weight": "embedding", "fc.weight": "fc.kernel", "fc.bias": "fc.bias"}
    for i in range(config["layers"]):
        out[f"lstm.weight_ih_l{i}"] = f"lstm{i}.kernel"
        out[f"lstm.weight_hh_l{i}"] = f"lstm{i}.recurrent_kernel"
        out[f"lstm.bias_ih_l{i}"] = f"lstm{i}.bias"
        # PyTorch adds two biases (input and hidden) where Keras has one; their sum is the
        # canonical bias, so the second one is loaded as zeros and left out of the records.
        out[f"lstm.bias_hh_l{i}"] = None
    return out
