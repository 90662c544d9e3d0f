"""BM25 over the seeds: scoring chosen rows agrees with scoring every row, on the index as served."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.settings import Settings
from rag.index import load_index
from rag.index.lexical import LexicalIndex, _check_postings_sorted, tokenize
from rag.service import QAService

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold.jsonl"


def _gold_questions() -> list[str]:
    return [json.loads(line)["question"] for line in GOLD.read_text().splitlines() if line.strip()]


def test_scores_at_equals_every_score_taken_at_those_rows(service: QAService, settings: Settings) -> None:
    loaded = load_index(settings.index_dir, service.embedder.model, settings.chunk, precision=settings.embed.backend.precision)
    rng = np.random.default_rng(0)
    for lexical in (loaded.sentence_lexical, loaded.lexical):
        every_row = lexical.scores("")
        count = len(every_row)
        for question in _gold_questions():
            everything = lexical.scores(question)
            # Unsorted, repeated rows, and the first and last row: as answering passes them.
            rows = np.concatenate([rng.integers(0, count, 40), [0, count - 1, 5, 5]])
            np.testing.assert_array_equal(lexical.scores_at(question, rows), everything[rows])
        assert not lexical.scores_at("zzqx unknownword", np.arange(count)).any()


def test_a_repeated_word_counts_as_often_as_in_full_scoring(service: QAService, settings: Settings) -> None:
    lexical = load_index(settings.index_dir, service.embedder.model, settings.chunk, precision=settings.embed.backend.precision).sentence_lexical
    rows = np.arange(len(lexical.scores("")))
    once, twice = lexical.scores_at("capital", rows), lexical.scores_at("capital capital", rows)
    assert once.any()
    np.testing.assert_allclose(twice, 2 * once, rtol=1e-6)
    np.testing.assert_array_equal(twice, lexical.scores("capital capital"))


def test_build_checks_postings_are_in_row_order() -> None:
    index = LexicalIndex.build(["alpha beta", "beta gamma", "alpha gamma delta", "beta"])
    np.testing.assert_array_equal(index.scores_at("beta", np.array([3, 0, 2, 1])), index.scores("beta")[[3, 0, 2, 1]])
    # Two words: rows 0, 2 then 1, 3 (sorted); then a word whose rows run backwards.
    _check_postings_sorted(np.array([0, 2, 1, 3]), np.array([0, 2, 4]))
    _check_postings_sorted(np.array([0, 2, 1, 3]), np.array([0, 0, 2, 2, 4]))  # empty postings too
    with pytest.raises(RuntimeError, match="out of row order"):
        _check_postings_sorted(np.array([0, 2, 3, 1]), np.array([0, 2, 4]))


def test_the_array_built_index_is_bm25s_own_bit_for_bit(service: QAService, settings: Settings, tmp_path: Path) -> None:
    """`LexicalIndex` builds bm25s's score matrix without its per-document loop: the same files."""
    import bm25s

    from rag.index.lexical import tokenize

    texts = [t.text[turn.start : turn.end] for t in service.index.transcripts.values() for turn in t.turns]
    texts += ["", "the the the", "Port port PORT ports 2,037 2,037", "Xiamen"]  # empty, stopwords only, repeats
    tokens = [tokenize(text) or ["\x00"] for text in texts]
    built = LexicalIndex.from_tokens(tokens)
    # bm25s's own loop over the same numbering of the words (its own order changes with the hash seed).
    numbers = {word: n for word, n in built.matrix.vocab.items() if word}
    reference = bm25s.BM25()
    reference.index(([[numbers[word] for word in words] for words in tokens], numbers), show_progress=False)
    assert built.matrix.vocab == reference.vocab_dict
    for name in ("data", "indices", "indptr"):
        mine, theirs = getattr(built.matrix, name), reference.scores[name]
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), name
    assert built.num_docs == reference.scores["num_docs"] == len(texts)
    # Scores summed as bm25s sums them, and the files read back without bm25s give the same.
    built.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    for question in ("port containers Xiamen", "port port", "2,037 ports", "nothing known here"):
        ids = [reference.vocab_dict[t] for t in tokenize(question) if t in reference.vocab_dict]
        theirs = reference.get_scores_from_ids(ids) if ids else np.zeros(len(texts), dtype=np.float32)
        assert np.array_equal(built.scores(question), theirs) and np.array_equal(loaded.scores(question), theirs)


_SAVE_SEED_WORDS = """
import sys
from pathlib import Path
from rag.index.lexical import LexicalIndex, tokenize
texts = [path.read_text(encoding="utf-8") for path in sorted(Path(sys.argv[1]).iterdir())]
LexicalIndex.from_words([tokenize(line) or ["\\x00"] for text in texts for line in text.splitlines()]).save(Path(sys.argv[2]))
"""


def test_one_corpus_gives_the_same_files_in_any_process(tmp_path: Path) -> None:
    """Builds are reproducible: the BM25 files do not depend on the hash seed of the process
    (bm25s's own numbering of the words did), so a manifest's checksums mean the same corpus."""
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    saved = []
    for seed in ("1", "2"):
        folder = tmp_path / seed
        subprocess.run([sys.executable, "-c", _SAVE_SEED_WORDS, str(seeds), str(folder)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        saved.append({path.name: path.read_bytes() for path in sorted(folder.iterdir())})
    assert saved[0] == saved[1]
    assert len(json.loads(saved[0]["vocab.index.json"])) > 1000


@pytest.mark.parametrize(("text", "tokens"), [
    ("The harbour reopens in May.", ["harbour", "reopen"]),
    ("任正非怎麼看飛機？", ["任正", "正非", "非怎", "怎麼", "麼看", "看飛", "飛機"]),
    ("5G基站 iPhone手机 人", ["5g", "基站", "iphon", "手机", "人"]),
    ("東京オリンピック", ["東京", "京オ", "オリ", "リン", "ンピ", "ピッ", "ック"]),
])
def test_words_and_pairs_of_characters_in_scripts_without_spaces(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens
