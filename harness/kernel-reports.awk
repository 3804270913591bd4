# The one matcher of kernel-reports.ere, run by kernel-reports.sh with
# busybox's awk in the guest (/init) and on the host (lib.sh's
# kernel_reports), so that both read the list alike:
#   busybox awk -v BEFORE=N -v WINDOW=N -f kernel-reports.awk LIST LOG...
# prints each line of LOG that fails a run.  A line of the list is an ERE
# that a report line matches; "#" starts a comment.  "!ERE" is a known
# report from outside our code: a report line matching it is let through.
# "!ERE @@ CONTEXT @@ ..." lets it through only if every CONTEXT ERE also
# matches a line of the same report: the line itself, the BEFORE lines in
# front of it (a WARN's own message comes first) and those after it up to
# the end of its trace ("---[ end trace") or WINDOW lines (lockdep's
# reports have no such end), whichever comes first; so a known report is
# told apart by its trace.  Every report line is judged on its own: one
# within another's trace still fails unless it is known itself.

BEGIN { npat = nknown = npend = 0 }

FNR == NR {
	if ($0 ~ /^#/ || $0 == "")
		next
	if (substr($0, 1, 1) != "!") {
		pat[++npat] = $0
		next
	}
	nknown++
	nctx[nknown] = split(substr($0, 2), part, / @@ /) - 1
	known[nknown] = part[1]
	for (c = 1; c <= nctx[nknown]; c++)
		ctx[nknown, c] = part[c + 1]
	next
}

# report(line): whether the line matches a report pattern.
function report(line,	i) {
	for (i = 1; i <= npat; i++)
		if (line ~ pat[i])
			return 1
	return 0
}

# see(p, line): the contexts of pending report p that line matches.
function see(p, line,	k, c) {
	for (k = 1; k <= nknown; k++) {
		if (!cand[p, k])
			continue
		for (c = 1; c <= nctx[k]; c++)
			if (!seen[p, k, c] && line ~ ctx[k, c])
				seen[p, k, c] = 1
	}
}

# close_report(p): print pending report p's line unless a candidate had
# every context.
function close_report(p,	k, c, ok) {
	for (k = 1; k <= nknown; k++) {
		if (!cand[p, k])
			continue
		ok = 1
		for (c = 1; c <= nctx[k]; c++)
			if (!seen[p, k, c])
				ok = 0
		if (ok)
			break
	}
	if (!ok)
		print pline[p]
	live[p] = 0
}

{
	isrep = report($0)
	for (p = 1; p <= npend; p++) {
		if (!live[p])
			continue
		if (++plen[p] > WINDOW) {
			close_report(p)
			continue
		}
		see(p, $0)
		if ($0 ~ /---\[ end trace/)
			close_report(p)
	}
	if (isrep) {
		plain = 0
		withctx = 0
		for (k = 1; k <= nknown; k++) {
			if ($0 !~ known[k])
				continue
			if (!nctx[k])
				plain = 1
			else
				withctx = 1
		}
		if (plain) {
			# known as it is
		} else if (!withctx) {
			print
		} else {
			p = ++npend
			pline[p] = $0
			plen[p] = 0
			live[p] = 1
			for (k = 1; k <= nknown; k++)
				cand[p, k] = nctx[k] && $0 ~ known[k]
			for (b = 0; b < BEFORE; b++)
				if ((NR - 1 - b) in ring)
					see(p, ring[NR - 1 - b])
			see(p, $0)
		}
	}
	ring[NR] = $0
	delete ring[NR - BEFORE]
}

END {
	for (p = 1; p <= npend; p++)
		if (live[p])
			close_report(p)
}
