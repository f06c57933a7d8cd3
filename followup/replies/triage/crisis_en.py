"""English crisis rules: suicide said outright, farewells, plans; the words the others share.

Missing a crisis is far worse than a false alarm, so these lean wide; what keeps ordinary
words out is that an object ("bridge", "rope", "gun", "pills") counts only with intent
(a verb about oneself, a purpose, a time), and that idioms, denials and recovery
(`idioms`, `review`) cover only the words inside them.

The rules are in three modules: this one (suicide said outright, farewells, plans) with
the shared words, `crisis_en_harm` (self-harm, safety, overdose, means, hopelessness) and
`crisis_en_indirect` (what is told without the usual words).
"""

from __future__ import annotations

from followup.replies.triage.findings import Level, rule

C = Level.CRISIS

MYSELF = r"(?:myself|my self|myslef|mysefl|myselfe|mysef|myselff|me self|meself|my own self)"
PILLS = (
    r"(?:pills?|pils?|meds|medications?|medicines?|tablets?|capsules?|caps|xanax|xannies|bars"
    r"|benzos?|klonopin|clonazepam|ativan|lorazepam|valium|diazepam|ambien|zolpidem|oxys?"
    r"|oxycodone|oxycontin|percocets?|percs|vicodin|hydrocodone|norco|tramadol|fentanyl"
    r"|morphine|tylenol|acetaminophen|paracetamol|advil|ibuprofen|motrin|aleve|naproxen|aspirin"
    r"|lithium|seroquel|quetiapine|trazodone|zoloft|sertraline|prozac|lexapro|wellbutrin"
    r"|gabapentin|lyrica|insulin|painkillers?|pain killers?|antidepressants?|opioids?|opiates?"
    r"|sleeping pills|sleep aids?|sleepers|prescriptions?|scripts?|stash)"
)
# Four or more at once: one to three of a pill is an ordinary dose.
MANY = (
    r"(?:(?:[4-9]|[1-9][0-9]+)\b(?! ?(?:mg|mgs|mcg|ml|milligrams?|g\b|%|iu|units))|four|five|six"
    r"|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|hundreds?"
    r"|dozens?|a dozen|a handful|handfuls)"
)
TAKE = (
    r"(?:took|take|taking|taken|swallow(?:ed|ing)?|ate|eat|eaten|popped|pop|popping|downed"
    r"|chugged|chewed|crushed|snorted|injected|shot up)"
)
DRINKS = r"(?:water|juice|gatorade|soda|pop|coke|milk|tea|coffee|electrolytes|pedialyte|ginger ale)"
# "all my morning meds" is a routine, "all my pills" is not.
ROUTINE = (
    r"(?!(?:morning|evening|night|nightly|daily|usual|regular|normal|bedtime|prescribed|other"
    r"|vitamins?)\b)"
)
DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tomorrow)"
# "go on" / "keep going" about an errand rather than about living: "can't go on Tuesday".
ERRAND = (
    rf"(?! (?:the|a|an|my|our|that|this|{DAYS}|vacation|holiday|trip|walks?|runs?|rides?|line"
    rf"|break|leave|call|zoom|time|it|them|to|with)\b)"
)
# A daily routine, not a handful at once: "I take 4 pills a day".
PER_DAY = (
    r"(?! (?:a|per|every|each|in the|at|for) (?:day|morning|night|evening|week|bedtime|month)\b)"
)
FAMILY = (
    r"(?:mom|mum|mother|dad|father|parents|family|kids|children|son|daughter|wife|husband"
    r"|partner|boyfriend|girlfriend|fiance|sister|brother|siblings|friends|grandkids|baby|babies"
    r"|roommate|bestie|best friend)"
)
PETS = r"(?:dog|dogs|cat|cats|pets?|puppy|kitten|bird|fish|plants|horse|bunny|rabbit)"
SOON = (
    r"(?:tonight|tonite|2nite|tn|today|tomorrow|tmrw|tmr|this weekend|this week|soon|now|rn"
    r"|right now|before morning|by morning|after (?:this|the|my) (?:infusion|appointment|one))"
)


RULES = (
    rule(
        C,
        "suicide",
        "suicide named",
        r"su[ia]?[cs]+i?d[aeiou]?\w*",  # suicide, suicidal, sucide, suicdal
        r"s ?u ?i ?c ?i ?d ?e|s icide|su cide|sui cide|suic de",
        r"sewer ?slide|unaliv\w*|un alive|kms|kys|k m s|self delet\w*|delete myself|ctb"
        r"|catch(?:ing)? the bus|final exit|exit bag",
        r"(?:going to|gonna|want to|wanna|might|ready to|about to|plan to|planning to) (?:just )?"
        r"(?:commit|rope)$|(?:to|gonna|wanna|going to) rope(?! \w)",
    ),
    rule(
        C,
        "suicide",
        "intent to kill or end oneself",
        rf"k+i+l+(?:ing|in|ed|s)? (?:{MYSELF}|me (?:off|now|already|please|pls|plz))",
        rf"(?:off|offing|end|ending|ended|put an end to|finish|finishing) (?:{MYSELF}|me$|me off)",
        r"end(?:ing|ed)? (?:my|this) (?:own )?(?:life|suffering|misery|existence|story)",
        r"end(?:ing|ed)? (?:it all|everything|it tonight|it today|it now|it soon|it forever"
        r"|it for good|things for good|it this time|it this weekend)",
        r"(?:want|wanna|going|gonna|ready|plan\w*|need|decided|time|try\w*|about|thinking about"
        r"|think about|thought about|thinking of|feel like|felt like|will|ll|i d|would|might"
        r"|should|just) (?:to )?(?:just )?end(?:ing)? (?:it|things|everything)"
        r"(?! (?:with|there|here|early|at|by|before|after|off|on|up))",
        r"(?:i m|i am|im) ending (?:it|things)(?! with)",
        r"tak(?:e|ing) my (?:own )?life(?! back)|took my (?:own )?life",
        r"(?:make|making) it (?:all )?stop (?:for good|forever|permanently)",
        r"(?:finish|finishing|finished) (?:it|things|the job|what i started)(?: \w+)? (?:for good"
        r"|tonight|this time|properly)|finish it all",
        r"kill me (?:now|already|please|pls|plz)|^(?:just |please |pls |someone )?kill me$",
        r"(?:ways?|how|methods?|best way|easiest way|quickest way) to (?:die|end it|end my life"
        r"|kill myself|not wake up|go painlessly)|painless (?:way|death)",
        r"how (?:many|much) (?:\w+ ){0,4}?(?:to die|would kill|to kill|to overdose|to od"
        r"|is lethal|is fatal|it would take|it takes|before (?:it s|its) (?:too late|over)"
        r"|to not wake up|to stop my heart)",
        r"(?:googl\w*|search\w*|look\w* up|research\w*) (?:\w+ ){0,4}?(?:lethal|fatal|overdose"
        r"|how to die|how to hang|how much \w+ (?:it )?(?:would|takes?)|how many \w+ (?:it )?"
        r"(?:would|takes?)|knots?)",
    ),
    rule(
        C,
        "suicide",
        "wish to be dead",
        r"(?:want|wanted|wants|wanting|wanna|wana|wnat|wish|wished|wishing|ready|going|gonna|need"
        r"|deserve"
        r"|rather|prefer|hope|hoping|like|just|should|could|might|let me|i will|ill|plan\w*"
        r"|gonna just|im going to) (?:to |2 )?(?:just )?(?:die|dye|dy)\b(?! (?:my|your|her|his|the)"
        r" hair)",
        r"(?:wish|want|wanting|wanna|rather|would|hope|should|could|prefer|id like) (?:that )?(?:i )?"
        r"(?:was|were|be|to be|am|had been|could be|would be|just be|just) dead",
        r"(?:just |really |honestly )?(?:want|wanna) (?:to )?be dead",
        r"(?:want|wanna|wish|need|ready) to (?:just )?(?:stop being|stop living|quit being|quit"
        r" living|be done being|be done living) ?(?:alive|here|me|around)?",
        r"better off dead|better off without me|(?:better|happier|easier|fine|lighter|free\w*)"
        r" without me",
        r"(?:everyone|everybody|they|she|he|my family|my kids|the world|people) (?:\w+ ){0,3}?"
        r"(?:be|is|are|d be|would be|will be) (?:\w+ ){0,2}?better (?:off )?(?:if|when|once) i"
        r" (?:was|were|wasnt|werent|am|m|was not|were not|m not|am not|im not|died|left|disappeared"
        r"|wasn t)",
        r"better off (?:if|when|once) i (?:was|were|wasnt|werent|am|m|was not|were not)"
        r" ?(?:gone|dead|not here|not around)",
        r"(?:would be|d be|will be|would finally|could finally|can finally|will finally) (?:\w+ ){0,3}?"
        r"(?:free|live (?:his|her|their) life|happier|better) (?:\w+ ){0,3}?(?:if|once|when|without)"
        r" (?:i|me)\b",
        r"(?:out of the picture|out of everyone s way|out of (?:their|your|his|her) way (?:for good"
        r"|forever|permanently))",
        r"(?:no one|nobody|noone|no body) (?:would|will|is going to|gonna) (?:even )?(?:miss|notice"
        r"|care)",
        r"wont (?:even )?miss me|(?:dont|wont|wouldnt) (?:even )?notice (?:if )?i m gone",
        r"wish (?:that )?i (?:wasnt|werent|was not|were not) (?:here|alive|around|born|in this world)",
        r"wish (?:that )?i (?:was|were|had) never (?:been )?born|never been born",
        r"wish i (?:didnt|did not|could not|couldnt) (?:exist|wake up)",
        r"wish\w* i could (?:just )?(?:disappear|stop existing|sleep forever|not wake up|not exist"
        r"|vanish|stop being)",
        r"(?:want|wanna|need|wish) to (?:just )?(?:disappear|vanish|stop existing|not exist"
        r"|cease to exist|not be (?:here|alive|around)|be gone|go away forever)",
        r"(?:dont|do not|didnt|did not|doesnt|no longer|dont really|dont even|really dont)"
        r" (?:want|wanna|wana|wnt|wnat|wish|care) (?:to |2 )?(?:be here|be alive|live|exist|be around"
        r"|keep living|wake up|stay alive|be on this earth|be in this world|be a person"
        r"|be me anymore|do this anymore|be here today)",
        r"(?:dont|do not|didnt|did not|doesnt|no longer|dont really) (?:want|wanna|wish) (?:to |2 )?"
        rf"(?:go on|keep going){ERRAND}",
        r"(?:dont|do not|wouldnt|would not) care if i (?:die|died|live|lived|didnt wake up"
        r"|dont wake up|wake up|got hit|never woke up|was gone)",
        r"(?:if|hope|wish|pray) (?:a |some )?(?:car|truck|bus|train|meteor|lightning|something)"
        r" (?:would |will |could )?(?:hit|hits|take|took|kill|kills|end|ended) me",
        r"(?:hit|take|kill)s? me (?:\w+ ){0,3}?(?:id|i d|i would) be (?:relieved|happy|glad|grateful"
        r"|fine|thankful)",
        r"(?:hope|hoping|pray|praying|wish|wishing|waiting for) (?:\w+ ){0,2}?(?:something"
        r" (?:bad )?(?:happens|happened|would happen) to me|god (?:takes|would take|to take) me"
        r"|(?:my heart|it) (?:just )?stops)",
        r"(?:ready|want|wanna) to (?:go|be) (?:home )?(?:to|with) (?:god|jesus|my (?:late )?\w+ in"
        r" heaven)|(?:want|wanna|ready|need|time|going) to (?:\w+ ){0,5}?heaven",
        r"(?:want|wanna|going|gonna|need) to go where (?:my )?\w+ (?:went|is|are|has gone)",
        r"(?:think|thinking|thought|thoughts|thinkin) (?:about|of|bout) (?:dying|death|being dead"
        r"|not being here|not existing|killing|ending it|ending things|ending my|not waking"
        r"|how i d do it|how to do it)|death wish",
        r"(?:dont|do not) deserve to (?:live|be alive|be here|exist|wake up)",
        r"(?:might|may|probably|prob) not be (?:here|around|alive) (?:tomorrow|much longer|for long"
        r"|anymore|by (?:tomorrow|morning|then|the weekend|next week))",
        r"(?:me da igual|dont care whether) (?:\w+ ){0,2}?(?:live|die)",
        r"(?:live|living) or (?:die|dying)|wake up or not",
    ),
    rule(
        C,
        "suicide",
        "wish not to wake up",
        r"(?:and|to|just|want to|wanna|rather|prefer to) (?:just )?(?:not|never) wake up",
        r"(?:not|never) wake up (?:again|ever|anymore|tomorrow|in the morning)",
        r"(?:hope|hoping|wish|wishing|pray|praying|hoped|wished|prayed) (?:that )?i (?:dont"
        r"|do not|wont|will not|never|would not|wouldnt|didnt|did not|wouldn t) (?:ever )?(?:wake"
        r"|woke|make it)",
        r"(?:wish|wished|wishing) i (?:hadnt|had not|didnt|did not|never|would not|wouldnt)"
        r" (?:have )?(?:woken|woke|wake|waked)(?: up)?",
        r"(?:angry|upset|mad|sad|disappointed|annoyed) (?:that )?my heart (?:is )?still (?:beating|going)"
        r"|my heart (?:is )?still beating\b.{0,20}\b(?:angry|mad|unfortunately|sadly|why)",
        r"(?:upset|sad|angry|mad|disappointed|pissed|annoyed|devastated|furious) (?:that |bc |because"
        r" |cuz )?i (?:woke|work|still woke|m still here|am still here|m still alive|am still"
        r" alive|survived)",
        r"(?:woke|waking|wake) up (?:\w+ ){0,3}?(?:again|still here|still alive) (?:\w+ ){0,2}?"
        r"(?:unfortunately|sadly|damn|ugh|dammit|disappointed|no luck)",
        r"(?:still here|still alive|woke up again)(?: \w+)? (?:unfortunately|sadly|sigh|damn it)",
        r"(?:why|how) (?:do|did|does) i (?:keep|even|still) (?:wake|waking|waking up|wake up)",
        r"(?:sleep|rest|go to sleep|stay asleep|asleep) (?:and )?(?:forever|for good|permanently"
        r"|and stay there|and stay asleep)|(?:sleep|nap) that (?:lasts|never ends)"
        r"|hoping it sticks|hope it sticks",
        r"(?:keep|kept|ketamine|infusion|k hole|khole|meds?) (?:\w+ ){0,3}?(?:me )?under"
        r" (?:permanently|forever|for good)|(?:not|never) (?:come|coming) back (?:from|up)",
    ),
    rule(
        C,
        "suicide",
        "not wanting to live",
        r"(?:no|nothing|not any|not a single|zero) (?:reason|reasons|point|purpose) (?:to|in|for)"
        r" (?:live|living|go on|going on|be alive|being alive|keep going|continue|wake up|waking up"
        r"|being here|exist|existing|stay|staying|try|trying|me)",
        r"nothing (?:left )?to live for|no (?:future|life) (?:for me|left)",
        r"(?:life|living) (?:isnt|is not|aint|s not|not) worth (?:living|it)|not worth living"
        r"|it (?:isnt|is not|aint|s not) worth (?:living|it anymore)",
        r"(?:not sure|dont know|idk|unsure|no idea) (?:if |whether )?i (?:even )?(?:want|wanna)"
        r" (?:to )?(?:be alive|live|be here|exist|keep living|stay alive|keep going|wake up)",
        r"(?:easier|better) (?:to not|not to|if i (?:wasnt|werent|was not|were not|didnt)) (?:be here"
        r"|be around|exist|here|around|be alive|alive|wake up)",
        r"whats the point (?:of|in) (?:living|life|going on|being alive|me|waking up|existing"
        r"|even trying)",
        r"why (?:should|do|would) i (?:even )?(?:bother )?(?:live|living|keep living|go on|stay"
        r" alive|wake up|keep waking up|keep going|be alive|exist)",
        rf"(?:cant|cannot|can not|unable to) (?:go on|keep going|keep living|continue living"
        rf"|live like this|live with this|do life|do this life|keep doing life|keep existing){ERRAND}",
        r"(?:wont|will not|not going to|not gonna|aint gonna|wont be|not) be (?:around|here|alive)"
        r" (?:much longer|any longer|for long|for much longer|anymore|any more|to see|forever"
        r"|for (?:the |my )?(?:next|another|day|infusion|appointment|follow))",
        r"(?:not going to|not gonna|wont|will not|i wont) be (?:around|here)$",
        r"(?:wont|will not|not going to|not gonna|aint gonna|no longer) be (?:a )?(?:problem|burden"
        r"|bother|nuisance|trouble|issue|drain) (?:(?:for|to) (?:anyone|anybody|everyone|you all"
        r"|you guys|my family|my kids|people|them|you)|much longer|any longer|anymore|for long"
        r"|soon|after (?:tonight|today|this))",
        r"(?:wont|will not|wont be|not going to|not gonna) (?:need|be needing|be making it to"
        r"|make it to|be coming to|come to|show up (?:to|for)|be at) (?:any (?:more )?|my |future"
        r" |these |the |more |another |the next |my next )?(?:appointments?|infusions?|treatments?"
        r"|meds|medications?|them|refills?|check ins?|follow ups?|sessions?|day \d+)"
        r"(?: \w+)? (?:anymore|after (?:tonight|today|this)|again|ever|because|bc|where i m going"
        r"|soon|after)",
        r"(?:there (?:wont|will not) be|there s no) (?:a |another |any )?(?:next|day \d+|tomorrow)"
        r"(?: (?:infusion|appointment|time|for me))?",
        r"(?:give|giving|gave) (?:my|the) (?:spot|slot|appointment|place) to someone (?:who|else)",
    ),
    rule(
        C,
        "farewell",
        "farewell",
        r"goodbye (?:forever|everyone|everybody|world|cruel world|for good|to (?:everyone|all"
        r"|you all|the world)|all|y all|yall|and thank you for trying)",
        r"(?:this is|its|it is|this is my|final|last|my) goodbyes?(?! (?:for now|to (?:my old"
        r"|the old|our old)|party))",
        r"(?:said|saying|say|told|telling) (?:bye|goodbye|goodbyes) to (?:everyone|everybody|all"
        r"|the people|those)",
        r"(?<!since~)(?<!after~)(?<!at~)(?:my|this is (?:my|the)|its my|this will be my|this ll be my)"
        r" (?:last|final) (?:message"
        r"|text|msg|words|reply|check in|answer|time (?:texting|writing|answering|replying))",
        r"last time (?:you ll|you will|youll|ill|i ll|i will) (?:hear from me|answer|reply"
        r"|get a (?:text|reply|message)|text)",
        r"(?:wont|will not|never) (?:hear|see) (?:from )?me (?:again|anymore)",
        r"(?:for|by|after|when|once) (?:i m|im|i am) (?:gone|not here|not around|no longer here"
        r"|dead)(?! (?:on|for) (?:a |the |my )?(?:trip|vacation|holiday|week|weekend|business)"
        r"|(?:next|this) week)",
        r"(?:when|after|once) i (?:m|am) gone$|(?:when|after|once) i go for good",
        r"(?:goodbye|suicide|final|last|farewell) (?:note|notes|letter|letters|video|post)",
        r"(?:wrote|written|writing|write|left|leaving|leave|finished|finishing|typed|recorded)"
        r" (?:\w+ ){0,3}?(?:goodbye|final|last|farewell) (?:note|notes|letter|letters|message"
        r"|messages|text|texts|video|post)",
        r"(?:wrote|written|writing|finished|left) (?:\w+ ){0,2}?(?:notes?|letters?|cards?)"
        rf" (?:to|for) (?:everyone|everybody|the people|(?:my|all my|each of my) {FAMILY})",
        r"(?:wrote|written|writing|finished) letters? (?:tonight|today|last night)|letters? to"
        r" everyone",
        r"(?:note|letter|letters|envelope)s? (?:\w+ ){0,3}?(?:is|are|on|in) (?:on |in )?the"
        r" (?:table|counter|fridge|desk|nightstand|bed|drawer|kitchen|dresser)",
        rf"(?:give|giving|given|gave|rehom\w*|found a (?:new )?home for|finding (?:a )?homes? for)"
        rf" (?:away )?(?:all )?(?:of )?my (?:stuff|things|belongings|possessions|clothes|jewelry"
        rf"|guitar|car|{PETS})(?! to (?:goodwill|charity|the thrift))",
        rf"(?:gave|give|giving|left) my {PETS} (?:\w+ ){{0,4}}?(?:for good|permanently|forever"
        rf"|for when|after|so (?:he|she|they) s? (?:taken care|looked after|ok))",
        rf"(?:take care|look after|taking care|looking after|watch|watching) (?:of )?(?:my )?(?:{PETS}"
        rf"|{FAMILY})(?: \w+)? (?:for me|after|when|once|forever|for good)",
        rf"(?:make sure|please make sure|promise) (?:\w+ ){{0,3}}?my (?:{PETS}|{FAMILY})"
        rf" (?:\w+ ){{0,4}}?(?:taken care of|looked after|ok|okay|knows|know|is fed|are fed)",
        r"(?:put|putting|get|getting|got|have|had) (?:all )?my affairs in order(?!.{0,50}\b(?:taxes"
        r"|passport|trip|travel|move|moving|vacation|europe|retirement|estate planning|wedding"
        r"|baby|surgery|house|closing))|affairs are in order\b.{0,20}\b(?:now i|so|for when)",
        r"(?:made|making|updated|updating|wrote|writing|finished|signed) (?:out )?my will\b"
        r"|(?:plan\w*|pick\w*|chose|choosing) (?:out )?my (?:own )?(?:funeral|casket|coffin|urn"
        r"|headstone|burial|cremation|obituary)",
        r"(?:passwords?|bank (?:info|details|accounts?)|life insurance|pin numbers?)(?: \w+){0,6}"
        r" (?:for|to) (?:my )?\w+ (?:so|to|after|for after|when|in case)",
        r"(?:so|then) (?:they|he|she|you|my \w+) (?:can|could|will) (?:close|cancel|deal with|handle"
        r"|sort out) my (?:accounts|stuff|things|bills|affairs|phone)",
        rf"(?:tell|let|make sure) my {FAMILY} (?:that )?(?:i (?:love|loved|m sorry|am sorry"
        rf"|tried)|know i (?:love|loved|tried|m sorry))",
        r"(?:tell|let) (?:\w+ ){0,3}?(?:i m sorry|im sorry|i am sorry|it wasnt (?:her|his|their"
        r"|your) fault|it s not (?:her|his|their|your) fault)",
        r"(?:im|i m|i am) sorry for everything|sorry for (?:being|all the) (?:a )?(?:burden"
        r"|trouble|pain)|please forgive me$|forgive me for (?:everything|what i m about to do"
        r"|this|what i did)",
        r"(?:see you|see ya|meet you) (?:on the other side|in (?:another|the next) life|in heaven"
        r"|someday in heaven)",
        r"(?:take|taking) me off (?:the|your|this) list(?: \w+)? (?:i|bc|because|wont)",
        r"(?:my|this is my|its my) (?:last|final) (?:day|night|week|weekend|morning|sunset)"
        r" (?:on earth|alive|here|on this earth|in this world)|last (?:day|night) of my life",
        r"(?:love|loved) (?:you|yall|you all|u all|u guys|you guys)(?: \w+){0,4} (?:goodbye|bye"
        r" forever|farewell|always will)",
        r"(?:thank\w* (?:you )?(?:for everything|for trying|for all you(?: ve)? (?:done|tried))"
        r"|you all tried)(?:\W+\w+){0,8}? (?:goodbye|bye|farewell|im sorry|i m sorry|it wasnt enough"
        r"|it didnt work|nothing more|no more|its over|i m done|im done)",
        r"(?:im|i m|i am) (?:so )?done\b.{0,30}\b(?:goodbye|bye|forever|for good)",
    ),
    rule(
        C,
        "plan",
        "a plan, a date or a method chosen",
        r"(?:tonight|today|tomorrow|this weekend|this week|friday|saturday|sunday|monday|tuesday"
        r"|wednesday|thursday)(?:s| s| is)? the (?:night|day)\b(?!.{0,40}\b(?:recital|party|show"
        r"|game|concert|date|wedding|premiere|finale|debut|birthday|dinner|play|match|opening"
        r"|graduation|interview)\b)",
        r"(?:picked|chose|chosen|set|decided on|have|got) (?:a|the|my) (?:date|day|time|place"
        r"|spot|hour)\b",
        r"(?:i|ive|i ve) (?:have|got|made|worked out|figured out|thought out|planned out)"
        r" (?:a|the|my|it all|everything) (?:plan|planned|figured out|worked out|thought out)",
        r"(?:i|ive|i ve) (?:have|got) a plan|(?:have|got) it all planned|it s all planned|plan is (?:set"
        r"|ready|in place)",
        r"(?:i )?(?:know|figured out|worked out|decided|planned|researched) (?:exactly )?(?:how"
        r"|where|when) (?:i ll|i d|id|i will|i would|im going to|i m going to|i m gonna|to) (?:do"
        r" it|make it stop|end it|go|get out|leave)",
        r"(?:i )?know (?:exactly )?(?:how|where)\b.{0,20}\b(?:know (?:how|where|when))",
        r"(?:made|making) (?:my )?peace with (?:it|dying|death|leaving|my decision|what i m"
        r" going to do)|(?:have|ve) made my peace|at peace with (?:what comes next|what s next|it all"
        r"|dying|leaving|my decision)|(?:do not|dont|don t|please dont) try to (?:reach|find|stop"
        r"|contact|call) me",
        r"calm\b.{0,30}\b(?:decided|decision|made up my mind)|now that i (?:ve |have )?decided",
        r"(?:ive|i ve|i have|i) (?:made|reached) (?:my|the|a) (?:decision|choice) (?:\w+ ){0,3}?"
        r"(?:end|go|leave|tonight|done|for good|peace)",
        r"(?:going to|gonna|will|ready to|about to|plan to|planning to|decided to) do it (?:tonight"
        r"|today|now|soon|this weekend|tomorrow|after|when)",
        r"(?:doing|do) it my (?:own )?way (?:now|tonight)|my way now|(?:i m|im|i am) doing it my way$",
        r"(?:figuring|figured|working|worked) out how (?:i d|id|to|i would|i ll|i will) (?:do it|end"
        r"|go)|(?:bought|got|have) (?:the|some|extra) (?:pills|rope|gun|blades) (?:just )?in case",
        r"(?:keep|kept|still|been|constantly|always|cant stop|can t stop) (?:\w+ )?(?:planning"
        r"|thinking about|imagining|picturing|researching|rehearsing|going over) (?:how|when|where"
        r"|the way|ways) (?:i d|i would|i ll|to|i could|i m going to|im going to|it would)"
        r"|(?:but|though) (?:i )?(?:keep|still|cant stop|can t stop|sometimes|often|always"
        r"|constantly) (?:think\w*|picture\w*|imagin\w*|plan\w*) (?:about )?(?:it|that|doing it"
        r"|dying|death|how)",
        r"(?:only|just) (?:one|1) way (?:out|this ends|to make it stop|left)",
        r"(?:i m|im|i am) (?:ready|prepared)(?: to go| now)?$|ready to go now",
        r"(?:this|it|everything)(?: will| ll|ll| is going to| s going to| gonna)? (?:all )?be over"
        r" (?:soon|tonight|tomorrow|by|one way)",
        r"(?:waiting|wait) (?:for|until|till|til) (?:everyone|everybody|they|the kids|my \w+)"
        r" (?:is |are )?(?:asleep|gone|leaves?|goes|go to sleep|fall asleep)",
        r"(?:waiting|wait) (?:for|until|till|til) (?:the weekend|tonight|tomorrow|friday|saturday"
        r"|sunday|monday|tuesday|wednesday|thursday|next week|after (?:the|my) \w+)\b",
        r"(?:have|got|keep|kept) (?:the |my |some |all my )?(?:pills|meds|tablets|insulin)"
        r" (?:saved|stashed|hidden|ready|counted|put away)",
        r"(?:a )?(?:test|practice|trial) run|practiced (?:it|how)|(?:tested|testing) (?:the|if the)"
        r" (?:rope|knot|beam|belt|cord)",
    ),
)
