"""The answer pipeline: one ``ask`` from a question to a cited answer for one reader.

    from medora.answer import ask, to_json
    answer = ask("What is the recommended treatment approach for HER2-positive breast cancer?",
                 index, settings, audience="physician")

Stages, each a module, each computed once per question:

``compose``        retrieval -> evidence -> candidate statements -> applicability -> the bar ->
                   sections and bottom line -> status (``Answer``, uncited)
``evidence``       widening the hits: whole guidelines, the current evidence summary's heading
``statements``     from a passage's text to statements (sentences, recommendations, option lists)
``applicability``  stage, setting, course and patient group read from wording; conflicts
``answerability``  the question's subjects the corpus lacks: ``answered`` / ``partial`` / ``not_found``
``cite``           reference numbers, verification, the JSON contract (``to_json``)
``audience``       the reader's version (pharmacist, student, patient) and ``ask`` itself
``followups``      questions the evidence can answer next

The CLI, the API, the web pages, threads and ``medora eval`` all call ``ask``; nothing outside
this package composes an answer (``tests/test_layering.py`` keeps it so).
"""

from .audience import AUDIENCES, ask
from .cite import all_statements, to_json, verify

__all__ = ["AUDIENCES", "ask", "all_statements", "to_json", "verify"]
