"""The content analysis before issue 14, for comparison: STAR parts, covered points,
opening and close from cue words and regular expressions on each sentence (copied from
voicecoach/analysers/structure.py as of commit 4a73db9)."""

from __future__ import annotations

import re
from dataclasses import replace

from voicecoach.analysers import structure
from voicecoach.analysers.context import AnswerContext
from voicecoach.audio.decode import Audio
from voicecoach.core.datatypes import Transcript, normalise_word

# fmt: off
STAR_CUES: dict[str, tuple[str, ...]] = {
    "situation": (
        r"\b(last|this|that|one|in my|at my|at a|at the) (year|spring|summer|autumn|fall|winter|month|week|quarter|job|role|company|team|internship|project)\b",
        r"\bwhen i was\b", r"\bi was (working|the|a|an|leading|part)\b", r"\bwe were\b", r"\bthere was\b",
        r"\bin my (last|previous|current|first)\b", r"\b(previous|last) (job|role|company|position)\b",
        r"\bour (team|company|client|system|product)\b", r"\bthe (old|existing|legacy) \w+ was\b", r"\bback in\b",
    ),
    "task": (
        r"\bmy (job|role|task|responsibility|goal|aim|challenge) (was|were|is)\b", r"\bi (needed|had|was asked|was responsible|wanted) to\b",
        r"\bi was (asked|responsible|tasked|in charge)\b", r"\bwe (needed|had) to\b", r"\bthe (goal|task|challenge|problem|deadline) was\b",
        r"\bto (make sure|ensure|deliver|fix|keep|reduce|improve)\b",
    ),
    "action": (
        r"\b(first|then|next|so) (i|we)\b", r"\bi (decided|built|created|led|organi[sz]ed|set up|split|moved|talked|spoke|wrote|implemented|proposed|"
        r"fixed|designed|started|introduced|asked|worked|met|scheduled|changed|automated|trained|reviewed|analy[sz]ed|prioriti[sz]ed|agreed|ran|cut|added|used)\b",
        r"\bwe (paused|fixed|replayed|built|moved|split|decided|agreed|changed|tested|shipped|released)\b", r"\bmy approach\b",
    ),
    "result": (
        r"\bas a result\b", r"\bin the end\b", r"\bended up\b", r"\b(the )?(result|outcome|impact) was\b", r"\bwe (finished|delivered|launched|won|saved|shipped|hit|met)\b",
        r"\b(increased|reduced|dropped|improved|saved|cut|grew|raised|lowered|doubled|halved)\b.*\b(by|to|from)\b", r"\b\d+ ?(%|percent)\b",
        r"\bi learn(ed|t)\b", r"\bwhich (led|meant)\b", r"\bthis (led|meant)\b", r"\bsince then\b", r"\bnow i\b",
    ),
}  # fmt: skip


CLOSING_CUES = (
    r"\bi learn(ed|t)\b", r"\bas a result\b", r"\bin the end\b", r"\boverall\b", r"\bthat'?s (why|how)\b",
    r"\bso that'?s\b", r"\bin short\b", r"\bin summary\b", r"\bthe result\b", r"\b(has|have) helped\b",
    r"\bwhich is why\b",
) + STAR_CUES["result"]  # fmt: skip

WEAK_OPENINGS = (
    r"^(so|well|okay|um+|uh+|hmm+|er+)\b",
    r"^that'?s a (good|great|tough|hard) question",
    r"^(let me|i have to) think",
    r"^i('m| am) not sure",
)
TRAILING_CLOSES = (
    r"\b(and|so) yeah\W*$",
    r"\bor something\W*$",
    r"\bi guess\W*$",
    r"\bthat'?s it\W*$",
    r"\b(and|but|so)\W*$",
    r"\banyway\W*$",
)

# fmt: on


def _clean(text: str, ctx: AnswerContext) -> str:
    return " ".join(w for w in text.split() if not ctx.lexicon.is_vocal(normalise_word(w))).lower().strip()


def analyse_with_cues(transcript: Transcript, audio: Audio, ctx: AnswerContext) -> structure.StructureResult:
    result = structure.analyse(transcript, audio, context=ctx)  # length, hedges...; content replaced below
    sentences = transcript.sentences
    cleaned = [_clean(s.text, ctx) for s in sentences]
    units = tuple(
        structure.StarUnit(
            s.start_s,
            s.end_s,
            s.first_word,
            s.last_word,
            tuple(p for p, cues in STAR_CUES.items() if any(re.search(q, c) for q in cues)),
        )
        for s, c in zip(sentences, cleaned, strict=True)
    )
    covers = tuple(
        structure.CoverPoint(point, any(re.search(rf"\b{re.escape(cue)}", c) for c in cleaned for cue in cues), ())
        for point, cues in ctx.cover_points
    )
    words = transcript.words
    s0 = sentences[0]
    raw0 = " ".join(w.norm for w in words[s0.first_word : s0.last_word + 1])
    direct = not any(re.search(p, raw0) for p in WEAK_OPENINGS) and len(cleaned[0].split()) >= 4
    cl = cleaned[-1]
    clear = (
        not any(re.search(p, cl) for p in TRAILING_CLOSES)
        and not ctx.lexicon.is_vocal(words[-1].norm)
        and any(re.search(p, cl) for p in CLOSING_CUES)
    )
    return replace(result, units=units, covers=covers, direct_opening=direct, clear_ending=clear)
