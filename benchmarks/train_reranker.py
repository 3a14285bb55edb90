"""Train a statement reranker: a small cross-encoder that reads a question beside a statement.

    python benchmarks/train_reranker.py pairs --out DIR                       # training groups from the corpus
    python benchmarks/train_reranker.py tune-pairs --out DIR/tune.jsonl        # needs the built index
    python benchmarks/train_reranker.py train DIR --steps 3000 --stop 1500    # needs torch (build time only)
    python benchmarks/train_reranker.py train DIR --steps 400 --init DIR/model.pt \
        --extra DIR/tune.jsonl --extra-share 0.25 --lr 3e-5 --name stage2.pt

Measured in session 12 and NOT shipped (benchmarks/RESULTS.md, "Session 12"). The fitted
statement bar reads words and the passage's closeness to the question, and the judged diagnosis
blames "right source, wrong sentence" and "lay intent missed": a cross-encoder reading both texts
at once was the next step to try. Trained from the corpus for 1,500 of the first command's 3,000
steps (8 groups of 1 + 5 statements per step), then 400 steps with a quarter of each batch from
the dev set's tune split, it was measured on the labelled statements
(``benchmarks/data/statement_labels.jsonl``; mean AUC per question):

- alone, K-QA 0.83 / 0.79 (corpus only / with the tune split) against 0.66 for the passage cosine
  and 0.73 for the cross-validated bar; ASCO 0.63 / 0.64 against 0.63 and 0.72;
- as one more feature of the bar (cross-validated): F0.5 0.390 -> 0.38-0.40, the likeliest statement
  useful in 35-36 of 66 questions against 35;
- choosing the bottom line among the bar's five likeliest statements: held-out dev 41.9% -> 37.6%
  gold passages in the bottom line (35.9% corpus only); read side by side, 6 of the 23 changed
  bottom lines were better and 14 worse;
- choosing a patient's bottom line among the five likeliest (the corpus-only model, whose MedQuAD
  questions are lay): 81 of 1,208 K-QA answers changed; judged blind beside the bar's choice on 40 of
  them, the bar's was preferred 16 times, the reranker's 15 (9 ties; bottom line 1.07 against 0.85);
- and 54 statements per question cost 200+ ms on 2 cores (int8, 4 layers); five cost 13 ms at p50.

The labels come from the corpus itself, never from the judged sample or the evaluation sets:

- MedQuAD pages: each question is answered by its own answer's opening sentences, not by the same
  page's answers to other questions (another intent, same condition) nor by another page's answer
  to the same kind of question (same intent, another condition).
- PDQ summaries and NCI pages: a heading path ("Breast Cancer Treatment: Stage IV ... ›
  Trastuzumab deruxtecan") is answered by the sentences under it, not by those under its sibling
  headings of the same page (another stage, line of therapy or drug).
- NGC guidelines: a guideline's title is answered by its recommendations, not by its rating
  schemes, methods and other fields, nor by the recommendations of another guideline sharing a
  word of its title.

The model is all-MiniLM-L6-v2's first ``LAYERS`` layers with a linear head on the first token, its
embeddings frozen (so that only the layers and the head would need to ship). Input: the question,
then "<document title>: <statement>".
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

LAYERS = 4
MAX_TOKENS = 128
NEGATIVES = 5
SEED = 13
# Headings of a PDQ page that say nothing about patients: its own bookkeeping.
_ADMIN = re.compile(r"^(References|Changes to This Summary|About This PDQ Summary|Latest Updates|Keywords|"
                    r"To Learn More|Get More Information)", re.I)
_TITLE_TAIL = re.compile(r"\s*\((PDQ®?)\)[–-].*$|\s*\(PDQ®?\)$")
_STOP = frozenset("a an and of the for in on to with or by at as from adult adults children guideline guidelines "
                  "management treatment diagnosis prevention care clinical practice patients".split())


def _statements(passage) -> list[str]:
    from medora.answer.statements import statement_spans

    out = []
    for s, e in statement_spans(passage.text, passage.kind):
        text = " ".join(passage.text[s:e].split())
        if 6 <= len(text.split()) <= 80:
            out.append(text)
    return out


def _title_words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", title.lower()) if w not in _STOP}


def build_pairs(corpus: Path, out: Path) -> None:
    """Write ``out/groups.jsonl``: {"query", "positive", "negatives": [...], "kind"} per line."""
    from medora.corpus import chunk_document, read_corpus
    from medora.settings import Settings

    rng = random.Random(SEED)
    settings = Settings().corpus
    problems: list = []
    medquad, paged, guidelines = [], [], []
    for doc in read_corpus([corpus], problems):
        if doc.type in ("research", "trial"):
            continue
        passages = chunk_document(doc, settings)
        by_section: dict[str, list[str]] = {}
        for p in passages:
            by_section.setdefault(p.section, []).extend(_statements(p))
        if doc.meta.get("sections_are_questions"):
            medquad.append((doc, by_section))
        elif doc.type == "guideline":
            recs = [s for p in passages if p.kind == "recommendation" for s in _statements(p)]
            other = [s for p in passages if p.kind != "recommendation" for s in _statements(p)]
            guidelines.append((doc, recs, other))
        else:
            paged.append((doc, by_section))
    groups = []

    def add(kind: str, query: str, title: str, positive: str, negatives: list[tuple[str, str]]) -> None:
        if len(negatives) >= NEGATIVES:
            groups.append({"kind": kind, "query": query, "positive": f"{title}: {positive}",
                           "negatives": [f"{t}: {n}" for t, n in rng.sample(negatives, NEGATIVES)]})

    # MedQuAD: another intent on the same page, or the same intent on another page.
    by_type: dict[str, list] = {}
    sections_of = {doc.id: sections for doc, sections in medquad}
    for doc, sections in medquad:
        for q, qtype in zip((s.name for s in doc.sections), doc.meta.get("qtypes") or []):
            by_type.setdefault(qtype or "", []).append((doc, q))
    for doc, sections in medquad:
        qtypes = dict(zip((s.name for s in doc.sections), doc.meta.get("qtypes") or []))
        for q, said in sections.items():
            if not said:
                continue
            same_page = [(doc.title, s) for other, ss in sections.items() if other != q for s in ss[:4]]
            pool = by_type.get(qtypes.get(q, ""), [])
            others = [(d, oq) for d, oq in rng.sample(pool, min(6, len(pool))) if d.id != doc.id]
            other_page = [(d.title, s) for d, oq in others for s in sections_of[d.id].get(oq, [])[:1]]
            negs = rng.sample(same_page, min(3, len(same_page))) + other_page
            add("medquad", q, doc.title, rng.choice(said[:2]), negs)
    # PDQ and NCI pages: the sentences under a heading path, against those under its siblings.
    for doc, sections in paged:
        title = _TITLE_TAIL.sub("", doc.title).strip()
        names = [n for n in sections if n and not _ADMIN.match(n) and sections[n]]
        for name in names:
            others = [(title, s) for n in names if n != name and n.split(" › ")[0] != name
                      for s in sections[n]]
            siblings = [(title, s) for n in names if n != name and n.split(" › ")[0] == name.split(" › ")[0]
                        for s in sections[n]]
            negs = rng.sample(siblings, min(3, len(siblings))) + rng.sample(others, min(4, len(others)))
            path = name.split(" › ")
            query = f"{title}: {' › '.join(path[-2:])}"
            for positive in rng.sample(sections[name], min(2, len(sections[name]))):
                add("pages", query, title, positive, negs)
    # NGC: a guideline's title, answered by its recommendations.
    words = {doc.id: _title_words(doc.title) for doc, _, _ in guidelines}
    for doc, recs, other in guidelines:
        if not recs:
            continue
        near = [g for g in guidelines if g[0].id != doc.id and g[1] and words[g[0].id] & words[doc.id]]
        near = rng.sample(near, min(4, len(near)))
        negs = [(g[0].title, rng.choice(g[1])) for g in near]
        negs += [(doc.title, s) for s in rng.sample(other, min(3, len(other)))]
        for positive in rng.sample(recs, min(4, len(recs))):
            add("guideline", doc.title, doc.title, positive, negs)
    rng.shuffle(groups)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "groups.jsonl").open("w") as f:
        for g in groups:
            f.write(json.dumps(g) + "\n")
    counts: dict[str, int] = {}
    for g in groups:
        counts[g["kind"]] = counts.get(g["kind"], 0) + 1
    print(f"{len(groups)} groups {counts}; {len(problems)} corpus problems")


def build_tune_pairs(data_dir: str | None, out: Path) -> None:
    """Write ``out``: one group per gold quote of a realistic tune-split dev question, the statement
    quoting it against the statements the bar weighs for that question outside its gold passages."""
    from medora.answer import compose as composition
    from medora.answer.audience import ask
    from medora.evaluate import load_dev_set
    from medora.index import open_index
    from medora.settings import get_settings

    settings = get_settings(data_dir, answer={"min_score_ratio": 0.0, "min_relevance_ratio": 0.0,
                                              "min_own_match_ratio": 0.0})
    index = open_index(settings)
    plain = lambda t: " ".join(t.split()).lower()  # noqa: E731
    useful, model = composition._useful, composition.statement_bar_model
    groups = []
    for d in load_dev_set():
        if d["split"] != "tune" or d["set"] != "realistic" or not d.get("gold_quotes"):
            continue
        quotes = [plain(q) for q in d["gold_quotes"]]
        seen: list = []

        def observe(chosen, answer_settings, query, focus, safety, **options):  # records what the bar weighs
            seen.extend(chosen)
            return chosen

        composition._useful, composition.statement_bar_model = observe, lambda: ((), 0.0, 0.0, -1e9)
        try:
            ask(d["question"], index, settings, audience="physician")
        finally:
            composition._useful, composition.statement_bar_model = useful, model
        said = lambda c: f"{c.hit.document.title}: {composition._with_lead_in(c.statement)}"  # noqa: E731
        gold = [c for c in seen if len(c.statement.text) > 20
                and any(plain(c.statement.text) in q or q in plain(c.statement.text) for q in quotes)]
        negatives = [said(c) for c in seen
                     if c not in gold and c.statement.passage_id not in d.get("gold_passages", [])]
        if len(negatives) >= NEGATIVES:
            groups += [{"kind": "dev-tune", "query": d["question"], "positive": said(c), "negatives": negatives}
                       for c in gold]
    out.write_text("".join(json.dumps(g) + "\n" for g in groups))
    print(f"{len(groups)} groups")


# ---- the model (torch, build time only) ---------------------------------------------------------------

def _tokenizer():
    from tokenizers import Tokenizer

    from medora.index.onnx_minilm import model_dir

    tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tok.enable_truncation(MAX_TOKENS)
    tok.no_padding()
    return tok


def encode(tok, pairs: list[tuple[str, str]]):
    """Token ids and mask, padded on the right, for (question, statement) pairs."""
    import numpy as np

    encs = tok.encode_batch(pairs)
    width = max(len(e.ids) for e in encs)
    ids = np.zeros((len(encs), width), dtype=np.int64)
    mask = np.zeros((len(encs), width), dtype=np.int64)
    for i, e in enumerate(encs):
        ids[i, :len(e.ids)] = e.ids
        mask[i, :len(e.ids)] = 1
    return ids, mask


def _torch_model():
    import torch
    from safetensors.numpy import load_file

    from medora.index.onnx_minilm import model_dir

    folder = model_dir()
    config = json.loads((folder / "config.json").read_text())
    w = {k: torch.tensor(v) for k, v in load_file(str(folder / "model.safetensors")).items()}
    hidden, heads, eps = config["hidden_size"], config["num_attention_heads"], config["layer_norm_eps"]

    class Layer(torch.nn.Module):
        def __init__(self, i: int):
            super().__init__()
            p = f"encoder.layer.{i}."
            lin = lambda name: _linear(w[p + name + ".weight"], w[p + name + ".bias"])  # noqa: E731
            self.q, self.k, self.v = (lin(f"attention.self.{n}") for n in ("query", "key", "value"))
            self.o = lin("attention.output.dense")
            self.ln1 = _norm(w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
            self.ff1, self.ff2 = lin("intermediate.dense"), lin("output.dense")
            self.ln2 = _norm(w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)

        def forward(self, x, bias):
            b, n, _ = x.shape
            split = lambda t: t.view(b, n, heads, hidden // heads).transpose(1, 2)  # noqa: E731
            att = torch.nn.functional.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                                                    attn_mask=bias)
            h = self.ln1(x + self.o(att.transpose(1, 2).reshape(b, n, hidden)))
            return self.ln2(h + self.ff2(torch.nn.functional.gelu(self.ff1(h))))

    class CrossEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.word = torch.nn.Embedding.from_pretrained(w["embeddings.word_embeddings.weight"], freeze=True)
            self.position = w["embeddings.position_embeddings.weight"]
            self.segment = w["embeddings.token_type_embeddings.weight"][0]
            self.ln = _norm(w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
            for p in self.ln.parameters():
                p.requires_grad = False
            self.layers = torch.nn.ModuleList(Layer(i) for i in range(LAYERS))
            self.head = torch.nn.Linear(hidden, 1)
            torch.nn.init.normal_(self.head.weight, std=0.02)
            torch.nn.init.zeros_(self.head.bias)

        def forward(self, ids, mask):
            n = ids.shape[1]
            x = self.ln(self.word(ids) + self.position[:n] + self.segment)
            bias = ((1 - mask[:, None, None, :].float()) * -1e4)
            for layer in self.layers:
                x = layer(x, bias)
            return self.head(x[:, 0]).squeeze(-1)

    return CrossEncoder()


def _linear(weight, bias):
    import torch

    lin = torch.nn.Linear(weight.shape[1], weight.shape[0])
    lin.weight.data.copy_(weight)
    lin.bias.data.copy_(bias)
    return lin


def _norm(weight, bias, eps):
    import torch

    ln = torch.nn.LayerNorm(weight.shape[0], eps=eps)
    ln.weight.data.copy_(weight)
    ln.bias.data.copy_(bias)
    return ln


def train(work: Path, steps: int, batch_groups: int = 8, lr: float = 4e-5, init: Path | None = None,
          extra: Path | None = None, extra_share: float = 0.0, name: str = "model.pt", stop: int = 0) -> None:
    """Train from all-MiniLM-L6-v2 (or ``init``) on ``work/groups.jsonl``; with ``extra``, that share
    of each batch comes from its groups instead (labelled questions: the dev set's tune split)."""
    import numpy as np
    import torch

    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    corpus_groups = [json.loads(line) for line in (work / "groups.jsonl").read_text().splitlines()]
    extra_groups = [json.loads(line) for line in extra.read_text().splitlines()] if extra else []
    n_extra = round(batch_groups * extra_share) if extra_groups else 0
    tok = _tokenizer()
    model = _torch_model()
    if init:
        model.load_state_dict(torch.load(init))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 200) * max(0.0, 1 - s / steps))
    model.train()
    t0, seen, running = time.time(), 0, []
    for step in range(stop or steps):  # ``stop``: end early, on the schedule of ``steps``
        own = batch_groups - n_extra
        batch = [corpus_groups[(step * own + i) % len(corpus_groups)] for i in range(own)]
        batch += rng.sample(extra_groups, n_extra)
        pairs = [(g["query"], t) for g in batch
                 for t in (g["positive"], *rng.sample(g["negatives"], NEGATIVES))]
        ids, mask = encode(tok, pairs)
        scores = model(torch.from_numpy(ids), torch.from_numpy(mask)).view(len(batch), 1 + NEGATIVES)
        loss = torch.nn.functional.cross_entropy(scores, torch.zeros(len(batch), dtype=torch.long))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        seen += len(batch)
        running.append(loss.item())
        if (step + 1) % 50 == 0:
            print(f"step {step + 1}/{steps} loss {np.mean(running[-50:]):.3f} groups {seen} "
                  f"{time.time() - t0:.0f}s", flush=True)
        if (step + 1) % 500 == 0 or step + 1 == (stop or steps):
            torch.save(model.state_dict(), work / name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pairs")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    tp = sub.add_parser("tune-pairs")
    tp.add_argument("--out", type=Path, required=True)
    tp.add_argument("--data-dir")
    t = sub.add_parser("train")
    t.add_argument("work", type=Path)
    t.add_argument("--steps", type=int, default=3000)
    t.add_argument("--init", type=Path)
    t.add_argument("--extra", type=Path)
    t.add_argument("--extra-share", type=float, default=0.0)
    t.add_argument("--lr", type=float, default=4e-5)
    t.add_argument("--name", default="model.pt")
    t.add_argument("--stop", type=int, default=0, help="end after this many steps, on the schedule of --steps")
    args = ap.parse_args()
    if args.cmd == "pairs":
        build_pairs(args.corpus, args.out)
    elif args.cmd == "tune-pairs":
        build_tune_pairs(args.data_dir, args.out)
    elif args.cmd == "train":
        train(args.work, args.steps, lr=args.lr, init=args.init, extra=args.extra, extra_share=args.extra_share,
              name=args.name, stop=args.stop)


if __name__ == "__main__":
    main()
