"""English crisis told without the usual words: by absence, by action, by metaphor;
what the corpus showed the other rules missed; distress without intent (review)."""

from __future__ import annotations

import re

from followup.replies.triage.crisis_en import (
    C,
)
from followup.replies.triage.findings import Level, rule

# Told without the usual words: by absence, by action, by a wish for it to be over.
MORE = (
    rule(
        C,
        "suicide",
        "wish for life to be over",
        r"(?:want|wish|need|hope|ready for) (?:for )?(?:my life|it all|this life|everything|me) to"
        r" (?:be over|end|stop)(?! (?:early|soon so|quickly so))",
        r"(?:urge|urges|pull|temptation|impulse) to (?:end (?:it|things|my life|everything)|die|jump"
        r"|kill myself|do it|go through with it|drive off|step in front)",
        r"(?:would|d|it d|itd|it would|wouldnt it) be (?:\w+ )?(?:fine|ok|okay|better|easier|good"
        r"|simpler|a relief|a gift|kinder|nice) (?:\w+ ){0,5}?(?:if i (?:just )?(?:didnt exist"
        r"|wasnt (?:here|around|alive)|werent (?:here|around)|was gone|were gone|disappeared|died"
        r"|crashed|got hit|never woke up|didnt wake up|stopped existing|wasn t|was dead)"
        r"|to (?:just )?(?:not be|not exist|not be here|be dead|die|disappear|stop))",
        r"(?:easier|better|simpler) (?:to )?(?:just )?(?:not be|not exist|stop existing)\b",
        r"(?:hoping|hope|wish|wishing|praying|pray) (?:that )?(?:i (?:get|got) (?:\w+ )?(?:sick"
        r"|hit|cancer|in an accident)|it takes me|something takes me|(?:it|this|tonight|the"
        r" infusion) (?:is|will be|would be) (?:the|my) last|tonight i close my eyes)",
        r"(?:ok|okay|fine|alright|at peace|good|content) with (?:not being (?:here|around|alive)"
        r"|dying|not waking up|never waking up|it ending|the end|going|leaving|not existing)",
        r"(?:waiting|wait) (?:to|for) (?:stop being alive|die|the end|it to be over|my turn to go"
        r"|my heart to stop)",
        r"(?:wouldnt|would not|wont|will not|dont|would not even) (?:mind|care) (?:if i (?:\w+ )?"
        r"(?:died|die|didnt wake|dont wake|got hit|crashed|was gone|wasnt here)|dying|not waking"
        r"|being dead)",
        r"if i (?:got|get) hit\b.{0,50}\b(?:wouldnt|would not|wont) (?:mind|care)",
        r"(?:pray|praying|ask|asking|hope|hoping|wish) (?:that )?(?:god|the lord|jesus|he|the universe)"
        r" (?:\w+ )?(?:takes|take|would take|will take|to take) me",
        r"(?:push|press|hit) a button and (?:just )?(?:disappear|not exist|be gone|stop existing|die)"
        r"|(?:disappear|disapear|vanish) for good",
        r"(?:if|ok|okay|fine|alright) if (?:my heart|i|it all) (?:just )?(?:stopped|stops|stop|quit)"
        r"|(?:my heart )?(?:just )?stopped (?:tonight|in my sleep)",
        r"(?:locked|locking) (?:himself|herself|myself|themselves) in\b.{0,40}\b(?:blood|pills|knife"
        r"|gun|razor|wont come out|not answering|won t answer)|blood under the door",
        r"(?:id|i d|i would) rather (?:not (?:be (?:around|here|alive)|exist|wake up|live)|be dead"
        r"|be gone|die)",
        r"(?:hate|hated|disappointed|let down|sad|annoyed|angry|upset|mad) (?:that |to see |i )?(?:i )?"
        r"(?:woke up|did|still woke|wake up|see daylight|saw daylight|am still here|m still here"
        r"|daylight|the sun|another (?:day|morning))"
        r"|woke up anyway|(?:another|one more) (?:morning|day) i (?:didnt|did not|dont) want"
        r"|tired of (?:opening my eyes|waking up|being alive|existing|breathing)"
        r"|(?:last|final) (?:sleep|night s sleep)|(?:dont|do not|please dont) let me wake up"
        r"|(?:close|shut) my eyes and (?:that s|thats|its|it s) it",
        r"(?:better|easier|happier|fine|better than fine|lighter|freer) (?:\w+ ){0,2}?(?:minus me"
        r"|without me(?: around)?|with me gone|once i m gone|when i m gone)",
        r"dead weight|(?:get|have|with) (?:the )?(?:life )?insurance (?:money|payout|policy)"
        r"\b.{0,30}\b(?:better|fine|easier|after)|(?:a )?gift to (?:my )?\w+ if i",
        r"(?:theyd|they d|they would|she d|he d|everyone d|everyone would) (?:\w+ ){0,2}?(?:be"
        r" fine|move on|get over it|be better|be happier)\b.{0,30}\b(?:without|better than fine"
        r"|fast|quickly|if i)",
        r"(?:i m|im|i am) (?:going|gonna) (?:the same way|where (?:he|she|they|my \w+) went)",
        r"(?:go|be|going to be|gonna be) with (?:my )?(?:late |dead )?(?:mom|mum|dad|mother|father"
        r"|brother|sister|son|daughter|husband|wife|grandma|grandpa|baby|friend)\b.{0,40}\b(?:passed"
        r"|died|gone|heaven)",
        r"(?:ready|want|going|gonna) (?:to )?go home\b.{0,20}\b(?:not that home|for good|to god"
        r"|heaven|forever)",
        r"(?:checking|check|clock\w*|log\w*|tap\w*|bow\w*|sign\w*) (?:out|off) (?:for good|permanently"
        r"|forever|of life)|permanent (?:vacation|sleep|solution|exit|nap|rest)|the big sleep|big nap"
        r"|(?:nap|sleep) (?:that|i) (?:i )?(?:dont|don t|won t|wont|never) wake (?:up )?from",
        r"(?:end|ending|stop|stopping) the pain (?:myself|for good|forever|permanently)",
        r"(?:my|make my|making my|plan my) exit|exit (?:plan|strategy)|the other (?:option|way out)"
        r"|(?:a|the|one) (?:door|way) out\b.{0,30}\b(?:keep looking|drawer|only|left|sitting|is)"
        r"|out of options except|(?:one|only) option left|(?:know|found) (?:my|the) (?:exit|way out)"
        r"|(?:getting|get) out of (?:this|here|life) (?:for good|forever|permanently)|i know how i m"
        r" getting out",
        r"(?:lights?|it all) to go out and stay (?:out|off)|(?:my )?time s up|my time is up"
        r"|(?:finished|done|through) with (?:being a person|being alive|being here|existing|living"
        r"|life|all of it)|the story ends|(?:it s|its|it is) (?:almost )?over for me",
        r"(?:dont|do not|don t) want (?:tomorrow|another day|to see (?:tomorrow|another day|next"
        r" week))|(?:hope|hoping) i (?:dont|don t|do not|never) see (?:tomorrow|next week|another"
        r" day|christmas|my birthday)|(?:dont|don t) see myself (?:making it|being here|alive)"
        r"|(?:not|never) (?:going to|gonna) make it (?:to|through) (?:christmas|tomorrow|tonight"
        r"|the week|my (?:next|birthday)|next)",
        r"(?:dont|don t|do not) trust (?:myself|me) with (?:them|my pills|my meds|the pills|a knife"
        r"|the gun)|(?:hold|keep|take) (?:onto |on to )?my (?:pills|meds|gun|knives) for me",
        r"(?:yeet|throw|toss|launch|fling|chuck) myself (?:off|from|in front)",
        r"(?:thinking|think|thought) about going over|going over the (?:edge|side|rail|railing)"
        r"|sat there\b.{0,30}\bthinking about (?:going over|jumping|it|doing it|ending)",
        r"hose\b.{0,40}\b(?:garage|car|exhaust)|(?:garage|car)\b.{0,40}\bhose",
        r"(?:better off|be fine|be ok|be better)\b.{0,30}\b(?:life insurance|insurance money)",
        r"(?:look|looks|looking) like an accident|so (?:the kids|they|my family|my \w+) (?:get|gets|can"
        r" get) (?:the )?(?:life )?insurance",
        r"(?:reading|read|looking|looked|researching|researched|googling|googled) (?:about |up |into )?"
        r"(?:methods|ways to die|ways to do it|how people (?:do it|die|kill themselves))",
        r"(?:knuckles?|fists?) (?:\w+ )?(?:split|bled|bleeding|broke|busted)|(?:wanted|want|needed)"
        r" (?:it|that|myself|my body) to hurt",
        r"blade out of (?:my |the |a )?(?:pencil )?sharpener|(?:sharpener|razor) blade\b.{0,40}"
        r"\b(?:next to me|in my hand|on my|ready)",
        r"(?:head|brain|mind|voices?) (?:\w+ )?(?:keeps? |is )?(?:telling|tells|told|saying) me to (?:do"
        r" something|hurt|kill|die|end|jump|do it)",
        r"(?:scared|afraid|terrified) of (?:my own hands|myself|what my hands)",
        r"(?:take|taking|swallow|down|eat) everything (?:in|from) (?:the|my) (?:cabinet|medicine"
        r" cabinet|bottle|drawer|pill box)|everything in the medicine cabinet",
        r"(?:not|never) (?:planning on|going to|gonna) (?:seeing|see) the end of (?:it|the day|the"
        r" week|my birthday)|(?:birthday|christmas)\b.{0,30}\bnot (?:planning on|going to)"
        r" (?:seeing|see|make)",
        r"\bme included\b|(?:including|and) me\b.{0,5}$",
        r"(?:happier|better|relieved)\b.{0,20}\bat my funeral|(?:picturing|imagining|thinking about)"
        r" my (?:own )?funeral",
        r"(?:fall|falling) asleep and (?:that (?:would be|d be|will be|s) the end|never wake|not wake)"
        r"|(?:that|it) (?:would|d) be the end of (?:it|me)\b",
        r"(?:waiting|wait) (?:till|until|for) the kids (?:are|go)?(?: back)? (?:at|to) (?:their|his|her)"
        r" (?:dads|moms|dad s|mom s|father s|mother s)",
        r"(?:texted|sent|said|posted|wrote)(?: me| us| her| him)? (?:a )?goodbye\b.{0,40}\b(?:isn t"
        r"|isnt|not|wont|won t) (?:picking up|answering|responding|reply\w*)",
        r"doing the math on (?:what|how much|how many)|what would be enough\b",
        r"(?:dont|don t|do not|not) (?:want|wanna) to be (?:more |any more |anymore )?in this world",
        r"(?:dont|don t|do not) see (?:for )?what (?:to|for) (?:wake up|live|keep going)",
        r"(?:i )?know how\b.{0,10}\b(?:now i know|and now)|now i know how",
        r"said goodbye\b.{0,40}\b(?:dont|don t|doesnt|didnt) know (?:that|it) (?:was|is) (?:a |the )?"
        r"(?:goodbye|last)",
        r"(?:dont|don t|do not|cant|can t) (?:think|see how) i (?:can|ll|will|could) (?:make it"
        r"|get|last|survive) (?:through )?(?:tonight|the night|today|another|until|till)",
        r"(?:(?:dont|don t|do not|not) )?(?:planning|plan) on (?:being (?:here|around|alive)|waking up"
        r"|making it)",
        r"(?:leaving|going) (?:and|&) (?:not|never) coming back|not coming back\b.{0,20}\b(?:not a"
        r" trip|for good|ever)|(?:and|to) (?:not|never) come back",
        r"(?:i m|im|i am) not (?:going to|gonna) be (?:anyone s|anybodys|a|your) (?:problem|burden)",
        r"(?:stop|quit) pretending and (?:go through|do it|end)|go through with it",
        r"(?:i m|im|i am) (?:letting go|giving up on (?:life|living|myself))$|i m letting go",
        r"(?:i m|im|i am) (?:so )?done(?: now)?$|^(?:so )?done living|^done$|so done living",
        r"^(?:goodbye|good bye|bye forever|farewell|sorry bye|sorry goodbye)$|bye forever",
        r"^(?:tonight|tonite|its time|it s time|this is it|last text|last message|ending it|going to"
        r" jump|gonna jump|on the bridge|pills taken|cut again|not safe|took them|its over|it s"
        r" over)$",
        r"(?:use|using|used) (?:it|the gun|the rope|them) on (?:myself|me)\b",
        r"(?:ideation|si|suicidal thoughts|thoughts) (?:is|are|s) (?:really |so |very )?(?:bad"
        r"|loud|strong|active|worse|intense)|\bsi (?:w|with|w/) (?:a )?plan|active (?:si|ideation)",
        r"by my own hand|(?:took|take|taking) matters into my own hands",
        r"(?:wishing|wish|wished) i (?:hadnt|had not|didnt|did not) come back",
        r"(?:want|wanna|wish|need) (?:that|this|it) (?:\w+ )?(?:permanently|forever|for good)"
        r"\b.{0,20}\b(?:dead|dying|gone|under|asleep)|(?:being dead|feeling dead|like dying)\b.{0,40}"
        r"\b(?:permanently|forever|for good)",
    ),
    rule(
        C,
        "farewell",
        "farewell or preparations",
        r"(?:say|said|saying|to say) (?:bye|goodbye|goodbyes|farewell) (?:properly|to (?:you|everyone"
        r"|yall|you all|all of you|the world|everybody))|(?:wanted|want|need|needed) to say (?:bye"
        r"|goodbye)$|(?:posted|left|wrote|sent) (?:a )?goodbye",
        r"(?:let|tell|make sure) (?:my )?\w+ (?:know|knows) (?:that )?(?:she|he|they|i) (?:was|were"
        r"|is|are|love|loved)\b.{0,30}\b(?:best|love|sorry|everything|after)",
        r"make sure (?:she|he|they|my \w+) knows?\b.{0,20}\b(?:after|when i m gone|i loved|i love)",
        r"(?:called|texted|told|messaged) (?:\w+ ){0,2}?(?:everyone|everybody|all of them|my family"
        r"|each of them) (?:today |tonight )?(?:to say|that) i love",
        r"(?:not|never) (?:gonna|going to) need (?:the|my|any|another) (?:\w+ ){0,2}?(?:check in|check ins"
        r"|appointment|infusion|reminder|texts?|messages?|refill)",
        r"(?:if anyone asks|tell them) i was (?:grateful|happy|sorry|loved)",
        r"(?:finished|wrote|done|finishing|writing|left) (?:my|the) (?:note|letter|letters|notes"
        r"|goodbyes)\b|(?:note|letter)s? (?:is|s|are) (?:done|finished|written|ready)",
        r"(?:instructions|a list|arrangements|plans) (?:for|about|so) (?:who (?:gets|takes)|nobody"
        r"|no one|my (?:stuff|things|cat|dog|kids))",
        r"(?:tying up|tie up|tied up) (?:all )?(?:the |my )?loose ends|all set now$|it s all set"
        r"|its all set|(?:everything|all) (?:is )?(?:sorted|handled|settled|arranged|taken care of)"
        r"\b.{0,40}\b(?:cat|dog|accounts|kids|bills|keys|after|rent|when)",
        r"(?:keys|passwords?|pin|will|insurance (?:papers|policy)|bank (?:info|stuff))(?: \w+){0,6}"
        r" (?:on the table|where (?:my )?\w+ (?:will|can) find|for (?:my )?\w+ to find)",
        r"(?:cat|dog|pets?|kids|fish|bird) (?:has|have|s|are|is) (?:a )?new home\b.{0,40}"
        r"\b(?:can go|ready|done|now|for good)|(?:gave|give|handed|giving) (?:\w+ ){0,2}?(?:my|her"
        r"|his) (?:cat|dog|house key|keys|pets?)\b.{0,60}\b(?:need|for good|take care|after"
        r"|gone|forever)",
        r"(?:writing|wrote|written) (?:to|for) (?:each of )?my (?:kids|children|family|sons"
        r"|daughters|parents)\b.{0,40}\b(?:find|drawer|after|when)",
        r"(?:rent|bills|mortgage) (?:is |are )?paid (?:through|thru|until|up)|so (?:no one|nobody)"
        r" has to deal with (?:it|anything|my \w+|the \w+) after|after that (?:it s|its) not my"
        r" problem|goodbye\b.{0,30}\b(?:you|u) (?:were|was) (?:the best|amazing|so kind|wonderful)|(?:cancelled|canceled"
        r"|cancel) (?:all )?my (?:subscriptions|appointments|accounts)\b.{0,40}\b(?:before|after"
        r"|wont|won t|not|end)",
        r"(?:wasnt|wasn t|was not|isnt|is not|its not|it s not) (?:the clinic s|your|her|his|their"
        r"|anyone s|the nurses) fault\b",
        r"(?:i ll|ill|i will) miss (?:u|you) (?:guys|all)|sory for everthing|sorry for everything",
        r"(?:this is|this will be|that this is|probably the) (?:\w+ )?last time (?:you|i) (?:hear"
        r"|text|write|answer|reply)",
        r"(?:wont|won t|will not|not going to|not gonna) be around for (?:it|them|that|the next"
        r"|my next)\b",
        r"(?:wont|won t|will not|not going to|not gonna) be (?:around|here) to (?:complain|see|care"
        r"|worry|deal with|answer|read|reply|know|feel|watch|hear|get|use|need|finish|attend"
        r"|complete|go on)\b",
        r"(?:wont|won t|will not|not going to|not gonna) (?:be )?(?:here|around|alive) (?:\w+ ){0,3}?"
        r"(?:for|on|by|to see|at) (?:my |the |day )?(?:next|\d+|seven|7|christmas|birthday"
        r"|appointment|infusion|check)",
        r"(?:not gonna|not going to|wont|won t) (?:make it|be there) (?:to|for) (?:my|the) next"
        r" (?:appointment|infusion|session)\b.{0,40}\b(?:not because|and not|doesnt mean|isnt)",
        r"(?:not|doesnt|does not) (?:mean|because of) (?:a )?(?:vacation|transport|a trip|trip)",
    ),
    rule(
        C,
        "plan",
        "a plan, a means or a time chosen",
        r"(?:counted|count|counting) (?:them|my pills|the pills|out)\b.{0,30}\b(?:\d{2,}|plenty"
        r"|enough|all)|(?:\d{2,}|plenty|enough)\b.{0,20}\b(?:thats|that s|that is|its|it s)"
        r" (?:plenty|enough)",
        r"(?:holding back|hold back|saving|set aside|setting aside|skipping) (?:a few of |some of )?"
        r"(?:my )?(?:meds|pills|doses)\b.{0,40}\b(?:stash|save|enough|all|up)",
        r"(?:looking up|looked up|researching|researched|googling|googled|reading about|looked into)"
        r" (?:\w+ ){0,3}?(?:doses|dosages|overdose|lethal|how much|how many|the exact amount"
        r"|amounts?|which bridge|how high|how to tie|knots|the drop|heights?)",
        r"(?:know|figured out|worked out) (?:the )?(?:exact )?(?:amount|dose|where and how|how and"
        r" where|how and when|when and how|where|the timing)\b.{0,20}\b(?:need|just need|take|it)",
        r"(?:stocking|stock|stocked|buying|bought) up on (?:tylenol|pills|meds|advil|sleeping pills"
        r"|\w+)\b.{0,40}\b(?:nobody|no one|different|notices|enough|stores)|(?:different|several"
        r"|multiple) (?:stores|pharmacies)\b.{0,30}\b(?:nobody|no one|notice|suspect)",
        r"(?:rehearsed|rehearsing|practiced|practicing|walked through) (?:it|the plan|how)"
        r"|(?:i )?know every step",
        r"(?:bought|got|have|picked up|ordered) (?:everything |all )?what i need(?:ed)?|got what"
        r" i need|bought the stuff|have everything i need",
        r"(?:the )?plan is (?:done|made|ready|set|finished|complete)|(?:the )?only thing left is"
        r" (?:doing|to do) it|just need the nerve|need the courage to do it",
        r"(?:refilled|filled) (?:\w+ ){0,3}?early\b.{0,40}\b(?:enough|bottles|all)|(?:two|2|three"
        r"|3|both) bottles\b.{0,30}\b(?:enough|should do|at once|emptied|gone|took)",
        r"(?:which|what) (?:bridge|building|overpass|cliff|parking garage) is (?:the )?(?:highest"
        r"|tallest|high enough)|(?:highest|tallest) (?:bridge|building|overpass) (?:around|near|in)",
        r"(?:lined|line) (?:them|the pills|my pills) (?:all )?up|(?:working out|figure out|figuring"
        r" out|planned) the timing|so nobody (?:walks in|finds me|stops me|comes home)",
        r"(?:gun|rifle|pistol)\b.{0,40}\b(?:thinking about it for me|use it for me|calling me|on my"
        r" mind)"
        r"|(?:keeps|keep|is) calling (?:me|my name)\b",
        r"(?:meds|pills|them) (?:are )?(?:in|on) my (?:hand|palm|lap)\b|all of them in my hand",
        r"waiting for (?:the )?(?:next )?train\b|(?:drive|driving|steer) (?:off|into) (?:the )?road"
        r"|drive off (?:the road|a cliff|the bridge)",
        r"(?:top of|up on|went up to|on) (?:the )?(?:parking structure|parking garage|building"
        r"|roof|overpass|bridge)\b.{0,40}\b(?:edge|again|jump|closer|looking down|how high)",
        r"(?:i )?know which (?:cliff|bridge|building|overpass|spot|tree)|(?:hour s|hour|minute s"
        r"|min) drive and (?:i ve|ive|i) got a full tank",
        r"emptied (?:\w+ ){0,2}?(?:bottles?|the bottle|my pill)|(?:took|swallowed|downed) my (?:whole"
        r" )?(?:month|week|months) (?:of|worth of) (?:meds|pills)|(?:month|week) s? (?:of|worth of)"
        r" (?:meds|pills) at once|getting sleepy\b.{0,20}\b(?:pills|took)|(?:pills|took them)"
        r"\b.{0,40}\bgetting sleepy",
        r"(?:rope|belt|cord|noose)s? (?:s |is )?in (?:the|my) (?:closet|car|trunk|garage|bag)"
        r"|(?:i )?keep thinking about (?:the )?(?:rope|gun|pills|bridge|tracks|knife|train|overpass)",
        r"(?:bridge|overpass|cliff|tracks|river)\b.{0,30}\b(?:min away|minutes away|i m in the car"
        r"|im in the car|on my way|heading there)|(?:on my way|heading) there\b.{0,10}\bbye",
        r"^(?:i ve|ive|i have|i) (?:already )?decided$|(?:i ve|ive|i have) decided\b.{0,30}\b(?:day"
        r"|date|when|how|yet)|"
        r"(?:i ve|ive|i have|i) decided (?:when|how|where|on a (?:date|day))|(?:i ve|ive|i have)"
        r" decided i m not doing (?:it|this) anymore|(?:it s|its|it is) decided|made up my mind"
        r"|my mind is made up",
        r"(?:is|s) when$|(?:that s|thats|that is|this weekend is|saturday is|friday is|sunday is"
        r"|tomorrow is) when\b",
        r"(?:sitting|sat) (?:\w+ ){0,2}?(?:in the (?:car|truck) in the garage|by the (?:river|water"
        r"|tracks|lake)|on the (?:ledge|edge|roof|bridge|tracks))",
        r"(?:birthday|anniversary)\b.{0,30}\b(?:going to do it|gonna do it|do it)|do it on my"
        r" birthday",
        r"(?:stopped|stop|quit) taking (?:my )?(?:meds|pills)\b.{0,20}\b(?:save|stash|all at once"
        r"|later)",
        r"(?:i ll|ill|i will|i m going to|im going to|gonna) (?:just )?(?:go|drive|walk) (?:off|into)"
        r" (?:the )?(?:road|river|lake|ocean|woods and not)",
        r"(?:i )?(?:have|got|own) (?:the|my) (?:pills|gun|rope|rifle)(?: now| here| ready)?$"
        r"|(?:i )?have the (?:pills|rope|gun|means)\b.{0,10}\b(?:now|this is it|ready|tonight)",
        r"^(?:i )?(?:have|got|bought|keep|hid|found) (?:a |the |some |my )?(?:razor blades?|blades"
        r"|noose)\b|(?:cancel|delete) (?:all )?my (?:future |remaining |next )?(?:appointments"
        r"|infusions|sessions)\b.{0,30}\b(?:wont|won t|will not) need",
        r"(?:hide|hid|hiding|lock up|take away) (?:the )?(?:knives|pills|meds|guns?|razors)"
        r" (?:from|away from) me",
        r"(?:take|taking|took) (?:the )?(?:pills|meds|knives|gun) away from me",
    ),
    rule(
        C,
        "self_harm",
        "self-harm by other means",
        r"(?:bit|bite|biting|chew\w*) (?:my |into my )?(?:hand|arm|lip|wrist|fingers?|cheek)\b.{0,20}"
        r"\b(?:bled|bleed|blood|raw)",
        r"(?:till|until|til) (?:it |they )?(?:bled|bleed|bleeds|was raw|is raw|s raw|its raw|it s raw"
        r"|blistered|blisters|scarred)",
        r"(?:carved|carve|carving|etched|scratched) (?:\w+ ){0,3}?(?:into|in|on) my (?:stomach|arm|arms"
        r"|leg|legs|thigh|thighs|skin|wrist|chest|hip)",
        r"(?:haven t|havent|have not|not) (?:eaten|eat|had food)\b.{0,30}\b(?:i don t deserve|i dont"
        r" deserve|dont deserve|punish)",
        r"(?:the thing|that thing|it) with the (?:lighter|razor|blade|knife|cigarette|iron|pin)"
        r"|with (?:a|the) (?:pin|needle|safety pin|pen knife|glass shard|paperclip)\b.{0,20}\b(?:til"
        r"|till|until|raw|bleed|arm|skin)",
        r"(?:made|make) myself (?:throw up|sick|puke)\b.{0,20}\b(?:cut|punish|hurt|again)",
        r"(?:poured|pour|put) (?:boiling|hot|scalding) (?:water|oil|coffee) (?:on|over) my",
        r"(?:cut|cutting|burned|burning) (?:myself |me )?(?:a little|again|tonight|last night|deep"
        r"|deeper)\b(?! (?:hair|bangs|grass|the|my hair))|(?:^|i |just |only )cut a little"
        r"|^cut again$",
        r"(?:scratching|scratched|scratch) (?:at )?my (?:arms|legs|skin|face|wrists)(?: \w+){0,3}"
        r" (?:open|raw|bleed\w*|til|till|until)|scratching my arms open",
        r"(?:hurted|hurt) (?:myself|myslef) (?:again|agian)|(?:razer|razor|blade)\b.{0,20}\b(?:again"
        r"|agian|myself|arm|wrist)",
        r"(?:keep|kept|keeps|been|started) (?:hitting|banging|punching|slamming) (?:my|his|her)"
        r" (?:head|face|fists?)",
        r"(?:came home|got home|went home) and cut\b|cut for the first time in",
    ),
    rule(
        C,
        "safety",
        "not safe, said another way",
        r"(?:dont|don t|do not) think (?:i m|im|i am) safe|not safe (?:to be )?(?:alone|by myself"
        r"|home alone|tonight|rn|right now)",
        r"(?:need|want) (?:someone|somebody|you) to (?:take|hide|stop|watch|hold) (?:\w+ ){0,3}?"
        r"(?:from me|me|away)|need someone to stop me",
        r"something bad (?:is going to|will|might) happen\b.{0,30}\b(?:me|myself|i)",
        r"(?:hide|hide the) knives|knives from me|(?:kind of|sort of) night\b.{0,10}\bmean it",
        r"(?:no|not) (?:idea|sure) (?:what|how much longer) (?:i m|im|i|i ll|ill) (?:capable|going to"
        r" do|can take)",
    ),
)

# What the corpus showed the rules above still missed, by kind.
MORE_PLAIN = (
    rule(
        C,
        "suicide",
        "no reason to live, said another way",
        r"(?:dont|don t|do not|cant|can t) see (?:why|a reason|any reason|the point) (?:i should|to|for"
        r"|of|in) (?:wake up|waking up|stay alive|staying alive|live|living|go on|going on|keep"
        r" going|be here|being here|bother|get up|exist)",
        r"(?:like to|want to|wanna|just) (?:just )?(?:stay|be) gone(?: forever| for good)?$"
        r"|stay gone (?:forever|for good|permanently)",
        r"(?:would|d|it d|itd|it will|it ll|will) be over in (?:a|one) (?:second|sec|moment|flash"
        r"|heartbeat|instant)|over in (?:a )?(?:second|seconds|an instant)",
        r"(?:should|need to|going to|gonna|ready to|time to) just go(?! (?:to|home|back|in|out|for"
        r"|and|with|ahead|there|on|get|see|by|over|through|now and))\b",
        r"back to planning (?:it|my|how|the)|planning it again|(?:started|start|starting) planning"
        r" (?:it|again|how|my exit|my death|my suicide)",
        r"(?:this|ketamine|it|treatment|these infusions) or (?:the|my) (?:gun|rope|bridge|pills"
        r"|end)\b",
        r"(?:have|got|found|know) (?:my own|my|a) (?:own )?way out|that s it for me|thats it for me",
        r"(?:said|put|wrote|answered|told you) no\b.{0,40}\bbut i lied|i lied\b.{0,40}\b(?:thought"
        r"|think|si|suicid|plan|want|every day|daily)|thought about it (?:daily|every day|constantly"
        r"|all the time|nonstop|every night)",
        r"(?:like|as if) (?:it was|it were|this was) (?:the|my|her|his|their) last (?:time|goodbye"
        r"|call)|like (?:a |the )?(?:final|last) goodbye|like (?:she|he|they) (?:was|were) saying"
        r" goodbye",
        r"(?:took|take|got|pulled|taking|getting) (?:the |my |a |his |her |dads |my dads )?(?:gun"
        r"|rifle|pistol|shotgun|revolver) out\b",
        r"(?:gun|rifle|pistol|shotgun)(?: s| is)? (?:just )?(?:next to|beside|near|with) me\b",
        r"(?:thinking|think|thought|thinkin) (?:a lot )?(?:about|of|abt) (?:the |my )?(?:train tracks"
        r"|tracks|train|bridge|overpass|rope|noose|gun|rifle|cliff|roof|ledge|edge|wrists|knife"
        r"|knives|pills|river|lake|razor|blades?)\b(?! (?:traffic|toll|game|club|night))",
        r"(?:looking|looked|staring|stared|keep looking) at (?:the |my )?(?:knife block|knives|knife"
        r"|blades?|razors?|pills|bottle of pills|rope|gun|tracks|bridge)\b",
        r"(?:had|ive had|i ve had|i have had) enough\b.{0,40}\b(?:bridge|pills|tonight|end|bye"
        r"|goodbye|going to the)",
        r"(?:already )?made (?:my|the|a) decision(?: already)?$|(?:already|i ve|ive|i have) made"
        r" my decision(?! (?:to|about) (?:stay|keep|continue|book|go ahead|try))",
        r"(?:is|are|question|item|#|number) ?(?:9|nine)\b.{0,30}\b(?:nearly every|more than half"
        r"|several days|most days|every day|yes\b|[123]\b)",
    ),
)

# From an outside tester's set: the same kinds, said in more ways.
MORE_OUTSIDE = (
    rule(
        C,
        "farewell",
        "preparations for being gone",
        r"(?:dog|cat|pets?|bird|fish|kids|plants)\b.{0,40}\b(?:for good|permanently|better life"
        r" (?:there|without me)|after i m gone|nobody has to worry)|(?:nobody|no one) (?:has|needs)"
        r" to worry about (?:him|her|them|it|me) after|(?:cat|dog) sitter\b.{0,30}\bpermanent",
        r"who gets (?:what|my)|(?:writing|wrote|finished|made) (?:out )?(?:a list of )?who gets",
        r"(?:refund|give|transfer) (?:the rest of )?(?:my )?(?:package|sessions|money|balance)"
        r"\b.{0,40}\b(?:wont|won t|will not) (?:be around|need|use)",
        r"(?:nota|carta) de despedida|dejo una nota",
    ),
    rule(
        C,
        "plan",
        "a method readied",
        r"(?:got|get|took|taking|laid) (?:the|my) (?:blades|razor|razors|knife|knives|pills|gun"
        r"|rope|belt|cord) out\b",
        r"(?:bought|got|have) (?:a )?hose and (?:duct )?tape|(?:hose|duct tape)\b.{0,40}\b(?:car"
        r"|exhaust|garage|window)",
        r"(?:rail|railroad|train|railway) crossing\b.{0,60}\b(?:freight|train|step|stepping"
        r"|one of these)|not stepping back|(?:step|stepping) (?:out )?in front",
        r"(?:drive|driving|drove|steer\w*|turn\w*|jerk\w*|yank\w*|swerv\w*) (?:my car |the car"
        r" |the wheel )?(?:off|into) (?:a |the )?(?:\w+ )?(?:road|cliff|bridge|overpass|edge|canyon"
        r"|mountain|pillar|embankment|guardrail|barrier|divider|median|wall|semi|truck)",
        r"(?:thought|thoughts|plan)\b.{0,40}\b(?:to do list|todo list|checklist|schedule)",
        r"i know (?:exactly )?(?:how and when|when and how|how and where|where and when|when and"
        r" where)",
        r"(?:figured out|decided|know|picked|chose|found) which (?:bridge|building|overpass|cliff"
        r"|spot|tree|method|way|pills|day)\b",
        r"(?:spot|place) (?:\w+ ){0,4}?(?:nobody|no one) (?:goes|will find|comes|would find)",
        r"(?:voice|voices)\b.{0,20}\b(?:do it|kill|die|jump|hurt|end it)",
        r"(?:went|going|gone|back) back to (?:the )?(?:razor|blade|blades|cutting|knife|burning)",
    ),
    rule(
        C,
        "suicide",
        "no reason to wake, said another way",
        r"(?:not|never) (?:to )?let me wake up",
        r"(?:dont|don t|not|never) (?:\w+ )?come back from (?:the )?(?:k ?hole|it|the infusion"
        r"|the trip|this)",
        r"(?:cant|can t|cannot|couldnt) think of (?:a|one|any) (?:single )?reason to (?:wake up"
        r"|live|stay|keep going|go on|get up|be here)",
        r"(?:weight|burden|drain) on (?:them|everyone|my \w+|everybody)\b",
        r"(?:fine|better|happier) (?:w o|without) me",
    ),
    rule(
        C,
        "self_harm",
        "self-harm, said another way",
        r"(?:bit|bite|biting) (?:my|into my) \w+ (?:so hard|until|till|hard enough)",
        r"(?:held|hold|holding|put|pressed|pressing) (?:my )?(?:palm|hand|arm|fingers?|skin|wrist)"
        r" (?:on|against|over|to|near) (?:the |a )?(?:stove|burner|iron|flame|lighter|candle|hot"
        r" \w+|heater|pan)",
        r"hasta (?:que )?(?:me )?(?:sangr\w*|sacarme sangre)|(?:queria|quiero|para) que me"
        r" (?:doliera|duela|doler)",
    ),
)

# Metaphors for leaving life that outside testers found: games, sports, batteries, parties.
METAPHORS = (
    rule(
        C,
        "suicide",
        "leaving life, said in a metaphor",
        r"(?:checking|check|bow\w*|tap\w*|clock\w*) out (?:early|for good|of everything|of life)"
        r"|tapping out\b.{0,30}\b(?:of everything|not of treatment|for good|of life)",
        r"(?:letting|let) (?:myself|me) (?:sink|drown|go under|slip away|fade|go)\b",
        r"battery (?:is )?at (?:1|0|one|zero) ?%?\b.{0,60}\b(?:stopped|not|no|don t|dont) (?:looking"
        r"|charg)|stopped looking for the charger",
        r"(?:off switch|off button|kill switch) for me|(?:switch|turn) (?:myself|me) off",
        r"(?:i m|im|i am|like) (?:a )?ghost already|waiting for (?:the|my) body to catch up",
        r"(?:rage ?quit|quit|log(?:ging)? off|logout|log out)\b.{0,30}\b(?:for good|this (?:whole )?game"
        r"|life|no respawn|forever)|no respawn|(?:game over|gg)\b.{0,20}\b(?:for me|for good|logging"
        r" off|no more lives)|final boss is me|letting (?:him|it) win\b.{0,20}\b(?:goodnight|goodbye)",
        r"(?:hang|hanging) up the gloves (?:on|with) (?:life|this life|everything)|colgar los guantes"
        r" con (?:esta|la) vida|game over para mi|no me quedan (?:mas )?vidas",
        r"(?:brain|head|mind) (?:keeps? )?saying (?:go|jump|drive|do it)\b",
        r"(?:if i (?:dont|don t|do not) answer|if you don t hear (?:back )?from me)\b.{0,40}\b(?:you"
        r" know why|youll know|you ll know)",
        r"(?:wont|won t|will not) need (?:a|the|my|another) (?:booster|next infusion|refill)\b.{0,30}"
        r"\b(?:jokes on you|kidding|mostly|haha|lol)",
        r"jk (?:it s|its) (?:a )?(?:0|1|zero)|(?:found|got) my (?:old )?(?:razor )?blades\b",
        r"(?:wrote|writing|left) (?:\w+ ){0,3}?letters? (?:to|for) (?:my )?\w+ (?:just )?in case",
        r"(?:the )?(?:dog|cat|pets?) goes to\b.{0,30}\bafter|tidying (?:up )?loose ends",
        r"(?:pile|stash|stockpile)\b.{0,30}\b(?:big enough|enough now|is enough)",
        r"(?:driving|drive|drove) past the (?:overpass|bridge|tracks|cliff)\b.{0,40}\b(?:slow\w*"
        r" (?:\w+ )?down|stopping|every time)",
        r"googl\w* (?:\w+ )?painless|painless ways",
        r"(?:figured out|know|worked out) the how and the where|not the when yet",
        r"(?:left|found) a note\b.{0,40}\b(?:car is gone|isn t answering|isnt answering|not"
        r" answering|gone)",
        r"not safe at home|no estoy segur[oa] de poder cuidarme|borrarme del mapa",
        r"(?:el|la) (?:puente|azotea|vias?) (?:\w+ ){0,3}?me llama",
        r"(?:ya )?no voy a poder (?:cuidarlo|cuidarla|cuidarlos|estar)|porque yo ya no voy a poder",
        r"investigu\w* cuant[oa]s (?:pastillas|pildoras)",
    ),
)

# Distress without intent: a person reads it soon, with no crisis line.
DISTRESS = (
    rule(
        Level.REVIEW,
        "distress",
        "acute distress",
        r"(?:cant|cannot|can not) stop crying|crying (?:all day|nonstop|non stop|for hours)",
    ),
)

# "OD'd" with its apostrophe: without it, it is the word "odd" ("I feel odd"), so this one
# pattern reads the text before apostrophes are deleted.
OD = re.compile(r"\bod(?:'d|'ed|'ing|'in|'s)?(?![\w'])")
