{#- Every entity a written name could be, by every linking method that
    finds one, strongest method first (method_rank). Names are compared
    within the writer's municipality (blocking), except CVR numbers. The
    weaker methods only look at variants the stronger ones left without any
    candidate, which also keeps the fuzzy comparison small. -#}
with

name_mentions as (
    select
        kommunekode,
        entity_type,
        name_variant
    from {{ ref('int_name_mentions_unioned') }}
),

name_texts as (
    select
        name_text,
        cleaned_name,
        contracted_name,
        normalised_name
    from {{ ref('int_name_texts_normalised') }}
),

organisation_names as (
    select
        entity_type,
        entity_id,
        kommunekode,
        official_name,
        institution_type,
        cleaned_name,
        contracted_name,
        normalised_name,
        cvr_number
    from {{ ref('int_organisation_names_normalised') }}
),

linking_decisions as (
    select
        entity_type,
        kommunekode,
        name_variant,
        decision,
        entity_id
    from {{ ref('linking_decisions') }}
),

institution_type_nicknames as (
    select
        institution_type,
        nickname
    from {{ ref('institution_type_nicknames') }}
),

variants as (
    select distinct
        name_mentions.entity_type,
        name_mentions.kommunekode,
        name_mentions.name_variant,
        name_texts.cleaned_name,
        replace(name_texts.cleaned_name, ' ', '') as compact_name,
        {{ edit_text("replace(name_texts.cleaned_name, ' ', '')") }} as edit_name,
        name_texts.contracted_name,
        name_texts.normalised_name,
        {{ extract_pattern('name_mentions.name_variant', '[0-9]{8}') }} as cvr_in_name
    from name_mentions
    inner join name_texts
        on name_mentions.name_variant = name_texts.name_text
),

organisations as (
    select
        entity_type,
        entity_id,
        kommunekode,
        official_name,
        institution_type,
        cleaned_name,
        replace(cleaned_name, ' ', '') as compact_name,
        {{ edit_text("replace(cleaned_name, ' ', '')") }} as edit_name,
        contracted_name,
        normalised_name,
        cvr_number
    from organisation_names
),

manual_candidates as (
    select
        variants.entity_type,
        variants.kommunekode,
        variants.name_variant,
        linking_decisions.entity_id,
        'manual' as match_method,
        0 as method_rank,
        cast(1.0 as float8) as match_score
    from variants
    inner join linking_decisions
        on
            variants.entity_type = linking_decisions.entity_type
            and variants.kommunekode = linking_decisions.kommunekode
            and variants.name_variant = linking_decisions.name_variant
    where linking_decisions.decision = 'same'
),

cvr_candidates as (
    -- A CVR number identifies an association anywhere in the country.
    select
        variants.entity_type,
        variants.kommunekode,
        variants.name_variant,
        organisations.entity_id,
        'cvr' as match_method,
        1 as method_rank,
        cast(1.0 as float8) as match_score
    from variants
    inner join organisations
        on
            variants.entity_type = organisations.entity_type
            and variants.cvr_in_name = organisations.cvr_number
),

exact_candidates as (
    select
        variants.entity_type,
        variants.kommunekode,
        variants.name_variant,
        organisations.entity_id,
        'exact_name' as match_method,
        2 as method_rank,
        cast(1.0 as float8) as match_score
    from variants
    inner join organisations
        on
            variants.entity_type = organisations.entity_type
            and variants.kommunekode = organisations.kommunekode
            and variants.name_variant = organisations.official_name
),

normalised_candidates as (
    select
        variants.entity_type,
        variants.kommunekode,
        variants.name_variant,
        organisations.entity_id,
        'normalised_name' as match_method,
        3 as method_rank,
        -- Equal letters ("broby  skole"), then equal words once abbreviated
        -- ("korup sk"), settle which of "Korup Skole" and "Korupskolen" it is.
        cast(
            case
                when variants.compact_name = organisations.compact_name then 0.95
                when variants.contracted_name = organisations.contracted_name then 0.93
                else 0.9
            end as float8
        ) as match_score
    from variants
    inner join organisations
        on
            variants.entity_type = organisations.entity_type
            and variants.kommunekode = organisations.kommunekode
            and variants.normalised_name = organisations.normalised_name
),

rejected_pairs as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id
    from linking_decisions
    where decision = 'different'
),

strong_unioned as (
    select * from manual_candidates
    union all
    select * from cvr_candidates
    union all
    select * from exact_candidates
    union all
    select * from normalised_candidates
),

-- A decision that a variant is not an entity removes that candidate,
-- whatever method found it.
strong_candidates as (
    select strong_unioned.*
    from strong_unioned
    left join rejected_pairs
        on
            strong_unioned.entity_type = rejected_pairs.entity_type
            and strong_unioned.kommunekode = rejected_pairs.kommunekode
            and strong_unioned.name_variant = rejected_pairs.name_variant
            and strong_unioned.entity_id = rejected_pairs.entity_id
    where rejected_pairs.entity_id is null
),

-- Variants no strong method could place: the fuzzy methods' input.
unplaced_variants as (
    select variants.*
    from variants
    left join strong_candidates
        on
            variants.entity_type = strong_candidates.entity_type
            and variants.kommunekode = strong_candidates.kommunekode
            and variants.name_variant = strong_candidates.name_variant
    where strong_candidates.name_variant is null
),

-- Edit distance between the cleaned names with spaces removed, and the
-- similarity 1 - distance / longer length. Up to two edits count (a letter
-- dropped, doubled or changed is one, two letters swapped are two).
--
-- Comparing every unplaced variant with every organisation of its
-- municipality is slow, so pairs are first found by the pigeonhole rule:
-- cut the official name into three pieces; two edits touch at most two of
-- them, so a variant within two edits holds the third unchanged, shifted by
-- at most two letters. The pieces are joined on equality (with the lengths
-- two apart at most), and only those pairs are measured. The rule loses no
-- pair within two edits.
offsets as (
    select offset_values.offset_value
    from (values (-2), (-1), (0), (1), (2)) as offset_values (offset_value)
),

piece_numbers as (
    select piece_values.piece_number
    from (values (0), (1), (2)) as piece_values (piece_number)
),

organisation_pieces as (
    select
        organisations.entity_type,
        organisations.kommunekode,
        organisations.entity_id,
        organisations.official_name,
        length(organisations.compact_name) as name_length,
        piece_numbers.piece_number,
        substr(
            organisations.compact_name,
            {{ name_piece_start(
                'length(organisations.compact_name)', 'piece_numbers.piece_number'
            ) }},
            {{ name_piece_length(
                'length(organisations.compact_name)', 'piece_numbers.piece_number'
            ) }}
        ) as piece
    from organisations
    cross join piece_numbers
),

-- Every text of a variant where a piece of an official name `name_length`
-- long could stand, shifted by up to two letters.
variant_pieces as (
    select
        unplaced_variants.entity_type,
        unplaced_variants.kommunekode,
        unplaced_variants.name_variant,
        length(unplaced_variants.compact_name) + length_offsets.offset_value as name_length,
        piece_numbers.piece_number,
        substr(
            unplaced_variants.compact_name,
            {{ name_piece_start(
                'length(unplaced_variants.compact_name) + length_offsets.offset_value',
                'piece_numbers.piece_number'
            ) }} + shifts.offset_value,
            {{ name_piece_length(
                'length(unplaced_variants.compact_name) + length_offsets.offset_value',
                'piece_numbers.piece_number'
            ) }}
        ) as piece
    from unplaced_variants
    cross join offsets as length_offsets
    cross join piece_numbers
    cross join offsets as shifts
    where
        length(unplaced_variants.compact_name) + length_offsets.offset_value >= 0
        and {{ name_piece_start(
            'length(unplaced_variants.compact_name) + length_offsets.offset_value',
            'piece_numbers.piece_number'
        ) }} + shifts.offset_value >= 1
),

edit_pairs as (
    select distinct
        variant_pieces.entity_type,
        variant_pieces.kommunekode,
        variant_pieces.name_variant,
        organisation_pieces.entity_id,
        organisation_pieces.official_name
    from variant_pieces
    inner join organisation_pieces
        on
            variant_pieces.entity_type = organisation_pieces.entity_type
            and variant_pieces.kommunekode = organisation_pieces.kommunekode
            and variant_pieces.name_length = organisation_pieces.name_length
            and variant_pieces.piece_number = organisation_pieces.piece_number
            and variant_pieces.piece = organisation_pieces.piece
),

edit_distances as (
    select
        edit_pairs.entity_type,
        edit_pairs.kommunekode,
        edit_pairs.name_variant,
        edit_pairs.entity_id,
        levenshtein(unplaced_variants.edit_name, organisations.edit_name) as edit_distance,
        greatest(length(unplaced_variants.compact_name), length(organisations.compact_name))
            as longer_length
    from edit_pairs
    inner join unplaced_variants
        on
            edit_pairs.entity_type = unplaced_variants.entity_type
            and edit_pairs.kommunekode = unplaced_variants.kommunekode
            and edit_pairs.name_variant = unplaced_variants.name_variant
    inner join organisations
        on
            edit_pairs.entity_type = organisations.entity_type
            and edit_pairs.entity_id = organisations.entity_id
            and edit_pairs.official_name = organisations.official_name
),

fuzzy_scores as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        1 - cast(edit_distance as float8) / longer_length as match_score
    from edit_distances
    where edit_distance <= 2
),

fuzzy_candidates as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        'fuzzy_name' as match_method,
        4 as method_rank,
        match_score
    from fuzzy_scores
    where match_score >= {{ var('fuzzy_match_threshold') }}
),

variant_words as (
    select
        entity_type,
        kommunekode,
        name_variant,
        unnest(string_to_array(cleaned_name, ' ')) as word
    from unplaced_variants
),

organisation_words as (
    select
        entity_type,
        kommunekode,
        entity_id,
        unnest(string_to_array(cleaned_name, ' ')) as word
    from organisations
),

variant_word_counts as (
    select
        entity_type,
        kommunekode,
        name_variant,
        count(distinct word) as word_count
    from variant_words
    group by 1, 2, 3
),

organisation_word_counts as (
    select
        entity_type,
        kommunekode,
        entity_id,
        count(distinct word) as word_count
    from organisation_words
    group by 1, 2, 3
),

-- How many organisations of a municipality have each word. A variant's
-- rarest word picks the few organisations that can have all of its words; a
-- common word ("skole", "i") would pair it with most of the municipality.
word_frequencies as (
    select
        entity_type,
        kommunekode,
        word,
        count(distinct entity_id) as organisation_count
    from organisation_words
    group by 1, 2, 3
),

ranked_variant_words as (
    select
        variant_words.entity_type,
        variant_words.kommunekode,
        variant_words.name_variant,
        variant_words.word,
        row_number() over (
            partition by
                variant_words.entity_type,
                variant_words.kommunekode,
                variant_words.name_variant
            order by coalesce(word_frequencies.organisation_count, 0), variant_words.word
        ) as rarity_rank
    from variant_words
    left join word_frequencies
        on
            variant_words.entity_type = word_frequencies.entity_type
            and variant_words.kommunekode = word_frequencies.kommunekode
            and variant_words.word = word_frequencies.word
),

partial_pairs as (
    select distinct
        ranked_variant_words.entity_type,
        ranked_variant_words.kommunekode,
        ranked_variant_words.name_variant,
        organisation_words.entity_id
    from ranked_variant_words
    inner join organisation_words
        on
            ranked_variant_words.entity_type = organisation_words.entity_type
            and ranked_variant_words.kommunekode = organisation_words.kommunekode
            and ranked_variant_words.word = organisation_words.word
    where ranked_variant_words.rarity_rank = 1
),

shared_word_counts as (
    select
        partial_pairs.entity_type,
        partial_pairs.kommunekode,
        partial_pairs.name_variant,
        partial_pairs.entity_id,
        count(distinct variant_words.word) as word_count
    from partial_pairs
    inner join variant_words
        on
            partial_pairs.entity_type = variant_words.entity_type
            and partial_pairs.kommunekode = variant_words.kommunekode
            and partial_pairs.name_variant = variant_words.name_variant
    inner join organisation_words
        on
            partial_pairs.entity_type = organisation_words.entity_type
            and partial_pairs.kommunekode = organisation_words.kommunekode
            and partial_pairs.entity_id = organisation_words.entity_id
            and variant_words.word = organisation_words.word
    group by 1, 2, 3, 4
),

-- Every word of the variant is a word of the official name, which has more
-- words: the town left out ("Ældre Sagen") or the type word ("Solsikken").
partial_candidates as (
    select
        shared_word_counts.entity_type,
        shared_word_counts.kommunekode,
        shared_word_counts.name_variant,
        shared_word_counts.entity_id,
        'partial_name' as match_method,
        5 as method_rank,
        cast(0.7 as float8) as match_score
    from shared_word_counts
    inner join variant_word_counts
        on
            shared_word_counts.entity_type = variant_word_counts.entity_type
            and shared_word_counts.kommunekode = variant_word_counts.kommunekode
            and shared_word_counts.name_variant = variant_word_counts.name_variant
    inner join organisation_word_counts
        on
            shared_word_counts.entity_type = organisation_word_counts.entity_type
            and shared_word_counts.kommunekode = organisation_word_counts.kommunekode
            and shared_word_counts.entity_id = organisation_word_counts.entity_id
    where
        shared_word_counts.word_count = variant_word_counts.word_count
        and organisation_word_counts.word_count > variant_word_counts.word_count
        and length(shared_word_counts.name_variant) >= 4
),

-- "skolen i Tarup", "bridgeklubben i Årslev": a common noun in its definite
-- form and a place. The place must be in the official name; the noun must
-- be the nickname of the institution's type, or its stem in the name.
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

nickname_candidates as (
    select
        nickname_stems.entity_type,
        nickname_stems.kommunekode,
        nickname_stems.name_variant,
        organisations.entity_id,
        'nickname_place' as match_method,
        6 as method_rank,
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

weak_unioned as (
    select * from fuzzy_candidates
    union all
    select * from partial_candidates
    union all
    select * from nickname_candidates
),

weak_candidates as (
    select weak_unioned.*
    from weak_unioned
    left join rejected_pairs
        on
            weak_unioned.entity_type = rejected_pairs.entity_type
            and weak_unioned.kommunekode = rejected_pairs.kommunekode
            and weak_unioned.name_variant = rejected_pairs.name_variant
            and weak_unioned.entity_id = rejected_pairs.entity_id
    where rejected_pairs.entity_id is null
),

all_candidates as (
    select * from strong_candidates
    union all
    select * from weak_candidates
),

-- An entity renamed between waves has a row per official name; its best
-- score for a method counts.
best_scores as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        match_method,
        method_rank,
        max(match_score) as match_score
    from all_candidates
    group by 1, 2, 3, 4, 5, 6
),

-- The order the linking takes candidates in: strongest method, then highest
-- score; the candidates ranked 1 are the variant's best (several: a tie).
final as (
    select
        {{ dbt.hash(
            "entity_type || '|' || kommunekode || '|' || name_variant"
            ~ " || '|' || entity_id || '|' || match_method"
        ) }} as name_candidate_id,
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        match_method,
        method_rank,
        match_score,
        rank() over (
            partition by entity_type, kommunekode, name_variant
            order by method_rank asc, match_score desc
        ) as candidate_rank
    from best_scores
)

select * from final
