"""The chart of recommendations per chapter (drawn by review_portal/lib/charts.py)."""

from review_portal.lib.charts import bar_chart


def chapter_chart(chapters):
    """Recommendations per chapter, from chapters annotated with n_recommendations."""
    rows = [(str(c), c.n_recommendations, c.get_absolute_url()) for c in chapters]
    total = sum(value for _, value, _ in rows)
    return bar_chart(
        "chapters-chart",
        "Recommendations in each chapter of the final report",
        f"A bar chart of how many of the {total} recommendations this portal "
        "records are in each chapter, in the report's order.",
        "Chapter",
        "recommendations",
        rows,
    )
