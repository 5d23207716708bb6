/* The knob journal: originals on disk before the first change, put back at exit, on signals, and after a kill. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sys/atomic.h"
#include "sys/cleanup.h"
#include "knobs/journal.h"
#include "knobs/knobs.h"
#include "sys/procfs.h"
#include "sys/util.h"

/* What this process changed: restored in reverse order. Fixed-size so a signal handler can walk it. */
#define MAX_CHANGED 64
struct changed {
	char path[PATH_MAX];
	char restore[512];	/* what to write to put the original back */
	char name[64];
};
static struct changed changed[MAX_CHANGED];
static volatile sig_atomic_t nr_changed;
static pid_t owner;
static int lock_fd = -1, root_lock_fd = -1;
static char journal[PATH_MAX], lock_failed[PATH_MAX + 8];

#define ROOT_JOURNAL	"/var/lib/mmbench/journal"

/* A directory this user owns and may write: made if missing, refused if someone else's. */
static bool own_dir(const char *dir)
{
	struct stat st;

	if (mkdir_p(dir) || lstat(dir, &st))
		return false;
	return S_ISDIR(st.st_mode) && st.st_uid == geteuid() && !access(dir, W_OK);
}

/* Not root: the XDG state directory, ~/.local/state, or one in /tmp when home is not ours (nobody's is /nonexistent). */
static void user_journal(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[PATH_MAX];

	/* XDG: a relative path is invalid and is ignored */
	if (xdg && xdg[0] == '/')
		snprintf(dir, sizeof(dir), "%s/mmbench", xdg);
	else if (home && home[0] == '/')
		snprintf(dir, sizeof(dir), "%s/.local/state/mmbench", home);
	else
		dir[0] = 0;
	if (!dir[0] || !own_dir(dir)) {
		snprintf(dir, sizeof(dir), "/tmp/mmbench-%u", (unsigned)geteuid());
		mkdir(dir, 0700);
	}
	snprintf(buf, len, "%s/journal", dir);
}

const char *knob_journal_path(void)
{
	const char *j = getenv("MMBENCH_JOURNAL");

	if (!journal[0]) {
		if (j)
			snprintf(journal, sizeof(journal), "%s", j);
		else if (!geteuid())
			snprintf(journal, sizeof(journal), "%s" ROOT_JOURNAL, sysroot());
		else
			user_journal(journal, sizeof(journal));
	}
	return journal;
}

const char *knob_lock_path(void)
{
	return lock_failed;
}

/*
 * The journal is rewritten whole for every knob added, one line each: name, path and the
 * text that restores it, tab-separated. The atomic write fsyncs the file and its directory,
 * so a crash leaves the old journal or the new one, never a torn line, and never a journal
 * whose directory entry was lost.
 */
static int journal_save(int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int r;

	r = mkdir_parents(knob_journal_path());
	if (r)
		return r;
	m = open_memstream(&buf, &len);
	if (!m)
		return -errno;
	for (int i = 0; i < n; i++)
		fprintf(m, "%s\t%s\t%s\n", changed[i].name, changed[i].path, changed[i].restore);
	r = fclose(m) ? -ENOMEM : atomic_write_buf(knob_journal_path(), buf, len);
	free(buf);
	return r;
}

int journal_remember(const char *name, const char *path, const char *restore)
{
	struct changed *c;
	int r;

	for (int i = 0; i < nr_changed; i++)
		if (!strcmp(changed[i].path, path))
			return 0;
	if (nr_changed == MAX_CHANGED)
		return -ENOSPC;
	c = &changed[nr_changed];
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->restore, sizeof(c->restore), "%s", restore);
	r = journal_save(nr_changed + 1);
	if (r)
		return r;
	nr_changed++;
	return 0;
}

/* Async-signal-safe: open/write/close only, over the fixed array. */
static void restore_all_unlocked(void)
{
	bool all = true;

	while (nr_changed > 0) {
		const struct changed *c = &changed[nr_changed - 1];
		size_t len = strlen(c->restore);
		int fd = open(c->path, O_WRONLY | O_TRUNC | O_CLOEXEC);

		/* a write that failed leaves the journal for the next run */
		if (fd < 0 || write(fd, c->restore, len) != (ssize_t)len)
			all = false;
		if (fd >= 0)
			close(fd);
		nr_changed--;
	}
	if (all && journal[0])
		unlink(journal);
}

int knob_restore_all(void)
{
	/* once a knob would not go back, the journal stays for the next run to retry */
	static bool failed;
	int r = 0;

	if (owner && getpid() != owner)
		return 0;
	/* one knob that will not go back must not keep the others changed */
	while (nr_changed > 0) {
		const struct changed *c = &changed[nr_changed - 1];
		char now[512], want[512];

		knob_choice_word(c->restore, want, sizeof(want));
		if (write_text(c->path, c->restore) ||
		    knob_read(c->name, now, sizeof(now)) || strcmp(now, want)) {
			fprintf(stderr, "mmbench: could not restore %s to '%s'\n", c->path, c->restore);
			r = -EIO;
			failed = true;
		}
		nr_changed--;
	}
	if (!failed && !unlink(knob_journal_path()))
		atomic_sync_dir(knob_journal_path());
	return r;
}

bool journal_pending(void)
{
	return nr_changed > 0;
}

static void at_exit(void)
{
	if (getpid() != owner)
		return;
	knob_restore_all();
	/* debugfs's own exit handler left it mounted for the restore above */
	knob_unmount_debugfs();
}

/*
 * Signals that end the process, asked for (INT, TERM, HUP, PIPE) or not (a crash: SEGV,
 * BUS, FPE, ILL, ABRT, QUIT, TRAP, SYS, XCPU, XFSZ). The handler restores what the fixed
 * array holds with async-signal-safe calls only, then re-raises with the default action,
 * so the exit status (and a core dump, where one is due) stays the signal's.
 */
static const int fatal_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGPIPE,
	SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT, SIGTRAP, SIGSYS, SIGXCPU, SIGXFSZ,
};
#define NR_FATAL ((int)(sizeof(fatal_signals) / sizeof(fatal_signals[0])))

static void on_signal(int sig)
{
	int saved = errno;

	if (getpid() == owner) {
		restore_all_unlocked();
		/* exit handlers do not run when the signal kills us: undo our mounts here */
		cleanup_run();
	}
	signal(sig, SIG_DFL);
	/*
	 * Pending until the handler returns (it is blocked here). A fault re-raised this way
	 * is delivered at once; one the instruction would raise again is too.
	 */
	raise(sig);
	errno = saved;
}

/* Restore what a killed run journaled; its lines are "name\tpath\ttext". */
static int recover(FILE *msg)
{
	char line[PATH_MAX + 700];
	struct changed *old;
	int n = 0, bad = 0;
	FILE *f = fopen(knob_journal_path(), "re");

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	old = calloc(MAX_CHANGED, sizeof(*old));
	if (!old) {
		fclose(f);
		return -ENOMEM;
	}
	while (n < MAX_CHANGED && fgets(line, sizeof(line), f)) {
		char *name = strtok(line, "\t"), *path = strtok(NULL, "\t"), *text = strtok(NULL, "\n");

		if (!name || !path)
			continue;
		snprintf(old[n].name, sizeof(old[n].name), "%s", name);
		snprintf(old[n].path, sizeof(old[n].path), "%s", path);
		snprintf(old[n].restore, sizeof(old[n].restore), "%s", text ? text : "");
		n++;
	}
	fclose(f);
	for (int i = n - 1; i >= 0; i--) {
		int r = write_text(old[i].path, old[i].restore);

		if (msg)
			fprintf(msg, "mmbench: a previous run was killed before restoring %s: %s '%s'%s%s\n",
				old[i].name, r ? "could not write" : "restored to", old[i].restore,
				r ? ": " : "", r ? strerror(-r) : "");
		bad |= r;
	}
	free(old);
	if (!bad && !unlink(knob_journal_path()))
		atomic_sync_dir(knob_journal_path());
	return bad ? -EIO : n;
}

/* An exclusive lock on @path, made (mode 0644: others must be able to test it) when @create; the fd, or -errno. */
static int lock_file(const char *path, bool create)
{
	int fd = create ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : open(path, O_RDONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		r = -errno;
	/* whatever the umask: a user run opens root's lock read-only to see it is held */
	else if (create && !geteuid() && fchmod(fd, 0644))
		r = -errno;
	/* flock needs no write access: a read-only fd holds it as well */
	else if (flock(fd, LOCK_EX | LOCK_NB))
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
	if (r) {
		snprintf(lock_failed, sizeof(lock_failed), "%s", path);
		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

/*
 * This run's lock, then (not root) root's: a user run changes no knob, but must
 * not measure while a root run changes them, nor let one start until it is done.
 */
static int take_locks(const char *lock)
{
	char root_lock[PATH_MAX + 8];
	int r = mkdir_parents(lock);

	if (r) {
		snprintf(lock_failed, sizeof(lock_failed), "%s", lock);
		return r;
	}
	/* root's directory must let users reach the lock, whatever the umask */
	if (!geteuid() && !getenv("MMBENCH_JOURNAL")) {
		snprintf(root_lock, sizeof(root_lock), "%s" ROOT_JOURNAL, sysroot());
		chmod(dirname(root_lock), 0755);
	}
	lock_fd = lock_file(lock, true);
	if (lock_fd < 0)
		return lock_fd;
	snprintf(root_lock, sizeof(root_lock), "%s" ROOT_JOURNAL ".lock", sysroot());
	if (!geteuid() || !strcmp(lock, root_lock))
		return 0;
	r = lock_file(root_lock, false);
	/* -ENOENT: no root run ever made one */
	if (r >= 0 || r == -ENOENT) {
		root_lock_fd = r < 0 ? -1 : r;
		lock_failed[0] = 0;
		return 0;
	}
	close(lock_fd);
	lock_fd = -1;
	return r;
}

int knobs_init(FILE *msg)
{
	char lock[PATH_MAX + 8];
	struct sigaction sa = { .sa_handler = on_signal };
	int r;

	if (owner == getpid())
		return 0;
	snprintf(lock, sizeof(lock), "%s.lock", knob_journal_path());
	r = take_locks(lock);
	if (r)
		return r;
	r = recover(msg);
	if (r < 0)
		return r;
	owner = getpid();
	atexit(at_exit);
	knob_debugfs_hold(journal_pending);
	/*
	 * Every fatal signal is blocked while the handler restores, so a second one cannot cut
	 * it short; a crash inside the handler itself then kills at once (SA_RESETHAND).
	 */
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < NR_FATAL; i++)
		sigaddset(&sa.sa_mask, fatal_signals[i]);
	sa.sa_flags = SA_RESETHAND;
	/* progress goes to stderr: a reader that went away (| head) must not leave knobs set */
	for (int i = 0; i < NR_FATAL; i++)
		sigaction(fatal_signals[i], &sa, NULL);
	return 0;
}
