/* What the uffd-wp bench (benches/uffd_wp.c) shares with its userfaultfd helpers and fault handler (benches/uffd_wp_handler.c). */
#ifndef MMBENCH_UFFD_WP_H
#define MMBENCH_UFFD_WP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/userfaultfd.h>

/* The installed uapi headers are 6.1; these came later. */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED	(1 << 13)	/* Linux 6.4 */
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY		1
#endif

int uffd_wp_open(void);
/* Whether the last uffd_wp_open() got a UFFD_USER_MODE_ONLY descriptor (not privileged). */
bool uffd_wp_user_mode_only(void);
/* Why the last uffd_wp_open() failed, naming the sysctl and the privilege. */
void uffd_wp_open_why(char *why, size_t len);
int uffd_wp_api(int fd, uint64_t features, uint64_t *offered);
int uffd_wp_new(uint64_t features);
int uffd_wp_register(int fd, void *p, size_t len);
int uffd_wp_writeprotect(int fd, unsigned long start, size_t len, bool wp);

/* The fault handler: un-protects the faulting page, which wakes the writer. */
struct uffd_wp_handler {
	pthread_t thread;
	int uffd;
	int stop[2];		/* a pipe: the write phase is over */
	size_t page;
	int ready, err;
	uint64_t handled;
	char why[128];
};

int uffd_wp_handler_start(struct uffd_wp_handler *h, int uffd, size_t page, int cpu);
int uffd_wp_handler_stop(struct uffd_wp_handler *h);

#endif
