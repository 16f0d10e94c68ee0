{#- The valid answers of both surveys counted per domain, item, statistic,
    wave, post-stratum and observed value: the sufficient statistics of every
    weighted estimate. One observation per answer and statistic: y is 1 or 0
    for a share, the answer itself for a mean. Three kinds of domain:
    municipality × policy area or association field, municipality, and the
    whole survey. Every answer belongs to one domain of each level, so the
    municipality's and the survey's counts add up those of their finest
    domains (far fewer rows than the answers). -#}
with

weighted_answers as (
    select
        survey_answer_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        value_set,
        wave,
        answer_value,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight
    from {{ ref('int_survey_answers_weighted') }}
),

-- One observation per answer and statistic: y is 1 or 0 for a share, the
-- answer itself for a mean.
observations as (
    select
        survey_answer_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        'share_yes' as statistic,
        wave,
        cast(case when answer_value = 1 then 1 else 0 end as float8) as observed_value,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight
    from weighted_answers
    where value_set in ('yes_no', 'yes_no_filtered')

    union all

    select
        survey_answer_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        'mean' as statistic,
        wave,
        cast(answer_value as float8) as observed_value,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight
    from weighted_answers
    where value_set in ('likert5', 'count')

    union all

    select
        survey_answer_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        'share_agreeing' as statistic,
        wave,
        cast(case when answer_value >= 4 then 1 else 0 end as float8) as observed_value,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight
    from weighted_answers
    where value_set = 'likert5'
),

-- Answers counted per post-stratum and value in the finest domains
-- (municipality × policy area or association field). The estimates sum over
-- these counts in a fixed order (post-stratum, value), so a rebuild gives the
-- same bits whatever order the database reads the answers in.
area_value_counts as (
    select
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        count(*) as answer_count,
        min(post_stratum_invited_count) as stratum_invited_count,
        min(post_stratum_responded_count) as stratum_responded_count,
        min(nonresponse_weight) as nonresponse_weight
    from observations
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9
),

municipality_value_counts as (
    select
        survey,
        kommunekode,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        cast(sum(answer_count) as bigint) as answer_count,
        min(stratum_invited_count) as stratum_invited_count,
        min(stratum_responded_count) as stratum_responded_count,
        min(nonresponse_weight) as nonresponse_weight
    from area_value_counts
    group by 1, 2, 3, 4, 5, 6, 7
),

survey_value_counts as (
    select
        survey,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        cast(sum(answer_count) as bigint) as answer_count,
        min(stratum_invited_count) as stratum_invited_count,
        min(stratum_responded_count) as stratum_responded_count,
        min(nonresponse_weight) as nonresponse_weight
    from municipality_value_counts
    group by 1, 2, 3, 4, 5, 6
),

value_counts as (
    select
        'municipality_area' as domain_level,
        kommunekode || '-' || coalesce(policy_area_code, association_field_code) as domain_code,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        answer_count,
        stratum_invited_count,
        stratum_responded_count,
        nonresponse_weight
    from area_value_counts

    union all

    select
        'municipality' as domain_level,
        kommunekode as domain_code,
        survey,
        kommunekode,
        cast(null as varchar) as policy_area_code,
        cast(null as varchar) as association_field_code,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        answer_count,
        stratum_invited_count,
        stratum_responded_count,
        nonresponse_weight
    from municipality_value_counts

    union all

    select
        'survey' as domain_level,
        'all' as domain_code,
        survey,
        cast(null as varchar) as kommunekode,
        cast(null as varchar) as policy_area_code,
        cast(null as varchar) as association_field_code,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        answer_count,
        stratum_invited_count,
        stratum_responded_count,
        nonresponse_weight
    from survey_value_counts
),

final as (
    select
        survey_item_id
        || '-' || statistic
        || '-' || cast(wave as varchar)
        || '-' || domain_level
        || '-' || domain_code
        || '-' || post_stratum_id
        || '-' || cast(cast(observed_value as bigint) as varchar) as survey_value_count_id,
        domain_level,
        domain_code,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        statistic,
        post_stratum_id,
        wave,
        cast(observed_value as float8) as observed_value,
        cast(answer_count as integer) as answer_count,
        cast(stratum_invited_count as integer) as stratum_invited_count,
        cast(stratum_responded_count as integer) as stratum_responded_count,
        cast(nonresponse_weight as float8) as nonresponse_weight
    from value_counts
)

select * from final
