// SPDX-License-Identifier: GPL-2.0
/*
 * blk-pattern: write a seeded pseudo-random pattern to a block device (or
 * a file), read it back and compare, for guest/dma-io.sh; also run on the
 * host by qemu-run.sh to fill a drive image before a boot (drive: fill=).
 *
 * Usage:
 *   blk-pattern [-d] write PATH MIB SEED    MIB MiB of SEED's pattern
 *   blk-pattern [-d] read PATH MIB SEED     read MIB MiB, compare with it
 *   blk-pattern random PATH MIB OPS SEED    OPS 4 KiB writes at random
 *                                           blocks of the first MIB MiB,
 *                                           then each block read back
 *   -d: O_DIRECT (random always is)
 *
 * Each prints one line of words, which dma-io.sh passes on:
 *   write:  mib=64 s=1.23 mibs=52.0 sum=<16 hex digits>
 *   read:   mib=64 s=1.23 mibs=52.0 sum=<what it read> want=<the pattern's>
 *   random: ops=2048 blocks=<distinct> s=1.23 iops=1665 bad=0
 * and exits 1 when a read differs from the pattern (the first difference
 * on stderr) or an I/O call fails.  The 64-bit word at byte offset 8 * i
 * of SEED's pattern is mix(SEED ^ i); the sum is FNV-1a over the words.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	(1UL << 20)	/* sequential I/O size */
#define BLOCK	4096UL		/* random I/O size */

/* splitmix64's output function: a bijection that scatters every bit. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The words of @key's pattern from word @first on, @n of them. */
static void fill(uint64_t *buf, size_t n, uint64_t key, uint64_t first)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = mix(key ^ (first + i));
}

static uint64_t fnv(uint64_t h, const uint64_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ buf[i]) * 0x100000001b3ULL;
	return h;
}

#define FNV_START 0xcbf29ce484222325ULL

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void *buffer(size_t size)
{
	void *p;

	if (posix_memalign(&p, BLOCK, size)) {
		fprintf(stderr, "blk-pattern: no memory for %zu bytes\n", size);
		exit(1);
	}
	return p;
}

static int xfer(int fd, int wr, void *buf, size_t len, off_t off)
{
	ssize_t n = wr ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);

	if (n == (ssize_t)len)
		return 0;
	fprintf(stderr, "blk-pattern: %s of %zu bytes at %lld: %s\n",
		wr ? "write" : "read", len, (long long)off,
		n < 0 ? strerror(errno) : "short");
	return -1;
}

/* Where @got differs from @want first, on stderr; 0 if nowhere. */
static int differs(const uint64_t *got, const uint64_t *want, size_t n,
		   off_t off)
{
	for (size_t i = 0; i < n; i++) {
		if (got[i] == want[i])
			continue;
		fprintf(stderr, "blk-pattern: byte %lld: %016" PRIx64
			" instead of %016" PRIx64 "\n",
			(long long)(off + 8 * i), got[i], want[i]);
		return 1;
	}
	return 0;
}

static int sequential(int wr, const char *path, int flags, unsigned long mib,
		      uint64_t seed)
{
	uint64_t *want = buffer(CHUNK), *got = buffer(CHUNK);
	uint64_t sum = FNV_START, wsum = FNV_START;
	size_t words = CHUNK / 8;
	int fd, bad = 0;
	double t;

	fd = open(path, (wr ? O_WRONLY | O_CREAT : O_RDONLY) | flags, 0644);
	if (fd < 0) {
		fprintf(stderr, "blk-pattern: %s: %s\n", path, strerror(errno));
		return 1;
	}
	t = now();
	for (unsigned long c = 0; c < mib; c++) {
		fill(want, words, seed, c * words);
		wsum = fnv(wsum, want, words);
		if (xfer(fd, wr, wr ? want : got, CHUNK, c * CHUNK))
			return 1;
		if (wr)
			continue;
		sum = fnv(sum, got, words);
		if (!bad)
			bad = differs(got, want, words, c * CHUNK);
	}
	if (wr && fsync(fd)) {
		fprintf(stderr, "blk-pattern: fsync %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	t = now() - t;
	printf("mib=%lu s=%.2f mibs=%.1f sum=%016" PRIx64, mib, t, mib / t,
	       wr ? wsum : sum);
	if (!wr)
		printf(" want=%016" PRIx64, wsum);
	printf("\n");
	return !wr && (bad || sum != wsum);
}

/*
 * @ops writes of one block each at random blocks below @mib MiB, each
 * with its own key; then every block written is read back, in the reverse
 * order, and must hold its last write.
 */
static int random_io(const char *path, unsigned long mib, unsigned long ops,
		     uint64_t seed)
{
	unsigned long nblocks = mib * (1UL << 20) / BLOCK, distinct = 0, bad = 0;
	unsigned long *block = calloc(ops, sizeof(*block));
	long *last = malloc(nblocks * sizeof(*last));
	uint64_t *want = buffer(BLOCK), *got = buffer(BLOCK), rng = seed;
	size_t words = BLOCK / 8;
	double t;
	int fd;

	if (!block || !last || !nblocks) {
		fprintf(stderr, "blk-pattern: no memory for %lu ops\n", ops);
		return 1;
	}
	for (unsigned long b = 0; b < nblocks; b++)
		last[b] = -1;
	fd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "blk-pattern: %s: %s\n", path, strerror(errno));
		return 1;
	}
	t = now();
	for (unsigned long k = 0; k < ops; k++) {
		rng = mix(rng);
		block[k] = rng % nblocks;
		distinct += last[block[k]] < 0;
		last[block[k]] = k;
		fill(want, words, mix(seed ^ k), block[k] * words);
		if (xfer(fd, 1, want, BLOCK, block[k] * BLOCK))
			return 1;
	}
	for (unsigned long k = ops; k-- > 0;) {
		if (last[block[k]] != (long)k)
			continue;	/* written again later */
		fill(want, words, mix(seed ^ k), block[k] * words);
		if (xfer(fd, 0, got, BLOCK, block[k] * BLOCK))
			return 1;
		if (differs(got, want, words, block[k] * BLOCK))
			bad++;
	}
	close(fd);
	t = now() - t;
	printf("ops=%lu blocks=%lu s=%.2f iops=%.0f bad=%lu\n", ops, distinct,
	       t, (ops + distinct) / t, bad);
	return bad != 0;
}

static unsigned long long number(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "blk-pattern: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	int flags = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "-d")) {
		flags = O_DIRECT;
		argc--, argv++;
	}
	if (argc == 5 && (!strcmp(argv[1], "write") || !strcmp(argv[1], "read")))
		return sequential(argv[1][0] == 'w', argv[2], flags,
				  number(argv[3]), number(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "random"))
		return random_io(argv[2], number(argv[3]), number(argv[4]),
				 number(argv[5]));
	fprintf(stderr, "usage: blk-pattern [-d] write|read PATH MIB SEED\n"
		"       blk-pattern random PATH MIB OPS SEED\n");
	return 2;
}
