"""Spanish medical red flags after a ketamine infusion (see `medical_en` for the list)."""

from __future__ import annotations

from followup.replies.triage.findings import Level, rule
from followup.replies.triage.text import CLAUSE_WORD, compile_phrase, words_within

E, U = Level.EMERGENCY, Level.URGENT

_AUN = (
    r"(?:todavia|aun|sigue|sigo|seguia|desde (?:ayer|anoche|la infusion|esta manana|hace)"
    r"|al dia siguiente|horas despues|(?:\d+|varias|muchas|unas) horas|toda la (?:noche|manana"
    r"|tarde)|no para|no se (?:le )?quita|otra vez)"
)

RULES = (
    rule(
        E,
        "chest_pain",
        "chest pain (es)",
        r"(?:dolor|opresion|presion|apreton|peso|ardor|punzada|punzadas|molestia|dolores)"
        r" (?:\w+ ){0,3}?(?:en el|del|de|en mi|en medio del) pecho",
        r"(?:pecho|torax) (?:\w+ ){0,2}?(?:apretado|apretao|me duele|duele|me aprieta|aprieta"
        r"|oprimido|pesado|me arde|adolorido|como si)",
        r"(?:me|le) (?:esta )?(?:duele|doliendo|dolia|aprieta|apretando|punza|arde|oprime|pesa)"
        r"(?: \w+){0,3} (?:el )?pecho|(?:tiene|tengo)"
        r" el pecho (?:apretado|apretao|oprimido)",
        r"(?:me duele|dolor en|me hormiguea|hormigueo en|entumid[oa]) (?:\w+ ){0,2}?(?:el )?brazo"
        r" izquierdo|(?:brazo izquierdo|la mandibula)\b.{0,30}\b(?:pecho|duele|dolor)",
        r"(?:me (?:esta|esta dando|da|dio)|creo que (?:es|tengo|me da)|siento (?:que me da|como))"
        r" (?:un )?(?:infarto|ataque al corazon|ataque cardiaco)(?! (?:cuando|al ver|de (?:risa|ver)))",
    ),
    rule(
        E,
        "heart",
        "a racing heart (es)",
        r"(?:corazon|pulso|latidos)\b.{0,40}\b(?:no se (?:calma|para|quita|baja)|no para|no baja"
        r"|no se me calma|se me sale|a mil|desbocado|muy (?:rapido|acelerado) (?:desde|todavia"
        r"|hace))",
        r"(?:palpitaciones|taquicardia)\b.{0,40}\b(?:no (?:se )?(?:para|quita|calma)|desde|horas"
        r"|todavia|aun|y (?:mareo|me falta el aire)|fuert\w*|\d{3})",
        r"no se me calma el corazon|el corazon (?:\w+ ){0,3}?en la garganta",
    ),
    rule(
        E,
        "headache",
        "a severe, sudden headache (es)",
        r"(?:peor|terrible|horrible|insoportable|fuertisimo|muy fuerte|intenso|repentino"
        r"|de repente|explot\w*|el peor) (?:\w+ ){0,3}?dolor de cabeza|dolor de cabeza\b.{0,30}"
        r"\b(?:peor|de mi vida|nunca|insoportable|explot\w*|de repente|repentino|terrible"
        r"|no puedo ver)",
        r"(?:cabeza|craneo) (?:\w+ ){0,2}?(?:va a explotar|me explota|explotando|partiendo"
        r"|me va a estallar)|me exploto la cabeza",
        r"dolor de cabeza (?:\w+ ){0,3}?(?:de golpe|subito|fortisimo|brutal|horrible)|(?:subito"
        r"|brutal|fortisimo) (?:\w+ ){0,2}?dolor de cabeza|(?:nunca|jamas) (?:\w+ ){0,4}?(?:dolido"
        r"|dolor) (?:\w+ ){0,2}?la cabeza|me (?:ha|habia) dolido la cabeza asi",
    ),
    rule(
        E,
        "fainting",
        "fainting (es)",
        r"(?<!casi~)(?<!no~)(?:me desmaye|se desmayo|desmayad[oa]|desmayo|me priv\w*|se priv\w*"
        r"|perdi el conocimiento|perdio el conocimiento|perdi el sentido|me desvaneci|soponcio"
        r"|me caí desmayad[oa]|quedo inconsciente|inconsciente)",
        r"(?:desperte|amaneci|me encontre|lo encontre|la encontre|abri los ojos) (?:\w+ ){0,3}?(?:en el"
        r" (?:piso|suelo|pasillo)|tirad[oa])|me fui en blanco|desvanecimiento|perdio el sentido",
    ),
    rule(
        E,
        "seizure",
        "a seizure (es)",
        r"ataque de epilepsia|se mordio la lengua|se sacudio (?:todo|toda)|"
        r"convulsi\w*|convulsion\w*|ataque epileptico|le dio un ataque|(?:temblando|sacudiendose"
        r"|se sacudia|tiesa|tieso)\b.{0,40}\b(?:no responde|no reacciona|ojos|espuma|babe\w*)",
    ),
    rule(
        E,
        "breathing",
        "trouble breathing (es)",
        r"(?:no puedo|no puede|me cuesta|le cuesta|dificultad para|trabajo) (?:\w+ )?respirar"
        r"|me falta (?:mucho )?(?:el )?(?:aire|aliento)|le falta (?:el )?aire|me ahogo|se ahoga"
        r"|ahogandome|asfixi\w*|no me entra (?:el )?aire|no puedo recuperar el aliento"
        r"|respira (?:como )?\d+ veces por minuto",
        r"respira(?:cion|ndo)? (?:\w+ )?(?:muy |bien |super )?(?:lento|lenta|despacio|superficial"
        r"|raro|rara|rarisimo|entrecortad[oa])|(?:casi )?no respira|dejo de respirar",
        r"(?:labios|cara|unas|dedos) (?:\w+ )?(?:morados?|azul\w*|grises?|moradit[oa]s)",
    ),
    rule(
        E,
        "allergy",
        "an allergic reaction (es)",
        r"(?:labios?|lengua|garganta|cara|boca|parpados|ojos) (?:\w+ ){0,2}?(?:hinchad[oa]s?"
        r"|inflamad[oa]s?|se (?:me )?(?:cierra|hincha|inflama|esta cerrando|esta hinchando))"
        r"|se me (?:estan |esta )?(?:hinch|infl)\w* (?:los labios|la lengua|la cara|la garganta"
        r"|la boca)|(?:la lengua|la cara|la boca|los labios) se me (?:esta |estan )?(?:hinch|infl)\w*",
        r"(?:se me cierra|se le cierra|se me esta cerrando) la garganta|anafila\w*",
        r"(?:ronchas|urticaria|habones)\b.{0,40}\b(?:respirar|aire|garganta|labios|lengua|silbido"
        r"|pecho)",
    ),
    rule(
        E,
        "vomiting",
        "vomiting that will not stop (es)",
        rf"(?:vomit\w*|devolviendo|guacareando|volviendo el estomago)\b.{{0,30}}\b(?:{_AUN}"
        rf"|(?:\d+|cinco|seis|diez|muchas|varias) veces|sin parar|cada (?:\d+ |rato|media hora|hora))",
        r"no (?:puedo|puede|paro de|para de|deja de|dejo de) (?:vomitar|devolver|guacarear)"
        r"|(?:llevo|lleva) (?:\d+|varias|muchas) horas vomitando|no retengo (?:ni )?(?:el )?agua"
        r"|no puedo tener nada en el estomago|(?:todo lo|lo) devuelvo|cafe molido"
        r"|no (?:me|le) (?:queda|aguanta|para) (?:nada|ni el agua|ni agua)",
        r"(?:vomit\w*|devolv\w*) (?:\w+ ){0,2}?sangre|sangre (?:en el|al) vomit\w*",
    ),
    rule(
        E,
        "stroke",
        "stroke signs (es)",
        r"(?:cara|boca|sonrisa|labio) (?:\w+ ){0,3}?(?:caida|chueca|torcida|de lado|colgando"
        r"|se (?:le |me )?cayo|dormida de un lado)|se (?:le|me) (?:cayo|tuerce) (?:un lado de )?(?:la"
        r" cara|la boca)",
        r"(?:se me duerme|se me durmio|dormido|entumido) (?:todo )?el lado (?:derecho|izquierdo)"
        r"|no (?:puedo|puede) mover (?:bien )?(?:el|la) (?:brazo|pierna|mano)|se me durmio todo ese"
        r" lado|no siento (?:la|el) (?:pierna|brazo)|se me debilito (?:todo )?el lado|lado (?:derecho"
        r"|izquierdo) (?:\w+ )?(?:debil|dormido|sin fuerza)",
        r"(?:habla|hablando|arrastra|arrastrando|trab\w*) (?:\w+ ){0,2}?(?:las palabras|la lengua"
        r"|arrastrad[oa]|rar[oa]|enredad[oa])|no (?:puede|puedo) hablar bien|se le traba la lengua",
        r"(?:un lado|lado (?:izquierdo|derecho)|mitad) (?:del cuerpo|de la cara)? ?(?:\w+ )?"
        r"(?:dormido|debil|sin fuerza|no (?:lo |la )?(?:siento|puedo mover)|paralizad[oa])",
        r"no (?:puedo|puede) (?:levantar|mover|sentir) (?:el|la|mi) (?:brazo|pierna|mano)"
        r" (?:izquierd[oa]|derech[oa])",
        r"derrame|embolia|(?:un |el )?ictus",
    ),
    rule(
        E,
        "head_injury",
        "a fall with a head injury (es)",
        r"(?:me cai|se cayo|me resbale|se resbalo|tropece|se desmayo)\b.{0,60}\b(?:me pegue|se pego"
        r"|golpe\w*|pegandome|pegandose) (?:\w+ ){0,2}?(?:en la|la) cabeza",
        r"(?:golpe|golpazo|chichon|herida|sangrando) (?:\w+ ){0,2}?(?:en la|de la) cabeza|contusion"
        r"|conmocion|(?:me|se) (?:cai|cayo|resbale|resbalo|fui)\b.{0,60}\b(?:me|se) (?:di|dio|pegue"
        r"|pego|golpee|golpeo)\b.{0,20}\b(?:cabeza|frente|nuca)",
    ),
    rule(
        E,
        "crash",
        "a crash after driving (es)",
        r"(?:choque|chocamos|me estrelle|tuve un accidente|me volque|me chocaron|me fui contra)"
        r"\b(?! (?:en la tele|de mi))|(?:se fue|se vino) manejando\b.{0,40}\b(?:se estrello|choco)"
        r"|(?:mi (?:esposo|esposa|marido|mujer|hij[oa]|mama|papa|pareja)|el paciente|la paciente)"
        r" (?:\w+ )?(?:choco|se estrello|tuvo un accidente|se volco)",
    ),
    rule(
        E,
        "confusion",
        "confusion or hallucinations hours later (es)",
        rf"(?:alucin\w*|viendo cosas|oyendo voces|escuchando voces|confundid[oa]|desorientad[oa]"
        rf"|ido|perdid[oa]|no sabe (?:donde esta|quien soy|que dia))\b.{{0,40}}\b{_AUN}",
        rf"{_AUN}\b.{{0,40}}\b(?:alucin\w*|viendo cosas|oyendo voces|confundid[oa]|desorientad[oa]"
        rf"|no sabe donde)",
        r"no (?:me )?reconoce|no sabe (?:donde esta|quien (?:es|soy)|que dia es)|no reconoce a",
        r"(?:ve|veo|sigo viendo) (?:bichos|figuras|colores|las paredes moverse|cosas)\b",
    ),
    rule(
        E,
        "unresponsive",
        "someone who cannot be woken (es)",
        r"no (?:puedo|podemos|logro) despertar a|no (?:lo|la|le) (?:puedo|podemos) despertar"
        r"|no (?:despierta|reacciona|responde)"
        r"|no se despierta|no logro despertar|no (?:lo|la) podemos despertar|no abre los ojos"
        r"|no hay manera de despertar\w*|tratando de despertarl[oa]",
    ),
    rule(
        E,
        "emergency",
        "an emergency named (es)",
        r"(?:llamar|llame|llamamos|llamando) (?:al|a la)? ?(?:911|ambulancia|emergencias)"
        r"|(?:estoy|estamos|voy|vamos|ando|lo llevamos|la llevamos|me llevaron|lo llevaron|la"
        r" llevaron|ir) (?:a|en) (?:la )?(?:sala de )?(?:emergencias|urgencias)",
    ),
    rule(
        U,
        "urinary",
        "a urinary problem (es)",
        r"no (?:puedo|puede|ha podido|he podido) (?:orinar|hacer pipi|hacer pis|mear|miccionar|hacer"
        r" del (?:uno|1))|(?:me cuesta|dificultad para|batallo para) (?:orinar|hacer pipi|hacer pis)"
        r"|(?:solo|nomas|orino) (?:me )?(?:salen|sale|unas)? ?(?:gotas|gotitas|unas gotas)"
        r"|(?:no sale|no me sale|no hago) (?:nada|el pis|pipi|casi nada)|sin poder orinar"
        r"|vejiga llena pero",
        r"sangre (?:en|al|cuando) (?:la )?(?:orina|pipi|orinar|hacer pipi|hago)|orina (?:\w+ ){0,3}?"
        r"(?:con sangre|roja|rosada|rosa|oscura|cafe|color)|(?:pipi|pis) (?:\w+ ){0,2}?(?:con sangre"
        r"|roj[oa]|rosad[oa]|rosit[oa])|salio con sangre|sangre en la taza",
        r"(?:dolor|me duele|duele|ardor|arde|molestia|presion|espasmos?|colicos?) (?:\w+ ){0,4}?"
        r"(?:de la |en la |la )?vejiga|vejiga (?:\w+ ){0,2}?(?:me duele|duele|me arde|adolorida"
        r"|inflamada)|(?:parte baja de la panza|abajo del ombligo)\b.{0,30}\b(?:vejiga|duele|dolor)",
        r"(?:ardor|arde|me arde|duele|dolor|quema|me quema|pica|escuece|me escuece|como vidrios?)"
        r" (?:\w+ ){0,4}?"
        r"(?:al|cuando|para|q voy al bano a) (?:orinar|hacer pipi|hacer pis|mear|orino|hago pis)"
        r"|(?:orinar|el pipi|el pis) (?:\w+ )?(?:me )?(?:quema|arde)|cuando orino (?:\w+ ){0,3}?"
        r"(?:quem|ard|duel)\w*",
        r"(?:orinar|orinando|orino|hacer pipi|voy al bano)(?: \w+)? (?:a cada rato|cada (?:\d+|cinco"
        r"|diez|quince|media) (?:minutos|min|hora)|todo el tiempo|a cada ratito|sin parar)"
        r"|ganas de (?:orinar|hacer pipi) (?:todo el tiempo|a cada rato|constantes|constantemente)"
        r"|infeccion (?:urinaria|de orina)|cistitis|(?:ir|voy|vas) al bano (?:a cada rato|cada \d+"
        r"|todo el tiempo)\b.{0,30}\b(?:duele|arde|quema|dolor)|(?:\d+|varias|muchas) veces (?:en la noche )?a"
        r" orinar|no paro de ir al bano|me la paso en el bano|cada (?:\d+|15|10) min (?:me levanto a"
        r" orinar|al bano)|(?:pipi|orinar) constantemente",
    ),
    rule(
        U,
        "iv_site",
        "an IV site problem (es)",
        r"(?:brazo|mano|vena|piquete|pinchazo|codo|curita)(?: \w+){0,5} (?:\w+ )?(?:rojo|roja"
        r"|hinchad\w*|calient\w*|dur[oa]|pus|infectad[oa]|inflamad[oa]|bolita|bola|colorad[oa])",
        r"(?:hinch\w*|pus|liquido amarillo|rojo y caliente|bolita dura)\b.{0,60}\b(?:aguja|piquete"
        r"|suero|la via|iv|infusion)|(?:piquete|suero)\b.{0,30}\b(?:pus|liquido|huele)"
        r"|pus\b.{0,30}\bdonde me (?:picaron|pusieron|canalizaron)",
        r"(?:donde (?:me )?(?:pusieron|picaron|canalizaron)|el suero|la via|la aguja|el catete?r"
        r"|el iv|iv site)"
        r"\b.{0,40}\b(?:rojo|roja|hinchad[oa]|calient\w*|dur[oa]|pus|infectad[oa]|inflamad[oa])",
        r"(?:linea|raya|franja) roja (?:\w+ ){0,3}?(?:brazo|sube|subiendo)",
    ),
    rule(U, "skin", "hives or a rash (es)", r"ronchas|urticaria|habones"),
)

# After "no", "sin" or "nunca" these words make the symptom itself ("no puedo respirar", "sin
# poder orinar", "no abre los ojos", "nunca me había dolido así"): no negation. English shares it.
VERBS_AFTER_NO = (
    r"(?:puedo|puede|podemos|paro|para|deja|dejo|se~(?:me~|le~)?(?:calma|para|quita|baja|despierta)"
    r"|me~(?:entra|sale|queda|aguanta|deja|puedo|responde|reconoce|pasa~el~aire)|le~(?:entra"
    r"|sale|queda|aguanta)|lo~|la~|respira|reacciona|responde|despierta|sabe|reconoce"
    r"|hay~(?:caso|manera)|logro|abre|sale|hago|siento|retengo|aguanto|entra|ha~podido"
    r"|he~podido|poder|habia"
    r"|había|he~|ha~|es~normal)"
)

NEGATIONS = tuple(
    compile_phrase(pattern)
    for pattern in (
        rf"(?:no|sin|ni|nada de|ningun|ninguna|tampoco|nunca|jamas)~(?!{VERBS_AFTER_NO})"
        rf"{words_within(3)}{CLAUSE_WORD}(?:~{CLAUSE_WORD}){{0,3}}",
        r"(?:[^\s|?]+~){1,4}(?:se~(?:me~|le~)?(?:quito|fue|paso|calmo|bajo)|ya~(?:paso|se~fue"
        r"|esta~(?:bien|mejor)))",
        r"(?:ya~)?(?:se~(?:me~|le~)?(?:quito|fue|paso|calmo|bajo))~(?:el~|la~)?(?:[^\s|?]+~?){1,3}",
    )
)
