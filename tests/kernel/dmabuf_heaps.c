// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux dmabuf-heaps selftest against every heap of the guest, with
 * the refusals a restricted heap owes turned into passes.
 *
 * The selftest itself is not in this repository: scripts/kernel/ktest.sh
 * compiles this file with -I <kernel source>/tools/testing/selftests/
 * dmabuf-heaps, and the #include below pulls in dmabuf-heap.c of the very
 * kernel the guest boots (its main() renamed out of the way). Its main()
 * stops at the first heap with a failing check, and the first check of a
 * restricted heap fails by design (mmap), so this wrapper calls the five
 * checks itself, each in its own child process, once per heap, reads what
 * the check printed, and decides:
 *
 *   heap "protected,*" (restricted):
 *     alloc_and_import  must fail with "mmap() failed"    expected refusal
 *     alloc_zeroed 4k   must fail with "mmap() failed!"   expected refusal
 *     alloc_zeroed 1M   must fail with "mmap() failed!"   expected refusal
 *     alloc_compat      must pass
 *     alloc_errors      must pass
 *   any other heap (the kernel's own "system"): every check must pass.
 *
 * A restricted heap whose buffer CAN be mapped fails, so does a refusal
 * at any other step (the allocation, the sync ioctls). At least one
 * restricted heap and the system heap must exist. Exit 0 when every check
 * of every heap met its expectation. docs/kernel-suite.md lists the
 * expected refusals.
 */
#define main dmabuf_heap_selftest_main
#include "dmabuf-heap.c"
#undef main

#include <signal.h>
#include <sys/wait.h>

enum expect { EXPECT_OK, EXPECT_MMAP_REFUSED };

struct check {
	const char *name;
	int (*run)(char *heap_name);
};

static int check_zeroed_4k(char *heap_name)
{
	return test_alloc_zeroed(heap_name, 4 * 1024);
}

static int check_zeroed_1m(char *heap_name)
{
	return test_alloc_zeroed(heap_name, ONE_MEG);
}

static const struct check checks[] = {
	{ "alloc_and_import", test_alloc_and_import },
	{ "alloc_zeroed_4k", check_zeroed_4k },
	{ "alloc_zeroed_1m", check_zeroed_1m },
	{ "alloc_compat", test_alloc_compat },
	{ "alloc_errors", test_alloc_errors },
};

static int is_restricted(const char *heap)
{
	return strncmp(heap, "protected,", strlen("protected,")) == 0;
}

static enum expect expectation(const char *heap, const char *check)
{
	if (!is_restricted(heap))
		return EXPECT_OK;
	if (!strcmp(check, "alloc_and_import") ||
	    !strncmp(check, "alloc_zeroed", strlen("alloc_zeroed")))
		return EXPECT_MMAP_REFUSED;
	return EXPECT_OK;
}

/* Runs one check in a child; its output lands in out, its status in *rc. */
static int run_check(const struct check *c, char *heap, char *out,
		     size_t cap, int *status)
{
	int pfd[2];
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		alarm(60);
		exit(c->run(heap) ? 1 : 0);
	}
	close(pfd[1]);
	while (len + 1 < cap &&
	       (n = read(pfd[0], out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	if (waitpid(pid, status, 0) != pid)
		return -1;
	return 0;
}

static int judge(const char *heap, const struct check *c)
{
	enum expect want = expectation(heap, c->name);
	char out[4096], *nl;
	int status, ok;

	if (run_check(c, (char *)heap, out, sizeof(out), &status)) {
		printf("dmabuf_heaps: %s: %s: FAIL (fork/pipe: %s)\n", heap,
		       c->name, strerror(errno));
		return 0;
	}
	for (nl = strchr(out, '\n'); nl; nl = strchr(nl, '\n'))
		*nl = ' ';
	printf("dmabuf_heaps: %s: %s: selftest says:%s\n", heap, c->name, out);
	if (WIFSIGNALED(status)) {
		printf("dmabuf_heaps: %s: %s: FAIL (killed by signal %d)\n",
		       heap, c->name, WTERMSIG(status));
		return 0;
	}
	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (want == EXPECT_OK) {
		printf("dmabuf_heaps: %s: %s: %s\n", heap, c->name,
		       ok ? "PASS" : "FAIL");
		return ok;
	}
	if (ok) {
		printf("dmabuf_heaps: %s: %s: FAIL (a restricted buffer was mapped into user space)\n",
		       heap, c->name);
		return 0;
	}
	if (strstr(out, "FAIL (mmap() failed")) {
		printf("dmabuf_heaps: %s: %s: PASS (expected refusal: mmap of a restricted buffer fails)\n",
		       heap, c->name);
		return 1;
	}
	printf("dmabuf_heaps: %s: %s: FAIL (refused before mmap: only mmap may be refused)\n",
	       heap, c->name);
	return 0;
}

int main(void)
{
	int restricted = 0, system_heap = 0, failed = 0, total = 0;
	struct dirent *dir;
	size_t i;
	DIR *d;

	setvbuf(stdout, NULL, _IOLBF, 0);
	d = opendir(DEVPATH);
	if (!d) {
		printf("dmabuf_heaps: FAIL (no %s)\n", DEVPATH);
		return 1;
	}
	while ((dir = readdir(d)) != NULL) {
		if (dir->d_name[0] == '.')
			continue;
		if (is_restricted(dir->d_name))
			restricted++;
		if (!strcmp(dir->d_name, "system"))
			system_heap = 1;
		printf("dmabuf_heaps: heap %s (%s)\n", dir->d_name,
		       is_restricted(dir->d_name) ? "restricted" : "ordinary");
		for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
			total++;
			if (!judge(dir->d_name, &checks[i]))
				failed++;
		}
	}
	closedir(d);
	if (!system_heap) {
		printf("dmabuf_heaps: FAIL (no system heap: CONFIG_DMABUF_HEAPS_SYSTEM)\n");
		failed++;
	}
	if (!restricted) {
		printf("dmabuf_heaps: FAIL (no protected,* heap: is rheap.ko loaded?)\n");
		failed++;
	}
	printf("dmabuf_heaps: %d checks on %d restricted heap(s) + system, %d failed\n",
	       total, restricted, failed);
	return failed ? 1 : 0;
}
