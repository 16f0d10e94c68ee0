{#- A written name whose every word is a word of an official name in the
    writer's municipality, which has more words: the town left out ("Ældre
    Sagen") or the type word ("Solsikken"). Among the names no strong
    method placed; rank 5, score 0.7. The words of an entity renamed between
    waves are those of all its names. -#}
{{ config(pre_hook="{{ postgres_without_nested_loops() }}") }}

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
        cleaned_name
    from {{ ref('int_organisation_names_normalised') }}
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
    from organisation_names
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

final as (
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
)

select * from final
