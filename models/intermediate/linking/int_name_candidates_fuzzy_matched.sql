{#- A written name within two edits of an official name in the writer's
    municipality, among the names no strong method placed: rank 4. Edit
    distance between the cleaned names with spaces removed (a letter dropped,
    doubled or changed is one edit, two letters swapped are two; æ, ø and å
    count as one letter, macro edit_text), and the similarity 1 - distance /
    longer length, kept from the fuzzy_match_threshold var up. -#}
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
        official_name,
        cleaned_name
    from {{ ref('int_organisation_names_normalised') }}
),

variants as (
    select
        entity_type,
        kommunekode,
        name_variant,
        replace(cleaned_name, ' ', '') as compact_name,
        {{ edit_text("replace(cleaned_name, ' ', '')") }} as edit_name
    from unplaced_variants
),

organisations as (
    select
        entity_type,
        entity_id,
        kommunekode,
        official_name,
        replace(cleaned_name, ' ', '') as compact_name,
        {{ edit_text("replace(cleaned_name, ' ', '')") }} as edit_name
    from organisation_names
),

-- Comparing every variant with every organisation of its municipality is
-- slow, so pairs are first found by the pigeonhole rule: cut the official
-- name into three pieces (macros name_piece_start, name_piece_length); two
-- edits touch at most two of them, so a variant within two edits holds the
-- third unchanged, shifted by at most two letters. The pieces are joined on
-- equality (with the lengths two apart at most), and only those pairs are
-- measured. The rule loses no pair within two edits. The pieces are
-- materialized so that they are joined on equality: PostgreSQL would
-- otherwise pair every variant with every organisation of its municipality
-- and cut the pieces for each pair (docs/performance.md).
offsets as (
    select offset_values.offset_value
    from (values (-2), (-1), (0), (1), (2)) as offset_values (offset_value)
),

piece_numbers as (
    select piece_values.piece_number
    from (values (0), (1), (2)) as piece_values (piece_number)
),

organisation_pieces as materialized (
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
variant_pieces as materialized (
    select
        variants.entity_type,
        variants.kommunekode,
        variants.name_variant,
        length(variants.compact_name) + length_offsets.offset_value as name_length,
        piece_numbers.piece_number,
        substr(
            variants.compact_name,
            {{ name_piece_start(
                'length(variants.compact_name) + length_offsets.offset_value',
                'piece_numbers.piece_number'
            ) }} + shifts.offset_value,
            {{ name_piece_length(
                'length(variants.compact_name) + length_offsets.offset_value',
                'piece_numbers.piece_number'
            ) }}
        ) as piece
    from variants
    cross join offsets as length_offsets
    cross join piece_numbers
    cross join offsets as shifts
    where
        length(variants.compact_name) + length_offsets.offset_value >= 0
        and {{ name_piece_start(
            'length(variants.compact_name) + length_offsets.offset_value',
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
        levenshtein(variants.edit_name, organisations.edit_name) as edit_distance,
        greatest(length(variants.compact_name), length(organisations.compact_name))
            as longer_length
    from edit_pairs
    inner join variants
        on
            edit_pairs.entity_type = variants.entity_type
            and edit_pairs.kommunekode = variants.kommunekode
            and edit_pairs.name_variant = variants.name_variant
    inner join organisations
        on
            edit_pairs.entity_type = organisations.entity_type
            and edit_pairs.entity_id = organisations.entity_id
            and edit_pairs.official_name = organisations.official_name
),

scored as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        1 - cast(edit_distance as float8) / longer_length as match_score
    from edit_distances
    where edit_distance <= 2
),

-- An entity renamed between waves has a row per official name: its best counts.
final as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        'fuzzy_name' as match_method,
        4 as method_rank,
        max(match_score) as match_score
    from scored
    where match_score >= {{ var('fuzzy_match_threshold') }}
    group by 1, 2, 3, 4
)

select * from final
