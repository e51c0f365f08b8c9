// SPDX-License-Identifier: BSD-2-Clause
/*
 * The TEE Client API over a Linux TEE device (/dev/tee*: the rheap kernel
 * module's TEE driver, kernel/linux/rheap_tee.c; docs/tee.md "librheap's
 * Linux backend"). The ioctls are the kernel's (linux/tee.h), plus
 * TEE_IOC_SHM_REGISTER_FD, which Linux 6.1 gets from the project's patch
 * kernel/linux/patches/0090 (OP-TEE's number and layout).
 *
 *   - TEEC_AllocateSharedMemory: TEE_IOC_SHM_ALLOC, mapped; memrefs to it
 *     go by its ID.
 *   - TEEC_RegisterSharedMemoryFileDescriptor: TEE_IOC_SHM_REGISTER_FD;
 *     no CPU mapping (the driver takes only restricted buffers).
 *   - Client memory (TEMP memrefs, TEEC_RegisterSharedMemory) goes through
 *     a bounce tee_shm per memref per invocation: TEE_IOC_SHM_ALLOC,
 *     copied in before and out after.
 *   - A failed ioctl is origin COMMS: EINVAL (the kernel's checks, e.g. a
 *     memref past its tee_shm) TEEC_ERROR_BAD_PARAMETERS, ENOMEM
 *     OUT_OF_MEMORY, anything else GENERIC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/tee.h>

#include <rheap/tee_client_api.h>

#include "lib/teec_internal.h"

#ifndef TEE_IOC_SHM_REGISTER_FD
struct tee_ioctl_shm_register_fd_data {
	__s64 fd;
	__u64 size;
	__u32 flags;
	__s32 id;
} __attribute__((aligned(8)));

#define TEE_IOC_SHM_REGISTER_FD                        \
	_IOWR(TEE_IOC_MAGIC, TEE_IOC_BASE + 8, \
	      struct tee_ioctl_shm_register_fd_data)
#endif

#define TEEC_LINUX_PARAMS 4u

/* 64-bit words holding an ioctl argument struct and its parameters. */
#define ARG_WORDS(type)                                                  \
	((sizeof(type) + TEEC_LINUX_PARAMS * sizeof(struct tee_ioctl_param) + \
	  7u) / 8u)

static atomic_uint teec_linux_cancel_ids;

static void set_origin(uint32_t *origin, uint32_t value)
{
	if (origin != NULL) {
		*origin = value;
	}
}

static TEEC_Result from_errno(int err)
{
	switch (err) {
	case EINVAL:
		return TEEC_ERROR_BAD_PARAMETERS;
	case ENOMEM:
		return TEEC_ERROR_OUT_OF_MEMORY;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return TEEC_ERROR_ITEM_NOT_FOUND;
	case EACCES:
	case EPERM:
		return TEEC_ERROR_ACCESS_DENIED;
	default:
		return TEEC_ERROR_GENERIC;
	}
}

/* A result the driver wrote: a known origin. */
static bool result_valid(uint32_t origin)
{
	return origin >= TEEC_ORIGIN_API && origin <= TEEC_ORIGIN_TRUSTED_APP;
}

TEEC_Result teec_linux_open(const char *path, int *fd)
{
	struct tee_ioctl_version_data v = { 0 };
	int f = open(path, O_RDWR | O_CLOEXEC);

	if (f < 0) {
		return from_errno(errno);
	}
	if (ioctl(f, TEE_IOC_VERSION, &v) != 0 ||
	    (v.gen_caps & TEE_GEN_CAP_GP) == 0) {
		close(f);
		return TEEC_ERROR_NOT_SUPPORTED;
	}
	*fd = f;
	return TEEC_SUCCESS;
}

TEEC_Result teec_linux_open_session(int fd, TEEC_Session *session,
				    const uint8_t uuid[16], uint32_t login,
				    uint32_t *origin)
{
	/* The argument struct ends in a flexible array of parameters: one
	 * 8-byte-aligned block holds both. */
	uint64_t words[ARG_WORDS(struct tee_ioctl_open_session_arg)] = { 0 };
	struct tee_ioctl_open_session_arg *arg = (void *)words;
	struct tee_ioctl_buf_data buf = {
		.buf_ptr = (uintptr_t)words,
		.buf_len = sizeof(words),
	};

	memcpy(arg->uuid, uuid, TEE_IOCTL_UUID_LEN);
	arg->clnt_login = login;
	arg->num_params = TEEC_LINUX_PARAMS;
	if (ioctl(fd, TEE_IOC_OPEN_SESSION, &buf) != 0) {
		set_origin(origin, TEEC_ORIGIN_COMMS);
		return from_errno(errno);
	}
	if (!result_valid(arg->ret_origin)) {
		set_origin(origin, TEEC_ORIGIN_COMMS);
		return TEEC_ERROR_COMMUNICATION;
	}
	set_origin(origin, arg->ret_origin);
	if (arg->ret != TEEC_SUCCESS) {
		return arg->ret;
	}
	session->imp.session_id = arg->session;
	return TEEC_SUCCESS;
}

void teec_linux_close_session(int fd, uint32_t session)
{
	struct tee_ioctl_close_session_arg a = { .session = session };

	(void)ioctl(fd, TEE_IOC_CLOSE_SESSION, &a);
}

void teec_linux_cancel(int fd, uint32_t session, uint32_t cancel_id)
{
	struct tee_ioctl_cancel_arg a = {
		.cancel_id = cancel_id,
		.session = session,
	};

	(void)ioctl(fd, TEE_IOC_CANCEL, &a);
}

/* A tee_shm from the driver's pool, mapped: its fd, ID, mapping. */
static TEEC_Result shm_alloc(int fd, size_t size, int *shm_fd, int32_t *id,
			     void **map, size_t *map_size)
{
	struct tee_ioctl_shm_alloc_data d = { .size = size ? size : 1 };
	void *p = NULL;
	int f = ioctl(fd, TEE_IOC_SHM_ALLOC, &d);

	if (f < 0) {
		return from_errno(errno);
	}
	if (d.id <= 0 || d.size < size || d.size > SIZE_MAX) {
		close(f);
		return TEEC_ERROR_COMMUNICATION;
	}
	p = mmap(NULL, (size_t)d.size, PROT_READ | PROT_WRITE, MAP_SHARED, f,
		 0);
	if (p == MAP_FAILED) {
		close(f);
		return TEEC_ERROR_OUT_OF_MEMORY;
	}
	*shm_fd = f;
	*id = d.id;
	*map = p;
	*map_size = (size_t)d.size;
	return TEEC_SUCCESS;
}

TEEC_Result teec_linux_alloc_shm(int fd, TEEC_SharedMemory *shm)
{
	size_t map_size = 0;
	void *map = NULL;
	int32_t id = 0;
	int f = -1;
	TEEC_Result res = shm_alloc(fd, shm->size, &f, &id, &map, &map_size);

	if (res != TEEC_SUCCESS) {
		return res;
	}
	memset(&shm->imp, 0, sizeof(shm->imp));
	shm->buffer = map;
	shm->imp.shm_id = (uint32_t)id;
	shm->imp.tee_shm_fd = f;
	shm->imp.alloced_size = map_size;
	shm->imp.allocated = true;
	return TEEC_SUCCESS;
}

TEEC_Result teec_linux_register_fd(int fd, TEEC_SharedMemory *shm,
				   int dmabuf_fd)
{
	struct tee_ioctl_shm_register_fd_data d = { .fd = dmabuf_fd };
	int f = ioctl(fd, TEE_IOC_SHM_REGISTER_FD, &d);

	if (f < 0) {
		return from_errno(errno);
	}
	if (d.id <= 0 || d.size == 0 || d.size > SIZE_MAX) {
		close(f);
		return TEEC_ERROR_COMMUNICATION;
	}
	memset(&shm->imp, 0, sizeof(shm->imp));
	shm->buffer = NULL; /* restricted: no CPU mapping */
	shm->size = (size_t)d.size;
	shm->imp.shm_id = (uint32_t)d.id;
	shm->imp.tee_shm_fd = f;
	shm->imp.registered_fd = true;
	shm->imp.restricted = true;
	return TEEC_SUCCESS;
}

void teec_linux_release_shm(TEEC_SharedMemory *shm)
{
	if (shm->imp.alloced_size != 0 && shm->buffer != NULL) {
		munmap(shm->buffer, shm->imp.alloced_size);
	}
	if (shm->imp.shm_id != 0) {
		close(shm->imp.tee_shm_fd);
	}
	if (shm->imp.allocated || shm->imp.registered_fd) {
		shm->buffer = NULL;
		shm->size = 0;
	}
	memset(&shm->imp, 0, sizeof(shm->imp));
}

/**
 * struct bounce - a TEMP memref's tee_shm for one invocation
 * @fd:   its fd, -1 if none
 * @map:  its mapping
 * @size: mapped bytes
 */
struct bounce {
	int fd;
	void *map;
	size_t size;
};

static uint32_t memref_attr(bool in, bool out)
{
	return in && out ? TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT :
	       in	 ? TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT :
			   TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
}

/* Fill the ioctl's parameters; client memory gets a bounce tee_shm. */
static TEEC_Result params_build(TEEC_Session *session, int fd,
				TEEC_Operation *op,
				struct tee_ioctl_param *ip,
				struct teec_param *tp, struct bounce *bn)
{
	TEEC_Result res = TEEC_SUCCESS;

	if ((op->paramTypes >> 16) != 0) {
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	for (uint32_t i = 0; i < TEEC_LINUX_PARAMS; i++) {
		uint32_t type = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		int32_t id = 0;

		res = teec_param_resolve(session->imp.ctx, type,
					 &op->params[i], &tp[i]);
		if (res != TEEC_SUCCESS) {
			return res;
		}
		if (tp[i].type == TEEC_NONE) {
			continue;
		}
		if (tp[i].type <= TEEC_VALUE_INOUT) {
			/* GP and Linux number VALUE types alike. */
			ip[i].attr = tp[i].type;
			ip[i].a = op->params[i].value.a;
			ip[i].b = op->params[i].value.b;
			continue;
		}
		ip[i].attr = memref_attr(tp[i].in, tp[i].out);
		ip[i].b = tp[i].size;
		if (tp[i].type >= TEEC_MEMREF_PARTIAL_INPUT) {
			ip[i].a = tp[i].offset;
			ip[i].c = tp[i].shm_id;
			continue;
		}
		res = shm_alloc(fd, tp[i].size, &bn[i].fd, &id, &bn[i].map,
				&bn[i].size);
		if (res != TEEC_SUCCESS) {
			return res;
		}
		if (tp[i].in && tp[i].src != NULL && tp[i].size != 0) {
			memcpy(bn[i].map, tp[i].src, tp[i].size);
		}
		ip[i].a = 0;
		ip[i].c = (uint64_t)id;
	}
	return TEEC_SUCCESS;
}

/* Outputs back into the operation: values, memref sizes, bounce bytes
 * (up to what the client gave). */
static void params_return(TEEC_Operation *op,
			  const struct tee_ioctl_param *ip,
			  const struct teec_param *tp, const struct bounce *bn)
{
	for (uint32_t i = 0; i < TEEC_LINUX_PARAMS; i++) {
		uint32_t type = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		TEEC_Parameter *p = &op->params[i];
		uint64_t n = 0;

		if (!tp[i].out) {
			continue;
		}
		if (type >= TEEC_VALUE_INPUT && type <= TEEC_VALUE_INOUT) {
			p->value.a = (uint32_t)ip[i].a;
			p->value.b = (uint32_t)ip[i].b;
			continue;
		}
		n = ip[i].b < tp[i].size ? ip[i].b : tp[i].size;
		if (bn[i].fd >= 0 && tp[i].src != NULL) {
			memcpy(tp[i].src, bn[i].map, (size_t)n);
		}
		if (type == TEEC_MEMREF_WHOLE) {
			continue;
		}
		if (type >= TEEC_MEMREF_TEMP_INPUT &&
		    type <= TEEC_MEMREF_TEMP_INOUT) {
			p->tmpref.size = (size_t)ip[i].b;
		} else {
			p->memref.size = (size_t)ip[i].b;
		}
	}
}

TEEC_Result teec_linux_invoke(TEEC_Session *session, int fd, uint32_t cmd,
			      TEEC_Operation *op, uint32_t *origin)
{
	uint64_t words[ARG_WORDS(struct tee_ioctl_invoke_arg)] = { 0 };
	struct tee_ioctl_invoke_arg *arg = (void *)words;
	struct tee_ioctl_buf_data buf = {
		.buf_ptr = (uintptr_t)words,
		.buf_len = sizeof(words),
	};
	struct teec_param tp[TEEC_LINUX_PARAMS];
	struct bounce bn[TEEC_LINUX_PARAMS];
	TEEC_Result res = TEEC_SUCCESS;

	memset(tp, 0, sizeof(tp));
	for (uint32_t i = 0; i < TEEC_LINUX_PARAMS; i++) {
		bn[i].fd = -1;
		bn[i].map = NULL;
		bn[i].size = 0;
	}
	set_origin(origin, TEEC_ORIGIN_API);
	if (op != NULL) {
		res = params_build(session, fd, op, arg->params, tp, bn);
		if (res != TEEC_SUCCESS) {
			goto out;
		}
		arg->cancel_id = atomic_fetch_add(&teec_linux_cancel_ids, 1) + 1;
		if (arg->cancel_id == 0) {
			arg->cancel_id = 1;
		}
		op->imp.session = session;
		op->imp.cancel_id = arg->cancel_id;
		op->started = 1;
	}
	arg->func = cmd;
	arg->session = session->imp.session_id;
	arg->num_params = TEEC_LINUX_PARAMS;
	if (ioctl(fd, TEE_IOC_INVOKE, &buf) != 0) {
		set_origin(origin, TEEC_ORIGIN_COMMS);
		res = from_errno(errno);
	} else if (!result_valid(arg->ret_origin)) {
		set_origin(origin, TEEC_ORIGIN_COMMS);
		res = TEEC_ERROR_COMMUNICATION;
	} else {
		set_origin(origin, arg->ret_origin);
		res = arg->ret;
		/* GP: outputs are updated on success and on SHORT_BUFFER. */
		if (op != NULL && (res == TEEC_SUCCESS ||
				   res == TEEC_ERROR_SHORT_BUFFER)) {
			params_return(op, arg->params, tp, bn);
		}
	}
	if (op != NULL) {
		op->imp.session = NULL;
	}
out:
	for (uint32_t i = 0; i < TEEC_LINUX_PARAMS; i++) {
		if (bn[i].fd >= 0) {
			munmap(bn[i].map, bn[i].size);
			close(bn[i].fd);
		}
	}
	return res;
}
