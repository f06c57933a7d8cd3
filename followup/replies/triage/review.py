"""Denials and recovery: suicide or self-harm named only as past or as not present.

"no suicidal thoughts this week", "I used to want to die, now much better", "haven't
thought about suicide in 3 weeks", "90 days clean from cutting". Each match is a span:
crisis words wholly inside it belong to the denial, and the message goes to staff for
review (no crisis line, no page, no pause). Crisis words outside every span still make a
crisis: "I'm not suicidal but I keep thinking about dying" is one.

A span never crosses a clause mark, a "but" or a "now" ("last year was fine, now I want
to die" is a crisis), and between a negation and what it denies only filler words may
stand ("no real suicidal thoughts"), so "not sure if I want to die" denies nothing.
"""

from __future__ import annotations

from followup.replies.triage.findings import Level, rule

R = Level.REVIEW

# Words that turn a sentence back to the present or to a contrast: a span stops before them.
_TURN = (
    r"(?:but|now|again|today|tonight|still|lately|anymore|though|however|except|until|except"
    r"|pero|ahora|otra|hoy|todavia|aun|and now|since)"
)
_WORD = rf"(?!{_TURN}\b)[^\s|?]+"


def _gap(n: int) -> str:
    """Up to n words of one clause, none of them a turn."""
    return rf"(?:{_WORD}~){{0,{n}}}?"


def _tail(n: int) -> str:
    """Up to n more words of the clause, to the first turn."""
    return rf"(?:~{_WORD}){{0,{n}}}"


_FILLER = (
    r"(?:any|more|real|active|current|serious|recent|new|such|the|these|those|kinds?~of|sort~of"
    r"|type~of|at~all|really|even|ever|actual|further|of|to|been|having|feeling|strong|big|major"
    r"|scary|bad|dark|thoughts?|urges?|plans?|intentions?|intent|desire|wish|ideas?|passing"
    r"|single|one|little|de|tengo|he~tenido|hay|siento|pensamientos?|ideas?|ningun|ninguna|nada"
    r"~de|mas|i~have|ive~had|i~ve~had|had)"
)


def _filler(n: int) -> str:
    return rf"(?:{_FILLER}~){{0,{n}}}"


# What a denial or a recovery is about, in English and Spanish.
TOPIC = (
    r"(?:suicid\w*|si(?!~(?:quiero|puedo|pudiera|me|no|te|se|tengo|estoy|es|fuera|voy))|si/hi|hi/si|si~or~hi|self~?harm\w*|sh|nssi|ideation|kms|ctb|unaliv\w*"
    r"|sewer~?slide|dark~thoughts?|bad~thoughts?|intrusive~thoughts?|scary~thoughts?|death~wish"
    r"|urges?(?:~to~(?:cut|hurt|harm|burn|die|end~it|sh|use))?"
    r"|thoughts?(?:~\w+){0,2}~(?:of|about|to)~(?:\w+~){0,2}?(?:suicide|dying|death|die|killing"
    r"|ending|end|hurting|harming|self~harm|not~(?:being|waking|wanting|existing)|cutting"
    r"|disappearing|hurt|harm|kill)\w*"
    r"|(?:want\w*|wish\w*)~(?:to~|i~(?:was|were)~|that~i~(?:was|were)~)?(?:die|dead|be~dead"
    r"|not~wake|not~be~here|disappear|not~exist|kill|end~it|end~my~life|hurt|harm|cut|not~live"
    r"|be~gone)\w*(?:~(?:up|myself|here|around))?"
    r"|(?:kill\w*|hurt\w*|harm\w*|cut\w*|burn\w*|end\w*|off\w*)~(?:myself|my~life|it~all)"
    r"|cutting|burning~myself|(?:do|doing)~anything~(?:to~(?:myself|hurt~myself)|stupid|drastic)"
    r"|(?:hurt|harm)~(?:myself|me)|ending~(?:it|things|my~life)|not~(?:wanting|want)~to~(?:live"
    r"|be~here|wake~up|be~alive)|(?:pensamientos?|ideas?|ganas)~(?:suicidas?|de~(?:morir\w*"
    r"|matarme|suicid\w*|lastimarme|cortarme|hacerme~dano|desaparecer|no~despertar|quitarme~la"
    r"~vida))|morirme|matarme|cortarme|lastimarme|quemarme|hacerme~dano|quitarme~la~vida"
    r"|suicidarme|me~(?:corto|cortaba|lastimaba|quemaba)|autolesi\w*)"
)
_NEGATED = (
    r"(?:no(?!~(?:one|body|point|reason|way|hope|future|idea|sense|matter))|zero|0|not~any"
    r"|not~one|without|free~(?:of|from)|nor|denies|deny|denied|negative~(?:for|on)|absence~of"
    r"|no~more|no~longer|not(?!~(?:sure|certain|ok|okay|fine|good|well|doing|able|enough|even"
    r"|that|just|only|really~sure))|never|none|havent~had~any|haven~t~had~any|sin|ningun"
    r"|ninguna|nada~de|cero)"
)
# Past time that closes a matter; "since last year" keeps it open and is not one.
_AGO = (
    r"(?:used~to|use~to|used~2|back~then|in~the~past|(?<!since~)last~(?:year|month|spring"
    r"|summer|fall|winter|january|february|march|april|may|june|july|august|september|october"
    r"|november|december)|(?:a|one|two|three|few|couple|\d+)~(?:years?|months?|weeks?)~ago"
    r"|years~ago|when~i~was~(?:younger|a~teen|in~(?:high~)?school|in~college|\d+)|at~my~worst"
    r"|before~(?:ketamine|the~infusions?|treatment|starting|my~first|this)|in~(?:19|20)\d\d"
    r"|as~a~(?:teen|kid)|for~years|for~most~of|my~whole~life~until|antes|hace~(?:un|dos|tres"
    r"|unos|varios|\d+)~(?:anos?|meses?|semanas?)|el~ano~pasado|de~joven|cuando~era)"
)
_PAST_FORM = r"(?:was|were|had|felt|used~to~be|went~through|had~been|i~was|i~d~been|i~had)"
_GONE = (
    r"(?:(?:is|are|have|has|s|re)(?:~been|~all|~finally|~totally|~completely|~mostly|~pretty"
    r"~much)*~)?(?:gone|over|passed|stopped|faded|lifted|quiet|quieter|silent|went~away|left"
    r"|disappeared|under~control|behind~me|in~the~past|a~thing~of~the~past|haven~t~come~back"
    r"|havent~come~back|not~come~back|not~back|eased|way~down|much~less)"
)

RULES = (
    rule(
        R,
        "denial",
        "denies suicidal thoughts or self-harm",
        rf"{_NEGATED}~{_filler(4)}{TOPIC}{_tail(3)}",
        rf"(?:dont|do~not|didnt|did~not|havent|have~not|hasnt|not|nor)~(?:have|had|feel|felt|think"
        rf"|thought|want|wanted|plan|planned|feeling|having|wanting|thinking|get|got|gotten"
        rf"|been~having|been~feeling|experience|experienced|experiencing|plan~on|intend)~"
        rf"{_filler(4)}{TOPIC}{_tail(3)}",
        r"(?:would|could|will|d|wouldnt)~never~(?:ever~)?(?:do~anything~to~)?(?:hurt|harm|kill"
        r"|do~anything~to~hurt|do~that~to|try~to~hurt|end|act~on)~(?:myself|my~life|my~family"
        r"|them|it|that)(?:~\w+){0,3}",
        r"(?:im|i~m|i~am)~not~(?:going~to|gonna)~(?:do~anything|hurt~myself|harm~myself|kill"
        r"~myself|act~on~(?:it|them|anything))(?:~\w+){0,3}",
        r"(?:dont|do~not|no~longer)~(?:want|wanna|wish)~to~(?:die|be~dead|disappear|not~wake~up)"
        r"(?:~\w+){0,3}",
        r"(?:i~m|im|i~am)~safe(?:~\w+){0,2}$|(?:i~m|im|i~am)~(?:safe|okay|ok)~(?:and|,)?~?(?:no"
        rf"|not)~{_filler(3)}{TOPIC}",
        r"(?:nunca|jamas|no)~(?:me~)?(?:haria|voy~a~hacer|hare)~(?:dano|nada|algo)(?:~\w+){0,3}",
    ),
    rule(
        R,
        "recovery",
        "suicidal thoughts or self-harm in the past",
        rf"{_AGO}~{_gap(6)}{TOPIC}{_tail(6)}",
        rf"{_PAST_FORM}~{_gap(2)}{TOPIC}~{_gap(6)}{_AGO}{_tail(3)}",
        rf"{TOPIC}~{_gap(4)}{_GONE}{_tail(4)}",
        rf"(?:havent|have~not|hasnt|has~not|not|haven~t|never|no)~{_gap(3)}(?:thought|felt|had"
        rf"|been|cut|burned|hurt|wanted|self~harmed)\w*~{_gap(4)}{TOPIC}{_tail(6)}",
        rf"(?:days?|weeks?|months?|years?|wks?)~(?:since~i~last|since~my~last|since~the~last"
        rf"|since~i~(?:had|felt|thought)|without|w~o|w/o|clean~from|free~(?:of|from)|of~no|with~no"
        rf"|sin|que~no)~{_gap(3)}{TOPIC}{_tail(4)}",
        r"(?:\d+|ninety|thirty|sixty|a~year|six~months|two~months)~(?:days?~|weeks?~|months?~)?"
        r"(?:clean|free|sober)~(?:from~|of~)?(?:cutting|sh|self~?harm\w*|burning|hurting~myself)",
        r"(?:clean|free)~(?:from|of)~(?:cutting|sh|self~?harm\w*)(?:~\w+){0,4}",
        rf"(?:attempt\w*|tried~to~(?:kill~myself|end~(?:my~life|it))|overdosed|od~d|was~hospitali"
        rf"[sz]ed|psych~ward|inpatient)(?:~{_WORD}){{0,10}}~(?:{_AGO}|long~time~ago|history"
        rf"|that~s~why|thats~why|doing~(?:much~)?better|in~a~(?:good|better)~place)(?:~\w+){{0,4}}",
        r"(?:past|previous|old|prior|history~of)~(?:suicide~)?(?:attempts?|ideation|self~harm"
        r"|suicidal~(?:thoughts|ideation))",
        r"(?:glad|happy|grateful|thankful)~(?:to~be|i~m|im|i~am|that~i~m|that~im|i~stayed|i~didnt"
        r"|i~did~not|to~still~be)~(?:alive|here|still~here|around)(?:~\w+){0,4}",
        r"(?:want|wanted|wanting)~to~(?:live|be~alive|wake~up|get~up|be~here)~(?:again|for~once"
        r"|for~the~first~time)|(?:first|1st)~(?:\w+~){0,2}?in~(?:years|months|ages|forever|a~long"
        r"~time)~(?:\w+~){0,6}?(?:wanted|want|glad|looked~forward|look~forward|excited|happy)"
        r"(?:~\w+){0,6}",
        r"(?:no~longer|dont|don~t|do~not|not)~(?:\w+~)?(?:wish\w*|want\w*|hop\w*|pray\w*)~(?:\w+~)"
        r"{0,2}?(?:i~wasnt~here|i~(?:was|were)~dead|to~die|not~to~wake~up|i~(?:wouldnt|wont)~wake"
        r"~up|to~disappear)(?:~\w+){0,4}",
        rf"(?:ya~no|antes|hace~(?:\w+~){{1,2}}que~no)~{_gap(4)}{TOPIC}{_tail(6)}",
    ),
)
