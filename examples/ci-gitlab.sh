#!/usr/bin/env bash
# GitLab CI collapsible sections: each becomes a step named by its header, its duration
# taken from the timestamps in the lines (here: 3 s and 1 s, whatever the wall clock says).
start=$(date +%s)
printf '\e[0Ksection_start:%s:build[collapsed=true]\r\e[0KBuilding the app\n' "$start"
echo "make all"
printf '\e[0Ksection_start:%s:unit\r\e[0KUnit tests\n' "$((start + 1))"
echo "42 passed"
printf '\e[0Ksection_end:%s:unit\r\e[0K\n' "$((start + 2))"
printf '\e[0Ksection_end:%s:build\r\e[0K\n' "$((start + 3))"
