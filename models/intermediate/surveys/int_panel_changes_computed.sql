{#- Change within the panel between consecutive waves of the survey_waves
    seed (int_panel_pairs_counted), per survey, item, statistic and domain:
    the values of the pairs in each wave, the mean within-respondent change,
    its standard error and its confidence interval at the var
    confidence_level: Newcombe's hybrid score interval for paired
    proportions, a t interval with n - 1 degrees of freedom for means.
    Unweighted and without a finite population correction: see the doc
    blocks estimand and panel_changes. -#}
with

panel_pairs as (
    select
        panel_change_id,
        domain_level,
        domain_code,
        survey,
        kommunekode,
        survey_item_id,
        statistic,
        from_wave,
        to_wave,
        panel_member_count,
        pair_count,
        distinct_value_count,
        both_count,
        from_only_count,
        to_only_count,
        neither_count,
        from_sum,
        to_sum,
        change_sum,
        change_square_sum
    from {{ ref('int_panel_pairs_counted') }}
),

t_quantiles as (
    select
        degrees_of_freedom,
        t_quantile
    from {{ ref('int_student_t_quantiles_extended') }}
),

normal_quantile as (
    select max(normal_quantile) as normal_quantile
    from {{ ref('int_student_t_quantiles_extended') }}
),

-- s_d² / n written as (n Σd² - (Σd)²) / (n² (n - 1)): exact up to one division.
computed as (
    select
        panel_pairs.*,
        case
            when panel_pairs.pair_count > 1
                then
                    sqrt(
                        (
                            panel_pairs.pair_count * panel_pairs.change_square_sum
                            - panel_pairs.change_sum * panel_pairs.change_sum
                        )
                        / (
                            cast(panel_pairs.pair_count as float8)
                            * panel_pairs.pair_count
                            * (panel_pairs.pair_count - 1)
                        )
                    )
        end as standard_error,
        case when panel_pairs.pair_count > 1 then panel_pairs.pair_count - 1 end
            as degrees_of_freedom,
        case
            when panel_pairs.statistic = 'mean' then 'student_t' else 'newcombe_hybrid_score'
        end as interval_method,
        t_quantiles.t_quantile,
        normal_quantile.normal_quantile
    from panel_pairs
    cross join normal_quantile
    left join t_quantiles
        on panel_pairs.pair_count - 1 = t_quantiles.degrees_of_freedom
),

final as (
    select
        panel_change_id,
        domain_level,
        domain_code,
        survey,
        kommunekode,
        survey_item_id,
        statistic,
        interval_method,
        from_wave,
        to_wave,
        cast(panel_member_count as integer) as panel_member_count,
        cast(pair_count as integer) as pair_count,
        cast(distinct_value_count as integer) as distinct_value_count,
        cast(degrees_of_freedom as integer) as degrees_of_freedom,
        cast(from_sum / pair_count as float8) as value_from,
        cast(to_sum / pair_count as float8) as value_to,
        cast(change_sum / pair_count as float8) as change,
        cast(standard_error as float8) as standard_error,
        cast(
            case
                when interval_method = 'student_t'
                    then change_sum / pair_count - t_quantile * standard_error
                else
                    {{ newcombe_paired_bound(
                        'both_count', 'from_only_count', 'to_only_count', 'neither_count',
                        'normal_quantile', 'lower'
                    ) }}
            end as float8
        ) as ci_lower,
        cast(
            case
                when interval_method = 'student_t'
                    then change_sum / pair_count + t_quantile * standard_error
                else
                    {{ newcombe_paired_bound(
                        'both_count', 'from_only_count', 'to_only_count', 'neither_count',
                        'normal_quantile', 'upper'
                    ) }}
            end as float8
        ) as ci_upper
    from computed
)

select * from final
