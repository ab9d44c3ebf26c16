"""Claim extraction: equations and chains, solution lists and final-answer statements, each with
its span in the turn's text."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from tutorforge.verifiers.exprscan import NoExpr, Side, TooComplex, scan
from tutorforge.verifiers.latex import Normalized, normalize
from tutorforge.verifiers.lexer import KEYWORDS, Token, tokenize
from tutorforge.verifiers.limits import MAX_CLAIMS, MAX_SIDE_TOKENS

_WINDOW_KINDS = {"num", "var", "const", "func", "op", "lp", "rp", "pow", "bang", "of", "deriv", "int", "dx"}
_WINDOW_KINDS |= {"ufunc", "opaque", "deg"}
_SENTENCE_END = {".", "?", "!", "\n"}
# `e` is a variable when the text gives it a value or lists it with other letters ("a, b, c, d, e").
_E_VARIABLE = re.compile(r"(?<![\\\w])e\s*(?:=|<|>|≤|≥|\\[lg]eq?\b|\\in\b)|\b[a-d],\s*e\b")

_ANSWER_PHRASE = re.compile(
    r"\b(?:(?:final\s+|correct\s+|right\s+)?answer\s*(?:is|was|would\s+be|should\s+be|will\s+be|=|:)"
    r"|(?:is|was)\s+the\s+(?:final\s+)?answer)(?!\s*(?:not|n't|wrong|incorrect|correct|right)\b)",
    re.I,
)
_QUOTE_BEFORE = re.compile(
    r"\b(?:you(?:'ve|'re|\s+have|\s+are)?\s+(?:said|wrote|written|got|gotten|calculated|computed|found|claimed|"
    r"mentioned|put|did|used|say|saying|think|thought|wrote\s+down|stated|concluded|answered|seem|meant)|"
    r"your\s+(?:\w+\s+)?(?:answer|calculation|work|step|result|solution|equation|claim)|instead\s+of|rather\s+than|"
    r"(?:is|was)\s+it\s+(?:really|true)|suppose|what\s+if|mistakenly|wrongly|incorrectly)\b",
    re.I,
)
_YOUR_BEFORE = re.compile(r"\byour\s+(?:\w+\s+)?$", re.I)
_NOT_BEFORE = re.compile(
    r"\b(?:not|no|isn't|never)(?:\s+(?:true|the\s+case|correct|right))?(?:\s+that)?\W*$", re.I
)
# "… = 8, which is not right" retracts the claim; "= 6, which is not a perfect square" and "= 19, not equal
# to 25" state it and say something else about its value.
_NEGATED_AFTER = re.compile(
    r"^\W*(?:(?:is|was|are|that's|that\s+is|which\s+is|but\s+that's)\s+)?(?:(?:not|isn't|wasn't|doesn't|does\s+not|"
    r"can't|cannot)\b(?!\s+(?:\d|an?\s|divisible|prime|equal\s+to|greater|less|more|an?\b))|"
    r"(?:incorrect|wrong|false|a\s+mistake|an\s+error|mistaken)\b)",
    re.I,
)


# A candidate the text itself tests and rejects: "2 + 1 = 1 (False)", "… \\implies 0 = -44 \\] This is a
# contradiction", "Check: 60 = 25 + 36 = 61 - This does not work.", "3^2 + 1 = 11? No." (read right after
# the claim).
_MARKED_FALSE = re.compile(
    r"\s*\?\s*(?:no|nope)\b|[\s,.;:)\]-]*(?:\(|text\s*)?[^=.\n]{0,12}?\b(?:false|contradiction|contradicts|"
    r"does\s+not\s+(?:work|hold|satisfy)|doesn't\s+(?:work|hold|satisfy)|not\s+(?:correct|true|valid|possible)|"
    r"incorrect|impossible|not\s+a\s+solution|no\s+solution|fails)\b",
    re.I,
)


@dataclass
class Chain:
    """`a = b = c`: its sides, and which links are approximate or written as words."""

    sides: list[Side]
    approx: list[bool]
    weak: list[bool]
    span: tuple[int, int] = (0, 0)  # normalized char range
    asserted: bool = True  # False when quoted, negated or asked
    question: bool = False

    @property
    def assignment(self) -> str | None:
        """The variable when the chain reads `v = … = value`."""
        return self.sides[0].bare_symbol


@dataclass
class Answer:
    """A final-answer statement: values (alternatives) or assignments."""

    how: str  # phrase | boxed | lastline | conclusion | solutions
    span: tuple[int, int]
    values: list[Side] = field(default_factory=list)
    assignments: list[list[tuple[str, Side]]] = field(
        default_factory=list
    )  # alternatives of joint assignments
    asserted: bool = True
    question: bool = False


@dataclass
class Extraction:
    norm: Normalized
    tokens: list[Token]
    chains: list[Chain]
    answers: list[Answer]
    too_complex: list[tuple[int, int]]  # normalized spans of expressions past the limits
    sentence_of: list[int]  # sentence number of each token
    sentences: list[tuple[int, int]]  # normalized char range of each sentence


def _sentences(tokens: list[Token], text: str) -> tuple[list[int], list[tuple[int, int]]]:
    of: list[int] = []
    ranges: list[tuple[int, int]] = []
    start = 0
    for t in tokens:
        of.append(len(ranges))
        if (t.kind == "punct" and t.value in _SENTENCE_END) or t.kind == "bang":
            if t.value == "." and t.end < len(text) and not text[t.end].isspace():
                continue
            ranges.append((start, t.end))
            start = t.end
    ranges.append((start, len(text)))
    return of, ranges


def _window_start(tokens: list[Token], k: int, floor: int) -> int:
    s = k
    depth = 0
    while s - 1 >= floor and k - s < MAX_SIDE_TOKENS + 1:
        t = tokens[s - 1]
        if t.kind in _WINDOW_KINDS or (depth > 0 and t.kind == "punct" and t.value == ","):
            depth += (t.kind == "rp") - (t.kind == "lp")
            s -= 1
            continue
        if t.kind == "word" and s - 2 >= floor and t.value.lower() not in KEYWORDS:
            before = tokens[s - 2]
            if before.kind == "num" or (before.kind == "word" and before.value.lower() == "per"):
                s -= 1
                continue
            if before.kind == "op" and before.value == "/" and before.end == t.start:
                s -= 1
                continue
        if t.kind == "word" and t.value.lower() == "per" and s - 2 >= floor and tokens[s - 2].kind == "word":
            s -= 1
            continue
        break
    return s


# Tokens that end a clause besides `=` (which chains) and punctuation: `≠`, the logical arrows and the
# comparisons. `≡` does not.
_RELATIONS = {"≠", "→", "⇒", "⟹", "∴"}
_COMPARISONS = {"<", ">", "≤", "≥"}
_LABEL_WORDS = {"so", "then", "thus", "therefore", "hence", "and", "which", "that", "since", "because", "now"}
_LABEL_WORDS |= {"a", "an"}


def _edge(tokens: list[Token], i: int, inner: Token, left: bool) -> bool:
    """Whether tokens[i], just outside a side whose outermost token is `inner`, ends the clause."""
    if i < 0 or i >= len(tokens):
        return True
    t = tokens[i]
    if t.kind == "eq" or (t.kind == "other" and t.value in _RELATIONS):
        return True
    if t.kind == "other" and t.value in _COMPARISONS:
        return True  # "6 \\cdot 14 = 84 > 0", "f(x) \\leq 4 + 1 = 5" (see Side.compared for "≈")
    if t.kind == "punct":
        return not (inner.math and t.math and t.value == "!")  # "!5" is a subfactorial inside math
    if t.kind in ("lp", "rp") and t.math != inner.math:
        return True  # "\\( 1 + 2 = 3 \\) (not a square)": a parenthesis in the prose around a LaTeX piece
    if not left and t.prose:
        return True  # "4 \\times 5 = 20 \\text{ square units}": words written after a value
    if not left and t.kind == "lp" and not inner.math and t.start > inner.end:
        return True  # "0 + 0 = 0 (which cannot be)": a remark after a plain-text side
    if t.kind == "op" and t.math != inner.math and _dash(tokens, i, left):
        return True  # "\\(n = 13 + 1 = 14\\) - Fourth term: …": a dash in the prose, not a minus
    if t.kind in ("op", "lp", "rp", "pow", "bang", "deg", "func", "ufunc", "opaque"):
        return False  # an operand or an operator left unread, in this LaTeX piece or next to it
    if t.kind == "of":  # "a total of 3 + 4 = 7", but not "10% of $1.50 = …"
        return not left or (i > 0 and tokens[i - 1].kind == "word")
    if t.math != inner.math:
        return True  # a side that fills its LaTeX piece
    if inner.math:
        return False  # inside LaTeX math every other token belongs to the expression
    glued = t.end == inner.start if left else inner.end == t.start
    if t.kind in ("word", "sep") and not glued:
        # prose around a plain-text side, but not a word glued to an operand before a binary minus
        # ("68AC - 444 = 0"); "I think -2x + 4 = 10" is a clause of its own
        if left and inner.kind == "op" and i > 0:
            prev = tokens[i - 1]
            return not (prev.end == t.start and prev.kind in ("num", "rp", "var"))
        return True
    return False


def _dash(tokens: list[Token], i: int, left: bool) -> bool:
    """An operator outside a LaTeX piece whose far neighbour is punctuation or a word of prose."""
    far = i - 1 if left else i + 1
    if far < 0 or far >= len(tokens):
        return True
    t = tokens[far]
    spaced = tokens[i].start > t.end if left else t.start > tokens[i].end
    return t.math == 0 and (t.kind == "punct" or (t.kind in ("word", "sep") and spaced))


def fully_read(tokens: list[Token], side: Side) -> bool:
    """The one place that decides whether a side was read completely: the tokens on both sides of it
    end the clause, and nothing inside it reads two ways ("4√3 / 6√3"). A side with a word, a label,
    an unknown command or an unread operand next to it ("\\text{Multiples of 3 or } 5 = 100 + 60 - 20",
    "4(0.30102...)") leaves its claim unverifiable."""
    if side.ambiguous:
        return False
    return _edge(tokens, side.start - 1, tokens[side.start], True) and _edge(
        tokens, side.end, tokens[side.end - 1], False
    )


def _left_side(tokens: list[Token], k: int, floor: int) -> Side | None:
    lo = _window_start(tokens, k, floor)
    if k - lo > MAX_SIDE_TOKENS:
        raise TooComplex("expression too long")
    starts = []
    depth = 0
    for s in range(k - 1, lo - 1, -1):
        kind = tokens[s].kind
        if kind == "rp":
            depth += 1
        elif kind == "lp":
            depth -= 1
            if depth < 0:
                break
        if depth == 0:
            starts.append(s)
    for s in reversed(starts):
        try:
            side = scan(tokens, s, k)
        except NoExpr:
            continue
        if side.end == k:
            return side  # the longest expression ending at `=`; fully_read judges what is before it
    return None


def _right_side(tokens: list[Token], k: int) -> Side | None:
    try:
        return scan(tokens, k + 1, len(tokens))
    except NoExpr:
        return None


def _starts_clause(tokens: list[Token], k: int) -> bool:
    """ "So 20% of 80 is 16": nothing but a linking word before a computation linked by "is"
    ("the smallest integer greater than 4/3 is 2" compares, it does not compute)."""
    if k == 0:
        return True
    t = tokens[k - 1]
    return t.kind in ("punct", "eq") or (t.kind in ("word", "sep") and t.value.lower() in _LABEL_WORDS)


def _acceptable(tokens: list[Token], left: Side, right: Side, eq: Token, after: Token | None) -> bool:
    """A link written as a word ("is") counts only in narrow forms: "20% of 80 is 16"."""
    if not eq.weak:
        return True
    if left.special:
        return True
    return left.operators > 0 and right.bare_number and _starts_clause(tokens, left.start)


def _embedded(left: Side, tokens: list[Token]) -> bool:
    """A bare number with a unit right after a word belongs to the words: "in the final 5 floors = 80 min"."""
    if not left.bare_number or not left.unit or left.start == 0:
        return False
    return tokens[left.start - 1].kind in ("word", "of")


def _phrase_follows(right: Side, tokens: list[Token], weak: bool) -> bool:
    """ "12 = 2/3 of the total", "20% of 80 is 20 hundredths of 80": the number starts a phrase."""
    after = _at(tokens, right.end)
    return right.bare_number and (weak or not right.unit) and after is not None and after.kind == "of"


_REMAINDER_WORDS = {"remainder", "r", "rem"}
_REMAINDER_GAP = {"word", "var", "of", "num", "punct", "sep"}


def _read_remainder(tokens: list[Token], side: Side) -> None:
    """ "3 remainder 2", "3 R 2", "3 with a remainder of 2" after a quotient: the remainder joins the side."""
    if not side.bare_number:
        side.ambiguous = side.ambiguous or side.unit in _REMAINDER_WORDS  # "-12 remainder -5"
        return
    k = side.end
    words = [side.unit] if side.unit in _REMAINDER_WORDS else []
    while k < len(tokens) and len(words) < 7 and tokens[k].kind in _REMAINDER_GAP:
        t = tokens[k]
        if t.kind == "num":
            break
        if t.kind == "punct" and t.value not in ",;":
            break
        words.append(t.text.lower())
        k += 1
    kept = [w for w in words if w not in (",", ";", "with", "a", "of", "and")]
    if k < len(tokens) and tokens[k].kind == "num" and kept and kept[-1] in _REMAINDER_WORDS:
        r = tokens[k]
        if r.decimals == 0 and not r.money:
            side.remainder = r.value
            side.end = k + 1
            return
    if side.unit in _REMAINDER_WORDS or "remainder" in kept:
        side.ambiguous = True  # a remainder written in a form not read ("-12 remainder -5")


def _continues(tokens: list[Token], left: Side) -> bool:
    """ "5,000. + 1,000 = 6,000": a clause opening with an operator carries on from a result before it."""
    k = left.start
    if k == 0 or tokens[k - 1].kind != "op" or tokens[k - 1].value not in "+-*/":
        return False
    if tokens[k - 1].math != tokens[k].math:
        return False  # "… subtraction. - \\(48 - 2 = 46\\)": a dash before a LaTeX piece
    return k == 1 or tokens[k - 2].kind == "punct"


def _at(tokens: list[Token], i: int) -> Token | None:
    return tokens[i] if i < len(tokens) else None


def _chains(tokens: list[Token], too_complex: list) -> list[Chain]:
    chains: list[Chain] = []
    cur: Chain | None = None
    floor = 0
    for k, t in enumerate(tokens):
        if t.kind != "eq" or k < floor:
            continue
        try:
            if cur is not None and cur.sides[-1].end == k:
                right = _right_side(tokens, k)
                if (
                    right is not None
                    and _acceptable(tokens, cur.sides[-1], right, t, _at(tokens, right.end))
                    and not _phrase_follows(right, tokens, t.weak)
                ):
                    _read_remainder(tokens, right)
                    cur.sides.append(right)
                    cur.approx.append(t.approx)
                    cur.weak.append(t.weak)
                    floor = right.end
                    continue
            cur = None
            left = _left_side(tokens, k, floor)
            right = _right_side(tokens, k) if left is not None else None
        except TooComplex:
            too_complex.append((t.start, t.end))
            cur = None
            floor = k + 1
            continue
        if left is None or right is None or not _acceptable(tokens, left, right, t, _at(tokens, right.end)):
            continue
        if _continues(tokens, left):
            continue
        if _embedded(left, tokens):
            continue
        if _phrase_follows(right, tokens, t.weak):
            continue
        _read_remainder(tokens, right)
        cur = Chain([left, right], [t.approx], [t.weak])
        chains.append(cur)
        floor = right.end
    for c in chains:
        c.span = (tokens[c.sides[0].start].start, tokens[c.sides[-1].end - 1].end)
        for side in c.sides:
            side.complete = fully_read(tokens, side)
            before = tokens[side.start - 1] if side.start else None
            side.compared = before is not None and before.kind == "other" and before.value in _COMPARISONS
    return chains


def _mark_assertions(chains: list[Chain], ex_text: str, sentence_of: list[int], sentences, tokens) -> None:
    for k in reversed(range(min(len(chains), MAX_CLAIMS))):  # the verifier checks no more
        c = chains[k]
        nxt = chains[k + 1] if k + 1 < len(chains) else None
        until = nxt.span[0] if nxt else len(ex_text)
        c.asserted, c.question = _asserted(c.span, c.sides[0].start, ex_text, sentence_of, sentences, until)
        if nxt is not None and not nxt.asserted and not re.search(r"[A-Za-z]", ex_text[c.span[1] : until]):
            # the rows of one check the text rejects as a whole: "… \\] \\[ 2 + 1 = 1 \\] (False)"
            c.asserted = False
        if c.sides[-1].bare_number and _compared_away(c, ex_text, tokens):
            c.asserted = False


# "… = 999, which simplifies to 14 * 71 = 994. Since 994 is less than 999": another value compared with
# the one a claim wrote shows the text testing it, not asserting it
_COMPARED = re.compile(
    r"(\d{1,12}(?:,\d{3}){0,4}(?:\.\d{1,6})?)\s*(?:(?:is|was)\s+(?:not\s+equal\s+to|(?:less|greater|smaller|larger|"
    r"more|fewer|lower|higher)\s+than)|<|>|≠|!=)\s*(\d{1,12}(?:,\d{3}){0,4}(?:\.\d{1,6})?)(?![\d.]\d)",
    re.I,
)


def _compared_away(c: Chain, text: str, tokens: list[Token]) -> bool:
    """Whether the text, right after the claim, compares another value with the value the claim wrote."""
    last = c.sides[-1]
    written = text[tokens[last.start].start : tokens[last.end - 1].end].strip().rstrip(".")
    for m in _COMPARED.finditer(text, c.span[1], min(len(text), c.span[1] + 200)):
        if m.group(2).rstrip(".") == written and m.group(1).rstrip(".") != written:
            return True
    return False


_WINDOW = 300


def _asserted(
    span: tuple[int, int], first_token: int, text: str, sentence_of, sentences, until: int | None = None
) -> tuple[bool, bool]:
    """(asserted, question): quoted, negated or marked false by the text ("… = 1 (False)", up to the next
    claim at `until`) is not asserted."""
    s_idx = sentence_of[first_token] if first_token < len(sentence_of) else len(sentences) - 1
    s_start, s_end = sentences[s_idx]
    # the words next to a claim decide; windows keep a sentence of many claims linear
    before = text[max(s_start, span[0] - _WINDOW) : span[0]]
    after = text[span[1] : min(s_end, span[1] + _WINDOW)]
    question = text[max(s_start, s_end - _WINDOW) : s_end].rstrip().endswith("?")
    opened, closed = text.count("“", s_start, span[0]), text.count("”", s_start, span[0])
    quoted = text.count('"', s_start, span[0]) % 2 == 1 or opened > closed
    quoted = quoted or bool(_QUOTE_BEFORE.search(before) or _YOUR_BEFORE.search(before))
    marked = _MARKED_FALSE.match(text, span[1], min(len(text), span[1] + 120, until or len(text)))
    asserted = not (quoted or _NOT_BEFORE.search(before) or _NEGATED_AFTER.match(after) or marked)
    return asserted, question


def _solution_groups(chains: list[Chain], tokens: list[Token]) -> list[Answer]:
    """Runs of `v = value` chains joined only by `or`, `and` or commas: "x = 2 or x = 3", "x = 2, y = 3"."""
    groups: list[list[Chain]] = []
    for c in chains:
        if c.assignment is None or "s_" in c.sides[-1].source:
            continue
        if groups and _joined(groups[-1][-1], c, tokens):
            groups[-1].append(c)
        else:
            groups.append([c])
    out = []
    for g in groups:
        names = [c.assignment for c in g]
        if len(set(names)) == len(names):  # one joint assignment (a system)
            alts = [[(c.assignment, c.sides[-1]) for c in g]]
        elif len(set(names)) == 1:
            alts = [[(c.assignment, c.sides[-1])] for c in g]
        else:
            continue
        span = (g[0].span[0], g[-1].span[1])
        asserted, question = all(c.asserted for c in g), any(c.question for c in g)
        out.append(Answer("solutions", span, assignments=alts, asserted=asserted, question=question))
    return out


def _joined(a: Chain, b: Chain, tokens: list[Token]) -> bool:
    between = tokens[a.sides[-1].end : b.sides[0].start]
    return (
        all(t.kind == "sep" or (t.kind == "punct" and t.value == ",") for t in between) and len(between) <= 2
    )


def _phrase_answers(
    ex_text: str, tokens: list[Token], chains: list[Chain], groups: list[Answer], too_complex: list
) -> list[Answer]:
    out = []
    starts = [t.start for t in tokens]
    for m in _ANSWER_PHRASE.finditer(ex_text):
        k = bisect_left(starts, m.end())  # the first token at or after the phrase
        if k == len(tokens):
            continue
        group = next((g for g in groups if tokens[k].start == g.span[0]), None)
        if group is not None:
            out.append(Answer("phrase", (m.start(), group.span[1]), assignments=group.assignments))
            continue
        chain = next((c for c in chains if c.sides[0].start == k), None)
        if chain is not None:
            out.append(Answer("phrase", (m.start(), chain.span[1]), values=[chain.sides[-1]]))
            continue
        values = _value_list(tokens, k, too_complex)
        if any(v.operators and "s_" not in v.source for v in values):
            continue  # "the answer is 30% - 20% blue ...": a computation, not a stated value
        if values:
            out.append(Answer("phrase", (m.start(), tokens[values[-1].end - 1].end), values=values))
    return out


def _value_list(tokens: list[Token], k: int, too_complex: list | None = None) -> list[Side]:
    """`5`, `2 or 3`, `-5 and 5`: values separated by `or`/`and`/commas."""
    values = []
    while k < len(tokens):
        try:
            side = scan(tokens, k, len(tokens))
        except NoExpr:
            break
        except TooComplex:
            if too_complex is not None:
                too_complex.append((tokens[k].start, tokens[-1].end))
            break
        values.append(side)
        k = side.end
        if k < len(tokens) and (
            tokens[k].kind == "sep" or (tokens[k].kind == "punct" and tokens[k].value == ",")
        ):
            if k + 1 < len(tokens) and tokens[k + 1].kind == "sep":
                k += 1
            k += 1
            continue
        break
    return values


def _boxed_answers(
    norm: Normalized, tokens: list[Token], groups: list[Answer], too_complex: list
) -> list[Answer]:
    out = []
    starts = [t.start for t in tokens]
    group_starts = [g.span[0] for g in groups]
    for a, b in norm.boxed:
        # tokens and groups are in text order: bisection, not a scan of all of them per box
        inside = [i for i in range(bisect_left(starts, a), bisect_left(starts, b)) if tokens[i].end <= b]
        if not inside:
            continue
        g = bisect_left(group_starts, a)
        group = groups[g] if g < len(groups) and groups[g].span[1] <= b else None
        if group is not None:
            out.append(Answer("boxed", (a, b), assignments=group.assignments))
            continue
        sub = tokens[inside[0] : inside[-1] + 1]
        sides = _value_list(sub, 0, too_complex)
        # the value is what the box ends with: \boxed{x = 5}, \boxed{12 + 3 = 15}
        eqs = [i for i, t in enumerate(sub) if t.kind == "eq"]
        if eqs:
            sides = _value_list(sub, eqs[-1] + 1, too_complex)
        if sides and sides[-1].end == len(sub):
            out.append(Answer("boxed", (a, b), values=_shift(sides, inside[0])))
    return out


def _shift(sides: list[Side], offset: int) -> list[Side]:
    for s in sides:
        s.start += offset
        s.end += offset
    return sides


# possessive blanks after the number: backtracking through them was quadratic in trailing spaces
_LAST_LINE = re.compile(
    r"\n[ \t]*(-?[ \t]?\$?[ \t]?-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)[ \t]*+\.?[ \t]*+$"
)


def _last_line_answer(ex_text: str, tokens: list[Token]) -> list[Answer]:
    """A turn whose last line is one number (the GSM8K / MathDial convention)."""
    m = _LAST_LINE.search(ex_text)
    if not m:
        return []
    k = next((i for i, t in enumerate(tokens) if t.start >= m.start(1)), None)
    if k is None:
        return []
    try:
        side = scan(tokens, k, len(tokens))
    except (NoExpr, TooComplex):
        return []
    return [Answer("lastline", m.span(1), values=[side])]


def extract(text: str, unknowns: frozenset[str] = frozenset()) -> Extraction:
    """All claims of one turn."""
    norm = normalize(text)
    ex_text = norm.text
    tokens = tokenize(ex_text, unknowns, norm.math, norm.words, bool(_E_VARIABLE.search(text[:20_000])))
    too_complex: list[tuple[int, int]] = []
    chains = _chains(tokens, too_complex)
    sentence_of, sentences = _sentences(tokens, ex_text)
    _mark_assertions(chains, ex_text, sentence_of, sentences, tokens)
    groups = _solution_groups(chains, tokens)
    answers = _phrase_answers(ex_text, tokens, chains, groups, too_complex)
    answers += _boxed_answers(norm, tokens, groups, too_complex)
    answers += _last_line_answer(ex_text, tokens)
    starts = [t.start for t in tokens]
    for a in answers:
        first = bisect_left(starts, a.span[0])
        first = 0 if first == len(tokens) else first
        a.asserted, a.question = _asserted(a.span, first, ex_text, sentence_of, sentences)
    answers += groups
    return Extraction(norm, tokens, chains, answers, too_complex, sentence_of, sentences)


_CONCLUSION = re.compile(
    r"(?:^|[,;:])[^\w,;:]*(?:and\s+)?(?:so|which\s+means|meaning|therefore|thus|hence|finally|altogether|overall|in\s+total|in\s+all|in\s+the\s+end|"
    r"that\s+means|this\s+means|which\s+means)\b",
    re.I,
)


def _same_noun(word: str, unit: str) -> bool:
    w, u = word.lower(), unit.lower()
    return w == u or w.rstrip("s") == u.rstrip("s") or w.removesuffix("es") == u.removesuffix("es")


_ASKS = re.compile(r"\?|\bhow\s+(?:many|much|long)\b|\bwhat\b", re.I)


def conclusion_answer(ex: Extraction, unit: str, money: bool, given: frozenset = frozenset()) -> list[Answer]:
    """A closing sentence stating the asked-for quantity: "So she bought 10 spoons.", "So he pays $34."."""
    if not unit and not money:
        return []
    nums = [i for i, t in enumerate(ex.tokens) if t.kind == "num" and not t.mulword]
    if not nums:
        return []
    k = nums[-1]
    t = ex.tokens[k]
    s_start, s_end = ex.sentences[ex.sentence_of[k]]
    marker = None
    for m in _CONCLUSION.finditer(ex.norm.text, s_start, t.start):
        marker = m
    if marker is None or t.value in given or _ASKS.search(ex.norm.text, s_start, s_end):
        return []  # a number the problem gives, or a question, is not the student's answer
    if any(c.span[0] <= t.start < c.span[1] for c in ex.chains):
        return []
    if any(a.span[0] <= t.start < a.span[1] for a in ex.answers):
        return []
    nxt = ex.tokens[k + 1] if k + 1 < len(ex.tokens) else None
    noun = (
        nxt is not None
        and nxt.kind == "word"
        and (_same_noun(nxt.value, unit) or (money and nxt.value.lower() in ("dollars", "dollar")))
    )
    if not (noun or (money and t.money)):
        return []
    end = nxt.end if noun else t.end
    ans = Answer("conclusion", (t.start, end), values=[scan(ex.tokens, k, k + 1)])
    ans.asserted, ans.question = _asserted(ans.span, k, ex.norm.text, ex.sentence_of, ex.sentences)
    return [ans]
