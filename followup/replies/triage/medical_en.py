"""English medical red flags after a ketamine infusion: emergencies and urgent problems.

Emergencies (the patient is told to call the emergency number): chest pain, a racing heart
that will not slow down, a severe sudden headache, fainting, a seizure, trouble breathing,
an allergic reaction, vomiting that will not stop, stroke signs, a fall with a head
injury, a crash, confusion or hallucinations hours later, someone who cannot be woken.
Urgent (a nurse calls today): ketamine cystitis, an IV site, hives. Numbers (blood
pressure, pulse, oxygen) are read by `vitals`. A negation in the same clause ("no chest
pain", "didn't pass out") covers the words after it.
"""

from __future__ import annotations

from followup.replies.triage.findings import Level, rule
from followup.replies.triage.medical_es import VERBS_AFTER_NO
from followup.replies.triage.text import CLAUSE_WORD, compile_phrase, words_within

E, U = Level.EMERGENCY, Level.URGENT

_WHO = r"(?:i|he|she|they|my \w+|her|him|we)"
_HIS = r"(?:my|his|her|their|the)"
_NOW = (
    r"(?:still|again|won t stop|wont stop|nonstop|non stop|all (?:day|night|morning)|for hours"
    r"|since (?:yesterday|last night|the infusion|this morning)|this morning|today|next day"
    r"|the next day|hours later|(?:over )?(?:\d+|several|many|a few) (?:hours|hrs))"
)

RULES = (
    rule(
        E,
        "chest_pain",
        "chest pain",
        r"ch?e?st (?:pain|pains|hurts?|hurting|aches?|aching|achey|achy|is (?:\w+ )?(?:tight|heavy|hurting"
        r"|aching|squeez\w*|crushing|burning|on fire)|feels? (?:\w+ )?(?:tight|heavy|crushed"
        r"|squeez\w*|like \w+)|tight\w*|pressure|heaviness|heavy|squeez\w*|crushing|discomfort"
        r"|is killing me)",
        r"(?:pain|pressure|tightness|weight|heaviness|squeezing|squeeze|crushing|ache|aching"
        r"|sharp|stabbing|burning|band|vise|vice|fist|elephant|someone sitting|someone standing|standing|sitting) (?:\w+ ){0,3}?"
        r"(?:in|on|across|around|through|of|behind|under|beneath) (?:my |the middle of my |the"
        r" center of my |his |her |the )?(?:chest|ribs|sternum|breastbone)",
        r"(?:tight|heavy|crushing|squeezing) chest|"
        r"chest (?:has been|s been|keeps|kept|started|is) (?:\w+ )?(?:hurting|aching|achey|achy|tight"
        r"|heavy|burning)",
        r"(?:pain|ache|aching|numbness|numb|tingl\w*|heaviness) (?:\w+ ){0,2}?(?:down|in|going down"
        r"|into|up|radiating (?:to|down|into)|spreading (?:to|into)) (?:my |his |her )?(?:left )?"
        r"(?:arm|jaw|shoulder blade|neck and jaw)",
        r"(?:left arm|jaw)\b.{0,20}\b(?:tingl\w*|numb|hurts|aches|pain)\b.{0,30}\bchest"
        r"|chest\b.{0,40}\b(?:left arm|jaw)\b",
        r"(?:having|think (?:i m|im|i am|it s|its|she s|he s|i m having|im having) (?:having )?"
        r"|feels? like|is (?:this|it)|going to have|gonna have|about to have) (?:a )?heart attack"
        r"|heart attack\?|(?:cardiac|heart) arrest",
    ),
    rule(
        E,
        "heart",
        "a racing heart that will not slow down",
        r"(?:heart|pulse|heartbeat|heart beat|heart rate|hr)(?: is| s)? (?:\w+ ){0,3}?(?:racing"
        r"|pounding|hammering|fluttering|skipping|going crazy|beating (?:so |really )?(?:fast|hard"
        r"|out of my chest)|flipping|irregular|all over the place)\b.{0,40}\b(?:wont|won t|will"
        r" not|doesnt|does not|cant|isnt|not) (?:\w+ )?(?:slow\w*|calm\w*|stop\w*|settl\w*|go\w*"
        r" down)",
        r"(?:heart|pulse|heartbeat)\b.{0,30}\b(?:wont|won t|will not|doesnt|isnt|not) (?:slow\w*"
        r"|calm\w*|settl\w*) down",
        r"(?:palpitations?|heart (?:racing|pounding|fluttering|flipping))\b.{0,40}\b(?:for (?:an"
        r" hour|hours|\d+ (?:min\w*|hours?))|all (?:night|day|morning)|wont stop|won t stop|since"
        r"|and (?:dizzy|faint|cant breathe|short of breath|chest))",
        r"(?:heart|pulse) (?:is |s )?(?:out of my chest|going a mile a minute|like a hummingbird)",
        r"(?:heart|pulse|heart rate|hr)\b.{0,20}\b(?:wont|won t|will not|doesnt|isnt) come down",
    ),
    rule(
        E,
        "headache",
        "a severe, sudden headache",
        r"(?:worst|worse|severe|sudden|suddenly|excruciating|unbearable|blinding|thunderclap"
        r"|explod\w*|crushing|horrible|intense|terrible|extreme|insane|splitting|10 ?/ ?10"
        r"|10 out of 10|the worst) (?:\w+ ){0,4}?(?:headache|head ache|head pain|migraine"
        r"|pain in my head)",
        r"(?:headache|head ache|head pain|migraine)\b.{0,30}\b(?:worst|of my life|ever had|ever"
        r" felt|like never before|exploding|thunderclap|came on (?:all at once|suddenly)|out of"
        r" nowhere|hit me like|cant see|can t see|10 ?/ ?10|10 out of 10)",
        r"(?:head|skull|brain) (?:is |feels like (?:it s|its|it is) )?(?:exploding|going to"
        r" (?:explode|split|burst)|about to (?:explode|split)|splitting open|split open|on fire"
        r"|splitting)|splitting head",
        r"(?:headache|head pain|head ache|migraine)s?\b.{0,30}\b(?:10 10|10/10|so bad i (?:cant"
        r"|can t)|unbearable|worse than (?:any|ever|all|the others|usual))|worse than any"
        r" (?:migraine|headache)|worst ever\b",
        r"(?:burst|popped|exploded) (?:inside|in) my (?:head|skull|brain)|lightning (?:bolt )?(?:through"
        r"|in) my (?:head|skull)|(?:came on|hit me|started) (?:in a second|all at once|out of nowhere"
        r"|like (?:a|getting hit))",
    ),
    rule(
        E,
        "fainting",
        "fainting",
        r"(?<!almost~)(?<!nearly~)(?<!didnt~)(?<!not~)(?:fainted|fainting|faint(?:ed)? (?:twice"
        r"|again)|passed out|passing out|blacked out|blacking out|black out|lost consciousness"
        r"|losing consciousness|collapsed|collapsing|keeled over|went unconscious|syncope"
        r"|syncopal|knocked out|out cold|came to on the (?:floor|ground))",
        r"(?:next thing i (?:know|knew)|woke up|came to) (?:\w+ ){0,2}?(?:i m |im |i was )?on the"
        r" (?:floor|ground|bathroom floor|tile|tiles|carpet|pavement)",
        r"(?:everything|it all) went (?:black|dark|white)|unconscious|went limp|did pass out"
        r"|actually passed out|passed out (?:twice|again|for)",
        rf"{_WHO} (?:just )?(?:went|dropped|fell) (?:down|over)\b.{{0,30}}\b(?:wasnt|not|didnt"
        rf"|isnt) (?:responding|moving|breathing|awake)",
    ),
    rule(
        E,
        "seizure",
        "a seizure",
        r"seiz(?:ure|ures|ing|ed)(?! (?:disorder|meds|medication|free))|convuls\w*|(?:had|having"
        r"|has) a fit\b|epileptic(?! (?:disorder|meds))|grand mal",
        r"(?:shaking|jerking|twitching|trembling) (?:uncontrollably|all over|violently)\b.{0,30}"
        r"\b(?:not answering|not responding|unresponsive|wont answer|wont respond)",
        r"(?:shaking|jerking|twitching|stiff\w*|rigid)\b.{0,40}\b(?:not responding|isnt responding"
        r"|wasnt responding|unresponsive|eyes rolled|wont respond|cant respond|foam\w*|drool\w*)",
        r"(?:whole body|arms and legs|her body|his body) (?:\w+ ){0,2}?(?:jerk\w*|shak\w*|twitch\w*"
        r"|spasm\w*)",
        r"(?:went|going|gone|got|was) (?:all )?(?:stiff|rigid)\b.{0,20}\b(?:jerk\w*|shak\w*"
        r"|twitch\w*)|stiff and (?:jerky|shaking)",
    ),
    rule(
        E,
        "breathing",
        "trouble breathing",
        r"(?:cant|can t|cannot|couldnt) catch (?:my |his |her )?bre\w*|"
        r"(?:cant|can t|cannot|can not|couldnt|hard to|trouble|difficulty|struggling to|struggle to"
        r"|unable to|hard time|having a hard time) (?:\w+ ){0,1}?(?:breath\w*|catch (?:my |his |her )?"
        r"breath|get (?:a |enough )?(?:air|breath)|get a full breath|take a (?:deep )?breath)",
        r"short(?:ness)? of breath|\bsob\b(?= (?:getting|worse|bad|and|since|all))|out of breath"
        r" (?:just |while |when )?(?:sitting|lying|resting|talking|walking|standing)|every breath"
        r" is (?:a struggle|hard|work)|gasping|suffocat\w*|choking|can t get air|air hunger|wheez\w*\b.{0,30}\b(?:cant"
        r"|can t|hard)",
        r"breath\w* (?:is |are |s |has been |seems |feels )?(?:really |very |so |super |too )?"
        r"(?:slow|shallow|weird|labored|laboured|funny|strange|rattly|noisy|stopping|uneven"
        r"|irregular|tiny|far apart)",
        r"(?:not|barely|stopped|stops|isnt|hardly|only (?:taking|breathing)) (?:\w+ )?breath\w*"
        r"(?! (?:exercises?|techniques?|work|app|class))",
        r"(?:lips?|face|fingers|fingertips|skin) (?:are |is |look |looks |turned |turning |going"
        r" )?(?:blue|bluish|purple|grey|gray|ashen)|turning blue|turned blue",
        r"(?:breathing|breathe) (?:\w+ ){0,3}?(?:(?:through|thru) a (?:straw|coffee stirrer)|like a fish"
        r"|every (?:\d+|few|ten|10) seconds)",
    ),
    rule(
        E,
        "allergy",
        "an allergic reaction",
        r"(?:lips?|tongue|throat|face|mouth|eyes|eyelids) (?:is |are |feels? |getting |started"
        r" |starting |seem |look |looks |went )?(?:\w+ ){0,3}?(?:swell\w*|swollen|puff\w*|closing"
        r"|tight|thick|big|bigger|huge)(?! (?:from|after) (?:crying|the dentist|the filler))",
        r"(?:throat|airway) (?:is |feels )?(?:like (?:it s |its |it is )?)?(?:closing|closing up|tight"
        r"|tightening|swelling)"
        r"|anaphyla\w*|epi ?pen",
        r"(?:hives|welts|rash)\b.{0,50}\b(?:breath\w*|throat|tongue|lips|wheez\w*|swell\w*|air)"
        r"|(?:breath\w*|throat|wheez\w*|swell\w*|swollen)\b.{0,50}\b(?:hives|welts)",
    ),
    rule(
        E,
        "vomiting",
        "vomiting that will not stop",
        r"(?:cant|can t|cannot|wont|won t|will not|doesnt|isnt) (?:\w+ )?(?:stop|stopping)"
        r" (?:throwing up|vomiting|puking|being sick|heaving|dry heaving)",
        rf"(?:throwing up|throw up|threw up|vomit\w*|puk\w*|heaving|dry heaving|being sick|sick to my"
        rf" stomach)\b.{{0,30}}\b(?:{_NOW}|every (?:\d+ |few |ten |twenty )?(?:min\w*|hour|half)"
        rf"|(?:\d+|five|six|seven|eight|ten|many|several|a dozen|like \d+) times|nonstop|wont stop"
        rf"|won t stop|keeps? (?:coming|going))",
        r"(?:cant|can t|cannot) keep (?:nothing|anything)(?: down| in)?\b.{0,20}\b(?:water|food"
        r"|vomit|throw)|(?:vomit\w*|throwing up|puking) all the (?:night|day)|"
        r"(?:cant|can t|cannot|unable to|not able to) (?:even )?(?:keep|hold) (?:anything|water|fluids|food"
        r"|liquids|even water|a sip|any(?:thing)?) (?:down|in)|(?:cant|can t|cannot) (?:keep|hold)"
        r" down (?:anything|water|fluids|food|liquids)",
        r"(?:throwing up|threw up|vomit\w*|puk\w*|coughing up)\b.{0,40}\b(?:blood|bloody|coffee"
        r" grounds|red stuff)|(?:blood|bloody) (?:in (?:my |the )?|when i )?(?:vomit\w*|puke\w*|throw up|threw up)",
        r"(?:vomit\w*|throwing up|puking)\b.{0,20}\b(?:wont quit|won t quit|over and over|again and"
        r" again|nonstop)",
    ),
    rule(
        E,
        "stroke",
        "stroke signs",
        r"(?:face|mouth|smile|lip|eye|cheek)s? (?:\w+ ){0,3}?(?:droop\w*|dropp\w*|crooked|lopsided|uneven"
        r"|sagging|saggy|fallen|slack|numb on one side|pulled to one side|not moving)",
        r"(?:one|left|right) side of (?:my|his|her|the) (?:face|mouth) (?:\w+ ){0,2}?(?:droop\w*"
        r"|numb|weak|sagg\w*|down|fell|dead)",
        r"slurr\w*|(?:speech|words|talking) (?:is |are |sound |sounds )?(?:slurred|garbled|jumbled"
        r"|mixed up|weird|wrong|not coming out)|(?:cant|can t|cannot|couldnt) (?:talk|speak|get"
        r" (?:the |my )?words out|find (?:my|the) words|form words)",
        r"(?:not making sense|confused|slurring) when (?:she|he|i|they) (?:talks|speaks|talk)",
        r"(?:one|left|right) (?:whole )?side (?:of (?:my|his|her|the) body )?(?:\w+ ){0,2}?(?:numb|weak|limp"
        r"|dead|tingling|droopy|not working|heavy|paraly\w*|wont move)",
        r"(?:cant|can t|cannot|couldnt|unable to) (?:lift|move|raise|feel|grip with|use) (?:my|his"
        r"|her) (?:left|right) (?:arm|leg|hand|side|foot)",
        r"(?:left|right) (?:arm|leg|hand|side|foot) (?:\w+ ){0,2}?(?:numb|weak|limp|dead|heavy"
        r"|wont move|not working|gave out|paraly\w*)",
        r"face (?:is )?(?:falling|fallen|drooping|sliding) (?:of|off|on|to) one side|(?:talk|talks|speak"
        r"|speaks|talking) (?:strange|weird|funny|wrong|slurred)",
        r"(?:words|speech) (?:are |is )?(?:coming out )?(?:wrong|off|weird|garbled|slurred|funny"
        r"|jumbled)|(?:face|smile) (?:looks|seems|is) (?:off|droopy|weird|crooked|funny)",
        r"(?:left|right) (?:arm|leg|hand|side|foot)(?: and (?:arm|leg|hand|foot))? (?:\w+ ){0,3}?"
        r"(?:weak|numb|heavy|dead|floppy|tingly|limp)|(?:arm|leg|hand) (?:\w+ ){0,3}?(?:dead|floppy"
        r"|limp|numb) on one side|half (?:of )?my (?:face|body) (?:wont|won t|doesnt|can t|cant)"
        r" move|weakness (?:on|in) (?:my|his|her) (?:left|right) side|cant grip|can t grip",
        r"(?:blind|lost (?:my )?vision|cant see) in one eye|"
        r"sudden\w* (?:\w+ ){0,2}?(?:cant see|lost (?:my )?vision|vision loss|blind\w*|double"
        r" vision)|(?:lost|losing) (?:the )?(?:vision|sight) in (?:one|my \w+) eye|curtain over"
        r" (?:my )?eye",
        r"(?:having|think (?:i m|im|she s|he s|it s|its) (?:having )?|signs of|is (?:this|it)"
        r"|having a) (?:a )?(?:mini )?stroke|(?:a )?stroke\?|mini stroke",
    ),
    rule(
        E,
        "head_injury",
        "a fall with a head injury",
        r"(?:fell|fall|falling|slipped|tripped|passed out|collapsed|went down|dropped|tumble|lost my"
        r" balance)\b.{0,60}\b(?:hit|hitting|bumped|banged|smacked|struck|cracked|slammed|busted"
        r"|whacked) (?:my |his |her |the back of (?:my|his|her) )?(?:head|skull|face|forehead"
        r"|temple)|(?:my |his |her )?head hit (?:the|a) (?:concrete|floor|ground|counter|table|tub"
        r"|wall|door|step|stairs|pavement|sidewalk)",
        r"(?:hit|bumped|banged|smacked|struck|cracked|slammed) (?:my|his|her) (?:head|skull"
        r"|forehead|temple)\b.{0,60}\b(?:fell|fall|falling|floor|ground|counter|tub|table|stairs"
        r"|toilet|sink|bleed\w*|blood|goose egg|dizzy|throw\w* up|confused)",
        r"head (?:is |was |wound )?(?:bleeding|gash\w*|split open)|gash (?:on|in) (?:my|his|her)"
        r" (?:head|forehead)|concussion|goose egg on (?:my|his|her) (?:head|forehead)",
        r"fell (?:down|over)? ?(?:the )?stairs",
    ),
    rule(
        E,
        "crash",
        "a crash after driving",
        r"(?:i|we|he|she|they) (?:\w+ ){0,2}?(?:crashed|wrecked|totaled|totalled|rear ended"
        r"|rearended|hit (?:a|another|the) (?:car|pole|tree|wall|guardrail|mailbox|curb|truck)"
        r"|ran off the road|ran a red|swerved|was in (?:a|an) (?:car )?(?:accident|crash|wreck)"
        r"|got in (?:a|an) (?:car )?(?:accident|crash|wreck)|had (?:a|an) (?:car )?(?:accident|crash"
        r"|wreck|fender bender))",
        r"(?:crashed|wrecked|totaled|totalled|smashed|hit) (?:my|the|his|her|our) (?:car|truck|suv"
        r"|van)|(?:car|truck) (?:accident|crash|wreck) (?:on the way|driving|after)",
        r"(?:^|\| )(?:just )?(?:got (?:in|into)|was in|had|been in) (?:a |an )?(?:car |small |little"
        r" |minor )?(?:accident|crash|wreck|fender bender|collision)|^car accident",
        r"(?:i|we) crash(?:ed)? (?:with|into) (?:the|my|a) (?:car|truck|pole|tree|wall)|crash with the"
        r" car",
        r"(?:rear ended|rearended|sideswiped|collided with|ran off the road|in a ditch|t boned)"
        r"\b.{0,40}\b(?:driving|drove|infusion|home|clinic|treatment|car)|(?:drove|driving|drive)\b"
        r".{0,50}\b(?:rear ended|sideswiped|collided|ran off|ditch|crashed)",
        r"(?:drove|driving|drive) (?:\w+ ){0,4}?(?:home|back)\b.{0,50}\b(?:crash\w*|accident|wreck"
        r"\w*|hit|fender bender|ditch|guardrail)",
    ),
    rule(
        E,
        "confusion",
        "confusion or hallucinations hours later",
        rf"(?:still|keeps?|been|is|are|started) (?:\w+ ){{0,2}}?(?:hallucinat\w*|seeing (?:things"
        rf"|people|bugs|spiders|shadows|colors|patterns)|hearing (?:voices|things|music)|confused"
        rf"|disoriented|out of it|tripping|not making sense|talking nonsense|delirious|doesnt know"
        rf"|does not know|dissociat\w*|detached|not (?:himself|herself|myself)|in a daze|dazed)"
        rf"\b.{{0,60}}\b{_NOW}",
        rf"{_NOW}\b.{{0,40}}\b(?:hallucinat\w*|seeing things|hearing voices|confused|disoriented"
        rf"|delirious|doesnt know where|dont know where|not making sense)",
        r"(?:hallucinat\w*|seeing things|hearing voices) (?:\w+ ){0,4}?(?:since|today|now|this"
        r" morning|still|wont stop|next day|hours|again)",
        r"(?:doesnt|does not|dont|do not|didnt|did not|can t|cant|cannot) (?:\w+ )?(?:know|recognize"
        r"|remember) (?:where (?:he|she|i|they) (?:is|am|are|was)|who (?:i|he|she|we) (?:am|is"
        r"|are)|me|us|his wife|her husband|what day|what year|his name|her name|my name)",
        r"who is this\b.{0,30}\b(?:dont|don t|do not) know where|(?:dont|don t|do not) know where my"
        r" (?:house|home|car|room) is|"
        r"(?:asked|asks|asking) (?:me )?who (?:i am|i m|we are)|(?:thinks|think) (?:he s|she s|i m|he is"
        r"|she is) (?:still )?(?:at the clinic|in the chair|getting the infusion)",
        r"(?:talking|talks) to (?:people|someone|things) (?:who|that) (?:arent|aren t|isnt|are not"
        r"|is not) there",
        r"(?:seeing|see|hearing|hear) (?:\w+ ){1,5}?(?:that|which|who) (?:aren t|arent|isnt|is not"
        r"|are not|weren t|werent) (?:there|real)",
        r"(?:walls|room|floor|ceiling|things|everything) (?:are |is )?(?:still )?(?:moving|breathing"
        r"|melting|spinning|wavy|warping)\b.{0,40}\b(?:yesterday|last night|hours|still|day|today"
        r"|morning)",
        r"(?:keep|keeps) (?:getting lost|asking the same|forgetting where)|(?:dont|doesnt|don t"
        r"|doesn t) (?:recognize|know) (?:my|his|her|the) (?:room|house|home|year|kids|wife|husband"
        r"|name)|confused about everything|(?:cant|can t) think straight\b.{0,40}\b(?:hrs|hours"
        r"|post|since|day)",
    ),
    rule(
        E,
        "unresponsive",
        "someone who cannot be woken",
        r"(?:cant|can t|cannot|couldnt|unable to|wont|won t) (?:\w+ )?wake (?:him|her|them|my \w+"
        r"|\w+)(?: up)?",
        r"(?:he|she|they|my \w+|husband|wife|son|daughter|mom|dad) (?:\w+ ){0,2}?(?:wont|won t"
        r"|isnt|is not|cant|can t|not|doesnt|does not) (?:\w+ )?(?:wake up|waking up|waking|respond"
        r"\w*|come to|open (?:his|her) eyes)",
        r"unresponsive|not responding to (?:me|us|anything|his name|her name)|barely breathing"
        r"|(?:lips|face) (?:are|is) blue|hard to wake|(?:cant|can t|cannot|couldnt) rouse"
        r"|(?:cant|can t) get (?:\w+ ){0,2}?to wake up|drifting (?:back )?(?:out|off) and",
    ),
    rule(
        E,
        "emergency",
        "an emergency named",
        r"(?:call(?:ed|ing)?|in an?|take (?:him|her|me) to the|going to the|on (?:the|our) way to"
        r" the|at the) (?:911|ambulance|er|emergency room|emergency|ems|paramedics)"
        r"(?! (?:if|when|for (?:a|minor)))",
    ),
    rule(
        U,
        "urinary",
        "a urinary problem (ketamine cystitis)",
        r"(?:cant|can t|cannot|can not|couldnt|unable to|trouble|hard to|struggling to|strain\w*"
        r" to|difficulty|having trouble|problems?|hard time) (?:\w+ ){0,2}?(?:pee|peeing|urinat\w*"
        r"|go to the bathroom|empty (?:my|the) bladder|pass (?:urine|water)|wee|piss)",
        r"(?:only|just|a few|barely|little) (?:a few )?(?:drops|dribbles?|dribbling|trickles?|drips)"
        r"|weak stream|(?:pee|urine|stream) (?:just )?(?:dribbles|trickles|barely comes|wont come)"
        r"|(?:havent|haven t|have not|hasnt) been able to (?:pee|urinate|go|empty)"
        r"|(?:peeing|pee|urinating) (?:\w+ ){0,2}?(?:razor blades?|glass|fire|knives|acid)"
        r"|(?:urine|pee) has (?:some |a little )?blood|barely anything (?:comes|came) out|nothing (?:comes|came) out|(?:have|need|gotta|got) to"
        r" go every (?:\d+|few|ten|fifteen|twenty) (?:min\w*|minutes)\b.{0,30}\b(?:hurt\w*|burn\w*"
        r"|sting\w*|pain\w*)|(?:trying|tried) to pee\b.{0,30}"
        r"\bnothing|havent peed|haven t peed|have not peed|(?:bladder|i) feels? full\b.{0,20}\b(?:cant"
        r"|can t) go|(?:cant|can t) go #?1|just a (?:dribble|trickle)",
        r"peeing blood|(?:pee|urine|piss)(?: \w+){0,3} (?:pink|pinkish|red|bloody|rust)|pink tinge"
        r"|(?:stinging|burning|painful) (?:pee|urine|urination)|(?:piss|pee|urine) (?:burns|stings)"
        r"|painful urination|(?:hurts|burns|stings) to pass it|(?:bladder|lower belly|low in my belly)"
        r"\b.{0,20}\b(?:painful|pain|hurts|every time i urinate)",
        r"blood (?:in|when|while|after) (?:i )?(?:my |the )?(?:pee|urine|piss|urinat\w*|wee|toilet"
        r"|peeing)|bloody (?:urine|pee)|(?:pee|urine|piss|wee)(?: is| s| looks| was| came out"
        r"| turned)? (?:\w+ )?(?:pink|red|bloody|brown|dark red|reddish|rust\w*|like blood|cola"
        r"|tea colored|with clots)|clots? (?:in|when i) (?:my )?(?:pee|urine)",
        r"(?:bladder|pelvic|pelvis|lower (?:belly|abdomen|stomach|tummy)|down there|urethra)"
        r"(?: \w+){0,2} (?:pain|hurts?|hurting|killing me|aches?|aching|burning|burns|cramp\w*"
        r"|spasm\w*|pressure|sore|raw|on fire|feels? (?:like|raw|sore|bruised))",
        r"(?:pain|hurts?|burning|spasms?|cramp\w*|pressure|ache) (?:\w+ ){0,2}?(?:in|of|from)"
        r" (?:my |the )?(?:bladder|pelvis|urethra)",
        r"(?:burn\w*|hurts?|sting\w*|painful|pain|agony|razor blades?|glass|fire) (?:\w+ ){0,2}?"
        r"(?:when|while|to|during|after|every time|each time|as) (?:i )?(?:pee|peeing|urinat\w*"
        r"|go|wee|piss|use the bathroom|go to the bathroom|make pee)",
        r"(?:passing water|urination|urinating|peeing|making pee) (?:\w+ ){0,3}?(?:painful|hurts"
        r"|burns|stings|agony)|(?:urine|pee) (?:looks|is) like (?:rose|red|pink) (?:wine|juice)"
        r"|rose wine|cranberry juice",
        r"(?:pee|peeing|urinat\w*)\b.{0,20}\b(?:burns?|burning|hurts?|stings?|stinging|painful"
        r"|pain|agony)",
        r"(?:pee|peeing|urinat\w*|go to the bathroom|run to the bathroom|bathroom)(?: \w+)? (?:every"
        r" (?:\d+|few|five|ten|fifteen|20|twenty|half) (?:min\w*|hour)|constantly|all the time"
        r"|nonstop|non stop|so often|(?:\d+|ten|twenty|a million) times)|urge to pee"
        r"|(?:\d+|five|six|ten) times (?:last night|overnight)? ?(?:to pee|peeing)",
        r"\buti\b|bladder infection|cystitis|ketamine bladder",
    ),
    rule(
        U,
        "iv_site",
        "an IV site problem",
        r"(?:iv|i v|drip|needle|injection|infusion|cannula|catheter|poke|vein)(?: \w+){0,3}"
        r" (?:is |are |looks |feels |got |getting |has |went |turned )?(?:\w+ ){0,2}?(?:red|redder"
        r"|swollen|swelling|hot|warm|hard|lump\w*|bump\w*|pus|oozing|infected|streak\w*|inflamed"
        r"|throbbing|tender|angry|spreading|hurts)",
        r"(?:red|swollen|hot|warm|hard|puffy|infected|inflamed|redness|swelling|lump|knot|pus"
        r"|streak\w*|cord|patch|draining|gunk)\b.{0,60}\b(?:iv|i v|needle|drip|injection|infusion"
        r"|cannula|line in|the line|where they)\b",
        r"(?:iv|i v|needle|cannula)\b.{0,40}\b(?:red|swollen|swelled|hot|warm|hard|lump|knot|pus"
        r"|streak\w*|draining|gunk|infection|infected|puffy|bigger|yellow|oozing|ooze|discharge"
        r"|stuff coming out)|(?:iv|i v) site infection|(?:where|place) they (?:put|had) the (?:line"
        r"|iv|needle|drip)\b.{0,30}\b(?:oozing|throbbing|red|swollen|hot|hard|pus|infected)",
        r"red (?:streak|line|patch)\b.{0,40}\b(?:wrist|elbow|forearm|arm)|(?:arm|elbow|forearm)"
        r"\b.{0,30}\b(?:swelled|swollen|so swollen)\b.{0,30}\b(?:infusion|iv|sleeve)",
        r"(?:red|pink) (?:line|streak|stripe)s? (?:\w+ ){0,3}?(?:up|going up|on|along|from) (?:my"
        r" |the )?(?:arm|vein|hand)|(?:arm|hand) (?:\w+ ){0,4}?(?:red|swollen|hot) (?:\w+ ){0,4}?"
        r"(?:since|after|from) (?:the |my )?(?:infusion|iv|drip)",
        r"(?:arm|hand|elbow)\b.{0,30}\b(?:red|swollen|hot|warm)\b.{0,30}\b(?:hot|warm|swollen|red"
        r"|sore|hard|spreading|pus)",
    ),
    rule(U, "skin", "hives or a rash", r"hives|welts|(?:rash|itchy bumps) (?:all )?over"),
    rule(
        U,
        "fainting",
        "nearly fainting",
        r"(?:almost|nearly|about to|felt like i (?:was going to|would|might)|going to) (?:pass(?:ed)?"
        r" out|faint(?:ed)?|black(?:ed)? out)",
        r"(?<!dont~)(?<!not~)(?<!didnt~)(?<!doesnt~)(?<!never~)"
        r"(?:feel|feeling|felt|getting|gonna|might|could) (?:so |really |very )?faint"
        r"|(?:feel|feeling) like i (?:might|could|m going to|m gonna|will) (?:faint|pass out)",
    ),
)

# "no chest pain", "didn't pass out", "the headache went away": a negation reaches up to three
# words into its clause; resolution follows the symptom. "never had pain like this" is no
# negation, nor is "no idea why my chest hurts".
NEGATIONS = tuple(
    compile_phrase(pattern)
    for pattern in (
        rf"(?:no(?!~(?:idea|clue|reason|one|way|matter))(?!~{VERBS_AFTER_NO})"
        rf"|not(?!~(?:sure|certain|able|stopping|answering|responding|breathing|waking))"
        rf"|without|denies|denied|deny|never(?!~had)|zero|nor|nope|dont have|do not have|didnt have"
        rf"|did not have|havent had|have not had|hasnt had|no more|not any|free of|didnt|did not"
        rf"|havent|have not|wasnt|werent|none of)(?!~(?:peed|urinated|been~able|gone~to~the"
        rf"~bathroom))~{words_within(3)}{CLAUSE_WORD}"
        rf"(?:~{CLAUSE_WORD}){{0,3}}(?!~(?:like this|like that|this bad|before|until now|in my life))",
        r"(?:[^\s|?]+~){1,4}(?:went away|is gone|are gone|has gone|have gone|was gone|passed|has"
        r" passed|stopped|has stopped|resolved|is better|got better|went down|came down|is fine"
        r" now|eased|settled|calmed down|is back to normal|subsided|cleared up|is normal now"
        r"|is ok now|is okay now|wore off)",
    )
)
