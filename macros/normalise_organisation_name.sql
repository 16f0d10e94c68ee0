{#- The comparison key of an organisation's name, as respondents write it.
    Lower case; CVR numbers and "afd."/"afdeling" removed; '&' read as 'og';
    punctuation removed; the long forms of the usual Danish abbreviations
    contracted to the short form, definite and indefinite alike (on both
    sides of a comparison, so "Tarup Idrætsforening", "Tarup IF" and "tarup
    idrætsforeningen" meet, and "Vedbæk Skole" and "Vedbækskolen" both
    meet "Vedbæksk." and make it ambiguous rather than wrongly linked); then
    everything but letters and digits removed. "Ældre Sagen, Odense afd." and "ÆldreSagen Odense"
    both give 'ældresagenodense'. Extend `contractions` when real exports show
    another abbreviation; the longest form must come first. -#}
{% macro normalise_organisation_name(expression) -%}
    {%- set contractions = [
        ('idrætsforeningen|idrætsforening', 'if'),
        ('gymnastikforeningen|gymnastikforening', 'gf'),
        ('håndboldklubben|håndboldklub', 'hk'),
        ('badmintonklubben|badmintonklub', 'bmk'),
        ('tennisklubben|tennisklub', 'tk'),
        ('fritidsklubben|fritidsklub', 'fritidskl'),
        ('boldklubben|boldklub', 'bk'),
        ('foreningen|forening', 'foren'),
        ('dansk røde kors', 'drk'),
        ('det danske spejderkorps', 'dds'),
        ('kræftens bekæmpelse', 'kb'),
        ('^plejecentret ', ''),
        ('plejecentret|plejecenter', 'plejectr'),
        ('aktivitetscentret|aktivitetscenter', 'aktcenter'),
        ('genoptræningscentret|genoptræningscenter', 'genoptrctr'),
        ('sundhedscentret|sundhedscenter', 'sundhedsctr'),
        ('daginstitutionen', 'dagi'),
        ('børnehuset', 'bh'),
        ('biblioteket|bibliotek', 'bibl'),
        ('skolen|skole', 'sk'),
        ('sankt', 'skt'),
    ] -%}
    {#- a namespace: a plain `set` inside the loop would not outlive it -#}
    {%- set key = namespace(sql="lower(trim(" ~ expression ~ "))") -%}
    {%- set key.sql = "regexp_replace(" ~ key.sql ~ ", '(cvr[^0-9]*)?[0-9]{8}', ' ', 'g')" -%}
    {%- set key.sql = "regexp_replace(" ~ key.sql ~ ", '&', ' og ', 'g')" -%}
    {%- set key.sql = "regexp_replace(" ~ key.sql
        ~ ", '(^|[^a-zæøå])(afdeling|afd)([^a-zæøå]|$)', '\\1 \\3', 'g')" -%}
    {%- set key.sql = "regexp_replace(" ~ key.sql ~ ", '[^a-zæøå0-9 ]', '', 'g')" -%}
    {%- set key.sql = "regexp_replace(" ~ key.sql ~ ", ' +', ' ', 'g')" -%}
    {%- for long, short in contractions -%}
        {%- set key.sql = "regexp_replace(" ~ key.sql ~ ", '" ~ long ~ "', '" ~ short ~ "', 'g')" -%}
    {%- endfor -%}
    regexp_replace({{ key.sql }}, '[^a-zæøå0-9]', '', 'g')
{%- endmacro %}
