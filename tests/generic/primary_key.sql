{#- Fails for every value of `column_name` that is null or occurs more than once:
    a key's two conditions (not null, unique) in one query over the model. -#}
{% test primary_key(model, column_name) %}

select
    {{ column_name }},
    count(*) as occurrences
from {{ model }}
group by {{ column_name }}
having {{ column_name }} is null or count(*) > 1

{% endtest %}
