{#- Response to each survey by wave for two kinds of domain: the frames'
    strata (`stratum`: municipality × policy area or association field, with
    the post-stratum it is weighted in and its nonresponse weight) and
    `municipality` (its strata added up). Everyone invited against every
    returned questionnaire, complete or partial. Not disclosure-controlled:
    the release tier's rpt_response_rates models select from it. -#}
with

survey_strata as (
    select
        survey_stratum_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        wave,
        invited_count,
        responded_count,
        complete_count,
        nonresponse_weight,
        is_collapsed,
        is_represented
    from {{ ref('int_survey_strata_collapsed') }}
),

municipalities as (
    select
        survey,
        kommunekode,
        wave,
        sum(invited_count) as invited_count,
        sum(responded_count) as responded_count,
        sum(complete_count) as complete_count
    from survey_strata
    group by 1, 2, 3
),

unioned as (
    select
        'stratum' as domain_level,
        survey_stratum_id as response_rate_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        wave,
        invited_count,
        responded_count,
        complete_count,
        nonresponse_weight,
        is_collapsed,
        is_represented
    from survey_strata

    union all

    select
        'municipality' as domain_level,
        survey || '-' || cast(wave as varchar) || '-' || kommunekode as response_rate_id,
        cast(null as varchar) as post_stratum_id,
        survey,
        kommunekode,
        cast(null as varchar) as policy_area_code,
        cast(null as varchar) as association_field_code,
        wave,
        invited_count,
        responded_count,
        complete_count,
        cast(null as float8) as nonresponse_weight,
        cast(null as boolean) as is_collapsed,
        cast(null as boolean) as is_represented
    from municipalities
),

final as (
    select
        response_rate_id,
        domain_level,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        cast(wave as integer) as wave,
        cast(invited_count as integer) as invited_count,
        cast(responded_count as integer) as responded_count,
        cast(complete_count as integer) as complete_count,
        cast(responded_count as float8) / invited_count as response_rate,
        cast(nonresponse_weight as float8) as nonresponse_weight,
        is_collapsed,
        is_represented
    from unioned
)

select * from final
