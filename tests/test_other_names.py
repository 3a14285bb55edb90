"""The class an asked drug is listed in and the kind of an asked condition named after it, in the
words of the question's own evidence (real guidelines of the shared corpus)."""

from conftest import CORPUS

from medora.answer.evidence import concept_weights, stems
from medora.answer.other_names import named_in_evidence
from medora.corpus import chunk_document
from medora.corpus.guideline_xml import read_guideline
from medora.index import vocabulary
from medora.query import analyse
from medora.settings import CorpusSettings
from medora.types import Hit


def _hits(*doc_ids: str) -> list[Hit]:
    hits = []
    for doc_id in doc_ids:
        doc = read_guideline(CORPUS / "guidelines-ngc" / f"{doc_id}.xml")
        hits += [Hit(passage=p, document=doc) for p in chunk_document(doc, CorpusSettings())]
    return hits


def _passage_with(hits: list[Hit], words: str) -> str:
    return next(h.passage.text for h in hits if words in h.passage.text)


def test_a_class_the_guideline_lists_the_asked_drug_under_names_that_drug():
    """ACP lists "Serum urate-lowering therapy:" over "- Febuxostat: ..." and "- Allopurinol: ...", so its
    recommendation on urate-lowering therapy after a first attack answers a question on allopurinol."""
    hits = _hits("ngc-11127")
    assert "Serum urate-lowering therapy:" in _passage_with(hits, "Serum urate-lowering therapy:")
    query = analyse("just had my first gout attack - do I need to start allopurinol now?")
    recommendation = _passage_with(hits, "ACP recommends against initiating long-term urate-lowering therapy")
    sentence = recommendation[recommendation.index("ACP recommends against initiating"):].split("\n")[0]
    allopurinol = stems("allopurinol")
    assert not allopurinol & concept_weights(query).found_in(sentence)

    enriched = named_in_evidence(query, hits, vocabulary.current())
    assert "urate-lowering" in enriched.interventions[0].synonyms
    assert allopurinol <= concept_weights(enriched).found_in(sentence)
    # The class is added to the drug, never to the condition: "gout" gains no name.
    assert enriched.conditions == query.conditions


def test_a_class_named_by_what_its_members_act_on_names_them():
    """"... xanthine oxidase inhibitors (allopurinol and febuxostat) ..." (NICE): a statement on xanthine
    oxidase inhibitors speaks of febuxostat, the second member of the list."""
    hits = _hits("ngc-9948")
    assert "xanthine oxidase inhibitors (allopurinol and febuxostat)" in _passage_with(hits, "(allopurinol and febuxostat)")
    query = analyse("Is febuxostat an option in chronic gout?")
    enriched = named_in_evidence(query, hits, vocabulary.current())
    assert "xanthine oxidase inhibitors" in enriched.interventions[0].synonyms
    assert stems("febuxostat") <= concept_weights(enriched).found_in("xanthine oxidase inhibitors")
    assert not stems("febuxostat") & concept_weights(query).found_in("xanthine oxidase inhibitors")


def test_a_list_under_a_plain_word_or_the_asked_condition_is_no_class():
    """"Oral medication (metformin alone or ...)" names no class of drugs; "Within the group of gout
    drugs, allopurinol ..." is no list; and a brand named beside its drug is the drug itself."""
    diabetes = _hits("ngc-10772")
    assert "Oral medication (metformin alone" in _passage_with(diabetes, "Oral medication (metformin")
    query = analyse("Should metformin be started in type 2 diabetes?")
    assert named_in_evidence(query, diabetes, vocabulary.current()).interventions == query.interventions

    gout = _hits("ngc-10306")
    query = analyse("Does allopurinol cause rashes in gout?")
    added = set(named_in_evidence(query, gout, vocabulary.current()).interventions[0].synonyms) \
        - set(query.interventions[0].synonyms)
    assert not {n for n in added if "gout" in n}


def test_a_kind_the_guideline_names_after_the_asked_condition_names_it():
    """The AAD guideline is on "atopic dermatitis (AD; atopic eczema)": the vocabulary files atopic
    dermatitis beside eczema, so a page on atopic dermatitis speaks of the eczema asked about."""
    hits = _hits("ngc-10723")
    assert "atopic dermatitis (AD; atopic eczema)" in _passage_with(hits, "atopic eczema")
    query = analyse("my son's eczema has finally cleared up, how do we stop it flaring again?")
    title = hits[0].document.title
    assert "atopic dermatitis" in title.lower()
    assert not stems("eczema") & concept_weights(query).found_in(title)

    enriched = named_in_evidence(query, hits, vocabulary.current())
    assert "atopic dermatitis" in enriched.conditions[0].synonyms
    assert stems("eczema") <= concept_weights(enriched).found_in(title)


def test_a_kind_filed_below_the_asked_condition_adds_nothing():
    """Kinds filed below the asked condition are written with its words ("triple-negative breast
    cancer"): only a kind filed beside it under another name is a new name for it."""
    hits = _hits("ngc-10495")
    query = analyse("What is the treatment for HER2-positive breast cancer?")
    assert named_in_evidence(query, hits, vocabulary.current()).conditions == query.conditions
