"""Crisis triage: does an inbound SMS carry suicide, self-harm or overdose language?

Runs on every inbound message before anything else reads it. Missing a real crisis is far
worse than a false alarm, so the patterns lean wide: negation never excuses a message
("I don't want to kill myself but..." alerts; staff decide). The only exclusions are a
short, explicit list of idioms ("this headache is killing me", "dying to know"), and an
idiom only hides a match that lies wholly inside it, so "this headache is killing me and I
want to die" still alerts. English and Spanish; case, accents, apostrophes ("dont"/"don't"),
missing spaces ("killmyself") and stretched letters ("diiie") do not matter.
Pure functions: no database, no I/O, no logging.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How urgent a finding is; the values match the protocol's alert severities."""

    CRITICAL = "critical"
    HIGH = "high"


# Warning signs rather than a statement of intent, of being unsafe, or of means.
_HIGH_CATEGORIES = frozenset({"hopelessness", "distress"})
_MAX_PHRASE = 60


@dataclass(frozen=True)
class Finding:
    """What alerted: a category ("suicide", "self_harm", "safety", "overdose", "method",
    "emoji", "hopelessness", "distress") and the matched text, normalised and short."""

    category: str
    phrase: str

    @property
    def severity(self) -> Severity:
        """HIGH for hopelessness and distress (warning signs); CRITICAL for everything else."""
        return Severity.HIGH if self.category in _HIGH_CATEGORIES else Severity.CRITICAL


# --- text preparation ------------------------------------------------------------------------

_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc`\u00b4\u2032\uff07", "'"))
_NOT_WORD = re.compile(r"[^\w']+|_+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
# Digits written for letters inside a word ("su1c1de", "k1ll"); whole numbers stay numbers.
_LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[0-9])\w+\b")
_LEET = str.maketrans("013457", "oieast")
_DIGIT = re.compile("[0-9]")


def _fold(text: str) -> str:
    """Casefold, strip accents and unify apostrophes to "'"."""
    if text.isascii():  # most messages: no accents, and casefold is lower()
        return text.lower().translate(_APOSTROPHES)
    folded = unicodedata.normalize("NFKD", text).casefold()
    folded = unicodedata.normalize("NFKD", folded.translate(_APOSTROPHES))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return folded.translate(_APOSTROPHES)


def _with_apostrophes(text: str) -> str:
    """Words separated by single spaces, apostrophes kept ("od'd")."""
    return " ".join(_NOT_WORD.sub(" ", _fold(text)).split())


def _variants(apostrophed: str) -> list[str]:
    """The flat text (apostrophes deleted: "don't" -> "dont") and, where they differ, the same
    with digits inside words read as letters ("su1c1de"), and with stretched letters cut to
    two ("killlll" -> "kill") and to one ("diiie" -> "die")."""
    flat = " ".join(apostrophed.replace("'", "").split())
    variants = [flat]
    # Most messages have neither digits nor stretched letters: no substitution to try.
    digits = _DIGIT.search(flat) is not None
    unleet = _LEET_WORD.sub(lambda word: word.group().translate(_LEET), flat) if digits else flat
    stretched = _STRETCHED.search(unleet) is not None or _STRETCHED.search(flat) is not None
    for base in (flat, unleet):
        cut = (_STRETCHED.sub(r"\1\1", base), _STRETCHED.sub(r"\1", base)) if stretched else ()
        for variant in (base, *cut):
            if variant not in variants:
                variants.append(variant)
    return variants


def _compile(pattern: str) -> re.Pattern[str]:
    """Compile a phrase pattern: each space may be any whitespace or none ("kill myself",
    "killmyself"), and the phrase starts and ends at word boundaries."""
    return re.compile(r"\b(?:" + pattern.replace(" ", r"\s*") + r")\b")


# --- vocabulary ------------------------------------------------------------------------------

_MYSELF = r"(?:my self|myslef|mysefl|myselfe|mysef|myselff|me self|meself)"
_PILLS = (
    r"(?:pills?|meds|medications?|medicines?|tablets?|capsules?|xanax|xannies|benzos?"
    r"|klonopin|clonazepam|ativan|lorazepam|valium|diazepam|ambien|zolpidem|oxys?|oxycodone"
    r"|oxycontin|percocets?|percs|vicodin|hydrocodone|norco|tramadol|fentanyl|morphine|tylenol"
    r"|acetaminophen|paracetamol|advil|ibuprofen|motrin|aleve|naproxen|aspirin|lithium|seroquel"
    r"|quetiapine|trazodone|zoloft|sertraline|prozac|lexapro|wellbutrin|gabapentin|lyrica|insulin"
    r"|painkillers?|pain killers?|antidepressants?|opioids?|opiates?|sleeping pills|sleeping tablets"
    r"|pastillas|pildoras|medicinas|medicamentos?|tabletas|capsulas)"
)
# Three or more: one or two of a pill is an ordinary dose and must not alert on its own.
_MANY = (
    r"(?:[3-9]|[1-9][0-9]+|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen"
    r"|twenty|thirty|forty|fifty|sixty|hundreds?|dozens?|a dozen|tres|cuatro|cinco|seis|siete"
    r"|ocho|nueve|diez|veinte|treinta|cuarenta|cincuenta|cien)"
)
_TAKE = (
    r"(?:took|take|taking|taken|swallow(?:ed|ing)?|ate|eat|eaten|popped|pop|popping|downed|chugged)"
)
_DRINKS = (
    r"(?:water|juice|gatorade|soda|pop|coke|milk|tea|coffee|electrolytes|pedialyte|ginger ale)"
)
# "all my morning meds" is a routine, "all my pills" is not.
_ROUTINE = (
    r"(?!(?:morning|evening|night|nightly|daily|usual|regular|normal|bedtime|prescribed|other)\b)"
)
_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tomorrow)"
# "go on" / "keep going" about an errand rather than about living: "can't go on Tuesday".
_ERRAND = (
    rf"(?! (?:the|a|an|my|our|that|this|{_DAYS}|vacation|holiday|trip|walks?|runs?|rides?|line"
    rf"|break|leave|call|zoom|time|it|them|to)\b)"
)
# A daily routine, not a handful at once: "I take 4 pills a day".
_PER_DAY = r"(?! (?:a|per|every|each|in the|at) (?:day|morning|night|evening|week|bedtime)\b)"

_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "suicide",
        (
            r"su[ia]?[cs]+i?d[aeiou]?\w*",  # suicide, suicidal, sucide, suicdal, suicidio, suicidarme
            r"sewer slide|unaliv\w*|un alive|kms|kys|self delete|delete myself",
            rf"k+i+l+(?:ing|in|ed|s)? (?:myself|{_MYSELF})",
            rf"(?:off|offing|end|ending) (?:myself|{_MYSELF})",
            r"(?:just|please|pls|plz|someone|somebody|wanna|want to|should) kill me",
            r"end(?:ing|ed)? (?:my|this) (?:own )?(?:life|suffering|misery|existence)",
            r"end(?:ing|ed)? (?:it all|everything|it tonight|it today|it now|it soon|it forever)",
            r"(?:want|wanna|going|gonna|ready|plan\w*|need|decided|time|try\w*|about|thinking about"
            r"|think about|thought about|thinking of|feel like|felt like) (?:to )?(?:just )?end(?:ing)?"
            r" (?:it|things)"
            r"(?! (?:with|there|here|early|at|by|before|after))",
            r"(?:i m|i am) ending (?:it|things)(?! with)",
            r"tak(?:e|ing) my (?:own )?life(?! back)|took my (?:own )?life",
            r"(?:want|wanted|wants|wanna|wana|wish|wished|wishing|ready|going|gonna|need|deserve"
            r"|rather|prefer|hope|hoping|like|just|should|could|might|let me|i will|ill|plan\w*)"
            r" (?:to |2 )?(?:just )?die",
            r"(?:wish|want|wanna|rather|would|hope|should|could) (?:that )?(?:i )?(?:was|were|be|to be"
            r"|am|had been|could be|would be|just be|just) dead",
            r"better off dead|better off without me|(?:better|happier|easier|fine) without me",
            r"better off (?:if|when) i (?:was|were|wasnt|werent|am|m|was not|were not) ?(?:gone|dead"
            r"|not here|not around)",
            r"(?:no one|nobody|noone|no body) (?:would|will|is going to|gonna) (?:even )?(?:miss|notice)",
            r"wont (?:even )?miss me",
            r"wish (?:that )?i (?:wasnt|werent|was not|were not) (?:here|alive|around|born)",
            r"wish (?:that )?i (?:was|were|had) never (?:been )?born",
            r"wish i (?:didnt|did not|could not|couldnt) (?:exist|wake up)",
            r"wish i could (?:just )?(?:disappear|stop existing|sleep forever|not wake up|not exist|vanish)",
            r"(?:want|wanna|need) to (?:just )?(?:disappear|vanish|stop existing|not exist|cease to exist)",
            r"(?:dont|do not|didnt|did not|doesnt|no longer|dont really) (?:want|wanna|wish) (?:to |2 )?"
            r"(?:be here|be alive|live|exist|be around|keep living|wake up|stay alive"
            r"|be on this earth|be in this world)",
            r"(?:dont|do not|didnt|did not|doesnt|no longer|dont really) (?:want|wanna|wish) (?:to |2 )?"
            rf"(?:go on|keep going){_ERRAND}",
            r"(?:no|nothing|not any) (?:reason|reasons|point|purpose) (?:to|in|for) (?:live|living|go on"
            r"|going on|be alive|being alive|keep going|continue|wake up|being here|exist)",
            r"nothing (?:left )?to live for",
            r"(?:life|living) (?:isnt|is not|aint|s not|not) worth (?:living|it)|not worth living"
            r"|it (?:isnt|is not|aint|s not) worth (?:living|it anymore)",
            r"(?:not sure|dont know|idk|unsure|no idea) (?:if |whether )?i (?:even )?(?:want|wanna) (?:to )?"
            r"(?:be alive|live|be here|exist|keep living|stay alive)",
            r"(?:ways?|how|methods?|best way) to (?:die|end it|end my life|kill myself)|painless (?:way|death)",
            r"(?:easier|better) (?:to not|not to|if i (?:wasnt|werent|was not|were not|didnt)) (?:be here"
            r"|be around|exist|here|around|be alive|alive|wake up)",
            r"(?:pensando|pienso|pensamientos?|pensar|pense) (?:en|de|sobre) (?:la )?(?:muerte|morir\w*"
            r"|matarme)",
            r"whats the point (?:of|in) (?:living|life|going on|being alive|me)",
            r"why (?:should|do|would) i (?:even )?(?:bother )?(?:live|living|keep living|go on|stay alive)",
            # "can't go on" but not "I can't go on Tuesday" or "can't keep going to work".
            rf"(?:cant|cannot|can not|unable to) (?:go on|keep going|keep living|continue living"
            rf"|live like this|live with this){_ERRAND}",
            r"(?:wont|will not|not going to|not gonna|aint gonna|wont be|not) be (?:around|here)"
            r" (?:much longer|any longer|for long|for much longer|anymore|any more|to see|forever)",
            r"(?:not going to|not gonna|wont|will not) be around$",
            r"(?:wont|will not|not going to|not gonna|aint gonna|no longer) be (?:a )?(?:problem|burden"
            r"|bother|nuisance|trouble|issue) (?:(?:for|to) (?:anyone|anybody|everyone|you all|you guys"
            r"|my family|my kids|people|them|you)|much longer|any longer|anymore|for long|soon)",
            r"goodbye (?:forever|everyone|everybody|world|cruel world|for good|to (?:everyone|all|you all"
            r"|my))",
            r"(?:this is|its|it is|this is my|final|last|saying|say|said|to say|wanted to say|want to say)"
            r" goodbye",
            r"(?:goodbye|suicide|final|last) (?:note|notes|letter|letters)",
            r"(?:wrote|written|writing|write|left|leaving|leave)\s+(?:\w+\s+){0,2}?(?:goodbye|final|last)"
            r" (?:note|notes|letter|letters|message|messages|text|texts)",
            r"(?:wrote|written|writing)\s+(?:\w+\s+){0,2}?letters?\s+to\s+(?:everyone|the people|(?:my"
            r"|all my|each of my) (?:family|kids|children|wife|husband|partner|mom|mum|dad|parents"
            r"|friends|loved ones|son|daughter|sister|brother))",
            r"(?:give|giving|given|gave) away (?:all )?(?:of )?my (?:stuff|things|belongings|possessions)",
            r"(?:put|putting|get|getting|got) my affairs in order",
            r"(?:tell|let) my (?:mom|mum|dad|family|kids|children|wife|husband|partner|son|daughter"
            r"|parents|sister|brother) (?:that )?i (?:love|loved)",
            # Sleeping and not waking: "sleep and not wake up", "hope I don't wake up".
            r"(?:and|to|just|want to|wanna) (?:just )?(?:not|never) wake up",
            r"(?:not|never) wake up (?:again|ever|anymore|tomorrow)",
            r"(?:hope|hoping|wish|wishing|pray|praying) (?:that )?i (?:dont|do not|wont|will not|never"
            r"|would not|wouldnt) (?:ever )?wake up",
            r"(?:sleep|rest|go to sleep) forever",
            r"(?:think|thinking|thought|thoughts) (?:about|of) (?:dying|death|being dead|not being here"
            r"|not existing|killing|ending it)|death wish",
            r"(?:dont|do not) deserve to (?:live|be alive|be here|exist)",
            r"(?:might|may|probably|prob) not be (?:here|around|alive) (?:tomorrow|much longer|for long"
            r"|anymore|by (?:tomorrow|morning|then))",
            r"(?:want|wanna|ready|need|time|going) to (?:\w+ ){0,5}?heaven",
            r"kill me (?:now|already|please|pls|plz)|^(?:just |please |pls |someone )?kill me$",
            # Spanish.
            r"(?:quiero|quisiera|deseo|prefiero|me quiero|me quisiera|ganas de|solo quiero|quiero ya)"
            r" (?:me )?morir(?:me)?|me quiero morir|morirme|me voy a morir",
            r"matarme|me (?:voy a|quiero|gustaria) matar",
            r"quitar(?:me)? (?:la )?vida|me quit(?:o|e|are|aria) la vida",
            r"no quiero (?:seguir )?(?:vivir|viviendo|existir|estar aqui|aqui|estar vivo|estar viva"
            r"|despertar)",
            r"ya no quiero (?:estar aqui|seguir|vivir|nada)",
            r"(?:acabar|terminar|acabo|termino|acabe|termine|poner fin a) (?:con )?(?:todo|mi vida)"
            r"(?! (?:el|la|lo|los|las|esto|eso)\b)",
            r"mejor muert[oa]s?",
            r"adios para siempre|esto es (?:un )?adios|me despido (?:de todos|de ustedes|para siempre"
            r"|de ti|de todo)",
            r"no vale la pena (?:vivir|seguir viviendo|seguir)",
            r"(?:dormir|dormirme) (?:para siempre|y no despertar)|no volver a despertar",
            r"quiero desaparecer|(?:estarian|estaran|estarias) mejor sin mi|mejor sin mi",
            r"(?:regalando|regale|regalar) (?:todas )?mis cosas|cartas? de despedida",
        ),
    ),
    (
        "self_harm",
        (
            r"(?:cut|cuts|cutting|hurt|hurts|hurting|harm|harming|burn|burns|burning|burned|burnt"
            r"|punish|punishing|punished|starve|starving|scratch\w*|hit|hitting|bang\w*|beat\w*|stab"
            rf"|stabbing|bite|biting) (?:myself|{_MYSELF})",
            r"self harm\w*|selfharm\w*|self injur\w*|self mutilat\w*",
            r"(?:cut|cutting|slit|slitting|slice|slicing|slash\w*) (?:open )?(?:my |both )?(?:wrists?"
            r"|arms?|legs?|thighs?|skin|veins?)",
            r"cutting again|started cutting|urges? to cut|relaps\w*\b.{0,20}\bcut\w*",
            r"autolesi\w*",
            r"cortarme(?! (?:el|las|los|la) (?:pelo|cabello|unas|barba|flequillo|fleco|dedo))",
            r"me (?:corte|estoy cortando|quiero cortar|voy a cortar)"
            r"(?! (?:el|las|los|la) (?:pelo|cabello|unas|barba|flequillo|fleco|dedo))",
            r"(?:hacerme|me hago|me hice|me quiero hacer) (?:dano|danio)|lastimarme|quemarme",
            r"me (?:quiero|voy a) lastimar",
        ),
    ),
    (
        # Statements that the patient is not safe: as urgent as intent.
        "safety",
        (
            r"(?:dont|do not|dont really) feel safe(?! (?:driving|to drive))|not safe (?:with|around|by)"
            r" myself",
            r"(?:dont|do not|cant|cannot) trust myself",
            r"(?:scared|afraid|terrified|frightened) (?:of|about) (?:myself|what i (?:might|will|could|may)"
            r" do)",
            r"(?:a )?danger to (?:myself|my self)",
            r"no me siento (?:a )?salvo|no me siento segur[oa]|miedo de (?:mi mism[oa]|lo que pueda hacer)",
        ),
    ),
    (
        "overdose",
        (
            r"overdos\w*|over dos\w*|oded|oding|sobredosis|(?:lethal|fatal|deadly) dose",
            r"how (?:many|much) (?:\w+ ){0,3}?(?:to die|would kill|to kill|to overdose|to od|is lethal"
            r"|is fatal|it takes to)",
            rf"{_TAKE} (?:all|every one|each) (?:of )?(?:them|mine)|{_TAKE} (?:them|those|these|it) all",
            r"(?:double|triple) ?dos\w*",
            # "a lot of meds" only when taken: "I'm on a lot of meds" is a medication list.
            rf"(?:{_TAKE} (?:\w+ )?(?:a )?(?:lot|lots)|all|whole|entire|every|handful|handfuls|bunch"
            rf"|too many|too much|so many) (?:of )?(?:my |the |these |those |her |his |their |moms |dads )?{_ROUTINE}(?:\w+ )?"
            rf"{_PILLS}",
            r"took everything(?! (?:you|u|they|she|he|the (?:doctor|nurse|dr)|in me|out of me"
            r"|seriously|to heart)\b)",
            rf"(?:whole|entire|half (?:a|the)|half of the) (?!{_DRINKS})(?:\w+ )?(?:bottle|pack|packet"
            rf"|box|blister|jar|prescription|script)s?(?! of {_DRINKS})",
            rf"bottles? of {_PILLS}",
            rf"swallow\w*\b.{{0,30}}\b{_PILLS}",
            rf"{_MANY} (?:of )?(?:my |the |these |those |his |her )?(?:\w+ )?{_PILLS}{_PER_DAY}",
            rf"{_TAKE} (?:like |about |around |maybe |over |at least )?{_MANY} of (?:them|those|these"
            rf"|my|the)",
            r"[0-9]+(?:[.,][0-9]+)? ?(?:mg|mgs|milligrams?|miligramos?)",
            rf"(?:stockpil|hoard|stash|sav|hid|hidd)\w* (?:up )?(?:all )?(?:my |of my |some |the |extra )?"
            rf"(?:\w+ )?{_PILLS}",
            r"stockpil\w*",
            r"(?:todas|todos) (?:las|mis|los) (?:\w+ )?(?:pastillas|pildoras|medicinas|medicamentos"
            r"|tabletas|capsulas)",
            rf"(?:me )?tome (?:todas|todo el frasco|el frasco|un frasco|muchas|demasiadas|{_MANY})",
            r"(?:frasco|bote|caja) (?:entero|completo|de pastillas|de pildoras)",
            r"(?:muchas|demasiadas|un monton de|un punado de) (?:pastillas|pildoras|tabletas)",
        ),
    ),
    (
        "method",
        (
            r"jump(?:ing|ed|s)? (?:off|from|in front)",
            r"(?:jump|step|walk|run|throw myself|lie down|lay down)\w* (?:out )?(?:in front of|under)"
            r" (?:a |the )?(?:train|truck|bus|car|subway|traffic)",
            r"hang(?:ing|ed)? (?:myself|my self)|noose|rope",
            r"bridge|ledge|train tracks|railroad tracks|railway tracks",
            r"(?:standing|sitting|up|im|i am) (?:on|at) (?:the|a) (?:edge|ledge|roof|rooftop|cliff|railing)",
            r"(?:engine|car|motor) running\b.{0,40}\bgarage|garage\b.{0,40}\b(?:engine|car|motor)"
            r" running",
            r"(?:drive|driving|drove|crash|crashing|steer|steering)\w* (?:my |the )?(?:car )?(?:off|into)"
            r" (?:a |the )?(?:cliff|bridge|wall|tree|river|lake|ocean|traffic|oncoming)|crash(?:ing)?"
            r" (?:my|the) car (?:on purpose|into)|want to crash",
            r"guns?|firearms?|pistols?|revolver|shotgun|rifle|bullets?|ammo",
            r"shoot(?:ing)? (?:myself|my self)|blow my brains|pull the trigger",
            r"drown(?:ing)? (?:myself|my self)|carbon monoxide",
            r"poison(?:ing)? (?:myself|my self)|(?:drink|drank|drinking|swallow\w*) (?:some )?(?:bleach"
            r"|antifreeze|poison)",
            r"razor blades?|knife|knives",
            r"pistola|escopeta|un arma|las armas|mi arma|balas?|cuerda|soga|ahorcar\w*|colgarme|puente",
            r"(?:tirarme|aventarme|lanzarme|arrojarme) (?:de|desde|del|por|al|bajo|frente)",
            r"veneno|envenenarme|pegarme un tiro|dispararme|vias del tren|cuchillo",
        ),
    ),
    (
        "hopelessness",
        (
            r"hopeless\w*|worthless|sin esperanza",
            r"(?:no|zero|lost all|lost|without) hope(?! (?:you|u|ur|to|so|that|we|it|all|everyone)\b)",
            r"(?:give|giving|gave|given) up on (?:life|living|everything|myself|me)|i give up$",
            r"(?:cant|cannot|can not) (?:do|take|handle|bear|stand) (?:this|it|life|anything|any of this)"
            r" (?:anymore|any more|any longer|much longer)|i cant anymore",
            r"(?:im|i am|i feel like|feel like|being) (?:such )?(?:a )?burden|burden (?:to|on|for)"
            r" (?:everyone|everybody|my family|you all|others|people)",
            r"(?:tired|sick|exhausted|done) (?:of|with) (?:living|life|being alive|existing|everything"
            r"|it all|fighting)",
            r"(?:im|i am) (?:so )?done\b.*\b(?:goodbye|bye|forever)",
            r"no point (?:anymore|in anything|in living|in trying|to anything|to life|in going on)",
            r"whats the point (?:anymore|of anything|of it all|of any of this|of trying|in trying)"
            r"|whats the point$",
            r"nothing matters|(?:doesnt|does not|dont|do not) matter anymore",
            r"(?:dont|do not|cant|cannot) see (?:the|any) point(?: (?:anymore|in anything|of anything"
            r"|in living|of living|in life))?$|see no point",
            r"(?:going to|gonna|will|ready to|about to|plan to|planning to|decided to) do it (?:tonight"
            r"|today|now|soon)",
            r"(?:deserve|deserves) (?:a )?better (?:\w+ )?than me",
            r"(?:writing|wrote|made|making|updated|updating|finished) my will|plan\w* my (?:own )?funeral",
            r"(?:it|this|everything)(?: will| ll|ll| is going to| s going to| gonna)? (?:all )?be over"
            r" (?:soon|tonight|tomorrow)",
            r"(?:wont|will not|im not going to|not gonna) need (?:any (?:more )?|my |future |these |the "
            r"|more )?(?:appointments|infusions|treatments?|meds|medications?|them)",
            r"dark place|dark thoughts|thoughts of (?:death|dying|hurting|harming)",
            r"(?:live|living) or (?:die|dying)|wake up or not",
            r"want out$|want out of (?:this life|life|this world|existence|everything)",
            r"waste of (?:space|oxygen|air|life)",
            r"(?:life|my life|living|everything|it all) (?:is|feels|seems) (?:so )?(?:pointless|meaningless)",
            r"(?:want|wanna|need) (?:it|everything|this|all of this|the pain|life|it all|this pain"
            r"|the suffering) to (?:end|stop|be over)",
            r"(?:dead|dying|empty|numb) inside|no way out|(?:feel|feeling|im|i am) (?:so )?trapped",
            r"(?:no one|nobody|noone) (?:cares|would care|will care|loves me)",
            r"if i (?:died|die|was dead|were dead|was gone|were gone|disappeared|wasnt here|werent here"
            r"|wasnt around)",
            r"thank\w* (?:you )?for everything\b.{0,40}\b(?:goodbye|bye|farewell)",
            r"sorry\b.{0,40}\bgoodbye|goodbye\b.{0,40}\bsorry|sorry for everything",
            r"love (?:you|yall|you all)\b.{0,30}\bgoodbye|goodbye\b.{0,30}\blove (?:you|yall)",
            r"hate (?:myself|my life|being alive)",
            r"(?:ya )?no (?:puedo|aguanto|soporto) mas",
            r"no (?:tiene|tengo|le veo|hay) (?:ningun )?(?:sentido|caso) (?:vivir|seguir|nada|la vida"
            r"|a la vida|a nada|de vivir)",
            r"(?:muert[oa]|muriendo) por dentro",
            r"(?:soy|siento que soy|me siento) una carga|perdon(?:en)? por todo|lo siento por todo|(?:cansad[oa]|hart[oa]) de (?:vivir|la vida|todo|existir)",
            r"nadie me (?:extranaria|va a extranar|extranara|quiere|necesita)",
            r"no hay salida|me (?:rindo|doy por vencid[oa])",
        ),
    ),
    (
        # A plea or acute distress with no stated intent: staff should still look today.
        "distress",
        (
            r"^(?:please |pls |plz )?help me(?: please| pls| plz)?$|help me\b.{0,40}\b(?:cant take"
            r"|cant do|scared|dont know what to do|im not ok|not okay)",
            r"^(?:ayudame|ayudenme|ayudeme|auxilio|socorro)(?: por favor)?$",
            r"(?:cant|cannot|can not) stop crying|no puedo dejar de llorar",
        ),
    ),
)
_COMPILED = tuple(
    (category, tuple(_compile(pattern) for pattern in patterns)) for category, patterns in _RULES
)
# Every rule at once, to learn in one pass whether any can match: most messages match none,
# and trying the rules one by one costs ten times more. Only where one can match are they
# tried in order (and idioms looked for), so what is found, and in what order, is unchanged.
_ANY_RULE = re.compile("|".join(p.pattern for _, patterns in _COMPILED for p in patterns))
# "OD'd" with its apostrophe: without it, it is the word "odd" ("I feel odd"), so this one
# pattern reads the text before apostrophes are deleted.
_OD = re.compile(r"\bod(?:'d|'ed|'ing|'in|'s)?(?![\w])")

# Idioms that look like crisis words. Kept short and explicit; a match is ignored only when it
# lies wholly inside one of these, so anything else in the message still counts. Never put a
# free run of words inside an idiom: it could swallow a real statement.
_IDIOMS = tuple(
    _compile(pattern)
    for pattern in (
        r"\w+ (?:is|are|was|were|s|keeps?|gonna|going to|will) kill(?:ing|s)? (?:me|it)",
        r"kill(?:ing|ed)? it|killer \w+|(?:the )?\w+ (?:was|is) murder",
        r"(?:(?:gonna|going to|about to|could|would|will|might|almost|nearly|literally|just) )*"
        r"(?:die|died|dying|dead) (?:of|from|with) (?:laughter|laughing|embarrassment|boredom|shame"
        r"|curiosity|excitement|happiness|joy)|(?:die|died|dying|dead) laughing",
        r"dying to (?:know|see|try|hear|meet|get|go|tell|find)|to die for|dead tired|i m dead",
        r"cross my heart and hope to die",
        # Only helper verbs in between, so "I threw my phone, I just want to die" still alerts.
        r"(?:phone|battery|cell|laptop)(?: is| s| was| will| gonna| going to| about to| almost| just)*"
        r" (?:die|dying|died|dead)",
        r"took everything (?:in|out of) me",
        r"[0-9]+ ?kms?",
        r"(?:traffic|stuck|toll|backed up|accident|construction|jam|detour) (?:on|at|near|by|before"
        r"|after) (?:the |a )?(?:\w+ )?bridge|bridge (?:traffic|toll|was closed|is closed|closed|was backed up|is backed up"
        r"|construction)|(?:over|across) the bridge|dental bridge",
        r"jump(?:ing)? rope|skipping rope|rope swing",
        r"(?:staple|glue|nail|heat|water|nerf|spray|radar|temperature|thermometer|massage) guns?"
        r"|jump(?:ed|ing)? the gun",
        r"like (?:a )?knife|knife like|butter knife|knife and fork",
        r"bullet points?|dodged a bullet|bite the bullet",
        r"(?:me (?:voy a |estoy )?)?mor\w* de (?:risa|hambre|sueno|ganas|frio|calor|verguenza"
        r"|aburrimiento|envidia|miedo)",
        r"(?:i |you )?could (?:just )?sleep forever",
    )
)

# --- emoji -----------------------------------------------------------------------------------

_VARIATION_SELECTORS = dict.fromkeys((0xFE0E, 0xFE0F), None)
# Pill, knife, knot (rope), coffin, drop of blood, pistol, dagger: alert on their own.
_CRISIS_EMOJI = (
    *("\U0001f48a", "\U0001f52a", "\U0001faa2", "\u26b0", "\U0001fa78", "\U0001f52b"),
    "\U0001f5e1",
)
# Skull, skull and crossbones, headstone: mostly "I'm dead (laughing)" slang, so they alert
# only beside a sad emoji or a word of distress, and never beside a laugh.
_SKULLS = ("\U0001f480", "\u2620", "\U0001faa6")
_SAD_EMOJI = frozenset("\U0001f622\U0001f61e\U0001f614\U0001f494\U0001f940\U0001f63f\U0001f625")
_SAD_EMOJI |= frozenset("\U0001f613\U0001f5a4\U0001f641\u2639\U0001f629\U0001f62b")
_LAUGH_EMOJI = frozenset("\U0001f602\U0001f923\U0001f606\U0001f639\U0001f605")
_DISTRESS = re.compile(
    r"\b(?:tired|exhausted|done|alone|lonely|sad|depressed|empty|numb|hopeless|worthless|hate"
    r"|sorry|goodbye|bye|pain|hurt\w*|cry\w*|cried|anymore|forever|tonight|gone|end|over|burden"
    r"|give up|miss me|last|leave|want out)\b"
)
_LAUGH = re.compile(r"\b(?:l+o+l+\w*|lmf?a+o+\w*|rofl\w*|h+a+h+a+\w*|h+e+h+e+\w*|ja+ja+\w*|jk)\b")


def _emoji_finding(text: str, flat: str) -> Finding | None:
    plain = text.translate(_VARIATION_SELECTORS)
    for emoji in _CRISIS_EMOJI:
        if emoji in plain:
            return Finding("emoji", emoji)
    skull = next((emoji for emoji in _SKULLS if emoji in plain), None)
    if skull is None or _LAUGH.search(flat) or any(ch in _LAUGH_EMOJI for ch in plain):
        return None
    sad = next((ch for ch in plain if ch in _SAD_EMOJI), None)
    if sad is not None:
        return Finding("emoji", skull + sad)
    word = _DISTRESS.search(flat)
    return Finding("emoji", f"{skull} {word.group()}") if word else None


# --- detection -------------------------------------------------------------------------------


def _first_match(pattern: re.Pattern[str], text: str, idioms: list[tuple[int, int]]) -> str | None:
    """The first match of `pattern` in `text` not wholly inside an idiom."""
    for match in pattern.finditer(text):
        start, end = match.span()
        if not any(i_start <= start and end <= i_end for i_start, i_end in idioms):
            return match.group()
    return None


def _short(phrase: str) -> str:
    phrase = " ".join(phrase.split())
    return phrase if len(phrase) <= _MAX_PHRASE else phrase[: _MAX_PHRASE - 1] + "\u2026"


def detect_crisis(text: str) -> Finding | None:
    """The first crisis signal in `text` (most severe category first), or None.

    Order: suicide, self-harm, safety, overdose, method, crisis emoji, then the HIGH ones:
    hopelessness, distress.
    """
    apostrophed = _with_apostrophes(text)
    variants = _variants(apostrophed)
    rules_can_match = any(_ANY_RULE.search(variant) for variant in variants)
    spans = [
        [match.span() for idiom in _IDIOMS for match in idiom.finditer(variant)]
        for variant in (variants if rules_can_match else ())
    ]
    for category, patterns in _COMPILED:
        if category == "hopelessness":
            emoji = _emoji_finding(text, variants[0])
            if emoji is not None:
                return emoji
        if category == "overdose":
            od = _OD.search(apostrophed)
            if od is not None:
                return Finding(category, od.group())
        if not rules_can_match:
            continue  # the emoji and "OD" checks above still run
        for pattern in patterns:
            for variant, idioms in zip(variants, spans, strict=True):
                phrase = _first_match(pattern, variant, idioms)
                if phrase is not None:
                    return Finding(category, _short(phrase))
    return None
