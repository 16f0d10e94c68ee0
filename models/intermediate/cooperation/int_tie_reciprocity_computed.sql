{#- Dyads per municipality and wave: of the institution × association ties
    named in a survey wave, how many were named by both sides, and how many
    had both sides answering that wave (only those could be named by both).
    The municipality is the institution's (of its frame). Not
    disclosure-controlled: the release tier's rpt_tie_reciprocity selects
    from it. -#}
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

institution_frame as (
    select
        institution_id,
        min(kommunekode) as kommunekode
    from {{ ref('stg_institution_survey__frame') }}
    group by 1
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
        institution_frame.kommunekode,
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
    inner join institution_frame
        on ties_by_wave.institution_id = institution_frame.institution_id
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
        sum(both_responded) as both_responded_tie_count
    from ties_with_respondents
    group by 1, 2
),

final as (
    select
        kommunekode || '-' || cast(wave as varchar) as tie_reciprocity_id,
        kommunekode,
        cast(wave as integer) as wave,
        cast(tie_count as integer) as tie_count,
        cast(reciprocated_tie_count as integer) as reciprocated_tie_count,
        cast(both_responded_tie_count as integer) as both_responded_tie_count,
        cast(reciprocated_tie_count as float8) / tie_count as share_reciprocated,
        case
            when both_responded_tie_count > 0
                then cast(reciprocated_tie_count as float8) / both_responded_tie_count
        end as share_reciprocated_when_both_responded
    from by_cell
)

select * from final
