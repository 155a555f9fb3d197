"""The business rules of the schedule format, one small function each.

`hard` holds the rules every schedule must keep (`HARD_RULES`), `days` the day-run rules
among them, and `soft` the objective's components (`SOFT_RULES`). Each function takes a
`solver.model.ScheduleModel` and adds its constraints or costs; `solver.model.build_model`
runs them in order.
"""
