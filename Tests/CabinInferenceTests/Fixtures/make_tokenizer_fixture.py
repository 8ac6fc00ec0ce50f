#!/usr/bin/env python3
"""Writes tokenizer-cases.json: reference token ids for tricky inputs.

Usage: make_tokenizer_fixture.py MODEL_DIR OUT.json   (needs `pip install tokenizers`)
The reference is Hugging Face `tokenizers` loading the model's own tokenizer.json, with padding off
and truncation at each case's maxLength, exactly as CabinInference's WordPieceTokenizer is used.
"""
import json
import sys

from tokenizers import Tokenizer

LONG_WORD = "supercalifragilistic" * 6
LONG_TEXT = " ".join(f"raise the loudness a notch by {n} percent, please!" for n in range(60))

CASES = [
    ("Set it to 21°C", 256),
    ("set it to 21 ° c", 256),
    ("It's 3:45pm and I'm 10km away", 256),
    ("I’m cold – it’s “freezing”", 256),
    ("Zürich, café, naïve, Ångström, São Paulo", 256),
    ("ÉCOLE ŒUVRE Straße İstanbul", 256),
    ("Play 😀 now 🥶 ❄️ 👨‍👩‍👧 👍🏽", 256),
    ("", 256),
    ("   \t\n  ", 256),
    ("北京的天气怎么样", 256),
    ("東京タワーまで案内して", 256),
    ("서울로 가자", 256),
    ("ΟΔΟΣ ΚΑΙ ΦΩΣ", 256),
    ("a\U0002B81Fb a\U0002B820b a\U0002B920b", 256),
    ("unassigned a\u0378b private a\ue000b bom a\ufeffb", 256),
    ("Καλημέρα, привет, مرحبا", 256),
    ("zero\u200bwidth non\u00a0breaking soft\u00adhyphen", 256),
    ("ctrl\u0000chars\u0007here\ufffdand", 256),
    ("$12.50 for 2x e-mail U.S.A. 50% off!!! ...", 256),
    ("#hashtag @user ~tilde `tick` ^caret |pipe|", 256),
    ("don't won't y'all rock'n'roll", 256),
    ("[CLS] literal [SEP] and [UNK] [MASK] [PAD] tokens", 256),
    ("covid19 5g wifi 4x4 1st 2nd 3rd 101.5fm", 256),
    (LONG_WORD + " ok", 256),
    (LONG_TEXT, 256),
    (LONG_TEXT, 16),
    ("one two three four five six seven", 5),
    ("unaffable unbelievably antidisestablishmentarianism", 256),
]


def main(model_dir, out_path):
    tokenizer = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tokenizer.no_padding()
    lines = []
    for text, max_length in CASES:
        tokenizer.enable_truncation(max_length=max_length)
        encoding = tokenizer.encode(text)
        case = {"text": text, "maxLength": max_length, "ids": encoding.ids, "tokens": encoding.tokens}
        lines.append(json.dumps(case, ensure_ascii=False))
    with open(out_path, "w") as f:
        f.write('{"tokenizer": "all-MiniLM-L6-v2 tokenizer.json", "cases": [\n')
        f.write(",\n".join(lines))
        f.write("\n]}\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
