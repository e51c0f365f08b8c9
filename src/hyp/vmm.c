// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-vmm: guests, their processes, the event loop and the control
 * socket (see vmm.h for the life cycles; docs/vmm.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>

#include "board/nw_client.h"
#include "hyp/vmm.h"
#include "hyp/vmm_internal.h"
#include "util/json.h"

/* epoll data: kind in the top byte, VM index or fd below. */
#define EV_SIG (UINT64_C(1) << 56)
#define EV_CTL (UINT64_C(2) << 56)
#define EV_CLIENT (UINT64_C(3) << 56)
#define EV_MMIO (UINT64_C(4) << 56)
#define EV_KICK (UINT64_C(5) << 56)
#define EV_PID (UINT64_C(6) << 56)
#define EV_KIND (UINT64_C(0xFF) << 56)

#define VMM_STOP_WAIT_MS 2000
/* Most ms a dead VM's board connection takes to be torn down. */
#define VMM_BOARD_CLOSE_MS 2000

void vmm_log(const struct vmm *vmm, const char *fmt, ...)
{
	va_list ap;

	(void)vmm;
	va_start(ap, fmt);
	fputs("rheap-vmm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void vmm_deny(struct vmm_vm *vm, const char *request, uint64_t id,
	      const char *reason)
{
	struct vmm *vmm = vm->vmm;
	struct vmm_denial *d = &vmm->denials[vmm->denial_total % VMM_DENIAL_LOG];

	vm->denials++;
	vmm->denial_total++;
	*d = (struct vmm_denial){ .vm = vm->index, .id = id };
	snprintf(d->request, sizeof(d->request), "%s", request);
	snprintf(d->reason, sizeof(d->reason), "%s", reason);
	fprintf(stderr, "rheap-vmm: vm%u denied %s %llu: %s\n", vm->index,
		request, (unsigned long long)id, reason);
}

static int vmm_epoll_add(struct vmm *vmm, int fd, uint64_t data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

	return epoll_ctl(vmm->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -ENOMEM;
}

static void vmm_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* ---- Layout ---- */

/* The hypervisor's address of PA range [@pa, +@size), or NULL. */
static uint8_t *vmm_pa_ptr(const struct vmm *vmm, uint64_t pa, uint64_t size)
{
	void *p = NULL;

	return nw_client_pa_ptr(vmm->hyp, pa, size, &p) == 0 ? p : NULL;
}

/* Whether [@base, +@size) overlaps a pool the board lists (STATUS). */
static int vmm_check_pools(struct vmm *vmm, uint64_t base, uint64_t size)
{
	const struct json_value *pools = NULL;
	struct json_doc *doc = NULL;
	char *json = NULL;
	size_t len = 0;
	int rc = nw_client_status(vmm->hyp, &json, &len);

	if (rc) {
		return rc;
	}
	rc = json_parse(json, len, &doc, NULL);
	free(json);
	if (rc) {
		return rc;
	}
	pools = json_object_get(json_root(doc), "pools");
	for (const struct json_value *p = pools ? pools->child : NULL; p;
	     p = p->next) {
		uint64_t pb = 0;
		uint64_t ps = 0;

		if (json_get_u64(json_object_get(p, "base"), &pb) == 0 &&
		    json_get_u64(json_object_get(p, "size"), &ps) == 0 &&
		    pb < base + size && base < pb + ps) {
			vmm_log(vmm, "guest memory [0x%llx, +0x%llx) overlaps pool at 0x%llx",
				(unsigned long long)base,
				(unsigned long long)size,
				(unsigned long long)pb);
			rc = -EINVAL;
		}
	}
	json_free(doc);
	return rc;
}

static int vmm_layout(struct vmm *vmm)
{
	const struct vmm_cfg *cfg = &vmm->cfg;
	uint64_t total = 0;
	uint64_t mbox = 0;

	if (__builtin_mul_overflow(cfg->guest_mem, (uint64_t)cfg->vm_count,
				   &total) ||
	    __builtin_add_overflow(total, (uint64_t)cfg->vm_count * VMM_MBOX_AREA,
				   &total) ||
	    __builtin_add_overflow(cfg->guest_base, total, &mbox)) {
		return -EOVERFLOW;
	}
	if (!vmm_pa_ptr(vmm, cfg->guest_base, total)) {
		vmm_log(vmm, "guest memory [0x%llx, +0x%llx) is not inside one NW DRAM range",
			(unsigned long long)cfg->guest_base,
			(unsigned long long)total);
		return -EINVAL;
	}
	return vmm_check_pools(vmm, cfg->guest_base, total);
}

/* Gives back the whole slice to the memfd (reads as zero afterwards). */
static void vmm_zero(uint8_t *p, uint64_t size)
{
	if (madvise(p, (size_t)size, MADV_REMOVE) != 0) {
		memset(p, 0, (size_t)size);
	}
}

/* ---- Guests ---- */

static int vmm_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* In the child: keep only @keep fds (plus 0..2). */
static void vmm_child_close_fds(const int *keep, int keep_count)
{
	int hi = 3;

	for (;;) {
		int next = -1;

		for (int i = 0; i < keep_count; i++) {
			if (keep[i] >= hi && (next < 0 || keep[i] < next)) {
				next = keep[i];
			}
		}
		if (next < 0) {
			syscall(SYS_close_range, (unsigned int)hi, ~0u, 0u);
			return;
		}
		if (next > hi) {
			syscall(SYS_close_range, (unsigned int)hi,
				(unsigned int)next - 1u, 0u);
		}
		hi = next + 1;
	}
}

static void vmm_child(struct vmm *vmm, struct vmm_vm *vm, int mmio_fd,
		      int kick_fd, int irq_fd, const sigset_t *mask)
{
	struct vt_guest_env env = {
		.vm_id = vm->ep,
		.ram = vm->ram,
		.ram_size = vm->ram_size,
		.mmio_fd = mmio_fd,
		.kick_fd = kick_fd,
		.irq_fd = irq_fd,
	};
	int keep[3] = { mmio_fd, kick_fd, irq_fd };

	/* A hypervisor that dies, even by SIGKILL, takes its VMs with it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	memcpy(env.uapi_path, vm->uapi_path, sizeof(env.uapi_path));
	/* Unmap all of NW DRAM but the slice: other guests, our mailboxes. */
	for (uint32_t i = 0; i < nw_client_dram_count(vmm->hyp); i++) {
		struct nw_client_dram d = { 0 };
		uint8_t *end = NULL;

		if (nw_client_dram_get(vmm->hyp, i, &d) != 0) {
			continue;
		}
		end = d.ptr + d.size;
		if (vm->ram >= d.ptr && vm->ram < end) {
			if (vm->ram > d.ptr) {
				munmap(d.ptr, (size_t)(vm->ram - d.ptr));
			}
			if (vm->ram + vm->ram_size < end) {
				munmap(vm->ram + vm->ram_size,
				       (size_t)(end - (vm->ram + vm->ram_size)));
			}
		} else {
			munmap(d.ptr, (size_t)d.size);
		}
	}
	vmm_child_close_fds(keep, 3);
	sigprocmask(SIG_SETMASK, mask, NULL);
	signal(SIGPIPE, SIG_DFL);
	_exit(vmm->cfg.guest(&env) & 0xFF);
}

static int vmm_vm_start(struct vmm *vmm, struct vmm_vm *vm,
			const sigset_t *mask)
{
	int sv[2] = { -1, -1 };
	int gkick = -1;
	int girq = -1;
	pid_t pid = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		return -ENOMEM;
	}
	vm->mmio_fd = sv[0];
	vm->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->kick_fd < 0 || vm->irq_fd < 0) {
		close(sv[1]);
		return -ENOMEM;
	}
	/* The guest's copies: its kick is ours to read, its irq ours to write. */
	gkick = dup(vm->kick_fd);
	girq = dup(vm->irq_fd);
	if (gkick < 0 || girq < 0) {
		close(sv[1]);
		vmm_close(&gkick);
		vmm_close(&girq);
		return -ENOMEM;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[1]);
		close(gkick);
		close(girq);
		return -ENOMEM;
	}
	if (pid == 0) {
		vmm_child(vmm, vm, sv[1], gkick, girq, mask);
	}
	close(sv[1]);
	close(gkick);
	close(girq);
	vm->pid = pid;
	vm->alive = true;
	vm->pidfd = vmm_pidfd_open(pid);
	if (vm->pidfd < 0) {
		return -ENOMEM;
	}
	if (vmm_epoll_add(vmm, vm->mmio_fd, EV_MMIO | vm->index) ||
	    vmm_epoll_add(vmm, vm->kick_fd, EV_KICK | vm->index) ||
	    vmm_epoll_add(vmm, vm->pidfd, EV_PID | vm->index)) {
		return -ENOMEM;
	}
	printf("rheap-vmm: vm%u endpoint 0x%04x pid %d serving %s\n", vm->index,
	       vm->ep, (int)pid, vm->uapi_path);
	fflush(stdout);
	return 0;
}

/* Set up VM @i's memory, tables and board connection (no process yet). */
static int vmm_vm_init(struct vmm *vmm, uint32_t i)
{
	const struct vmm_cfg *cfg = &vmm->cfg;
	struct nw_client_dram dram[NW_CLIENT_MAX_DRAM];
	struct vmm_vm *vm = &vmm->vms[i];
	uint32_t dcount = nw_client_dram_count(vmm->hyp);
	char dir[128];
	int rc = 0;

	vm->ram_pa = cfg->guest_base + (uint64_t)i * cfg->guest_mem;
	vm->ram_size = cfg->guest_mem;
	vm->ram = vmm_pa_ptr(vmm, vm->ram_pa, vm->ram_size);
	vm->hyp_tx_pa = cfg->guest_base + (uint64_t)cfg->vm_count * cfg->guest_mem +
			(uint64_t)i * VMM_MBOX_AREA;
	vm->hyp_tx = vmm_pa_ptr(vmm, vm->hyp_tx_pa, VMM_MBOX_AREA);
	if (!vm->ram || !vm->hyp_tx) {
		return -EINVAL;
	}
	vm->hyp_rx = vm->hyp_tx + VMM_MBOX_PAGES * VMM_PAGE_SIZE;
	vmm_zero(vm->ram, vm->ram_size);
	vm->range = (struct virtq_mem_range){ .gpa = 0, .size = vm->ram_size,
					      .host = vm->ram };
	vm->mem = (struct virtq_mem){ .ranges = &vm->range, .range_count = 1 };
	vm->bufs = calloc(cfg->quota_buffers, sizeof(*vm->bufs));
	vm->atts = calloc(cfg->quota_attachments, sizeof(*vm->atts));
	vm->pages = calloc(vm->ram_size / VMM_PAGE_SIZE, 1);
	vm->shares = calloc(VMM_MAX_SHARES, sizeof(*vm->shares));
	if (!vm->bufs || !vm->atts || !vm->pages || !vm->shares) {
		return -ENOMEM;
	}
	/* IDs of one VM never look like another's: (index + 1) << 32 | n. */
	vm->next_buf_id = ((uint64_t)i + 1) << 32 | 1u;
	vm->next_att_id = ((uint64_t)i + 1) << 32 | 1u;
	vmm_dev_reset(vm);
	for (uint32_t d = 0; d < dcount; d++) {
		(void)nw_client_dram_get(vmm->hyp, d, &dram[d]);
	}
	rc = nw_client_connect_vm(cfg->board_path, vm->ep, dram, dcount, &vm->ffa);
	if (rc) {
		vmm_log(vmm, "vm%u: VM endpoint 0x%04x refused: %s", i, vm->ep,
			rheap_strerror(rc));
		return rc;
	}
	if (snprintf(dir, sizeof(dir), "%s/vm%u", vmm->run_dir, i) >=
		    (int)sizeof(dir) ||
	    snprintf(vm->uapi_path, sizeof(vm->uapi_path), "%s/rheapd.sock",
		     dir) >= (int)sizeof(vm->uapi_path)) {
		return -ENOSPC;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		return -EPERM;
	}
	unlink(vm->uapi_path);
	return 0;
}

/*
 * The VM's endpoint is gone: what it lent from its RAM (FFA LEND through
 * vmm_ffa.c) is orphaned on the board, secure and counted. Only the
 * hypervisor may take it back; the board scrubs each LEND before the
 * TZASC opens it again, so the pages come back before the slice is zeroed
 * and given to the next guest.
 */
static void vmm_vm_reclaim_orphans(struct vmm *vmm, struct vmm_vm *vm)
{
	uint32_t reclaimed = 0;
	uint32_t held = 0;
	int status = 0;
	int rc = nw_client_hyp_reclaim(vmm->hyp, vm->ep, &reclaimed, &held,
				       &status);

	if (rc) {
		vmm_log(vmm, "vm%u: hypervisor reclaim of endpoint 0x%04x: %s",
			vm->index, vm->ep, rheap_err_name(rc));
		return;
	}
	if (status == -ENOENT) {
		return; /* it lent nothing: the ID left the SPMC with it */
	}
	if (status == 0 && held == 0) {
		vmm_log(vmm, "vm%u: reclaimed %u orphaned transaction(s) of endpoint 0x%04x",
			vm->index, reclaimed, vm->ep);
		return;
	}
	vmm_log(vmm, "vm%u: reclaimed %u orphaned transaction(s) of endpoint 0x%04x, %u still held (%s)",
		vm->index, reclaimed, vm->ep, held, rheap_err_name(status));
}

/* The VM is gone: release what it held on the host, zero its RAM. */
static void vmm_vm_dead(struct vmm *vmm, struct vmm_vm *vm)
{
	siginfo_t si = { 0 };

	if (!vm->alive && vm->pidfd < 0) {
		return;
	}
	vm->alive = false;
	if (vm->pid > 0 && waitid(P_PID, (id_t)vm->pid, &si, WEXITED) == 0) {
		vm->exit_status = si.si_code == CLD_EXITED ? si.si_status :
							    128 + si.si_status;
	}
	vm->pid = 0;
	if (vm->pidfd >= 0) {
		epoll_ctl(vmm->epfd, EPOLL_CTL_DEL, vm->pidfd, NULL);
	}
	if (vm->mmio_fd >= 0) {
		epoll_ctl(vmm->epfd, EPOLL_CTL_DEL, vm->mmio_fd, NULL);
	}
	if (vm->kick_fd >= 0) {
		epoll_ctl(vmm->epfd, EPOLL_CTL_DEL, vm->kick_fd, NULL);
	}
	vmm_close(&vm->pidfd);
	vmm_close(&vm->mmio_fd);
	vmm_close(&vm->kick_fd);
	vmm_close(&vm->irq_fd);
	vmm_dev_release(vm);
	/* The board tears the endpoint down: its LENDs become orphans. */
	if (vm->ffa && nw_client_destroy_wait(vm->ffa, VMM_BOARD_CLOSE_MS) != 0) {
		vmm_log(vmm, "vm%u: the board did not close endpoint 0x%04x in %d ms",
			vm->index, vm->ep, VMM_BOARD_CLOSE_MS);
	}
	vm->ffa = NULL;
	vmm_vm_reclaim_orphans(vmm, vm);
	vm->mbox_mapped = false;
	if (vm->shares) {
		memset(vm->shares, 0, VMM_MAX_SHARES * sizeof(*vm->shares));
	}
	if (vm->pages) {
		memset(vm->pages, 0, (size_t)(vm->ram_size / VMM_PAGE_SIZE));
	}
	vmm_dev_reset(vm);
	if (vm->ram) {
		vmm_zero(vm->ram, vm->ram_size);
	}
	unlink(vm->uapi_path);
	vmm_log(vmm, "vm%u stopped (status %d); its buffers, attachments and endpoint released",
		vm->index, vm->exit_status);
}

/* ---- Control socket ---- */

static void vmm_status_json(struct vmm *vmm, FILE *f)
{
	struct json_writer w;
	uint64_t first = vmm->denial_total > VMM_DENIAL_LOG ?
				 vmm->denial_total - VMM_DENIAL_LOG : 0;

	json_writer_init(&w, f);
	json_write_object_begin(&w);
	json_write_key(&w, "vms");
	json_write_array_begin(&w);
	for (uint32_t i = 0; i < vmm->cfg.vm_count; i++) {
		const struct vmm_vm *vm = &vmm->vms[i];

		json_write_object_begin(&w);
		json_write_key(&w, "index");
		json_write_u64(&w, i);
		json_write_key(&w, "endpoint");
		json_write_u64(&w, vm->ep);
		json_write_key(&w, "pid");
		json_write_u64(&w, (uint64_t)vm->pid);
		json_write_key(&w, "alive");
		json_write_bool(&w, vm->alive);
		json_write_key(&w, "ram_base");
		json_write_u64(&w, vm->ram_pa);
		json_write_key(&w, "ram_size");
		json_write_u64(&w, vm->ram_size);
		json_write_key(&w, "status");
		json_write_u64(&w, vm->status);
		json_write_key(&w, "buffers");
		json_write_u64(&w, vm->buf_count);
		json_write_key(&w, "bytes");
		json_write_u64(&w, vm->bytes);
		json_write_key(&w, "attachments");
		json_write_u64(&w, vm->att_count);
		json_write_key(&w, "denials");
		json_write_u64(&w, vm->denials);
		json_write_key(&w, "requests");
		json_write_u64(&w, vm->requests);
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_key(&w, "denials_total");
	json_write_u64(&w, vmm->denial_total);
	json_write_key(&w, "denials");
	json_write_array_begin(&w);
	for (uint64_t n = first; n < vmm->denial_total; n++) {
		const struct vmm_denial *d = &vmm->denials[n % VMM_DENIAL_LOG];

		json_write_object_begin(&w);
		json_write_key(&w, "vm");
		json_write_u64(&w, d->vm);
		json_write_key(&w, "request");
		json_write_string(&w, d->request);
		json_write_key(&w, "id");
		json_write_u64(&w, d->id);
		json_write_key(&w, "reason");
		json_write_string(&w, d->reason);
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_object_end(&w);
	(void)json_writer_finish(&w);
}

static void vmm_ctl_serve(struct vmm *vmm, int fd)
{
	char req[64] = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = NULL;
	ssize_t n = recv(fd, req, sizeof(req) - 1, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (n <= 0) {
		epoll_ctl(vmm->epfd, EPOLL_CTL_DEL, fd, NULL);
		close(fd);
		return;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		return;
	}
	if ((size_t)n == 6 && memcmp(req, "STATUS", 6) == 0) {
		vmm_status_json(vmm, f);
	} else {
		fputs("{\"error\": \"EINVAL\"}\n", f);
	}
	fclose(f);
	if (send(fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len) {
		epoll_ctl(vmm->epfd, EPOLL_CTL_DEL, fd, NULL);
		close(fd);
	}
	free(text);
}

static int vmm_ctl_listen(struct vmm *vmm)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = -1;

	if (strlen(vmm->ctl_path) >= sizeof(a.sun_path)) {
		return -ENOSPC;
	}
	memcpy(a.sun_path, vmm->ctl_path, strlen(vmm->ctl_path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return -ENOMEM;
	}
	unlink(vmm->ctl_path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    chmod(vmm->ctl_path, 0600) != 0 || listen(fd, 8) != 0) {
		close(fd);
		return -EPERM;
	}
	vmm->ctl_fd = fd;
	return vmm_epoll_add(vmm, fd, EV_CTL);
}

/* ---- Create, run, destroy ---- */

static int vmm_cfg_check(const struct vmm_cfg *cfg)
{
	if (cfg->vm_count == 0 || cfg->vm_count > VMM_MAX_VMS || !cfg->guest ||
	    !cfg->board_path || !cfg->rheapd_path || !cfg->run_dir ||
	    cfg->guest_mem < (UINT64_C(1) << 20) ||
	    cfg->guest_mem % VMM_PAGE_SIZE != 0 ||
	    cfg->guest_base % VMM_PAGE_SIZE != 0 || cfg->quota_buffers == 0 ||
	    cfg->quota_buffers > 65536 || cfg->quota_attachments == 0 ||
	    cfg->quota_attachments > 65536) {
		return -EINVAL;
	}
	return 0;
}

int vmm_create(const struct vmm_cfg *cfg, struct vmm **out)
{
	struct rheap_heap_desc descs[VMM_MAX_HEAPS];
	struct vmm *vmm = NULL;
	sigset_t mask;
	sigset_t old;
	size_t count = 0;
	int rc = vmm_cfg_check(cfg);

	if (rc) {
		return rc;
	}
	vmm = calloc(1, sizeof(*vmm));
	if (!vmm) {
		return -ENOMEM;
	}
	vmm->cfg = *cfg;
	vmm->epfd = -1;
	vmm->sigfd = -1;
	vmm->ctl_fd = -1;
	for (uint32_t i = 0; i < VMM_MAX_VMS; i++) {
		vmm->vms[i] = (struct vmm_vm){ .vmm = vmm, .index = i,
					       .ep = (uint16_t)(0x0002u + i),
					       .pidfd = -1, .mmio_fd = -1,
					       .kick_fd = -1, .irq_fd = -1 };
	}
	if (snprintf(vmm->run_dir, sizeof(vmm->run_dir), "%s", cfg->run_dir) >=
		    (int)sizeof(vmm->run_dir) ||
	    snprintf(vmm->ctl_path, sizeof(vmm->ctl_path), "%s/vmm.sock",
		     cfg->run_dir) >= (int)sizeof(vmm->ctl_path)) {
		rc = -ENOSPC;
		goto err_destroy;
	}
	if (mkdir(vmm->run_dir, 0700) != 0 && errno != EEXIST) {
		rc = -EPERM;
		goto err_destroy;
	}
	setenv("RHEAPD_SOCKET", cfg->rheapd_path, 1);
	rc = rheap_heap_list(RHEAP_OPEN_RHEAPD, descs, VMM_MAX_HEAPS, &count);
	if (rc) {
		vmm_log(vmm, "host rheapd at %s: %s", cfg->rheapd_path,
			rheap_strerror(rc));
		goto err_destroy;
	}
	vmm->heap_count = (uint32_t)(count < VMM_MAX_HEAPS ? count : VMM_MAX_HEAPS);
	memcpy(vmm->heaps, descs, vmm->heap_count * sizeof(descs[0]));
	rc = nw_client_connect_hyp(cfg->board_path, &vmm->hyp);
	if (rc) {
		vmm_log(vmm, "board at %s refused the hypervisor: %s",
			cfg->board_path, rheap_strerror(rc));
		goto err_destroy;
	}
	rc = vmm_layout(vmm);
	if (rc) {
		goto err_destroy;
	}
	for (uint32_t i = 0; i < cfg->vm_count; i++) {
		rc = vmm_vm_init(vmm, i);
		if (rc) {
			goto err_destroy;
		}
	}
	vmm->epfd = epoll_create1(EPOLL_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	signal(SIGPIPE, SIG_IGN);
	vmm->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (vmm->epfd < 0 || vmm->sigfd < 0 ||
	    vmm_epoll_add(vmm, vmm->sigfd, EV_SIG) != 0) {
		rc = -ENOMEM;
		goto err_destroy;
	}
	rc = vmm_ctl_listen(vmm);
	if (rc) {
		goto err_destroy;
	}
	for (uint32_t i = 0; i < cfg->vm_count; i++) {
		rc = vmm_vm_start(vmm, &vmm->vms[i], &old);
		if (rc) {
			goto err_destroy;
		}
	}
	printf("rheap-vmm: ready\n");
	fflush(stdout);
	*out = vmm;
	return 0;

err_destroy:
	vmm_destroy(vmm);
	return rc;
}

static void vmm_signal(struct vmm *vmm)
{
	struct signalfd_siginfo si;

	while (read(vmm->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			vmm->stop = true;
		}
		/* SIGCHLD: the pidfds say which guest. */
	}
}

static void vmm_dispatch(struct vmm *vmm, const struct epoll_event *ev)
{
	uint64_t kind = ev->data.u64 & EV_KIND;
	uint64_t low = ev->data.u64 & ~EV_KIND;
	struct vmm_vm *vm = &vmm->vms[low % VMM_MAX_VMS];
	int c = -1;

	switch (kind) {
	case EV_SIG:
		vmm_signal(vmm);
		break;
	case EV_CTL:
		c = accept4(vmm->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c >= 0 && vmm_epoll_add(vmm, c, EV_CLIENT | (uint64_t)c)) {
			close(c);
		}
		break;
	case EV_CLIENT:
		vmm_ctl_serve(vmm, (int)low);
		break;
	case EV_MMIO:
		if (vm->alive && vmm_dev_mmio(vm) != 0) {
			epoll_ctl(vmm->epfd, EPOLL_CTL_DEL, vm->mmio_fd, NULL);
		}
		break;
	case EV_KICK:
		if (vm->alive) {
			vmm_dev_kick(vm);
		}
		break;
	case EV_PID:
		vmm_vm_dead(vmm, vm);
		break;
	default:
		break;
	}
}

/* One round of the event loop; -ENOMEM if epoll fails. */
static int vmm_poll(struct vmm *vmm, int timeout_ms)
{
	struct epoll_event evs[16];
	int n = epoll_wait(vmm->epfd, evs, 16, timeout_ms);

	if (n < 0 && errno == EINTR) {
		return 0;
	}
	if (n < 0) {
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		vmm_dispatch(vmm, &evs[i]);
	}
	return 0;
}

int vmm_run(struct vmm *vmm)
{
	while (!vmm->stop) {
		int rc = vmm_poll(vmm, -1);

		if (rc) {
			return rc;
		}
	}
	return 0;
}

int vmm_guest_pid(const struct vmm *vmm, uint32_t index)
{
	return index < vmm->cfg.vm_count ? (int)vmm->vms[index].pid : 0;
}

static bool vmm_any_alive(const struct vmm *vmm)
{
	for (uint32_t i = 0; i < vmm->cfg.vm_count; i++) {
		if (vmm->vms[i].alive) {
			return true;
		}
	}
	return false;
}

/*
 * SIGTERM every guest and keep serving them while they shut down (a
 * guest kernel frees and detaches over its device on the way out);
 * SIGKILL what is left after VMM_STOP_WAIT_MS.
 */
static void vmm_stop_guests(struct vmm *vmm)
{
	struct timespec t0 = { 0 };
	struct timespec t = { 0 };
	int64_t left = VMM_STOP_WAIT_MS;

	for (uint32_t i = 0; i < vmm->cfg.vm_count; i++) {
		if (vmm->vms[i].pid > 0) {
			kill(vmm->vms[i].pid, SIGTERM);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (vmm->epfd >= 0 && left > 0 && vmm_any_alive(vmm) &&
	       vmm_poll(vmm, (int)left) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = VMM_STOP_WAIT_MS - ((int64_t)(t.tv_sec - t0.tv_sec) * 1000 +
					   (t.tv_nsec - t0.tv_nsec) / 1000000);
	}
	for (uint32_t i = 0; i < vmm->cfg.vm_count; i++) {
		struct vmm_vm *vm = &vmm->vms[i];

		if (vm->pid > 0 && vm->alive) {
			kill(vm->pid, SIGKILL);
		}
		if (vm->alive || vm->pidfd >= 0) {
			vmm_vm_dead(vmm, vm);
		}
	}
}

void vmm_destroy(struct vmm *vmm)
{
	if (!vmm) {
		return;
	}
	vmm_stop_guests(vmm);
	for (uint32_t i = 0; i < VMM_MAX_VMS; i++) {
		struct vmm_vm *vm = &vmm->vms[i];

		vmm_dev_release(vm);
		nw_client_destroy(vm->ffa);
		if (vm->ram) {
			vmm_zero(vm->ram, vm->ram_size);
		}
		free(vm->bufs);
		free(vm->atts);
		free(vm->pages);
		free(vm->shares);
	}
	if (vmm->ctl_fd >= 0) {
		close(vmm->ctl_fd);
		unlink(vmm->ctl_path);
	}
	vmm_close(&vmm->sigfd);
	vmm_close(&vmm->epfd);
	nw_client_destroy(vmm->hyp);
	free(vmm);
}
