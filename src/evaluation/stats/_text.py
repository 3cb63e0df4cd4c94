"""Numbers and short texts in German and English for the results of this package."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..codes import Lang, check_lang


def num(v: Any, lang: Lang = "de", digits: int = 4) -> str:
    """A number as text: decimal comma in German, point in English; ``inf`` as a word."""
    check_lang(lang)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float) and math.isinf(v):
        word = "unendlich" if lang == "de" else "infinite"
        return word if v > 0 else f"-{word}"
    if isinstance(v, bool):
        return ("ja" if v else "nein") if lang == "de" else ("yes" if v else "no")
    if isinstance(v, int):
        text = f"{v:,}"
        return text.replace(",", ".") if lang == "de" else text
    text = f"{float(v):.{digits}f}"
    return text.replace(".", ",") if lang == "de" else text


def display_table(df: pd.DataFrame, labels: dict[str, tuple[str, str]], lang: Lang, digits=4):
    """``df`` with numbers as text in the language's format and columns renamed by ``labels``
    (code -> (German, English))."""
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_bool_dtype(col):
            out[c] = col.map(lambda v: num(bool(v), lang))
        elif pd.api.types.is_integer_dtype(col):
            out[c] = col.map(lambda v: num(int(v), lang))
        elif pd.api.types.is_float_dtype(col):
            out[c] = col.map(lambda v: num(float(v), lang, digits))
        else:
            out[c] = col.astype(str)
    names = {c: labels[c][0 if lang == "de" else 1] for c in df.columns if c in labels}
    return out.rename(columns=names)
