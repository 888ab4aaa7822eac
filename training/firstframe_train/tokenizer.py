"""Word-level tokenizer saved as a Hugging Face `tokenizer.json` (WordPiece model whose
vocabulary holds whole words only), written by hand because the `tokenizers` package is not
installed here. `encode` below reproduces what the tokenizers library does with that file."""
import json
import re
from pathlib import Path

PAD, UNK = "[PAD]", "[UNK]"
# The `Whitespace` pre-tokenizer of HF tokenizers splits on this pattern.
_WHITESPACE_SPLIT = re.compile(r"\w+|[^\w\s]+")


def build_vocab(words) -> dict:
    vocab = {PAD: 0, UNK: 1}
    for word in words:
        word = word.lower()
        if word not in vocab:
            vocab[word] = len(vocab)
    return vocab


def _special(token_id, content):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": True}


def tokenizer_json(vocab: dict, max_length: int) -> dict:
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": max_length, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": max_length}, "direction": "Right", "pad_to_multiple_of": None,
                    "pad_id": vocab[PAD], "pad_type_id": 0, "pad_token": PAD},
        "added_tokens": [_special(vocab[PAD], PAD), _special(vocab[UNK], UNK)],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": UNK, "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


def tokenizer_config_json(max_length: int) -> dict:
    return {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": max_length,
            "pad_token": PAD, "unk_token": UNK, "do_lower_case": True,
            "padding_side": "right", "truncation_side": "right"}


class WordTokenizer:
    def __init__(self, vocab: dict, max_length: int):
        self.vocab = vocab
        self.max_length = max_length
        self.pad_id = vocab[PAD]
        self.unk_id = vocab[UNK]

    @classmethod
    def load(cls, path) -> "WordTokenizer":
        data = json.loads(Path(path).read_text())
        return cls(data["model"]["vocab"], data["truncation"]["max_length"])

    def save(self, folder) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tokenizer.json").write_text(json.dumps(tokenizer_json(self.vocab, self.max_length), indent=1))
        (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config_json(self.max_length), indent=1))

    def words(self, text: str) -> list:
        return _WHITESPACE_SPLIT.findall(text.lower())

    def unknown_words(self, text: str) -> list:
        return [w for w in self.words(text) if w not in self.vocab]

    def encode(self, text: str):
        """-> (input_ids, attention_mask), both lists of max_length ints."""
        ids = [self.vocab.get(w, self.unk_id) for w in self.words(text)][: self.max_length]
        mask = [1] * len(ids) + [0] * (self.max_length - len(ids))
        return ids + [self.pad_id] * (self.max_length - len(ids)), mask

    def encode_batch(self, texts):
        import torch
        pairs = [self.encode(t) for t in texts]
        return (torch.tensor([p[0] for p in pairs], dtype=torch.int64),
                torch.tensor([p[1] for p in pairs], dtype=torch.int64))
