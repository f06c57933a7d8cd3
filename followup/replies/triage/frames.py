"""Whether a crisis statement is said of now, or denied, or told as past.

A crisis word is a denial when a negation governs it from its own clause ("no suicidal
thoughts", "I haven't had thoughts of killing myself", "promise I won't hurt myself"): only
filler words ("any", "real", "thoughts of", "been having") may stand between; or when it
is a question answered no ("suicidal? no"). It is past when its clause says it is over
("the thoughts I came in with have faded", "6 months self-harm free"), or puts it in a
closed past ("I used to want to die", "before ketamine", "two years ago"), or puts it in
the past tense while the message says it is over ("I wanted to die ... I'm doing good").
Nothing is past when the message says it is back ("they're back", "again tonight").
Everything else is now: a crisis.
"""

from __future__ import annotations

import re

from followup.replies.triage.text import BOUNDARY, QUESTION

_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre"
    r"|diciembre)"
)
_FILLER = (
    r"(?:any|more|mor|real|active|current|serious|recent|new|such|the|these|those|of|to|at all"
    r"|really|even|ever|actual|a|single|one|little|passing|thoughts?|thots?|thouhgts?|thougths?"
    r"|urges?|ideas?|feelings?|plans?|intent|intention|desire|wish|been|ha\w*|had|feel\w*|felt"
    r"|think\w*|thought\w*|about|abt|bout|want\w*|plan\w*|get\w*|got\w*|experienc\w*|like i"
    r"|going to|gonna|try\w*|anything|do anything to|or|and|kind of|sort of|tengo|he tenido"
    r"|siento|pienso|pensar|pensado|pensando|en|pensamientos|ideas|ganas|de|me|quiero|hacer"
    r"|voy a|nada|mas|he|ha|has|hemos|soy|estoy|estado|urgencia|pensaria|intentado|intentar"
    r"|que|estar|tenido|sentido|sentir|querido|sido|suicidas?|dice|dice que|says|says that|said"
    r"|pense|el|la|los|las|una|un|idea|ideacion|ideation"
    r"|talks about|habla de|mentioned|talked|talking|mean|meant|si|sh|deseado)"
)
_NEGATION = (
    r"(?:no(?! one| body| point| reason| way| hope)|not|never|without|zero|none|nor|denies|deny"
    r"|denied|denying|negative for|free of|free from|no more|no longer|didnt|did not|dont|do not|doesnt"
    r"|havent|have not|hasnt|has not|havnt|wont|will not|wouldnt|would not|nothing|stopped"
    r"|quit|instead of|rather than|sin|ni|nunca|jamas|ningun|ninguna|cero|ya no|deje de"
    r"|dejo de|para nada|nel|nada de|w o|sin|ni)"
)
_NEGATED = re.compile(rf"(?:^|\s){_NEGATION}(?:\s+{_FILLER})*\s*$")
_NEGATION_WORD = re.compile(rf"(?:^|\s){_NEGATION}\b")
# "it doesn't turn into wanting to hurt myself anymore": the negation is far, "anymore" near.
# A denial limited to now: what is denied is still coming ("haven't picked the day yet",
# "I'm not going to do it tonight", "no me voy a matar... bueno, no esta semana").
_FOR_NOW = re.compile(r"^(?:\s+[^\s|?]+){0,3}?\s+(?:yet|for now|todavia|por ahora)\b")
_FOR_NOW_FUTURE = re.compile(
    r"^(?:\s+[^\s|?]+){0,3}?\s+(?:tonight|today|right now|rn|this week|esta noche|hoy"
    r"|esta semana)\b"
)
_FUTURE = re.compile(r"\b(?:going to|gonna|wont|won t|will not|will|planning|voy a|va a|vamos a)\b")
_NOT_NOW = re.compile(
    r"\b(?:not|no) (?:tonight|this week|today|yet|esta noche|esta semana|hoy|todavia|ahorita)\b"
)
_OFF_THE_TABLE = re.compile(
    r"^\s+(?:isnt|is not|s not|are not|arent|aren t|isn t) (?:\w+ )?(?:on the table|on the menu"
    r"|an option"
    r"|happening|something i d do)|^\s+(?:is|s|are) off the table"
)
_ANYMORE = re.compile(r"^(?:\s+[^\s|?]+){0,2}?\s+(?:anymore|any more)\b")
# "no longer think that", "ya no pienso que": the rest of the clause is what is denied.
_DENIED_CLAUSE = re.compile(
    r"\b(?:ya no|no|no longer|dont|do not|don t) (?:think|believe|feel|pienso|creo|siento)"
    r" (?:that|que)\b|\bnot (?:in )?(?:the|that) (?:kind of )?(?:\w+ )?$"
)
# "ideas suicidas no": the words, then a bare no.
_TRAILING_NO = re.compile(r"^\s+(?:no|nope|none)\s*$")
# Someone saying it of themselves ("I want to kill myself. NO"): a "no" after that is a cry,
# not the answer to a form's question ("thoughts of killing myself: no").
_SPEAKER = re.compile(r"\b(?:i|im|i m|ive|ill|yo|quiero|voy|estoy|me voy)\b")
# A question answered no: "suicidal? no", "any thoughts of harming yourself? A: no".
_ANSWERED_NO = re.compile(
    r"^(?:\s+[^\s|?]+){0,3}?\s*(?P<mark>[?|])[\s|?]*(?:a[\s|]+)?(?:no|zero|none|nope|nah|never"
    r"|not really|not at all|negative|nunca|nada|cero)\b(?!\s+(?:but|pero|yes|si)\b)"
)
_SHORT_ANSWER = re.compile(
    r"^(?:\s+[^\s|?]+){0,2}?\s*[|?]\s*(?:none|no|zero|nope|nada|ninguna?|negative|never|nunca"
    r"|0)\s*(?:[|?]|$)"
)
_QUESTION_WORD = re.compile(
    r"\b(?:question|pregunta|q|asked|asks|preguntaron|pregunto|lo de si|whether)\b"
)
# A screening item scored none: "en lo de estar mejor muerto pongo 0", "I put 0 days".
_SCORED_NONE = re.compile(
    r"\b(?:pongo|puse|put|answer(?:ed)?|respondo|respondi|marque|marked|score[sd]?|gave it)"
    r" (?:a )?(?:0|cero|zero|no|never|nunca|none|not at all)\b|ningun dia|not at all$"
)
_ASKED = re.compile(
    r"\b(?:asked|asks|asking|ask|pregunt\w*) (?:me |her |him )?(?:if|whether|about|si|sobre)\b"
)
_SAID_NO = re.compile(
    r"(?:\b(?:i said|said|(?:told|tell) (?:her|him|them|my|me)|answered|dije|le dije) (?:\w+ )?(?:no|nope)"
    r"|(?:^|\s|\|)(?:y|and) no)\b(?! (?:but|pero))"
)
# A past that closes the matter, before the words ...
_CLOSED_BEFORE = re.compile(
    rf"\b(?:used to|use to|used 2|back when|back then|in the past|when i was (?:younger|a teen"
    rf"|in \w+|\d+)|at my worst|old me|the old|last year|this time last year|\d+ (?:years?"
    rf"|months?|yrs?) ago|years ago|months ago|a (?:year|month) ago|in (?:19|20)\d\d|before"
    rf" (?:ketamine|the infusions?|treatment|starting|my first|i (?:started|found|came))"
    rf"|for (?:years|a long time|most of)|antes|hace (?:\w+ )?(?:anos?|mes|meses|semanas?|dias?)"
    rf"|el ano pasado|the last time|(?:a |one |\d+ )?(?:years?|months?|weeks?) ago"
    rf"|(?:limpi[oa]s?|clean|free|sober) (?:de|from|of)|hubo un tiempo|there was a time|at one point"
    rf"|last (?:winter|spring|summer|fall|autumn|christmas|month)|in (?:past|previous) years"
    rf"|in years past"
    rf"|el mes pasado|la semana pasada|en {_MONTHS}|in {_MONTHS}|cuando era|de joven"
    rf"|(?:been|weeks?|months?|years?|days?|ages|a while|a long time|forever) since(?: i| my)?"
    rf"(?: last)?|threw (?:away|out)|got rid of|gave (?:\w+ )?back|tire|bote|devolvi)\b"
)
# ... or after them ("wanting to die used to be my baseline", "thoughts I had last year").
_CLOSED_AFTER = re.compile(
    r"\b(?:used to be|last year|\d+ (?:years?|months?|yrs?) ago|years ago|months ago|before"
    r" (?:ketamine|the infusions?|treatment|starting|my first|i (?:found|started|came))|back then"
    r"|in the past|in (?:19|20)\d\d|as a teen|(?:in|most of|for most of) my (?:teens|twenties"
    r"|20s|30s|40s|thirties)|hace (?:\w+ )?(?:anos|meses)|in (?:weeks|months"
    r"|years|ages|a long time|a while|\d+ \w+)|hace \w+ (?:anos?|mes|meses|semanas?)|el ano pasado"
    rf"|(?:was|were) in {_MONTHS}|(?<!like )(?<!as )(?<!than )used to (?:come|be|happen|hit|haunt"
    r"|visit|follow|consume|take over))\b"
)
_GONE_AFTER = re.compile(
    r"^(?:\s+[^\s|?]+){0,8}?\s+(?:(?:is|are|have|has|s|re|have been|has been|went|were|was)\s+)?"
    r"(?:all\s+|finally\s+|completely\s+|totally\s+|mostly\s+|pretty much\s+)?(?:gone|faded"
    r"|stopped|lifted|went away|disappeared|passed|under control|behind me|not there anymore"
    r"|haven t come back|havent come back|a thing of the past|se fueron|se fue|desaparec\w*"
    r"|quedo atras|ya paso|se acabo|se me quito|se quito|ya no esta|se me fue|edge off|shut up"
    r"|went quiet|gone quiet)\b"
    r"|^(?:\s+[^\s|?]+){0,3}?\s+(?:ya )?(?:van|llevo|lleva) \d+ (?:dias|semanas|meses) sin"
    r"|^\s*(?:free|clean|limpi[oa]s?)\b"
    r"|^(?:\s+[^\s|?]+){0,8}?\s+(?:is|are|have been|has been|went|s|re) (?:\w+ )?(?:silent|quiet)\b"
)
_PAST = re.compile(
    r"\b(?:was|were|had|i d|wanted|felt|thought|believed|tried|attempted|when i|i had|i ve had"
    r"|remember (?:wanting|when|feeling|thinking|being|how)"
    r"|ive had|had been|queria|tenia|pensaba|era|pedia|intente)\b"
)
_PAST_START = re.compile(
    r"(?:wanted|tried|attempted|felt|thought|overdosed|self harmed|cut|burned|used"
    r"|was|had|quise|intente)\b"
)
_OVER = re.compile(
    r"\b(?:not anymore|no longer|not now|none now|none since|nothing since|not since|since"
    r" (?:ketamine|the infusions?|the series|treatment|starting|i started|we started|my (?:first"
    r"|last|\w+) (?:infusion|session))|gone|stopped|faded|lifted|passed|went away|disappeared"
    r"|better now|doing (?:much |so |a lot |really )?(?:better|good|well|great|ok)|in a (?:good"
    r"|better|much better) place|glad|grateful|thankful|proud|recovered|recovering|progress"
    r"|(?:dont|do not|don t|no longer|never) (?:think|feel|believe|want) (?:that|this|so|it"
    r"|like that|that way)?(?: \w+)?(?: anymore| now)?|(?:not|dont|don t|never) \w+(?: \w+)?"
    r" (?:anymore|any more)|not there anymore|switch flipped|different person|the old me"
    r"|the new me|past tense|(?:days?|weeks?|months?|years?) (?:clean|free)|(?:been )?clean"
    r" (?:for )?\d+|much better|way better|so much better|i m safe|im safe|i feel safe"
    r"|feel(?:ing)? (?:good|great|better|ok|okay|even|stable|hopeful|safe)|happy|ya no|ahora"
    r" (?:estoy|me siento|tengo|se|amanezco) (?:mejor|bien|ganas|que no|agradecid[oa])"
    r"|estoy mejor|gracias a dios|agradec\w*|ganas de vivir|in months|in weeks|in years"
    r"|in a long time|(?:hasnt|hasn t|has not) happened"
    r"|for (?:weeks|months|years) now|hope|hopeful)\b"
)
_BACK = re.compile(
    r"\b(?:(?:thoughts|urges|feelings|it|they|its|that|thats) (?:are |is |s |re |came |come "
    r"|coming |creeping )?back|returned|returning|started again|again (?:today|tonight|lately|this week|last night)"
    r"|lately|these days|right now|rn|volvieron|regresaron|esta vez (?:si|va en serio|sin fallar)"
    r"|this time (?:i ll|i will|i m going|for real|it s for real|i won t fail|i wont fail)"
    rf"|relaps\w*(?! prevention)(?!(?: \w+){{0,4}} (?:back in|in) (?:{_MONTHS}|the spring|the fall"
    rf"|the summer|the winter))(?!(?: \w+){{0,4}} (?:last (?:year|fall|spring|summer|winter)|in the (?:fall|spring"
    r"|summer|winter)|years ago|months ago))|(?:still|sigo|sigue|todavia) (?:think\w* (?:about|of)"
    r"|want\w* to|have (?:the |those |these )?(?:thoughts|urges|plan|pills)|feel\w* like"
    r"|pensando|pienso|quiero|con ganas))\b"
)
# "be with my mom (she passed 3 years ago)": the past is the other person's.
_SOMEONE_DIED = re.compile(r"\b(?:passed|died|passed away|murio|fallecio)\b")
# After a past, a turn back to now: "better than last week but I still think of the bridge".
_TURN = re.compile(r"\b(?:but|pero|now|ahora|still|sigo|todavia|again|today|hoy|tonight)\b")


class Moment:
    """What the whole message says of time, read only if a crisis match needs it (most
    messages have none): whether a crisis is over, whether one is back or about now."""

    __slots__ = ("_back", "_over", "_variants")

    def __init__(self, variants: tuple[str, ...]) -> None:
        self._variants = variants
        self._over: bool | None = None
        self._back: bool | None = None

    @property
    def over(self) -> bool:
        """True when the message says a crisis is over."""
        if self._over is None:
            self._over = any(_OVER.search(v) for v in self._variants)
        return self._over

    @property
    def back(self) -> bool:
        """True when the message says a crisis has come back, or is about now."""
        if self._back is None:
            self._back = any(_BACK.search(v) for v in self._variants)
        return self._back


def frame(variant: str, start: int, end: int, moment: Moment) -> str | None:
    """ "denial" or "recovery" when the crisis words at [start, end) are not of now; else None."""
    clause_start = _clause_start(variant, start)
    left = variant[clause_start:start]
    right = variant[end:]
    right_clause = _next_clauses(right, 1)
    if _FOR_NOW.match(right_clause) or _NOT_NOW.search(_next_clauses(right, 3)):
        return None  # "haven't picked the day yet", "... no esta semana": a plan, not a denial
    if _FOR_NOW_FUTURE.match(right_clause) and _FUTURE.search(left + variant[start:end]):
        return None  # "I'm not going to hurt myself tonight"
    if _NEGATED.search(left) or _DENIED_CLAUSE.search(left):
        return "denial"
    answered = _ANSWERED_NO.match(right)
    if answered and (answered.group("mark") == QUESTION or _QUESTION_WORD.search(left)):
        return "denial"
    if _SHORT_ANSWER.match(right) and not _SPEAKER.search(left + variant[start:end]):
        return "denial"  # "suicidal thoughts: none", "SI: no"
    if _ASKED.search(left) and _SAID_NO.search(variant, end):
        return "denial"
    if _SCORED_NONE.search(_next_clauses(right, 2)):
        return "denial"
    if _ANYMORE.match(right_clause) and _NEGATION_WORD.search(left):
        return "denial"
    if _OFF_THE_TABLE.match(right_clause):
        return "denial"
    if _TRAILING_NO.match(right_clause) and not _SPEAKER.search(left + variant[start:end]):
        return "denial"
    if moment.back:
        return None
    if _GONE_AFTER.match(right_clause):
        return "recovery"
    if _closed_before(left):
        return "recovery"
    said = variant[start:end] + right_clause
    if _CLOSED_AFTER.search(right_clause) and not _SOMEONE_DIED.search(said):
        return "recovery"
    if _heading(variant, clause_start) and (
        _PAST_START.match(variant, start) or _PAST.search(left)
    ):
        return "recovery"
    if moment.over and (_PAST.search(left) or _PAST_START.match(variant, start)):
        return "recovery"
    return None


def _closed_before(left: str) -> bool:
    """A closed past before the words, with no turn back to now after it."""
    ends = [match.end() for match in _CLOSED_BEFORE.finditer(left)]
    return bool(ends) and _TURN.search(left, ends[-1]) is None


_MARK = re.compile(rf"[{re.escape(BOUNDARY + QUESTION)}]")


def _clause_start(text: str, position: int) -> int:
    starts = [m.end() for m in _MARK.finditer(text, 0, position)]
    return starts[-1] if starts else 0


def _next_clauses(right: str, count: int) -> str:
    """`right` up to its `count`-th clause or question mark."""
    marks = [m.start() for m in _MARK.finditer(right)]
    return right if len(marks) < count else right[: marks[count - 1]]


def _heading(variant: str, clause_start: int) -> bool:
    """True when a short clause just before says when: "before ketamine: wanted to die"."""
    if clause_start < 2:
        return False
    previous_start = _clause_start(variant, clause_start - 1)
    previous = variant[previous_start : clause_start - 1].strip()
    return len(previous.split()) <= 3 and _CLOSED_BEFORE.search(previous + " ") is not None
