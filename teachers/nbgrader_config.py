"""nbgrader's settings for this course folder (``nbgrader generate_assignment 03-exercises``)."""
c = get_config()  # noqa: F821 - nbgrader provides get_config()

# A blank answer is `answer = ...`: the worksheet's check cells then say "not answered yet".
c.ClearSolutions.code_stub = {"python": "answer = ..."}
