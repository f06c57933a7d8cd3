"""English crisis rules: self-harm by any method, not being safe, overdose, means,
hopelessness and pleas for help."""

from __future__ import annotations

from followup.replies.triage.crisis_en import (
    DRINKS,
    MANY,
    MYSELF,
    PER_DAY,
    PILLS,
    ROUTINE,
    TAKE,
    C,
)
from followup.replies.triage.findings import rule

HARM = (
    rule(
        C,
        "self_harm",
        "self-harm",
        r"(?:cut|cuts|cutting|cutted|hurt|hurts|hurting|harm|harming|harmed|burn|burns|burning|burned"
        r"|burnt|punish|punishing|punished|starve|starving|starved|scratch\w*|hit|hitting|banging"
        r"|banged"
        r"|beat\w*|stab|stabbing|bite|biting|bit|slap\w*|punch\w*|choke|choking|strangl\w*|bruis\w*"
        rf"|carv\w*|mutilat\w*|poison\w*|drown\w*|hang|hanging|hanged|shoot|shooting|shot) {MYSELF}",
        r"\bsh ?d\b|\bshed (?:again|tonight|last night)|"
        r"self harm\w*|selfharm\w*|self injur\w*|self mutilat\w*|\bsh\b(?= (?:again|urges?|relapse"
        r"|tonight|last night|today))|(?:relaps\w*|urges?) (?:on |to |of )?sh\b|\bnssi\b",
        r"(?:cut|cutting|slit|slitting|slice|slicing|slash\w*|carv\w*|sliced|cuts on) (?:open )?"
        r"(?:my |both )?(?:wrists?|arms?|legs?|thighs?|skin|veins?|stomach|hips?|forearms?|ankles?)",
        r"(?:cutting|burning|scratching|picking) again|started cutting|urges? to (?:cut|burn"
        r"|hurt|harm|bleed)|relaps\w*\b.{0,60}\b(?:cut\w*|burn\w*|harm\w*|sh\b)",
        r"(?:i|just|last night|again|today) (?:cut|burned|burnt)(?: again| deeper| tonight)?$"
        r"|(?:i|ive|i ve|i have) (?:cut|been cutting|been burning)(?: again| deeper)",
        r"(?:cut|cuts|cutting|burn|burns|burned|burnt) (?:\w+ ){0,3}?(?:deeper|deep enough|too deep"
        r"|where (?:no one|nobody|noone) (?:can )?see\w*)",
        r"(?:held|hold|holding|put|pressed|pressing|press) (?:a |the |my )?(?:lighter|cigarette"
        r"|cig|flame|candle|iron|hot \w+|match|matches|lit \w+|curling iron|stove|burner|ice and"
        r" salt) (?:\w+ ){0,3}?(?:to|on|against|into) (?:my|me)\b",
        r"(?:burn\w*) (?:\w+ ){0,3}?(?:with|on) (?:a |the |my )?(?:lighter|cigarette|cigs?"
        r"|candle|iron|curling iron|stove|burner|boiling water|hot water|matches)",
        r"(?:punch\w*|hit\w*|bang\w*|smash\w*|slam\w*|beat\w*) (?:my )?(?:head|fists?|hands?"
        r"|knuckles|face) (?:\w+ ){0,3}?(?:against|into|on|off) (?:the |a )?(?:wall|walls|door"
        r"|floor|mirror|desk|concrete|brick)",
        r"(?:punch\w*|hit\w*) (?:the |a )?(?:wall|walls|door|mirror) (?:\w+ ){0,4}?(?:until|till|til"
        r"|bled|bleed|broke|bloody|on purpose|to feel)",
        r"(?:scratch\w*|pick\w*|dig\w*|claw\w*|rip\w*|tear\w*|pull\w*) (?:\w+ ){0,4}?(?:until|till"
        r"|til|so) (?:it |they |my \w+ )?(?:bled|bleed|bleeds|bleeding|raw|scar|open|dont heal"
        r"|wont heal)",
        r"(?:reopen\w*|re open\w*|opened up|picking at|pick at|ripped open) (?:\w+ ){0,2}?(?:my )?"
        r"(?:wounds?|scabs?|cuts|scars|stitches)",
        r"(?:haven t|havent|have not|not) (?:eaten|eat|eating) (?:\w+ ){0,3}?(?:on purpose|to"
        r" punish|as punishment|because i don t deserve|bc i dont deserve)",
        r"(?:dont|do not) deserve (?:to eat|food)|(?:starving|starve) (?:myself|on purpose)",
        r"(?:made|make|making) (?:myself|me) (?:bleed|throw up (?:on purpose|to punish)|suffer)",
        r"(?:on purpose|intentionally|deliberately|to feel something|to punish myself|to feel"
        r" better|to cope|to feel the pain|so i could feel|so it would hurt)\b",
        r"(?:blades?|razors?|box cutter|sharpener|glass|scissors|knife|safety pin) (?:\w+ ){0,4}?"
        r"(?:to|on|into|across|against) my (?:wrists?|arms?|legs?|thighs?|skin|stomach|hips?)",
        r"(?:took apart|broke|hid|hiding|hide|keep|stash\w*|bought) (?:\w+ ){0,2}?(?:a |my |the )?"
        r"(?:razor|pencil sharpener|sharpener) (?:blades?|for)|(?:hid|hiding|stashed) (?:\w+ ){0,2}?"
        r"(?:blades|razors)",
        r"(?:streak|clean|days? clean|weeks? clean)(?: \w+){0,3} (?:broke|broken|ended|is over|gone)"
        r"|broke my (?:\w+ )?(?:streak|clean time)",
    ),
    rule(
        C,
        "safety",
        "not safe",
        r"(?:dont|do not|dont really|not) feel safe(?! (?:driving|to drive|on the road|at the"
        r" clinic|with the))|not safe (?:with|around|by|from) myself",
        r"(?:i m|im|i am|i feel|feeling) (?:so |very |really |totally |just )?(?:unsafe|not safe)",
        r"(?:i m|im|i am) not safe(?! (?:to drive|driving|to be driving))",
        r"(?:cant|cannot|can not|dont think i can|not sure i can|unable to) (?:keep|stay) (?:myself"
        r" )?safe",
        r"(?:not sure|dont know if|don t think|doubt|dont trust that) (?:i|if i) (?:can|could|will"
        r" be able to) (?:stop|hold|control|keep) myself",
        r"(?:dont|do not|cant|cannot) trust myself",
        r"(?:scared|afraid|terrified|frightened|worried) (?:of|about) (?:myself|what i (?:might"
        r"|will|could|may|ll|m going to) do)",
        r"(?:scared|afraid|terrified|frightened|worried) i (?:will|might|ll|could|may|m going to)"
        r" (?:do something|hurt|act|actually|go through|not stop)",
        r"(?:a )?danger to (?:myself|my self)",
        r"(?:cant|can t|cannot|wont|won t|not going to) (?:promise|guarantee|say) (?:\w+ ){0,2}?"
        r"(?:i ll|i will|that i|i m|im|i d|anything|tomorrow|after tonight|i can)"
        r"|no promises|(?:tomorrow|after (?:tonight|that|today)|later|next time) i (?:dont|don t"
        r"|do not) know",
        r"(?:might|may|will|could|going to|gonna|about to) do something (?:stupid|bad|drastic"
        r"|i (?:can t|cant) take back|permanent|i ll regret)",
        r"(?:losing|lost|lose) (?:the|this) (?:fight|battle)|(?:urges?|thoughts?|voices?) (?:is"
        r" |are )?(?:too )?(?:strong|loud|winning|getting louder|telling me to)",
        r"(?:voice|voices) (?:\w+ ){0,4}?(?:tell\w*|say\w*) (?:me )?to (?:do it|jump|hurt|end|die"
        r"|kill)",
        r"(?:please|pls|plz|someone|somebody) (?:\w+ ){0,2}?(?:come get|come help|check on|find|stop) me"
        r"(?: (?:now|please|before|tonight))?$",
        r"(?:hold on|hang on|last) (?:much )?(?:longer|another night|through tonight)\b.{0,20}"
        r"\b(?:dont know|not sure|cant|can t)|(?:dont know|not sure) (?:how much longer|how long)"
        r" i can (?:hold on|hang on|last|do this|keep going)",
        r"(?:at|on) the (?:edge|end of my rope)\b.{0,40}\b(?:tonight|cant|anymore|done)",
        r"(?:\w+ ){0,1}(?:an? )?(?:close call|near miss)\b.{0,20}\b(?:myself|last night|tonight)",
        r"(?:almost|nearly|close to|so close to) (?:did|doing|do) it|(?:stopped|talked) myself"
        r" (?:out of it|down)",
    ),
    rule(
        C,
        "overdose",
        "overdose",
        r"overdos\w*|over dos\w*|oded|oding|o d ing|(?:lethal|fatal|deadly|toxic) (?:dose|amount)",
        rf"{TAKE} (?:all|every one|each|the rest|the whole lot) (?:of )?(?:them|mine|it|my {PILLS}"
        rf"|the {PILLS}|of my {PILLS})|{TAKE} (?:them|those|these|it) all",
        r"(?:double|triple|quadruple) ?dos\w*",
        rf"(?:{TAKE} (?:\w+ )?(?:a )?(?:lot|lots|bunch|ton)|all|whole|entire|every|handful"
        rf"|handfuls|bunch|too many|too much|so many|way too many|a lot more|extra) (?:of )?"
        rf"(?:my |the |these |those |her |his |their |moms |dads |\w+ s )?{ROUTINE}(?:\w+ )?{PILLS}",
        r"took everything(?! (?:you|u|they|she|he|the (?:doctor|nurse|dr)|in me|out of me"
        r"|seriously|to heart|off)\b)",
        rf"(?:whole|entire|half (?:a|the)|half of the|full) (?!{DRINKS})(?:\w+ )?(?:bottle|pack"
        rf"|packet|box|blister|jar|prescription|script|strip|sleeve|month s supply|supply)s?"
        rf"(?! of {DRINKS})",
        rf"bottles? of {PILLS}",
        rf"swallow\w*\b.{{0,30}}\b{PILLS}",
        rf"{TAKE} (?:like |about |around |maybe |over |at least |almost )?{MANY} (?:of )?(?:my |the"
        rf" |these |those |his |her |extra )?(?:\w+ )?{PILLS}{PER_DAY}",
        rf"{MANY} (?:of )?(?:my |the |these |those |his |her )?(?:\w+ )?{PILLS}"
        rf" (?:\w+ ){{0,3}}?(?:at once|all at once|down|together|with (?:vodka|wine|beer|whiskey"
        rf"|alcohol|booze|liquor))",
        rf"{TAKE} (?:like |about |around |maybe |over |at least )?{MANY} of (?:them|those|these|my"
        rf"|the)",
        rf"(?:stockpil|hoard|stash|sav|hid|hidd|collect|count|squirrel\w* away|put\w* aside|set\w*"
        rf" aside|kept|keep\w*|lin\w* up|sort\w*|gather)\w* (?:up )?(?:all )?(?:of )?(?:enough (?:of )?)?"
        rf"(?:my |some |the |extra |enough |every |his |her |the old )?(?:\w+ )?{PILLS}(?! (?:organizer|box|case"
        rf"|for (?:the )?(?:week|trip|vacation)|in the (?:car|bag)|refill))",
        rf"{PILLS} (?:\w+ ){{0,4}}?(?:saved up|stockpiled|hoarded|stashed|counted out|lined up"
        rf"|ready|all together|in a pile|enough)",
        r"stockpil\w*|(?:enough|plenty) (?:\w+ ){0,2}?(?:pills|meds|tablets|insulin) (?:to|for)"
        r"|(?:pills|meds|tablets|insulin) (?:\w+ ){0,3}?(?:is|are|would be|should be) enough",
        rf"(?:{TAKE}|mixed|mixing|mix|wash\w*|washed) (?:\w+ ){{0,4}}?{PILLS}? ?(?:\w+ ){{0,3}}?"
        r"(?:with|down with) (?:a (?:whole )?bottle of |a fifth of |half a bottle of )?(?:vodka"
        r"|whiskey|whisky|wine|tequila|rum|gin|alcohol|booze|liquor|beer|beers|drinks|shots)"
        r"(?! (?:last weekend|at the party))",
        r"(?:pills?|meds|xanax|ambien|sleeping pills|tylenol|advil|oxy\w*) (?:\w+ ){0,2}?(?:and|with"
        r"|plus|\+) (?:a (?:whole )?bottle of |the )?(?:vodka|whiskey|whisky|wine|tequila|rum|gin"
        r"|alcohol|booze|liquor)",
        r"(?:drank|drinking|drink|swallowed|swallow) (?:\w+ ){0,2}?(?:bleach|antifreeze|poison"
        r"|drain cleaner|rat poison|weed killer)",
    ),
    rule(
        C,
        "means",
        "means with intent",
        r"jump(?:ing|ed|s)? (?:off|from|in front of|out of) (?:a |the |this |that |my |our"
        r" )?(?:\w+ )?(?:bridge|roof|rooftop|building|cliff|balcony|overpass|ledge|window|tower"
        r"|parking (?:garage|structure|deck)|top floor|top level|edge|train|traffic|freeway|highway"
        r"|dam|river|lake|water|platform|subway|tracks)",
        r"(?:jump|step|walk|run|throw myself|lie down|lay down)\w* (?:out )?(?:in front of|under)"
        r" (?:a |the |an )?(?:train|truck|bus|car|subway|traffic|semi|oncoming|freight)",
        r"(?:drive|drove|driving|steer|steering|swerve|swerving|walk|walked|walking)\w* (?:my car )?"
        r"into (?:a |the |an )?(?:train|truck|bus|traffic|semi|oncoming|freight|pillar|tree|wall"
        r"|median|river|lake|ocean|sea)",
        r"hang(?:ing|ed)? (?:myself|my self|from)|noose|(?:tie|tied|tying) (?:a |the )?(?:knot"
        r"|noose|rope|belt|cord)(?! (?:for|to|around) (?:the|my) (?:tree|boat|tent|hammock|dog))",
        r"(?:rope|belt|cord|extension cord|sheet) (?:\w+ ){0,3}?(?:ready|tied|up|strong enough"
        r"|holds?|is enough|around my neck|beam|ceiling|rafter|closet rod|door ?frame|bannister)",
        r"(?:bought|got|have|has|found|picked up|ordered) (?:a |the |some )?rope\b(?! (?:for|to tie"
        r"|to hang (?:the|a|my) (?:hammock|swing|clothes|plants|lights)))",
        r"(?:beam|ceiling|rafter|rafters|closet rod|door ?frame|bannister|banister|railing) (?:\w+ )"
        r"{0,4}?(?:hold|holds|strong enough|will hold|would hold)",
        r"(?:standing|sitting|up|im|i am|i m|parked|here) (?:on|at|by|near|under) (?:the|a|this"
        r"|that) (?:\w+ )?(?:edge|ledge|roof|rooftop|cliff|railing|bridge|overpass|tracks|top"
        r" floor|top level|parking garage|river|water)",
        r"(?:looking|looked|staring|stared|peeking|peering) (?:down|over) (?:from|off|at|over)"
        r" (?:the |a )?(?:\w+ )?(?:bridge|roof|edge|ledge|railing|balcony|overpass|cliff|water"
        r"|river|tracks|top)",
        r"how (?:high|tall|far down|deep|cold) (?:\w+ ){0,4}?(?:bridge|building|roof|garage|water"
        r"|river|fall|drop|overpass|cliff)",
        r"(?:drive|drove|walk|walked|went|go|going|heading|headed|took the car) (?:\w+ ){0,3}?"
        r"(?:to|out to|up to) (?:the |a )?(?:\w+ )?(?:bridge|cliff|overpass|train tracks|tracks"
        r"|top floor|roof|rooftop|parking garage|woods)\b.{0,40}\b(?:tonight|last|one more|time"
        r"|again|alone|end|goodbye|done|jump|sit|watch|think)",
        r"(?:engine|car|motor|truck) (?:is )?running\b.{0,40}\b(?:garage|closed|shut)|garage\b.{0,40}"
        r"\b(?:engine|car|motor) running|(?:hose|tape|tube) (?:\w+ ){0,3}?(?:exhaust|tailpipe"
        r"|window)|(?:exhaust|tailpipe)\b.{0,30}\b(?:hose|tape|window)",
        r"(?:drive|driving|drove|crash|crashing|steer|steering|swerve\w*)\w* (?:my |the )?(?:car )?"
        r"(?:off|into) (?:a |the )?(?:cliff|bridge|wall|tree|river|lake|ocean|traffic|oncoming"
        r"|pillar|median|semi|truck)|crash(?:ing)? (?:my|the) car (?:on purpose|into)|want to crash",
        r"(?:gun|pistol|rifle|shotgun|revolver|firearm|glock|handgun|weapon|bullet)s? (?:\w+ ){0,3}?"
        r"(?:to|in|against|under|at) my (?:head|mouth|temple|chin|chest|heart)",
        r"(?:loaded|cleaned|cleaning|bought|buying|got out|took out|taking out|holding|held|staring"
        r" at|sitting with|found|have|got|keep|keeping|checked|unlocked|hid|load)\w* (?:up )?(?:a |the"
        r" |my |his |her |my dads |my husband s |dad s |dads |grandpa s )?(?:new )?(?:gun|pistol"
        r"|rifle|shotgun|revolver|firearm|glock|handgun|45|9mm|38)s?\b(?! (?:show|safe class|range"
        r" day|for hunting season|cleaning kit))",
        r"(?:gun|pistol|rifle|shotgun|revolver|firearm|glock|handgun)s? (?:is |s )?(?:loaded|cleaned"
        r"|ready|in (?:my|the) (?:lap|hand|glovebox|glove box|nightstand|drawer|car))",
        r"(?:one|a|1|last) bullet|blow my brains|pull(?:ing)? the trigger|shoot (?:myself|me)",
        r"(?:drown(?:ing)? (?:myself|my self)|carbon monoxide|helium (?:tank|bag)|charcoal"
        r" (?:grill|burner)? ?in (?:the|my) (?:bathroom|room|car))",
        r"(?:razor blades?|the blade)\b.{0,30}\b(?:wrist|arm|vein|tonight|ready|again)",
        r"(?:knife|knives|blade|razor)s? (?:\w+ ){0,3}?(?:wrist|wrists|throat|vein|veins|neck"
        r"|to my|in my (?:room|bed|pocket))",
    ),
    rule(
        C,
        "hopelessness",
        "hopelessness",
        r"hopeless\w*|worthless|no hope (?:left|anymore|at all|for me)",
        r"(?:no|zero|lost all|lost|without) hope(?! (?:you|u|ur|to|so|that|we|it|all|everyone"
        r"|the|for the|its)\b)",
        r"(?:give|giving|gave|given) up on (?:life|living|everything|myself|me|getting better"
        r"|trying)|i give up$|(?:im|i m|i am) giving up$",
        r"(?:cant|cannot|can not) (?:do|take|handle|bear|stand) (?:this|it|life|anything|any of this"
        r"|the pain|living) (?:anymore|any more|any longer|much longer)|i cant anymore"
        r"|cant do this anymore",
        r"(?:im|i m|i am|i feel like|feel like|being|just|always) (?:such )?(?:a |nothing but a )?"
        r"(?:burden|drain|waste)(?! (?:on|to) (?:the|my) (?:budget|wallet))|burden (?:to|on|for)"
        r" (?:everyone|everybody|my family|you all|others|people|them|him|her)",
        r"(?:tired|sick|exhausted|done) (?:of|with) (?:living|life|being alive|existing|everything"
        r"|it all|fighting|trying|being me|waking up|this life|surviving)",
        r"(?:im|i m|i am|i m just|im just) (?:so )?done (?:trying|fighting|living|with life"
        r"|with everything|existing)|(?:^|(?<=[|?]~))done (?:trying|fighting)(?! to)\b",
        r"no point (?:anymore|in anything|in living|in trying|to anything|to life|in going on"
        r"|in me|in coming)",
        r"whats the point (?:anymore|of anything|of it all|of any of this|of trying|in trying)"
        r"|whats the point$",
        r"nothing matters|(?:doesnt|does not|dont|do not) matter anymore",
        r"(?:dont|do not|cant|cannot) see (?:the|any) point(?: (?:anymore|in anything|of anything"
        r"|in living|of living|in life))?$|see no point",
        r"(?:deserve|deserves) (?:a )?better (?:\w+ ){0,2}?than me|deserve(?:s)? someone (?:who isnt"
        r"|better than) me",
        r"(?:it|things|nothing|it s never|its never|this is never) (?:is )?(?:never )?(?:going to|gonna"
        r"|will) (?:ever )?get (?:any )?better|(?:wont|will not|will never|never) get (?:any )?better",
        r"dark thoughts|thoughts of (?:death|dying|hurting|harming)|(?:i m|im|i am|i feel like i m)"
        r" (?:in|at) (?:such )?a (?:really |very |so |super )?dark place",
        r"want out$|want out of (?:this life|life|this world|existence|everything|here)"
        r"|(?:want|need|looking for) (?:a |the )?way out",
        r"waste of (?:space|oxygen|air|life|skin)",
        r"(?:life|my life|living|everything|it all|existing) (?:is|feels|seems) (?:so )?(?:pointless"
        r"|meaningless|unbearable)",
        r"(?:want|wanna|need) (?:it|everything|this|all of this|the pain|life|it all|this pain"
        r"|the suffering|the noise|my brain|my head) to (?:end|stop|be over|shut up forever)",
        r"(?:dead|dying|empty) inside|no way out|(?:feel|feeling|im|i am|i m) (?:so )?trapped",
        r"(?:no one|nobody|noone) (?:cares|would care|will care|loves me|would even care)",
        r"if i (?:died|die|was dead|were dead|was gone|were gone|disappeared|wasnt here|werent here"
        r"|wasnt around)",
        r"hate (?:myself|my life|being alive|being me|existing|that i m alive)",
        r"(?:last|final) (?:chance|hope|try)\b.{0,40}\b(?:didnt|did not|isnt|not|failed|no)"
        r"|(?:didnt|did not|isnt|not) (?:working|help\w*)\b.{0,40}\b(?:last (?:chance|hope|resort)"
        r"|only hope)|(?:was|were) my last (?:hope|chance|resort)",
        r"(?:all|everything) i do is (?:take|hurt|ruin|disappoint)",
    ),
    rule(
        C,
        "plea",
        "a plea for help",
        r"^(?:please |pls |plz |someone |somebody )?help me(?: please| pls| plz| now)?$"
        r"|help me\b.{0,40}\b(?:cant take|cant do|scared|dont know what to do|im not ok|not okay"
        r"|please)",
    ),
)
