{#- "skolen i Tarup", "bridgeklubben i Årslev": a common noun in its definite
    form and a place, among the names no strong method placed; rank 6. The
    place must be in the official name, and the noun the nickname of the
    institution's type (institution_type_nicknames seed, score 0.65) or its
    stem in the name (0.6). -#}
with

unplaced_variants as (
    select
        entity_type,
        kommunekode,
        name_variant,
        cleaned_name
    from {{ ref('int_name_variants_unplaced') }}
),

organisation_names as (
    select
        entity_type,
        entity_id,
        kommunekode,
        institution_type,
        cleaned_name
    from {{ ref('int_organisation_names_normalised') }}
),

institution_type_nicknames as (
    select
        institution_type,
        nickname
    from {{ ref('institution_type_nicknames') }}
),

nicknamed_variants as (
    select
        entity_type,
        kommunekode,
        name_variant,
        left(cleaned_name, strpos(cleaned_name, ' i ') - 1) as nickname,
        replace(substr(cleaned_name, strpos(cleaned_name, ' i ') + 3), ' ', '') as place
    from unplaced_variants
    where strpos(cleaned_name, ' i ') > 1
),

nickname_stems as (
    select
        entity_type,
        kommunekode,
        name_variant,
        nickname,
        place,
        case
            when right(nickname, 2) in ('en', 'et') then left(nickname, length(nickname) - 2)
            else nickname
        end as definite_stripped
    from nicknamed_variants
),

organisations as (
    select
        entity_type,
        entity_id,
        kommunekode,
        institution_type,
        replace(cleaned_name, ' ', '') as compact_name
    from organisation_names
),

scored as (
    select
        nickname_stems.entity_type,
        nickname_stems.kommunekode,
        nickname_stems.name_variant,
        organisations.entity_id,
        -- the type's own nickname is stronger evidence than a stem in the name
        cast(
            case when institution_type_nicknames.nickname is not null then 0.65 else 0.6 end
            as float8
        ) as match_score
    from nickname_stems
    inner join organisations
        on
            nickname_stems.entity_type = organisations.entity_type
            and nickname_stems.kommunekode = organisations.kommunekode
            and strpos(organisations.compact_name, nickname_stems.place) > 0
    left join institution_type_nicknames
        on
            organisations.institution_type = institution_type_nicknames.institution_type
            and nickname_stems.nickname = institution_type_nicknames.nickname
    where
        institution_type_nicknames.nickname is not null
        or (
            length(nickname_stems.definite_stripped) >= 3
            and strpos(
                organisations.compact_name,
                -- a doubled last consonant is single in the indefinite form
                case
                    when
                        right(nickname_stems.definite_stripped, 1)
                        = left(right(nickname_stems.definite_stripped, 2), 1)
                        then left(
                            nickname_stems.definite_stripped,
                            length(nickname_stems.definite_stripped) - 1
                        )
                    else nickname_stems.definite_stripped
                end
            ) > 0
        )
),

-- An entity renamed between waves has a row per official name: its best counts.
final as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        'nickname_place' as match_method,
        6 as method_rank,
        max(match_score) as match_score
    from scored
    group by 1, 2, 3, 4
)

select * from final
