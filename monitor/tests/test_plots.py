"""The monitor's charts stay cheap however long the record grows (issue 38), without timing them: the per-day chart
of ten years draws as many SVG shapes as that of one year (it drew a path per day: 1.1–1.6 s at 3,000 days)."""

from datetime import date, timedelta

from monitor import plots
from monitor.stats import DayCount


def days(n: int) -> list[DayCount]:
    start = date(2014, 1, 1)
    return [
        DayCount(day=start + timedelta(i), detentions=1 + i % 97, journalists=i % 5, minors=i % 3, reports=1)
        for i in range(n)
    ]


def test_the_per_day_chart_draws_the_same_shapes_for_a_year_and_a_decade():
    year, decade = plots.days(days(365)).decode(), plots.days(days(3650)).decode()
    assert year.count("<path") == decade.count("<path") < 100
    assert decade.count("<use") <= year.count("<use") + 20  # markers: none per day either


def test_a_few_days_keep_their_bars():
    few = plots.days(days(30)).decode()
    assert few.count("<path") >= 30  # a bar per day, with the markers of the two lines
