{#- The frames' strata (survey × wave × municipality × policy area or
    association field) with their invited and responding units, and the
    post-stratum each is weighted in after collapsing. A stratum needs at
    least two respondents of its own (the variance needs n_h - 1 > 0); the
    strata of one survey, wave and municipality that have fewer are pooled
    into one post-stratum; a pool that still has fewer than two respondents
    joins the municipality's largest stratum (most invited, then code); where
    a whole municipality and wave has fewer than two respondents its units are
    not represented (no weight). See the doc block nonresponse_weights. -#}
with

institution_frame as (
    select
        kommunekode,
        policy_area_code,
        wave
    from {{ ref('stg_institution_survey__frame') }}
),

association_frame as (
    select
        kommunekode,
        association_field_code,
        wave
    from {{ ref('stg_association_survey__frame') }}
),

survey_responses as (
    select
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        wave,
        is_complete
    from {{ ref('int_survey_responses_unioned') }}
),

invited as (
    select
        'institution' as survey,
        kommunekode,
        policy_area_code as stratum_code,
        wave,
        count(*) as invited_count
    from institution_frame
    group by 1, 2, 3, 4

    union all

    select
        'association' as survey,
        kommunekode,
        association_field_code as stratum_code,
        wave,
        count(*) as invited_count
    from association_frame
    group by 1, 2, 3, 4
),

responded as (
    select
        survey,
        kommunekode,
        coalesce(policy_area_code, association_field_code) as stratum_code,
        wave,
        count(*) as responded_count,
        sum(case when is_complete then 1 else 0 end) as complete_count
    from survey_responses
    group by 1, 2, 3, 4
),

strata as (
    select
        invited.survey,
        invited.kommunekode,
        invited.stratum_code,
        invited.wave,
        invited.invited_count,
        coalesce(responded.responded_count, 0) as responded_count,
        coalesce(responded.complete_count, 0) as complete_count,
        coalesce(responded.responded_count, 0) >= 2 as is_kept
    from invited
    left join responded
        on
            invited.survey = responded.survey
            and invited.kommunekode = responded.kommunekode
            and invited.stratum_code = responded.stratum_code
            and invited.wave = responded.wave
),

-- The pool of each survey, wave and municipality: its strata with fewer
-- than two respondents.
pools as (
    select
        survey,
        kommunekode,
        wave,
        sum(case when is_kept then 0 else responded_count end) as pooled_responded_count,
        sum(case when is_kept then 1 else 0 end) as kept_stratum_count
    from strata
    group by 1, 2, 3
),

largest_kept_strata as (
    select
        survey,
        kommunekode,
        wave,
        stratum_code,
        row_number() over (
            partition by survey, kommunekode, wave
            order by invited_count desc, stratum_code asc
        ) as size_rank
    from strata
    where is_kept
),

assigned as (
    select
        strata.survey,
        strata.kommunekode,
        strata.stratum_code,
        strata.wave,
        strata.invited_count,
        strata.responded_count,
        strata.complete_count,
        case
            when strata.is_kept then strata.stratum_code
            when pools.pooled_responded_count >= 2 then 'pooled'
            when pools.kept_stratum_count > 0 then largest_kept_strata.stratum_code
            else 'pooled'
        end as post_stratum_code
    from strata
    inner join pools
        on
            strata.survey = pools.survey
            and strata.kommunekode = pools.kommunekode
            and strata.wave = pools.wave
    left join largest_kept_strata
        on
            strata.survey = largest_kept_strata.survey
            and strata.kommunekode = largest_kept_strata.kommunekode
            and strata.wave = largest_kept_strata.wave
            and largest_kept_strata.size_rank = 1
),

post_strata as (
    select
        survey,
        kommunekode,
        wave,
        post_stratum_code,
        sum(invited_count) as post_stratum_invited_count,
        sum(responded_count) as post_stratum_responded_count
    from assigned
    group by 1, 2, 3, 4
),

final as (
    select
        assigned.survey
        || '-' || cast(assigned.wave as varchar)
        || '-' || assigned.kommunekode
        || '-' || assigned.stratum_code as survey_stratum_id,
        assigned.survey
        || '-' || cast(assigned.wave as varchar)
        || '-' || assigned.kommunekode
        || '-' || assigned.post_stratum_code as post_stratum_id,
        assigned.survey,
        assigned.kommunekode,
        case
            when assigned.survey = 'institution' then assigned.stratum_code
        end as policy_area_code,
        case
            when assigned.survey = 'association' then assigned.stratum_code
        end as association_field_code,
        assigned.stratum_code,
        assigned.post_stratum_code,
        assigned.wave,
        cast(assigned.invited_count as integer) as invited_count,
        cast(assigned.responded_count as integer) as responded_count,
        cast(assigned.complete_count as integer) as complete_count,
        cast(post_strata.post_stratum_invited_count as integer) as post_stratum_invited_count,
        cast(post_strata.post_stratum_responded_count as integer)
            as post_stratum_responded_count,
        case
            when post_strata.post_stratum_responded_count >= 2
                then
                    cast(post_strata.post_stratum_invited_count as float8)
                    / post_strata.post_stratum_responded_count
        end as nonresponse_weight,
        case
            when post_strata.post_stratum_responded_count >= 2
                then
                    1.0 - cast(post_strata.post_stratum_responded_count as float8)
                    / post_strata.post_stratum_invited_count
        end as finite_population_correction,
        assigned.post_stratum_code != assigned.stratum_code as is_collapsed,
        post_strata.post_stratum_responded_count >= 2 as is_represented
    from assigned
    inner join post_strata
        on
            assigned.survey = post_strata.survey
            and assigned.kommunekode = post_strata.kommunekode
            and assigned.wave = post_strata.wave
            and assigned.post_stratum_code = post_strata.post_stratum_code
)

select * from final
