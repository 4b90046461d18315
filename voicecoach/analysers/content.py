"""What an answer says, sentence by sentence: STAR parts, covered points, the opening and
the close. Text only; :mod:`.structure` turns it into a score and feedback.

A transcript from a small model loses sentence ends and mishears words ("as a result" ->
"and a remote", "shipped" -> "ship"), so nothing here hangs on one cue word:

- Words are compared by their Snowball stems, with fillers removed, so tense and
  spelling variants match ("organised"/"organized", "shipped"/"ship").
- Run-on sentences are cut into units at the joints where speakers start a new step
  ("... and then I", "so I", "... and we"), so one unpunctuated minute is not one unit.
- Each unit gets a few dozen features (first person, past tense, a number, an outcome
  verb, its place in the answer...) and each STAR part a logistic score over them; the
  weights are fitted on the hand-labelled answers in ``benchmarks/content/`` (dev split)
  and shipped in ``data/star_weights.json``. ``benchmarks/bench_content.py`` measures them
  on the held-out split, with and without transcription errors.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..core.datatypes import normalise_word
from ..core.lexicon import DEFAULT_LEXICON, Lexicon

PARTS = ("situation", "task", "action", "result")

#: Discourse fillers left out of the text the features see (fillers are counted elsewhere).
_DROP = frozenset({"like", "basically", "honestly", "actually", "yeah", "okay", "oh", "wow"})
_DROP_PAIRS = (("you", "know"), ("i", "mean"), ("kind", "of"), ("sort", "of"))


@functools.cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """The Snowball stem of a normalised word ("shipped" -> "ship"); pronouns and
    contractions are kept whole."""
    if "'" in word or len(word) <= 3:
        return word
    return str(_stemmer().stemWord(word))


def tokens(text: str, lexicon: Lexicon = DEFAULT_LEXICON) -> list[str]:
    """Normalised words without vocal fillers and the commonest discourse fillers."""
    words = [normalise_word(w) for w in text.split()]
    words = [w for w in words if w and not lexicon.is_vocal(w) and w not in _DROP]
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and (words[i], words[i + 1]) in _DROP_PAIRS:
            i += 2
            continue
        out.append(words[i])
        i += 1
    return out


def stemmed(text: str, lexicon: Lexicon = DEFAULT_LEXICON) -> str:
    """The text as one string of stems, padded with spaces, for phrase matching."""
    return " " + " ".join(stem(w) for w in tokens(text, lexicon)) + " "


# -- cutting run-on sentences into units -------------------------------------------------

#: Where a run-on sentence starts a new clause: "... and then I", "so we", "... my job
#: was", "... in the end", "... last spring".
_JOINT = re.compile(
    r",?\s+(?=(?:(?:and then|so then|and so|then|so|and|but|after that|because)\s+(?:i|we)\b"
    r"|my (?:job|role|part|task|goal|aim|responsibility)\b|i (?:had|needed|wanted|was asked) to\b"
    r"|in the end\b|as a result\b|since then\b|the next (?:day|week|month|quarter|year)\b|(?:last|that) "
    r"(?:year|spring|summer|autumn|winter|quarter|month|week)\b))",
    re.IGNORECASE,
)
#: In a longer run-on (most likely sentence ends lost by the transcriber), also where a
#: bare "I" or "we" starts telling what happened.
_BARE_JOINT = re.compile(
    r"\s+(?=(?:i|we) (?:\w+ed|made|wrote|built|went|took|set|met|told|gave|ran|put|sent|found|got|did|was|had)\b)",
    re.IGNORECASE,
)
#: A sentence this long (in words) is cut at its joints, one this long at its bare
#: joints too, into pieces of at least ``MIN_PIECE_WORDS``.
RUN_ON_WORDS = 20
LONG_RUN_ON_WORDS = 30
MIN_PIECE_WORDS = 5


def units(text: str, lexicon: Lexicon = DEFAULT_LEXICON) -> list[tuple[int, int]]:
    """Word ranges ``(first, last)`` (inclusive) of the units of one sentence: the whole
    sentence, or for a run-on sentence the pieces between its joints. The sentence is
    measured and cut without its vocal fillers (and the commas they bring), so an "um" more
    or less does not move a cut."""
    words = text.split()
    kept = [i for i, w in enumerate(words) if not lexicon.is_vocal(normalise_word(w))]
    if len(kept) < RUN_ON_WORDS:
        return [(0, len(words) - 1)] if words else []
    said = " ".join(words[i] for i in kept)
    cuts = [0]  # in words of ``said``
    joints = list(_JOINT.finditer(said)) + (list(_BARE_JOINT.finditer(said)) if len(kept) >= LONG_RUN_ON_WORDS else [])
    for m in sorted(joints, key=lambda m: m.end()):
        n = len(said[: m.end()].split())
        if n - cuts[-1] >= MIN_PIECE_WORDS and len(kept) - n >= MIN_PIECE_WORDS:
            cuts.append(n)
    # back to the sentence's words: a cut falls before the first word said after it
    starts = [0] + [kept[n] for n in cuts[1:]]
    return [(a, b - 1) for a, b in zip(starts, starts[1:] + [len(words)], strict=True)]


# -- features ----------------------------------------------------------------------------

_NUMBER_WORDS = (
    "two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty sixty seventy "
    "eighti ninety "
    "hundr thousand million half third quarter percent per cent"
).split()
#: Past-tense and base forms of doing verbs, as stems; ASR often drops "-ed".
_ACTION_STEMS = (
    "ask talk met meet wrote rode write built build made make set split cut cot move went go took take told toll tell "
    "show "
    "found find start rebuilt rewrot rewrit chose choos pick call offer explain suggest organis organiz creat design "
    "run ran "
    "ad add put sent send decid plan measur share post pair join read listen apologis apologiz document brief fix "
    "learn "
    "drew draw teach taught taught recruit convinc book manag rais point pull led lead train review test stay switch "
    "mapp "
    "map help gave give bought launch hire introduc automat schedul prioritis prioritiz reorganis argu argued keep "
    "kept "
    "block stop spent spend check came come did do got get work tri tried use"
).split()
_RESULT_STEMS = (
    "ship shipp pass won win launch deliv submit agre renew finish complet fix approv thank close handl stop fell drop "
    "rose grew increas reduc improv halv doubl save cut rais went result outcom end never still now sinc learn lesson "
    "taught "
    "show realis realiz smooth success happi satisfi"
).split()


_FEATURES: dict[str, re.Pattern[str]] = {
    name: re.compile(p)
    for name, p in {
        "time_setting": r" (last|this|that|one|in my|at my|at|my) "
        r"(year|spring|summer|autumn|fall|winter|month|week|quarter|term|semest|night) "
        r"| (in|at) (my|our|the|a) (last|previous|current|first|second|third|final|old)? "
        r"?(job|role|compani|team|internship|univers|school|"
        r"work|shop|restaur|pharmaci|librari|volunt|offic|town) | when i was | back in | halfway | year ago | in my "
        r"(first|second|third|final) ",
        "there_was": r" there (was|were|is) | we (had|were) | i (was|work|worked) (a|an|the|on|at|in|as|work|just) | "
        r"had been ",
        "third_subject": r"^ (and |so |but )?(he|she|they|the|a|my "
        r"(manag|colleagu|flatmat|lectur|boss)|our|his|her|their|it|someon|nobodi|everyon|one of) ",
        "problem": r" (problem|issu|complain|angri|furious|broke|down|late|wrong|fail|mistak|slow|couldn't|nobodi|no "
        r"one|behind|risk|bug|error|crash|"
        r"fragil|tens|confus|disappear|upset|annoy|froze|miss|cost|strugg|cut its|lost|lose) ",
        "obligation": r" (i|we) (had|have|need|want)\w* (us |him |her |them |it )?to | my "
        r"(job|part|role|task|goal|aim|respons) | (was|were) (ask|respons|task|lead|in charg) "
        r"| the (goal|task|challeng|aim|deadlin) (is|was) | sat with me | i decid to take | so i had | i "
        r"(want|wanted) (him|her|them|us) ",
        "i_start": r"^ (and |so |then |but |after that |first |also )*(i|we) ",
        "i_action": r" (i|we) (also |then |first |just |quick |person |myself )?(" + "|".join(_ACTION_STEMS) + r") ",
        "step_word": r"^ (so |and )?(first|then|next|after that|later|so i|so we|and then|onc|as soon as|instead) ",
        "feeling": r" i (felt|feel|thought|think|guess|suppos|don't|didn't (realli )?(agre|rememb|know)|was "
        r"(nervous|sure|annoy|stress)) | it stung | honest ",
        "hypothetical": r" (i'd|i would|i will|i'll|you'd|we'd|would) ",
        "general": r" i (alway|usual|often|generally|tend|like to|tri to|love|enjoy) | i'm "
        r"(a|generally|realli|good|hard|quit) | (alway|usual|generally) ",
        "number": r" \d| (" + "|".join(_NUMBER_WORDS) + r") ",
        "change": r" (fell|drop|cut|cot|rose|grew|increas|reduc|improv|halv|doubl|save|faster|slower|down to|went "
        r"from|from \w+ to|within|under) ",
        "outcome_phrase": r" (in the end|in the and|as a result|and a remot|end up|ended up|the result|the "
        r"outcom|result was|now|sinc then|sinc than|still|went well|"
        r"without (a|ani|me|an)|no longer|never .* again|the next (quarter|year|week|month)|later|within a|after "
        r"(six|two|three|a) |by the end"
        r"|(it|that|this|which) (has |have |had )?(realli )?(help|work)) ",
        "result_verb": r" (" + "|".join(_RESULT_STEMS) + r") ",
        "lesson": r" (learn|lesson|taught me|show me|showed me|i know now|what i took|realis|realiz|now i|sinc "
        r"then|sinc than|next time) ",
        "which_clause": r" which (cut|meant|led|save|was|is|cover|made|help) | so (that|now) ",
        "they_did": r" (he|she|they|the team|the client|the custom|our|it) (\w+ "
        r")?(chang|agre|renew|approv|thank|kept|stop|start|came|fix|ran|use|pass|close|put|present|coach|ask) ",
        "meta": r" (that's a|that was a|let me think|good question|hard one|tough one|i don't know|i'm not sure|so "
        r"yeah|and stuff|or someth|that's about it|i guess|i suppos) ",
        "they_past": r"^ (and |so |but |then )*(he|she|they|it|everyon|peopl|the \w+) \w+ed ",
    }.items()
}


_IRREGULAR_PAST = frozenset(
    "was were had did made wrote built went took set met told gave ran cut put sent showed found got brought spoke "
    "drew taught chose kept "
    "began led held sat thought felt said came saw left lost paid won fell rose grew stood heard knew became spent "
    "caught".split()
)
_PRESENT_HABIT = re.compile(
    r" (i|we) (always|usually|often|generally|normally|tend to|try to|like to) | when (things|i'm|i am|there's|it's) "
    r"| (always|usually|every time) "
)


def is_past(text: str, lexicon: Lexicon = DEFAULT_LEXICON) -> bool:
    """Whether a unit tells what happened: a verb in the past tense (by its ending or an
    irregular form), before any stemming."""
    return any(w.endswith("ed") and len(w) > 4 or w in _IRREGULAR_PAST for w in tokens(text, lexicon))


def features(
    text: str, index: int, count: int, lexicon: Lexicon = DEFAULT_LEXICON, *, story_share: float = 1.0
) -> dict[str, float]:
    """The features of one unit: ``index`` of ``count`` units in the answer, in which a
    share ``story_share`` of the units tell what happened (:func:`is_past`)."""
    s = stemmed(text, lexicon)
    f = {name: float(bool(p.search(s))) for name, p in _FEATURES.items()}
    f["past"] = float(is_past(text, lexicon))
    f["habit"] = float(bool(_PRESENT_HABIT.search(" " + " ".join(tokens(text, lexicon)) + " ")))
    f["story_share"] = story_share
    # pairs a sum of single features cannot express
    f["i_past"] = f["i_start"] * f["past"]
    f["i_action_past"] = f["i_action"] * f["past"]
    f["obligation_first_half"] = f["obligation"] * (index <= count / 2)
    f["result_late"] = max(f["result_verb"], f["outcome_phrase"], f["change"]) * (index >= count / 2)
    f["number_late"] = f["number"] * (index >= count / 2)
    f["setting_early"] = max(f["time_setting"], f["there_was"], f["problem"]) * (index <= 1)
    rel = index / max(count - 1, 1)
    f["first"] = float(index == 0)
    f["second"] = float(index == 1)
    f["last"] = float(index == count - 1)
    f["before_last"] = float(index == count - 2)
    f["position"] = rel
    f["position2"] = rel * rel
    f["short"] = float(len(s.split()) < 6)
    return f


# -- the model ---------------------------------------------------------------------------


@functools.cache
def _weights() -> dict[str, dict[str, float]]:
    raw = json.loads(resources.files("voicecoach.data").joinpath("star_weights.json").read_text(encoding="utf-8"))
    return {part: raw["weights"][part] for part in PARTS}


#: Weights in force instead of the shipped ones (set by the benchmark's cross-validation).
override: dict[str, dict[str, float]] | None = None


def part_scores(feats: dict[str, float], weights: dict[str, dict[str, float]] | None = None) -> dict[str, float]:
    """The probability of each STAR part for one unit's features."""
    w = weights or override or _weights()
    out = {}
    for part in PARTS:
        wp = w[part]
        z = wp.get("bias", 0.0) + sum(wp.get(k, 0.0) * v for k, v in feats.items())
        out[part] = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
    return out


@dataclass(frozen=True)
class Unit:
    """A sentence or a piece of a run-on sentence, with the STAR parts it shows."""

    sentence: int  # index of its sentence
    first_word: int  # word range inside the sentence, inclusive
    last_word: int
    text: str
    parts: tuple[str, ...]
    scores: tuple[float, ...]  # per PARTS


def unit_features(
    sentences: Sequence[str], lexicon: Lexicon = DEFAULT_LEXICON
) -> list[tuple[int, int, int, str, dict[str, float]]]:
    """Each sentence cut into units: ``(sentence, first_word, last_word, text, features)``."""
    pieces = []
    for i, text in enumerate(sentences):
        words = text.split()
        for a, b in units(text, lexicon):
            pieces.append((i, a, b, " ".join(words[a : b + 1])))
    share = sum(is_past(text, lexicon) for *_, text in pieces) / len(pieces) if pieces else 0.0
    return [
        (i, a, b, text, features(text, k, len(pieces), lexicon, story_share=share))
        for k, (i, a, b, text) in enumerate(pieces)
    ]


def star_units(sentences: Sequence[str], lexicon: Lexicon = DEFAULT_LEXICON, *, threshold: float = 0.5) -> list[Unit]:
    """Each sentence cut into units, each unit labelled with the STAR parts it shows."""
    out = []
    for i, a, b, text, feats in unit_features(sentences, lexicon):
        scores = part_scores(feats)
        parts = tuple(p for p in PARTS if scores[p] >= threshold)
        out.append(Unit(i, a, b, text, parts, tuple(round(scores[p], 3) for p in PARTS)))
    return out


# -- covered points ----------------------------------------------------------------------

#: A covered point whose wording names an outcome is touched by any result unit, one that
#: names what the speaker did by any action unit, whatever the words.
_POINT_KINDS = (
    ("result", r"\b(outcome|result|impact|success|resolved|happened next|decision that "
        r"followed|consequence|progress|how you improved|"
     r"what you learned|the lesson|growth|who benefited|what the team gained|who you are now|results)\b"),
    ("action", r"\b(how you (handled|adapted|helped|overcame|responded|decided|did "
        r"it|raised|brought|listened|stayed|planned)|what you (did|do|changed)|"
     r"your own contribution|what you changed|what you adapted)\b"),
)  # fmt: skip


def point_kind(point: str) -> str | None:
    """``"result"`` or ``"action"`` when a covered point's wording names one, else None."""
    return next((kind for kind, p in _POINT_KINDS if re.search(p, point.lower())), None)


def cue_matches(cue: str, stemmed_text: str) -> bool:
    """Whether a bank cue (a word, a word start such as "prioriti", or a phrase) is said,
    compared by stems."""
    return any(form in stemmed_text for form in _cue_forms(cue))


@functools.lru_cache(maxsize=8192)
def _cue_forms(cue: str) -> tuple[str, ...]:
    """A cue as stems and as written, each after a space: a cue may be a word start
    ("apologi", "escalat") whose last word continues in the answer."""
    words = [normalise_word(w) for w in cue.split()]
    if not words:
        return ()
    return tuple(dict.fromkeys(" " + " ".join(form) for form in ([stem(w) for w in words], words)))


# -- does the answer answer the question? -------------------------------------------------

#: Words of a question's text that say nothing about its subject.
_QUESTION_STOPWORDS = frozenset(
    "a an the to of in on at for with about and or but if what which who how why when where whi do does did you your "
    "yours "
    "yourself me my i we our us tell describe give example time times situation explain walk through would could can "
    "is are "
    "was were be been have has had this that these those there it its one some any most more someth someone "
    "ever".split()
)


def topic_cues(question_text: str, topic: Sequence[str] = ()) -> tuple[str, ...]:
    """What says an answer is on a question's subject: its ``topic`` words, and the
    content words of its text."""
    words = [
        w
        for w in (normalise_word(x) for x in question_text.split())
        if w and w not in _QUESTION_STOPWORDS and len(w) > 2
    ]
    return tuple(dict.fromkeys([*topic, *words]))


def topic_text(text: str, lexicon: Lexicon = DEFAULT_LEXICON) -> str:
    """The text as stems for topic cues: as :func:`stemmed`, but keeping "like" and "you
    know" ("it's like a library")."""
    words = [normalise_word(w) for w in text.split()]
    return " " + " ".join(stem(w) for w in words if w and not lexicon.is_vocal(w)) + " "


def topic_hits(text_stems: str, cues: Sequence[str]) -> tuple[str, ...]:
    """The cues said in an answer (``text_stems`` from :func:`topic_text`)."""
    return tuple(c for c in cues if cue_matches(c, text_stems))
