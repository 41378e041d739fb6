"""Untrusted candidate text: detecting instructions aimed at the grader, and bounding size."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.llm.tokens import truncate_tokens
from bot.text import strip_controls

CAP = 2.0  # the ceiling for answers that game the grader, wander off topic, or list terms without reasoning
GRADER_FLAG = "addressed_grader"  # the flag of an answer with text aimed at the grader; every critic keeps the cap

# Text that speaks to the grader or the model rather than answering the interviewer.
_INJECTION = [
    # a sentence-initial imperative to drop the rules (a quoted example inside an answer is not sentence-initial)
    r"(?:^|[.!?:]\s+|\n)\s*(?:please\s+|now\s+)?(?:ignore|disregard|forget|override)\b[^.\n]{0,50}"
    r"\b(?:instructions?|rubric|rules|prompt|previous|above|guidelines|grading|criteria)\b",
    r"\b(?:score|grade|rate|mark)\s+(?:this|me|my answer|the answer|it)\b[^.\n]{0,30}"
    r"(?:(?<!to )\b(?:5|five|10|ten|100)\b|perfect|full|maximum|highest)",
    r"\b(?:give|award|assign)\s+(?:me|this|it|the candidate|this answer)\b[^.\n]{0,30}"
    r"(?:(?:perfect|full|maximum|max|top|highest)\s+(?:score|grade|marks?|rating|points)|5/5|10/10|five out of five)",
    r"\b(?:deserves|merits|earns)\b[^.\n]{0,20}(?:5/5|10/10|perfect|full marks|maximum|a 5|five out of five)",
    r"\b(?:dear|attention|note (?:to|for)|message (?:to|for)|memo to|instructions? (?:to|for))\s+(?:the\s+)?"
    r"(?:grader|evaluator|judge|critic|scorer|reviewer|grading model|ai grader)\b",
    r"\bas the (?:grader|evaluator|judge|scorer)\b",
    r"</?\s*(?:system|assistant|user|answer|candidate_answer|instructions?|rubric|grader|score|critique|eval)\b[^>]{0,40}>",
    r"^\s*(?:system|assistant|grader)\s*:",
]
INJECTION_RE = re.compile("|".join(f"(?:{p})" for p in _INJECTION), re.IGNORECASE | re.MULTILINE)

_ADDRESSEE = (
    r"(?:grader|grading (?:model|system|ai)|evaluator|evaluating model|judge|critic|scorer|reviewer|assessor|"
    r"marker|examiner|whoever (?:grades|reads|scores|reviews|marks)|ai (?:grader|reviewer|evaluator)|"
    r"language model|llm|evaluador|calificador|corrector|revisor|bewerter|prüfer|korrektor|gutachter|"
    r"bewertende\w*(?: person)?|korrigierende\w*|persona (?:que|encargada de) (?:califica|evalúa|corrige)|"
    r"évaluateur|correcteur|examinateur|personne (?:qui|chargée de) (?:note|évalue|corrige))"
)
_HIGH = (
    r"(?:level\s*(?:5|five)|(?:5|10|100)\s*/\s*(?:5|10|100)|full (?:marks|score|points)|top (?:marks|score)|"
    r"highest|maximum|perfect|excellent|exceptional|outstanding|generous|lenient|a 5\b|five out of five|"
    r"(?:clear|strong|definite) hire|"
    r"máxima|máximo|excelente|nivel 5|höchst\w*|volle punktzahl|bestnote|stufe 5|note maximale|"
    r"meilleure note|niveau 5)"
)
_TOP = (
    r"(?:level\s*(?:5|five)|(?:5|10|100)\s*/\s*(?:5|10|100)|full (?:marks|score|points)|top (?:marks|score)|"
    r"(?:perfect|maximum|highest|max) (?:score|grade|mark|rating)|generous|lenient|a 5\b|five out of five|"
    r"máxima|nivel 5|höchst\w*|volle punktzahl|bestnote|stufe 5|note maximale|meilleure note|niveau 5)"
)
_SELF = (
    r"(?:this|my|the (?:above|following|present)) (?:answer|response|submission|reply)|this candidate|"
    r"(?:esta|mi) respuesta|(?:diese|meine) antwort|(?:cette|ma) réponse"
)
_DIRECTIVE = (
    r"(?:treat|score|grade|rate|mark|evaluate|assess|consider|give|award|assign|please|kindly|should|must|"
    r"would|could|bitte|por favor|veuillez|califica|puntúa|otorga|otorgue|asigna|asigne|trata|considera|"
    r"bewerte|bewerten|benote|benoten|gib|vergib|vergeben|behandle|bitten|ersuchen|pedimos|rogamos|solicitamos|"
    r"attribuer|accorder|donner|demandons|prions|"
    r"notez|attribuez|donnez|considérez|traitez)"
)
_SOFT = (
    r"(?:benefit of the doubt|favou?rable light|look kindly|go easy|"
    r"(?:lean|err|round)\w*\s+(?:toward|towards|to|on)?\s*(?:the\s+)?(?:higher|upper|top|high|generous) (?:end|side)|"
    r"round (?:it |this |me )?up|extra (?:credit|points?))"
)
_REQUEST = r"(?:\byou\b|\bwhoever\b|\bplease\b|\bkindly\b|appreciate|grateful|\bi hope\b)"
# Sentence-level tests on normalised text: (addressee or self-reference) with a directive and a top score. Each test
# is a sequence of patterns that must occur in this order; they are searched one after another (linear time: no
# `.*` chains for the regex engine to backtrack through on hostile input).
_WORDS = r"\b(?:mark|scor|grad|rat|scale|weigh|judg|read)"
_SENTENCE_TESTS: list[tuple[re.Pattern[str], ...]] = [
    tuple(re.compile(p, re.I) for p in seq)
    for seq in (
        (rf"\b{_ADDRESSEE}\b", rf"\b{_DIRECTIVE}\b", _TOP),
        (r"\b(?:give|rate|score|grade|mark|award|assign)\s+me\b", _TOP),
        (rf"\b{_DIRECTIVE}\b", _SELF, _HIGH),
        (_SELF, rf"\b{_DIRECTIVE}\b", _HIGH),
        (_SELF, r"\b(?:is|as|at|deserves|merits|earns|es|ist|est|als|comme)\b", _HIGH),
        (_REQUEST, _SOFT, _WORDS),
        (_REQUEST, _WORDS, _SOFT),
        (
            r"\btreat (?:it|this|me|my answer|this answer|this response) as (?:a |an )?(?:excellent|perfect|"
            r"outstanding|exceptional|level [45]|top|a 5|5/5|full marks)",
        ),
    )
]


def _in_order(text: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    """Whether the patterns occur in `text` one after another (earliest matches first, so linear)."""
    pos = 0
    for pattern in patterns:
        found = pattern.search(text, pos)
        if found is None:
            return False
        pos = found.end()
    return True


_ASIDE = re.compile(r"^\s*(?:p\.?\s?s\.?|n\.?\s?b\.?|note|footnote|\[\d+\]|\(\d+\)|[*†‡¹²³])", re.I)
_ASIDE_TOPIC = re.compile(rf"\b{_ADDRESSEE}\b|\b(?:score|grade|grading|rating|marks?|level [1-5])\b", re.I)
# A paragraph that opens like a note, a system message or a footnote and speaks about grading.
_LEAD = re.compile(
    r"^\s*[\[(<]?\s*(?:system|note|nota|hinweis|remarque|anmerkung|p\.?\s?s\.?|n\.?\s?b\.?|\d+[\]).:]|[*†‡¹²³])",
    re.I,
)
_PLEA = re.compile(
    r"\b(?:please|kindly)\s+(?:ignore|disregard|forget|override)\b[^.\n]{0,60}"
    r"\b(?:rubric|question|instructions?|criteria|grading|scor\w*|judge|grade)",
    re.I,
)
_COMMENT = re.compile(r"<!--(.*?)(?:-->|$)", re.S)
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def normalise(text: str) -> str:
    """Text as a reader sees it: compatibility forms folded and invisible format characters removed."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def _addressed(sentence: str) -> bool:
    if any(_in_order(sentence, test) for test in _SENTENCE_TESTS):
        return True
    return bool(_ASIDE.search(sentence) and _ASIDE_TOPIC.search(sentence) and re.search(_HIGH, sentence, re.I))


@dataclass(frozen=True)
class Screened:
    """Candidate text after screening: what to score, and what we noticed."""

    text: str
    injected: tuple[str, ...]
    truncated: bool

    @property
    def notices(self) -> list[str]:
        notes = []
        if self.injected:
            notes.append(
                "Part of this answer was addressed to the grader (e.g. asking for a score); it was ignored "
                "and the score is capped at 2. Answer the interviewer's question instead."
            )
        if self.truncated:
            notes.append("The answer was very long and was cut to fit; only the first part was assessed.")
        return notes


def cap_scores(scores: dict[str, float]) -> dict[str, float]:
    """Scores held at or under CAP."""
    return {d: min(s, CAP) for d, s in scores.items()}


def find_injections(text: str) -> list[str]:
    """The spans of `text` that address the grader, in order.

    However phrased (a P.S., a footnote, another
    language, an HTML comment, words split by zero-width characters). Discussing prompt injection as the topic
    of an answer is not addressing the grader: a quoted attack asks nothing of whoever scores this answer.
    """
    clean = normalise(text)
    found = [m.group(0).strip() for m in INJECTION_RE.finditer(clean)]
    for comment in _COMMENT.findall(clean):  # hidden text has no business in an interview answer
        if _ASIDE_TOPIC.search(comment) or re.search(_HIGH, comment, re.I) or INJECTION_RE.search(comment):
            found.append(f"<!--{comment.strip()}-->")
    visible = _COMMENT.sub(" ", clean)
    found += [s.strip() for s in _SENTENCES.split(visible) if s.strip() and _addressed(s)]
    found += [m.group(0) for m in _PLEA.finditer(visible)]
    for para in visible.split("\n"):
        if _LEAD.search(para) and _ASIDE_TOPIC.search(para) and (re.search(_HIGH, para, re.I) or _PLEA.search(para)):
            found.append(para.strip())
    return list(dict.fromkeys(found))


def screen(text: str, token_limit: int) -> Screened:
    """Drop control characters, bound the text to `token_limit` tokens and report grader-directed spans."""
    bounded, truncated = truncate_tokens(strip_controls(text), token_limit)
    return Screened(text=bounded, injected=tuple(find_injections(bounded)), truncated=truncated)


def fence(text: str, tag: str = "candidate_answer") -> str:
    """Wrap untrusted text in a delimiter it cannot close (any look-alike tag inside is neutralised)."""
    neutral = re.sub(rf"</?\s*{tag}\s*>", "[tag removed]", text, flags=re.IGNORECASE)
    return f"<{tag}>\n{neutral}\n</{tag}>"
