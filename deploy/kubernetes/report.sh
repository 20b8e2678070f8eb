#!/usr/bin/env bash
# The final step (report-job.yaml), once every shard has finished: the grade
# table and the class report, written once, from the shared gradebook.
set -euo pipefail
: "${COURSE_ROOT:?}" "${NBGRADER_DB_URL:?}"
"${PYTHON:-python}" -m autograder report --root "${COURSE_ROOT}" --csv "${COURSE_ROOT}/grades.csv"
exec "${PYTHON:-python}" -m autograder html-report --root "${COURSE_ROOT}"
