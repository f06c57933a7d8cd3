"""Spanish crisis rules, as patients in the US, Latin America and Spain write them.

Accents are folded away before matching ("matarme", "despedida", "tome"), and txt-speak
("q", "xq", "k") is written into the patterns where it is common.
"""

from __future__ import annotations

from followup.replies.triage.findings import Level, rule

C = Level.CRISIS

_PASTILLAS = (
    r"(?:pastillas?|pildoras?|medicinas?|medicamentos?|tabletas?|capsulas?|pastis|clonazepam"
    r"|rivotril|alprazolam|xanax|tafil|diazepam|valium|tramadol|paracetamol|tylenol|ibuprofeno"
    r"|aspirinas?|insulina|somniferos?|pastillas para dormir|calmantes?|antidepresivos?|frasco"
    r"|blister)"
)
_MUCHAS = (
    r"(?:(?:[4-9]|[1-9][0-9]+)\b(?! ?(?:mg|mcg|ml|miligramos?|g\b|%))|cuatro|cinco|seis|siete"
    r"|ocho|nueve|diez|once|doce|quince|veinte"
    r"|treinta|cuarenta|cincuenta|cien|un punado|muchas|demasiadas|un monton)"
)
_FAMILIA = (
    r"(?:mama|mami|papa|papi|padres|familia|hijos?|hijas?|esposa|esposo|marido|mujer|pareja"
    r"|novio|novia|hermanos?|hermanas?|amigos?|amigas?|nietos?|abuela|abuelo|ninos|bebe)"
)
_MASCOTAS = r"(?:perro|perrito|perra|gato|gatito|gata|mascotas?|plantas|pajaro|loro)"

RULES = (
    rule(
        C,
        "suicide",
        "suicide named (es)",
        r"suicid\w*|quitarme la vida|quitar(?:me)? (?:la )?vida|me quit(?:o|e|are|aria) la vida",
        r"matarme|me (?:voy a|quiero|gustaria|podria|pienso) matar|matar(?:me)? (?:yo|a mi mism[oa])",
        r"(?:acabar|terminar|acabo|termino|acabe|termine|poner fin a|ponerle fin a|terminar de una"
        r" vez) (?:con )?(?:todo|mi vida|conmigo|esto de una vez)(?! (?:el|la|lo|los|las|mi tarea"
        r"|el trabajo)\b)",
        r"(?:terminar|acabar) lo que empece",
        r"(?:dejar|deje|dejo) de existir|desaparecer (?:para siempre|del mapa|de este mundo)",
        r"(?:quiero|quisiera|prefiero|me gustaria|ojala pudiera) (?:ya )?(?:desaparecer|no existir"
        r"|no estar|no haber nacido|dormir y no despertar|irme (?:para siempre|de este mundo))",
    ),
    rule(
        C,
        "suicide",
        "wish to be dead (es)",
        r"(?:quiero|quisiera|deseo|prefiero|me quiero|me quisiera|ganas de|solo quiero|quiero ya"
        r"|ojala|me gustaria|necesito|voy a) (?:me )?morir(?:me)?|me quiero morir|morirme"
        r"|me voy a morir(?! de (?:risa|hambre|sueno|frio|calor|verguenza))",
        r"(?:mejor|preferiria|quisiera|quiero|ojala) (?:estar |estuviera |estaria )?muert[oa]s?"
        r"|(?:seria|estaria) mejor (?:estar )?muert[oa]",
        r"no quiero (?:seguir )?(?:vivir|viviendo|existir|estar aqui|estar vivo|estar viva"
        r"|despertar|amanecer|seguir aqui|seguir en este mundo|seguir asi|estar en este mundo)",
        r"ya no quiero (?:estar aqui|seguir|vivir|nada|existir|despertar)",
        r"(?:estarian|estaran|estarias|estaria|estariamos|estan|seria|serian) (?:\w+ ){0,2}?mejor"
        r" sin (?:mi|el|ella)|mejor sin mi|(?:todos|mi familia|mis hijos|el mundo) (?:\w+ ){0,3}?mejor si (?:yo )?"
        r"(?:no estuviera|me muero|muero|desaparezco|no existiera|me fuera)",
        r"(?:ojala|quisiera|deseo|pido a dios) (?:que )?(?:no )?(?:me muera|despertar|amanecer"
        r"|no despertar|no amanecer|dios me lleve|me atropelle|me pase algo|se me pare el corazon)",
        r"(?:ojala|quisiera|deseo|rezo|pido|pedi|ruego) (?:\w+ ){0,3}?(?:no (?:despertar|amanecer"
        r"|despierte|amanezca|volver a despertar)|dios me (?:lleve|recoja|quite))",
        r"(?:dormir|dormirme|quedarme dormid[oa]) (?:para siempre|y no despertar|y ya no despertar)"
        r"|no volver a despertar|(?:quiero|quisiera|prefiero|ojala|nomas quiero|solo quiero) no"
        r" (?:despertar|amanecer|existir|estar aqui|seguir)",
        r"(?:enojad[oa]|triste|molest[oa]|frustrad[oa]|decepcionad[oa]) (?:de |porque |xq |por )?"
        r"(?:que )?(?:desperte|amaneci|sigo viv[oa]|sigo aqui)",
        r"(?:me da igual|no me importa) (?:si )?(?:vivir o morir|vivo o muero|morir|despertar"
        r"|amanecer)",
        r"no (?:vale|tiene) (?:la pena|sentido) (?:vivir|seguir viviendo|seguir|despertar|existir"
        r"|estar vivo)",
        r"(?:pensando|pienso|pensamientos?|pensar|pense|ideas?) (?:en|de|sobre) (?:la )?(?:muerte"
        r"|morir\w*|matarme|quitarme|suicid\w*|desaparecer|no despertar|acabar con todo)",
        r"(?:no voy a|ya no voy a|no creo que) (?:estar|llegar) (?:\w+ ){0,2}?(?:la (?:proxima|otra)"
        r" (?:infusion|cita|sesion)|manana|el (?:lunes|martes|miercoles|jueves|viernes|sabado"
        r"|domingo))",
        r"no (?:van a|vas a|tendran que) (?:volver a )?(?:saber|tener noticias) (?:de mi|mas de mi)",
        r"(?:ir|irme) (?:con|a donde) (?:mi |mis )?\w+ (?:en el cielo|que (?:ya )?murio)",
        r"(?:quiero|quisiera) irme (?:con dios|al cielo)",
    ),
    rule(
        C,
        "farewell",
        "farewell (es)",
        r"adios para siempre|esto es (?:un )?adios|me despido (?:de todos|de ustedes|para siempre"
        r"|de ti|de todo|de la vida)|adios a todos|un ultimo adios|despedirme de (?:ustedes"
        r"|todos|ti|mi familia)",
        r"(?:mi|este es mi|es mi) (?:ultimo|ultima) (?:mensaje|texto|respuesta|vez)",
        r"cartas? (?:de despedida|para (?:mis?|cada) \w+)|(?:escribi|escribiendo|deje|dejo) (?:\w+ )"
        r"{0,3}?cartas?",
        rf"(?:regalando|regale|regalar|regalo|di|deje|dejo|le di) (?:todas |todos )?(?:mis cosas"
        rf"|mis pertenencias|mi ropa|mi {_MASCOTAS}|mis {_MASCOTAS})",
        rf"(?:cuiden|cuidar|cuidaran|cuida|cuiden bien) (?:a |de )?mis? (?:{_MASCOTAS}|{_FAMILIA})"
        r"(?: \w+)? (?:por mi|cuando|despues|si)",
        rf"(?:dile|diganle|digan|decirle) a mis? {_FAMILIA} (?:que )?(?:los|las|la|lo) (?:quiero"
        r"|amo|ame|quise)",
        r"(?:cuando|para cuando|despues de que|una vez que) (?:yo )?(?:ya )?no (?:este|estar)"
        r"|cuando (?:me haya ido|me vaya para siempre|ya no este)",
        r"(?:testamento|contrasenas?|claves?|seguro de vida)(?: \w+){0,6} (?:para|a) (?:mi )?\w+"
        r"|(?:arregle|deje|dejo) (?:todo )?en orden",
        r"perdon(?:en(?:me)?)? por todo|lo siento por todo|perdoname por (?:todo|lo que voy)",
        r"gracias por todo\b.{0,40}\b(?:adios|ya no|me voy|lo intentaron|no funciono)",
        r"(?:nos vemos|los veo) en (?:el cielo|la otra vida|otra vida)",
    ),
    rule(
        C,
        "plan",
        "a plan or a date (es)",
        r"(?:hoy|esta noche|manana|este fin de semana) (?:es|sera) (?:la noche|el dia)",
        r"(?:ya )?(?:tengo|tenia|elegi|escogi) (?:el|la|un|una) (?:plan|lugar|hora|dia|fecha|forma"
        r"|manera)(?: \w+){0,3} (?:pensad[oa]s?|decidid[oa]s?|list[oa]s?|elegid[oa]s?)?",
        r"(?:ya )?(?:se|tengo pensado|decidi|planee) (?:como|donde|cuando) (?:lo voy a hacer"
        r"|hacerlo|lo hare|lo hago)",
        r"(?:hice|tengo|tenia) un plan|(?:ya )?tome la decision|estoy (?:list[oa]|decidid[oa])"
        r"(?: para irme| para hacerlo)?$|estoy a nada de hacerlo",
        r"(?:voy a|lo voy a) hacer(?:lo)? (?:hoy|esta noche|manana|pronto|este fin)",
        r"(?:esperar|espero|esperando) a que (?:todos|mi \w+|los ninos) (?:se duerman|se vayan"
        r"|duerman|salgan)",
        r"(?:no respondo de mi|no me (?:puedo|se) controlar)",
        r"(?:no dejo de|sigo|no paro de|me la paso) (?:pensar|pensando|planear|planeando|imaginar"
        r"|imaginando) (?:en )?(?:como|cuando|donde|la forma) (?:lo )?(?:haria|hacerlo|voy a|hare"
        r"|seria|acabar)",
    ),
    rule(
        C,
        "self_harm",
        "self-harm (es)",
        r"autolesi\w*|(?:me )?(?:autolastim\w*|auto lastim\w*)",
        r"cortarme(?! (?:el|las|los|la) (?:pelo|cabello|unas|barba|flequillo|fleco|dedo|uñas))",
        r"me (?:corte|estoy cortando|quiero cortar|voy a cortar|volvi a cortar|sigo cortando|corto)"
        r"(?! (?:el|las|los|la|un) (?:pelo|cabello|unas|barba|flequillo|fleco|dedo|poquito el))",
        r"(?:hacerme|me hago|me hice|me quiero hacer|me vuelvo a hacer|volvi a hacerme|me estoy"
        r" haciendo) (?:dano|danio|heridas|cortes)|lastimarme|quemarme|me queme (?:\w+ ){0,3}?"
        r"(?:con|a proposito)|golpearme",
        r"me (?:quiero|voy a|volvi a|sigo|estoy) (?:lastimar|lastimando|golpear|golpeando|quemar"
        r"|quemando|rasgun\w*|arranc\w*|morder|mordiendo)",
        r"me (?:lastimo|lastime|golpeo|golpee|quemo|rasguno|rasgune|araño|arano|arane|muerdo"
        r"|mordi|pego|pegue|castigo)",
        r"(?:dando|di|doy|darme) (?:golpes|cabezazos|punetazos) (?:\w+ ){0,3}?(?:contra|en) (?:la"
        r" )?(?:pared|puerta|piso)",
        r"(?:rasgun\w*|aran\w*|arranc\w*|pelliz\w*) (?:\w+ ){0,4}?(?:hasta|para que no sanen"
        r"|sangr\w*)",
        r"(?:navaja|cuchilla|hoja de afeitar|gillette|vidrio|tijeras|cuchillo)(?: \w+){0,4}"
        r" (?:brazo|muneca|munecas|piernas?|muslos?|panza|para cuando)",
        r"(?:no como|sin comer|dejar de comer|deje de comer)\b.{0,30}\b(?:castig\w*|no merezco"
        r"|a proposito)|(?:vomitando|vomito) (?:\w+ ){0,4}?a proposito",
        r"a proposito\b.{0,20}\b(?:castigarme|lastimarme|doler)",
    ),
    rule(
        C,
        "safety",
        "not safe (es)",
        r"no me siento (?:a )?salv[oa]|no me siento segur[oa]|no estoy (?:a )?salv[oa]"
        r"|no estoy segur[oa] (?:conmigo|sol[oa])|miedo de (?:mi mism[oa]|lo que pueda hacer"
        r"|hacer algo)|no confio en mi",
        r"(?:no se|no creo) (?:si )?(?:pueda|puedo|aguante|aguanto) (?:\w+ )?(?:esta noche|mas"
        r" tiempo|hasta manana)",
        r"no (?:puedo|te puedo|les puedo) (?:garantizar|prometer|asegurar)",
        r"(?:puedo|podria|voy a|a punto de) hacer (?:una )?(?:locura|tonteria|algo (?:malo|feo"
        r"|grave|de lo que me arrepienta))",
        r"(?:vengan|ven|llamen|ayudenme|ayudame|auxilio|socorro)\b.{0,20}\b(?:ya|ahora|por favor"
        r"|rapido|urgente)$|^(?:ayudame|ayudenme|ayudeme|auxilio|socorro)(?: por favor)?$",
    ),
    rule(
        C,
        "overdose",
        "overdose (es)",
        r"sobredosis|dosis (?:letal|mortal)",
        r"(?:todas|todos) (?:las|mis|los) (?:\w+ )?(?:pastillas|pildoras|medicinas|medicamentos"
        r"|tabletas|capsulas)",
        rf"(?:me )?(?:tome|trague|tomo|tomar|tragar|tragarme|tomarme|tomando|tomarmelas|tomarmelos"
        rf"|tragarmelas|tragarmelos) (?:\w+ )?(?:todas"
        rf"|todo el frasco|el frasco|un frasco|muchas|demasiadas|las que (?:quedaban|tenia)"
        rf"|{_MUCHAS} (?:de )?(?:mis |las |los )?{_PASTILLAS})",
        r"(?:frasco|bote|caja|blister) (?:entero|completo|de pastillas|de pildoras)",
        r"(?:muchas|demasiadas|un monton de|un punado de) (?:pastillas|pildoras|tabletas)",
        rf"(?:guardando|guarde|guardo|junte|juntando|junto|conte|contando|acumul\w*|escond\w*)"
        rf" (?:\w+ ){{0,3}}?{_PASTILLAS}",
        rf"{_PASTILLAS} (?:\w+ ){{0,4}}?(?:guardadas|juntas|contadas|escondidas|list[oa]s|suficientes)",
        rf"(?:suficientes|bastantes) {_PASTILLAS}",
        rf"{_PASTILLAS}? ?(?:\w+ ){{0,3}}?(?:con|y) (?:una botella de |media botella de )?(?:tequila"
        r"|vodka|whisky|ron|vino|alcohol|cerveza|guaro|aguardiente|mezcal|pisco)",
        r"(?:tome|bebi|tomar|beber|trague) (?:\w+ ){0,2}?(?:cloro|veneno|raticida|lejia|anticongelante)",
    ),
    rule(
        C,
        "means",
        "means with intent (es)",
        r"(?:tirarme|aventarme|lanzarme|arrojarme|botarme|echarme) (?:de|desde|del|por|al|bajo"
        r"|frente|a las vias|al metro|al tren|a la calle)",
        r"(?:ahorcar\w*|colgarme|me voy a colgar)|(?:soga|cuerda|lazo|cinturon) (?:\w+ ){0,5}?"
        r"(?:no es para|cuello|viga|techo|ahorcar|list[oa]|colgar(?:me)?|fuerte)",
        r"(?:compre|tengo|consegui) (?:una )?(?:soga|cuerda)(?! (?:para|pa) (?:tender|la ropa|el patio"
        r"|amarrar|la hamaca|el columpio|colgar (?:la|el|las|los) (?:hamaca|ropa|columpio|cuadro)))",
        r"(?:veneno|envenenarme|pegarme un tiro|darme un tiro|dispararme|volarme la cabeza)",
        r"(?:pistola|escopeta|arma|revolver|rifle)(?: \w+){0,4} (?:cargada|en el cajon|en la mano"
        r"|a la cabeza|en la boca|ya sabes|lista|pa q|para que|en el carro)",
        r"(?:cargue|limpie|saque|tengo|agarre|tome|deje) (?:\w+ ){0,2}?(?:la |el |una |mi )?"
        r"(?:pistola|escopeta|arma|revolver|rifle)(?! de (?:agua|silicon\w*|juguete|pintura))",
        r"(?:vias del tren|el puente|la azotea|el techo|el balcon|la orilla)\b.{0,30}\b(?:tirarme"
        r"|saltar|aventarme|esta noche|mirando|hacia abajo|me voy a (?:tirar|aventar))",
        r"(?:mirando|vi|veo|mire) (?:hacia )?abajo (?:desde|del) (?:el )?(?:puente|techo|azotea"
        r"|balcon|edificio)",
        r"(?:carro|coche|auto|motor) (?:prendido|encendido)\b.{0,30}\b(?:garaje|cochera)"
        r"|(?:garaje|cochera)\b.{0,30}\b(?:motor|carro|coche) (?:prendido|encendido)",
        r"(?:estrellar|chocar|estrellarme|chocarme) (?:el carro|el coche|contra)",
    ),
    rule(
        C,
        "hopelessness",
        "hopelessness (es)",
        r"sin esperanza|(?:ya )?no (?:hay|tengo|me queda) esperanza|desesperanza",
        r"(?:ya )?no (?:puedo|aguanto|soporto) (?:mas|mas con esto|con esta vida|esta vida)",
        r"no (?:tiene|tengo|le veo|hay|tiene ningun) (?:ningun )?(?:sentido|caso) (?:vivir|seguir"
        r"|nada|la vida|a la vida|a nada|de vivir)",
        r"(?:muert[oa]|muriendo) por dentro|vacio por dentro",
        r"(?:soy|siento que soy|me siento|solo soy) (?:una |un )?(?:carga|estorbo)",
        r"(?:cansad[oa]|hart[oa]) de (?:vivir|la vida|todo|existir|luchar|seguir|despertar)",
        r"nadie me (?:extranaria|va a extranar|extranara|quiere|necesita)|a nadie le importo",
        r"no hay salida|me (?:rindo|doy por vencid[oa])|(?:nunca|no) va a mejorar|nada va a cambiar",
        r"(?:odio|detesto) (?:mi vida|estar viv[oa]|existir)",
        r"era mi ultima (?:esperanza|opcion|oportunidad)",
    ),
)

MORE = (
    rule(
        C,
        "suicide",
        "wish to be dead, said another way (es)",
        r"ojala no (?:hubiera|hubiese) (?:despertado|nacido|amanecido)|ojala no (?:despierte"
        r"|despertara|amanezca|amaneciera)|(?:pido|le pido|pedi|le pedi|rezo) a dios (?:que )?"
        r"(?:\w+ ){0,3}?(?:no me deje (?:amanecer|despertar)|me (?:lleve|recoja|quite la vida))|dios (?:se lo|se la"
        r"|me) (?:lleve|recoja)",
        r"(?:me )?(?:canse|harte|aburri) de (?:vivir|la vida|estar viv[oa]|existir|todo|seguir)"
        r"|(?:hart[oa]|cansad[oa]|fastidiad[oa]) de (?:estar|seguir) viv[oa]|(?:pereza|flojera)"
        r" (?:de )?seguir viv[oa]",
        r"no le veo (?:el |ningun )?sentido a (?:seguir|vivir|la vida|nada|despertar)|no veo (?:para"
        r"|por) (?:que|q) (?:despertar|seguir|vivir|levantarme)",
        r"(?:si|ojala) me (?:atropella|atropellara|atropellan|mata|matara|cae|cayera|pasa|pasara)"
        r"\b.{0,60}\b(?:mejor|ni me importa|no me importa|me da igual|que bueno|se acab\w*)",
        r"(?:no se|no entiendo) (?:para|pa|por) (?:que|q) (?:sigo|estoy|seguir) (?:aqui|viv[oa])",
        r"no tengo ganas de (?:seguir viviendo|vivir|seguir aqui|despertar)",
        r"(?:seria|es) (?:facil|mejor) (?:aventarme|tirarme|lanzarme|matarme)|pienso (?:que|q)"
        r" (?:seria|sería) facil",
        r"(?:ya )?(?:tengo|compre|consegui) (?:la|una) (?:soga|cuerda) (?:en|escondida)",
        r"(?:que|q) ganas de (?:no despertar|morirme|desaparecer|no existir|no volver|dormir y no"
        r" (?:volver|despertar))|ganas de (?:no existir|desaparecer para siempre|no despertar)",
        r"ojala me (?:diera algo|pasara algo|muriera|diera un infarto)|me muriera dormid[oa]",
        r"(?:coraje|rabia|tristeza|pena) (?:de )?(?:haber )?(?:despertado|despertar|amanecido)",
        r"deseo (?:estar|andar) muert[oa]|(?:he )?deseado estar muert[oa]",
        r"(?:vivirian|estarian|serian|viviran|estaran) (?:\w+ ){0,2}?(?:tranquil[oa]s|mejor|felices"
        r"|en paz) si (?:yo )?no (?:estuviera|existiera|estoy)",
        r"no me tengo confianza|escondi los cuchillos pero|se despidio de (?:todos|mi|sus)"
        r"|no le (?:encuentro|veo|hallo) (?:el |ningun )?sentido a (?:seguir|vivir|la vida)",
        r"siento que sobro|sobro en (?:esta vida|este mundo|esta casa)|a nadie le (?:haria|hare)"
        r" falta|nadie me (?:va a )?(?:extranar\w*|echar\w* de menos)",
        r"(?:hoy|esta noche|ya|ahora) si lo (?:voy a hacer|hago|hare)|esta vez va en serio"
        r"|va en serio\b.{0,20}\b(?:noche|hoy|manana)",
        r"(?:me voy a|voy a|quiero|pienso|me quiero|me tirar\w*|me aventar\w*) (?:tirar|aventar"
        r"|lanzar|arrojar)(?:me)? (?:del|de la|desde|al|a las|por|de)|me (?:tiraria|aventaria"
        r"|lanzaria) (?:al|del|de|por|desde)",
        r"(?:irme|ir|pirar|pirarme|largarme) de este mundo|quitar(?:me)? del medio|irme para siempre"
        r"|me toca (?:a mi )?irme|ya me voy a ir$",
        r"(?:ya )?(?:se|tengo pensado|decidi|planee) (?:exactamente |bien )?(?:como|donde|cuando)"
        r" (?:lo haria|lo haré|lo hare|lo voy a hacer|hacerlo|lo hago)",
        r"no (?:creo (?:que )?)?(?:llegue|llegar|voy a llegar) a (?:la|mi) (?:proxima|otra|siguiente)"
        r" (?:infusion|cita|sesion)|no creo (?:que )?llegue a la noche|no se si llego a la noche",
        r"(?:ya )?no (?:las|los|la|lo) voy a necesitar|no voy a necesitar (?:mas )?(?:las|mis)"
        r" (?:citas|infusiones)|(?:ya )?no me (?:van a|va a) hacer falta",
        r"(?:ya )?no voy a estar (?:para|pa|en) (?:contestar|la cita|la proxima|responder)"
        r"|no me esperen\b|no voy a estar(?: ahi| alli)?$|(?:pronto )?ya no (?:voy|va) a estar",
        r"(?:la |es la )?ultima vez que (?:les|te|los) (?:escribo|contesto|hablo|mando)",
        r"si no (?:contesto|respondo)\b.{0,25}\b(?:ya saben|sabran) (?:por|x) ?que",
        r"no fue (?:su|tu) culpa|(?:gracias|adios) y (?:adios|gracias)|mensaje de despedida"
        r"|me despedi de (?:mis|mi|todos|ustedes)|ya me despedi",
        r"ya no (?:les|los|te|nos) (?:voy|va) a (?:molestar|dar (?:mas )?lata|dar problemas)"
        r"|ya no voy a ser (?:una )?(?:carga|estorbo|problema)",
        r"(?:borre|cerre|elimine) (?:todas )?mis (?:redes|cuentas)\b",
        r"perdon (?:por|x) todo\b",
        r"(?:que|q) tan alt[oa] (?:esta|es)\b.{0,30}\b(?:puente|edificio|techo|azotea)|(?:puente"
        r"|edificio|azotea)\b.{0,30}\b(?:que|q) tan alt[oa]",
        r"cuant[oa]s (?:\w+ ){0,3}?(?:para no despertar|para morir|se necesitan|necesito para)",
        r"(?:juntando|junte|junto|juntar) las (?:de|que)|(?:tengo|ya casi tengo) las que (?:necesito"
        r"|me faltaban)|ya junte",
        r"(?:tengo|esta|ya esta|ya tengo) todo (?:listo|arreglado|preparado)\b(?! para (?:la|mi)"
        r" (?:cita|infusion|viaje))",
        r"(?:farmacias distintas|varias farmacias|diferentes farmacias|distintas farmacias)"
        r"|para que nadie (?:sospech\w*|se de cuenta|note|me vea)",
        r"(?:estoy|ando|sigo) (?:parad[oa] |sentad[oa] )?(?:en|arriba de|junto a|cerca de) (?:la"
        r" azotea|el techo|el puente|las vias|el borde|la orilla)",
        r"(?:ustedes )?saben (?:pa|para|por) (?:que|q)\b",
        r"barranco|precipicio|acantilado",
        r"investigu\w* (?:la |las )?dosis|cuanto se necesita",
        r"me imagino (?:saltando|tirandome|aventandome|cayendo|muert[oa])",
        r"(?:sera|va a ser) mi oportunidad|lo he pensado mucho|ya lo decidi|lo tengo decidido",
        r"(?:el frasco|las pastillas) (?:esta|estan) (?:llen[oa]s?|list[oa]s?|aqui)",
        r"(?:navaja|cuchillo|pistola|soga|cuerda) (?:esta )?(?:aqui conmigo|en la mano|conmigo)"
        r"|(?:tengo|agarre) (?:el|la) (?:cuchillo|navaja|pistola) en la mano",
        r"(?:me sigue|sigue) llamando|me llama (?:la soga|el puente)",
        r"(?:pregunta|la) (?:9|nueve)\b.{0,30}\b(?:casi todos|todos los dias|varios dias|mas de"
        r" la mitad|[123]\b)",
        r"no (?:quiero|kiero) seguir(?! (?:con|yendo|en|asi con|el tratamiento|tomando|trabajando))",
        r"si me muero (?:pues )?(?:mejor|que bueno|ni modo)",
        r"(?:quiero|quisiera|ojala) (?:que )?(?:todo|esto|esta vida|mi vida) se (?:acabe|termine)",
        r"me voy a (?:aventar|tirar|lanzar)(?! (?:la|el|los|las|una|un|a la|al suelo|a dormir)\b)",
        r"(?:encerr\w*|metio|metido) (?:\w+ ){0,2}?con (?:la|el|una|un) (?:pistola|arma|escopeta"
        r"|cuchillo|navaja)|limpiando la escopeta",
        r"(?:ya )?se va\b.{0,30}\bperdon|que (?:la|lo|los) perdonen",
    ),
    rule(
        C,
        "self_harm",
        "self-harm, said another way (es)",
        r"hasta (?:sangrar|que sangr\w*|abrirme|hacerme (?:herida|heridas|ampolla)|que se me hizo"
        r" ampolla|hacer(?:me)? sangre)|(?:me )?(?:rasque|rasco|arane|aranio) hasta",
        r"hielo con sal|agua hirviendo (?:en|sobre) (?:la|mi|el)|me (?:di|doy|daba) de (?:punetazos"
        r"|golpes|cachetadas|topes|cabezazos)|cortes nuevos|lleno de cortes|recai\w*"
        r"|(?:topes|cabezazos|golpes) contra la pared|(?:vuelto|volvi) a hacer(?:me)? cortes"
        r"|hacerme cortes",
        r"(?:tome|me tome|trague|me corte|me queme|me eche|me pegue|me lastime|me hice)\b.{0,40}"
        r"\ba proposito",
        r"(?:anoche|ayer|hoy) si me (?:hice|corte|queme|lastime)|me queme (?:el|la|los|las) (?:brazo"
        r"|pierna|mano|piel|brazos|piernas)|cortandome|quemandome|golpeandome",
        r"(?:se|me) (?:las |los )?(?:hizo|hice) (?:ella|el|yo) mism[oa]",
        r"sentir dolor y no esto|queria sentir dolor",
    ),
    rule(
        C,
        "safety",
        "not safe, said another way (es)",
        r"(?:no se|no creo) (?:si )?(?:pueda|poder|puedo) (?:controlarme|mantenerme a salvo"
        r"|aguantar)|no se de lo que soy capaz|perdiendo el control|me da terror hacerme algo"
        r"|(?:plan de seguridad|plan de seguridad ya) no me (?:funciona|sirve)|necesito que alguien"
        r" me (?:detenga|pare|cuide)",
    ),
    rule(
        C,
        "overdose",
        "overdose, said another way (es)",
        r"(?:todo|toda) (?:el|la) (?:blister|frasco|bote|caja|tira|paquete)|la tira de \w+ completa"
        r"|un puno de|(?:tragarme|tomarme) todo lo que hay|botiquin",
        rf"{_MUCHAS} de las (?:de dormir|pastillas|pildoras|que)",
        r"(?:whisky|tequila|vodka|ron|vino|alcohol|cerveza|aguardiente)\b.{0,40}\b(?:pastillas"
        r"|pildoras|medicinas|calmantes)",
        r"(?:tome|me tome) mas de lo que (?:debia|me toca)",
    ),
)

DISTRESS = (rule(Level.REVIEW, "distress", "acute distress (es)", r"no puedo dejar de llorar"),)
