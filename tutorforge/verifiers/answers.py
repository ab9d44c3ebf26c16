"""Stated answers in the forms people write, and which of them the verifier may call wrong.

Besides the statements `claims.py` finds ("the answer is 7", `\\boxed{}`, a last line holding one number,
`x = 2 or x = 3`, "So she bought 10 spoons."), a turn states an answer with a number in words ("the answer
is seven"), in a closing clause ("so he has 8", "which comes to $84", "This means she started with 120
stickers", "It is 2/5"), or, for a student, as a bare reply ("5 balls") to a teacher asking for it. A value
that the reference solution reaches on the way (one of its step results) or that the problem gives is
not a wrong final answer unless the turn says it is the answer.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from tutorforge.verifiers.claims import Answer, Extraction, _asserted, conclusion_answer
from tutorforge.verifiers.exprscan import NoExpr, Side, TooComplex, scan
from tutorforge.verifiers.limits import MAX_CLAIMS
from tutorforge.verifiers.numwords import WORD_RUN, word_value
from tutorforge.verifiers.reference import ProblemInfo, side_value, step_values

# how a statement was made: explicit ones are judged whatever the value; the others only when the value
# is neither a step result of the reference solution nor a number the problem gives
EXPLICIT = frozenset({"phrase", "boxed", "lastline", "solutions"})
# a computation whose result is the reference answer states it ("15 - 5 = 10"), but is never judged as one
RESULT = "result"

_MAX_WORDS_AFTER = 10
_ANSWER_WORD = re.compile(r"answer", re.I)
_PHRASE_WORDS = re.compile(
    r"\b(?:(?:final\s+|correct\s+|right\s+)?answer(?P<long>\s+(?:to|for|of)\s+(?:the|this|our)\s+"
    r"(?:problem|question))?\s*(?:is|was|would\s+be|should\s+be|will\s+be|=|:)"
    r"|(?:is|was)\s+the\s+(?:final\s+)?answer)\s*(?:still\s+|just\s+|exactly\s+)?\$?\s*$",
    re.I,
)
# a clause that concludes: a marker at the start of the sentence or after a comma, or a lead right
# before the value
# `[^\w,;:]*`, not `\W*`: a run of commas would restart the scan at each one (quadratic)
_MARKER = re.compile(
    r"(?:^|[,;:])[^\w,;:]*(?:and\s+)?(?:so|therefore|thus|hence|finally|altogether|overall|in\s+total|in\s+all|"
    r"in\s+the\s+end|(?:this|that|which)\s+(?:means|meant)|meaning)\b",
    re.I,
)
_LEAD = re.compile(
    r"\b(?:it\s+is|it's|it\s+would\s+be|it\s+will\s+be|that's|that\s+is|that\s+would\s+be|that\s+makes|"
    r"which\s+makes|making|which\s+is|which\s+was|which\s+would\s+be|"
    r"(?:comes|came|works\s+out|worked\s+out|adds\s+up|add\s+up)\s+to|"
    r"(?:to\s+get|i\s+got|we\s+got|i\s+get|we\s+get|(?:gave|gives|give)\s+(?:me|us))|"
    r"(?:a|the)\s+total\s+(?:is|was|would\s+be)|the\s+total(?:\s+[a-z']+){1,6}\s+(?:is|was|would\s+be|will\s+be))"
    r"\s+(?:(?:a|the)\s+(?:[a-z']+\s+){0,3}?total\s+(?:[a-z]+\s+){0,2}?of\s+|exactly\s+|just\s+)?\$?\s*$"
    r"|\b(?:a|the)\s+(?:[a-z']+\s+){0,3}?total\s+(?:[a-z]+\s+){0,2}?of\s+\$?\s*$",
    re.I,
)
# around the value: a condition, a suggestion, a denial, a comparison or a concession
_NOT_CONCLUDING = re.compile(
    r"\b(?:if|suppose|try|would\s+you|could\s+you|can\s+you|let's|let\s+us|should|might|maybe|perhaps|"
    r"not|isn't|wasn't|aren't|no|than|though|although|instead)\b|\?",
    re.I,
)
# words that may sit among the question's words after a value: "28 glasses of water for the week"
_FILLER = frozenset(
    "in the a an all total altogether overall now then left over exactly only just dollars dollar "
    "for of to at on by with from who that which".split()
)
_REPLY = re.compile(
    r"(?:(?:it\s+is|it's|that's|that\s+is|i\s+got|i\s+think\s+it's)\s+)?(\S.*?)[.!]?", re.I | re.S
)
_RATE = re.compile(r"\b(?:each|per|every)\b", re.I)
_ASKS_ANSWER = re.compile(r"\banswer\b|\bhow\s+(?:many|much)\b|\bfinal\b|\bso\s+what\b", re.I)


def _token_at(ex: Extraction, char: int) -> int | None:
    """The first token starting at or after a character."""
    k = bisect_left(ex.tokens, char, key=lambda t: t.start)
    return k if k < len(ex.tokens) else None


def _more_phrases(ex: Extraction) -> list[Answer]:
    """ "The answer is seven", "the correct answer to the problem is $94": the answer phrases `claims.py`
    does not read (a number in words; an answer "to the problem")."""
    out: list[Answer] = []
    text = ex.norm.text
    if not _ANSWER_WORD.search(text):
        return out
    found = [(m.start(), m.end(), word_value(m.group())) for m in WORD_RUN.finditer(text)]
    found += [(t.start, t.end, None) for t in ex.tokens if _is_number(t)]
    for start, end, value in found:
        before = text[max(0, start - 80) : start]
        phrase = _PHRASE_WORDS.search(before)
        k = _token_at(ex, start)
        if phrase is None or k is None or (value is None and not phrase.group("long")):
            continue
        side = Side(k, k + 1, "n_0", [value], bare_number=True) if value is not None else _value_at(ex, k)
        if side is None:
            continue
        end = end if value is not None else ex.tokens[side.end - 1].end
        out.append(Answer("phrase", (start - (len(before) - phrase.start()), end), values=[side]))
    return out


def _value_at(ex: Extraction, k: int) -> Side | None:
    """A bare number starting at token k ("$84", "120 stickers", "2/5")."""
    try:
        side = scan(ex.tokens, k, len(ex.tokens))
    except (NoExpr, TooComplex):
        return None
    return side if side.bare_number else None


def _last_value(ex: Extraction) -> tuple[int, int, Side] | None:
    """The turn's last value, digits or words: (start char, end char, side)."""
    text = ex.norm.text
    k = next((i for i in range(len(ex.tokens) - 1, -1, -1) if _is_number(ex.tokens[i])), None)
    offset = max(0, len(text) - 2000) if k is None else ex.tokens[k].end
    words = list(WORD_RUN.finditer(text, offset))
    if words:
        m = words[-1]
        value = word_value(m.group())
        w = _token_at(ex, m.start())
        if value is None or w is None:
            return None
        return m.start(), m.end(), Side(w, w + 1, "n_0", [value], bare_number=True)
    if k is None:
        return None
    # the value that ends with the last number: "2/5" starts two tokens before it
    tight = k >= 2 and ex.tokens[k - 1].value == "/" and _is_number(ex.tokens[k - 2])
    side = _value_at(ex, k - 2) if tight else None
    if side is None or not side.start <= k < side.end:
        side = _value_at(ex, k)
    if side is None or not _plain_value(ex, side.start):
        return None
    return ex.tokens[side.start].start, ex.tokens[side.end - 1].end, side


def _is_number(t) -> bool:
    return t.kind == "num" and not t.mulword


def _plain_value(ex: Extraction, k: int) -> bool:
    """A value read whole: not after a sign ("-3"), not an exponent ("cm^2"), not the second part of a
    compound amount ("2 hours and 30 minutes")."""
    before = ex.tokens[max(0, k - 3) : k]
    if before and before[-1].kind in ("op", "pow") and before[-1].value in ("-", "^", "±"):
        return False
    kinds = [t.kind for t in before]
    return not (kinds == ["num", "word", "sep"] and before[-1].value == "and")


def _clause_begin(
    ex: Extraction, start: int, end: int, value_token: int, info: ProblemInfo, head_end: int | None = None
) -> int | None:
    """Where the concluding clause that ends with the value at [start, end) begins, None when the value
    does not close one: a marker or lead before it (before `head_end`, where the computation reaching the
    value starts), only words of the question after it ("$1095 per month"), no condition, suggestion,
    denial, comparison or question around it, and no rate in its sentence the question does not ask for."""
    text = ex.norm.text
    s_start, s_end = ex.sentences[ex.sentence_of[value_token]]
    if "?" in text[s_start:s_end]:
        return None
    ends = [i for i in (text.find(",", end, s_end), text.find(";", end, s_end)) if i >= 0]
    tail = text[end : min([s_end, *ends])]
    if len(re.findall(r"[A-Za-z']+", tail)) > _MAX_WORDS_AFTER or re.search(r"[^\sA-Za-z'.!]", tail):
        return None
    head = text[s_start : start if head_end is None else max(s_start, head_end)]
    markers = list(_MARKER.finditer(head))
    lead = _LEAD.search(head[-60:])
    if not markers and lead is None:
        return None
    begin = s_start + (markers[-1].start() if markers else len(head) - len(head[-60:]) + lead.start())
    if _NOT_CONCLUDING.search(text, begin, start) or _NOT_CONCLUDING.search(tail):
        return None
    if any(m.group().lower() not in info.asked for m in _RATE.finditer(text, s_start, s_end)):
        return None  # "she sells two half dozen for $30 each, which is $30 x 2 = $60": a rate
    # what follows the value names what the question asks for ("120 stickers", "$1095 per month"), not
    # another quantity ("12 windows in the bedrooms")
    if any(not _asked(w, info) for w in re.findall(r"[A-Za-z']+", tail)):
        return None
    return begin


_MEASURES = frozenset(
    "year years month months week weeks day days hour hours minute minutes second seconds dollars dollar "
    "cents cent pounds pound feet foot inches inch miles mile meters meter km kg grams liters gallons "
    "ounces ounce".split()
)


def _asked(word: str, info: ProblemInfo) -> bool:
    w = word.lower()
    return w in _FILLER or w in info.asked or w.rstrip("s") in info.asked or f"{w}s" in info.asked


def _closing(ex: Extraction, taken: list[Answer], info: ProblemInfo) -> list[Answer]:
    """A closing clause stating the turn's last value: "so he has 8", "which comes to $84"."""
    found = _last_value(ex)
    if found is None:
        return []
    start, end, side = found
    if any(a.span[0] <= start < a.span[1] for a in taken):
        return []
    chain = next((c for c in ex.chains if c.span[0] <= start < c.span[1]), None)
    if chain is not None and chain.sides[-1].start != side.start:
        return []  # a number inside a computation, not its result
    if not _answers_the_question(side, info):
        return []
    head_end = None if chain is None else ex.tokens[chain.sides[0].start].start
    begin = _clause_begin(ex, start, end, side.start, info, head_end)
    return [] if begin is None else [Answer("clause", (begin, end), values=[side])]


def _answers_the_question(side: Side, info: ProblemInfo) -> bool:
    """A value's unit fits the question: a measure or a word of the question ("30 chocolates" does not
    answer "how many guests"), and an amount of money only when the question is not a count."""
    if side.money and info.unit and not info.money:
        return False
    return not side.unit or side.unit.lower() in _MEASURES or _asked(side.unit, info)


def _conclusions(ex: Extraction, info: ProblemInfo) -> list[Answer]:
    """ "So she bought 10 spoons.": the asked-for quantity in a concluding clause."""
    out = []
    for a in conclusion_answer(ex, info.unit, info.money, info.numbers):
        k = a.values[0].start
        if not _plain_value(ex, k):
            continue
        if _clause_begin(ex, ex.tokens[k].start, ex.tokens[k].end, k, info) is not None:
            out.append(a)
    return out


def _reply(ex: Extraction, prior_teacher: str | None) -> list[Answer]:
    """A student's bare reply ("5", "5 balls", "$350.", "It is 2/5") to a teacher asking for the answer."""
    text = ex.norm.text.strip()
    if len(text) > 60 or (prior_teacher is not None and not _ASKS_ANSWER.search(prior_teacher[-300:])):
        return []
    m = _REPLY.fullmatch(text)
    if m is None:
        return []
    found = _last_value(ex)
    if found is None or found[0] != ex.norm.text.find(m.group(1)):
        return []
    start, end, side = found
    tail = ex.norm.text[end:].strip(" .!\n")
    if len(tail.split()) > 3 or re.search(r"[^\sA-Za-z']", tail):
        return []
    return [Answer("reply", (start, end), values=[side])]


def _results(ex: Extraction) -> list[Answer]:
    """The result of every computation: it states the answer when it reaches it ("15 - 5 = 10")."""
    return [
        Answer(RESULT, c.span, values=[c.sides[-1]], asserted=c.asserted, question=c.question)
        for c in ex.chains
        if c.sides[-1].bare_number and (c.sides[0].fraction or not c.sides[0].bare_number)
    ]


def stated_answers(
    ex: Extraction, info: ProblemInfo, role: str, prior_teacher: str | None = None
) -> list[Answer]:
    """Every answer statement of a turn, one per statement and value: a phrase before a box before the
    rest, and a closing clause repeating a value already stated is the same answer. Computation results
    last."""
    rank = {"phrase": 0, "boxed": 1}
    found = sorted((ex.answers + _more_phrases(ex))[:MAX_CLAIMS], key=lambda a: rank.get(a.how, 2))
    answers: list[Answer] = []
    for a in found:
        if not any(k.span[0] < a.span[1] and a.span[0] < k.span[1] for k in answers):
            answers.append(a)
    more = _conclusions(ex, info) or _closing(ex, answers, info)
    stated = {v for a in answers for v in map(side_value, a.values)}
    more = [a for a in more if not {side_value(s) for s in a.values} <= stated]
    if role == "student" and not more and not answers:
        more = _reply(ex, prior_teacher)
    for a in more:
        a.asserted, a.question = _assertion(ex, a)
    return answers + more + _results(ex)


def _assertion(ex: Extraction, ans: Answer) -> tuple[bool, bool]:
    k = ans.values[0].start if ans.values else 0
    return _asserted(ans.span, k, ex.norm.text, ex.sentence_of, ex.sentences)


def sub_question(prior_teacher: str | None) -> bool:
    """Whether the teacher's last turn asked about a computation of its own ("Can you work out 4/5 of
    100?"), not for the answer: the student's reply then states that, not a final answer."""
    if not prior_teacher:
        return False
    asked = re.findall(r"[^.?!\n]{0,300}\?", prior_teacher[-600:])
    return any(re.search(r"\d", q) for q in asked) and not any(_ASKS_ANSWER.search(q) for q in asked)


def on_the_way(ans: Answer, steps: tuple[str, ...], info: ProblemInfo) -> bool:
    """Whether a statement that does not call itself the answer states a value the reference solution
    reaches on the way (a step result) or that the problem gives."""
    if ans.how in EXPLICIT:
        return False
    values = [side_value(s) for s in ans.values]
    reached = step_values(steps) if steps else frozenset()
    return bool(values) and all(v is not None and (v in reached or v in info.numbers) for v in values)
