#!/usr/bin/perl
# The one summariser: reads each stage's log as TAP (TAP::Parser, from
# perl's Test::Harness) and prints a line per stage, with the log's path
# and the first failing check of a failed stage, then the line CI reads:
# "N passed, N failed".  A stage whose script failed without a failing
# check, or whose plan does not match its checks, counts one failure more.
# Usage: summary.pl NAME:STATUS:SECONDS:LOG...
use strict;
use warnings;
use TAP::Parser;

@ARGV or die "usage: summary.pl NAME:STATUS:SECONDS:LOG...\n";
my ($pass, $fail) = (0, 0);
for (@ARGV) {
	my ($name, $status, $secs, $log) = split /:/, $_, 4;
	defined $log or die "usage: summary.pl NAME:STATUS:SECONDS:LOG...\n";
	open my $fh, '<', $log or die "summary.pl: no log $log\n";
	my $tap = TAP::Parser->new({ tap => do { local $/; <$fh> // '' } });
	my ($p, $f, $first, @why) = (0, 0);
	my $after_first = 0;	# the comment lines right after it explain it
	while (my $r = $tap->next) {
		if ($r->is_test) {
			$after_first = 0;
			if ($r->is_ok) { $p++; next; }
			$f++;
			next if defined $first;
			$first = $r->as_string;
			$after_first = 1;
		} elsif ($r->is_comment && $after_first && @why < 10) {
			push @why, $r->as_string;
		} else {
			$after_first = 0;
		}
	}
	my @errors = $tap->parse_errors;
	if (($status || @errors) && !$f) {
		$f = 1;
		$first = $status ? "the stage exited $status without a failing check"
				 : "its TAP is broken: $errors[0]";
	}
	$pass += $p;
	$fail += $f;
	printf "%s %s: %d passed, %d failed in %d s (log: %s)\n",
		$f ? 'FAIL' : 'ok', $name, $p, $f, $secs, $log;
	next unless $f;
	print "    first failing check: $first\n";
	print "    $_\n" for @why;
}
print "$pass passed, $fail failed\n";
exit($fail ? 1 : 0);
