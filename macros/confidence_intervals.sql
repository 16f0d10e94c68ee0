{#- Wilson's score interval for a proportion: the lower or upper bound
    (side 'lower' / 'upper') for the proportion p observed among n units with
    the critical value c (z, or a t quantile for a survey design),
    (p + c²/2n ∓ c √(p(1 - p)/n + c²/4n²)) / (1 + c²/n), within [0, 1]. n may be
    an effective sample size (not a whole number). At p = 0 the lower bound
    is 0 and at p = 1 the upper bound 1, exactly. -#}
{% macro wilson_bound(proportion, sample_size, critical_value, side) -%}
    {%- set sign = '-' if side == 'lower' else '+' -%}
    {%- set clamp = 'greatest' if side == 'lower' else 'least' -%}
    {%- set edge = '0' if side == 'lower' else '1' -%}
    case when ({{ proportion }}) = {{ edge }} then {{ edge }}.0 else {{ clamp }}(
        (
            ({{ proportion }})
            + ({{ critical_value }}) * ({{ critical_value }}) / (2.0 * ({{ sample_size }}))
            {{ sign }} ({{ critical_value }}) * sqrt(
                greatest(({{ proportion }}) * (1 - ({{ proportion }})), 0) / ({{ sample_size }})
                + ({{ critical_value }}) * ({{ critical_value }})
                / (4.0 * ({{ sample_size }}) * ({{ sample_size }}))
            )
        )
        / (1 + ({{ critical_value }}) * ({{ critical_value }}) / ({{ sample_size }})),
        {{ edge }}.0
    ) end
{%- endmacro %}

{#- Newcombe's (1998) hybrid score interval (his method 10) for the change of
    a paired proportion, p_second - p_first, from the counts of the pairs:
    both (yes, yes), first_only (yes, no), second_only (no, yes) and neither
    (no, no). With the Wilson bounds l, u of the two marginal proportions at
    the critical value z and the correlation φ of the pairs,
    lower = Δ - √((p₂ - l₂)² - 2φ (p₂ - l₂)(u₁ - p₁) + (u₁ - p₁)²) and
    upper = Δ + √((u₂ - p₂)² - 2φ (u₂ - p₂)(p₁ - l₁) + (p₁ - l₁)²),
    where φ = (ad - bc)/√(efgh), with ad - bc reduced by n/2 (not below 0) when
    positive and φ = 0 when a margin e, f, g or h is empty. -#}
{% macro newcombe_paired_bound(both, first_only, second_only, neither, critical_value, side) -%}
    {%- set n -%}
        (({{ both }}) + ({{ first_only }}) + ({{ second_only }}) + ({{ neither }}))
    {%- endset -%}
    {%- set first -%} cast(({{ both }}) + ({{ first_only }}) as float8) / {{ n }} {%- endset -%}
    {%- set second -%} cast(({{ both }}) + ({{ second_only }}) as float8) / {{ n }} {%- endset -%}
    {%- set cross -%}
        (cast({{ both }} as float8) * ({{ neither }}) - cast({{ first_only }} as float8) * ({{ second_only }}))
    {%- endset -%}
    {%- set margins -%}
        (
            cast(({{ both }}) + ({{ first_only }}) as float8)
            * (({{ second_only }}) + ({{ neither }}))
            * (({{ both }}) + ({{ second_only }}))
            * (({{ first_only }}) + ({{ neither }}))
        )
    {%- endset -%}
    {%- set phi -%}
        case
            when {{ margins }} = 0 then 0.0
            when {{ cross }} > 0 then greatest({{ cross }} - {{ n }} / 2.0, 0.0) / sqrt({{ margins }})
            else {{ cross }} / sqrt({{ margins }})
        end
    {%- endset -%}
    {%- if side == 'lower' -%}
        {%- set near -%} ({{ second }} - {{ wilson_bound(second, n, critical_value, 'lower') }}) {%- endset -%}
        {%- set far -%} ({{ wilson_bound(first, n, critical_value, 'upper') }} - {{ first }}) {%- endset -%}
    {%- else -%}
        {%- set near -%} ({{ wilson_bound(second, n, critical_value, 'upper') }} - {{ second }}) {%- endset -%}
        {%- set far -%} ({{ first }} - {{ wilson_bound(first, n, critical_value, 'lower') }}) {%- endset -%}
    {%- endif -%}
    ({{ second }} - {{ first }})
    {{ '-' if side == 'lower' else '+' }} sqrt(
        greatest({{ near }} * {{ near }} - 2 * ({{ phi }}) * {{ near }} * {{ far }} + {{ far }} * {{ far }}, 0)
    )
{%- endmacro %}
