#!/bin/sh
# greet: hull's example app, version @VERSION@.
n=1
[ "${1:-}" = "--twice" ] && n=2
i=0
while [ "$i" -lt "$n" ]; do
	echo "Hello, ${NAME}! (greet @VERSION@ as $(id -un) in $(pwd), pid $$)"
	i=$((i + 1))
done
