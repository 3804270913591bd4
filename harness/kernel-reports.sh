#!/bin/sh
# Filters kernel log lines (stdin) down to the reports that fail a run, by
# the patterns of FILE (kernel-reports.ere): lines that match a report
# pattern and no known ("!") one.  Usage: kernel-reports.sh FILE < LOG
set -u
[ $# -eq 1 ] || { echo "usage: $0 FILE < LOG" >&2; exit 2; }
reports=$(mktemp) known=$(mktemp)
trap 'rm -f "$reports" "$known"' EXIT
sed '/^[#!]/d' "$1" > "$reports"
sed -n 's/^!//p' "$1" > "$known"
grep -aE -f "$reports" | grep -avE -f "$known"
exit 0
