#!/usr/bin/env bash
# One pod of the grading Indexed Job (grading-job.yaml): grade share
# JOB_COMPLETION_INDEX + 1 of SHARDS of the class against the shared
# gradebook.  Kubernetes sets JOB_COMPLETION_INDEX (0 .. completions-1); the
# manifest sets the rest.  A shard with no students is a success, not an error.
# A pod that is killed and restarted skips what it had already finished
# (the grader's resume record lives on the shared course volume).
set -euo pipefail
: "${JOB_COMPLETION_INDEX:?set by Kubernetes for an Indexed Job}"
: "${SHARDS:?}" "${ASSIGNMENTS:?}" "${COURSE_ROOT:?}" "${NBGRADER_DB_URL:?}"
shard="$((JOB_COMPLETION_INDEX + 1))/${SHARDS}"
echo "grading shard ${shard} of ${ASSIGNMENTS} in ${COURSE_ROOT}"
# shellcheck disable=SC2086  # ASSIGNMENTS is a space-separated list on purpose
exec "${PYTHON:-python}" -m autograder grade ${ASSIGNMENTS} --root "${COURSE_ROOT}" \
    --shard "${shard}" --jobs "${GRADER_JOBS:-2}" --empty-ok --quiet --csv "" --report ""
