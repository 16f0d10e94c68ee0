{#- Cohen's kappa per pair of coders on the segments both coded, with the
    observed and the chance agreement. Not disclosure-controlled. See the doc
    block cohen_kappa. -#}
with

coded_segments as (
    select
        segment_id,
        coder_id,
        justification_code
    from {{ ref('stg_discourse__codings') }}
),

-- A coder's category on a segment: its code, or its codes in alphabetical
-- order joined by '+' when it gave the segment more than one.
segment_coder_categories as (
    select
        segment_id,
        coder_id,
        {{ listagg('justification_code', "'+'", 'order by justification_code') }} as coded_category
    from coded_segments
    group by segment_id, coder_id
),

coders as (
    select distinct coder_id
    from coded_segments
),

-- Every unordered pair of coders, whether or not they share a segment.
coder_pairs as (
    select
        first_coders.coder_id as first_coder_id,
        second_coders.coder_id as second_coder_id
    from coders as first_coders
    inner join coders as second_coders
        on first_coders.coder_id < second_coders.coder_id
),

-- The segments both coders of a pair coded: the units of their kappa.
shared_segments as (
    select
        first_categories.segment_id,
        first_categories.coder_id as first_coder_id,
        second_categories.coder_id as second_coder_id,
        first_categories.coded_category as first_category,
        second_categories.coded_category as second_category
    from segment_coder_categories as first_categories
    inner join segment_coder_categories as second_categories
        on
            first_categories.segment_id = second_categories.segment_id
            and first_categories.coder_id < second_categories.coder_id
),

pair_agreements as (
    select
        first_coder_id,
        second_coder_id,
        count(*) as shared_segment_count,
        sum(case when first_category = second_category then 1 else 0 end) as agreeing_segment_count
    from shared_segments
    group by first_coder_id, second_coder_id
),

first_marginals as (
    select
        first_coder_id,
        second_coder_id,
        first_category as coded_category,
        count(*) as category_count
    from shared_segments
    group by first_coder_id, second_coder_id, first_category
),

second_marginals as (
    select
        first_coder_id,
        second_coder_id,
        second_category as coded_category,
        count(*) as category_count
    from shared_segments
    group by first_coder_id, second_coder_id, second_category
),

-- N² times the chance agreement: the sum over categories of the product of the
-- two coders' counts.
chance_agreements as (
    select
        first_marginals.first_coder_id,
        first_marginals.second_coder_id,
        sum(first_marginals.category_count * second_marginals.category_count) as chance_pair_count
    from first_marginals
    inner join second_marginals
        on
            first_marginals.first_coder_id = second_marginals.first_coder_id
            and first_marginals.second_coder_id = second_marginals.second_coder_id
            and first_marginals.coded_category = second_marginals.coded_category
    group by first_marginals.first_coder_id, first_marginals.second_coder_id
),

computed as (
    select
        coder_pairs.first_coder_id,
        coder_pairs.second_coder_id,
        coalesce(pair_agreements.shared_segment_count, 0) as shared_segment_count,
        coalesce(pair_agreements.agreeing_segment_count, 0) as agreeing_segment_count,
        coalesce(chance_agreements.chance_pair_count, 0) as chance_pair_count
    from coder_pairs
    left join pair_agreements
        on
            coder_pairs.first_coder_id = pair_agreements.first_coder_id
            and coder_pairs.second_coder_id = pair_agreements.second_coder_id
    left join chance_agreements
        on
            coder_pairs.first_coder_id = chance_agreements.first_coder_id
            and coder_pairs.second_coder_id = chance_agreements.second_coder_id
),

final as (
    select
        first_coder_id || '-' || second_coder_id as coder_pair_id,
        cast(first_coder_id as varchar) as first_coder_id,
        cast(second_coder_id as varchar) as second_coder_id,
        cast(shared_segment_count as integer) as shared_segment_count,
        cast(agreeing_segment_count as integer) as agreeing_segment_count,
        case
            when shared_segment_count > 0
                then
                    cast(agreeing_segment_count as float8)
                    / cast(shared_segment_count as float8)
        end as observed_agreement,
        case
            when shared_segment_count > 0
                then
                    cast(chance_pair_count as float8)
                    / cast(shared_segment_count * shared_segment_count as float8)
        end as chance_agreement,
        -- (N a - S) / (N² - S): integers up to the one division
        case
            when shared_segment_count * shared_segment_count > chance_pair_count
                then
                    cast(
                        shared_segment_count * agreeing_segment_count - chance_pair_count
                        as float8
                    )
                    / cast(
                        shared_segment_count * shared_segment_count - chance_pair_count
                        as float8
                    )
        end as cohen_kappa
    from computed
)

select * from final
