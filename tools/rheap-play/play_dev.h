/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-play's view of a media device: librheap's device API
 * (rheap_device_* in include/rheap/rheap.h) behind four calls, so that the
 * pipeline does not depend on its exact shape.
 */
#ifndef RHEAP_TOOLS_RHEAP_PLAY_PLAY_DEV_H
#define RHEAP_TOOLS_RHEAP_PLAY_PLAY_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/device_abi.h>

struct play_dev;

/**
 * play_dev_open() - open a device by its DT name ("vdec", "display", "gpu")
 * @name: the name
 * @out:  the device (its own rheapd connection)
 * Return: 0; -ENOENT no such device or rheapd not reachable; -EPERM;
 * -ENOMEM.
 */
int play_dev_open(const char *name, struct play_dev **out);

/**
 * play_dev_close() - close a device; its attachments and contexts go
 * @d: the device, or NULL
 */
void play_dev_close(struct play_dev *d);

/**
 * play_dev_attach() - attach a buffer handle
 * @d:         the device
 * @fd:        the handle (not consumed)
 * @write:     the device may write it
 * @attach_id: out
 * @seg_count: out: segments of the attachment (DEVICE commands need one)
 * Return: 0; librheap's errors.
 */
int play_dev_attach(struct play_dev *d, int fd, bool write,
		    uint64_t *attach_id, uint32_t *seg_count);

/**
 * play_dev_detach() - drop an attachment
 * @d:         the device
 * @attach_id: from play_dev_attach()
 * Return: 0; -ENOENT; -EBUSY (a vdec context may still write it).
 */
int play_dev_detach(struct play_dev *d, uint64_t attach_id);

/**
 * play_dev_cmd() - one device command (include/rheap/device_abi.h)
 * @d:    the device
 * @cmd:  enum device_cmd
 * @args: DEVICE_ARGS argument slots (rheapd side)
 * @fd:   the fd that goes with the command (VDEC_OPEN config memfd,
 *        GPU_READ handle), or -1
 * @res:  out: DEVICE_RESULTS result slots
 * Return: the device's status (0 or a negative errno); librheap's errors.
 */
int play_dev_cmd(struct play_dev *d, uint32_t cmd,
		 const uint64_t args[DEVICE_ARGS], int fd,
		 uint64_t res[DEVICE_RESULTS]);

/**
 * play_dev_config_fd() - a sealed memfd holding a decoder's configuration,
 * for VDEC_OPEN
 * @data: the bytes
 * @len:  1..64 KiB
 * Return: the fd (the caller closes it); -EINVAL bad @len; -ENOMEM.
 */
int play_dev_config_fd(const void *data, size_t len);

#endif /* RHEAP_TOOLS_RHEAP_PLAY_PLAY_DEV_H */
