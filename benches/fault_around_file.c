/* fault-around's backends (tmpfs, shmem, disk) as operations: the memory behind the mappings made resident, and the folio sizes shmem gave it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include "core/bench.h"
#include "fault_around.h"
#include "knobs/knobs.h"
#include "sys/procfs.h"

static const char *const tmpfs_huge_words[NR_TMPFS_HUGE] = { FA_TMPFS_HUGE(ENUM_WORD) };

static long tmpfs_huge_of_shm(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024];

	snprintf(buf, len, "never");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *h = strstr(line, " /dev/shm ");

		if (!h || !strstr(line, " - tmpfs "))
			continue;
		h = strstr(line, "huge=");
		if (h)
			snprintf(buf, len, "%.*s", (int)strcspn(h + 5, ", \n"), h + 5);
	}
	fclose(f);
	return 0;
}

/* A detached tmpfs with huge=@huge: never attached to a namespace, gone with its last fd. */
static int tmpfs_private(const char *huge, int *mnt_fd)
{
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC), err = 0;

	if (fs < 0)
		return -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "huge", huge, 0) ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		err = -errno;
	if (!err) {
		*mnt_fd = fsmount(fs, FSMOUNT_CLOEXEC, 0);
		if (*mnt_fd < 0)
			err = -errno;
	}
	close(fs);
	return err;
}

/* The file of template @path (mkstemp) into @st->fd, unlinked at once: a killed run leaves none behind. */
static int open_unlinked(struct bench_case *c, struct fa_state *st, char *path)
{
	st->fd = mkstemp(path);
	if (st->fd < 0)
		return case_fail(c, errno, "mkstemp %s", path);
	unlink(path);
	return 0;
}

/* The file of a tmpfs case: on /dev/shm, or O_TMPFILE on a private tmpfs with huge=@huge. */
static int tmpfs_open(struct bench_case *c, struct fa_state *st, enum tmpfs_huge huge)
{
	const char *word = tmpfs_huge_words[huge];
	char path[4096], buf[32];
	int err;

	if (huge == HUGE_SHM) {
		tmpfs_huge_of_shm(buf, sizeof(buf));
		case_param_str(c, "tmpfs", "/dev/shm");
		case_param_str(c, "tmpfs_huge", buf);
		snprintf(path, sizeof(path), "/dev/shm/mmbench-fault-around.XXXXXX");
		return open_unlinked(c, st, path);
	}
	err = tmpfs_private(word, &st->mnt_fd);
	if (err)
		return case_skip(c, "cannot create a tmpfs with huge=%s: %s", word, strerror(-err));
	case_param_str(c, "tmpfs", "private mount");
	case_param_str(c, "tmpfs_huge", word);
	st->fd = openat(st->mnt_fd, ".", O_TMPFILE | O_RDWR, 0600);
	return st->fd < 0 ? case_fail(c, errno, "O_TMPFILE on the private tmpfs") : 0;
}

/* Writes @len bytes into @fd and syncs them; 0 or -errno. */
static int fill(int fd, size_t len)
{
	static char buf[1 << 20];

	memset(buf, 0x5a, sizeof(buf));
	for (size_t off = 0; off < len; off += sizeof(buf)) {
		size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);

		if (pwrite(fd, buf, n, off) != (ssize_t)n)
			return errno ? -errno : -EIO;
	}
	/* clean pages: no writeback during the timed pass */
	return fdatasync(fd) ? -errno : 0;
}

/* Pages of the file not in the page cache (mincore of a mapping that is never touched). */
static long not_resident(int fd, size_t len)
{
	size_t n = len / PAGE;
	unsigned char *vec = malloc(n);
	void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	long missing = 0;

	if (!vec || m == MAP_FAILED) {
		missing = -ENOMEM;
		goto out;
	}
	if (mincore(m, len, vec)) {
		missing = -errno;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		missing += !(vec[i] & 1);
out:
	if (m != MAP_FAILED)
		munmap(m, len);
	free(vec);
	return missing;
}

/* Every page of the first @len bytes of @st->fd in the page cache; 0, BENCH_SKIP or -errno. */
static int make_resident(struct bench_case *c, struct fa_state *st, size_t len)
{
	static char buf[1 << 20];
	long missing = not_resident(st->fd, len);

	/* reading it back is all the page cache needs; pages reclaimed since the write return */
	for (size_t off = 0; missing > 0 && off < len; off += sizeof(buf))
		if (pread(st->fd, buf, sizeof(buf), off) < 0)
			return case_fail(c, errno, "reading the file back");
	if (missing > 0)
		missing = not_resident(st->fd, len);
	if (missing < 0)
		return case_fail(c, (int)-missing, "mincore");
	if (missing > 0)
		return case_skip(c, "%ld of %zu pages not resident after reading the file",
				 missing, len / PAGE);
	return 0;
}

/* The filesystem of @fd as the param "fs". */
static void record_fs(struct bench_case *c, int fd)
{
	struct statfs sfs;
	char name[32];

	if (fstatfs(fd, &sfs))
		return;
	switch ((unsigned long)sfs.f_type) {
	case TMPFS_MAGIC: snprintf(name, sizeof(name), "tmpfs"); break;
	case EXT4_SUPER_MAGIC: snprintf(name, sizeof(name), "ext4"); break;
	case XFS_SUPER_MAGIC: snprintf(name, sizeof(name), "xfs"); break;
	case BTRFS_SUPER_MAGIC: snprintf(name, sizeof(name), "btrfs"); break;
	default: snprintf(name, sizeof(name), "0x%lx", (unsigned long)sfs.f_type);
	}
	case_param_str(c, "fs", name);
}

static const unsigned folio_kib[] = { 2048, 1024, 512, 256, 128, 64, 32, 16, 8 };
_Static_assert(sizeof(folio_kib) / sizeof(folio_kib[0]) == NR_FOLIO_SIZES,
	       "NR_FOLIO_SIZES in fault_around.h counts folio_kib[]");

void fault_around_shmem_alloc_snap(uint64_t *v)
{
	char path[128];

	for (size_t i = 0; i < NR_FOLIO_SIZES; i++) {
		snprintf(path, sizeof(path), "%s/sys/kernel/mm/transparent_hugepage/"
			 "hugepages-%ukB/stats/shmem_alloc", sysroot(), folio_kib[i]);
		if (read_u64(path, &v[i]))
			v[i] = 0;
	}
}

/*
 * The largest shmem folio the kernel allocated while the data was written: it, not the
 * knobs, says what the faults met (tmpfs files follow huge=, anonymous shmem the per-size
 * shmem_enabled). Counters are global, so another writer of shmem could inflate it.
 */
void fault_around_record_folio(struct bench_case *c, const uint64_t *before)
{
	uint64_t after[NR_FOLIO_SIZES];
	double kib = 4;

	fault_around_shmem_alloc_snap(after);
	for (size_t i = 0; i < NR_FOLIO_SIZES; i++) {
		if (after[i] > before[i]) {
			kib = folio_kib[i];
			break;
		}
	}
	case_param_num(c, "folio_kib", kib);
}

/* tmpfs and disk: the file written, and read back until every page of it is cached. */
static int file_ready(struct bench_case *c, struct fa_state *st, size_t size)
{
	int err;

	record_fs(c, st->fd);
	err = fill(st->fd, size);
	if (err)
		return case_fail(c, err, "writing the file");
	return make_resident(c, st, size);
}

static int tmpfs_setup(struct bench_ctx *ctx, struct bench_case *c, struct fa_state *st, size_t size)
{
	const struct fa_opts *o = ctx->o;
	int err = tmpfs_open(c, st, o->tmpfs_huge);

	return err ? err : file_ready(c, st, size);
}

/* A file beside the results (the archive's filesystem), when that has room to spare. */
static int disk_setup(struct bench_ctx *ctx, struct bench_case *c, struct fa_state *st, size_t size)
{
	char path[4096];
	struct statfs sfs;
	int err;

	if (statfs(ctx->run_dir, &sfs))
		return case_fail(c, errno, "statfs %s", ctx->run_dir);
	if ((uint64_t)sfs.f_bavail * sfs.f_bsize < size + (256ull << 20))
		return case_skip(c, "%s has less than %llu MiB free", ctx->run_dir,
				 (unsigned long long)((size >> 20) + 256));
	snprintf(path, sizeof(path), "%s/.fault-around.XXXXXX", ctx->run_dir);
	err = open_unlinked(c, st, path);
	return err ? err : file_ready(c, st, size);
}

static int file_refresh(struct bench_case *c, struct fa_state *st)
{
	return make_resident(c, st, st->slice * st->nthreads);
}

static void *file_map(const struct fa_state *st, const struct worker *w)
{
	return mmap(NULL, st->slice, PROT_READ, MAP_SHARED, st->fd, w->off);
}

static void file_cleanup(struct fa_state *st)
{
	if (st->fd >= 0)
		close(st->fd);
	if (st->mnt_fd >= 0)
		close(st->mnt_fd);
}

/* shmem: a MAP_SHARED|MAP_ANONYMOUS region per worker, kept from setup to teardown with its pages. */
static int shmem_setup(struct bench_ctx *ctx, struct bench_case *c, struct fa_state *st, size_t size)
{
	(void)ctx;
	(void)size;
	for (unsigned i = 0; i < st->nthreads; i++) {
		struct worker *w = &st->w[i];

		w->keep = mmap(NULL, st->slice, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (w->keep == MAP_FAILED) {
			w->keep = NULL;
			return case_fail(c, errno, "mmap shmem");
		}
		/* written, so that the kernel picks the folio size now, as a writer's would */
		memset(w->keep, 0x5a, st->slice);
	}
	case_param_str(c, "fs", "shmem");
	return 0;
}

/* A second mapping of the same pages, so nothing is mapped in it yet. */
static void *shmem_map(const struct fa_state *st, const struct worker *w)
{
	return mremap(w->keep, 0, st->slice, MREMAP_MAYMOVE);
}

static void shmem_cleanup(struct fa_state *st)
{
	for (unsigned i = 0; st->w && i < st->nthreads; i++)
		if (st->w[i].keep)
			munmap(st->w[i].keep, st->slice);
}

static const struct fa_mem_ops tmpfs_ops = {
	.setup = tmpfs_setup, .refresh = file_refresh, .map = file_map, .cleanup = file_cleanup,
	.pmd_field = "ShmemPmdMapped", .shmem_folios = true,
};
static const struct fa_mem_ops shmem_ops = {
	.setup = shmem_setup, .map = shmem_map, .cleanup = shmem_cleanup,
	.pmd_field = "ShmemPmdMapped", .shmem_folios = true,
};
static const struct fa_mem_ops disk_ops = {
	.setup = disk_setup, .refresh = file_refresh, .map = file_map, .cleanup = file_cleanup,
	.pmd_field = "FilePmdMapped",
};

const struct fa_mem_ops *const fa_backends[NR_BACKENDS] = {
	[BK_TMPFS] = &tmpfs_ops, [BK_SHMEM] = &shmem_ops, [BK_DISK] = &disk_ops,
};
