/* The uffd-wp bench's userfaultfd helpers and the fault-handler thread that resolves the writer's write-protect faults. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys/privs.h"
#include "uffd_wp.h"

/* What the last uffd_wp_open() met: the syscall's errno, UFFD_USER_MODE_ONLY's, and which one worked. */
static int open_err, user_err;
static bool user_only;

/*
 * A userfaultfd: the syscall, then (not root and vm.unprivileged_userfaultfd=0)
 * user-mode faults only, which is all the writer takes (Linux 5.11: probed here,
 * an older kernel says EINVAL), then /dev/userfaultfd (Linux 6.1), for when the
 * syscall is filtered.
 */
int uffd_wp_open(void)
{
	int fd, dev;

	user_err = 0;
	user_only = false;
	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0)
		return fd;
	open_err = errno;
	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd >= 0) {
		user_only = true;
		return fd;
	}
	user_err = errno;
	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -open_err;
	fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
	close(dev);
	return fd < 0 ? -open_err : fd;
}

bool uffd_wp_user_mode_only(void)
{
	return user_only;
}

void uffd_wp_open_why(char *why, size_t len)
{
	struct privs p;

	privs_read(&p);
	privs_why_uffd(&p, open_err, user_err, why, len);
}

/* UFFDIO_API asking for @features; the kernel rejects (EINVAL) a bit it does not know. */
int uffd_wp_api(int fd, uint64_t features, uint64_t *offered)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };

	if (ioctl(fd, UFFDIO_API, &api))
		return -errno;
	if (offered)
		*offered = api.features;
	return 0;
}

/* A fresh userfaultfd with @features enabled; -errno. */
int uffd_wp_new(uint64_t features)
{
	int fd = uffd_wp_open(), err;

	if (fd < 0)
		return fd;
	err = uffd_wp_api(fd, features, NULL);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int uffd_wp_register(int fd, void *p, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		return -errno;
	if (!(reg.ioctls & (1ull << _UFFDIO_WRITEPROTECT)))
		return -EOPNOTSUPP;
	return 0;
}

/* Protect (@wp) or un-protect and wake the faulting thread (!@wp). */
int uffd_wp_writeprotect(int fd, unsigned long start, size_t len, bool wp)
{
	struct uffdio_writeprotect w = {
		.range = { .start = start, .len = len },
		.mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(fd, UFFDIO_WRITEPROTECT, &w) ? -errno : 0;
}

static int handle_msgs(struct uffd_wp_handler *h)
{
	struct uffd_msg msgs[16];
	ssize_t n = read(h->uffd, msgs, sizeof(msgs));

	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	for (size_t i = 0; i < n / sizeof(msgs[0]); i++) {
		const struct uffd_msg *m = &msgs[i];
		unsigned long addr = m->arg.pagefault.address & ~(unsigned long)(h->page - 1);
		int err;

		if (m->event != UFFD_EVENT_PAGEFAULT ||
		    !(m->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
			snprintf(h->why, sizeof(h->why), "unexpected uffd event %u flags %#llx",
				 m->event, (unsigned long long)m->arg.pagefault.flags);
			return -EPROTO;
		}
		err = uffd_wp_writeprotect(h->uffd, addr, h->page, false);
		if (err) {
			snprintf(h->why, sizeof(h->why), "UFFDIO_WRITEPROTECT %#lx", addr);
			return err;
		}
		h->handled++;
	}
	return 0;
}

static void *handler_main(void *arg)
{
	struct uffd_wp_handler *h = arg;
	struct pollfd pfd[2] = {
		{ .fd = h->uffd, .events = POLLIN },
		{ .fd = h->stop[0], .events = POLLIN },
	};
	int err = 0;

	__atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
	while (!err) {
		if (poll(pfd, 2, -1) < 0) {
			err = errno == EINTR ? 0 : -errno;
			snprintf(h->why, sizeof(h->why), "poll");
		} else if (pfd[0].revents & POLLIN) {
			err = handle_msgs(h);
		} else if (pfd[0].revents & (POLLERR | POLLHUP)) {
			err = -EIO;
			snprintf(h->why, sizeof(h->why), "userfaultfd hung up");
		} else if (pfd[1].revents) {
			break;
		}
	}
	if (err) {
		h->err = err;
		/* Releasing the userfaultfd wakes a writer that would otherwise sleep forever. */
		close(h->uffd);
		h->uffd = -1;
	}
	return NULL;
}

/*
 * The handler runs on @cpu. With the writer on the same CPU a fault costs the
 * kernel path and two context switches; on another CPU it adds the wake-up of an
 * idle CPU, which in a guest is a hypervisor exit worth tens of microseconds.
 */
int uffd_wp_handler_start(struct uffd_wp_handler *h, int uffd, size_t page, int cpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	memset(h, 0, sizeof(*h));
	h->uffd = uffd;
	h->page = page;
	if (pipe2(h->stop, O_CLOEXEC))
		return -errno;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_attr_init(&attr);
	err = -pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (!err)
		err = -pthread_create(&h->thread, &attr, handler_main, h);
	pthread_attr_destroy(&attr);
	if (err) {
		close(h->stop[0]);
		close(h->stop[1]);
		return err;
	}
	/* Its first steps (stack, poll) stay out of the write phase's counters. */
	while (!__atomic_load_n(&h->ready, __ATOMIC_ACQUIRE))
		sched_yield();
	return 0;
}

/* Stops the handler; returns the uffd it still holds (-1 if it had to release it). */
int uffd_wp_handler_stop(struct uffd_wp_handler *h)
{
	if (write(h->stop[1], "", 1) < 0)
		pthread_cancel(h->thread);
	pthread_join(h->thread, NULL);
	close(h->stop[0]);
	close(h->stop[1]);
	return h->uffd;
}
