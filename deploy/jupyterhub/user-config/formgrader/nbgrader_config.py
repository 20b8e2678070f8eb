"""nbgrader config for the formgrader service (the grader account's server).

The course itself (course id, course root, gradebook URL, grading options)
comes from the course's own nbgrader_config.py in the service's working
directory, which nbgrader loads after this file.  Here: only the exchange.
"""
import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = os.environ.get("LC_COURSE_ID", "linear-classification")
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
c.Exchange.path_includes_course = False
