#!/usr/bin/env bash
# Several app processes behind one nginx address (one per core by default), in the foreground:
#
#   deploy/run-multi.sh --cert /etc/ssl/certs/site.pem --key /etc/ssl/private/site.key \
#                       [--procs 2] [--listen 80] [--tls-listen 443] [--first-port 8601]
#
# Needs Debian's nginx (apt-get install nginx-light). Every process uses the same database:
# set DATABASE_URL (PostgreSQL) or SHAOXING_DB_PATH, and SHAOXING_ID_KEY, before starting.
# Ctrl-C (or SIGTERM) stops nginx and all app processes. Details: deploy/multi.py, README.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python deploy/multi.py "$@"
