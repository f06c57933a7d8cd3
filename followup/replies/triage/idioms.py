"""Idioms and everyday accidents that look like crisis or medical words.

A rule's match is ignored only when it lies wholly inside one of these, so anything else
in the message still counts ("this headache is killing me and I want to die" is a
crisis). Never put a free run of words inside an idiom: it could swallow a real statement.
"""

from __future__ import annotations

from followup.replies.triage.text import compile_phrase

_ACCIDENT = (
    r"(?:shaving|cooking|chopping|slicing|cutting (?:onions|veggies|vegetables|bread|the \w+)"
    r"|on (?:a|the) (?:\w+ )?(?:can|glass|paper|knife|box|lid|fence|nail)|opening|gardening"
    r"|making (?:dinner|lunch|breakfast)|at work|at the gym|lifting|playing|working out"
    r"|exercising|running|moving|falling|tripping|when i fell|in the kitchen|on the stove"
    r"|with the (?:iron|kettle|oven|pan|curling iron) (?:making|while|this morning|by accident)"
    r"|by accident|accidentally|doing (?:yard ?work|dishes|laundry)|ironing|baking|on the oven"
    r"|on the grill|with (?:hot )?(?:coffee|tea|soup|oil|grease))"
)

CRISIS = tuple(
    compile_phrase(pattern)
    for pattern in (
        r"\w+ (?:is|are|was|were|s|keeps?|gonna|going to|will|keep) kill(?:ing|s)? (?:me|it|my~(?!self)"
        r"\w+)",
        r"kill(?:ing|ed)? (?:it|time|the time|an hour|a few hours|the vibe|the mood|my \w+ (?:at|in)"
        r" \w+)|killer \w+|(?:the )?\w+ (?:was|is) murder|i(?: d| would| could)? kill for (?:a|an"
        r"|some) \w+",
        r"(?:(?:i m|im|i am|i ll|ill|i will|i d|id|gonna|going to|about to|could|would|will|might"
        r"|almost|nearly|literally|just|wanted to|want to|wanna) )*"
        r"(?:die|died|dying|dead) (?:of|from|with) (?:laughter|laughing|embarrassment|boredom|shame"
        r"|curiosity|excitement|happiness|joy|hunger|cuteness)|(?:die|died|dying|dead) laughing",
        r"dying to (?:know|see|try|hear|meet|get|go|tell|find)|to die for|dead tired|dead on my"
        r" feet|i m dead|could die for (?:a|an|some) \w+",
        r"cross my heart and hope to die",
        # Only helper verbs in between, so "I threw my phone, I just want to die" still alerts.
        r"(?:phone|battery|cell|laptop|car battery|plant|plants)(?: is| s| was| will| gonna| going"
        r" to| about to| almost| just)* (?:die|dying|died|dead)",
        r"took everything (?:in|out of) me",
        r"[0-9]+ ?kms?",
        r"(?:traffic|stuck|toll|backed up|accident|construction|jam|detour) (?:on|at|near|by|before"
        r"|after) (?:the |a )?(?:\w+ )?bridge|bridge (?:traffic|toll|was closed|is closed|closed"
        r"|was backed up|is backed up|construction)|(?:over|across) the bridge|dental bridge",
        r"jump(?:ed|ing)? (?:rope|the gun|into the pool|in the pool|on the trampoline)|skipping rope"
        r"|rope swing|end of my rope|at the end of (?:my|the) rope",
        r"(?:staple|glue|nail|heat|water|nerf|spray|radar|temperature|thermometer|massage|squirt"
        r"|paintball|airsoft|toy) guns?|jump(?:ed|ing)? the gun",
        r"like (?:a )?knife|knife like|butter knife|knife and fork|steak knife|kitchen knife",
        r"bullet points?|dodged a bullet|bite the bullet",
        r"(?:me (?:voy a |estoy |quiero )?)?mor\w* de (?:la |el )?(?:risa|hambre|sueno|ganas|frio|calor|verguenza"
        r"|aburrimiento|envidia|miedo|cansancio)|muert[oa] de (?:cansancio|sueno|hambre|risa"
        r"|frio|calor)|me muero por (?:un|una|ir|ver)",
        r"(?:i |you )?could (?:just )?sleep forever",
        r"(?:me cai|me resbale|tropece|me fui de (?:boca|espaldas|lado)|se cayo|me desmaye|me maree)"
        r"\b.{0,60}\b(?:me golpee|me pegue|me lastime|me di|se golpeo|se pego)",
        r"(?:me voy a matar|me mato|me estoy matando|me mate) (?:estudiando|trabajando|haciendo|en el"
        r" gym|corriendo|limpiando)",
        r"me (?:corte|queme) (?:\w+ ){0,4}?(?:picando|cocinando|pelando|rasurando|afeitando|cortando"
        r"|planchando|con el aceite|con la plancha|con el horno|sin querer)",
        rf"(?:cut|burned|burnt|burn|hurt|scratched|bruised|nicked) (?:myself|my (?:\w+ )?(?:finger"
        rf"|hand|thumb|arm|leg|knee|back|foot|toe|lip)) (?:\w+ ){{0,2}}?{_ACCIDENT}",
        r"hang(?:ing)? (?:out|in there|up|on|pictures|the \w+|a \w+|curtains|lights|laundry|clothes"
        r"|with)",
        r"(?:shoot|shot|shooting) (?:me )?(?:a (?:text|message|email|photo)|hoops|pool|photos"
        r"|pictures|the breeze)|photo ?shoot|flu shot|booster shot",
        r"(?:the )?end of (?:the|this) (?:week|day|month|year|series|road trip)|(?:my )?last"
        r" (?:infusion|appointment|session|one|treatment)",
        r"goodbye for now|bye for now|goodbye to (?:my|our|the) old \w+",
        r"overdid it|over did it|overdo it|relapse prevention",
        # Someone else's death: "my grandpa's suicide", "lost my uncle to suicide".
        r"my (?:brother|sister|mom|mum|dad|father|mother|friend|cousin|uncle|aunt|son|daughter|ex"
        r"|grandpa|grandma|neighbor|coworker|husband|wife) (?:overdosed|died by suicide|killed"
        r" (?:himself|herself))",
        r"suicide (?:squad|doors|sprints|drills|runs?|blonde|watch|prevention|hotline)",
        # Stories, news and other people: "the main character jumps off a bridge", "saw on the
        # news a guy overdosed", "a memoir about losing a brother to suicide".
        r"(?:character|characters|novel|book|memoir|movie|show|episode|podcast|news|article|story)"
        r"\b.{0,40}\b(?:jumps?|jumped|overdos\w*|suicide|kills? (?:himself|herself|themselves)"
        r"|dies|died|hangs? (?:himself|herself))(?: \w+){0,3}",
        r"(?:a|some|the) (?:guy|man|woman|girl|kid|person|lady|dude) (?:\w+ )?(?:overdosed|od d|jumped"
        r"|died|killed (?:himself|herself))",
        r"(?:cleaning|cleaned|clean) (?:my |his |her |the )?(?:shotgun|rifle|gun|guns)\b.{0,20}"
        r"\b(?:for|before) (?:duck|deer|hunting|turkey|dove|goose|elk|pheasant|the) ?(?:season|hunt"
        r"|opener|range)?|(?:shot|got|bagged) a (?:\d+ point )?(?:buck|deer|doe|turkey|duck|elk)"
        r"|butcher\w* (?:it|the deer|the buck)(?: in the garage)?",
        r"(?:mi|su|el|la) (?:tia|tio|prima|primo|abuela|abuelo|amiga|amigo|vecina|vecino|hermana"
        r"|hermano|cunada|cunado|suegra|suegro) se (?:suicido|mato|quito la vida)",
        r"(?:my )?\w+(?: s|s) (?:suicide|overdose)|(?:his|her|their) (?:suicide|overdose)|lost (?:my |a )?\w+"
        r" to (?:suicide|an overdose|overdose)|(?:suicide|overdose) of (?:my|a|his|her) \w+",
        r"(?:soga|cuerda) para colgar (?:la|el|las|los) (?:hamaca|ropa|columpio|cuadro|cuadros"
        r"|luces|plantas)",
        r"(?:self harm|suicide|suicidal|crisis|overdose) (?:support )?(?:group|prevention|awareness"
        r"|hotline|line|walk|survivors?|training|class|program|recovery|meeting|chip)",
        r"(?:post|article|show|movie|documentary|podcast|book|news|story|video|episode|lecture"
        r"|training|class|talk|song) (?:about|on) (?:suicide|self harm|overdoses?|dying|death)",
    )
)

MEDICAL = tuple(
    compile_phrase(pattern)
    for pattern in (
        r"heart (?:is )?(?:full|warm|happy|melt\w*|broken|breaking)|broke my heart|heartbroken"
        r"|warms? my heart|heart of gold|by heart|have a heart|take heart|heart to heart"
        r"|cedar chest|treasure chest|chest of drawers|tool chest|chest day|chest press"
        r"|get (?:it|this|something) off my chest|off my chest",
        r"(?:tire|water|peer|time) pressure|pressure washer|pressure cooker|under pressure at work",
        r"(?:pass|passed|passing|hand\w*) out (?:flyers|papers|candy|snacks|samples|cookies|treats"
        r"|food|water|programs|shirts|the (?!floor|ground|bathroom)\w+)|take my breath away|breathtaking"
        r"|breath of fresh air|catch(?:ing)? my breath after|waiting with bated breath",
        r"(?:me )?mata (?:este|el|la|esta) \w+|me (?:sube|subio) la presion (?:con|cuando|ver) \w+"
        r"|casi me desmayo (?:cuando|al) (?:vi|ver|me dijeron)|casi me da un infarto",
        # Someone else, already under care, or at a blood draw, or something it turned out not
        # to be.
        r"(?:\w+ )?blackout drunk|blacked out drunk",
        r"(?:my|his|her|mi|su) (?:dad|mom|mum|father|mother|husband|wife|son|daughter|brother|sister"
        r"|friend|grandma|grandpa|neighbor|uncle|aunt|papa|mama|padre|madre|esposo|esposa|hijo|hija"
        r"|hermano|hermana|abuela|abuelo) (?:had|has|tuvo|tiene) (?:chest pain|dolor de pecho"
        r"|a seizure|una convulsion)\b.{0,40}\b(?:turned out|was just|era|resulto|fine|bien"
        r"|heartburn|gastritis|acid reflux)",
        r"(?:in the hospital|at the er|in the er|admitted|being seen|was seen|got checked|checked out)"
        r" (?:for|with) (?:\w+ ){0,2}?(?:chest pain|a seizure|seizures|a stroke|a heart attack|fainting)",
        r"(?:fainted|passed out) at (?:his|her|my|the) (?:blood draw|shot|vaccine|the sight)"
        r"|(?:seizure|epilepsy) (?:disorder|meds|medication)",
        # Something that happened long ago, or to someone else long ago.
        r"(?:[^\s|?]+~){0,8}(?:last~(?:year|month|week)|years~ago|months~ago|as~a~(?:kid|child"
        r"|teen)|when~i~was~(?:a~kid|young|little|younger)|el~ano~pasado|hace~(?:\w+~){1,2}(?:anos"
        r"|meses)|de~nin[oa])",
        r"(?:last~(?:year|month)|years~ago|el~ano~pasado)~(?:[^\s|?]+~?){0,8}",
    )
)
