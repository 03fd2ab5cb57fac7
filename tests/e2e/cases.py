"""The control-flow table: (function, arguments, argnums), each point away from any
branch switch so that central finite differences are accurate."""
from . import lectures as L

CASES = [
    (L.circuit, (-2.0, 5.0, -4.0), (0, 1, 2)),
    (L.neuron, (2.0, -1.0, -3.0, -2.0, -3.0), (0, 1, 2, 3, 4)),
    (L.ln_example, (2.0, 5.0), (0, 1)),
    # if / elif / else: one point per arm
    (L.if_elif_else, (2.0, 0.5), (0, 1)),
    (L.if_elif_else, (0.3, 0.5), (0, 1)),
    (L.if_elif_else, (-2.0, 0.5), (0, 1)),
    (L.cond_expr, (0.5, 2.0), (0, 1)),
    (L.cond_expr, (3.0, 2.0), (0, 1)),
    (L.bool_ops, (1.5, 2.0), (0, 1)),
    (L.bool_ops, (1.5, -2.0), (0, 1)),
    (L.bool_ops, (-1.5, -2.0), (0, 1)),
    (L.bool_ops, (-1.5, 2.0), (0, 1)),
    (L.chained, (1.0, 2.0), (0, 1)),
    (L.chained, (3.0, 2.0), (0, 1)),
    (L.chained, (-1.0, 2.0), (0, 1)),
    (L.early_return, (-1.5,), (0,)),
    (L.early_return, (1.0,), (0,)),
    (L.early_return, (4.0,), (0,)),
    # for over range
    (L.for_one_arg, (0.7,), (0,)),
    (L.for_two_args, (0.3,), (0,)),
    (L.for_three_args, (0.9,), (0,)),
    (L.for_negative_step, (0.8,), (0,)),
    (L.for_zero_trip, (1.3, 0), (0,)),
    (L.for_zero_trip, (1.3, 3), (0,)),
    (L.for_int_bounds, (1.3, 2, 6), (0,)),
    (L.for_int_bounds, (1.3, 6, 2), (0,)),
    (L.nested_loops, (0.4, 4), (0,)),
    (L.loop_break, (1.0,), (0,)),
    (L.loop_break, (0.01,), (0,)),
    (L.loop_continue, (0.9,), (0,)),
    (L.return_in_loop, (1.3,), (0,)),
    (L.return_in_loop, (0.5,), (0,)),
    (L.break_in_if_in_nested, (0.7,), (0,)),
    (L.several_carried, (0.6, 0.9), (0, 1)),
    (L.int_accumulator, (1.3, 4), (0,)),
    # while
    (L.while_simple, (3.0,), (0,)),
    (L.while_value_dependent, (2.3,), (0,)),
    (L.while_break, (1.3,), (0,)),
    (L.newton_sqrt, (2.0,), (0,)),
    (L.newton_sqrt_while, (2.0,), (0,)),
    (L.recurrence, (0.5, 0.8), (0, 1)),
    # calls, closures over module constants
    (L.calls_helper, (0.5, -0.3), (0, 1)),
    (L.relu_net, (0.5, 1.5), (0, 1)),
    (L.relu_net, (0.5, -4.0), (0, 1)),
    # minimal reproducers
    (L.loop_init_is_param, (1.3, 3), (0,)),
    (L.return_in_loop_simple, (0.9,), (0,)),
    (L.while_copy_of_param, (2.3,), (0,)),
    (L.branch_times_value, (0.5, 0.3), (0, 1)),
    (L.branch_times_value, (-0.5, 0.3), (0, 1)),
]


def case_id(case):
    fn, args, _ = case.values if hasattr(case, "values") else case
    return f"{fn.__name__}{args}".replace(" ", "")
