{#- Dyads per municipality and wave: of the institution × association ties
    named in a survey wave, how many were named by both sides. Only a tie
    whose two sides both answered that wave could be named by both, so the
    share is also given among those ties. -#}
with

cooperation_evidence as (
    select
        institution_id,
        association_id,
        evidence_type,
        wave
    from {{ ref('int_cooperation_evidence_unioned') }}
    where evidence_type in ('named_by_institution', 'named_by_association')
),

institutions as (
    select
        institution_id,
        kommunekode
    from {{ ref('dim_institutions') }}
),

survey_responses as (
    select
        coalesce(institution_id, association_id) as respondent_id,
        wave
    from {{ ref('int_survey_responses_unioned') }}
),

ties_by_wave as (
    select
        institution_id,
        association_id,
        wave,
        max(case when evidence_type = 'named_by_institution' then 1 else 0 end)
            as is_named_by_institution,
        max(case when evidence_type = 'named_by_association' then 1 else 0 end)
            as is_named_by_association
    from cooperation_evidence
    group by 1, 2, 3
),

ties_with_respondents as (
    select
        institutions.kommunekode,
        ties_by_wave.wave,
        ties_by_wave.is_named_by_institution * ties_by_wave.is_named_by_association
            as is_reciprocated,
        case
            when
                institution_responses.respondent_id is not null
                and association_responses.respondent_id is not null
                then 1
            else 0
        end as both_responded
    from ties_by_wave
    inner join institutions
        on ties_by_wave.institution_id = institutions.institution_id
    left join survey_responses as institution_responses
        on
            ties_by_wave.institution_id = institution_responses.respondent_id
            and ties_by_wave.wave = institution_responses.wave
    left join survey_responses as association_responses
        on
            ties_by_wave.association_id = association_responses.respondent_id
            and ties_by_wave.wave = association_responses.wave
),

by_cell as (
    select
        kommunekode,
        wave,
        count(*) as tie_count,
        sum(is_reciprocated) as reciprocated_tie_count,
        sum(both_responded) as both_responded_tie_count,
        sum(is_reciprocated * both_responded) as both_responded_reciprocated_count
    from ties_with_respondents
    group by 1, 2
),

suppressed as (
    select
        *,
        tie_count < {{ var('min_cell_size') }}
        or both_responded_tie_count < {{ var('min_cell_size') }} as is_suppressed
    from by_cell
),

final as (
    select
        kommunekode || '-' || cast(wave as varchar) as tie_reciprocity_cell_id,
        kommunekode,
        cast(wave as integer) as wave,
        cast(tie_count as integer) as tie_count,
        case
            when not is_suppressed then cast(reciprocated_tie_count as integer)
        end as reciprocated_tie_count,
        case
            when not is_suppressed then cast(reciprocated_tie_count as float8) / tie_count
        end as share_reciprocated,
        cast(both_responded_tie_count as integer) as both_responded_tie_count,
        case
            when not is_suppressed
                then cast(both_responded_reciprocated_count as float8) / both_responded_tie_count
        end as share_reciprocated_when_both_responded,
        is_suppressed
    from suppressed
)

select * from final
